//! The same analysis at scale: the five questions as SQL for Athena (Trino), Dremio and
//! DuckDB, with the parameters of the current analysis filled in, so that a team whose
//! logs outgrow a browser tab runs the identical analysis on its own engine.
//!
//! Every query follows the definitions of the Rust analysis exactly:
//! - a *flow* is a record with both addresses present whose `log_status` is neither
//!   NODATA nor SKIPDATA ([`crate::flow::FlowTable::is_flow`]);
//! - the range holds a record when its `start` is in `[from, to)` ([`TimeRange`]);
//! - sources ([`super::sources`]): per srcaddr in the range, records, packets, bytes
//!   sent; bytes received as dstaddr; first start and last end on either side;
//! - span ([`super::span`]): the suspect on either side over all data, an end before its
//!   start (or missing) counts as the start; sessions split where a flow starts at
//!   least the gap after the latest end so far;
//! - the range picks *who* (sources); questions 4 and 5 follow the suspect over its
//!   whole stay, from its first start to its last end across all data ([`super::report`]);
//! - flows to the suspect ([`super::flows`]): dstaddr = suspect over its stay, records
//!   without a byte count counted apart, the range's share beside; power-of-two bins;
//! - baseline ([`super::verdict`]): every flow with srcport = service port over all
//!   data with a byte count, the suspect's own flows left out unless asked; sample σ;
//!   threshold = mean + k·σ; the suspect's flows from the service port over its stay
//!   above it.
//!
//! Only the percentiles differ by engine: Athena has no exact percentile, so its median,
//! MAD and p99 are `approx_percentile` estimates (the SQL says so). Addresses are
//! compared as text, as the logs write them.
//! Pure text generation: deterministic, no I/O, and it compiles to wasm for the page.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::{TimeRange, WINDOW_SECS};
use crate::time::format_rfc3339;

/// An SQL engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    /// Amazon Athena (Trino / Presto SQL) over the VPC flow logs table AWS documents.
    Athena,
    /// Dremio over a folder of flow-log files promoted to a dataset.
    Dremio,
    /// DuckDB reading the files directly with `read_csv`.
    DuckDb,
}

impl Engine {
    /// Every engine, in the order the page shows them.
    pub const ALL: [Engine; 3] = [Engine::Athena, Engine::Dremio, Engine::DuckDb];

    /// The command-line spelling (`athena`, `dremio`, `duckdb`).
    pub fn id(self) -> &'static str {
        match self {
            Engine::Athena => "athena",
            Engine::Dremio => "dremio",
            Engine::DuckDb => "duckdb",
        }
    }

    /// The name people know.
    pub fn label(self) -> &'static str {
        match self {
            Engine::Athena => "Athena",
            Engine::Dremio => "Dremio",
            Engine::DuckDb => "DuckDB",
        }
    }

    /// The engine with this [`Engine::id`].
    pub fn from_id(id: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.id() == id)
    }

    /// The table (or view) the queries read.
    pub(crate) fn table(self) -> &'static str {
        match self {
            Engine::Athena => "vpc_flow_logs",
            Engine::Dremio => "flowlens.flow_logs",
            Engine::DuckDb => "flows",
        }
    }

    /// The `q` quantile of `expr` as an aggregate.
    pub(crate) fn quantile(self, expr: &str, q: &str) -> String {
        match self {
            Engine::Athena => format!("approx_percentile({expr}, {q})"),
            Engine::Dremio => format!("PERCENTILE_CONT({q}) WITHIN GROUP (ORDER BY {expr})"),
            Engine::DuckDb => format!("quantile_cont({expr}, {q})"),
        }
    }

    /// ⌊log2(bytes)⌋ for bytes ≥ 1, as a BIGINT.
    fn floor_log2(self) -> &'static str {
        match self {
            Engine::Athena => "CAST(floor(log2(bytes)) AS BIGINT)",
            // Dremio's LOG(base, x) divides natural logarithms: a nudge keeps exact
            // powers of two from rounding down (exact below 2^40 bytes).
            Engine::Dremio => "CAST(FLOOR(LOG(2, bytes) + 1e-12) AS BIGINT)",
            Engine::DuckDb => "CAST(floor(log2(bytes)) AS BIGINT)",
        }
    }

    /// A DOUBLE literal.
    fn double(self, value: f64) -> String {
        let text = format!("{value:?}");
        match self {
            Engine::Athena => format!("DOUBLE '{text}'"),
            Engine::Dremio => format!("CAST({text} AS DOUBLE)"),
            Engine::DuckDb => format!("{text}::DOUBLE"),
        }
    }
}

