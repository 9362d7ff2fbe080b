//! `exfiltration`, for every internal asset and every service.
//!
//! Bytes of records from an internal asset to an outside address are summed per
//! (asset, destination) in 10-minute buckets (by record start; the coarsest
//! aggregation interval), and over sliding windows of 30 minutes (Mozilla's Pioneer:
//! 1 GB in 30 minutes) and 3 hours (Elastic's data-exfiltration job buckets) that slide
//! by a bucket. The largest window sum of a pair is then judged:
//! - against the asset's other destinations: robust z = (sum − median) / spread over
//!   every destination's largest 30-minute sum, spread = max(1.4826·MAD, 5 % of the
//!   median, 1 kB), with at least 5 destinations (Elastic's `high_sum` over
//!   destinations);
//! - against the asset's own earlier days: the ratio to its largest 30-minute sum to any
//!   destination on any earlier day (GuardDuty's Behavior:EC2/TrafficVolumeUnusual), or,
//!   when it was there on earlier days and sent nothing out, that fact;
//! - for a destination never seen before: first seen in the 3 hours before the
//!   window's end.
//!
//! A sum below the absolute floor (10 MB) never fires, so a tiny baseline cannot. One of
//! the three signals makes a `medium` finding, two or more `high`. The seed's verdict
//! (mean + kσ of one service port's flows) is the detailed view of the same question.
//!
//! State is bounded by activity: a pair is kept while it sent in the last 3 hours;
//! after that only its largest sums, in a fixed-size histogram per asset (1/16-octave
//! bins), and the pairs above the floor.

use std::collections::BTreeMap;

use super::context::Context;
use super::finding::{Detail, Evidence, ExfiltrationDetail, Finding, Kind, Severity};
use super::hashing::MixMap as FastMap;
use super::session::{Record, Session};
use super::{strength, EvidenceSessions, EVIDENCE_SESSIONS};
use crate::analysis::units;
use crate::flow::AddrId;
use crate::time::format_rfc3339;

/// Bucket length.
pub const BUCKET_SECS: u32 = 600;
/// Buckets in the short window (30 minutes).
const SHORT: u32 = 3;
/// Buckets in the long window (3 hours).
const LONG: u32 = 18;
/// The absolute floor of a window sum.
pub const FLOOR_BYTES: u64 = 10_000_000;
/// Robust z that counts as a signal.
pub const Z_SIGNAL: f64 = 5.0;
/// History ratio that counts as a signal.
pub const RATIO_SIGNAL: f64 = 10.0;
/// Fewest destinations for a robust z.
pub const MIN_DESTINATIONS: u64 = 5;
/// Sub-bins per octave of the per-asset histogram.
const SUB_BINS: u32 = 16;

#[derive(Clone, Copy, Debug, Default)]
struct Best {
    bytes: u64,
    /// Last bucket of the window.
    bucket: u32,
}

/// One (asset, destination) pair while it sends: the last 18 buckets in a ring (no
/// allocation: most pairs are a scanner's one reply).
struct Pair {
    /// Bytes of bucket `b` at `ring[b % 18]`, for the 18 buckets up to `last`.
    ring: [u64; LONG as usize],
    last: u32,
    short: Best,
    long: Best,
    total: u64,
    /// The asset's ports by bytes (a few).
    ports: [(u16, u64); 4],
}

impl Pair {
    fn new(bucket: u32) -> Pair {
        Pair {
            ring: [0; LONG as usize],
            last: bucket,
            short: Best::default(),
            long: Best::default(),
            total: 0,
            ports: [(0, 0); 4],
        }
    }

    /// Adds `bytes` in `bucket` (not before the last one), judging the windows that end
    /// at the last bucket first when `bucket` is a new one.
    fn add(&mut self, bucket: u32, bytes: u64, days: &mut BTreeMap<u32, u64>) {
        if bucket > self.last {
            self.close_bucket(days);
            let gap = (bucket - self.last).min(LONG);
            for i in 1..=gap {
                let b = self.last + i;
                if let Some(slot) = self.ring.get_mut((b % LONG) as usize) {
                    *slot = 0;
                }
            }
            self.last = bucket;
        }
        if let Some(slot) = self.ring.get_mut((self.last % LONG) as usize) {
            *slot = slot.saturating_add(bytes);
        }
        self.total = self.total.saturating_add(bytes);
    }

