//! `beacon`: regular session starts from one internal source to one outside address
//! and port, scored as RITA v5 scores beacons (`activecm/rita`, `analysis/beacons.go`),
//! on stitched session starts — never on records, which make any kept-alive connection
//! a perfect beacon with the window as its period.
//!
//! RITA's four sub-scores, each 0–1, weighted 0.25:
//! - timestamps: (1 − |Bowley skew| + (median − MAD) / median) / 2 over the non-zero
//!   intervals between starts (skew 0 unless Q3 − Q1 ≥ 10 and the median differs from
//!   both quartiles; quartiles as `montanaflynn/stats` cuts them);
//! - data sizes: the same over the bytes each session sent (a MAD score of 0 when the
//!   median is below 1);
//! - histogram: 24 equal bins; max(1 − coefficient of variation of the bin counts,
//!   bimodal fit when ≥ 11 bins are used);
//! - duration (when ≥ 6 bins are used): max(coverage of the span, longest run of used
//!   bins / 12).
//!
//! RITA scores the last 24 hours of its data; here each pair is scored over the 24
//! hours that end with its last start (or the data's first 24 hours, when it began
//! less than a day before), so a beacon that stopped days before the data ends is
//! scored as on its last day, and a burst of an hour is never scored over an hour. Pairs with 4–10 starts reach high scores by
//! chance, so the score is weighted by min(1, (starts − 3) / 12); and since the
//! histogram and duration scores give any pair busy all day half the score, the timestamp
//! score must reach 0.8 on its own. A score of 0.7 is
//! `low`, 0.85 `medium`, 0.95 `high` (RITA: 0.7 low, 0.9 medium, 1.0 high; its 1.0 is
//! out of reach once AWS's up-to-60-second timestamps add noise). When the median
//! interval is not longer than the aggregation window the finding says so: a faster
//! beacon over one kept connection would be hidden in it.

use super::context::Context;
use super::finding::{BeaconDetail, Detail, Evidence, Finding, Kind, Severity};
use super::hashing::MixMap as FastMap;
use super::session::Session;
use super::{EvidenceSessions, EVIDENCE_SESSIONS};
use crate::analysis::units;
use crate::flow::AddrId;
use crate::time::format_rfc3339;

/// Fewest distinct starts (RITA's `unique_connection_threshold`).
pub const MIN_STARTS: usize = 4;
/// RITA's strobe limit: a pair with this many starts a day is not scored.
pub const STROBE_STARTS: usize = 86_400;
/// The span scored.
pub const SPAN_SECS: u32 = 86_400;
/// The timestamp sub-score a beacon needs at least: RITA's histogram and duration
/// scores reach 1 for any pair busy all day, so ordinary traffic to a popular site
/// scores 0.85 overall with irregular timing (measured on the varied incidents'
/// background); the timing must be regular on its own.
pub const MIN_TS_SCORE: f64 = 0.8;
/// Scores for the severities.
pub const LOW: f64 = 0.7;
/// See [`LOW`].
pub const MEDIUM: f64 = 0.85;
/// See [`LOW`].
pub const HIGH: f64 = 0.95;

/// Pass 1: every outbound session's start and bytes, by pair.
#[derive(Default)]
pub struct BeaconPass {
    pairs: FastMap<(AddrId, AddrId, u16), Vec<(u32, u64)>>,
}

/// RITA's sub-scores of one pair.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    /// Timestamps.
    pub ts: f64,
    /// Data sizes.
    pub ds: f64,
    /// Histogram.
    pub hist: f64,
    /// Duration.
    pub dur: f64,
    /// 0.25 each, rounded to 3 decimals.
    pub rita: f64,
    /// Coverage of the span.
    pub coverage: f64,
    /// Median interval.
    pub interval_median: f64,
    /// MAD of the intervals.
    pub interval_mad: f64,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// (skew score, MAD score, MAD, median) of sorted values, as RITA computes them.
