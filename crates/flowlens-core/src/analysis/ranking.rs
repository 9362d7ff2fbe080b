//! Question 0, "who should I look at?": scores every non-private destination of the
//! service's responses so that flowlens finds the suspect itself.
//!
//! For each destination d, the baseline leaves d's own flows out (leave-one-out mean
//! and σ, from exact integer sums), and
//! `score = log10(1 + bytes of d's flows above d's threshold) + clamp(z, 0, 10) / 10`,
//! where z is the robust z-score `(median_d − median) / (1.4826 · MAD)` of d's typical
//! flow against the whole service's flows. Bytes above the threshold dominate; the
//! robust term orders destinations whose flows are all moderately large.

use serde::{Deserialize, Serialize};

use super::stats::{self, median_mad_in_place, Count};
use super::{in_chunks, TimeRange};
use crate::flow::addr::{classify, is_private, AddrClass, Cidr};
use crate::flow::{AddrId, Dataset};

/// One ranked destination.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    /// The destination.
    pub addr: String,
    /// Its class (never private).
    pub class: AddrClass,
    /// The score (see the module documentation).
    pub score: f64,
    /// Its flows from the service port in the range.
    pub flows: u64,
    /// Their bytes.
    pub bytes_out: u64,
    /// Those above its leave-one-out threshold.
    pub flows_above: u64,
    /// Their bytes.
    pub bytes_above: u64,
    /// Robust z-score of its median flow.
    pub robust_z: f64,
    /// Country and autonomous system ([`crate::geo::annotate`]); `null` without a table.
    pub geo: Option<crate::geo::Geo>,
}

/// The ranking of the report: the most suspicious destinations first, at most the
/// query's `top`, and how many were ranked in all.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// Destinations ranked.
    pub total: u64,
    /// The first of them.
    pub rows: Vec<Ranked>,
}

#[derive(Clone, Copy, Default)]
struct Sums {
    n: u64,
    sum: u128,
    sumsq: u128,
}

impl Sums {
    fn add(&mut self, bytes: u64) {
        self.n += 1;
        // Saturating: counters near u64::MAX (hostile input) must not panic.
        self.sum = self.sum.saturating_add(u128::from(bytes));
        self.sumsq = self
            .sumsq
            .saturating_add(u128::from(bytes) * u128::from(bytes));
    }
}

/// The whole data's flows from the service port, which every destination's baseline
/// is computed from, whatever the range: read once for several rankings. Holds their
/// sums and robust statistics only, nothing per address.
pub struct ServiceFlows {
    port: u16,
    /// Sums over every flow from the port.
    total: Sums,
    /// How many flows.
    flows: usize,
    /// Median of the flows' bytes.
    median: f64,
    /// 1.4826 × their median absolute deviation.
    scale: f64,
}

impl ServiceFlows {
    /// The service port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many flows the port has in the whole data set.
    pub fn flows(&self) -> usize {
        self.flows
    }

    /// Reads the flows from `port` in the whole data set.
    pub fn new(dataset: &Dataset, port: u16) -> ServiceFlows {
        // As `u32` when every flow's bytes fit (they nearly always do): half the memory.
        match service_bytes::<u32>(dataset, port, None, None) {
            Some(values) => ServiceFlows::of(port, values),
            None => ServiceFlows::of(
                port,
                service_bytes::<u64>(dataset, port, None, None).unwrap_or_default(),
            ),
        }
    }

    fn of<T: Count>(port: u16, mut values: Vec<T>) -> ServiceFlows {
        let mut total = Sums::default();
        for &bytes in &values {
            total.add(bytes.into());
        }
        let (median, mad) = median_mad_in_place(&mut values);
        ServiceFlows {
            port,
            total,
            flows: values.len(),
            median,
            scale: 1.4826 * mad,
        }
    }
}

/// Calls `each` with every flow from `port` inside `range` that has a byte count, as
/// (destination, bytes), in order, a chunk of the table at a time (see
/// [`in_chunks`]): what the ranking's candidates and (over the whole data set) the
/// ranking's and the verdict's baselines are made of.
pub(crate) fn each_service_flow(
    dataset: &Dataset,
    port: u16,
    range: &TimeRange,
    mut each: impl FnMut(AddrId, u64),
) {
    let table = &dataset.table;
    in_chunks(table.len(), &mut |rows| {
        for row in rows {
            // The port first: it rules out half the rows at less cost than the flow test.
            if table.srcport(row) == Some(port)
                && table.is_flow(row)
                && range.contains(table.start_secs(row))
            {
                if let Some(bytes) = table.bytes(row) {
                    each(table.dstaddr(row), bytes);
                }
            }
        }
    });
}