/// The parameters of the generated SQL (those of the analysis shown).
#[derive(Clone, Debug, PartialEq)]
pub struct SqlParams {
    /// The range of sources, flows to the suspect and the suspect's flows.
    pub range: TimeRange,
    /// The address to explain.
    pub suspect: IpAddr,
    /// The protected service's port.
    pub service_port: u16,
    /// Threshold = mean + k·σ.
    pub k: f64,
    /// Keep the suspect's own flows in the baseline.
    pub include_suspect_in_baseline: bool,
    /// Flows further apart than this start a new session.
    pub session_gap_secs: u32,
    /// DuckDB only: the files `read_csv` reads (a path or glob).
    pub files: String,
}

impl SqlParams {
    /// Default DuckDB input: every `.log.gz` below `flow-logs/`.
    pub const DEFAULT_FILES: &'static str = "flow-logs/**/*.log.gz";

    /// Parameters with the defaults of the analysis (k = 3, suspect left out of the
    /// baseline, gap of two aggregation windows, [`SqlParams::DEFAULT_FILES`]).
    pub fn new(range: TimeRange, suspect: IpAddr, service_port: u16) -> SqlParams {
        SqlParams {
            range,
            suspect,
            service_port,
            k: 3.0,
            include_suspect_in_baseline: false,
            session_gap_secs: 2 * WINDOW_SECS,
            files: SqlParams::DEFAULT_FILES.to_string(),
        }
    }
}

/// One query of the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// A short name (`setup`, `sources`, `span`, …), also the `-- name:` marker.
    pub name: &'static str,
    /// What it answers, one line.
    pub title: &'static str,
    /// The SQL, without the final `;`.
    pub sql: String,
}

/// An SQL string literal.
pub(crate) fn text_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The condition that a record is a flow (the same as `FlowTable::is_flow`). Athena reads
/// `-` as text in string columns, the others as NULL: both are excluded.
pub(crate) const FLOW: &str = "coalesce(srcaddr, '-') <> '-' AND coalesce(dstaddr, '-') <> '-' \
AND coalesce(log_status, '') NOT IN ('NODATA', 'SKIPDATA')";

/// The range condition on `"start"` (`TRUE` for the whole data set).
fn range_condition(range: &TimeRange) -> String {
    match (range.from, range.to) {
        (None, None) => "TRUE".to_string(),
        (Some(from), None) => format!("\"start\" >= {from}"),
        (None, Some(to)) => format!("\"start\" < {to}"),
        (Some(from), Some(to)) => format!("\"start\" >= {from} AND \"start\" < {to}"),
    }
}

/// The suspect's whole stay, which questions 4 and 5 follow whatever range picked it:
/// from its first start to its last end across all data (the span). Every flow of the
/// suspect with a start time lies inside, so the condition is that the start is known.
const STAY: &str = "\"start\" IS NOT NULL";

/// A record's end for spans: its end, or its start when the end is missing or earlier.
const END_SECS: &str =
    "CASE WHEN \"end\" IS NULL OR \"end\" < \"start\" THEN \"start\" ELSE \"end\" END";

