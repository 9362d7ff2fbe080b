//! CSV of the sources table and of the flows to the suspect, written with the `csv`
//! crate (quoting as RFC 4180). Each table is a list of columns — a header and a
//! function of the row — so a column (say a country) is one line to add. The full
//! tables are streamed ([`write_sources`], [`write_flows_to`], [`CsvStream`]): their
//! size has no bound, so they are never built in memory.

use std::io::{self, Write};

use crate::analysis::flows::FlowTo;
use crate::analysis::sources::Source;
use crate::analysis::Report;

use super::rfc3339_opt;

/// One column: its header and its cell for a row.
pub type Column<T> = (&'static str, fn(&T) -> String);

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The columns of the sources table (question 1).
pub const SOURCE_COLUMNS: &[Column<Source>] = &[
    ("srcaddr", |s| s.addr.clone()),
    ("class", |s| s.class.as_str().to_string()),
    ("country", |s| {
        opt(s.geo.as_ref().and_then(|g| g.country.as_deref()))
    }),
    ("asn", |s| opt(s.geo.as_ref().and_then(|g| g.asn))),
    ("as_org", |s| {
        opt(s.geo.as_ref().and_then(|g| g.as_org.as_deref()))
    }),
    ("flows", |s| s.flows.to_string()),
    ("packets", |s| s.packets.to_string()),
    ("bytes_sent", |s| s.bytes_sent.to_string()),
    ("bytes_received", |s| s.bytes_received.to_string()),
    ("first_start", |s| rfc3339_opt(s.first_start)),
    ("last_end", |s| rfc3339_opt(s.last_end)),
];

/// A flow to the suspect with the suspect's address.
pub struct FlowRow<'a> {
    /// The suspect (the flow's dstaddr).
    pub dstaddr: &'a str,
    /// The flow.
    pub flow: &'a FlowTo,
}

/// A column of the flows to the suspect, for rows of any lifetime.
pub type FlowColumn = (&'static str, for<'a> fn(&FlowRow<'a>) -> String);

/// The columns of the flows to the suspect (question 4).
pub const FLOW_COLUMNS: &[FlowColumn] = &[
    ("start", |r| rfc3339_opt(r.flow.start)),
    ("end", |r| rfc3339_opt(r.flow.end)),
    ("srcaddr", |r| r.flow.srcaddr.clone()),
    ("srcport", |r| opt(r.flow.srcport)),
    ("dstaddr", |r| r.dstaddr.to_string()),
    ("dstport", |r| opt(r.flow.dstport)),
    ("bytes", |r| r.flow.bytes.to_string()),
];

/// CSV written row by row into `W` (a file, stdout, or a sink of the page's worker
/// that posts chunks as they fill): any number of rows without holding them. Errors
/// are the sink's I/O errors (a closed pipe stays `BrokenPipe`).
pub struct CsvStream<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> CsvStream<W> {
    /// Starts the stream with the header `names`.
    pub fn new<'n>(out: W, names: impl IntoIterator<Item = &'n str>) -> io::Result<CsvStream<W>> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(names)?;
        Ok(CsvStream { writer })
    }

    /// Writes one row of cells (as many as the header has names).
    pub fn cells(&mut self, cells: impl IntoIterator<Item = String>) -> io::Result<()> {
        Ok(self.writer.write_record(cells)?)
    }

    /// Writes one row under `columns` (the same as the header's).
    pub fn row<T>(&mut self, columns: &[Column<T>], row: &T) -> io::Result<()> {
        self.cells(columns.iter().map(|(_, cell)| cell(row)))
    }

    /// Flushes and returns `W`.
    pub fn finish(self) -> io::Result<W> {
        self.writer.into_inner().map_err(|e| e.into_error())
    }
}

/// The flows to the suspect as a CSV stream.
pub struct FlowsCsv<W: Write>(CsvStream<W>);

impl<W: Write> FlowsCsv<W> {
    /// Starts the stream with the header.
    pub fn new(out: W) -> io::Result<FlowsCsv<W>> {
        Ok(FlowsCsv(CsvStream::new(
            out,
            FLOW_COLUMNS.iter().map(|(name, _)| *name),
        )?))
    }

