//! The hunt's findings as SQL for Athena, Dremio and DuckDB: for each finding, a query
//! over the same flow-log table as [`super::sql`] that shows its evidence from the
//! records, with the finding's addresses, ports and times filled in — so a team can
//! check a finding, or look for it again, on its own engine.
//!
//! SQL sees records, not sessions: flowlens stitches each connection's records (both
//! directions, every window) before judging, and three things do not fit a query — the
//! Threshold Random Walk of `scan` (a sequential test that stops at its first
//! decision), RITA's beacon score (quartiles, an hourly histogram and runs of hours,
//! combined), and the session stitching itself (a FIN or a gap ends a session). Each
//! query's `caveat` says what its result lacks. Dremio gets the same statements as the
//! others; they were checked on DuckDB.

use super::sql::{text_literal, Engine, FLOW};
use crate::hunt::{Detail, Finding, Kind};

/// The SQL of one finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingSql {
    /// What the query shows, one line.
    pub title: String,
    /// The query, without the final `;`.
    pub sql: String,
    /// What SQL cannot do that flowlens did, one sentence.
    pub caveat: &'static str,
}

/// The condition that `column` is a private IPv4 or IPv6 address (as text).
fn private(engine: Engine, column: &str) -> String {
    let pattern = r"^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|f[cd]|fe80:)";
    match engine {
        Engine::Athena => format!("regexp_like({column}, '{pattern}')"),
        Engine::Dremio => format!("REGEXP_LIKE({column}, '{pattern}')"),
        Engine::DuckDb => format!("regexp_matches({column}, '{pattern}')"),
    }
}

/// `column LIKE 'a.b.c.%'` for the /24 of an IPv4 address; equality otherwise.
fn same_24(column: &str, addr: &str) -> String {
    match addr.rsplit_once('.') {
        Some((net, _)) if !addr.contains(':') => {
            format!("{column} LIKE {}", text_literal(&format!("{net}.%")))
        }
        _ => format!("{column} = {}", text_literal(addr)),
    }
}