/// The queries of the five questions for `engine`, in the order to run them; the
/// first (`setup`) makes the table the others read.
pub fn statements(engine: Engine, p: &SqlParams) -> Vec<Statement> {
    let t = engine.table();
    let suspect = text_literal(&p.suspect.to_string());
    let port = p.service_port;
    let range = range_condition(&p.range);
    let k = engine.double(p.k);
    let gap = p.session_gap_secs;
    let leave_out = if p.include_suspect_in_baseline {
        String::new()
    } else {
        format!(" AND dstaddr <> {suspect}")
    };
    let baseline_cte = format!(
        "b AS (\n    SELECT CAST(bytes AS DOUBLE) AS bytes FROM {t}\n    WHERE {FLOW}\n      AND srcport = {port} AND bytes IS NOT NULL{leave_out}\n)"
    );
    let median = engine.quantile("b.bytes", "0.5");
    let p99 = engine.quantile("b.bytes", "0.99");
    let mad = engine.quantile("abs(b.bytes - m.median)", "0.5");
    let bin = engine.floor_log2();
    vec![
        Statement {
            name: "setup",
            title: "The table of flow-log records the queries read",
            sql: setup(engine, p),
        },
        Statement {
            name: "sources",
            title: "Question 1: who talked to it? Every source address in the range",
            sql: format!(
                "WITH f AS (\n    SELECT srcaddr, dstaddr, packets, bytes, \"start\", \"end\" FROM {t}\n    WHERE {FLOW}\n      AND {range}\n), sent AS (\n    SELECT srcaddr AS addr, count(*) AS flows, coalesce(sum(packets), 0) AS packets,\n           coalesce(sum(bytes), 0) AS bytes_sent\n    FROM f GROUP BY srcaddr\n), received AS (\n    SELECT dstaddr AS addr, coalesce(sum(bytes), 0) AS bytes_received FROM f GROUP BY dstaddr\n), times AS (\n    SELECT addr, min(\"start\") AS first_start, max(\"end\") AS last_end FROM (\n        SELECT srcaddr AS addr, \"start\", \"end\" FROM f\n        UNION ALL\n        SELECT dstaddr AS addr, \"start\", \"end\" FROM f\n    ) e GROUP BY addr\n)\nSELECT s.addr, s.flows, s.packets, s.bytes_sent, coalesce(r.bytes_received, 0) AS bytes_received,\n       tm.first_start, tm.last_end\nFROM sent s\nLEFT JOIN received r ON r.addr = s.addr\nLEFT JOIN times tm ON tm.addr = s.addr\nORDER BY s.bytes_sent DESC, s.addr"
            ),
        },
        Statement {
            name: "span",
            title: "Questions 2 and 3: first start, last end and duration of the suspect (all data and in the range)",
            sql: format!(
                "WITH f AS (\n    SELECT \"start\", {END_SECS} AS end_secs,\n           CASE WHEN {range} THEN 1 ELSE 0 END AS in_range\n    FROM {t}\n    WHERE {FLOW}\n      AND (srcaddr = {suspect} OR dstaddr = {suspect}) AND \"start\" IS NOT NULL\n)\nSELECT min(\"start\") AS first_start, max(end_secs) AS last_end,\n       max(end_secs) - min(\"start\") AS duration_secs,\n       min(CASE WHEN in_range = 1 THEN \"start\" END) AS range_first_start,\n       max(CASE WHEN in_range = 1 THEN end_secs END) AS range_last_end\nFROM f"
            ),
        },
        Statement {
            name: "sessions",
            title: "Question 3: the suspect's sessions (a new one starts a gap after the latest end so far)",
            sql: format!(
                "WITH f AS (\n    SELECT \"start\", {END_SECS} AS end_secs, coalesce(bytes, 0) AS bytes FROM {t}\n    WHERE {FLOW}\n      AND (srcaddr = {suspect} OR dstaddr = {suspect}) AND \"start\" IS NOT NULL\n), g AS (\n    SELECT \"start\", end_secs, bytes,\n           max(end_secs) OVER (ORDER BY \"start\", end_secs, bytes\n                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end\n    FROM f\n), s AS (\n    SELECT \"start\", end_secs, bytes,\n           sum(CASE WHEN prev_end IS NULL OR \"start\" >= prev_end + {gap} THEN 1 ELSE 0 END)\n               OVER (ORDER BY \"start\", end_secs, bytes ROWS UNBOUNDED PRECEDING) AS session\n    FROM g\n)\nSELECT session, min(\"start\") AS session_start, max(end_secs) AS session_end,\n       count(*) AS flows, sum(bytes) AS bytes\nFROM s GROUP BY session ORDER BY session"
            ),
        },
        Statement {
            name: "flows_to",
            title: "Question 4: what did it take? Every flow to the suspect over its whole stay, in time order (in_range: started in the range)",
            sql: format!(
                "SELECT \"start\", \"end\", bytes, srcaddr, srcport, dstport,\n       CASE WHEN {range} THEN 1 ELSE 0 END AS in_range\nFROM {t}\nWHERE {FLOW}\n  AND {STAY}\n  AND dstaddr = {suspect} AND bytes IS NOT NULL\nORDER BY \"start\", \"end\""
            ),
        },
        Statement {
            name: "flows_to_total",
            title: "Question 4: their count, bytes and largest flow (records without bytes apart), and the range's share",
            sql: format!(
                "SELECT count(bytes) AS count, coalesce(sum(bytes), 0) AS bytes_total,\n       coalesce(max(bytes), 0) AS bytes_max, count(*) - count(bytes) AS bytes_missing,\n       count(CASE WHEN {range} THEN bytes END) AS range_count,\n       coalesce(sum(CASE WHEN {range} THEN bytes END), 0) AS range_bytes_total\nFROM {t}\nWHERE {FLOW}\n  AND {STAY}\n  AND dstaddr = {suspect}"
            ),
        },
        Statement {
            name: "histogram",
            title: "Question 4: their sizes in power-of-two bins (bin 0 holds 0, bin i holds [2^(i-1), 2^i))",
            sql: format!(
                "SELECT bin, count(*) AS count FROM (\n    SELECT CASE WHEN bytes = 0 THEN 0 ELSE {bin} + 1 END AS bin FROM {t}\n    WHERE {FLOW}\n      AND {STAY}\n      AND dstaddr = {suspect} AND bytes IS NOT NULL\n) h\nGROUP BY bin ORDER BY bin"
            ),
        },
        Statement {
            name: "baseline",
            title: "Question 5: the baseline of the service's responses over all data",
            sql: format!(
                "WITH {baseline_cte}, m AS (\n    SELECT count(*) AS flows, coalesce(avg(b.bytes), 0) AS mean,\n           coalesce(stddev_samp(b.bytes), 0) AS stddev,\n           {median} AS median, {p99} AS p99\n    FROM b\n), d AS (\n    SELECT {mad} AS mad,\n           count(CASE WHEN b.bytes > m.mean + {k} * m.stddev THEN 1 END) AS flows_above\n    FROM b CROSS JOIN m\n)\nSELECT m.flows, m.mean, m.stddev, m.mean + {k} * m.stddev AS threshold,\n       m.median, d.mad, m.p99, d.flows_above\nFROM m CROSS JOIN d"
            ),
        },
        Statement {
            name: "above",
            title: "Question 5: the suspect's flows from the service port over its whole stay, and those above the threshold",
            sql: format!(
                "WITH {baseline_cte}, th AS (\n    SELECT coalesce(avg(b.bytes), 0) + {k} * coalesce(stddev_samp(b.bytes), 0) AS threshold FROM b\n), s AS (\n    SELECT bytes FROM {t}\n    WHERE {FLOW}\n      AND {STAY}\n      AND srcport = {port} AND dstaddr = {suspect} AND bytes IS NOT NULL\n)\nSELECT count(*) AS suspect_flows,\n       count(CASE WHEN s.bytes > th.threshold THEN 1 END) AS flows,\n       coalesce(sum(CASE WHEN s.bytes > th.threshold THEN s.bytes END), 0) AS bytes_total,\n       coalesce(avg(CASE WHEN s.bytes > th.threshold THEN CAST(s.bytes AS DOUBLE) END), 0) AS bytes_avg\nFROM s CROSS JOIN th"
            ),
        },
    ]
}

