//! The forms flowlens reads, from files other tools wrote (tests/fixtures/forms/):
//! Parquet by pyarrow and by AWS, ZIP by Python's zipfile. Each gives the same
//! records as the S3 text of the same rows.

// A failed unwrap in a test is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flowlens_core::flow::{read_bytes, Dataset, DiagnosticKind, Form, FormatSource, ReadOptions};

fn read(name: &str, bytes: &[u8]) -> Dataset {
    let mut ds = Dataset::default();
    read_bytes(&mut ds, name, bytes, &ReadOptions::default());
    ds
}

/// Every record in words, addresses resolved (ids depend on the order seen).
fn records(ds: &Dataset) -> Vec<String> {
    let t = &ds.table;
    (0..t.len())
        .map(|row| {
            let mut core = t.core(row);
            let (src, dst) = (t.addrs.get(core.srcaddr), t.addrs.get(core.dstaddr));
            core.srcaddr = Default::default();
            core.dstaddr = Default::default();
            let texts: Vec<_> = ["version", "account-id", "interface-id"]
                .iter()
                .map(|n| t.text(n, row))
                .collect();
            format!("{src:?} {dst:?} {core:?} {texts:?}")
        })
        .collect()
}

const TEXT: &[u8] = include_bytes!("fixtures/forms/flowlogs.log");

#[test]
fn parquet_written_by_pyarrow_reads_as_its_text() {
    let text = read("flowlogs.log", TEXT);
    assert_eq!(text.records(), 6);
    let cases: [(&str, &[u8]); 4] = [
        (
            "flowlogs-aws-gzip.parquet",
            include_bytes!("fixtures/forms/flowlogs-aws-gzip.parquet"),
        ),
        (
            "flowlogs-int64-snappy.parquet",
            include_bytes!("fixtures/forms/flowlogs-int64-snappy.parquet"),
        ),
        (
            "flowlogs-lz4.parquet",
            include_bytes!("fixtures/forms/flowlogs-lz4.parquet"),
        ),
        (
            "flowlogs-none.parquet",
            include_bytes!("fixtures/forms/flowlogs-none.parquet"),
        ),
    ];
    for (name, bytes) in cases {
        let ds = read(name, bytes);
        assert_eq!(ds.diagnostics, vec![], "{name}");
        assert_eq!(records(&ds), records(&text), "{name}");
        let f = &ds.files[0];
        assert_eq!(
            (f.form, f.format_source, f.records, f.complete),
            (Form::Parquet, FormatSource::Columns, 6, true),
            "{name}"
        );
        assert_eq!((ds.nodata(), ds.skipdata()), (1, 1), "{name}");
        assert_eq!(ds.table.bytes(2), Some(72_958_112), "{name}");
    }
}

#[test]
fn a_parquet_codec_left_out_is_named() {
    let ds = read(
        "z.parquet",
        include_bytes!("fixtures/forms/flowlogs-zstd.parquet"),
    );
    assert_eq!(ds.records(), 0);
    let d = &ds.diagnostics[0];
    assert_eq!(d.kind, DiagnosticKind::Unsupported);
    assert!(d.message.contains("compressed with ZSTD"), "{d}");
}

#[test]
fn a_custom_parquet_format_maps_columns_by_name() {
    let ds = read(
        "c.parquet",
        include_bytes!("fixtures/forms/flowlogs-custom-v5.parquet"),
    );
    assert_eq!(ds.diagnostics, vec![]);
    assert_eq!(ds.records(), 2);
    let t = &ds.table;
    assert_eq!(t.bytes(0), Some(500));
    assert_eq!(t.start_secs(1), Some(1_600_000_000));
    assert_eq!(t.text("flow-direction", 0), Some("egress"));
    assert_eq!(t.text("traffic-path", 0), Some("2"));
    assert_eq!(t.text("traffic-path", 1), None);
    assert_eq!(t.text("pkt-srcaddr", 1), None);
}