    /// Judges the windows ending at the last bucket.
    fn close_bucket(&mut self, days: &mut BTreeMap<u32, u64>) {
        let last = self.last;
        let short: u64 = (0..SHORT.min(last + 1))
            .filter_map(|i| self.ring.get(((last - i) % LONG) as usize))
            .sum();
        let long: u64 = self.ring.iter().sum();
        if short > self.short.bytes {
            self.short = Best {
                bytes: short,
                bucket: last,
            };
        }
        if long > self.long.bytes {
            self.long = Best {
                bytes: long,
                bucket: last,
            };
        }
        let day = last * BUCKET_SECS / 86_400;
        let d = days.entry(day).or_default();
        *d = (*d).max(short);
    }

    fn port(&self) -> Option<u16> {
        self.ports
            .iter()
            .filter(|p| p.1 > 0)
            .max_by_key(|p| (p.1, std::cmp::Reverse(p.0)))
            .map(|p| p.0)
    }
}

/// An asset's view of its destinations.
struct Asset {
    /// Counts of per-destination largest 30-minute sums, by log bin.
    bins: Vec<u32>,
    destinations: u64,
    /// Largest 30-minute sum to any destination, by UTC day.
    days: BTreeMap<u32, u64>,
}

impl Default for Asset {
    fn default() -> Self {
        Asset {
            bins: vec![0; (65 * SUB_BINS) as usize],
            destinations: 0,
            days: BTreeMap::new(),
        }
    }
}

/// Bin of a value: 16 bins per power of two (values 0–15 have their own).
fn bin(v: u64) -> usize {
    if v < u64::from(SUB_BINS) {
        return v as usize;
    }
    let e = 63 - v.leading_zeros();
    let mantissa = (v >> (e - 4)) & 0xf;
    ((e - 3) * SUB_BINS + mantissa as u32) as usize
}

/// A value in the middle of bin `i`.
fn bin_value(i: usize) -> f64 {
    let i = i as u32;
    if i < SUB_BINS {
        return f64::from(i);
    }
    let e = i / SUB_BINS + 3;
    let mantissa = i % SUB_BINS;
    let lo = ((16 + mantissa) as f64) * 2f64.powi(e as i32 - 4);
    lo + 2f64.powi(e as i32 - 5)
}

impl Asset {
    /// Median and MAD (unscaled) of the destinations' sums, from the histogram.
    fn median_mad(&self) -> (f64, f64) {
        let weighted: Vec<(f64, u32)> = self
            .bins
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(i, &c)| (bin_value(i), c))
            .collect();
        let median = weighted_median(&weighted);
        let mut deviations: Vec<(f64, u32)> = weighted
            .iter()
            .map(|&(v, c)| ((v - median).abs(), c))
            .collect();
        deviations.sort_by(|a, b| a.0.total_cmp(&b.0));
        (median, weighted_median(&deviations))
    }
}

/// Median of values (ascending) with counts.
fn weighted_median(sorted: &[(f64, u32)]) -> f64 {
    let total: u64 = sorted.iter().map(|&(_, c)| u64::from(c)).sum();
    if total == 0 {
        return 0.0;
    }
    let half = total.div_ceil(2);
    let mut seen = 0u64;
    for &(v, c) in sorted {
        seen += u64::from(c);
        if seen >= half {
            return v;
        }
    }
    sorted.last().map_or(0.0, |x| x.0)
}

/// A pair above the floor, from pass 1.
#[derive(Clone, Debug)]
pub struct Exfil {
    /// The asset.
    pub asset: AddrId,
    /// The destination.
    pub dst: AddrId,
    /// Largest 30-minute sum and its last bucket.
    short: Best,
    /// Largest 3-hour sum.
    long: Best,
    /// Bytes over the whole data.
    pub total: u64,
    asset_port: Option<u16>,
}