    /// Writes one flow to `dstaddr`.
    pub fn flow(&mut self, dstaddr: &str, flow: &FlowTo) -> io::Result<()> {
        let row = FlowRow { dstaddr, flow };
        self.0
            .cells(FLOW_COLUMNS.iter().map(|(_, cell)| cell(&row)))
    }

    /// Flushes and returns `W`.
    pub fn finish(self) -> io::Result<W> {
        self.0.finish()
    }
}

/// Writes `rows` under `columns` as CSV text.
pub fn table<'a, T: 'a>(
    columns: &[Column<T>],
    rows: impl IntoIterator<Item = &'a T>,
) -> io::Result<String> {
    let mut stream = CsvStream::new(Vec::new(), columns.iter().map(|(name, _)| *name))?;
    for row in rows {
        stream.row(columns, row)?;
    }
    String::from_utf8(stream.finish()?).map_err(io::Error::other)
}

/// Streams the sources `rows` as CSV into `out` (every row of a
/// [`crate::analysis::sources::SourcesTable`], one at a time).
pub fn write_sources<W: Write>(out: W, rows: impl IntoIterator<Item = Source>) -> io::Result<W> {
    let mut stream = CsvStream::new(out, SOURCE_COLUMNS.iter().map(|(name, _)| *name))?;
    for row in rows {
        stream.row(SOURCE_COLUMNS, &row)?;
    }
    stream.finish()
}

/// Streams the flows to `dstaddr` as CSV into `out`.
pub fn write_flows_to<W: Write>(
    out: W,
    dstaddr: &str,
    flows: impl IntoIterator<Item = FlowTo>,
) -> io::Result<W> {
    let mut stream = FlowsCsv::new(out)?;
    for flow in flows {
        stream.flow(dstaddr, &flow)?;
    }
    stream.finish()
}

/// The report's sources (its top rows) as CSV, in the report's order.
pub fn sources(report: &Report) -> io::Result<String> {
    table(SOURCE_COLUMNS, &report.sources.rows)
}