/// The bytes of the flows from `port` (but those to `leave_out`) as `T`, `None` when
/// one does not fit `T`; in a vector sized before it is filled, so that no doubling of
/// a growing vector holds up to three times their bytes at once (a month's 24 M service
/// flows take 96 MB as `u32`, and the page's WebAssembly memory keeps its highest size
/// for good): for `count` flows when given (all the port's flows, as [`ServiceFlows`]
/// counted them: at most a destination's more than needed), else for exactly their
/// number, counted first.
pub(crate) fn service_bytes<T: Count>(
    dataset: &Dataset,
    port: u16,
    leave_out: Option<AddrId>,
    count: Option<usize>,
) -> Option<Vec<T>> {
    let count = count.unwrap_or_else(|| {
        let mut n = 0;
        each_service_flow(dataset, port, &TimeRange::ALL, |dst, _| {
            n += usize::from(leave_out != Some(dst))
        });
        n
    });
    let mut values = Vec::with_capacity(count);
    let mut fit = true;
    each_service_flow(dataset, port, &TimeRange::ALL, |dst, bytes| {
        if fit && leave_out != Some(dst) {
            match T::try_from(bytes) {
                Ok(value) => values.push(value),
                Err(_) => fit = false,
            }
        }
    });
    fit.then_some(values)
}

/// Ranks the non-private destinations of flows from `port` inside `range`; the first
/// `top` of them are returned.
pub fn ranking(
    dataset: &Dataset,
    range: &TimeRange,
    port: u16,
    k: f64,
    known: &[Cidr],
    top: usize,
) -> Ranking {
    rank(
        dataset,
        &ServiceFlows::new(dataset, port),
        range,
        k,
        known,
        top,
    )
}

/// One candidate's score while ranking, before its row is made.
struct Scored {
    score: f64,
    bytes_out: u64,
    ip: std::net::IpAddr,
    class: AddrClass,
    flows: u64,
    flows_above: u64,
    bytes_above: u64,
    robust_z: f64,
}