impl Exfil {
    /// The window that fired: (start, end, bytes, length).
    pub fn window(&self) -> (u32, u32, u64, u32) {
        let (best, len) = if self.short.bytes >= FLOOR_BYTES {
            (self.short, SHORT)
        } else {
            (self.long, LONG)
        };
        let end = (best.bucket + 1) * BUCKET_SECS;
        (
            end.saturating_sub(len * BUCKET_SECS),
            end,
            best.bytes,
            len * BUCKET_SECS,
        )
    }
}

/// Pass 1 of the exfiltration detector (fed records, not sessions).
#[derive(Default)]
pub struct ExfilPass {
    pairs: FastMap<(AddrId, AddrId), Pair>,
    assets: FastMap<AddrId, Asset>,
    found: Vec<Exfil>,
    last_sweep: u32,
}

impl ExfilPass {
    /// Takes one record (in start order).
    pub fn record(&mut self, ctx: &Context, r: &Record) {
        if r.bytes == 0 || !ctx.internal(r.srcaddr) || ctx.internal(r.dstaddr) {
            return;
        }
        let bucket = r.start / BUCKET_SECS;
        if bucket > self.last_sweep + LONG {
            self.sweep(bucket);
        }
        let asset = self.assets.entry(r.srcaddr).or_default();
        let pair = self
            .pairs
            .entry((r.srcaddr, r.dstaddr))
            .or_insert_with(|| Pair::new(bucket));
        pair.add(bucket, r.bytes, &mut asset.days);
        let ports = &mut pair.ports;
        match ports.iter_mut().find(|p| p.0 == r.srcport && p.1 > 0) {
            Some(p) => p.1 = p.1.saturating_add(r.bytes),
            None => {
                if let Some(smallest) = ports.iter_mut().min_by_key(|p| p.1) {
                    if smallest.1 < r.bytes {
                        *smallest = (r.srcport, r.bytes);
                    }
                }
            }
        }
    }

    /// Closes the pairs idle for 3 hours.
    fn sweep(&mut self, bucket: u32) {
        let (assets, found) = (&mut self.assets, &mut self.found);
        self.pairs.retain(|&(asset, dst), pair| {
            let idle = pair.last + LONG < bucket;
            if idle {
                close(asset, dst, pair, assets, found);
            }
            !idle
        });
        self.last_sweep = bucket;
    }

    /// Closes every pair; the assets and the pairs above the floor, with the first
    /// time each destination of those was seen.
    pub fn finish(mut self, ctx: &Context) -> ExfilFound {
        let (assets, found) = (&mut self.assets, &mut self.found);
        let mut pairs: Vec<((AddrId, AddrId), Pair)> = self.pairs.drain().collect();
        pairs.sort_by_key(|(k, _)| *k);
        for ((asset, dst), mut pair) in pairs {
            close(asset, dst, &mut pair, assets, found);
        }
        // A pair closed twice (idle, then back) counts once: the larger window.
        self.found.sort_by(|a, b| {
            (a.asset, a.dst)
                .cmp(&(b.asset, b.dst))
                .then(b.short.bytes.cmp(&a.short.bytes))
        });
        self.found.dedup_by_key(|e| (e.asset, e.dst));
        let first_seen = first_seen(ctx, self.found.iter().flat_map(|e| [e.dst, e.asset]));
        ExfilFound {
            found: self.found,
            assets: self.assets,
            first_seen,
        }
    }
}

fn close(
    asset: AddrId,
    dst: AddrId,
    pair: &mut Pair,
    assets: &mut FastMap<AddrId, Asset>,
    found: &mut Vec<Exfil>,
) {
    let a = assets.entry(asset).or_default();
    pair.close_bucket(&mut a.days);
    if let Some(c) = a.bins.get_mut(bin(pair.short.bytes)) {
        *c += 1;
    }
    a.destinations += 1;
    if pair.short.bytes >= FLOOR_BYTES || pair.long.bytes >= FLOOR_BYTES {
        found.push(Exfil {
            asset,
            dst,
            short: pair.short,
            long: pair.long,
            total: pair.total,
            asset_port: pair.port(),
        });
    }
}

