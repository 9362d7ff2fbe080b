//! The example week in every form it can be written in (`flowlens example --form`)
//! gives the same report as its S3 text; the same files given twice are read once.

// A failed unwrap in a test is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn flowlens(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowlens-forms-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn report(paths: &[&Path]) -> Value {
    let mut args = vec!["analyze".to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.push("--json".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    serde_json::from_slice(&flowlens(&args).stdout).unwrap()
}

/// The report without `input` (what was read differs by form by design).
fn answers(report: &Value) -> Value {
    let mut r = report.clone();
    r.as_object_mut().unwrap().remove("input");
    r
}

#[test]
fn every_form_of_the_example_week_gives_the_text_forms_report() {
    let dir = scratch("week");
    let text_dir = dir.join("text");
    flowlens(&["example", text_dir.to_str().unwrap()]);
    let text = report(&[&text_dir]);
    let records = text["input"]["records"].as_u64().unwrap();
    assert!(records > 100_000, "{records}");
    let cases = [
        ("parquet", "parquet", 1008, 0),
        ("cloudwatch-export", "cloudwatch_export", 1008, 1008),
        ("firehose", "firehose_cloudwatch", 1008, 1008),
        ("zip", "s3_text", 1008, 0),
    ];
    for (form, name, files, assumed) in cases {
        let out = dir.join(form);
        flowlens(&["example", "--form", form, out.to_str().unwrap()]);
        let got = report(&[&out]);
        assert_eq!(got["input"]["records"], records, "{form}");
        assert_eq!(
            answers(&got),
            answers(&text),
            "{form}: the answers differ from the text form's"
        );
        let forms = got["input"]["forms"].as_array().unwrap();
        let this = forms.iter().find(|f| f["form"] == name).unwrap();
        assert_eq!(this["files"], files, "{form}");
        assert_eq!(this["records"], records, "{form}");
        assert_eq!(this["format_assumed"], assumed, "{form}");
    }
    // The same records in two forms (the S3 text and a CloudWatch Logs export of
    // the same interface) count once: every record of the export is folded.
    let both = report(&[&text_dir, &dir.join("cloudwatch-export")]);
    assert_eq!(both["input"]["records"], records);
    assert_eq!(both["input"]["folded"], records);
    assert_eq!(answers(&both), answers(&text));
    assert_eq!(text["input"]["folded"], 0);
    // Given twice (the folder and a sub-folder of it), the files are read once, with
    // a note for each repeat.
    let day = text_dir.join("AWSLogs/123456789012/vpcflowlogs/us-east-1/2020/09/16");
    let repeated = std::fs::read_dir(&day).unwrap().count();
    let twice = report(&[&text_dir, &day]);
    assert_eq!(twice["input"]["records"], records);
    let before = text["input"]["diagnostics"]["total"].as_u64().unwrap() as usize;
    let diagnostics = &twice["input"]["diagnostics"];
    assert_eq!(diagnostics["total"], (before + repeated) as u64);
    let rows = diagnostics["rows"].as_array().unwrap();
    assert!(rows.len() > before, "some of the notes are listed");
    for note in &rows[before..] {
        assert_eq!(
            (&note["kind"], &note["severity"]),
            (&"duplicate".into(), &"note".into())
        );
    }
    assert_eq!(answers(&twice), answers(&text));
}
