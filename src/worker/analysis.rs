//! The worker's answers, from the data set it holds: an [`Analysis`] for the panels,
//! pages of the sources table, and exports streamed in chunks. Pure code (no browser
//! calls), unit-tested natively; [`super`] posts what it returns.
//!
//! The worker keeps the full sources table of the range last analysed ([`Cache`]), so
//! that the page can scroll, sort and filter millions of sources a page at a time; the
//! report and the pages it sends are bounded. Countries and ASes are looked up for the
//! rows sent or exported only.

use std::io::{self, Write};
use std::net::IpAddr;

use crate::protocol::{
    Analysis, AnalyzeRequest, ExportKind, Findings, GeoStatus, HuntRequest, SourcesPageRequest,
    Timeline,
};
use flowlens_core::analysis::flows::each_flow_to;
use flowlens_core::analysis::report::{analyze_prepared, Prepared};
use flowlens_core::analysis::sources::{Source, SourcePage, SourceSort, SourcesTable};
use flowlens_core::analysis::{address_flows, Report, TimeRange};
use flowlens_core::export;
use flowlens_core::flow::Dataset;
use flowlens_core::geo::{self, GeoDb};
use flowlens_core::hunt::{self, Hunt};

/// Sort orders of the sources table kept at once (each is 4 bytes a source).
const ORDERS_KEPT: usize = 2;

/// Rows of a sort order served by selection before the whole order is made (the
/// first pages: what the table shows when it opens or is sorted anew). Sorting the
/// ~2.5 M sources of a busy week takes a few tenths of a second in the page.
const FIRST_ROWS: usize = 1_000;

/// What the sources table is of: the data, the range and the known networks.
#[derive(Clone, Debug, PartialEq)]
struct TableKey {
    data_version: u32,
    range: TimeRange,
    known: Vec<String>,
}

impl TableKey {
    fn of(request: &AnalyzeRequest) -> TableKey {
        TableKey {
            data_version: request.data_version,
            range: request.range.time_range(),
            known: request.known.clone(),
        }
    }
}

/// The full sources table of the last range analysed, its sort orders, and what the
/// analyses of the data share whatever their range (per data version and port).
#[derive(Default)]
pub struct Cache {
    table: Option<(TableKey, SourcesTable)>,
    orders: Vec<((SourceSort, bool), Vec<u32>)>,
    prepared: Option<((u32, Option<u16>), Prepared)>,
    hunt: Option<(HuntRequest, Hunt)>,
    /// The last report, before the address table's annotation (top N rows: bounded).
    report: Option<(AnalyzeRequest, Report)>,
}

impl Cache {
    /// Forgets everything (the data set changed).
    pub fn clear(&mut self) {
        *self = Cache::default();
    }

    /// Bytes held (the table and its orders; the prepared parts are a few numbers,
    /// the last report and the hunt's findings are bounded).
    pub fn heap_bytes(&self) -> usize {
        self.table.as_ref().map_or(0, |(_, t)| t.heap_bytes())
            + self
                .orders
                .iter()
                .map(|(_, o)| o.capacity() * 4)
                .sum::<usize>()
    }

    /// The hunt of `request`, run when not kept (it does not depend on the range, so
    /// one is kept per data version and known networks).
    fn hunt(&mut self, dataset: &Dataset, request: &HuntRequest) -> &Hunt {
        if self.hunt.as_ref().is_some_and(|(k, _)| k != request) {
            self.hunt = None;
        }
        let (_, hunt) = self
            .hunt
            .get_or_insert_with(|| (request.clone(), hunt::hunt(dataset, &request.options())));
        hunt
    }

    /// Without a filter, and when the order of `request` is not kept and its first
    /// [`FIRST_ROWS`] rows hold the `wanted` rows: the table and those first rows.
    fn first_rows(
        &mut self,
        dataset: &Dataset,
        request: &SourcesPageRequest,
        wanted: usize,
    ) -> Option<(&SourcesTable, Vec<u32>)> {
        let want = (request.sort, request.descending);
        let kept = self
            .table
            .as_ref()
            .is_some_and(|(k, _)| *k == TableKey::of(&request.analysis))
            && self.orders.iter().any(|(k, _)| *k == want);
        if kept || !request.filter.is_empty() || wanted > FIRST_ROWS {
            return None;
        }
        let Cache { table, orders, .. } = self;
        let table = ensure(table, orders, dataset, &request.analysis);
        let first = table.first(
            &dataset.table.addrs,
            request.sort,
            request.descending,
            FIRST_ROWS,
        );
        Some((table, first))
    }

