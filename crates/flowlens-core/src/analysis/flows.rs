//! Question 4, "what did it take?": the flows to one address in time order, their
//! byte totals and a histogram of their sizes in power-of-two bins; and the points the
//! page's timeline draws.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{each_flow_row, TimeRange};
use crate::flow::Dataset;

/// One flow to the address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowTo {
    /// Start (Unix seconds).
    pub start: Option<u32>,
    /// End (Unix seconds).
    pub end: Option<u32>,
    /// Bytes of the record.
    pub bytes: u64,
    /// Sender.
    pub srcaddr: String,
    /// Sender's port.
    pub srcport: Option<u16>,
    /// The address's port.
    pub dstport: Option<u16>,
}

/// The flows to one address in a period: in the report, the suspect's whole stay
/// (its first start to its last end across all data), whatever range picked it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowsTo {
    /// The address.
    pub addr: String,
    /// The period the flows were taken from: first second.
    pub from: Option<u32>,
    /// The period's end (exclusive).
    pub to: Option<u32>,
    /// Flows with a byte count.
    pub count: u64,
    /// Sum of their bytes.
    pub bytes_total: u64,
    /// Largest of them.
    pub bytes_max: u64,
    /// Records to the address whose `bytes` is `-` (left out above).
    pub bytes_missing: u64,
    /// The flows, by start time: the first [`super::Query::top`] of them (the totals
    /// above count them all; the flows CSV streams every one).
    pub flows: Vec<FlowTo>,
    /// The part of them that started inside the query's range (the range that picked
    /// the address), when that range is narrower than the period; `None` otherwise.
    pub in_range: Option<RangeShare>,
}

/// How much of a set of flows started inside the query's range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeShare {
    /// Flows with a byte count that started in the range.
    pub count: u64,
    /// Their bytes.
    pub bytes_total: u64,
}

/// One bin of the histogram: flows with `lo <= bytes < hi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bin {
    /// Lower bound (inclusive).
    pub lo: u64,
    /// Upper bound (exclusive).
    pub hi: u64,
    /// Flows in the bin.
    pub count: u64,
}

/// Histogram of flow sizes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// The address whose incoming flows are counted.
    pub addr: String,
    /// Power-of-two bins from the smallest to the largest flow, empty ones included.
    pub bins: Vec<Bin>,
}

/// The rows of the flows to `addr` inside `range`, ordered by start (then end, row).
fn rows_to(dataset: &Dataset, addr: IpAddr, range: &TimeRange) -> Vec<usize> {
    let table = &dataset.table;
    let Some(id) = table.addrs.lookup(addr) else {
        return Vec::new();
    };
    let mut rows: Vec<usize> = Vec::new();
    each_flow_row(dataset, range, |row| {
        if table.dstaddr(row) == id {
            rows.push(row);
        }
    });
    rows.sort_by_key(|&row| (table.start_secs(row), table.end_secs(row), row));
    rows
}

fn flow_at(dataset: &Dataset, row: usize, bytes: u64) -> FlowTo {
    let table = &dataset.table;
    FlowTo {
        start: table.start_secs(row),
        end: table.end_secs(row),
        bytes,
        srcaddr: table
            .addrs
            .get(table.srcaddr(row))
            .map(|a| a.to_string())
            .unwrap_or_default(),
        srcport: table.srcport(row),
        dstport: table.dstport(row),
    }
}

/// Flows with `dstaddr = addr` inside `period`, ordered by start, and the histogram of
/// their sizes. The first `top` are kept as rows; the totals, the histogram and the
/// share that started in `range` (when given) count them all.
pub fn flows_to(
    dataset: &Dataset,
    addr: IpAddr,
    period: &TimeRange,
    range: Option<&TimeRange>,
    top: usize,
) -> (FlowsTo, Histogram) {
    let table = &dataset.table;
    let mut out = FlowsTo {
        addr: addr.to_string(),
        from: period.from,
        to: period.to,
        count: 0,
        bytes_total: 0,
        bytes_max: 0,
        bytes_missing: 0,
        flows: Vec::new(),
        in_range: range.map(|_| RangeShare {
            count: 0,
            bytes_total: 0,
        }),
    };
    let mut counts = [0u64; 65];
    for row in rows_to(dataset, addr, period) {
        let Some(bytes) = table.bytes(row) else {
            out.bytes_missing += 1;
            continue;
        };
        out.count += 1;
        out.bytes_total = out.bytes_total.saturating_add(bytes);
        out.bytes_max = out.bytes_max.max(bytes);
        if let Some(c) = counts.get_mut(bin_of(bytes) as usize) {
            *c += 1;
        }
        if let (Some(share), Some(range)) = (out.in_range.as_mut(), range) {
            if range.contains(table.start_secs(row)) {
                share.count += 1;
                share.bytes_total = share.bytes_total.saturating_add(bytes);
            }
        }
        if out.flows.len() < top {
            out.flows.push(flow_at(dataset, row, bytes));
        }
    }
    let histogram = Histogram {
        addr: out.addr.clone(),
        bins: bins(&counts),
    };
    (out, histogram)
}

/// Calls `each` with every flow to `addr` inside `period` that has a byte count, in
/// start order: the flows CSV, streamed, whatever their number.
pub fn each_flow_to(
    dataset: &Dataset,
    addr: IpAddr,
    period: &TimeRange,
    mut each: impl FnMut(FlowTo),
) {
    for row in rows_to(dataset, addr, period) {
        if let Some(bytes) = dataset.table.bytes(row) {
            each(flow_at(dataset, row, bytes));
        }
    }
}

/// Bin index of a byte count: 0 holds 0, bin i ≥ 1 holds `[2^(i-1), 2^i)`.
fn bin_of(bytes: u64) -> u32 {
    64 - bytes.leading_zeros()
}