/// The statement that makes the table the queries read.
pub(crate) fn setup(engine: Engine, p: &SqlParams) -> String {
    match engine {
        // The DDL of the AWS documentation ("Create a table for VPC flow logs"), for
        // logs in the default format.
        Engine::Athena => "CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs` (\n  version int,\n  account_id string,\n  interface_id string,\n  srcaddr string,\n  dstaddr string,\n  srcport int,\n  dstport int,\n  protocol bigint,\n  packets bigint,\n  bytes bigint,\n  start bigint,\n  `end` bigint,\n  action string,\n  log_status string\n)\nPARTITIONED BY (`date` date)\nROW FORMAT DELIMITED\nFIELDS TERMINATED BY ' '\nLOCATION 's3://DOC-EXAMPLE-BUCKET/prefix/AWSLogs/{account_id}/vpcflowlogs/{region_code}/'\nTBLPROPERTIES (\"skip.header.line.count\"=\"1\")".to_string(),
        Engine::Dremio => {
            let mut sql = String::from("CREATE OR REPLACE VIEW flowlens.flow_logs AS\nSELECT\n");
            let columns = [
                ("version", "version", "INTEGER"),
                ("account-id", "account_id", "VARCHAR"),
                ("interface-id", "interface_id", "VARCHAR"),
                ("srcaddr", "srcaddr", "VARCHAR"),
                ("dstaddr", "dstaddr", "VARCHAR"),
                ("srcport", "srcport", "INTEGER"),
                ("dstport", "dstport", "INTEGER"),
                ("protocol", "protocol", "INTEGER"),
                ("packets", "packets", "BIGINT"),
                ("bytes", "bytes", "BIGINT"),
                ("start", "start", "BIGINT"),
                ("end", "end", "BIGINT"),
                ("action", "action", "VARCHAR"),
                ("log-status", "log_status", "VARCHAR"),
            ];
            for (i, (header, name, ty)) in columns.iter().enumerate() {
                let sep = if i + 1 < columns.len() { "," } else { "" };
                let _ = writeln!(
                    sql,
                    "  CAST(NULLIF(\"{header}\", '-') AS {ty}) AS \"{name}\"{sep}"
                );
            }
            sql.push_str("FROM s3source.\"DOC-EXAMPLE-BUCKET\".\"AWSLogs\"");
            sql
        }
        Engine::DuckDb => format!(
            "CREATE OR REPLACE VIEW flows AS\nSELECT * FROM read_csv({},\n    delim = ' ', header = true, nullstr = '-', auto_detect = false,\n    columns = {{\n        'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR',\n        'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER',\n        'protocol': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT',\n        'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'\n    }})",
            text_literal(&p.files)
        ),
    }
}

