//! The command-line tool as a user runs it: exit codes, diagnostics on stderr, the
//! records output, the JSON report and a closed pipe.

// A failed unwrap in a test is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

fn flowlens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .args(args)
        .output()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowlens-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn records_jsonl_uses_aws_names_numbers_and_null() {
    let dir = scratch("records");
    let file = dir.join("a.log");
    write(
        &file,
        &format!(
            "{HEADER}\n2 123456789012 eni-1 10.0.0.1 203.0.113.9 3306 50000 6 3 2100 1600221687123 1600221747 ACCEPT OK\nthis line is bad\n2 123456789012 eni-1 - - - - - - - 1600221600 1600222200 - NODATA\n"
        ),
    );
    let out = flowlens(&["records", file.to_str().unwrap()]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["srcaddr"], "10.0.0.1");
    assert_eq!(lines[0]["bytes"], 2100);
    assert_eq!(lines[0]["start"], 1_600_221_687); // milliseconds normalised
    assert_eq!(lines[0]["version"], 2);
    assert_eq!(lines[0]["account-id"], "123456789012");
    assert_eq!(lines[0]["log-status"], "OK");
    assert_eq!(lines[1]["srcaddr"], serde_json::Value::Null);
    assert_eq!(lines[1]["bytes"], serde_json::Value::Null);
    assert_eq!(lines[1]["log-status"], "NODATA");
    let keys: Vec<&String> = lines[0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 14);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "a.log:3: expected 14 fields (the header on line 1 names 14 fields), found 4"
        ),
        "{stderr}"
    );

    let out = flowlens(&["records", file.to_str().unwrap(), "--output", "csv"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(rows[0], HEADER.replace(' ', ","));
    assert_eq!(rows[1], "2,123456789012,eni-1,10.0.0.1,203.0.113.9,3306,50000,6,3,2100,1600221687,1600221747,ACCEPT,OK");
    assert_eq!(
        rows[2],
        "2,123456789012,eni-1,,,,,,,,1600221600,1600222200,,NODATA"
    );
}

#[test]
fn exit_codes() {
    let dir = scratch("exit");
    let junk = dir.join("junk.log.gz");
    write(&junk, "not a flow log at all\n");
    // Nothing readable: 2, with the reason on stderr.
    let out = flowlens(&["analyze", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.log.gz:1:"));
    // Usage errors: 2.
    assert_eq!(flowlens(&["analyze"]).status.code(), Some(2));
    assert_eq!(
        flowlens(&["analyze", junk.to_str().unwrap(), "--suspect", "nope"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        flowlens(&["analyze", junk.to_str().unwrap(), "--from", "yesterday"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        flowlens(&["analyze", "/no/such/path"]).status.code(),
        Some(2)
    );
    // A missing path next to a good file is a diagnostic, not a failure.
    let good = dir.join("good.log");
    write(&good, &format!("{HEADER}\n2 1 eni-1 10.0.0.1 10.0.0.2 3306 50000 6 1 100 1600221687 1600221700 ACCEPT OK\n"));
    let out = flowlens(&["analyze", good.to_str().unwrap(), "/no/such/path", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["input"]["records"], 1);
    assert_eq!(report["input"]["diagnostics"]["total"], 1);
    assert_eq!(
        report["input"]["diagnostics"]["rows"][0]["file"],
        "/no/such/path"
    );
}

#[test]
fn example_then_analyze_finds_the_suspect() {
    let dir = scratch("example");
    let out = flowlens(&["example", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let day = dir.join("AWSLogs/123456789012/vpcflowlogs/us-east-1/2020/09/16");
    let files = std::fs::read_dir(&day).unwrap().count();
    assert_eq!(files, 144);

    let out = flowlens(&["analyze", dir.to_str().unwrap(), "--json"]);
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["input"]["files"], 1008);
    assert_eq!(r["suspect"], "201.48.16.81");
    assert_eq!(r["span"]["first_start"], 1_600_221_687);
    assert_eq!(r["span"]["last_end"], 1_600_223_113);
    assert_eq!(r["span"]["duration_secs"], 1426);
    assert_eq!(r["verdict"]["outcome"], "exfiltration_suspected");
    assert_eq!(r["verdict"]["service_port"], 3306);
    assert_eq!(r["verdict"]["baseline"]["excludes_suspect"], true);
    for key in [
        "flows",
        "mean",
        "stddev",
        "threshold",
        "median",
        "mad",
        "p99",
    ] {
        assert!(r["verdict"]["baseline"][key].is_number(), "{key}");
    }
    assert_eq!(r["ranking"]["rows"][0]["addr"], "201.48.16.81");

    // The window of question 1, in text.
    let out = flowlens(&[
        "analyze",
        dir.to_str().unwrap(),
        "--window",
        "2020-09-16T02:00:00Z",
        "--suspect",
        "201.48.16.81",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("1. Who talked — 5 source addresses"),
        "{text}"
    );
    // Questions 4 and 5 follow it over its whole stay: the burst is judged.
    assert!(
        text.contains("5. Is it abnormal? (its flows over the whole stay) exfiltration_suspected"),
        "{text}"
    );
    assert!(
        text.contains(
            "above the threshold: 14 of 64 flows, 952,560,000 bytes, 68.04 MB on average"
        ),
        "{text}"
    );
    // The whole report fits a screen.
    let out = flowlens(&["analyze", dir.to_str().unwrap()]);
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(stdout.lines().count() <= 80, "{stdout}");
    assert!(stderr.lines().count() <= 10, "{stderr}");
}

/// 250 distinct sources: the text lists the top 20 by bytes sent and says how many
/// more there are; `--all` streams all 250; the CSV always has every row.
#[test]
fn text_lists_the_top_sources_and_all_on_request() {
    let dir = scratch("many-sources");
    let file = dir.join("many.log");
    let mut body = format!("{HEADER}\n");
    for i in 0..250u32 {
        body.push_str(&format!(
            "2 1 eni-1 198.51.{}.{} 10.0.0.5 40000 3306 6 1 {} 1600221600 1600221660 REJECT OK\n",
            i / 200,
            i % 200,
            1000 + i
        ));
    }
    write(&file, &body);
    let f = file.to_str().unwrap();
    let text = String::from_utf8(flowlens(&["analyze", f, "--no-geo"]).stdout).unwrap();
    assert!(
        text.contains("1. Who talked — 250 source addresses (0 private, 0 known, 250 public)"),
        "{text}"
    );
    // The largest sender is the last one written: 198.51.1.49 with 1,249 bytes.
    let listed: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("198.51."))
        .collect();
    assert_eq!(listed.len(), 20);
    assert!(
        listed[0].trim_start().starts_with("198.51.1.49 "),
        "{}",
        listed[0]
    );
    assert!(
        text.contains("  … and 230 more (--all, or --output csv)"),
        "{text}"
    );
    let all = String::from_utf8(flowlens(&["analyze", f, "--no-geo", "--all"]).stdout).unwrap();
    assert_eq!(
        all.lines()
            .filter(|l| l.trim_start().starts_with("198.51."))
            .count(),
        250
    );
    assert!(!all.contains("more (--all"));
    let csv =
        String::from_utf8(flowlens(&["analyze", f, "--no-geo", "--output", "csv"]).stdout).unwrap();
    assert_eq!(csv.lines().count(), 1 + 250);
    // The JSON report keeps --top rows and the total.
    let json = flowlens(&["analyze", f, "--no-geo", "--json", "--top", "7"]).stdout;
    let r: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(r["sources"]["total"], 250);
    assert_eq!(r["sources"]["rows"].as_array().unwrap().len(), 7);
    assert_eq!(r["sources"]["rows"][0]["bytes_sent"], 1249);
}

#[test]
fn a_closed_pipe_is_success() {
    let dir = scratch("pipe");
    let file = dir.join("a.log");
    let mut body = String::from(HEADER);
    for i in 0..20_000 {
        body.push_str(&format!(
            "\n2 1 eni-1 10.0.0.1 10.0.0.2 3306 {} 6 1 100 1600221687 1600221700 ACCEPT OK",
            1024 + i % 60000
        ));
    }
    write(&file, &body);
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .args(["records", file.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let _ = std::io::stdout().flush();
}

#[test]
fn sql_prints_the_queries_and_fills_in_suspect_and_port() {
    // Given everything: the golden DuckDB text of the case window.
    let out = flowlens(&[
        "sql",
        "--engine",
        "duckdb",
        "--window",
        "2020-09-16T02:00:00Z",
        "--suspect",
        "201.48.16.81",
        "--service-port",
        "3306",
    ]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        include_str!("../../flowlens-core/src/analysis/sql_golden_duckdb.sql")
    );

    // Neither suspect nor port, and no files to find them in: a usage error.
    let out = flowlens(&["sql", "--engine", "athena"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("give --suspect and --service-port"));

    // From files: the top-ranked suspect and the detected port (hand-made: 40
    // responses of 1,000 bytes to a private client, then three of 9 MB to
    // 203.0.113.7), and the folder as DuckDB's input.
    let dir = scratch("sql");
    let mut body = format!("{HEADER}\n");
    for i in 0..40 {
        body.push_str(&format!(
            "2 1 eni-1 10.0.0.1 10.0.0.2 5432 50000 6 2 1000 {} {} ACCEPT OK\n",
            1000 + i,
            1010 + i
        ));
    }
    for i in 0..3 {
        body.push_str(&format!(
            "2 1 eni-1 10.0.0.1 203.0.113.7 5432 51000 6 900 9000000 {} {} ACCEPT OK\n",
            2000 + i,
            2010 + i
        ));
    }
    write(&dir.join("a.log"), &body);
    let out = flowlens(&["sql", "--engine", "dremio", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sql = String::from_utf8(out.stdout).unwrap();
    assert!(sql.contains("-- Suspect: 203.0.113.7; service port: 5432;"));
    assert!(sql.contains("AND srcport = 5432 AND dstaddr = '203.0.113.7'"));
    let out = flowlens(&["sql", "--engine", "duckdb", dir.to_str().unwrap()]);
    let sql = String::from_utf8(out.stdout).unwrap();
    assert!(sql.contains(&format!("read_csv('{}/**/*.log*',", dir.display())));
}

/// A database 10.0.0.5:3306 answering 40 clients with 1,000-byte flows and
/// 203.0.113.7 with two flows of 5,000,000 and 7,000,000 bytes.
fn exfiltration_file(dir: &Path) -> PathBuf {
    let mut text = format!("{HEADER}\n");
    let t0 = 1_600_221_600u32; // 2020-09-16T02:00:00Z
    for c in 1..=40u32 {
        let start = t0 + 60 * (c - 1);
        text.push_str(&format!(
            "2 1 eni-1 10.0.0.5 10.1.0.{c} 3306 40000 6 2 1000 {start} {} ACCEPT OK\n",
            start + 10
        ));
    }
    let t1 = t0 + 3600; // 03:00:00
    text.push_str(&format!(
        "2 1 eni-1 10.0.0.5 203.0.113.7 3306 50001 6 9 5000000 {t1} {} ACCEPT OK\n",
        t1 + 60
    ));
    text.push_str(&format!(
        "2 1 eni-1 10.0.0.5 203.0.113.7 3306 50002 6 9 7000000 {} {} ACCEPT OK\n",
        t1 + 300,
        t1 + 420
    ));
    let file = dir.join("a.log");
    write(&file, &text);
    file
}

#[test]
fn analyze_outputs_csv_md_and_an_out_dir() {
    let dir = scratch("outputs");
    let file = exfiltration_file(&dir);
    let f = file.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["analyze", f];
        args.extend_from_slice(extra);
        let out = flowlens(&args);
        assert!(
            out.status.success(),
            "{extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };

    let flows = run(&["--output", "flows-csv"]);
    assert_eq!(
        flows,
        "start,end,srcaddr,srcport,dstaddr,dstport,bytes\n\
         2020-09-16T03:00:00Z,2020-09-16T03:01:00Z,10.0.0.5,3306,203.0.113.7,50001,5000000\n\
         2020-09-16T03:05:00Z,2020-09-16T03:07:00Z,10.0.0.5,3306,203.0.113.7,50002,7000000\n"
    );

    // The sources CSV read back equals the JSON report's sources.
    let json = run(&["--json"]);
    assert_eq!(json, run(&["--output", "json"]), "--json is --output json");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sources = run(&["--output", "csv"]);
    let mut reader = csv::Reader::from_reader(sources.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (flows_col, bytes_col) = (col("flows"), col("bytes_sent"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let expected = report["sources"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), expected.len());
    assert_eq!(rows.len(), 1); // sources are senders: only the database sends
    for (row, source) in rows.iter().zip(expected) {
        assert_eq!(&row[0], source["addr"].as_str().unwrap());
        assert_eq!(
            row[flows_col].parse::<u64>().unwrap(),
            source["flows"].as_u64().unwrap()
        );
        assert_eq!(
            row[bytes_col].parse::<u64>().unwrap(),
            source["bytes_sent"].as_u64().unwrap()
        );
    }
    // By hand: the database sent 40 × 1,000 + 12,000,000 bytes in 42 flows.
    let db = rows.iter().find(|r| &r[0] == "10.0.0.5").unwrap();
    assert_eq!((&db[flows_col], &db[bytes_col]), ("42", "12040000"));

    let md = run(&["--output", "md"]);
    assert!(md.starts_with("# flowlens summary: 203.0.113.7\n"), "{md}");
    assert!(md.contains("| Bytes above threshold | 12.00 MB (12,000,000 bytes) |"));
    assert_eq!(md.matches("](data:image/svg+xml;base64,").count(), 2);

    // --out-dir writes the same bytes as the outputs, and still prints text.
    let out_dir = dir.join("out");
    let text = run(&["--out-dir", out_dir.to_str().unwrap()]);
    assert_eq!(text, run(&[]));
    let read = |name: &str| std::fs::read_to_string(out_dir.join(name)).unwrap();
    assert_eq!(read("report.json"), json);
    assert_eq!(read("summary.md"), md);
    assert_eq!(read("sources.csv"), sources);
    assert_eq!(read("flows-to-suspect.csv"), flows);
}

#[test]
fn analyze_output_usage_errors() {
    let dir = scratch("output-usage");
    let file = exfiltration_file(&dir);
    let f = file.to_str().unwrap();
    let out = flowlens(&["analyze", f, "--output", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    let out = flowlens(&["analyze", f, "--json", "--output", "md"]);
    assert_eq!(out.status.code(), Some(2));
    // An out-dir that is a file cannot be written.
    let out = flowlens(&["analyze", f, "--out-dir", f]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write into"));
}