/// [`ranking`] against the service's flows read already.
///
/// Memory grows with the range's candidate flows (8 bytes each), the addresses (5
/// bytes each) and the candidates (their sums), and only while ranking; at most twice
/// `top` are scored at once, and rows (with their address text) are made for the top
/// `top` only.
pub fn rank(
    dataset: &Dataset,
    service: &ServiceFlows,
    range: &TimeRange,
    k: f64,
    known: &[Cidr],
    top: usize,
) -> Ranking {
    let table = &dataset.table;
    let ServiceFlows {
        port,
        total,
        median,
        scale,
        ..
    } = *service;

    // Candidate flows inside the range, grouped by destination: counted per address
    // id, then their bytes placed in one vector, each destination's together (a
    // counting sort: two passes over the rows, no sort, 8 bytes a flow).
    const NOT: u32 = u32::MAX;
    // Per address id: 0 not seen, 1 private, 2 a candidate; then its count of flows.
    let mut class_of: Vec<u8> = vec![0; table.addrs.id_count()];
    let mut count: Vec<u32> = vec![0; table.addrs.id_count()];
    each_service_flow(dataset, port, range, |dst, _| {
        let (Some(slot), Some(n)) = (class_of.get_mut(dst.index()), count.get_mut(dst.index()))
        else {
            return;
        };
        if *slot == 0 {
            let private = table.addrs.get(dst).is_none_or(is_private);
            *slot = if private { 1 } else { 2 };
        }
        if *slot == 2 {
            *n += 1;
        }
    });
    drop(class_of);
    // The candidates in id order, where each one's flows start, and (reused as the
    // fill cursor) each id's group index.
    let mut ids: Vec<AddrId> = Vec::new();
    let mut starts: Vec<usize> = vec![0];
    for (i, n) in count.iter_mut().enumerate() {
        if *n == 0 {
            *n = NOT;
            continue;
        }
        let next = starts.last().copied().unwrap_or(0) + *n as usize;
        *n = ids.len() as u32;
        ids.push(AddrId(i as u32));
        starts.push(next);
    }
    let group_of = count;
    let mut bytes_of: Vec<u64> = vec![0; starts.last().copied().unwrap_or(0)];
    let mut fill: Vec<usize> = starts.clone();
    each_service_flow(dataset, port, range, |dst, bytes| {
        let Some(&g) = group_of.get(dst.index()).filter(|&&g| g != NOT) else {
            return;
        };
        if let Some(at) = fill.get_mut(g as usize) {
            if let Some(b) = bytes_of.get_mut(*at) {
                *b = bytes;
            }
            *at += 1;
        }
    });
    drop(fill);

    // Each candidate's own sums over the whole data, to leave them out of its baseline:
    // over the whole data they are its candidate flows' sums; otherwise one pass over
    // the service's flows.
    let span = |g: usize| match (starts.get(g), starts.get(g + 1)) {
        (Some(&a), Some(&b)) => a..b,
        _ => 0..0,
    };
    let mut own = vec![Sums::default(); ids.len()];
    if range.is_all() {
        for (g, sums) in own.iter_mut().enumerate() {
            for &bytes in bytes_of.get(span(g)).unwrap_or_default() {
                sums.add(bytes);
            }
        }
    } else {
        each_service_flow(dataset, port, &TimeRange::ALL, |dst, bytes| {
            let Some(&g) = group_of.get(dst.index()).filter(|&&g| g != NOT) else {
                return;
            };
            if let Some(s) = own.get_mut(g as usize) {
                s.add(bytes);
            }
        });
    }
    drop(group_of);

    // Scored, keeping the best `top` (at most twice that held at once).
    let order = |a: &Scored, b: &Scored| {
        b.score
            .total_cmp(&a.score)
            .then(b.bytes_out.cmp(&a.bytes_out))
            .then(a.ip.cmp(&b.ip))
    };
    let keep = |scored: &mut Vec<Scored>| {
        if top == 0 {
            scored.clear();
        } else if scored.len() > top {
            scored.select_nth_unstable_by(top - 1, order);
            scored.truncate(top);
        }
    };
    let mut scored: Vec<Scored> = Vec::new();
    let mut total_ranked = 0u64;
    for (g, (&id, own)) in ids.iter().zip(&own).enumerate() {
        // Its flows' order does not matter: the median below reorders them in place.
        let list = bytes_of.get_mut(span(g)).unwrap_or_default();
        let Some(ip) = table.addrs.get(id) else {
            continue;
        };
        let n = total.n - own.n;
        let sum = total.sum.saturating_sub(own.sum);
        let sumsq = total.sumsq.saturating_sub(own.sumsq);
        let threshold = if n >= 2 {
            let mean = sum as f64 / n as f64;
            let var = (sumsq as f64 - (sum as f64) * (sum as f64) / n as f64) / (n - 1) as f64;
            mean + k * var.max(0.0).sqrt()
        } else {
            f64::INFINITY
        };
        let (mut flows_above, mut bytes_above, mut bytes_out) = (0u64, 0u64, 0u64);
        for &b in list.iter() {
            bytes_out = bytes_out.saturating_add(b);
            if b as f64 > threshold {
                flows_above += 1;
                bytes_above = bytes_above.saturating_add(b);
            }
        }
        let own_median = stats::median_in_place(list);
        let robust_z = if scale > 0.0 {
            (own_median - median) / scale
        } else {
            0.0
        };
        total_ranked += 1;
        scored.push(Scored {
            score: (1.0 + bytes_above as f64).log10() + robust_z.clamp(0.0, 10.0) / 10.0,
            bytes_out,
            ip,
            class: classify(ip, known),
            flows: list.len() as u64,
            flows_above,
            bytes_above,
            robust_z,
        });
        if scored.len() >= top.saturating_mul(2).max(1024) {
            keep(&mut scored);
        }
    }
    drop(bytes_of);
    keep(&mut scored);

    scored.sort_unstable_by(order);
    Ranking {
        total: total_ranked,
        rows: scored
            .into_iter()
            .map(|s| Ranked {
                addr: s.ip.to_string(),
                class: s.class,
                score: s.score,
                flows: s.flows,
                bytes_out: s.bytes_out,
                flows_above: s.flows_above,
                bytes_above: s.bytes_above,
                robust_z: s.robust_z,
                geo: None,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::verdict::verdict;
    use crate::flow::{read_bytes, ReadOptions};

    #[test]
    fn service_bytes_are_exactly_sized_and_leave_out_one_destination() {
        let mut body = String::from("srcaddr dstaddr srcport dstport bytes start end\n");
        // 37 flows from 3306 (a length no doubling lands on), 3 of them to .9, and
        // flows from another port and without bytes that are not counted.
        for i in 0..37u64 {
            let dst = if i < 3 { 9 } else { 1 + i % 4 };
            body.push_str(&format!(
                "10.0.0.1 198.51.100.{dst} 3306 50000 {} 0 1\n",
                100 + i
            ));
        }
        body.push_str("10.0.0.1 198.51.100.1 443 50000 5 0 1\n");
        body.push_str("10.0.0.1 198.51.100.1 3306 50000 - 0 1\n");
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        let all: Vec<u64> = service_bytes(&ds, 3306, None, None).unwrap();
        assert_eq!((all.len(), all.capacity()), (37, 37));
        assert_eq!(all.iter().sum::<u64>(), (100..137).sum::<u64>());
        let nine = ds.table.addrs.lookup("198.51.100.9".parse().unwrap());
        let rest: Vec<u64> = service_bytes(&ds, 3306, nine, None).unwrap();
        // Sized for the count given (all 37 of the port's flows), filled with the 34.
        let sized: Vec<u64> = service_bytes(&ds, 3306, nine, Some(37)).unwrap();
        assert_eq!((sized.len(), sized.capacity(), &sized), (34, 37, &rest));
        assert_eq!((rest.len(), rest.capacity()), (34, 34));
        assert_eq!(rest.first(), Some(&103));
    }

    #[test]
    fn the_exfiltrating_address_ranks_first() {
        let mut body = String::from("srcaddr dstaddr srcport dstport bytes start end\n");
        for i in 0..60u64 {
            let bytes = 1000 + (i % 5) * 500; // 1,000 … 3,000
            body.push_str(&format!(
                "10.0.0.1 198.51.100.{} 3306 50000 {bytes} {i} {i}\n",
                1 + i % 4
            ));
        }
        // 203.0.113.7: ordinary flows, then two huge ones.
        for bytes in [1500, 2000, 40_000_000, 70_000_000] {
            body.push_str(&format!(
                "10.0.0.1 203.0.113.7 3306 51000 {bytes} 100 100\n"
            ));
        }
        // Private destinations are never ranked.
        body.push_str("10.0.0.1 10.0.0.99 3306 51000 90000000 100 100\n");
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        let ranked = ranking(&ds, &TimeRange::ALL, 3306, 3.0, &[], 1000);
        assert_eq!(ranked.total, 5);
        let r = &ranked.rows;
        assert_eq!(r.len(), 5);
        assert_eq!(r[0].addr, "203.0.113.7");
        assert_eq!(
            (r[0].flows, r[0].flows_above, r[0].bytes_above),
            (4, 2, 110_000_000)
        );
        // Its median flow (20,001,000) is far above the service's median (2,000; MAD
        // 500, counted by hand over the 65 flows): the robust term is capped at 1.
        assert!((r[0].score - ((1.0 + 110_000_000f64).log10() + 1.0)).abs() < 1e-9);
        assert!((r[0].robust_z - (20_001_000.0 - 2000.0) / (1.4826 * 500.0)).abs() < 1e-6);
        assert!(r.iter().all(|x| x.addr != "10.0.0.99"));
        assert!(r[1..].iter().all(|x| x.flows_above == 0));

        // The leave-one-out threshold equals the verdict's two-pass threshold.
        let v = verdict(
            &ds,
            "203.0.113.7".parse().unwrap(),
            &TimeRange::ALL,
            Some(3306),
            3.0,
            false,
        );
        assert_eq!(v.above.flows, r[0].flows_above);
        assert_eq!(v.above.bytes_total, r[0].bytes_above);

        // The top 2 only: the same first rows, and the total still counts all 5.
        let two = ranking(&ds, &TimeRange::ALL, 3306, 3.0, &[], 2);
        assert_eq!((two.total, two.rows.as_slice()), (5, &r[..2]));
        assert!(ranking(&ds, &TimeRange::ALL, 3306, 3.0, &[], 0)
            .rows
            .is_empty());
    }

    /// Every row of a ranking over thousands of destinations (more than are held at
    /// once while scoring) equals a brute-force computation of its definition: each
    /// destination's flows in the range, its leave-one-out threshold over the whole
    /// data, its median by sorting; the order is score, then bytes, then address; a
    /// shorter `top` gives the same first rows, and `total` counts them all.
    #[test]
    fn rankings_of_many_destinations_equal_a_brute_force_computation() {
        let mut body = String::from("srcaddr dstaddr srcport dstport bytes start end\n");
        let mut seed = 12_345u64;
        let mut next = |m: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % m
        };
        // (dst, bytes, start) of every flow from the port; others are noise.
        let mut flows: Vec<(u32, u64, u32)> = Vec::new();
        for _ in 0..12_000 {
            let dst = next(3_000) as u32;
            let bytes = if next(100) == 0 {
                30_000 + next(30_000)
            } else {
                500 + next(4_000)
            };
            let start = next(10_000) as u32;
            flows.push((dst, bytes, start));
            let [a, b] = (dst as u16).to_be_bytes();
            body.push_str(&format!(
                "10.0.0.1 203.0.{a}.{b} 3306 50000 {bytes} {start} {start}\n"
            ));
        }
        // One destination sends many moderate flows, most of them outside the range:
        // left out of its own baseline (as they must be), they no longer raise its
        // threshold above them, and its flows in the range count as above it.
        for i in 0..1_600u64 {
            let (bytes, start) = (20_000 + i, if i < 100 { 2_500 } else { 9_000 });
            flows.push((7, bytes, start));
            body.push_str(&format!(
                "10.0.0.1 203.0.0.7 3306 50000 {bytes} {start} {start}\n"
            ));
        }
        // A private destination and another port: never candidates.
        body.push_str("10.0.0.1 10.1.1.1 3306 50000 9999 5 5\n");
        body.push_str("10.0.0.1 203.0.0.7 443 50000 99999999 5 5\n");
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        let mut all: Vec<u64> = flows.iter().map(|f| f.1).collect();
        all.push(9_999); // the private destination's flow is in the baseline
        let (median, mad) = median_mad_in_place(&mut all.clone());
        let scale = 1.4826 * mad;
        for range in [TimeRange::ALL, TimeRange::starting_at(2_000, 3_000)] {
            let mut expected: Vec<(f64, u64, String, u64, u64, u64)> = Vec::new();
            for dst in 0..3_000u32 {
                let mine: Vec<u64> = flows
                    .iter()
                    .filter(|f| f.0 == dst && range.contains(Some(f.2)))
                    .map(|f| f.1)
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                let rest: Vec<f64> = flows
                    .iter()
                    .filter(|f| f.0 != dst)
                    .map(|f| f.1 as f64)
                    .chain([9_999.0])
                    .collect();
                let n = rest.len() as f64;
                let mean = rest.iter().sum::<f64>() / n;
                let var = rest.iter().map(|b| (b - mean) * (b - mean)).sum::<f64>() / (n - 1.0);
                let threshold = mean + 3.0 * var.sqrt();
                let above: Vec<u64> = mine
                    .iter()
                    .copied()
                    .filter(|&b| b as f64 > threshold)
                    .collect();
                let mut sorted = mine.clone();
                sorted.sort_unstable();
                let m = sorted.len();
                let own_median = if m % 2 == 1 {
                    sorted[m / 2] as f64
                } else {
                    (sorted[m / 2 - 1] + sorted[m / 2]) as f64 / 2.0
                };
                let z = (own_median - median) / scale;
                let score =
                    (1.0 + above.iter().sum::<u64>() as f64).log10() + z.clamp(0.0, 10.0) / 10.0;
                let [a, b] = (dst as u16).to_be_bytes();
                expected.push((
                    score,
                    mine.iter().sum(),
                    format!("203.0.{a}.{b}"),
                    m as u64,
                    above.len() as u64,
                    above.iter().sum(),
                ));
            }
            let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
            expected.sort_by(|x, y| {
                y.0.total_cmp(&x.0)
                    .then(y.1.cmp(&x.1))
                    .then(ip(&x.2).cmp(&ip(&y.2)))
            });
            let ranked = ranking(&ds, &range, 3306, 3.0, &[], 5_000);
            assert_eq!(ranked.total as usize, expected.len());
            assert!(expected.len() > 2_000, "{} destinations", expected.len());
            for (row, want) in ranked.rows.iter().zip(&expected) {
                assert_eq!(
                    (
                        &row.addr,
                        row.bytes_out,
                        row.flows,
                        row.flows_above,
                        row.bytes_above
                    ),
                    (&want.2, want.1, want.3, want.4, want.5)
                );
                assert!(
                    (row.score - want.0).abs() < 1e-9,
                    "{} {} {}",
                    row.addr,
                    row.score,
                    want.0
                );
            }
            let five = ranking(&ds, &range, 3306, 3.0, &[], 5);
            assert_eq!(
                (five.total, five.rows.as_slice()),
                (ranked.total, &ranked.rows[..5])
            );
        }
    }
}