/// What pass 1 of the exfiltration detector leaves.
pub struct ExfilFound {
    /// Pairs above the floor.
    pub found: Vec<Exfil>,
    assets: FastMap<AddrId, Asset>,
    /// First start of each destination of `found`.
    pub first_seen: FastMap<AddrId, u32>,
}

/// The first start of every record with one of `addrs` on either side (one pass over
/// the address columns, only when there are such addresses).
fn first_seen(ctx: &Context, addrs: impl Iterator<Item = AddrId>) -> FastMap<AddrId, u32> {
    let mut out: FastMap<AddrId, u32> = addrs.map(|a| (a, u32::MAX)).collect();
    if out.is_empty() {
        return out;
    }
    let mut marked = vec![false; ctx.addr_count()];
    for a in out.keys() {
        if let Some(m) = marked.get_mut(a.index()) {
            *m = true;
        }
    }
    let t = ctx.table;
    t.each_flow_row(
        |start| start.is_some(),
        |row| {
            for a in [t.srcaddr(row), t.dstaddr(row)] {
                if marked.get(a.index()).copied().unwrap_or(false) {
                    let start = t.start_secs(row).unwrap_or(u32::MAX);
                    if let Some(f) = out.get_mut(&a) {
                        *f = (*f).min(start);
                    }
                }
            }
        },
    );
    out
}

/// Pass 2 for one pair: its sessions in the window, for the evidence.
pub struct ExfilEvidence {
    /// What pass 1 found.
    pub exfil: Exfil,
    sessions: EvidenceSessions,
}

impl ExfilEvidence {
    /// Gathers the evidence of `exfil`.
    pub fn new(exfil: Exfil) -> ExfilEvidence {
        ExfilEvidence {
            exfil,
            sessions: EvidenceSessions::largest_from(EVIDENCE_SESSIONS),
        }
    }

    /// Takes a session between the asset and the destination.
    pub fn session(&mut self, s: &Session) {
        let (from, to, _, _) = self.exfil.window();
        let pair = (s.src == self.exfil.asset && s.dst == self.exfil.dst)
            || (s.dst == self.exfil.asset && s.src == self.exfil.dst);
        if pair && s.start < to && s.end >= from {
            self.sessions.push_sent_by(s, self.exfil.asset);
        }
    }

