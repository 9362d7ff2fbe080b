//! The one-page summary in Markdown: the verdict sentence and its numbers, the
//! suspect's span, the timeline and histogram as embedded SVG images (drawn by the
//! page's own chart code, [`crate::charts`]) and the evidence table — the flows to
//! the suspect, capped at [`MAX_EVIDENCE_ROWS`] with a note (the CSV has them all).

use std::fmt::Write;

use crate::analysis::flows::FlowPoint;
use crate::analysis::units;
use crate::analysis::verdict::Verdict;
use crate::analysis::Report;
use crate::charts;
use crate::hunt::Finding;
use crate::time::format_rfc3339;

use super::{rfc3339_opt, svg_data_url};

/// Rows of the evidence table in the summary; the flows CSV has every flow.
pub const MAX_EVIDENCE_ROWS: usize = 100;
/// SKIPDATA gaps listed (the rest are counted).
pub const MAX_GAPS: usize = 20;

/// `68.04 MB (68,040,000 bytes)`.
pub fn bytes(n: f64) -> String {
    let exact = if n.fract() == 0.0 {
        units::float(n, 0)
    } else {
        units::float(n, 2)
    };
    if n < 1000.0 {
        format!("{exact} bytes")
    } else {
        format!("{} ({exact} bytes)", units::bytes(n))
    }
}

/// `23 min 46 s`, `2 h 05 min 00 s`, `3 d 4 h 00 min`: [`units::duration`].
pub use crate::analysis::units::duration;

/// One line of the verdict's numbers: what it is, its value for people, and a stable
/// name for it (the page's `data-field`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerdictRow {
    /// What the number is.
    pub label: &'static str,
    /// Its stable name.
    pub field: &'static str,
    /// The value, with its unit.
    pub value: String,
}

/// The numbers a verdict rests on, in the order every view shows them (this summary,
/// the page's verdict panel and its printable summary).
pub fn verdict_rows(v: &Verdict) -> Vec<VerdictRow> {
    let b = &v.baseline;
    let port = match v.service_port {
        Some(p) if v.service_port_detected => format!("{p} (detected)"),
        Some(p) => p.to_string(),
        None => "none found".to_string(),
    };
    let row = |label, field, value| VerdictRow {
        label,
        field,
        value,
    };
    vec![
        row("Suspect", "addr", v.addr.clone()),
        row("Service port", "service_port", port),
        row(
            "Baseline flows (n)",
            "baseline_flows",
            format!(
                "{}{}",
                units::int(b.flows),
                if b.excludes_suspect {
                    " (suspect's own flows left out)"
                } else {
                    " (suspect's own flows included)"
                }
            ),
        ),
        row("Baseline mean", "mean", bytes(b.mean)),
        row("Baseline σ", "stddev", bytes(b.stddev)),
        row("k", "k", units::float(v.k, 2)),
        row("Threshold (mean + k·σ)", "threshold", bytes(b.threshold)),
        row("Robust: median", "median", bytes(b.median)),
        row("Robust: MAD", "mad", bytes(b.mad)),
        row("Robust: p99", "p99", bytes(b.p99)),
        row(
            "Baseline flows above threshold",
            "baseline_flows_above",
            units::int(b.flows_above),
        ),
        row(
            "Suspect's flows from the service port (its whole stay)",
            "suspect_flows",
            units::int(v.suspect_flows),
        ),
        row(
            "Suspect's flows above threshold",
            "above_flows",
            units::int(v.above.flows),
        ),
        row(
            "Bytes above threshold",
            "above_bytes_total",
            bytes(v.above.bytes_total as f64),
        ),
        row(
            "Average of those flows",
            "above_bytes_avg",
            bytes(v.above.bytes_avg),
        ),
    ]
}

fn time(secs: Option<u32>) -> String {
    secs.map(|s| format_rfc3339(i64::from(s)))
        .unwrap_or_else(|| "–".to_string())
}

