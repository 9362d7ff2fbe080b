//! From a page request to the core's [`Query`], and from the core's [`Report`] to the
//! [`AnalysisView`] the panels draw. The only place the web edge reads the report's
//! fields, so a change there fails to compile here instead of showing wrong numbers.

use std::net::IpAddr;

use crate::protocol::{
    AnalysisView, AnalyzeRequest, BinView, FlowMark, FlowsToView, GeoStatus, RangeChoice, RankRow,
    SessionView, SourceRow, SpanView, VerdictView,
};
use flowlens_core::analysis::{address_flows, analyze, Query, Report, TimeRange, WINDOW_SECS};
use flowlens_core::export;
use flowlens_core::flow::{Cidr, Dataset};
use flowlens_core::geo::{self, GeoDb};

/// Seconds in a UTC day.
const DAY_SECS: u32 = 86_400;

/// The core's time range for a page range choice.
pub fn time_range(choice: RangeChoice) -> TimeRange {
    match choice {
        RangeChoice::All => TimeRange::ALL,
        RangeChoice::Day(start) => TimeRange::starting_at(start, DAY_SECS),
        RangeChoice::Window(start) => TimeRange::starting_at(start, WINDOW_SECS),
    }
}

/// Runs the analysis for `request` and shapes the answer for the page. With an address
/// table (`db`), the report is annotated by [`geo::annotate`] exactly as
/// `flowlens analyze --json` annotates it; `geo_status` says which table answered or
/// why none did.
pub fn analysis(
    dataset: &Dataset,
    request: AnalyzeRequest,
    db: Option<&GeoDb>,
    geo_status: GeoStatus,
) -> AnalysisView {
    let mut known = Vec::new();
    let mut known_errors = Vec::new();
    for text in &request.known {
        match Cidr::parse(text) {
            Ok(cidr) => known.push(cidr),
            Err(err) => known_errors.push(err),
        }
    }
    let range = time_range(request.range);
    let query = Query {
        range,
        suspect: request
            .suspect
            .as_deref()
            .and_then(|s| s.parse::<IpAddr>().ok()),
        service_port: request.service_port,
        k: request.k,
        known,
        ..Query::default()
    };
    let mut report = analyze(dataset, &query);
    if let Some(db) = db {
        geo::annotate(&mut report, db);
    }
    let suspect_geo = db.and_then(|db| {
        report
            .suspect
            .as_deref()
            .and_then(|s| s.parse::<IpAddr>().ok())
            .and_then(|addr| db.lookup(addr))
    });
    let report_json = match serde_json::to_string(&report) {
        Ok(json) => json,
        Err(err) => format!("{{\"error\":\"the report could not be written: {err}\"}}"),
    };
    let points = report
        .suspect
        .as_deref()
        .and_then(|s| s.parse::<IpAddr>().ok())
        .map(|addr| address_flows(dataset, addr, &range))
        .unwrap_or_default();
    let exports = Exports {
        report_json,
        report_md: export::markdown::summary(&report, &points),
        sources_csv: export::csv::sources(&report).unwrap_or_else(|e| format!("error\n{e}\n")),
        flows_csv: export::csv::flows_to_suspect(&report)
            .unwrap_or_else(|e| format!("error\n{e}\n")),
    };
    let flows = points
        .into_iter()
        .map(|f| FlowMark {
            start: f.start,
            end: f.end,
            bytes: f.bytes,
            outbound: f.outbound,
        })
        .collect();
    let mut view = view(request, report, flows, known_errors, exports);
    view.suspect_geo = suspect_geo;
    view.geo = geo_status;
    view
}

/// The report in the forms the page saves, made by the same functions as the CLI's
/// `--output json|md|csv|flows-csv`.
struct Exports {
    report_json: String,
    report_md: String,
    sources_csv: String,
    flows_csv: String,
}

fn view(
    request: AnalyzeRequest,
    report: Report,
    flows: Vec<FlowMark>,
    known_errors: Vec<String>,
    exports: Exports,
) -> AnalysisView {
    let sources = report
        .sources
        .into_iter()
        .map(|s| SourceRow {
            addr: s.addr,
            class: s.class.as_str().to_string(),
            flows: s.flows,
            packets: s.packets,
            bytes_sent: s.bytes_sent,
            bytes_received: s.bytes_received,
            first_start: s.first_start,
            last_end: s.last_end,
            geo: s.geo,
        })
        .collect();
    let span = report.span.map(|s| SpanView {
        first_start: s.first_start,
        last_end: s.last_end,
        duration_secs: s.duration_secs,
        in_range: s
            .in_range
            .map(|e| (e.first_start, e.last_end, e.duration_secs)),
        session_gap_secs: s.session_gap_secs,
        sessions: s
            .sessions
            .into_iter()
            .map(|x| SessionView {
                start: x.start,
                end: x.end,
                flows: x.flows,
                bytes: x.bytes,
            })
            .collect(),
    });
    let flows_to = report.flows_to_suspect.map(|f| FlowsToView {
        count: f.count,
        bytes_total: f.bytes_total,
        bytes_max: f.bytes_max,
        bins: report
            .histogram
            .map(|h| {
                h.bins
                    .into_iter()
                    .map(|b| BinView {
                        lo: b.lo,
                        hi: b.hi,
                        count: b.count,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    });
    let verdict = report.verdict.map(|v| VerdictView {
        addr: v.addr,
        outcome: v.outcome.as_str().to_string(),
        summary: v.summary,
        service_port: v.service_port,
        service_port_detected: v.service_port_detected,
        k: v.k,
        baseline_flows: v.baseline.flows,
        mean: v.baseline.mean,
        stddev: v.baseline.stddev,
        threshold: v.baseline.threshold,
        excludes_suspect: v.baseline.excludes_suspect,
        median: v.baseline.median,
        mad: v.baseline.mad,
        p99: v.baseline.p99,
        baseline_flows_above: v.baseline.flows_above,
        suspect_flows: v.suspect_flows,
        above_flows: v.above.flows,
        above_bytes_total: v.above.bytes_total,
        above_bytes_avg: v.above.bytes_avg,
        geo: v.geo,
    });
    let ranking = report
        .ranking
        .into_iter()
        .map(|r| RankRow {
            addr: r.addr,
            class: r.class.as_str().to_string(),
            score: r.score,
            flows: r.flows,
            bytes_out: r.bytes_out,
            flows_above: r.flows_above,
            geo: r.geo,
        })
        .collect();
    AnalysisView {
        request,
        range_from: report.range.from,
        range_to: report.range.to,
        sources,
        suspect: report.suspect,
        suspect_geo: None,
        geo: GeoStatus::None,
        span,
        flows,
        flows_to,
        verdict,
        ranking,
        known_errors,
        report_json: exports.report_json,
        report_md: exports.report_md,
        sources_csv: exports.sources_csv,
        flows_csv: exports.flows_csv,
    }
}