    /// The finding, when a signal fires.
    pub fn finish(self, ctx: &Context, found: &ExfilFound) -> Option<Finding> {
        let e = &self.exfil;
        let (from, to, bytes, len) = e.window();
        let asset = found.assets.get(&e.asset)?;
        let (median, mad) = asset.median_mad();
        let spread = (1.4826 * mad).max(0.05 * median).max(1000.0);
        let z = (asset.destinations >= MIN_DESTINATIONS)
            .then(|| (e.short.bytes as f64 - median) / spread);
        let day = to.saturating_sub(1) / 86_400;
        let prior = asset.days.range(..day).map(|(_, &v)| v).max().unwrap_or(0);
        let ratio = (prior > 0).then(|| e.short.bytes as f64 / prior as f64);
        // Days of the asset's data before this one (from its first record).
        let asset_first = found.first_seen.get(&e.asset).copied().unwrap_or(u32::MAX);
        let history_days = day.saturating_sub(asset_first / 86_400);
        let never_before = prior == 0 && history_days > 0;
        let first_seen = found.first_seen.get(&e.dst).copied().unwrap_or(u32::MAX);
        let new = first_seen.saturating_add(LONG * BUCKET_SECS) >= to;
        let signals = [
            z.is_some_and(|z| z >= Z_SIGNAL),
            ratio.is_some_and(|r| r >= RATIO_SIGNAL) || never_before,
            new,
        ];
        let count = signals.iter().filter(|&&s| s).count();
        if count == 0 {
            return None;
        }
        let src = ctx.addr(e.asset);
        let dst = ctx.addr(e.dst);
        let mut why = Vec::new();
        if let Some(z) = z.filter(|&z| z >= Z_SIGNAL) {
            why.push(format!(
                "{} spreads above the median of its {} destinations ({})",
                units::int(z.round() as u64),
                units::int(asset.destinations),
                units::bytes(median)
            ));
        }
        if never_before {
            why.push(format!(
                "it sent nothing to the internet on its {history_days} earlier day{}",
                if history_days == 1 { "" } else { "s" }
            ));
        }
        if let Some(r) = ratio.filter(|&r| r >= RATIO_SIGNAL) {
            why.push(format!(
                "{} times its largest to any destination on an earlier day",
                units::int(r.round() as u64)
            ));
        }
        if new {
            why.push(format!(
                "a destination first seen at {}",
                format_rfc3339(i64::from(first_seen))
            ));
        }
        let (sessions, total, records) = self.sessions.finish(ctx);
        let port_of_dst = sessions
            .first()
            .map(|s| if s.src == dst { s.srcport } else { s.dstport });
        let one_port = port_of_dst.filter(|&p| {
            sessions
                .iter()
                .all(|s| (if s.src == dst { s.srcport } else { s.dstport }) == p)
        });
        Some(Finding {
            kind: Kind::Exfiltration,
            severity: if count >= 2 {
                Severity::High
            } else {
                Severity::Medium
            },
            src: src.clone(),
            dst: Some(dst.clone()),
            dst_port: one_port,
            first: from,
            last: to,
            score: strength(count as f64 + (bytes as f64 / FLOOR_BYTES as f64).log10()),
            summary: format!(
                "{src}{} sent {} to {dst} in the {} from {}: {}.",
                e.asset_port
                    .map(|p| format!(" (port {p})"))
                    .unwrap_or_default(),
                units::bytes(bytes as f64),
                if len == SHORT * BUCKET_SECS {
                    "30 minutes"
                } else {
                    "3 hours"
                },
                format_rfc3339(i64::from(from)),
                why.join("; ")
            ),
            evidence: Evidence {
                detail: Detail::Exfiltration(ExfiltrationDetail {
                    window_secs: len,
                    window_bytes: bytes,
                    max_30min_bytes: e.short.bytes,
                    max_3h_bytes: e.long.bytes,
                    total_bytes: e.total,
                    floor_bytes: FLOOR_BYTES,
                    robust_z: z,
                    destinations_median_bytes: median,
                    destinations_mad_bytes: mad,
                    destinations: asset.destinations,
                    history_ratio: ratio,
                    history_days,
                    nothing_out_before: never_before,
                    new_destination: new,
                    destination_first_seen: first_seen,
                    asset_port: e.asset_port,
                }),
                sessions,
                sessions_total: total,
                records_total: records,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_values_in_order_within_a_sixteenth_of_an_octave() {
        let mut last = 0;
        for v in [
            0u64,
            1,
            15,
            16,
            17,
            31,
            32,
            100,
            5_614,
            1 << 20,
            952_560_000,
            u64::MAX,
        ] {
            let b = bin(v);
            assert!(b >= last, "{v}");
            last = b;
            if v >= 16 {
                let mid = bin_value(b);
                assert!((mid / v as f64 - 1.0).abs() < 0.07, "{v}: {mid}");
            } else {
                assert_eq!(bin_value(b), v as f64);
            }
        }
        assert!(bin(u64::MAX) < 65 * 16);
    }

    #[test]
    fn histogram_median_and_mad() {
        let mut a = Asset::default();
        // Destinations with 1,000 … 9,000 bytes: median 5,000, MAD 2,000.
        for v in (1..=9).map(|k| k * 1000) {
            a.bins[bin(v)] += 1;
        }
        let (median, mad) = a.median_mad();
        assert!((median / 5000.0 - 1.0).abs() < 0.04, "{median}");
        assert!((mad / 2000.0 - 1.0).abs() < 0.1, "{mad}");
    }
}
