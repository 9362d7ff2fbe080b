//! Question 5, "is that abnormal?": the baseline of the protected service's responses
//! and how the suspect's flows compare with it.
//!
//! Baseline = bytes of every flow whose srcport is the service port over the whole data
//! set, leaving out the flows to the suspect by default (its own flows would inflate σ
//! and hide it). Threshold = mean + k·σ (sample σ). The robust view (median, MAD, p99)
//! is reported beside it because byte counts are heavy-tailed. The outcome is evidence
//! for a human: the sentence states every number it rests on.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::ranking::{each_service_flow, service_bytes};
use super::stats::{mean_stddev, robust_in_place, Count};
use super::{in_chunks, units, TimeRange};
use crate::flow::addr::is_private;
use crate::flow::Dataset;

/// Fewer baseline flows than this give no verdict.
pub const MIN_BASELINE_FLOWS: u64 = 30;

/// The baseline statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Flows in the baseline.
    pub flows: u64,
    /// Mean bytes.
    pub mean: f64,
    /// Sample standard deviation of bytes.
    pub stddev: f64,
    /// mean + k·σ.
    pub threshold: f64,
    /// True when the suspect's own flows were left out.
    pub excludes_suspect: bool,
    /// Median bytes.
    pub median: f64,
    /// Median absolute deviation from the median (unscaled).
    pub mad: f64,
    /// 99th percentile of bytes.
    pub p99: f64,
    /// Baseline flows above the threshold (how often normal traffic exceeds it).
    pub flows_above: u64,
}

/// The suspect's flows from the service port above the threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Above {
    /// How many.
    pub flows: u64,
    /// Their bytes.
    pub bytes_total: u64,
    /// Their mean bytes (0 when none).
    pub bytes_avg: f64,
}

/// The outcome of a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The suspect's flows exceed the threshold more often than the baseline's do.
    ExfiltrationSuspected,
    /// Nothing beyond what normal traffic does.
    Normal,
    /// Too few baseline flows (or no service port) to judge.
    InsufficientBaseline,
}

impl Outcome {
    /// The report's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::ExfiltrationSuspected => "exfiltration_suspected",
            Outcome::Normal => "normal",
            Outcome::InsufficientBaseline => "insufficient_baseline",
        }
    }
}

/// The verdict for one address.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The suspect.
    pub addr: String,
    /// The service port (given or detected); `None` when none could be found.
    pub service_port: Option<u16>,
    /// True when the port was detected rather than given.
    pub service_port_detected: bool,
    /// k of the threshold.
    pub k: f64,
    /// The baseline.
    pub baseline: Baseline,
    /// The suspect's flows from the service port over the period judged (in the report,
    /// its whole stay).
    pub suspect_flows: u64,
    /// Those above the threshold.
    pub above: Above,
    /// The outcome.
    pub outcome: Outcome,
    /// One sentence with the evidence.
    pub summary: String,
    /// The suspect's country and autonomous system ([`crate::geo::annotate`]); `null`
    /// without a table.
    pub geo: Option<crate::geo::Geo>,
}

/// The dominant server port of the private addresses: among flows from a private
/// address whose srcport is below its dstport (a server answering a client's
/// ephemeral port), the srcport seen most often (ties: the lower port).
pub fn detect_service_port(dataset: &Dataset) -> Option<u16> {
    let table = &dataset.table;
    let mut private = vec![None; table.addrs.id_count()];
    let mut counts = vec![0u64; 65_536];
    in_chunks(table.len(), &mut |rows| {
        for row in rows {
            let (Some(sport), Some(dport)) = (table.srcport(row), table.dstport(row)) else {
                continue;
            };
            // The ports first: they rule out half the rows at less cost.
            if sport == 0 || sport >= dport || !table.is_flow(row) {
                continue;
            }
            let src = table.srcaddr(row);
            let cached = private.get(src.index()).copied().flatten();
            let is_priv = match cached {
                Some(p) => p,
                None => {
                    let p = table.addrs.get(src).is_some_and(is_private);
                    if let Some(slot) = private.get_mut(src.index()) {
                        *slot = Some(p);
                    }
                    p
                }
            };
            if is_priv {
                if let Some(n) = counts.get_mut(usize::from(sport)) {
                    *n += 1;
                }
            }
        }
    });
    let (port, &count) = counts
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
    (count > 0).then_some(port as u16)
}

/// Computes the verdict for `addr`.
pub fn verdict(
    dataset: &Dataset,
    addr: IpAddr,
    range: &TimeRange,
    service_port: Option<u16>,
    k: f64,
    include_suspect_in_baseline: bool,
) -> Verdict {
    verdict_counted(
        dataset,
        addr,
        range,
        service_port,
        k,
        include_suspect_in_baseline,
        None,
    )
}