/// How to prepare the table, per engine (comment lines of the script).
fn setup_notes(engine: Engine) -> &'static [&'static str] {
    match engine {
        Engine::Athena => &[
            "Athena (Trino SQL). Make the table once with the DDL below (set LOCATION to",
            "your bucket), then load the partitions, e.g.",
            "  ALTER TABLE vpc_flow_logs ADD PARTITION (`date`='2020-09-16')",
            "  LOCATION 's3://DOC-EXAMPLE-BUCKET/prefix/AWSLogs/{account_id}/vpcflowlogs/{region_code}/2020/09/16';",
            "Athena has no exact percentile: median, MAD and p99 are approx_percentile estimates.",
        ],
        Engine::Dremio => &[
            "Dremio. Promote the folder of flow-log files to a dataset (format: Text,",
            "field delimiter: space, extract field names), replace the FROM path below",
            "with it and create the typed view once; the queries read the view.",
        ],
        Engine::DuckDb => &[
            "DuckDB. The view reads the files directly (default format, with the header",
            "line, gzip or plain); set the path or glob in read_csv to your files.",
        ],
    }
}

fn describe_range(range: &TimeRange) -> String {
    let at = |s: u32| format_rfc3339(i64::from(s));
    match (range.from, range.to) {
        (None, None) => "all records".to_string(),
        (Some(f), Some(t)) => format!("records starting in [{}, {})", at(f), at(t)),
        (Some(f), None) => format!("records starting at or after {}", at(f)),
        (None, Some(t)) => format!("records starting before {}", at(t)),
    }
}

