//! The example week end to end through the library: generate it, read every file as
//! gzip the way the CLI and the page do, analyse without naming the suspect, and check
//! the case's facts — the numbers of docs/investigation.md — against an independent computation
//! made straight from the generated text.

// A failed unwrap in a test is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flowlens_core::analysis::verdict::Outcome;
use flowlens_core::analysis::{analyze, Query, TimeRange};
use flowlens_core::example::{generate, gzip, ExampleOptions, BURST_BYTES};
use flowlens_core::flow::{read_bytes, Dataset, ReadOptions};

const SUSPECT: &str = "201.48.16.81";

/// Reads the week through the real reader, and computes the baseline by hand from the
/// text: bytes of every OK record with srcport 3306 whose dstaddr is not the suspect.
fn week() -> (Dataset, Vec<f64>) {
    let mut dataset = Dataset::default();
    let mut baseline = Vec::new();
    generate(&ExampleOptions::default(), |file| {
        let text = String::from_utf8(file.text.clone()).unwrap();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(' ').collect();
            if f[13] == "OK" && f[5] == "3306" && f[4] != SUSPECT {
                baseline.push(f[9].parse::<f64>().unwrap());
            }
        }
        read_bytes(
            &mut dataset,
            &file.path,
            &gzip(&file.text),
            &ReadOptions::default(),
        );
    });
    (dataset, baseline)
}

#[test]
fn the_example_week_gives_the_case_answers() {
    let (dataset, baseline) = week();
    assert_eq!(dataset.files.len(), 1008);
    assert!(dataset.diagnostics.is_empty(), "{:?}", dataset.diagnostics);
    assert!(dataset
        .files
        .iter()
        .all(|f| f.gzip && f.window_start.is_some()));

    let report = analyze(&dataset, &Query::default());
    // The ranking finds the suspect without being told.
    assert_eq!(report.suspect.as_deref(), Some(SUSPECT));
    assert_eq!(report.ranking.rows[0].addr, SUSPECT);

    let span = report.span.as_ref().unwrap();
    assert_eq!(span.first_start, 1_600_221_687); // 2020-09-16T02:01:27Z
    assert_eq!(span.last_end, 1_600_223_113); // 2020-09-16T02:25:13Z
    assert_eq!(span.duration_secs, 1426);

    let verdict = report.verdict.as_ref().unwrap();
    assert_eq!(verdict.outcome, Outcome::ExfiltrationSuspected);
    assert_eq!(verdict.service_port, Some(3306));
    assert!(verdict.service_port_detected);
    assert!(verdict.baseline.excludes_suspect);

    // Independent two-pass mean and sample σ over the hand-filtered baseline.
    let n = baseline.len() as f64;
    let mean = baseline.iter().sum::<f64>() / n;
    let sd = (baseline.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert_eq!(verdict.baseline.flows, baseline.len() as u64);
    assert!(
        (verdict.baseline.mean - mean).abs() < 1e-6,
        "{} vs {mean}",
        verdict.baseline.mean
    );
    assert!(
        (verdict.baseline.stddev - sd).abs() < 1e-6,
        "{} vs {sd}",
        verdict.baseline.stddev
    );
    // And they land on the case's figures (docs/investigation.md: 5,614.02 and 712.74).
    assert!((mean - 5614.02).abs() / 5614.02 < 0.01, "mean {mean}");
    assert!((sd - 712.74).abs() / 712.74 < 0.01, "sd {sd}");
    // The burst: flows above the threshold average ~68 MB.
    assert!(
        (verdict.above.bytes_avg - 68.04e6).abs() / 68.04e6 < 0.03,
        "{}",
        verdict.above.bytes_avg
    );
    let flows = report.flows_to_suspect.as_ref().unwrap();
    assert!(flows.bytes_max <= 75_000_000);
    assert!(flows.flows.windows(2).all(|w| w[0].start <= w[1].start));
}

#[test]
fn the_two_am_window_shows_four_private_sources_and_the_suspect() {
    let (dataset, _) = week();
    let query = Query {
        range: TimeRange::starting_at(1_600_221_600, 600),
        suspect: Some(SUSPECT.parse().unwrap()),
        ..Query::default()
    };
    let report = analyze(&dataset, &query);
    let classes: Vec<(&str, &str)> = report
        .sources
        .rows
        .iter()
        .map(|s| (s.addr.as_str(), s.class.as_str()))
        .collect();
    assert_eq!(classes.len(), 5, "{classes:?}");
    assert_eq!(
        classes
            .iter()
            .filter(|(a, c)| a.starts_with("172.30.") && *c == "private")
            .count(),
        4
    );
    assert!(classes.contains(&(SUSPECT, "public")));
    // How long in this window: from 02:01:27 to the window's end.
    let in_range = report.span.as_ref().unwrap().in_range.unwrap();
    assert_eq!(in_range.first_start, 1_600_221_687);
    assert!(in_range.last_end >= 1_600_222_140, "{}", in_range.last_end);
}

/// Regression (session-1 note "--window without --suspect names no suspect"): inside
/// the 02:00 window the suspect's flows are ordinary responses, so the window's own
/// ranking has nobody standing out; the analysis must still explain the address the
/// whole week points at, because it talked in that window. A window it did not talk
/// in names nobody.
#[test]
fn a_window_without_a_named_suspect_explains_the_weeks_suspect() {
    let (dataset, _) = week();
    let two_am = Query {
        range: TimeRange::starting_at(1_600_221_600, 600),
        ..Query::default()
    };
    let report = analyze(&dataset, &two_am);
    assert!(report
        .ranking
        .rows
        .iter()
        .all(|r| r.addr != SUSPECT || r.score == 0.0));
    assert_eq!(report.suspect.as_deref(), Some(SUSPECT));
    // Its whole stay is judged, not the window's ordinary responses: the burst's
    // flows are above the threshold, exactly the generator's burst.
    let verdict = report.verdict.as_ref().unwrap();
    assert_eq!(verdict.outcome, Outcome::ExfiltrationSuspected);
    assert_eq!(verdict.above.flows, BURST_BYTES.len() as u64);
    assert_eq!(verdict.above.bytes_total, BURST_BYTES.iter().sum::<u64>());
    assert_eq!(verdict.above.bytes_avg, 68_040_000.0);
    assert_eq!(
        report.span.as_ref().unwrap().in_range.unwrap().first_start,
        1_600_221_687
    );

    // The day before, 02:00: the suspect had not arrived yet.
    let day_before = Query {
        range: TimeRange::starting_at(1_600_221_600 - 86_400, 600),
        ..Query::default()
    };
    assert_eq!(analyze(&dataset, &day_before).suspect, None);
}
