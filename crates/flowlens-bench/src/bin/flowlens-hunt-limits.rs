//! Where each detector of the hunt stops finding: sweeps one parameter of one attack
//! stage at a time over the varied-incident generator (`flowlens_core::example::incident`,
//! 48 hours of background, the default format without `tcp-flags` and with it), and
//! prints, per row, the values found (with the severity reached) and the first value
//! not found. `docs/detections.md` quotes the table this prints:
//!
//!     cargo run --release -p flowlens-bench --bin flowlens-hunt-limits

use flowlens_core::example::incident::{Scenario, Stage, BASTION, DATABASE, START_SECS};
use flowlens_core::flow::{read_bytes, Dataset, ReadOptions};
use flowlens_core::hunt::{hunt, HuntOptions, Kind, Severity};

const HOUR: u32 = 3600;
const ATTACKER: [u8; 4] = [198, 51, 100, 20];
const NEIGHBOUR: [u8; 4] = [198, 51, 100, 21];
const CLIENT: [u8; 4] = [10, 0, 2, 5];

/// The severity of the finding of `kind` from `src` a scenario gives, if any.
fn found(stages: Vec<Stage>, flags: bool, kind: Kind, src: [u8; 4]) -> Option<Severity> {
    let scenario = Scenario {
        seed: 21,
        tcp_flags: flags,
        stages,
        ..Scenario::default()
    };
    let mut ds = Dataset::default();
    for (name, text) in scenario.files() {
        read_bytes(&mut ds, &name, &text, &ReadOptions::default());
    }
    let h = hunt(
        &ds,
        &HuntOptions {
            max_per_kind: 10_000,
            ..HuntOptions::default()
        },
    );
    let src = std::net::Ipv4Addr::from(src).to_string();
    h.findings
        .iter()
        .filter(|f| f.kind == kind && f.src == src)
        .map(|f| f.severity)
        .max()
}

/// One row: a description, then each value with what was found.
fn row<T: std::fmt::Display + Copy>(
    what: &str,
    values: &[T],
    kind: Kind,
    src: [u8; 4],
    stage: impl Fn(T) -> Vec<Stage>,
) {
    for flags in [false, true] {
        let cells: Vec<String> = values
            .iter()
            .map(|&v| {
                let s = found(stage(v), flags, kind, src);
                format!(
                    "{v}: {}",
                    s.map_or("–", |s| match s {
                        Severity::High => "H",
                        Severity::Medium => "M",
                        Severity::Low => "L",
                    })
                )
            })
            .collect();
        println!(
            "| {what} | {} | {} |",
            if flags { "yes" } else { "no" },
            cells.join(", ")
        );
    }
}