/// [`verdict`], given how many flows the service port has in all (when known: they
/// are counted otherwise, to size the baseline's vector).
pub(crate) fn verdict_counted(
    dataset: &Dataset,
    addr: IpAddr,
    range: &TimeRange,
    service_port: Option<u16>,
    k: f64,
    include_suspect_in_baseline: bool,
    service_flows: Option<usize>,
) -> Verdict {
    let detected = service_port.is_none();
    let port = service_port.or_else(|| detect_service_port(dataset));
    let table = &dataset.table;
    let suspect_id = table.addrs.lookup(addr);
    let name = addr.to_string();

    let leave_out = suspect_id.filter(|_| !include_suspect_in_baseline);
    // As `u32` when every flow's bytes fit (they nearly always do): half the memory.
    let baseline = match port {
        Some(p) => match service_bytes::<u32>(dataset, p, leave_out, service_flows) {
            Some(values) => baseline_of(values, k, !include_suspect_in_baseline),
            None => baseline_of(
                service_bytes::<u64>(dataset, p, leave_out, service_flows).unwrap_or_default(),
                k,
                !include_suspect_in_baseline,
            ),
        },
        None => baseline_of(Vec::<u64>::new(), k, !include_suspect_in_baseline),
    };
    let threshold = baseline.threshold;

    let mut suspect_flows = 0u64;
    let mut above = Above {
        flows: 0,
        bytes_total: 0,
        bytes_avg: 0.0,
    };
    if let (Some(p), Some(id)) = (port, suspect_id) {
        each_service_flow(dataset, p, range, |dst, bytes| {
            if dst != id {
                return;
            }
            suspect_flows += 1;
            if bytes as f64 > threshold {
                above.flows += 1;
                above.bytes_total = above.bytes_total.saturating_add(bytes);
            }
        });
    }
    if above.flows > 0 {
        above.bytes_avg = above.bytes_total as f64 / above.flows as f64;
    }

    let outcome = if port.is_none() || baseline.flows < MIN_BASELINE_FLOWS {
        Outcome::InsufficientBaseline
    } else {
        let suspect_rate = above.flows as f64 / suspect_flows.max(1) as f64;
        let baseline_rate = baseline.flows_above as f64 / baseline.flows as f64;
        if above.flows > 0 && suspect_rate > baseline_rate {
            Outcome::ExfiltrationSuspected
        } else {
            Outcome::Normal
        }
    };
    let summary = summarise(&name, port, k, &baseline, suspect_flows, &above, outcome);
    Verdict {
        addr: name,
        service_port: port,
        service_port_detected: detected,
        k,
        baseline,
        suspect_flows,
        above,
        outcome,
        summary,
        geo: None,
    }
}

/// The baseline of `values`; `excludes_suspect` says whether the suspect's flows were
/// left out of them.
fn baseline_of<T: Count>(mut values: Vec<T>, k: f64, excludes_suspect: bool) -> Baseline {
    let (mean, stddev) = mean_stddev(&values);
    let threshold = mean + k * stddev;
    let flows_above = values
        .iter()
        .filter(|&&b| {
            let b: u64 = b.into();
            b as f64 > threshold
        })
        .count() as u64;
    let (median, mad, p99) = robust_in_place(&mut values);
    Baseline {
        flows: values.len() as u64,
        mean,
        stddev,
        threshold,
        excludes_suspect,
        median,
        mad,
        p99,
        flows_above,
    }
}

