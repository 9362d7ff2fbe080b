//! The report: every answer for one [`Query`], as the CLI prints it with `--json` and
//! the page downloads it. Key names follow the AWS field words; times are Unix seconds.

use std::net::IpAddr;

use serde::Serialize;

use super::flows::{flows_to, histogram, FlowsTo, Histogram};
use super::ranking::{rank, Ranked, ServiceFlows};
use super::sources::{sources, Source};
use super::span::{span, Span};
use super::verdict::{self, detect_service_port, verdict, Verdict};
use super::{Query, TimeRange};
use crate::flow::table::LogStatus;
use crate::flow::{Dataset, Diagnostic};

/// What was read.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
}

/// The range the answers cover (Unix seconds); for the whole data set, its extent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RangeOut {
    /// First second covered.
    pub from: Option<u32>,
    /// First second after it.
    pub to: Option<u32>,
    /// True when the range is the whole data set.
    pub all: bool,
}

/// An interval AWS marked SKIPDATA: records were dropped, the evidence has a gap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// Start of the interval.
    pub start: Option<u32>,
    /// End of the interval.
    pub end: Option<u32>,
    /// The interface, when the format has it.
    pub interface_id: Option<String>,
}

/// Every answer for one query.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Version of flowlens that made the report.
    pub flowlens_version: &'static str,
    /// What was read.
    pub input: Input,
    /// The range of `sources`, `flows_to_suspect`, `histogram` and the verdict's
    /// suspect flows.
    pub range: RangeOut,
    /// SKIPDATA intervals.
    pub gaps: Vec<Gap>,
    /// Question 1: source addresses in the range.
    pub sources: Vec<Source>,
    /// The address explained: given, or the top of the ranking — of the range, else of
    /// the whole data when that address talked to the service in the range.
    pub suspect: Option<String>,
    /// Questions 2–3, across the whole data.
    pub span: Option<Span>,
    /// Question 4: flows to the suspect in the range.
    pub flows_to_suspect: Option<FlowsTo>,
    /// Question 4: their sizes.
    pub histogram: Option<Histogram>,
    /// Question 5.
    pub verdict: Option<Verdict>,
    /// Non-private destinations of the service, most suspicious first.
    pub ranking: Vec<Ranked>,
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
    let range = query.range;
    let port = query.service_port.or_else(|| detect_service_port(dataset));
    // The whole data's flows from the port, for the ranking of the range and, when
    // nobody stands out there, of the whole data.
    let service = port.map(|p| ServiceFlows::new(dataset, p));
    let ranking = match &service {
        Some(service) => rank(dataset, service, &range, query.k, &query.known),
        None => Vec::new(),
    };
    let suspect = query
        .suspect
        .or_else(|| top_suspect(&ranking))
        .or_else(|| whole_data_suspect(dataset, query, service.as_ref(), &ranking));
    let (span, flows, hist, verdict) = match suspect {
        Some(addr) => {
            let flows = flows_to(dataset, addr, &range);
            let hist = histogram(&flows);
            (
                span(dataset, addr, &range, query.session_gap_secs),
                Some(flows),
                Some(hist),
                Some(verdict::Verdict {
                    service_port_detected: query.service_port.is_none(),
                    ..verdict(
                        dataset,
                        addr,
                        &range,
                        port,
                        query.k,
                        query.include_suspect_in_baseline,
                    )
                }),
            )
        }
        None => (None, None, None, None),
    };
    Report {
        flowlens_version: env!("CARGO_PKG_VERSION"),
        input: Input {
            files: dataset.files.len() as u64,
            records: dataset.records(),
            nodata: dataset.nodata(),
            skipdata: dataset.skipdata(),
            bytes_read: dataset.bytes_read(),
            diagnostics: dataset.diagnostics.clone(),
        },
        range: range_out(dataset, &range),
        gaps: gaps(dataset),
        sources: sources(dataset, &range, &query.known),
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

/// The top of a ranking, when its score says it stands out.
fn top_suspect(ranking: &[Ranked]) -> Option<IpAddr> {
    ranking
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
    in_range: &[Ranked],
) -> Option<IpAddr> {
    if query.range.is_all() || in_range.is_empty() {
        return None;
    }
    let whole = rank(dataset, service?, &TimeRange::ALL, query.k, &query.known);
    let top = whole.first().filter(|r| r.score > 0.0)?;
    in_range
        .iter()
        .find(|r| r.addr == top.addr)
        .and_then(|r| r.addr.parse().ok())
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

fn gaps(dataset: &Dataset) -> Vec<Gap> {
    let table = &dataset.table;
    table
        .rows_with_status(LogStatus::SkipData)
        .map(|row| Gap {
            start: table.start_secs(row),
            end: table.end_secs(row),
            interface_id: table.text("interface-id", row).map(str::to_string),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, ReadOptions};

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
        assert_eq!(report.sources[0].bytes_sent, u64::MAX);
        assert_eq!(
            report.flows_to_suspect.as_ref().unwrap().bytes_total,
            u64::MAX
        );
        assert_eq!(report.span.as_ref().unwrap().sessions[0].bytes, u64::MAX);
        let _ = analyze(&ds, &Query::default());
    }
}
