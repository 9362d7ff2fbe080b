//! The report: every answer for one [`Query`], as the CLI prints it with `--json`, the
//! page shows it and downloads it. Key names follow the AWS field words; times are
//! Unix seconds. Every list in it is bounded: at most [`Query::top`] rows, each with how
//! many there are in all, so a week with millions of addresses gives a report of the
//! same size as a small one (the exports stream the rest).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::flows::{flows_to, FlowsTo, Histogram};
use super::ranking::{rank, Ranking, ServiceFlows};
use super::sources::{Sources, SourcesTable};
use super::span::{span, Span};
use super::verdict::{self, detect_service_port, Verdict};
use super::{Query, TimeRange};
use crate::flow::table::LogStatus;
use crate::flow::{Dataset, Diagnostic, FormCount, Severity};

/// The first rows of a long list, and how many there are in all.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Top<T> {
    /// How many in all.
    pub total: u64,
    /// The first of them.
    pub rows: Vec<T>,
}

impl<T> Top<T> {
    /// The first `n` of `items`, counting them all.
    pub fn of(items: impl IntoIterator<Item = T>, n: usize) -> Top<T> {
        let mut top = Top {
            total: 0,
            rows: Vec::new(),
        };
        for item in items {
            if top.rows.len() < n {
                top.rows.push(item);
            }
            top.total += 1;
        }
        top
    }
}

/// What was read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// Files given.
    pub files: u64,
    /// Records kept.
    pub records: u64,
    /// NODATA records.
    pub nodata: u64,
    /// SKIPDATA records (intervals with incomplete evidence).
    pub skipdata: u64,
    /// Bytes of input read.
    pub bytes_read: u64,
    /// Files and records per form (S3 text, Parquet, CloudWatch export, …), and how
    /// many files' format was assumed.
    pub forms: Vec<FormCount>,
    /// Records left out because other files held them too (the same records given
    /// in two files or forms), counted once.
    pub folded: u64,
    /// Diagnostics by severity: errors and warnings are the problems; notes are
    /// things the user may want to know (a header-only file is normal).
    pub severities: SeverityCounts,
    /// The diagnostics, in the order found.
    pub diagnostics: Top<Diagnostic>,
}

/// How many diagnostics of each severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    /// Damaged or unreadable files, reading stopped early.
    pub errors: u64,
    /// Lines that could not be used.
    pub warnings: u64,
    /// Empty and header-only files, files given twice.
    pub notes: u64,
}

impl SeverityCounts {
    /// The counts of `diagnostics`.
    pub fn of(diagnostics: &[Diagnostic]) -> SeverityCounts {
        let mut counts = SeverityCounts::default();
        for d in diagnostics {
            match d.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Note => counts.notes += 1,
            }
        }
        counts
    }

    /// Errors and warnings: what is worth a user's attention.
    pub fn problems(&self) -> u64 {
        self.errors + self.warnings
    }
}

/// The range the answers cover (Unix seconds); for the whole data set, its extent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeOut {
    /// First second covered.
    pub from: Option<u32>,
    /// First second after it.
    pub to: Option<u32>,
    /// True when the range is the whole data set.
    pub all: bool,
}

/// An interval AWS marked SKIPDATA: records were dropped, the evidence has a gap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// Start of the interval.
    pub start: Option<u32>,
    /// End of the interval.
    pub end: Option<u32>,
    /// The interface, when the format has it.
    pub interface_id: Option<String>,
}

