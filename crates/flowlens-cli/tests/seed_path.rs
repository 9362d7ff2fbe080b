//! The seed's own path, on the seed week (tests/fixtures/seed-week, written by
//! tests/fixtures/seed_week.py with Python's gzip, not by flowlens): the 02:00 window
//! picks 201.48.16.81; its whole stay (02:01:27 to 02:25:13) defines what it took and
//! whether that is abnormal. Every figure below is the investigation's own, built into
//! the fixture by the script (see its docstring), not read off flowlens.

// A failed unwrap in a test is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn seed_week() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seed-week")
}

fn analyze(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .arg("analyze")
        .arg(seed_week())
        .args(args)
        .args(["--no-geo", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const SUSPECT: &str = "201.48.16.81";
const WINDOW_START: u64 = 1_600_221_600; // 2020-09-16T02:00:00Z
const FIRST_START: u64 = 1_600_221_687; // 02:01:27
const LAST_END: u64 = 1_600_223_113; // 02:25:13

#[test]
fn the_window_picks_the_suspect_and_its_stay_gives_exfiltration() {
    let r = analyze(&["--window", "2020-09-16T02:00:00Z"]);
    // Step 1: who talked in the window: four private addresses and the suspect.
    let mut sources: Vec<&str> = r["sources"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["addr"].as_str().unwrap())
        .collect();
    sources.sort_unstable();
    assert_eq!(
        sources,
        [
            "172.30.0.18",
            "172.30.1.105",
            "172.30.2.47",
            "172.30.3.62",
            SUSPECT
        ]
    );
    assert_eq!(r["suspect"], SUSPECT);
    // Steps 2-3: across files, 02:01:27 to 02:25:13.
    assert_eq!(r["span"]["first_start"], FIRST_START);
    assert_eq!(r["span"]["last_end"], LAST_END);
    // Step 4: every flow to it over that whole stay: 33 flows, 1.02 GB; of them, 6
    // flows (13,000 bytes) in the window.
    let flows = &r["flows_to_suspect"];
    assert_eq!(flows["from"], FIRST_START);
    assert_eq!(flows["to"], LAST_END + 1);
    assert_eq!(flows["count"], 33);
    // 18 ordinary responses (13,000 + 31,070 bytes) and the burst (1,020,600,000).
    assert_eq!(flows["bytes_total"], 13_000 + 31_070 + 1_020_600_000u64);
    assert_eq!(flows["in_range"]["count"], 6);
    assert_eq!(flows["in_range"]["bytes_total"], 13_000);
    // Step 5: 15 flows above mean + 3 sigma = 7,752.22, 68.04 MB on average.
    let v = &r["verdict"];
    assert_eq!(v["outcome"], "exfiltration_suspected");
    assert_eq!(v["suspect_flows"], 33);
    assert_eq!(v["above"]["flows"], 15);
    assert_eq!(v["above"]["bytes_total"], 1_020_600_000u64);
    assert_eq!(v["above"]["bytes_avg"], 68_040_000.0);
    let b = &v["baseline"];
    assert_eq!(b["flows"], 1000);
    assert_eq!(format!("{:.2}", b["mean"].as_f64().unwrap()), "5614.02");
    assert_eq!(format!("{:.2}", b["stddev"].as_f64().unwrap()), "712.74");
    assert_eq!(
        format!("{:.2}", b["threshold"].as_f64().unwrap()),
        "7752.22"
    );
    assert_eq!(r["range"]["from"], WINDOW_START);
}

#[test]
fn the_whole_data_and_the_window_judge_the_same_stay() {
    let whole = analyze(&[]);
    let window = analyze(&["--window", "2020-09-16T02:00:00Z", "--suspect", SUSPECT]);
    assert_eq!(whole["suspect"], SUSPECT);
    for key in ["verdict", "histogram"] {
        assert_eq!(whole[key], window[key], "{key}");
    }
    assert_eq!(
        whole["flows_to_suspect"]["flows"],
        window["flows_to_suspect"]["flows"]
    );
}