    /// The table and its order by `sort`, made when not kept.
    fn sorted(
        &mut self,
        dataset: &Dataset,
        request: &AnalyzeRequest,
        sort: SourceSort,
        descending: bool,
    ) -> (&SourcesTable, &[u32]) {
        let Cache { table, orders, .. } = self;
        let table = ensure(table, orders, dataset, request);
        let want = (sort, descending);
        if !orders.iter().any(|(k, _)| *k == want) {
            if orders.len() >= ORDERS_KEPT {
                orders.remove(0);
            }
            orders.push((want, table.order(&dataset.table.addrs, sort, descending)));
        }
        let order = orders
            .iter()
            .find(|(k, _)| *k == want)
            .map_or(&[][..], |(_, o)| &o[..]);
        (table, order)
    }
}

/// The table in `slot` for `request`, built (and the orders of the old one dropped)
/// when the slot holds another range's.
fn ensure<'a>(
    slot: &'a mut Option<(TableKey, SourcesTable)>,
    orders: &mut Vec<((SourceSort, bool), Vec<u32>)>,
    dataset: &Dataset,
    request: &AnalyzeRequest,
) -> &'a SourcesTable {
    let key = TableKey::of(request);
    if slot.as_ref().is_some_and(|(k, _)| *k != key) {
        // The old table goes before the new one is built: only one is held.
        *slot = None;
        orders.clear();
    }
    let (_, table) = slot.get_or_insert_with(|| {
        let known = request.query().known;
        let table = SourcesTable::new(dataset, &key.range, &known);
        (key, table)
    });
    table
}

/// Looks a source's country and AS up (when a table is loaded).
fn with_geo(db: Option<&GeoDb>) -> impl Fn(Source) -> Source + '_ {
    move |mut s| {
        if let Some(db) = db {
            s.geo = s.addr.parse::<IpAddr>().ok().and_then(|ip| db.lookup(ip));
        }
        s
    }
}

/// The report of `request`, annotated by the address table exactly as
/// `flowlens analyze --json` annotates it.
fn report(
    dataset: &Dataset,
    request: &AnalyzeRequest,
    db: Option<&GeoDb>,
    cache: &mut Cache,
) -> Report {
    // NOTE: the last report is kept, so that the one downloaded after the answer is
    // not made again. Made again, its working memory (~90 MiB on a month of 48 M
    // records) came after the hunt's, which left the worker's memory in pieces too
    // small for it: in `scripts/month.sh`, wasm memory grew by ~200 MiB then.
    let mut report = match cache.report.as_ref().filter(|(k, _)| k == request) {
        Some((_, report)) => report.clone(),
        None => {
            cache.report = None;
            let report = report_of(dataset, request, cache);
            cache.report = Some((request.clone(), report.clone()));
            report
        }
    };
    if let Some(db) = db {
        geo::annotate(&mut report, db);
    }
    report
}

/// The report of `request`, made (from the cached prepared parts and sources table).
fn report_of(dataset: &Dataset, request: &AnalyzeRequest, cache: &mut Cache) -> Report {
    let query = request.query();
    let key = (request.data_version, request.service_port);
    if cache.prepared.as_ref().is_none_or(|(k, _)| *k != key) {
        // The old one goes first: only one is held.
        cache.prepared = None;
        cache.prepared = Some((key, Prepared::new(dataset, request.service_port)));
    }
    let Cache {
        table,
        orders,
        prepared,
        ..
    } = cache;
    let sources = ensure(table, orders, dataset, request);
    match prepared {
        Some((_, prepared)) => analyze_prepared(dataset, &query, sources, prepared),
        None => {
            let prepared = Prepared::new(dataset, request.service_port);
            analyze_prepared(dataset, &query, sources, &prepared)
        }
    }
}

/// The suspect's flows over its stay, for the timeline.
fn timeline(dataset: &Dataset, report: &Report) -> Timeline {
    let (Some(addr), Some(f)) = (
        report
            .suspect
            .as_deref()
            .and_then(|s| s.parse::<IpAddr>().ok()),
        &report.flows_to_suspect,
    ) else {
        return Timeline::default();
    };
    let stay = TimeRange {
        from: f.from,
        to: f.to,
    };
    Timeline::of(address_flows(dataset, addr, &stay))
}