/// Every answer for one query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Version of flowlens that made the report.
    pub flowlens_version: String,
    /// What was read.
    pub input: Input,
    /// The range of `sources` and the ranking: the range picks *who*. Questions 4 and 5
    /// (`flows_to_suspect`, `histogram`, the verdict) follow the suspect over its whole
    /// stay instead (`flows_to_suspect.from`/`to`, as `span` shows it).
    pub range: RangeOut,
    /// SKIPDATA intervals, in the order read.
    pub gaps: Top<Gap>,
    /// Question 1: source addresses in the range, the top by bytes sent.
    pub sources: Sources,
    /// The address explained: given, or the top of the ranking — of the range, else of
    /// the whole data when that address talked to the service in the range.
    pub suspect: Option<String>,
    /// Questions 2–3, across the whole data.
    pub span: Option<Span>,
    /// Question 4: flows to the suspect over its whole stay (first start to last end
    /// across all data), with the share that started in the range.
    pub flows_to_suspect: Option<FlowsTo>,
    /// Question 4: their sizes.
    pub histogram: Option<Histogram>,
    /// Question 5: the suspect's flows over its whole stay, judged.
    pub verdict: Option<Verdict>,
    /// Non-private destinations of the service, most suspicious first.
    pub ranking: Ranking,
    /// The address table that answered the `geo` fields (packages, versions,
    /// attribution); `null` when none was used ([`crate::geo::annotate`]).
    pub geo_database: Option<crate::geo::GeoDatabase>,
    /// The hunt's findings over the whole data, ranked ([`crate::hunt::hunt`]). They do
    /// not depend on the range, so [`analyze`] leaves them empty and the caller fills
    /// them once per data set (the CLI's `analyze` does).
    pub findings: Vec<crate::hunt::Finding>,
}

/// Runs every analysis for `query`.
pub fn analyze(dataset: &Dataset, query: &Query) -> Report {
    analyze_with(
        dataset,
        query,
        &SourcesTable::new(dataset, &query.range, &query.known),
    )
}

/// What every analysis of one data set and service port shares, whatever its range,
/// suspect or k: the port (given or detected) and the whole data's flows from it. The
/// page's worker keeps it for as long as the data and the port stay the same.
pub struct Prepared {
    port: Option<u16>,
    service: Option<ServiceFlows>,
}

impl Prepared {
    /// Detects the port when none is given, and reads its flows.
    pub fn new(dataset: &Dataset, service_port: Option<u16>) -> Prepared {
        let port = service_port.or_else(|| detect_service_port(dataset));
        Prepared {
            port,
            service: port.map(|p| ServiceFlows::new(dataset, p)),
        }
    }
}

/// [`analyze`] with the range's sources table built already (the page's worker keeps
/// it, to serve pages of it).
pub fn analyze_with(dataset: &Dataset, query: &Query, sources: &SourcesTable) -> Report {
    analyze_prepared(
        dataset,
        query,
        sources,
        &Prepared::new(dataset, query.service_port),
    )
}

/// [`analyze_with`] with the parts that do not depend on the range prepared already
/// (`prepared` must be of this data set and `query.service_port`).
pub fn analyze_prepared(
    dataset: &Dataset,
    query: &Query,
    sources: &SourcesTable,
    prepared: &Prepared,
) -> Report {
    let range = query.range;
    let top = query.top;
    let port = prepared.port;
    // The whole data's flows from the port, for the ranking of the range and, when
    // nobody stands out there, of the whole data.
    let service = prepared.service.as_ref();
    let ranking = match service {
        Some(service) => rank(dataset, service, &range, query.k, &query.known, top),
        None => Ranking::default(),
    };
    let suspect = query
        .suspect
        .or_else(|| top_suspect(&ranking))
        .or_else(|| whole_data_suspect(dataset, query, service, &ranking));
    let (span, flows, hist, verdict) = match suspect {
        Some(addr) => {
            let span = span(dataset, addr, &range, query.session_gap_secs, top);
            // The range picks who; the suspect's stay defines what it took and whether
            // that is abnormal (the investigation follows it across files).
            let stay = span.as_ref().map_or(range, stay_of);
            let share = (!range.is_all()).then_some(&range);
            let (flows, hist) = flows_to(dataset, addr, &stay, share, top);
            (
                span,
                Some(flows),
                Some(hist),
                Some(verdict::Verdict {
                    service_port_detected: query.service_port.is_none(),
                    ..verdict::verdict_counted(
                        dataset,
                        addr,
                        &stay,
                        port,
                        query.k,
                        query.include_suspect_in_baseline,
                        service.map(ServiceFlows::flows),
                    )
                }),
            )
        }
        None => (None, None, None, None),
    };
    Report {
        flowlens_version: env!("CARGO_PKG_VERSION").to_string(),
        input: Input {
            files: dataset.files.len() as u64,
            records: dataset.records(),
            nodata: dataset.nodata(),
            skipdata: dataset.skipdata(),
            bytes_read: dataset.bytes_read(),
            forms: dataset.forms(),
            folded: dataset.folded,
            severities: SeverityCounts::of(&dataset.diagnostics),
            diagnostics: Top::of(dataset.diagnostics.iter().cloned(), top),
        },
        range: range_out(dataset, &range),
        gaps: gaps(dataset, top),
        sources: sources.report(&dataset.table.addrs, top),
        suspect: suspect.map(|a| a.to_string()),
        span,
        flows_to_suspect: flows,
        histogram: hist,
        verdict,
        ranking,
        geo_database: None,
        findings: Vec::new(),
    }
}