/// The report's flows to the suspect (its first rows) as CSV, by start (only the
/// header when there is no suspect).
pub fn flows_to_suspect(report: &Report) -> io::Result<String> {
    let (addr, flows) = match &report.flows_to_suspect {
        Some(f) => (f.addr.as_str(), f.flows.clone()),
        None => ("", Vec::new()),
    };
    let bytes = write_flows_to(Vec::new(), addr, flows)?;
    String::from_utf8(bytes).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze, Query};
    use crate::flow::{read_bytes, Dataset, ReadOptions};

    /// Two internal hosts talk to the database 10.0.0.5:3306; 198.51.100.9 pulls two
    /// big flows from it; 203.0.113.7 (public) one small one.
    pub(crate) fn dataset() -> Dataset {
        let body = "\
srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
10.0.0.5 198.51.100.9 3306 40001 6 10 5000000 1600221600 1600221660 ACCEPT OK
10.0.0.5 198.51.100.9 3306 40002 6 12 7000000 1600221700 1600221790 ACCEPT OK
198.51.100.9 10.0.0.5 40001 3306 6 4 400 1600221600 1600221660 ACCEPT OK
10.0.0.5 203.0.113.7 3306 50000 6 2 900 1600221500 1600221560 ACCEPT OK
10.0.0.6 10.0.0.5 41000 3306 6 3 300 1600221400 1600221460 ACCEPT OK
";
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        ds
    }

    fn report() -> Report {
        let query = Query {
            suspect: "198.51.100.9".parse().ok(),
            ..Query::default()
        };
        analyze(&dataset(), &query)
    }

    #[test]
    fn flows_csv_lists_the_two_flows_to_the_suspect() {
        let report = report();
        let text = flows_to_suspect(&report).unwrap();
        assert_eq!(
            text,
            "start,end,srcaddr,srcport,dstaddr,dstport,bytes\n\
             2020-09-16T02:00:00Z,2020-09-16T02:01:00Z,10.0.0.5,3306,198.51.100.9,40001,5000000\n\
             2020-09-16T02:01:40Z,2020-09-16T02:03:10Z,10.0.0.5,3306,198.51.100.9,40002,7000000\n"
        );
        // Read back with the csv crate: the byte column sums to the report's total.
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let total: u64 = reader
            .records()
            .map(|r| r.unwrap()[6].parse::<u64>().unwrap())
            .sum();
        assert_eq!(total, 12_000_000);
        assert_eq!(total, report.flows_to_suspect.as_ref().unwrap().bytes_total);
    }

    #[test]
    fn sources_csv_reads_back_as_the_report() {
        let report = report();
        let text = sources(&report).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            headers,
            [
                "srcaddr",
                "class",
                "country",
                "asn",
                "as_org",
                "flows",
                "packets",
                "bytes_sent",
                "bytes_received",
                "first_start",
                "last_end"
            ]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), report.sources.rows.len());
        for (row, source) in rows.iter().zip(&report.sources.rows) {
            assert_eq!(&row[0], source.addr);
            assert_eq!(row[7].parse::<u64>().unwrap(), source.bytes_sent);
            assert_eq!(row[8].parse::<u64>().unwrap(), source.bytes_received);
        }
        // By hand: 10.0.0.5 sent 5,000,000 + 7,000,000 + 900 bytes in 3 flows
        // (12 + 10 + 2 packets) and received 400 + 300; on either side its first start
        // is 1600221400 = 02:00:00 − 200 s = 01:56:40, its last end 1600221790 =
        // 02:03:10.
        let db = rows.iter().find(|r| &r[0] == "10.0.0.5").unwrap();
        assert_eq!(
            db.iter().collect::<Vec<_>>(),
            [
                "10.0.0.5",
                "private",
                "",
                "",
                "",
                "3",
                "24",
                "12000900",
                "700",
                "2020-09-16T01:56:40Z",
                "2020-09-16T02:03:10Z"
            ]
        );
    }

    #[test]
    fn streamed_sources_equal_the_report_rows_and_go_past_them() {
        let ds = dataset();
        let query = Query {
            top: 1,
            ..Query::default()
        };
        let report = analyze(&ds, &query);
        // Sources: 10.0.0.5, 198.51.100.9 and 10.0.0.6 (203.0.113.7 only received).
        assert_eq!((report.sources.rows.len(), report.sources.total), (1, 3));
        let table = crate::analysis::sources::SourcesTable::new(&ds, &query.range, &[]);
        let order = table.order(&ds.table.addrs, Default::default(), true);
        let all = write_sources(Vec::new(), table.rows(&ds.table.addrs, &order)).unwrap();
        let all = String::from_utf8(all).unwrap();
        // The streamed CSV starts with the report's one row, then goes on to all three.
        let head = sources(&report).unwrap();
        assert!(all.starts_with(&head), "{all}");
        assert_eq!(all.lines().count(), 1 + 3);
    }

    #[test]
    fn fields_with_commas_are_quoted() {
        let cols: &[Column<&str>] = &[("a", |s| s.to_string())];
        assert_eq!(table(cols, &["x,y"]).unwrap(), "a\n\"x,y\"\n");
    }

    #[test]
    fn sources_carry_country_and_as_when_annotated() {
        let mut report = report();
        let suspect = report
            .sources
            .rows
            .iter_mut()
            .find(|s| s.addr == "198.51.100.9")
            .unwrap();
        suspect.geo = Some(crate::geo::Geo {
            country: Some("BR".into()),
            asn: Some(16735),
            as_org: Some("ALGAR TELECOM S/A, \"X\"".into()),
        });
        let text = sources(&report).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let row = reader
            .records()
            .map(|r| r.unwrap())
            .find(|r| &r[0] == "198.51.100.9")
            .unwrap();
        assert_eq!(&row[2], "BR");
        assert_eq!(&row[3], "16735");
        assert_eq!(&row[4], "ALGAR TELECOM S/A, \"X\"");
    }
}
