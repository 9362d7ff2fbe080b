//! The report as text for people: the five answers in the order of an investigation,
//! on one screen: the top sources, sessions and ranking with how many more there are.

use std::io::{self, Write};

use flowlens_core::analysis::sources::Source;
use flowlens_core::analysis::units::{self, duration};
use flowlens_core::analysis::Report;
use flowlens_core::hunt::Hunt;
use flowlens_core::time::{format_rfc3339, format_time_of_day};

/// Sources listed without `--all`.
pub const SOURCES_SHOWN: usize = 20;
/// Sessions listed.
const SESSIONS_SHOWN: usize = 10;
/// Ranked destinations listed.
const RANKING_SHOWN: usize = 10;
/// SKIPDATA gaps listed.
const GAPS_SHOWN: usize = 5;

fn time(t: Option<u32>) -> String {
    t.map_or_else(|| "-".to_string(), |t| format_rfc3339(i64::from(t)))
}

/// Writes `report` as text: its top [`SOURCES_SHOWN`] sources, or every row of
/// `all_sources` when given (`--all`, streamed).
pub fn write_report(
    out: &mut impl Write,
    r: &Report,
    all_sources: Option<&mut dyn Iterator<Item = Source>>,
) -> io::Result<()> {
    let i = &r.input;
    writeln!(
        out,
        "Read {} files ({}), {} records ({} NODATA, {} SKIPDATA), {} ({}, {}), {}.",
        units::int(i.files),
        units::bytes(i.bytes_read as f64),
        units::int(i.records),
        units::int(i.nodata),
        units::int(i.skipdata),
        units::count(i.severities.problems(), "problem"),
        units::count(i.severities.errors, "error"),
        units::count(i.severities.warnings, "warning"),
        units::count(i.severities.notes, "note")
    )?;
    for g in r.gaps.rows.iter().take(GAPS_SHOWN) {
        writeln!(
            out,
            "  Gap in the evidence: SKIPDATA {} to {}{}",
            time(g.start),
            time(g.end),
            g.interface_id
                .as_deref()
                .map(|i| format!(" on {i}"))
                .unwrap_or_default()
        )?;
    }
    if r.gaps.total > GAPS_SHOWN as u64 {
        writeln!(
            out,
            "  … and {} more SKIPDATA gaps (--json lists them)",
            units::int(r.gaps.total - GAPS_SHOWN as u64)
        )?;
    }
    writeln!(
        out,
        "Range{}: {} to {}",
        if r.range.all { " (whole data set)" } else { "" },
        time(r.range.from),
        time(r.range.to)
    )?;

    let t = &r.sources.totals;
    writeln!(
        out,
        "\n1. Who talked — {} source addresses ({} private, {} known, {} public), {} flows, {}",
        units::int(r.sources.total),
        units::int(t.private),
        units::int(t.known),
        units::int(t.public),
        units::int(t.flows),
        units::bytes(t.bytes as f64)
    )?;
    writeln!(
        out,
        "  {:<40} {:<8} {:>8} {:>14} {:>14}  {:<20}  {:<20}",
        "address", "class", "flows", "bytes sent", "bytes received", "first start", "last end"
    )?;
    let mut listed = 0u64;
    let mut line = |out: &mut dyn Write, s: &Source| {
        listed += 1;
        writeln!(
            out,
            "  {:<40} {:<8} {:>8} {:>14} {:>14}  {:<20}  {:<20}{}",
            s.addr,
            s.class.as_str(),
            units::int(s.flows),
            units::int(s.bytes_sent),
            units::int(s.bytes_received),
            time(s.first_start),
            time(s.last_end),
            geo_suffix(s.geo.as_ref())
        )
    };
    match all_sources {
        Some(rows) => {
            for s in rows {
                line(out, &s)?;
            }
        }
        None => {
            for s in r.sources.rows.iter().take(SOURCES_SHOWN) {
                line(out, s)?;
            }
        }
    }
    if r.sources.total > listed {
        writeln!(
            out,
            "  … and {} more (--all, or --output csv)",
            units::int(r.sources.total - listed)
        )?;
    }

    let Some(suspect) = &r.suspect else {
        writeln!(
            out,
            "\nNo suspect: no non-private address received flows above the baseline from the service port."
        )?;
        return write_ranking(out, r);
    };
    let suspect_geo = r.verdict.as_ref().and_then(|v| v.geo.as_ref());
    writeln!(out, "\nSuspect: {suspect}{}", geo_suffix(suspect_geo))?;
    if let Some(s) = &r.span {
        writeln!(out, "\n2–3. How long — {suspect} across all data:")?;
        writeln!(
            out,
            "  first {} , last {} : {} ({} s)",
            format_rfc3339(i64::from(s.first_start)),
            format_rfc3339(i64::from(s.last_end)),
            duration(s.duration_secs),
            s.duration_secs
        )?;
        if let (Some(e), false) = (&s.in_range, r.range.all) {
            writeln!(
                out,
                "  in the range: {} to {} ({} s)",
                format_time_of_day(i64::from(e.first_start)),
                format_time_of_day(i64::from(e.last_end)),
                e.duration_secs
            )?;
        }
        writeln!(
            out,
            "  {} session{} (gap ≥ {} s starts a new one):",
            units::int(s.sessions_total),
            if s.sessions_total == 1 { "" } else { "s" },
            s.session_gap_secs
        )?;
        for x in s.sessions.iter().take(SESSIONS_SHOWN) {
            writeln!(
                out,
                "    {} – {}  {} flows, {}",
                format_rfc3339(i64::from(x.start)),
                format_time_of_day(i64::from(x.end)),
                units::int(x.flows),
                units::bytes(x.bytes as f64)
            )?;
        }
        if s.sessions_total > SESSIONS_SHOWN as u64 {
            writeln!(
                out,
                "    … and {} more sessions (--json lists them)",
                units::int(s.sessions_total - SESSIONS_SHOWN as u64)
            )?;
        }
    }
    if let Some(f) = &r.flows_to_suspect {
        writeln!(
            out,
            "\n4. What it took — over its whole stay, {} flows to {suspect}, {} in total ({} bytes), largest {}",
            units::int(f.count),
            units::bytes(f.bytes_total as f64),
            units::int(f.bytes_total),
            units::bytes(f.bytes_max as f64)
        )?;
        if let Some(share) = f.in_range {
            writeln!(
                out,
                "  of them in the range: {} flows, {} ({} bytes)",
                units::int(share.count),
                units::bytes(share.bytes_total as f64),
                units::int(share.bytes_total)
            )?;
        }
        if f.bytes_missing > 0 {
            writeln!(
                out,
                "  ({} more records had no byte count)",
                units::int(f.bytes_missing)
            )?;
        }
        if let Some(h) = &r.histogram {
            let max = h.bins.iter().map(|b| b.count).max().unwrap_or(1).max(1);
            // Empty bins are left out: a burst far above the ordinary flows would
            // otherwise fill the screen with zeros.
            for b in h.bins.iter().filter(|b| b.count > 0) {
                let bar = "#".repeat(((b.count * 40).div_ceil(max)) as usize);
                writeln!(
                    out,
                    "  {:>10} – {:<10} {:>7} {bar}",
                    units::bytes(b.lo as f64),
                    units::bytes(b.hi as f64),
                    units::int(b.count)
                )?;
            }
        }
    }
    if let Some(v) = &r.verdict {
        let b = &v.baseline;
        writeln!(
            out,
            "\n5. Is it abnormal? (its flows over the whole stay) {}",
            v.outcome.as_str()
        )?;
        writeln!(out, "  {}", v.summary)?;
        writeln!(
            out,
            "  baseline: port {}{}, {} flows{}, mean {}, σ {}, k {}, threshold {}; median {}, MAD {}, p99 {}",
            v.service_port.map_or("-".to_string(), |p| p.to_string()),
            if v.service_port_detected { " (detected)" } else { "" },
            units::int(b.flows),
            if b.excludes_suspect { " (suspect left out)" } else { "" },
            units::float(b.mean, 2),
            units::float(b.stddev, 2),
            v.k,
            units::float(b.threshold, 2),
            units::float(b.median, 0),
            units::float(b.mad, 0),
            units::float(b.p99, 0)
        )?;
        writeln!(
            out,
            "  above the threshold: {} of {} flows, {} bytes, {} on average",
            units::int(v.above.flows),
            units::int(v.suspect_flows),
            units::int(v.above.bytes_total),
            units::bytes(v.above.bytes_avg)
        )?;
    }
    write_ranking(out, r)
}