/// Runs the analysis for `request`.
pub fn analyze(
    dataset: &Dataset,
    request: AnalyzeRequest,
    db: Option<&GeoDb>,
    geo: GeoStatus,
    cache: &mut Cache,
) -> Analysis {
    let report = report(dataset, &request, db, cache);
    let timeline = timeline(dataset, &report);
    Analysis {
        request,
        report,
        timeline,
        geo,
    }
}

/// The hunt's findings for `request`.
pub fn findings(dataset: &Dataset, request: HuntRequest, cache: &mut Cache) -> Findings {
    let hunt = cache.hunt(dataset, &request).clone();
    Findings { request, hunt }
}

/// The report of `request` with the hunt's findings, as `flowlens analyze` writes it.
fn report_with_findings(
    dataset: &Dataset,
    request: &AnalyzeRequest,
    db: Option<&GeoDb>,
    cache: &mut Cache,
) -> Report {
    let mut report = report(dataset, request, db, cache);
    let hunt = HuntRequest {
        data_version: request.data_version,
        known: request.known.clone(),
    };
    report.findings = cache.hunt(dataset, &hunt).findings.clone();
    report
}

/// One page of the sources table.
pub fn sources_page(
    dataset: &Dataset,
    request: &SourcesPageRequest,
    db: Option<&GeoDb>,
    cache: &mut Cache,
) -> Result<SourcePage, String> {
    let limit = request.limit.min(SourcesPageRequest::MAX_ROWS) as usize;
    let addrs = &dataset.table.addrs;
    let wanted = usize::try_from(request.offset)
        .unwrap_or(usize::MAX)
        .saturating_add(limit);
    let mut page = match cache.first_rows(dataset, request, wanted) {
        // The first rows of an order not made yet (the table as it opens): selected,
        // not sorted; the whole order is made when a later page needs it.
        Some((table, first)) => {
            let mut page = table.page(addrs, &first, &request.filter, request.offset, limit)?;
            page.matching = table.len() as u64;
            page
        }
        None => {
            let (table, order) =
                cache.sorted(dataset, &request.analysis, request.sort, request.descending);
            table.page(addrs, order, &request.filter, request.offset, limit)?
        }
    };
    page.rows = page.rows.into_iter().map(with_geo(db)).collect();
    Ok(page)
}

/// Bytes in one export chunk.
pub const CHUNK_BYTES: usize = 1 << 20;

/// An `io::Write` that hands its bytes on in chunks of [`CHUNK_BYTES`].
struct Chunks<'a> {
    buffer: Vec<u8>,
    sink: &'a mut dyn FnMut(Vec<u8>),
}

impl Write for Chunks<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            let full = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES));
            (self.sink)(full);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Chunks<'_> {
    fn finish(self) {
        if !self.buffer.is_empty() {
            (self.sink)(self.buffer);
        }
    }
}