fn main() {
    let t = START_SECS + 26 * HOUR + 437;
    println!("Found (H/M/L = severity) or not (–), per value; 48 h of varied background.\n");
    println!("| swept | tcp-flags | value: found |");
    println!("|---|---|---|");
    row(
        "scan: ports of one host in 60 s",
        &[3u32, 4, 5, 6, 7, 8, 10, 14, 15, 16, 20],
        Kind::Scan,
        ATTACKER,
        |ports| {
            vec![Stage::Scan {
                src: ATTACKER,
                start_secs: t,
                duration_secs: 60,
                ports,
                hosts: 1,
            }]
        },
    );
    row(
        "scan: seconds to probe 30 ports of one host",
        &[60u32, 150, 300, 450, 600, 1200, 3600, 6 * 3600],
        Kind::Scan,
        ATTACKER,
        |duration_secs| {
            vec![Stage::Scan {
                src: ATTACKER,
                start_secs: t,
                duration_secs,
                ports: 30,
                hosts: 1,
            }]
        },
    );
    row(
        "scan: hosts swept on one port in 120 s",
        &[5u32, 10, 20, 24, 25, 26, 30, 40],
        Kind::Scan,
        ATTACKER,
        |hosts| {
            vec![Stage::Scan {
                src: ATTACKER,
                start_secs: t,
                duration_secs: 120,
                ports: 1,
                hosts,
            }]
        },
    );
    let brute = |attempts: u32, interval_secs: u32, reply_jitter_bytes: u32| Stage::BruteForce {
        src: ATTACKER,
        server: BASTION,
        port: 22,
        start_secs: t,
        attempts,
        interval_secs,
        jitter_secs: interval_secs / 5,
        reply_bytes: 1_800,
        reply_jitter_bytes,
        success: None,
    };
    row(
        "brute force: seconds between attempts (200 attempts)",
        &[5u32, 20, 30, 40, 45, 50, 55, 60, 70, 90],
        Kind::BruteForce,
        ATTACKER,
        |interval| vec![brute(200, interval, 4)],
    );
    row(
        "brute force: attempts, 10 s apart",
        &[20u32, 25, 29, 30, 31, 35, 40, 60],
        Kind::BruteForce,
        ATTACKER,
        |attempts| vec![brute(attempts, 10, 4)],
    );
    row(
        "brute force: reply jitter ± bytes (replies of 1,800 bytes)",
        &[0u32, 20, 40, 60, 80, 100, 150, 300],
        Kind::BruteForce,
        ATTACKER,
        |jitter| vec![brute(200, 5, jitter)],
    );
    let success = |reply: u32, secs: u32| Stage::BruteForce {
        src: ATTACKER,
        server: BASTION,
        port: 22,
        start_secs: t,
        attempts: 100,
        interval_secs: 5,
        jitter_secs: 1,
        reply_bytes: 1_800,
        reply_jitter_bytes: 4,
        success: Some((NEIGHBOUR, 60, reply, secs)),
    };
    row(
        "first success: reply bytes (failures 1,800 ± 4, success lasting 1 s)",
        &[1_850u32, 1_900, 1_950, 1_980, 2_000, 2_100, 3_000],
        Kind::FirstSuccess,
        NEIGHBOUR,
        |reply| vec![success(reply, 1)],
    );
    row(
        "first success: duration in s (reply as the failures')",
        &[5u32, 10, 20, 25, 26, 30, 60, 600],
        Kind::FirstSuccess,
        NEIGHBOUR,
        |secs| vec![success(1_800, secs)],
    );
    let exfil = |bytes: u64, duration_secs: u32| Stage::Exfiltration {
        asset: DATABASE,
        asset_port: 3306,
        dst: [198, 51, 100, 50],
        start_secs: t,
        duration_secs,
        bytes,
        connections: 8,
    };
    row(
        "exfiltration: MB in 10 minutes",
        &[5u64, 8, 9, 10, 11, 15, 100, 1000],
        Kind::Exfiltration,
        DATABASE,
        |mb| vec![exfil(mb * 1_000_000, 600)],
    );
    row(
        "exfiltration: hours to send 60 MB",
        &[1u32, 3, 6, 12, 18, 19, 20],
        Kind::Exfiltration,
        DATABASE,
        |hours| vec![exfil(60_000_000, hours * HOUR)],
    );
    let beacon = |period_secs: u32, jitter: f64, count: u32| Stage::Beacon {
        src: CLIENT,
        dst: [198, 51, 100, 60],
        port: 8443,
        start_secs: START_SECS + 2 * HOUR,
        period_secs,
        jitter,
        count,
        bytes: 640,
    };
    for period in [300u32, 900, 3600] {
        let count = (40 * HOUR / period).min(400);
        row(
            &format!("beacon: jitter ± fraction, every {period} s for 40 h"),
            &[0.0f64, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
            Kind::Beacon,
            CLIENT,
            |jitter| vec![beacon(period, jitter, count)],
        );
    }
    row(
        "beacon: period in s (± 10 %, for 40 h)",
        &[600u32, 1800, 3600, 4500, 5400, 6000, 6600, 7200, 10800],
        Kind::Beacon,
        CLIENT,
        |period| vec![beacon(period, 0.1, 40 * HOUR / period)],
    );
    row(
        "beacon: starts, every 1800 s ± 10 %",
        &[4u32, 8, 12, 14, 15, 16, 20, 30, 48],
        Kind::Beacon,
        CLIENT,
        |count| vec![beacon(1800, 0.1, count)],
    );
    row(
        "long connection: minutes open",
        &[50u32, 59, 60, 61, 239, 240, 480, 720],
        Kind::LongConnection,
        DATABASE,
        |minutes| {
            vec![Stage::LongConnection {
                src: DATABASE,
                dst: [198, 51, 100, 70],
                port: 4444,
                start_secs: t,
                duration_secs: minutes * 60,
            }]
        },
    );
}