fn summarise(
    addr: &str,
    port: Option<u16>,
    k: f64,
    b: &Baseline,
    suspect_flows: u64,
    above: &Above,
    outcome: Outcome,
) -> String {
    let Some(port) = port else {
        return format!(
            "No service port could be found (no private address answers on a port): give one to judge {addr}."
        );
    };
    let left_out = if b.excludes_suspect {
        format!(", {addr}'s own flows left out")
    } else {
        String::new()
    };
    let baseline = format!(
        "the baseline of {} flows from port {port}{left_out}: mean {} + {} × σ {} = {} bytes; median {}, MAD {}, p99 {}",
        units::int(b.flows),
        units::float(b.mean, 2),
        units::float(k, if k.fract() == 0.0 { 0 } else { 2 }),
        units::float(b.stddev, 2),
        units::float(b.threshold, 2),
        units::float(b.median, 0),
        units::float(b.mad, 0),
        units::float(b.p99, 0),
    );
    match outcome {
        Outcome::InsufficientBaseline => format!(
            "Only {} flows from port {port} to compare with (fewer than {MIN_BASELINE_FLOWS}): no verdict for {addr}.",
            units::int(b.flows)
        ),
        Outcome::ExfiltrationSuspected => format!(
            "Exfiltration suspected: {} of {addr}'s {} flows from port {port} exceed {baseline}; they carried {} bytes ({}), {} on average, while only {} of the baseline's flows exceed it.",
            units::int(above.flows),
            units::int(suspect_flows),
            units::int(above.bytes_total),
            units::bytes(above.bytes_total as f64),
            units::bytes(above.bytes_avg),
            units::int(b.flows_above),
        ),
        Outcome::Normal if suspect_flows == 0 => format!(
            "Normal: {addr} received no flows from port {port} ({baseline})."
        ),
        Outcome::Normal => format!(
            "Normal: {} of {addr}'s {} flows from port {port} exceed {baseline} — no more often than the baseline's own flows.",
            units::int(above.flows),
            units::int(suspect_flows),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, ReadOptions};

    /// 60 baseline responses alternating 1,000 and 3,000 bytes (mean 2,000, sample
    /// σ = sqrt(60 · 1000² / 59) = 1,008.44), plus the suspect's 2,000 and 50,000.
    fn dataset() -> Dataset {
        let mut body = String::from("srcaddr dstaddr srcport dstport bytes start end\n");
        for i in 0..60 {
            let bytes = if i % 2 == 0 { 1000 } else { 3000 };
            body.push_str(&format!(
                "10.0.0.1 10.0.0.{} 3306 50000 {bytes} {i} {i}\n",
                10 + i % 3
            ));
            // Clients' requests: srcport above dstport, not server traffic.
            body.push_str(&format!(
                "10.0.0.{} 10.0.0.1 50000 3306 100 {i} {i}\n",
                10 + i % 3
            ));
        }
        body.push_str("10.0.0.1 203.0.113.7 3306 51000 2000 100 100\n");
        body.push_str("10.0.0.1 203.0.113.7 3306 51000 50000 200 200\n");
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        ds
    }

    #[test]
    fn detects_the_service_port() {
        assert_eq!(detect_service_port(&dataset()), Some(3306));
        assert_eq!(detect_service_port(&Dataset::default()), None);
    }

    #[test]
    fn verdict_by_hand() {
        let ds = dataset();
        let v = verdict(
            &ds,
            "203.0.113.7".parse().unwrap(),
            &TimeRange::ALL,
            None,
            3.0,
            false,
        );
        let sigma = (60.0f64 * 1_000_000.0 / 59.0).sqrt();
        assert_eq!(v.service_port, Some(3306));
        assert!(v.service_port_detected);
        assert_eq!(v.baseline.flows, 60);
        assert_eq!(v.baseline.mean, 2000.0);
        assert!((v.baseline.stddev - sigma).abs() < 1e-9);
        assert!((v.baseline.threshold - (2000.0 + 3.0 * sigma)).abs() < 1e-9);
        assert_eq!((v.baseline.median, v.baseline.mad), (2000.0, 1000.0));
        assert_eq!(v.baseline.flows_above, 0);
        assert_eq!(v.suspect_flows, 2);
        assert_eq!(
            v.above,
            Above {
                flows: 1,
                bytes_total: 50_000,
                bytes_avg: 50_000.0
            }
        );
        assert_eq!(v.outcome, Outcome::ExfiltrationSuspected);
        assert!(
            v.summary
                .contains("1 of 203.0.113.7's 2 flows from port 3306"),
            "{}",
            v.summary
        );
        assert!(
            v.summary
                .contains("mean 2,000.00 + 3 × σ 1,008.44 = 5,025.32 bytes"),
            "{}",
            v.summary
        );

        // With the suspect in the baseline, σ grows and the 50,000 flow still stands out
        // less: 62 flows, mean (120,000 + 52,000) / 62.
        let v = verdict(
            &ds,
            "203.0.113.7".parse().unwrap(),
            &TimeRange::ALL,
            Some(3306),
            3.0,
            true,
        );
        assert_eq!(v.baseline.flows, 62);
        assert!((v.baseline.mean - 172_000.0 / 62.0).abs() < 1e-9);
        assert!(!v.baseline.excludes_suspect);

        // A normal client: its 20 flows are left out, 40 + 2 remain.
        let v = verdict(
            &ds,
            "10.0.0.10".parse().unwrap(),
            &TimeRange::ALL,
            None,
            3.0,
            false,
        );
        assert_eq!(v.baseline.flows, 42);
        assert_eq!(v.suspect_flows, 20);
        assert_eq!(v.outcome, Outcome::Normal);

        // Too few flows: only port 50000 responses exist (none).
        let v = verdict(
            &ds,
            "203.0.113.7".parse().unwrap(),
            &TimeRange::ALL,
            Some(22),
            3.0,
            false,
        );
        assert_eq!(v.outcome, Outcome::InsufficientBaseline);
        assert!(
            v.summary.starts_with("Only 0 flows from port 22"),
            "{}",
            v.summary
        );
    }
}