/// Writes the export of `request` into `sink`, a chunk at a time: the same bytes as
/// `flowlens analyze --json|--output md|csv|flows-csv` print for the same data.
pub fn export(
    dataset: &Dataset,
    request: &AnalyzeRequest,
    kind: ExportKind,
    db: Option<&GeoDb>,
    cache: &mut Cache,
    sink: &mut dyn FnMut(Vec<u8>),
) -> io::Result<()> {
    let mut out = Chunks {
        buffer: Vec::with_capacity(CHUNK_BYTES),
        sink,
    };
    match kind {
        ExportKind::ReportJson => {
            let report = report_with_findings(dataset, request, db, cache);
            serde_json::to_writer_pretty(&mut out, &report).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
        }
        ExportKind::SummaryMd => {
            let report = report_with_findings(dataset, request, db, cache);
            let timeline = timeline(dataset, &report);
            out.write_all(export::markdown::summary(&report, &timeline.points).as_bytes())?;
        }
        ExportKind::SourcesCsv => {
            let (table, order) = cache.sorted(dataset, request, SourceSort::BytesSent, true);
            let rows = table.rows(&dataset.table.addrs, order).map(with_geo(db));
            export::csv::write_sources(&mut out, rows)?;
        }
        ExportKind::FlowsCsv => {
            let report = report(dataset, request, db, cache);
            let mut stream = export::csv::FlowsCsv::new(&mut out)?;
            if let (Some(addr), Some(f)) = (
                report
                    .suspect
                    .as_deref()
                    .and_then(|s| s.parse::<IpAddr>().ok()),
                &report.flows_to_suspect,
            ) {
                let stay = TimeRange {
                    from: f.from,
                    to: f.to,
                };
                let name = addr.to_string();
                let mut result = Ok(());
                each_flow_to(dataset, addr, &stay, |flow| {
                    if result.is_ok() {
                        result = stream.flow(&name, &flow);
                    }
                });
                result?;
            }
            stream.finish()?;
        }
    }
    out.finish();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::ViewRange;
    use flowlens_core::analysis::sources::SourceFilter;
    use flowlens_core::flow::{read_bytes, ReadOptions};

    /// 3,000 scanners (one REJECTed record each) and a database answering a suspect.
    fn dataset() -> Dataset {
        let mut body = String::from("srcaddr dstaddr srcport dstport bytes start end\n");
        for i in 0..3000u32 {
            body.push_str(&format!(
                "198.{}.{}.{} 10.0.0.5 40000 22 {} 100 110\n",
                18 + i / 65_536,
                i / 256 % 256,
                i % 256,
                40 + i % 7
            ));
        }
        for i in 0..40u32 {
            body.push_str(&format!(
                "10.0.0.5 10.1.0.{i} 3306 41000 1000 {} {}\n",
                200 + i,
                210 + i
            ));
        }
        body.push_str("10.0.0.5 203.0.113.7 3306 51000 90000000 300 400\n");
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        ds
    }

    fn request(data_version: u32) -> AnalyzeRequest {
        AnalyzeRequest {
            data_version,
            range: ViewRange::All,
            suspect: None,
            service_port: None,
            k: 3.0,
            known: Vec::new(),
        }
    }

    /// The last report is kept for its request: asked again (the download after the
    /// answer), it is not made again; another request, or another data version, makes
    /// a new one.
    #[test]
    fn the_last_report_is_kept_for_its_request() {
        let ds = dataset();
        let mut cache = Cache::default();
        let first = report(&ds, &request(1), None, &mut cache);
        assert_eq!(first.sources.total, 3001);
        // Other records under the same data version: the kept report is answered.
        let mut other = Dataset::default();
        let body = "srcaddr dstaddr srcport dstport bytes start end\n\
                    192.0.2.1 10.0.0.5 40000 22 40 100 110\n";
        read_bytes(
            &mut other,
            "b.log",
            body.as_bytes(),
            &ReadOptions::default(),
        );
        let kept = report(&other, &request(1), None, &mut cache);
        assert_eq!(kept.sources.total, 3001);
        assert_eq!(kept.suspect, first.suspect);
        // A new data version, or another threshold, is made from the records.
        let fresh = report(&other, &request(2), None, &mut cache);
        assert_eq!(fresh.sources.total, 1);
        let k4 = AnalyzeRequest {
            k: 4.0,
            ..request(2)
        };
        assert_eq!(report(&other, &k4, None, &mut cache).sources.total, 1);
        assert_eq!(cache.report.as_ref().map(|(k, _)| k.k), Some(4.0));
    }

    #[test]
    fn the_analysis_is_bounded_and_pages_reach_every_source() {
        let ds = dataset();
        let mut cache = Cache::default();
        let a = analyze(&ds, request(1), None, GeoStatus::None, &mut cache);
        // 3,000 scanners and the database are sources; the report keeps the top 1,000.
        assert_eq!(a.report.sources.total, 3001);
        assert_eq!(a.report.sources.rows.len(), 1000);
        assert_eq!(a.report.suspect.as_deref(), Some("203.0.113.7"));
        // Every source, a page at a time, sorted by address, each once.
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = sources_page(
                &ds,
                &SourcesPageRequest {
                    analysis: request(1),
                    sort: SourceSort::Addr,
                    descending: false,
                    filter: SourceFilter::default(),
                    offset,
                    limit: 10_000,
                },
                None,
                &mut cache,
            )
            .unwrap();
            assert_eq!(page.matching, 3001);
            assert!(page.rows.len() <= SourcesPageRequest::MAX_ROWS as usize);
            if page.rows.is_empty() {
                break;
            }
            offset += page.rows.len() as u64;
            seen.extend(
                page.rows
                    .into_iter()
                    .map(|s| s.addr.parse::<IpAddr>().unwrap()),
            );
        }
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!((seen.len(), sorted), (3001, seen));
    }

    /// The first pages of an order not made yet (selected) are the pages of the whole
    /// order (sorted), for sorts with many ties (flows, bytes) and both directions.
    #[test]
    fn first_pages_by_selection_equal_those_of_the_sorted_order() {
        let ds = dataset();
        for (sort, descending) in [
            (SourceSort::BytesSent, true),
            (SourceSort::Flows, false),
            (SourceSort::FirstStart, true),
            (SourceSort::Class, false),
        ] {
            let page = |cache: &mut Cache, offset: u64| {
                let request = SourcesPageRequest {
                    analysis: request(1),
                    sort,
                    descending,
                    filter: SourceFilter::default(),
                    offset,
                    limit: 500,
                };
                sources_page(&ds, &request, None, cache).unwrap()
            };
            let mut selected = Cache::default();
            let mut sorted = Cache::default();
            // A page past the first rows makes the whole order.
            assert_eq!(page(&mut sorted, 1_500).rows.len(), 500);
            assert!(sorted.orders.iter().any(|(k, _)| *k == (sort, descending)));
            for offset in [0, 500] {
                let a = page(&mut selected, offset);
                assert!(
                    selected.orders.is_empty(),
                    "no order made for the first rows"
                );
                assert_eq!(
                    a,
                    page(&mut sorted, offset),
                    "{sort:?} {descending} {offset}"
                );
                assert_eq!((a.matching, a.rows.len()), (3001, 500));
            }
        }
    }

    #[test]
    fn exports_stream_the_same_bytes_as_the_cli_functions() {
        let ds = dataset();
        let mut cache = Cache::default();
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        export(
            &ds,
            &request(1),
            ExportKind::SourcesCsv,
            None,
            &mut cache,
            &mut |c| chunks.push(c),
        )
        .unwrap();
        let csv: Vec<u8> = chunks.concat();
        let table = SourcesTable::new(&ds, &TimeRange::ALL, &[]);
        let order = table.order(&ds.table.addrs, SourceSort::BytesSent, true);
        let direct =
            export::csv::write_sources(Vec::new(), table.rows(&ds.table.addrs, &order)).unwrap();
        assert_eq!(csv, direct);
        assert_eq!(csv.iter().filter(|&&b| b == b'\n').count(), 1 + 3001);

        let mut json = Vec::new();
        export(
            &ds,
            &request(1),
            ExportKind::ReportJson,
            None,
            &mut cache,
            &mut |c| json.extend(c),
        )
        .unwrap();
        let mut report = flowlens_core::analysis::analyze(&ds, &request(1).query());
        report.flowlens_version = env!("CARGO_PKG_VERSION").to_string();
        // As `flowlens analyze` fills them: the hunt over the whole data.
        report.findings = hunt::hunt(&ds, &Default::default()).findings;
        let mut want = serde_json::to_vec_pretty(&report).unwrap();
        want.push(b'\n');
        assert_eq!(json, want);

        let mut flows = Vec::new();
        export(
            &ds,
            &request(1),
            ExportKind::FlowsCsv,
            None,
            &mut cache,
            &mut |c| flows.extend(c),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(flows).unwrap(),
            "start,end,srcaddr,srcport,dstaddr,dstport,bytes\n\
             1970-01-01T00:05:00Z,1970-01-01T00:06:40Z,10.0.0.5,3306,203.0.113.7,51000,90000000\n"
        );
    }

    #[test]
    fn big_exports_come_in_chunks() {
        let mut got = Vec::new();
        let mut sink = |c: Vec<u8>| got.push(c.len());
        let mut chunks = Chunks {
            buffer: Vec::new(),
            sink: &mut sink,
        };
        for _ in 0..3 {
            chunks.write_all(&vec![b'x'; CHUNK_BYTES / 2 + 1]).unwrap();
        }
        chunks.finish();
        assert_eq!(got, vec![CHUNK_BYTES + 2, CHUNK_BYTES / 2 + 1]);
    }
}