/// The suspect's whole stay as a range: from its first start to its last end across
/// all data (every flow it has with a start time lies inside).
fn stay_of(span: &Span) -> TimeRange {
    TimeRange {
        from: Some(span.first_start),
        to: Some(span.last_end.saturating_add(1)),
    }
}

/// The top of a ranking, when its score says it stands out.
fn top_suspect(ranking: &Ranking) -> Option<IpAddr> {
    ranking
        .rows
        .first()
        .filter(|r| r.score > 0.0)
        .and_then(|r| r.addr.parse().ok())
}

/// For a part of the data (a day, a window) where nobody stands out: the top of the
/// whole data's ranking, when it also talked to the service in this range. In the
/// honeypot week the suspect's 02:00 window holds only ordinary responses — its burst
/// came twenty minutes later — yet that window is where a responder asks "who is
/// this, and how long did it stay?".
fn whole_data_suspect(
    dataset: &Dataset,
    query: &Query,
    service: Option<&ServiceFlows>,
    in_range: &Ranking,
) -> Option<IpAddr> {
    if query.range.is_all() || in_range.rows.is_empty() {
        return None;
    }
    let whole = rank(dataset, service?, &TimeRange::ALL, query.k, &query.known, 1);
    let top = whole.rows.first().filter(|r| r.score > 0.0)?;
    let addr: IpAddr = top.addr.parse().ok()?;
    // It talked to the service in the range when it is a candidate there; the range's
    // ranking may have been cut at `top`, so ask the data, not the list.
    talked_in_range(dataset, addr, service?.port(), &query.range).then_some(addr)
}

/// True when `addr` received a flow from `port` that started in `range`.
fn talked_in_range(dataset: &Dataset, addr: IpAddr, port: u16, range: &TimeRange) -> bool {
    let table = &dataset.table;
    let Some(id) = table.addrs.lookup(addr) else {
        return false;
    };
    super::flow_rows(dataset, range)
        .any(|row| table.dstaddr(row) == id && table.srcport(row) == Some(port))
}

fn range_out(dataset: &Dataset, range: &TimeRange) -> RangeOut {
    if !range.is_all() {
        return RangeOut {
            from: range.from,
            to: range.to,
            all: false,
        };
    }
    let (from, last) = dataset.table.time_extent();
    RangeOut {
        from,
        to: last.map(|t| t.saturating_add(1)),
        all: true,
    }
}