/// A Parquet file AWS wrote (Sekoia.io's test data, see the fixtures' README): its
/// seven rows with the values pyarrow reads from it.
#[test]
fn a_real_aws_parquet_file_reads_with_its_rows_and_values() {
    let ds = read(
        "aws.parquet",
        include_bytes!("fixtures/forms/aws-vpcflowlogs-sekoia.parquet"),
    );
    assert_eq!(ds.diagnostics, vec![]);
    assert_eq!(ds.records(), 7);
    let t = &ds.table;
    let addr = |id| t.addrs.get(id).unwrap().to_string();
    assert_eq!(addr(t.srcaddr(0)), "64.62.197.99");
    assert_eq!(addr(t.dstaddr(0)), "172.31.17.39");
    assert_eq!(
        (t.srcport(0), t.dstport(0), t.protocol(0)),
        (Some(58938), Some(20547), Some(6))
    );
    assert_eq!((t.packets(0), t.bytes(0)), (Some(1), Some(40)));
    assert_eq!(
        (t.start_secs(0), t.end_secs(0)),
        (Some(1_661_950_735), Some(1_661_950_746))
    );
    assert_eq!(t.action(0).map(|a| a.as_str()), Some("REJECT"));
    assert_eq!(t.text("interface-id", 0), Some("eni-03ef80ddb18bc0997"));
    assert_eq!(t.text("account-id", 6), Some("111111111111"));
    assert_eq!(addr(t.dstaddr(6)), "78.197.123.35");
    let bytes: u64 = (0..7).map(|r| t.bytes(r).unwrap()).sum();
    assert_eq!(bytes, 14_516);
    let accepted = (0..7)
        .filter(|&r| t.action(r).map(|a| a.as_str()) == Some("ACCEPT"))
        .count();
    assert_eq!(accepted, 4);
}

#[test]
fn security_lake_ocsf_is_recognised_and_not_read_yet() {
    let ds = read(
        "ocsf.parquet",
        include_bytes!("fixtures/forms/security-lake-ocsf-sekoia.parquet"),
    );
    assert_eq!(ds.records(), 0);
    assert_eq!(ds.diagnostics[0].kind, DiagnosticKind::Unsupported);
    assert!(ds.diagnostics[0].message.contains("Security Lake"));
}

#[test]
fn a_zipped_folder_reads_every_member_and_refuses_the_bomb() {
    let ds = read("folder.zip", include_bytes!("fixtures/forms/folder.zip"));
    let text = read("flowlogs.log", TEXT);
    let mut got = records(&ds);
    let mut want = records(&text);
    got.sort();
    want.sort();
    assert_eq!(got, want);
    let files: Vec<(&str, Form, u64)> = ds
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.form, f.records))
        .collect();
    assert_eq!(
        files,
        vec![
            ("folder.zip", Form::Zip, 0),
            (
                "folder.zip/AWSLogs/123456789012/vpcflowlogs/us-east-1/2020/09/16/a.log.gz",
                Form::S3Text,
                3
            ),
            ("folder.zip/inner.zip", Form::Zip, 0),
            ("folder.zip/inner.zip/deeper/b.log", Form::S3Text, 3),
            ("folder.zip/bomb.log", Form::Unread, 0),
        ]
    );
    let bomb: Vec<_> = ds
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::ArchiveLimit)
        .collect();
    assert_eq!(bomb.len(), 1, "{:?}", ds.diagnostics);
    assert_eq!(bomb[0].file, "folder.zip/bomb.log");
    assert!(bomb[0].message.contains("ZIP bombs"), "{}", bomb[0]);
    assert_eq!(ds.files[1].window_start, None);
    // What was read, per form; the members' bytes are in the archive's.
    let forms: Vec<(Form, u64, u64)> = ds
        .forms()
        .iter()
        .map(|c| (c.form, c.files, c.records))
        .collect();
    assert_eq!(
        forms,
        vec![
            (Form::S3Text, 2, 6),
            (Form::Zip, 2, 0),
            (Form::Unread, 1, 0)
        ]
    );
    assert_eq!(
        ds.bytes_read(),
        include_bytes!("fixtures/forms/folder.zip").len() as u64
    );
}