/// The hunt's top findings, for the analysis text.
fn write_findings(out: &mut impl Write, r: &Report) -> io::Result<()> {
    if r.findings.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nFindings over the whole data (top 5 of {}; flowlens hunt lists them all):",
        r.findings.len()
    )?;
    for f in r.findings.iter().take(5) {
        writeln!(
            out,
            "  {:<6} {:<15} {}",
            f.severity.as_str().to_uppercase(),
            f.kind.label(),
            f.summary
        )?;
    }
    Ok(())
}

fn write_ranking(out: &mut impl Write, r: &Report) -> io::Result<()> {
    writeln!(
        out,
        "\nRanking of non-private destinations (top {} of {}):",
        r.ranking.rows.len().min(RANKING_SHOWN),
        units::int(r.ranking.total)
    )?;
    for x in r.ranking.rows.iter().take(RANKING_SHOWN) {
        writeln!(
            out,
            "  {:<40} score {:>6.2}  {:>7} flows, {:>10} out, {} above the threshold{}",
            x.addr,
            x.score,
            units::int(x.flows),
            units::bytes(x.bytes_out as f64),
            units::int(x.flows_above),
            geo_suffix(x.geo.as_ref())
        )?;
    }
    write_findings(out, r)?;
    if let Some(db) = &r.geo_database {
        let names: Vec<String> = db
            .packages
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        writeln!(out, "\nCountry and AS from {}.", names.join(", "))?;
        writeln!(out, "{}", db.attribution)?;
    }
    Ok(())
}