fn gaps(dataset: &Dataset, top: usize) -> Top<Gap> {
    let table = &dataset.table;
    Top::of(
        table.rows_with_status(LogStatus::SkipData).map(|row| Gap {
            start: table.start_secs(row),
            end: table.end_secs(row),
            interface_id: table.text("interface-id", row).map(str::to_string),
        }),
        top,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, ReadOptions};

    /// The range picks who; the suspect's whole stay defines what it took and whether
    /// that is abnormal. Regression for the seed's own path, which judged only the
    /// flows inside the window that picked the suspect and called it normal.
    #[test]
    fn questions_4_and_5_follow_the_suspect_over_its_whole_stay() {
        let mut body = String::from("srcaddr dstaddr srcport dstport bytes start end\n");
        // Baseline: 40 responses to a private client, 1,000 and 3,000 bytes.
        for i in 0..40 {
            let bytes = if i % 2 == 0 { 1000 } else { 3000 };
            body.push_str(&format!("10.0.0.1 10.0.0.9 3306 40000 {bytes} {i} {i}\n"));
        }
        // The suspect: two ordinary responses in the window [600, 1200), then two
        // large ones at 1500 and 1600, after the window.
        body.push_str("203.0.113.7 10.0.0.1 51000 3306 90 650 650\n");
        body.push_str("10.0.0.1 203.0.113.7 3306 51000 2000 700 710\n");
        body.push_str("10.0.0.1 203.0.113.7 3306 51000 2100 800 810\n");
        body.push_str("10.0.0.1 203.0.113.7 3306 51001 50000 1500 1590\n");
        body.push_str("10.0.0.1 203.0.113.7 3306 51002 60000 1600 1700\n");
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        let query = Query {
            range: TimeRange::starting_at(600, 600),
            ..Query::default()
        };
        let report = analyze(&ds, &query);
        assert_eq!(report.suspect.as_deref(), Some("203.0.113.7"));
        let span = report.span.as_ref().unwrap();
        assert_eq!((span.first_start, span.last_end), (650, 1700));
        let flows = report.flows_to_suspect.as_ref().unwrap();
        assert_eq!((flows.from, flows.to), (Some(650), Some(1701)));
        assert_eq!((flows.count, flows.bytes_total), (4, 114_100));
        assert_eq!(
            flows.in_range,
            Some(crate::analysis::flows::RangeShare {
                count: 2,
                bytes_total: 4100
            })
        );
        let verdict = report.verdict.as_ref().unwrap();
        assert_eq!(verdict.suspect_flows, 4);
        assert_eq!(
            (verdict.above.flows, verdict.above.bytes_total),
            (2, 110_000)
        );
        assert_eq!(verdict.outcome, verdict::Outcome::ExfiltrationSuspected);
        // The whole data: the same stay, and no range share to show.
        let whole = analyze(&ds, &Query::default());
        let flows = whole.flows_to_suspect.as_ref().unwrap();
        assert_eq!((flows.count, flows.in_range), (4, None));
    }

    /// Found by the fuzzer (fuzz/regressions/sum-overflow-on-huge-counters): byte and
    /// packet counters near u64::MAX overflowed the sums (a panic in debug builds,
    /// wrong totals in release). Sums now saturate.
    #[test]
    fn huge_counters_saturate_instead_of_overflowing() {
        let max = u64::MAX;
        let mut body = String::from("srcaddr dstaddr srcport dstport packets bytes start end\n");
        for _ in 0..40 {
            body.push_str(&format!(
                "10.0.0.1 203.0.113.7 3306 50000 {max} {max} 100 200\n"
            ));
            body.push_str(&format!(
                "203.0.113.7 10.0.0.1 50000 3306 {max} {max} 100 200\n"
            ));
        }
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        let query = Query {
            suspect: "203.0.113.7".parse().ok(),
            ..Query::default()
        };
        let report = analyze(&ds, &query);
        assert_eq!(report.sources.rows[0].bytes_sent, u64::MAX);
        assert_eq!(
            report.flows_to_suspect.as_ref().unwrap().bytes_total,
            u64::MAX
        );
        assert_eq!(report.span.as_ref().unwrap().sessions[0].bytes, u64::MAX);
        let _ = analyze(&ds, &Query::default());
    }
}