/// The whole script for `engine`: a header stating the parameters, then each
/// statement after a `-- name: NAME` line and its title, ended by `;`.
pub fn script(engine: Engine, p: &SqlParams) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- flowlens: the five questions as {} SQL.",
        engine.label()
    );
    let _ = writeln!(out, "-- Range: {}.", describe_range(&p.range));
    let _ = writeln!(
        out,
        "-- Suspect: {}; service port: {}; threshold = mean + {} x sample stddev.",
        p.suspect, p.service_port, p.k
    );
    let _ = writeln!(
        out,
        "-- Baseline: every flow from port {} over all data{}.",
        p.service_port,
        if p.include_suspect_in_baseline {
            ", the suspect's own flows included"
        } else {
            ", the suspect's own flows left out"
        }
    );
    let _ = writeln!(
        out,
        "-- A flow: both addresses present, log_status neither NODATA nor SKIPDATA."
    );
    for note in setup_notes(engine) {
        let _ = writeln!(out, "-- {note}");
    }
    for statement in statements(engine, p) {
        let _ = write!(
            out,
            "\n-- name: {}\n-- {}\n{};\n",
            statement.name, statement.title, statement.sql
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_params() -> SqlParams {
        // The case: the 02:00 window of 2020-09-16, 201.48.16.81, MySQL.
        SqlParams::new(
            TimeRange::starting_at(1_600_221_600, 600),
            "201.48.16.81".parse().unwrap(),
            3306,
        )
    }

    #[test]
    fn engine_ids_round_trip() {
        for engine in Engine::ALL {
            assert_eq!(Engine::from_id(engine.id()), Some(engine));
        }
        assert_eq!(Engine::from_id("postgres"), None);
    }

    #[test]
    fn literals_per_engine() {
        let p = case_params();
        let athena = script(Engine::Athena, &p);
        let dremio = script(Engine::Dremio, &p);
        let duckdb = script(Engine::DuckDb, &p);
        // k as a DOUBLE literal in each dialect.
        assert!(athena.contains("m.mean + DOUBLE '3.0' * m.stddev"));
        assert!(dremio.contains("m.mean + CAST(3.0 AS DOUBLE) * m.stddev"));
        assert!(duckdb.contains("m.mean + 3.0::DOUBLE * m.stddev"));
        // Reserved words: backticks in Athena's Hive DDL, double quotes in every query.
        assert!(athena.contains("  `end` bigint,\n"));
        assert!(dremio.contains("CAST(NULLIF(\"end\", '-') AS BIGINT) AS \"end\""));
        for sql in [&athena, &dremio, &duckdb] {
            assert!(sql.contains("\"start\" >= 1600221600 AND \"start\" < 1600222200"));
            assert!(sql.contains("dstaddr = '201.48.16.81'"));
            assert!(sql.contains("AND dstaddr <> '201.48.16.81'"));
            assert!(sql.contains("srcport = 3306"));
        }
        // No bare `start` or `end` in any query (the keyword END is upper case).
        for engine in Engine::ALL {
            for statement in statements(engine, &p).iter().skip(1) {
                let bare = statement
                    .sql
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '"'))
                    .find(|w| *w == "start" || *w == "end");
                assert_eq!(bare, None, "{engine:?} {}", statement.name);
            }
        }
        // Percentiles.
        assert!(athena.contains("approx_percentile(b.bytes, 0.99)"));
        assert!(dremio.contains("PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY b.bytes)"));
        assert!(duckdb.contains("quantile_cont(abs(b.bytes - m.median), 0.5)"));
        // DuckDB reads the files; a quote in the glob is doubled.
        let p = SqlParams {
            files: "/data/o'brien/**/*.log.gz".to_string(),
            ..case_params()
        };
        assert!(script(Engine::DuckDb, &p).contains("read_csv('/data/o''brien/**/*.log.gz',"));
    }

    #[test]
    fn parameters_change_the_conditions() {
        let p = SqlParams {
            range: TimeRange::ALL,
            k: 2.5,
            include_suspect_in_baseline: true,
            session_gap_secs: 300,
            ..case_params()
        };
        let sql = script(Engine::DuckDb, &p);
        assert!(
            !sql.contains("dstaddr <> "),
            "the suspect stays in the baseline"
        );
        assert!(sql.contains("AND TRUE\n"));
        assert!(sql.contains("2.5::DOUBLE"));
        assert!(sql.contains("\"start\" >= prev_end + 300"));
        assert!(sql.contains("-- Range: all records."));
        let half_open = TimeRange {
            from: Some(10),
            to: None,
        };
        assert_eq!(range_condition(&half_open), "\"start\" >= 10");
        let names: Vec<_> = statements(Engine::Athena, &p)
            .iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(
            names,
            [
                "setup",
                "sources",
                "span",
                "sessions",
                "flows_to",
                "flows_to_total",
                "histogram",
                "baseline",
                "above"
            ]
        );
    }

    #[test]
    fn duckdb_golden_text() {
        // Checked by hand against the Rust definitions, and run by DuckDB on the example
        // week in the browser test (scripts/sql_check.py).
        let expected = include_str!("sql_golden_duckdb.sql");
        assert_eq!(script(Engine::DuckDb, &case_params()), expected);
    }
}