/// The query of `f` for `engine`.
pub fn finding_sql(engine: Engine, f: &Finding) -> FindingSql {
    let t = engine.table();
    let src = text_literal(&f.src);
    let dst = f.dst.as_deref().map(text_literal);
    let port = f.dst_port;
    let q = |expr: &str, p: &str| engine.quantile(expr, p);
    match &f.evidence.detail {
        Detail::Scan(_) => FindingSql {
            title: format!("scan by {}: Zeek's counts per 5-minute epoch", f.src),
            sql: format!(
                "WITH r AS (\n    SELECT \"start\" - \"start\" % 300 AS epoch, dstaddr, dstport FROM {t}\n    WHERE {FLOW}\n      AND srcaddr = {src} AND action = 'REJECT'\n), p AS (\n    SELECT epoch, dstaddr, count(DISTINCT dstport) AS ports FROM r GROUP BY epoch, dstaddr\n), h AS (\n    SELECT epoch, dstport, count(DISTINCT dstaddr) AS hosts FROM r GROUP BY epoch, dstport\n)\nSELECT (SELECT count(*) FROM r) AS rejected_records,\n       (SELECT min(epoch) FROM r) AS first_epoch,\n       (SELECT max(ports) FROM p) AS max_ports_one_host_5min,\n       (SELECT max(hosts) FROM h) AS max_hosts_one_port_5min"
            ),
            caveat: "Counts rejected records only (flowlens also counts unanswered and reset sessions); the Threshold Random Walk is sequential and not expressed.",
        },
        Detail::ProbeAccepted(_) => {
            let (dst, port) = (dst.unwrap_or_else(|| "''".into()), port.unwrap_or(0));
            FindingSql {
                title: format!("probe accepted: {} on {}:{port}", f.src, f.dst.as_deref().unwrap_or("-")),
                sql: format!(
                    "WITH r AS (\n    SELECT \"start\", action, bytes > 60 * packets AS payload FROM {t}\n    WHERE {FLOW}\n      AND srcaddr = {src} AND dstaddr = {dst} AND dstport = {port}\n), probe AS (\n    SELECT min(\"start\") AS probe_start FROM r WHERE action = 'REJECT' OR NOT payload\n)\nSELECT probe.probe_start,\n       min(r.\"start\") AS accepted_start,\n       count(r.\"start\") AS accepted_records\nFROM probe LEFT JOIN r ON r.action = 'ACCEPT' AND r.payload AND r.\"start\" > probe.probe_start\nGROUP BY probe.probe_start"
                ),
                caveat: "Judges payload on the source's records alone (more than 60 bytes a packet); flowlens looks at both directions of the stitched session.",
            }
        }
        Detail::BruteForce(_) => {
            let (dst, port) = (dst.unwrap_or_else(|| "''".into()), port.unwrap_or(0));
            let median = q("r.bytes", "0.5");
            let mad = q("abs(r.bytes - m.median)", "0.5");
            FindingSql {
                title: format!("brute force by {}: attempts per 30 minutes and the reply band", f.src),
                sql: format!(
                    "WITH a AS (\n    SELECT \"start\" FROM {t}\n    WHERE {FLOW}\n      AND srcaddr = {src} AND dstaddr = {dst} AND dstport = {port} AND action = 'ACCEPT'\n), w AS (\n    SELECT \"start\" - \"start\" % 1800 AS window_start, count(*) AS attempts FROM a GROUP BY 1\n), r AS (\n    SELECT CAST(bytes AS DOUBLE) AS bytes FROM {t}\n    WHERE {FLOW}\n      AND srcaddr = {dst} AND srcport = {port} AND dstaddr = {src} AND bytes IS NOT NULL\n), m AS (\n    SELECT {median} AS median FROM r\n), d AS (\n    SELECT {mad} AS mad FROM r CROSS JOIN m\n)\nSELECT w.window_start, w.attempts, m.median AS reply_bytes_median, d.mad AS reply_bytes_mad\nFROM w CROSS JOIN m CROSS JOIN d\nWHERE w.attempts >= 30\nORDER BY w.window_start"
                ),
                caveat: "Aligned 30-minute windows (flowlens slides them by 15 minutes) and one reply per record (a guess spanning two windows is two records).",
            }
        }
        Detail::FirstSuccess(d) => {
            let (dst, port) = (dst.unwrap_or_else(|| "''".into()), port.unwrap_or(0));
            let median = (d.band_low_bytes + d.band_high_bytes) / 2.0;
            let spread = (d.band_high_bytes - d.band_low_bytes) / 6.0;
            let first_attempt = f.first.saturating_sub(d.secs_after_first_attempt);
            let prefix = same_24("dstaddr", &d.brute_force_src);
            FindingSql {
                title: format!("first success after {}'s guesses: the first reply outside the band", d.brute_force_src),
                sql: format!(
                    "SELECT \"start\", \"end\", dstaddr AS source, dstaddr = {src} AS the_finding_source,\n       bytes AS reply_bytes, (bytes - {median:.1}) / {spread:.1} AS z_bytes\nFROM {t}\nWHERE {FLOW}\n  AND srcaddr = {dst} AND srcport = {port} AND {prefix}\n  AND \"start\" >= {first_attempt}\n  AND abs(bytes - {median:.1}) >= 5 * {spread:.1}\nORDER BY \"start\"\nLIMIT 5"
                ),
                caveat: "Looks at reply records by size only; flowlens also finds a success by its duration, over the stitched session.",
            }
        }
        Detail::Exfiltration(_) => {
            let dst = dst.unwrap_or_else(|| "''".into());
            FindingSql {
                title: format!("exfiltration from {}: bytes to {} in sliding 30-minute and 3-hour windows", f.src, f.dst.as_deref().unwrap_or("-")),
                sql: format!(
                    "WITH b AS (\n    SELECT \"start\" - \"start\" % 600 AS bucket, sum(bytes) AS bytes FROM {t}\n    WHERE {FLOW}\n      AND srcaddr = {src} AND dstaddr = {dst}\n    GROUP BY 1\n)\nSELECT bucket, bytes,\n       sum(bytes) OVER (ORDER BY bucket RANGE BETWEEN 1200 PRECEDING AND CURRENT ROW) AS bytes_30min,\n       sum(bytes) OVER (ORDER BY bucket RANGE BETWEEN 10200 PRECEDING AND CURRENT ROW) AS bytes_3h\nFROM b\nORDER BY bytes_30min DESC, bucket\nLIMIT 10"
                ),
                caveat: "One pair only: the robust z against the asset's other destinations and its earlier days needs the same per destination and per day.",
            }
        }
        Detail::LongConnection(_) => {
            let dst = dst.unwrap_or_else(|| "''".into());
            let (sport, dport) = f
                .evidence
                .sessions
                .first()
                .map_or((0, port.unwrap_or(0)), |s| (s.srcport, s.dstport));
            FindingSql {
                title: format!("long connection {}:{sport} → {}:{dport}", f.src, f.dst.as_deref().unwrap_or("-")),
                sql: format!(
                    "SELECT min(\"start\") AS first_start, max(\"end\") AS last_end,\n       max(\"end\") - min(\"start\") AS duration_secs, count(*) AS records,\n       sum(CASE WHEN srcaddr = {src} THEN bytes END) AS bytes_out,\n       sum(CASE WHEN srcaddr = {dst} THEN bytes END) AS bytes_back\nFROM {t}\nWHERE {FLOW}\n  AND ((srcaddr = {src} AND srcport = {sport} AND dstaddr = {dst} AND dstport = {dport})\n    OR (srcaddr = {dst} AND srcport = {dport} AND dstaddr = {src} AND dstport = {sport}))"
                ),
                caveat: "Every record of the 5-tuple together: flowlens splits a session at a FIN or RST or a gap longer than the window + 60 s.",
            }
        }
        Detail::RoleInversion(_) => {
            let outside = private(engine, "dstaddr");
            FindingSql {
                title: format!("role inversion: {} calling the internet", f.src),
                sql: format!(
                    "SELECT \"start\", dstaddr, dstport, action, bytes FROM {t}\nWHERE {FLOW}\n  AND srcaddr = {src} AND srcport > dstport AND NOT {outside}\nORDER BY \"start\"\nLIMIT 20"
                ),
                caveat: "Takes the higher port for the initiator; flowlens uses the SYN when tcp-flags are there, and counts what the asset answered before.",
            }
        }
        Detail::Beacon(d) => {
            let dst = dst.unwrap_or_else(|| "''".into());
            let port = port.unwrap_or(0);
            let median = q("i.gap", "0.5");
            let q1 = q("i.gap", "0.25");
            let q3 = q("i.gap", "0.75");
            let from = f.last.saturating_sub(86_400);
            FindingSql {
                title: format!(
                    "beacon {} → {}:{port}: intervals between starts (median {:.0} s)",
                    f.src,
                    f.dst.as_deref().unwrap_or("-"),
                    d.interval_median_secs
                ),
                sql: format!(
                    "WITH s AS (\n    SELECT DISTINCT \"start\" FROM {t}\n    WHERE {FLOW}\n      AND srcaddr = {src} AND dstaddr = {dst} AND dstport = {port} AND \"start\" >= {from}\n), i AS (\n    SELECT CAST(\"start\" - lag(\"start\") OVER (ORDER BY \"start\") AS DOUBLE) AS gap FROM s\n)\nSELECT count(*) AS intervals, {q1} AS q1, {median} AS median, {q3} AS q3\nFROM i WHERE i.gap > 0"
                ),
                caveat: "Starts of records, not of sessions (a kept connection adds one per window); RITA's score (skew, MAD, histogram, duration) is flowlens's.",
            }
        }
    }
    .with_kind(f.kind)
}

