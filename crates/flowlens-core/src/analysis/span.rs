//! Questions 2 and 3, "how long was it connected?": the first start, last end and
//! duration of an address's records (within the range and across all data), and its
//! sessions — runs of its flows separated by gaps shorter than a tolerance.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{each_flow_row, TimeRange, WINDOW_SECS};
use crate::flow::Dataset;

/// First start, last end and duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extent {
    /// Earliest start (Unix seconds).
    pub first_start: u32,
    /// Latest end (Unix seconds).
    pub last_end: u32,
    /// `last_end − first_start`.
    pub duration_secs: u32,
}

/// One session: flows whose gaps are shorter than the tolerance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Start of its first flow.
    pub start: u32,
    /// Latest end of its flows.
    pub end: u32,
    /// Records in it (both directions).
    pub flows: u64,
    /// Bytes in it (both directions).
    pub bytes: u64,
}

/// The span of one address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// The address.
    pub addr: String,
    /// Earliest start across all data.
    pub first_start: u32,
    /// Latest end across all data.
    pub last_end: u32,
    /// `last_end − first_start` across all data.
    pub duration_secs: u32,
    /// The same within the query's range (`None` when it has no flows there).
    pub in_range: Option<Extent>,
    /// Gap that separates sessions.
    pub session_gap_secs: u32,
    /// Sessions across all data, in time order: the first [`super::Query::top`].
    pub sessions: Vec<Session>,
    /// Sessions in all.
    pub sessions_total: u64,
}

/// The span of `addr` (records with it as srcaddr or dstaddr); `None` when it has no
/// timed flows at all. `gap_secs` defaults to twice the aggregation window.
pub fn span(
    dataset: &Dataset,
    addr: IpAddr,
    range: &TimeRange,
    gap_secs: Option<u32>,
    top: usize,
) -> Option<Span> {
    let table = &dataset.table;
    let id = table.addrs.lookup(addr)?;
    let gap = gap_secs.unwrap_or(2 * WINDOW_SECS);
    let mut flows: Vec<(u32, u32, u64, bool)> = Vec::new();
    each_flow_row(dataset, &TimeRange::ALL, |row| {
        if table.srcaddr(row) != id && table.dstaddr(row) != id {
            return;
        }
        let Some(start) = table.start_secs(row) else {
            return;
        };
        let end = table.end_secs(row).unwrap_or(start).max(start);
        let inside = range.contains(Some(start));
        flows.push((start, end, table.bytes(row).unwrap_or(0), inside));
    });
    if flows.is_empty() {
        return None;
    }
    flows.sort_unstable();
    let extent = |items: &mut dyn Iterator<Item = &(u32, u32, u64, bool)>| -> Option<Extent> {
        let mut first = u32::MAX;
        let mut last = 0;
        let mut any = false;
        for &(s, e, _, _) in items {
            first = first.min(s);
            last = last.max(e);
            any = true;
        }
        any.then(|| Extent {
            first_start: first,
            last_end: last,
            duration_secs: last - first,
        })
    };
    let all = extent(&mut flows.iter())?;
    let in_range = extent(&mut flows.iter().filter(|f| f.3));

    // Sessions past the first `top` are counted, not kept.
    let mut sessions: Vec<Session> = Vec::new();
    let mut current: Option<Session> = None;
    let mut sessions_total = 0u64;
    for &(start, end, bytes, _) in &flows {
        match current.as_mut() {
            Some(s) if start < s.end.saturating_add(gap) => {
                s.end = s.end.max(end);
                s.flows += 1;
                s.bytes = s.bytes.saturating_add(bytes);
            }
            _ => {
                if let Some(done) = current.take() {
                    if sessions.len() < top {
                        sessions.push(done);
                    }
                }
                sessions_total += 1;
                current = Some(Session {
                    start,
                    end,
                    flows: 1,
                    bytes,
                });
            }
        }
    }
    if let Some(done) = current {
        if sessions.len() < top {
            sessions.push(done);
        }
    }
    Some(Span {
        addr: addr.to_string(),
        first_start: all.first_start,
        last_end: all.last_end,
        duration_secs: all.duration_secs,
        in_range,
        session_gap_secs: gap,
        sessions,
        sessions_total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, ReadOptions};

    #[test]
    fn span_and_sessions_by_hand() {
        // Flows of 203.0.113.7 (both directions): [1000,1100], [1050,1200], [1300,1310]
        // (gap 100 < 1200: same session), then [5000,5050] (gap 3690: new session).
        let body = "\
srcaddr dstaddr bytes start end
203.0.113.7 10.0.0.1 10 1000 1100
10.0.0.1 203.0.113.7 20 1050 1200
10.0.0.1 203.0.113.7 30 1300 1310
203.0.113.7 10.0.0.1 40 5000 5050
10.0.0.1 10.0.0.2 99 0 99999
";
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        let addr = "203.0.113.7".parse().unwrap();
        let s = span(
            &ds,
            addr,
            &TimeRange {
                from: Some(1040),
                to: Some(2000),
            },
            None,
            1000,
        )
        .unwrap();
        assert_eq!(
            (s.first_start, s.last_end, s.duration_secs),
            (1000, 5050, 4050)
        );
        assert_eq!(
            s.in_range,
            Some(Extent {
                first_start: 1050,
                last_end: 1310,
                duration_secs: 260
            })
        );
        assert_eq!(
            s.sessions,
            vec![
                Session {
                    start: 1000,
                    end: 1310,
                    flows: 3,
                    bytes: 60
                },
                Session {
                    start: 5000,
                    end: 5050,
                    flows: 1,
                    bytes: 40
                },
            ]
        );
        assert_eq!(s.sessions_total, 2);
        // A tolerance of 50 s splits the third flow off (gap 100).
        let s = span(&ds, addr, &TimeRange::ALL, Some(50), 1000).unwrap();
        assert_eq!((s.sessions.len(), s.sessions_total), (3, 3));
        // Only the first two kept, all three counted.
        let s = span(&ds, addr, &TimeRange::ALL, Some(50), 2).unwrap();
        assert_eq!((s.sessions.len(), s.sessions_total), (2, 3));
        assert_eq!(s.sessions[1].start, 1300);
        assert!(span(&ds, "192.0.2.1".parse().unwrap(), &TimeRange::ALL, None, 10).is_none());
    }
}