/// A table cell: `|` and line breaks would end it.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Text from the files as literal Markdown: punctuation that Markdown (or HTML inside
/// it) would act on is backslash-escaped, line breaks become spaces.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '<' | '>' | '#' | '!'
            | '|' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The summary of `report`; `timeline` is the suspect's flows in both directions in
/// the report's range ([`crate::analysis::address_flows`]), for the timeline image.
pub fn summary(report: &Report, timeline: &[FlowPoint]) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_summary(&mut out, report, timeline);
    out
}

/// Findings listed in the summary at most.
const FINDINGS_LISTED: usize = 20;

/// The hunt's findings, most urgent first (nothing when there are none).
fn write_findings(out: &mut String, findings: &[Finding]) -> std::fmt::Result {
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(out, "## Findings")?;
    writeln!(out)?;
    writeln!(out, "| Severity | Kind | First (UTC) | Source | What |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for f in findings.iter().take(FINDINGS_LISTED) {
        writeln!(
            out,
            "| {} | {} | {} | `{}` | {} |",
            f.severity.as_str(),
            f.kind.label(),
            format_rfc3339(i64::from(f.first)),
            cell(&f.src),
            cell(&literal(&f.summary))
        )?;
    }
    if findings.len() > FINDINGS_LISTED {
        writeln!(
            out,
            "\n… and {} more in the report's `findings`.",
            units::int((findings.len() - FINDINGS_LISTED) as u64)
        )?;
    }
    writeln!(out)?;
    Ok(())
}