fn statistical(sorted: &[f64], default_mad_score: f64) -> (f64, f64, f64, f64) {
    let n = sorted.len();
    let skew_score = if n >= 3 {
        let (c1, c2) = if n % 2 == 0 {
            (n / 2, n / 2)
        } else {
            ((n - 1) / 2, n.div_ceil(2))
        };
        let q1 = median_sorted(&sorted[..c1]);
        let q2 = median_sorted(sorted);
        let q3 = median_sorted(&sorted[c2..]);
        let den = q3 - q1;
        let skew = if den >= 10.0 && q2 != q1 && q2 != q3 {
            (q1 + q3 - 2.0 * q2) / den
        } else {
            0.0
        };
        1.0 - skew.abs()
    } else {
        0.0
    };
    let median = median_sorted(sorted);
    let mut dev: Vec<f64> = sorted.iter().map(|v| (v - median).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = median_sorted(&dev);
    let mut mad_score = if median >= 1.0 {
        (median - mad) / median
    } else {
        default_mad_score
    };
    if mad_score < 0.0 || mad_score.is_nan() {
        mad_score = 0.0;
    }
    (skew_score, mad_score, mad, median)
}

/// RITA v5's scores of starts (sorted) and bytes over [`from`, `to`]; `None` with
/// fewer than 4 starts or 3 non-zero intervals.
pub fn score(starts: &[u32], bytes: &[u64], from: u32, to: u32) -> Option<Scores> {
    if starts.len() < MIN_STARTS || to <= from {
        return None;
    }
    let mut deltas: Vec<f64> = starts
        .windows(2)
        .map(|w| f64::from(w[1] - w[0]))
        .filter(|&d| d > 0.0)
        .collect();
    if deltas.len() < 3 {
        return None;
    }
    deltas.sort_by(f64::total_cmp);
    let (skew, mad_score, interval_mad, interval_median) = statistical(&deltas, 1.0);
    let ts = round3((skew + mad_score) / 2.0);
    let mut sizes: Vec<f64> = bytes.iter().map(|&b| b as f64).collect();
    sizes.sort_by(f64::total_cmp);
    let (skew, mad_score, _, _) = statistical(&sizes, 0.0);
    let ds = round3((skew + mad_score) / 2.0);
    // Histogram: 24 bins over the span.
    let step = f64::from(to - from) / 24.0;
    let mut bins = [0u64; 24];
    for &t in starts {
        let i = ((f64::from(t.saturating_sub(from))) / step) as usize;
        bins[i.min(23)] += 1;
    }
    let total: u64 = bins.iter().sum();
    let mean = total as f64 / 24.0;
    let sd = (bins.iter().map(|&b| (b as f64 - mean).powi(2)).sum::<f64>() / 24.0).sqrt();
    let cv = sd / mean;
    let cv_score = if cv > 1.0 {
        0.0
    } else {
        round3(1.0 - cv).min(1.0)
    };
    let largest = bins.iter().copied().max().unwrap_or(0);
    let bin_size = (largest as f64 * 0.05).ceil().max(1.0);
    let bars = bins.iter().filter(|&&b| b > 0).count();
    let mut freq: Vec<(u64, u32)> = Vec::new();
    for &b in bins.iter().filter(|&&b| b > 0) {
        let key = ((b as f64 / bin_size).floor() * bin_size) as u64;
        match freq.iter_mut().find(|f| f.0 == key) {
            Some(f) => f.1 += 1,
            None => freq.push((key, 1)),
        }
    }
    let bimodal = if bars >= 11 {
        let mut counts: Vec<u32> = freq.iter().map(|f| f.1).collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let top: u32 = counts.iter().take(2).sum();
        round3(f64::from(top) / (bars as f64 - 1.0).max(1.0)).min(1.0)
    } else {
        0.0
    };
    let hist = cv_score.max(bimodal);
    // Longest run of used bins, wrapping around.
    let mut longest = 0;
    let mut run = 0;
    for i in 0..48 {
        if bins[i % 24] > 0 {
            run += 1;
        } else {
            longest = longest.max(run);
            run = 0;
        }
    }
    let longest = longest.max(run).min(24);
    let (first, last) = (starts[0], starts[starts.len() - 1]);
    let coverage = ((f64::from(last - first) / f64::from(to - from)) * 1000.0).ceil() / 1000.0;
    let coverage = coverage.min(1.0);
    let dur = if bars >= 6 && last > first {
        let consistency = ((f64::from(longest) / 12.0) * 1000.0).ceil() / 1000.0;
        coverage.max(consistency.min(1.0))
    } else {
        0.0
    };
    let rita = round3(0.25 * ts + 0.25 * ds + 0.25 * hist + 0.25 * dur);
    Some(Scores {
        ts,
        ds,
        hist,
        dur,
        rita,
        coverage,
        interval_median,
        interval_mad,
    })
}

/// The weight of the number of starts.
pub fn count_weight(starts: usize) -> f64 {
    ((starts as f64 - 3.0) / 12.0).clamp(0.0, 1.0)
}

/// A beacon found, for pass 2.
#[derive(Clone, Debug)]
pub struct Beacon {
    /// Source.
    pub src: AddrId,
    /// Destination.
    pub dst: AddrId,
    /// Destination port.
    pub port: u16,
    /// Starts scored (those of the last 24 hours of the pair).
    pub starts: usize,
    /// Starts in all.
    pub starts_total: usize,
    /// First start of the pair.
    pub first: u32,
    /// First start scored.
    pub first_scored: u32,
    /// Last start.
    pub last: u32,
    /// RITA's scores.
    pub scores: Scores,
    /// The weighted score.
    pub score: f64,
}

impl BeaconPass {
    /// Takes one session.
    pub fn session(&mut self, ctx: &Context, s: &Session) {
        if !ctx.internal(s.src) || ctx.internal(s.dst) {
            return;
        }
        let list = self.pairs.entry((s.src, s.dst, s.dstport)).or_default();
        if list.len() < STROBE_STARTS {
            list.push((s.start, s.bytes_out));
        }
    }

    /// The pairs scoring at least [`LOW`].
    pub fn finish(self, ctx: &Context) -> Vec<Beacon> {
        let mut out = Vec::new();
        for ((src, dst, port), mut list) in self.pairs {
            if list.len() < MIN_STARTS || list.len() >= STROBE_STARTS {
                continue;
            }
            list.sort_unstable();
            let (first, last) = (list[0].0, list[list.len() - 1].0);
            let starts_total = list.len();
            // The 24 hours ending at the pair's last start; when the data begins less
            // than a day before it, the first 24 hours of the data (or all of it):
            // never a shorter span, where a burst would fill every bin.
            let from = last.saturating_sub(SPAN_SECS).max(ctx.data_start);
            let to = last
                .max(from.saturating_add(SPAN_SECS).min(ctx.data_end))
                .max(from + 1);
            let span: Vec<(u32, u64)> = list.into_iter().filter(|x| x.0 >= from).collect();
            let starts: Vec<u32> = span.iter().map(|x| x.0).collect();
            let bytes: Vec<u64> = span.iter().map(|x| x.1).collect();
            let mut distinct = starts.clone();
            distinct.dedup();
            let Some(scores) = score(&starts, &bytes, from, to.max(from + 1)) else {
                continue;
            };
            let weighted = scores.rita * count_weight(distinct.len());
            if weighted < LOW || scores.ts < MIN_TS_SCORE {
                continue;
            }
            out.push(Beacon {
                src,
                dst,
                port,
                starts: starts.len(),
                starts_total,
                first,
                first_scored: starts[0],
                last,
                scores,
                score: weighted,
            });
        }
        out.sort_by_key(|b| (b.src, b.dst, b.port));
        out
    }
}

/// Pass 2 for one beacon: its sessions.
pub struct BeaconEvidence {
    /// What pass 1 found.
    pub beacon: Beacon,
    sessions: EvidenceSessions,
}

impl BeaconEvidence {
    /// Gathers the evidence of `beacon`.
    pub fn new(beacon: Beacon) -> BeaconEvidence {
        BeaconEvidence {
            beacon,
            sessions: EvidenceSessions::earliest(EVIDENCE_SESSIONS),
        }
    }

    /// Takes a session of the pair.
    pub fn session(&mut self, s: &Session) {
        let b = &self.beacon;
        if s.src == b.src && s.dst == b.dst && s.dstport == b.port {
            self.sessions.push(s);
        }
    }

    /// The finding.
    pub fn finish(self, ctx: &Context) -> Finding {
        let b = &self.beacon;
        let s = &b.scores;
        let aliased = s.interval_median <= f64::from(ctx.window_secs);
        let src = ctx.addr(b.src);
        let dst = ctx.addr(b.dst);
        let severity = if b.score >= HIGH {
            Severity::High
        } else if b.score >= MEDIUM {
            Severity::Medium
        } else {
            Severity::Low
        };
        let (sessions, total, records) = self.sessions.finish(ctx);
        Finding {
            kind: Kind::Beacon,
            severity,
            src: src.clone(),
            dst: Some(dst.clone()),
            dst_port: Some(b.port),
            first: b.first,
            last: b.last,
            score: b.score,
            summary: format!(
                "{src} started {} sessions to {dst}:{} from {} to {}, one every {} (± {}); RITA score {:.3} over the {} starts of its last 24 hours{}.{}",
                units::int(b.starts_total as u64),
                b.port,
                format_rfc3339(i64::from(b.first)),
                format_rfc3339(i64::from(b.last)),
                crate::units::duration(s.interval_median.round() as u32),
                crate::units::duration(s.interval_mad.round() as u32),
                s.rita,
                units::int(b.starts as u64),
                if b.score < s.rita {
                    format!(", {:.3} weighted for so few starts", b.score)
                } else {
                    String::new()
                },
                if aliased {
                    format!(
                        " Its period is not longer than the {}-second aggregation window: it shows because each call is a new connection; calls this frequent over one kept connection would show only as a long connection.",
                        ctx.window_secs
                    )
                } else {
                    String::new()
                }
            ),
            evidence: Evidence {
                detail: Detail::Beacon(BeaconDetail {
                    starts: b.starts_total as u64,
                    starts_scored: b.starts as u64,
                    interval_median_secs: s.interval_median,
                    interval_mad_secs: s.interval_mad,
                    ts_score: s.ts,
                    ds_score: s.ds,
                    hist_score: s.hist,
                    dur_score: s.dur,
                    rita_score: s.rita,
                    count_weight: count_weight(b.starts),
                    coverage: s.coverage,
                    window_secs: ctx.window_secs,
                    aliased,
                }),
                sessions,
                sessions_total: total,
                records_total: records,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_beacon_scores_one_and_a_random_one_low() {
        // Every 300 s for 24 h, 1,000 bytes each: every sub-score 1.
        let starts: Vec<u32> = (0..288).map(|i| 1000 + i * 300).collect();
        let bytes = vec![1000u64; starts.len()];
        let s = score(&starts, &bytes, 1000, 1000 + 86_400).unwrap();
        assert_eq!((s.ts, s.ds, s.hist), (1.0, 1.0, 1.0));
        assert!(s.dur >= 0.996, "{s:?}");
        assert!(s.rita >= 0.999, "{s:?}");
        assert_eq!(s.interval_median, 300.0);
        // Too few starts or intervals: no score.
        assert!(score(&starts[..3], &bytes[..3], 1000, 2000).is_none());
        assert!(score(&[5, 5, 5, 6, 7], &[1; 5], 0, 100).is_none());
    }

    #[test]
    fn skew_and_mad_by_hand() {
        // Intervals 10, 20, 30, 40, 100: Q1 = 15, Q2 = 30, Q3 = 70 (halves of an odd
        // count leave the median out); skew (15 + 70 − 60) / 55 = 0.4545;
        // MAD: deviations 20, 10, 0, 10, 70 → 10; MAD score (30 − 10) / 30.
        let (skew_score, mad_score, mad, median) =
            statistical(&[10.0, 20.0, 30.0, 40.0, 100.0], 1.0);
        assert!((skew_score - (1.0 - 25.0 / 55.0)).abs() < 1e-12);
        assert_eq!((mad, median), (10.0, 30.0));
        assert!((mad_score - 20.0 / 30.0).abs() < 1e-12);
        // Q3 − Q1 below 10: no skew.
        let (skew_score, ..) = statistical(&[300.0, 301.0, 302.0, 303.0, 309.0], 1.0);
        assert_eq!(skew_score, 1.0);
        assert_eq!(count_weight(4), 1.0 / 12.0);
        assert_eq!(count_weight(15), 1.0);
    }
}
