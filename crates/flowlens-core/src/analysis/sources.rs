//! Question 1, "who talked to it?": every distinct source address in a range with
//! its flows, packets, bytes both ways, first start, last end and class.

use std::net::IpAddr;

use serde::Serialize;

use super::{flow_rows, TimeRange};
use crate::flow::addr::{classify, AddrClass, Cidr};
use crate::flow::Dataset;

/// One row of the sources table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Source {
    /// The address.
    pub addr: String,
    /// private, known or public.
    pub class: AddrClass,
    /// Records with this address as srcaddr.
    pub flows: u64,
    /// Packets it sent.
    pub packets: u64,
    /// Bytes it sent (records with it as srcaddr).
    pub bytes_sent: u64,
    /// Bytes it received (records with it as dstaddr).
    pub bytes_received: u64,
    /// Earliest start of a record with it on either side.
    pub first_start: Option<u32>,
    /// Latest end of a record with it on either side.
    pub last_end: Option<u32>,
    /// Country and autonomous system, when an address table was given
    /// ([`crate::geo::annotate`]); `null` otherwise.
    pub geo: Option<crate::geo::Geo>,
    /// Parsed address, for sorting and lookups (not in the report).
    #[serde(skip)]
    pub ip: Option<IpAddr>,
}

#[derive(Clone, Copy, Default)]
struct Acc {
    flows: u64,
    packets: u64,
    bytes_sent: u64,
    bytes_received: u64,
    first_start: Option<u32>,
    last_end: Option<u32>,
}

impl Acc {
    fn times(&mut self, start: Option<u32>, end: Option<u32>) {
        if let Some(s) = start {
            self.first_start = Some(self.first_start.map_or(s, |f| f.min(s)));
        }
        if let Some(e) = end {
            self.last_end = Some(self.last_end.map_or(e, |l| l.max(e)));
        }
    }
}

/// The sources in `range`, sorted by bytes sent (descending), then address.
pub fn sources(dataset: &Dataset, range: &TimeRange, known: &[Cidr]) -> Vec<Source> {
    let table = &dataset.table;
    let mut acc = vec![Acc::default(); table.addrs.id_count()];
    let mut is_source = vec![false; table.addrs.id_count()];
    for row in flow_rows(dataset, range) {
        let (src, dst) = (table.srcaddr(row).index(), table.dstaddr(row).index());
        let (start, end) = (table.start_secs(row), table.end_secs(row));
        let bytes = table.bytes(row).unwrap_or(0);
        if let Some(a) = acc.get_mut(src) {
            a.flows += 1;
            a.packets = a.packets.saturating_add(table.packets(row).unwrap_or(0));
            a.bytes_sent = a.bytes_sent.saturating_add(bytes);
            a.times(start, end);
        }
        if let Some(flag) = is_source.get_mut(src) {
            *flag = true;
        }
        if let Some(a) = acc.get_mut(dst) {
            a.bytes_received = a.bytes_received.saturating_add(bytes);
            a.times(start, end);
        }
    }
    let mut rows: Vec<Source> = table
        .addrs
        .iter()
        .filter(|(id, _)| is_source.get(id.index()).copied().unwrap_or(false))
        .filter_map(|(id, ip)| {
            let a = acc.get(id.index())?;
            Some(Source {
                addr: ip.to_string(),
                class: classify(ip, known),
                flows: a.flows,
                packets: a.packets,
                bytes_sent: a.bytes_sent,
                bytes_received: a.bytes_received,
                first_start: a.first_start,
                last_end: a.last_end,
                geo: None,
                ip: Some(ip),
            })
        })
        .collect();
    rows.sort_by(|a, b| b.bytes_sent.cmp(&a.bytes_sent).then(a.ip.cmp(&b.ip)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, ReadOptions};

    #[test]
    fn hand_made_sources() {
        let body = "\
srcaddr dstaddr srcport dstport packets bytes start end log-status
10.0.0.5 201.48.16.81 3306 50000 2 2000 100 160 OK
201.48.16.81 10.0.0.5 50000 3306 1 60 100 150 OK
10.0.0.5 201.48.16.81 3306 50000 3 3000 200 290 OK
10.0.0.9 10.0.0.5 40000 3306 1 70 700 710 OK
- - - - - - 100 700 NODATA
";
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        let known = [Cidr::parse("10.0.0.9").unwrap()];
        let rows = sources(&ds, &TimeRange::ALL, &known);
        let got: Vec<_> = rows
            .iter()
            .map(|s| {
                (
                    s.addr.as_str(),
                    s.class,
                    s.flows,
                    s.packets,
                    s.bytes_sent,
                    s.bytes_received,
                    s.first_start,
                    s.last_end,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "10.0.0.5",
                    AddrClass::Private,
                    2,
                    5,
                    5000,
                    130,
                    Some(100),
                    Some(710)
                ),
                (
                    "10.0.0.9",
                    AddrClass::Private,
                    1,
                    1,
                    70,
                    0,
                    Some(700),
                    Some(710)
                ),
                (
                    "201.48.16.81",
                    AddrClass::Public,
                    1,
                    1,
                    60,
                    5000,
                    Some(100),
                    Some(290)
                ),
            ]
        );
        // The range follows record starts: [150, 650) holds only the 3000-byte flow.
        let rows = sources(
            &ds,
            &TimeRange {
                from: Some(150),
                to: Some(650),
            },
            &[],
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].addr.as_str(), rows[0].bytes_sent),
            ("10.0.0.5", 3000)
        );
    }
}