fn write_summary(out: &mut String, r: &Report, timeline: &[FlowPoint]) -> std::fmt::Result {
    match &r.suspect {
        Some(addr) => writeln!(out, "# flowlens summary: {addr}")?,
        None => writeln!(out, "# flowlens summary")?,
    }
    writeln!(out)?;
    if let (Some(addr), Some(geo)) = (&r.suspect, r.verdict.as_ref().and_then(|v| v.geo.as_ref())) {
        let source = r
            .geo_database
            .as_ref()
            .map(|db| {
                db.packages
                    .iter()
                    .map(|p| format!("{} {}", p.name, p.version))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        writeln!(
            out,
            "**Who:** {addr} — {} (registration country and autonomous system, looked up \
             offline in {source}).",
            literal(&geo.label())
        )?;
        writeln!(out)?;
    }
    let i = &r.input;
    writeln!(
        out,
        "Evidence: {} files ({}), {} records ({} NODATA, {} SKIPDATA), {} problems, {} notes. \
         Range{}: {} to {}. Times are UTC. Made by flowlens {}.",
        units::int(i.files),
        units::bytes(i.bytes_read as f64),
        units::int(i.records),
        units::int(i.nodata),
        units::int(i.skipdata),
        units::int(i.severities.problems()),
        units::int(i.severities.notes),
        if r.range.all { " (whole data set)" } else { "" },
        time(r.range.from),
        time(r.range.to),
        r.flowlens_version
    )?;
    for g in r.gaps.rows.iter().take(MAX_GAPS) {
        writeln!(
            out,
            "\n**Gap in the evidence:** SKIPDATA from {} to {}{}.",
            time(g.start),
            time(g.end),
            g.interface_id
                .as_deref()
                .map(|i| format!(" on {}", literal(i)))
                .unwrap_or_default()
        )?;
    }
    if r.gaps.total > MAX_GAPS as u64 {
        writeln!(
            out,
            "\n…and {} more SKIPDATA gaps (the JSON report lists the first {}).",
            units::int(r.gaps.total - MAX_GAPS as u64),
            units::int(r.gaps.rows.len() as u64)
        )?;
    }
    writeln!(out)?;
    write_findings(out, &r.findings)?;

    writeln!(out, "## Verdict")?;
    writeln!(out)?;
    let Some(v) = &r.verdict else {
        writeln!(
            out,
            "No address to explain: nothing stood out in the ranking and none was given."
        )?;
        return Ok(());
    };
    // The sentence opens with its outcome ("Exfiltration suspected: …").
    writeln!(out, "**{}**", v.summary)?;
    writeln!(out)?;
    let b = &v.baseline;
    writeln!(out, "| | |")?;
    writeln!(out, "|---|---:|")?;
    for row in verdict_rows(v) {
        let value = if row.field == "addr" {
            format!("`{}`", row.value)
        } else {
            row.value
        };
        writeln!(out, "| {} | {} |", row.label, cell(&value))?;
    }
    writeln!(out)?;

    if let Some(s) = &r.span {
        writeln!(out, "## When {} was there", s.addr)?;
        writeln!(out)?;
        writeln!(
            out,
            "First connect {}, left {}: {} ({} s), in {} session{} (a gap over {} s starts a new one).",
            format_rfc3339(i64::from(s.first_start)),
            format_rfc3339(i64::from(s.last_end)),
            duration(s.duration_secs),
            units::int(u64::from(s.duration_secs)),
            units::int(s.sessions_total),
            if s.sessions_total == 1 { "" } else { "s" },
            units::int(u64::from(s.session_gap_secs))
        )?;
        if let Some(e) = &s.in_range {
            if !r.range.all {
                writeln!(
                    out,
                    "Within the range: {} to {} ({}).",
                    format_rfc3339(i64::from(e.first_start)),
                    format_rfc3339(i64::from(e.last_end)),
                    duration(e.duration_secs)
                )?;
            }
        }
        writeln!(out)?;
    }

    let addr = v.addr.as_str();
    let sessions = r.span.as_ref().map_or(&[][..], |s| &s.sessions[..]);
    writeln!(out, "## Timeline")?;
    writeln!(out)?;
    match charts::timeline::svg(addr, timeline, sessions) {
        Ok(svg) => writeln!(
            out,
            "![Timeline of {addr}: flows from it (blue) and to it (red), bytes per flow on a log scale, sessions shaded]({})",
            svg_data_url(&svg)
        )?,
        Err(err) => writeln!(out, "(The timeline could not be drawn: {err}.)")?,
    }
    writeln!(out)?;
    writeln!(out, "## Sizes of the flows to {addr}")?;
    writeln!(out)?;
    let bins = r.histogram.as_ref().map_or(&[][..], |h| &h.bins[..]);
    match charts::histogram::svg(addr, bins, Some(b.threshold)) {
        Ok(svg) => writeln!(
            out,
            "![Histogram of the sizes of the flows to {addr}, with the threshold {} as a black line]({})",
            units::bytes(b.threshold),
            svg_data_url(&svg)
        )?,
        Err(err) => writeln!(out, "(The histogram could not be drawn: {err}.)")?,
    }
    writeln!(out)?;

    writeln!(out, "## Evidence: flows to {addr}")?;
    writeln!(out)?;
    let Some(f) = &r.flows_to_suspect else {
        return Ok(());
    };
    writeln!(
        out,
        "{} flows over its whole stay ({} to {}), {} in all, the largest {}{}.{}",
        units::int(f.count),
        rfc3339_opt(f.from),
        rfc3339_opt(f.to.map(|t| t.saturating_sub(1))),
        bytes(f.bytes_total as f64),
        bytes(f.bytes_max as f64),
        if f.bytes_missing > 0 {
            format!(
                "; {} more records without a byte count",
                units::int(f.bytes_missing)
            )
        } else {
            String::new()
        },
        match f.in_range {
            Some(share) => format!(
                " Of them, {} flows ({}) started in the range.",
                units::int(share.count),
                bytes(share.bytes_total as f64)
            ),
            None => String::new(),
        }
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| start (UTC) | end (UTC) | srcaddr | srcport | dstport | bytes |"
    )?;
    writeln!(out, "|---|---|---|---:|---:|---:|")?;
    for flow in f.flows.iter().take(MAX_EVIDENCE_ROWS) {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            rfc3339_opt(flow.start),
            rfc3339_opt(flow.end),
            cell(&flow.srcaddr),
            flow.srcport.map(|p| p.to_string()).unwrap_or_default(),
            flow.dstport.map(|p| p.to_string()).unwrap_or_default(),
            units::int(flow.bytes)
        )?;
    }
    if f.count > MAX_EVIDENCE_ROWS as u64 {
        writeln!(
            out,
            "\nThe first {MAX_EVIDENCE_ROWS} of {} flows; the flows CSV has them all.",
            units::int(f.count)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{address_flows, analyze, Query};
    use crate::flow::{read_bytes, Dataset, ReadOptions};

    /// A database 10.0.0.5:3306 answers 40 clients with 1,000-byte flows (one each,
    /// 10.1.0.1 … 10.1.0.40, a minute apart from 02:00:00) and 203.0.113.7 with two
    /// flows of 5,000,000 and 7,000,000 bytes at 03:00:00 and 03:05:00.
    fn dataset(extra_suspect_flows: usize) -> Dataset {
        let mut body = String::from(
            "srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
        );
        let t0 = 1_600_221_600u32; // 2020-09-16T02:00:00Z
        for c in 1..=40u32 {
            let start = t0 + 60 * (c - 1);
            body.push_str(&format!(
                "10.0.0.5 10.1.0.{c} 3306 40000 6 2 1000 {start} {} ACCEPT OK\n",
                start + 10
            ));
        }
        let t1 = t0 + 3600;
        body.push_str(&format!(
            "10.0.0.5 203.0.113.7 3306 50001 6 9 5000000 {t1} {} ACCEPT OK\n",
            t1 + 60
        ));
        body.push_str(&format!(
            "10.0.0.5 203.0.113.7 3306 50002 6 9 7000000 {} {} ACCEPT OK\n",
            t1 + 300,
            t1 + 420
        ));
        body.push_str(&format!(
            "203.0.113.7 10.0.0.5 50001 3306 6 3 300 {t1} {} ACCEPT OK\n",
            t1 + 60
        ));
        for n in 0..extra_suspect_flows {
            let start = t1 + 600 + n as u32;
            body.push_str(&format!(
                "10.0.0.5 203.0.113.7 3306 60000 6 1 10 {start} {start} ACCEPT OK\n"
            ));
        }
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        ds
    }

    fn render(ds: &Dataset) -> (Report, String) {
        let query = Query {
            suspect: "203.0.113.7".parse().ok(),
            ..Query::default()
        };
        let report = analyze(ds, &query);
        let flows = address_flows(ds, "203.0.113.7".parse().unwrap(), &query.range);
        let md = summary(&report, &flows);
        (report, md)
    }

    #[test]
    fn summary_states_the_verdict_numbers_span_charts_and_evidence() {
        let (report, md) = render(&dataset(0));
        let v = report.verdict.as_ref().unwrap();
        // By hand: the baseline is the 40 flows of 1,000 bytes (suspect left out):
        // mean 1,000, σ 0, threshold 1,000; both suspect flows are above it, 12 MB in
        // all, 6 MB on average.
        assert_eq!(v.baseline.flows, 40);
        assert!(md.starts_with("# flowlens summary: 203.0.113.7\n"), "{md}");
        assert!(
            v.summary
                .starts_with("Exfiltration suspected: 2 of 203.0.113.7's 2 flows"),
            "{}",
            v.summary
        );
        assert!(md.contains(&format!("\n**{}**\n", v.summary)), "{md}");
        for row in [
            "| Suspect | `203.0.113.7` |",
            "| Service port | 3306 (detected) |",
            "| Baseline flows (n) | 40 (suspect's own flows left out) |",
            "| Baseline mean | 1.00 KB (1,000 bytes) |",
            "| Baseline σ | 0 bytes |",
            "| k | 3.00 |",
            "| Threshold (mean + k·σ) | 1.00 KB (1,000 bytes) |",
            "| Robust: median | 1.00 KB (1,000 bytes) |",
            "| Robust: MAD | 0 bytes |",
            "| Suspect's flows above threshold | 2 |",
            "| Bytes above threshold | 12.00 MB (12,000,000 bytes) |",
            "| Average of those flows | 6.00 MB (6,000,000 bytes) |",
        ] {
            assert!(md.contains(row), "missing {row} in\n{md}");
        }
        // Span: first connect 03:00:00, leaves 03:07:00 (the second flow's end).
        assert!(
            md.contains(
                "First connect 2020-09-16T03:00:00Z, left 2020-09-16T03:07:00Z: 7 min 00 s (420 s)"
            ),
            "{md}"
        );
        assert_eq!(md.matches("](data:image/svg+xml;base64,").count(), 2);
        assert!(md.contains(
            "| 2020-09-16T03:00:00Z | 2020-09-16T03:01:00Z | 10.0.0.5 | 3306 | 50001 | 5,000,000 |"
        ));
        assert!(md.contains(
            "| 2020-09-16T03:05:00Z | 2020-09-16T03:07:00Z | 10.0.0.5 | 3306 | 50002 | 7,000,000 |"
        ));
        assert!(!md.contains("flows CSV has them all"));
    }

    #[test]
    fn huge_evidence_tables_are_capped_with_a_note() {
        let (_, md) = render(&dataset(150));
        let rows = md.lines().filter(|l| l.starts_with("| 2020-")).count();
        assert_eq!(rows, MAX_EVIDENCE_ROWS);
        assert!(
            md.contains("The first 100 of 152 flows; the flows CSV has them all."),
            "{md}"
        );
    }

    #[test]
    fn no_suspect_says_so() {
        let mut ds = Dataset::default();
        read_bytes(
            &mut ds,
            "a.log",
            b"srcaddr dstaddr srcport dstport packets bytes start end\n10.0.0.1 10.0.0.2 1 2 1 10 100 200\n",
            &ReadOptions::default(),
        );
        let report = analyze(&ds, &Query::default());
        let md = summary(&report, &[]);
        assert!(md.starts_with("# flowlens summary\n"));
        assert!(md.contains("No address to explain"));
    }

    #[test]
    fn text_from_files_is_literal() {
        assert_eq!(
            literal("eni-1<img src=x>*b*\n"),
            "eni-1\\<img src=x\\>\\*b\\* "
        );
        assert_eq!(literal("eni-07b3d2f1e4a5c6980"), "eni-07b3d2f1e4a5c6980");
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration(1426), "23 min 46 s");
        assert_eq!(duration(7500), "2 h 05 min 00 s");
        assert_eq!(duration(3 * 86_400 + 4 * 3600 + 60), "3 d 4 h 01 min");
    }

    #[test]
    fn an_annotated_suspect_is_named_with_country_and_as() {
        let (mut report, _) = render(&dataset(0));
        if let Some(v) = report.verdict.as_mut() {
            v.geo = Some(crate::geo::Geo {
                country: Some("BR".into()),
                asn: Some(16735),
                as_org: Some("ALGAR TELECOM S/A".into()),
            });
        }
        report.geo_database = Some(crate::geo::GeoDatabase {
            format_version: 1,
            packages: vec![crate::geo::GeoPackage {
                name: "@ip-location-db/asn".into(),
                version: "2.3.2026061719".into(),
                license: "CC-BY-4.0".into(),
            }],
            attribution: String::new(),
        });
        let md = summary(&report, &[]);
        assert!(
            md.contains(
                "**Who:** 203.0.113.7 — BR · AS16735 ALGAR TELECOM S/A (registration country \
                 and autonomous system, looked up offline in @ip-location-db/asn 2.3.2026061719)."
            ),
            "{md}"
        );
        // Without a table, no such line.
        let (plain, _) = render(&dataset(0));
        assert!(!summary(&plain, &[]).contains("**Who:**"));
    }
}