impl FindingSql {
    /// Marks the title with the kind's name when it lacks it.
    fn with_kind(mut self, kind: Kind) -> FindingSql {
        if !self.title.contains(kind.label()) && !self.title.contains(kind.as_str()) {
            self.title = format!("{}: {}", kind.label(), self.title);
        }
        self
    }
}

/// A script: the table's setup, then one query per finding (at most `limit`), each with
/// its title and caveat as comments.
pub fn findings_script(
    engine: Engine,
    params: &super::sql::SqlParams,
    findings: &[Finding],
    limit: usize,
) -> String {
    let mut out = format!(
        "-- flowlens hunt: the findings as {} SQL (records, not sessions: see each caveat).\n\n",
        engine.label()
    );
    out.push_str(&super::sql::setup(engine, params));
    out.push_str(";\n");
    for f in findings.iter().take(limit) {
        let q = finding_sql(engine, f);
        out.push_str(&format!(
            "\n-- {} ({}, {})\n-- Caveat: {}\n{};\n",
            q.title,
            f.severity.as_str(),
            crate::time::format_rfc3339(i64::from(f.first)),
            q.caveat,
            q.sql
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::incident::{Scenario, Stage, DATABASE, START_SECS};
    use crate::flow::{read_bytes, Dataset, ReadOptions};
    use crate::hunt::{hunt, HuntOptions};

    #[test]
    fn every_kind_has_sql_with_its_addresses() {
        let t = START_SECS + 30 * 3600;
        let s = Scenario {
            hours: 40,
            stages: vec![
                Stage::Scan {
                    src: [198, 51, 100, 20],
                    start_secs: t - 7200,
                    duration_secs: 60,
                    ports: 40,
                    hosts: 1,
                },
                Stage::BruteForce {
                    src: [198, 51, 100, 20],
                    server: DATABASE,
                    port: 3306,
                    start_secs: t,
                    attempts: 100,
                    interval_secs: 5,
                    jitter_secs: 1,
                    reply_bytes: 200,
                    reply_jitter_bytes: 3,
                    success: Some(([198, 51, 100, 21], 30, 9_000, 600)),
                },
                Stage::Exfiltration {
                    asset: DATABASE,
                    asset_port: 3306,
                    dst: [198, 51, 100, 50],
                    start_secs: t + 3600,
                    duration_secs: 600,
                    bytes: 200_000_000,
                    connections: 2,
                },
                Stage::LongConnection {
                    src: DATABASE,
                    dst: [198, 51, 100, 60],
                    port: 4444,
                    start_secs: t + 4000,
                    duration_secs: 9 * 3600,
                },
                Stage::Beacon {
                    src: [10, 0, 2, 5],
                    dst: [198, 51, 100, 60],
                    port: 443,
                    start_secs: START_SECS + 3600,
                    period_secs: 600,
                    jitter: 0.05,
                    count: 200,
                    bytes: 500,
                },
            ],
            ..Scenario::default()
        };
        let mut ds = Dataset::default();
        for (name, text) in s.files() {
            read_bytes(&mut ds, &name, &text, &ReadOptions::default());
        }
        let h = hunt(&ds, &HuntOptions::default());
        for kind in Kind::ALL {
            let f = h
                .findings
                .iter()
                .find(|f| f.kind == kind && f.severity >= crate::hunt::Severity::Medium)
                .unwrap_or_else(|| panic!("no {}", kind.as_str()));
            for engine in Engine::ALL {
                let q = finding_sql(engine, f);
                assert!(
                    q.sql.contains(&format!("'{}'", f.src)),
                    "{kind:?} {engine:?}: {}",
                    q.sql
                );
                if let Some(dst) = &f.dst {
                    if !matches!(kind, Kind::Scan | Kind::FirstSuccess | Kind::RoleInversion) {
                        assert!(q.sql.contains(&format!("'{dst}'")), "{kind:?}: {}", q.sql);
                    }
                }
                assert!(
                    !q.caveat.is_empty() && q.title.contains(kind.label()),
                    "{}",
                    q.title
                );
                assert!(q.sql.contains(engine.table()));
            }
        }
        let script = findings_script(
            Engine::DuckDb,
            &crate::analysis::sql::SqlParams::new(
                crate::analysis::TimeRange::ALL,
                "198.51.100.20".parse().unwrap(),
                3306,
            ),
            &h.findings,
            5,
        );
        assert_eq!(script.matches("-- Caveat:").count(), 5);
        assert!(script.contains("CREATE OR REPLACE VIEW flows"));
    }
}