/// Writes a hunt as text that fits a screen: a line per kind with its counts, then the
/// `top` highest-ranked findings, then what the data could not show.
pub fn write_hunt(out: &mut impl Write, h: &Hunt, top: usize) -> io::Result<()> {
    let i = &h.input;
    writeln!(
        out,
        "Hunted {} records ({} sessions, {}-second windows{}) from {} to {}.",
        units::int(i.records),
        units::int(i.sessions),
        i.window_secs,
        if i.records_with_tcp_flags > 0 {
            ", with tcp-flags"
        } else {
            ", no tcp-flags"
        },
        time(Some(i.from)),
        time(Some(i.to))
    )?;
    let found: Vec<String> = h
        .totals
        .iter()
        .filter(|t| t.total > 0)
        .map(|t| {
            format!(
                "{} {}{}",
                units::int(t.total),
                t.kind.label(),
                if t.high + t.medium > 0 {
                    format!(" ({} high, {} medium)", t.high, t.medium)
                } else {
                    String::new()
                }
            )
        })
        .collect();
    if found.is_empty() {
        writeln!(out, "\nNo findings.")?;
    } else {
        writeln!(out, "\nFound: {}.", found.join(", "))?;
    }
    for (n, f) in h.findings.iter().take(top).enumerate() {
        writeln!(
            out,
            "\n{:>2}. {:<6} {:<15} {}",
            n + 1,
            f.severity.as_str().to_uppercase(),
            f.kind.label(),
            format_rfc3339(i64::from(f.first))
        )?;
        writeln!(out, "    {}", f.summary)?;
    }
    let total = h.found() as usize;
    if total > top.min(h.findings.len()) {
        writeln!(
            out,
            "\n… and {} more (flowlens hunt --json lists up to {} of each kind).",
            units::int((total - top.min(h.findings.len())) as u64),
            h.totals.iter().map(|t| t.listed).max().unwrap_or(0)
        )?;
    }
    if !h.limits.is_empty() {
        writeln!(out, "\nWhat these records cannot show:")?;
        for l in &h.limits {
            writeln!(out, "  - {l}")?;
        }
    }
    Ok(())
}

/// `  (BR · AS16735 ALGAR TELECOM S/A)`, or nothing when unknown.
fn geo_suffix(geo: Option<&flowlens_core::geo::Geo>) -> String {
    geo.map(|g| format!("  ({})", g.label()))
        .unwrap_or_default()
}