fn bin_bounds(i: u32) -> (u64, u64) {
    match i {
        0 => (0, 1),
        64 => (1 << 63, u64::MAX),
        _ => (1 << (i - 1), 1 << i),
    }
}

/// The power-of-two bins from the smallest to the largest used one, empty ones between
/// included.
fn bins(counts: &[u64; 65]) -> Vec<Bin> {
    let used: Vec<u32> = (0..65u32).filter(|&i| counts[i as usize] > 0).collect();
    match (used.first(), used.last()) {
        (Some(&lo), Some(&hi)) => (lo..=hi)
            .map(|i| {
                let (lo, hi) = bin_bounds(i);
                Bin {
                    lo,
                    hi,
                    count: counts[i as usize],
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// One flow of an address, for the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowPoint {
    /// Start (Unix seconds).
    pub start: u32,
    /// End (Unix seconds, at least `start`).
    pub end: u32,
    /// Bytes (0 when missing).
    pub bytes: u64,
    /// True when the address sent it (it is srcaddr).
    pub outbound: bool,
}

/// Every timed flow with `addr` on either side inside `range`, by start.
pub fn address_flows(dataset: &Dataset, addr: IpAddr, range: &TimeRange) -> Vec<FlowPoint> {
    let table = &dataset.table;
    let Some(id) = table.addrs.lookup(addr) else {
        return Vec::new();
    };
    let mut points: Vec<FlowPoint> = Vec::new();
    each_flow_row(dataset, range, |row| {
        let outbound = table.srcaddr(row) == id;
        if !outbound && table.dstaddr(row) != id {
            return;
        }
        let Some(start) = table.start_secs(row) else {
            return;
        };
        points.push(FlowPoint {
            start,
            end: table.end_secs(row).unwrap_or(start).max(start),
            bytes: table.bytes(row).unwrap_or(0),
            outbound,
        });
    });
    points.sort_by_key(|p| (p.start, p.end));
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, ReadOptions};

    fn dataset() -> Dataset {
        let body = "\
srcaddr dstaddr srcport dstport bytes start end
10.0.0.1 203.0.113.7 3306 50000 3000 300 360
10.0.0.1 203.0.113.7 3306 50001 0 100 160
10.0.0.1 203.0.113.7 3306 50002 1024 200 200
10.0.0.1 203.0.113.7 3306 50003 - 250 260
203.0.113.7 10.0.0.1 50000 3306 77 100 160
";
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        ds
    }

    #[test]
    fn flows_to_in_start_order_with_totals() {
        let ds = dataset();
        let (f, _) = flows_to(
            &ds,
            "203.0.113.7".parse().unwrap(),
            &TimeRange::ALL,
            None,
            1000,
        );
        assert_eq!(
            (f.count, f.bytes_total, f.bytes_max, f.bytes_missing),
            (3, 4024, 3000, 1)
        );
        assert_eq!(f.in_range, None);
        let order: Vec<_> = f
            .flows
            .iter()
            .map(|f| (f.start, f.bytes, f.dstport))
            .collect();
        assert_eq!(
            order,
            vec![
                (Some(100), 0, Some(50001)),
                (Some(200), 1024, Some(50002)),
                (Some(300), 3000, Some(50000))
            ]
        );
        // Two rows kept, every flow counted; the share of [150, 400): 1024 + 3000.
        let range = TimeRange::starting_at(150, 250);
        let (f, h) = flows_to(
            &ds,
            "203.0.113.7".parse().unwrap(),
            &TimeRange::ALL,
            Some(&range),
            2,
        );
        assert_eq!((f.flows.len(), f.count, f.bytes_total), (2, 3, 4024));
        assert_eq!(
            f.in_range,
            Some(RangeShare {
                count: 2,
                bytes_total: 4024
            })
        );
        assert_eq!(h.bins.iter().map(|b| b.count).sum::<u64>(), 3);
        // The stream has them all, in the same order.
        let mut all = Vec::new();
        each_flow_to(&ds, "203.0.113.7".parse().unwrap(), &TimeRange::ALL, |f| {
            all.push(f.bytes)
        });
        assert_eq!(all, vec![0, 1024, 3000]);
    }

    #[test]
    fn histogram_bins_are_powers_of_two() {
        let ds = dataset();
        let (_, h) = flows_to(
            &ds,
            "203.0.113.7".parse().unwrap(),
            &TimeRange::ALL,
            None,
            1000,
        );
        // 0 → bin [0,1); 1024 → [1024,2048) (bin 11); 3000 → [2048,4096) (bin 12).
        assert_eq!(h.bins.len(), 13);
        assert_eq!(
            h.bins[0],
            Bin {
                lo: 0,
                hi: 1,
                count: 1
            }
        );
        assert_eq!(
            h.bins[1],
            Bin {
                lo: 1,
                hi: 2,
                count: 0
            }
        );
        assert_eq!(
            h.bins[11],
            Bin {
                lo: 1024,
                hi: 2048,
                count: 1
            }
        );
        assert_eq!(
            h.bins[12],
            Bin {
                lo: 2048,
                hi: 4096,
                count: 1
            }
        );
        assert_eq!(bin_bounds(64), (1 << 63, u64::MAX));
        assert_eq!(bin_of(u64::MAX), 64);
    }

    #[test]
    fn address_flows_both_directions() {
        let ds = dataset();
        let p = address_flows(&ds, "203.0.113.7".parse().unwrap(), &TimeRange::ALL);
        assert_eq!(p.len(), 5);
        assert_eq!(p.iter().filter(|p| p.outbound).count(), 1);
        assert_eq!(p[0].start, 100);
    }
}
