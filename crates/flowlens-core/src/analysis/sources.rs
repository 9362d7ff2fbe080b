//! Question 1, "who talked to it?": every distinct source address in a range with
//! its flows, packets, bytes both ways, first start, last end and class.
//!
//! A busy week has millions of distinct sources (internet scanners), so the answer is
//! a [`SourcesTable`]: one column per measure over the sources only, built in one pass
//! over the records, from which the report takes the top N ([`SourcesTable::top`]),
//! the page takes one sorted, filtered page at a time ([`SourcesTable::page`]) and the
//! exports stream every row ([`SourcesTable::rows`]) without ever holding them all as
//! strings.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{each_flow_row, TimeRange};
use crate::flow::addr::{classify, AddrClass, AddrTable, Cidr};
use crate::flow::{AddrId, Dataset};

/// One row of the sources table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
}

/// The sources of the report: the top rows by bytes sent, and what all of them add up
/// to, so a list cut at N still says how much there is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sources {
    /// Distinct source addresses in the range.
    pub total: u64,
    /// The first rows by bytes sent (then address): at most the query's `top`.
    pub rows: Vec<Source>,
    /// Sums over every source.
    pub totals: SourceTotals,
}

/// Sums over every source of a range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceTotals {
    /// Flows (records that are flows) in the range.
    pub flows: u64,
    /// Their packets.
    pub packets: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Sources of each class.
    pub private: u64,
    /// Sources in the user's known networks.
    pub known: u64,
    /// Other public sources.
    pub public: u64,
}

/// A column to sort the sources by. Ties are broken by address, ascending.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceSort {
    /// The address (IPv4 before IPv6, numerically).
    Addr,
    /// private, known, public.
    Class,
    /// Records sent.
    Flows,
    /// Packets sent.
    Packets,
    /// Bytes sent (the report's order, descending).
    #[default]
    BytesSent,
    /// Bytes received.
    BytesReceived,
    /// First start.
    FirstStart,
    /// Last end.
    LastEnd,
}

impl SourceSort {
    /// Every column, in the table's order.
    pub const ALL: [SourceSort; 8] = [
        SourceSort::Addr,
        SourceSort::Class,
        SourceSort::Flows,
        SourceSort::Packets,
        SourceSort::BytesSent,
        SourceSort::BytesReceived,
        SourceSort::FirstStart,
        SourceSort::LastEnd,
    ];
}

/// Which sources to show: all conditions given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFilter {
    /// Only this class.
    pub class: Option<AddrClass>,
    /// Only addresses whose text contains this (e.g. `201.48.` or `:db8:`).
    pub text: Option<String>,
    /// Only addresses inside this block (CIDR text, e.g. `201.48.16.0/24`).
    pub cidr: Option<String>,
}

impl SourceFilter {
    /// True when nothing is filtered out.
    pub fn is_empty(&self) -> bool {
        self.class.is_none()
            && self.text.as_deref().is_none_or(str::is_empty)
            && self.cidr.as_deref().is_none_or(str::is_empty)
    }

    /// The filter ready to test addresses; `Err` names a malformed CIDR.
    fn compile(&self) -> Result<Compiled, String> {
        let cidr = match self.cidr.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(Cidr::parse(text)?),
        };
        Ok(Compiled {
            class: self.class,
            text: self
                .text
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_ascii_lowercase),
            cidr,
            buffer: String::new(),
        })
    }
}

struct Compiled {
    class: Option<AddrClass>,
    text: Option<String>,
    cidr: Option<Cidr>,
    buffer: String,
}

impl Compiled {
    fn accepts(&mut self, ip: IpAddr, class: AddrClass) -> bool {
        if self.class.is_some_and(|c| c != class) {
            return false;
        }
        if self.cidr.as_ref().is_some_and(|c| !c.contains(ip)) {
            return false;
        }
        match &self.text {
            None => true,
            Some(text) => {
                self.buffer.clear();
                let _ = write!(self.buffer, "{ip}");
                self.buffer.contains(text.as_str())
            }
        }
    }
}

/// One page of the sources, sorted and filtered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourcePage {
    /// Sources that pass the filter.
    pub matching: u64,
    /// Index of the first row among them.
    pub offset: u64,
    /// The rows.
    pub rows: Vec<Source>,
}

/// A missing first start or last end in [`SourcesTable`]'s time columns.
const NO_TIME: u32 = u32::MAX;

/// Every source of a range, one column per measure (the sources only: addresses that
/// only received are not rows).
#[derive(Clone, Debug, Default)]
pub struct SourcesTable {
    ids: Vec<AddrId>,
    class: Vec<AddrClass>,
    flows: Vec<u64>,
    packets: Vec<u64>,
    bytes_sent: Vec<u64>,
    bytes_received: Vec<u64>,
    first_start: Vec<u32>,
    last_end: Vec<u32>,
    totals: SourceTotals,
}

impl SourcesTable {
    /// The sources of `range`, in one pass over its flows.
    pub fn new(dataset: &Dataset, range: &TimeRange, known: &[Cidr]) -> SourcesTable {
        let table = &dataset.table;
        /// One address's sums while counting: together, so that a row's updates
        /// touch one or two cache lines rather than one per measure (with millions
        /// of addresses, each measure's column is tens of MB).
        #[derive(Clone, Copy)]
        struct Sums {
            flows: u64,
            packets: u64,
            sent: u64,
            received: u64,
            first: u32,
            last: u32,
        }
        impl Sums {
            fn times(&mut self, start: Option<u32>, end: Option<u32>) {
                if let Some(s) = start {
                    self.first = self.first.min(s);
                }
                if let Some(e) = end {
                    self.last = if self.last == NO_TIME {
                        e
                    } else {
                        self.last.max(e)
                    };
                }
            }
        }
        // Dense by address id while counting, then kept for the sources only.
        let empty = Sums {
            flows: 0,
            packets: 0,
            sent: 0,
            received: 0,
            first: NO_TIME,
            last: NO_TIME,
        };
        let mut sums = vec![empty; table.addrs.id_count()];
        let mut totals = SourceTotals::default();
        each_flow_row(dataset, range, |row| {
            let (src, dst) = (table.srcaddr(row).index(), table.dstaddr(row).index());
            let (start, end) = (table.start_secs(row), table.end_secs(row));
            let bytes = table.bytes(row).unwrap_or(0);
            let pkts = table.packets(row).unwrap_or(0);
            totals.flows += 1;
            totals.packets = totals.packets.saturating_add(pkts);
            totals.bytes = totals.bytes.saturating_add(bytes);
            if let Some(s) = sums.get_mut(src) {
                s.flows += 1;
                s.packets = s.packets.saturating_add(pkts);
                s.sent = s.sent.saturating_add(bytes);
                s.times(start, end);
            }
            if let Some(d) = sums.get_mut(dst) {
                d.received = d.received.saturating_add(bytes);
                d.times(start, end);
            }
        });
        let mut out = SourcesTable::default();
        let sources = sums.iter().filter(|s| s.flows > 0).count();
        out.reserve(sources);
        for (id, ip) in table.addrs.iter() {
            let Some(s) = sums.get(id.index()).filter(|s| s.flows > 0) else {
                continue;
            };
            let class = classify(ip, known);
            match class {
                AddrClass::Private => totals.private += 1,
                AddrClass::Known => totals.known += 1,
                AddrClass::Public => totals.public += 1,
            }
            out.ids.push(id);
            out.class.push(class);
            out.flows.push(s.flows);
            out.packets.push(s.packets);
            out.bytes_sent.push(s.sent);
            out.bytes_received.push(s.received);
            out.first_start.push(s.first);
            out.last_end.push(s.last);
        }
        out.totals = totals;
        out
    }

    /// Room for `n` sources in every column.
    fn reserve(&mut self, n: usize) {
        self.ids.reserve_exact(n);
        self.class.reserve_exact(n);
        self.flows.reserve_exact(n);
        self.packets.reserve_exact(n);
        self.bytes_sent.reserve_exact(n);
        self.bytes_received.reserve_exact(n);
        self.first_start.reserve_exact(n);
        self.last_end.reserve_exact(n);
    }

    /// Number of sources.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when the range has no sources.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Sums over every source.
    pub fn totals(&self) -> SourceTotals {
        self.totals
    }

    /// Bytes of memory the table holds.
    pub fn heap_bytes(&self) -> usize {
        self.ids.capacity() * (4 + 1 + 8 * 4 + 4 * 2)
    }

    fn time(column: &[u32], i: usize) -> Option<u32> {
        column.get(i).copied().filter(|&t| t != NO_TIME)
    }

    /// The row at index `i` (as [`SourcesTable::order`] lists them).
    pub fn row(&self, addrs: &AddrTable, i: usize) -> Option<Source> {
        let ip = addrs.get(*self.ids.get(i)?)?;
        Some(Source {
            addr: ip.to_string(),
            class: self.class[i],
            flows: self.flows[i],
            packets: self.packets[i],
            bytes_sent: self.bytes_sent[i],
            bytes_received: self.bytes_received[i],
            first_start: Self::time(&self.first_start, i),
            last_end: Self::time(&self.last_end, i),
            geo: None,
        })
    }

    /// Compares rows `a` and `b` by `sort` (descending when asked), then by address.
    fn compare(
        &self,
        addrs: &AddrTable,
        sort: SourceSort,
        descending: bool,
        a: usize,
        b: usize,
    ) -> Ordering {
        let addr = |i: usize| self.ids.get(i).and_then(|&id| addrs.get(id));
        // A missing time sorts after every time, whichever the direction.
        let time = |column: &[u32]| {
            let (x, y) = (column[a], column[b]);
            match (x == NO_TIME, y == NO_TIME) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) if descending => y.cmp(&x),
                (false, false) => x.cmp(&y),
            }
        };
        let flip = |o: Ordering| if descending { o.reverse() } else { o };
        let primary = match sort {
            SourceSort::Addr => flip(addr(a).cmp(&addr(b))),
            SourceSort::Class => flip(self.class[a].cmp(&self.class[b])),
            SourceSort::Flows => flip(self.flows[a].cmp(&self.flows[b])),
            SourceSort::Packets => flip(self.packets[a].cmp(&self.packets[b])),
            SourceSort::BytesSent => flip(self.bytes_sent[a].cmp(&self.bytes_sent[b])),
            SourceSort::BytesReceived => flip(self.bytes_received[a].cmp(&self.bytes_received[b])),
            SourceSort::FirstStart => time(&self.first_start),
            SourceSort::LastEnd => time(&self.last_end),
        };
        primary.then_with(|| addr(a).cmp(&addr(b)))
    }

    /// Every row index sorted by `sort` (descending when asked), ties by address: what
    /// [`SourcesTable::page`] walks. The page's worker keeps one per sort it was asked.
    pub fn order(&self, addrs: &AddrTable, sort: SourceSort, descending: bool) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            self.compare(addrs, sort, descending, a as usize, b as usize)
        });
        order
    }

    /// The first `n` row indexes by bytes sent (descending), then address: the report's
    /// rows, selected without sorting the whole table.
    pub fn top(&self, addrs: &AddrTable, n: usize) -> Vec<u32> {
        self.first(addrs, SourceSort::BytesSent, true, n)
    }

    /// The first `n` row indexes of [`SourcesTable::order`], selected without sorting
    /// the whole table (linear in the sources, where the sort is not).
    pub fn first(
        &self,
        addrs: &AddrTable,
        sort: SourceSort,
        descending: bool,
        n: usize,
    ) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        let cmp =
            |a: &u32, b: &u32| self.compare(addrs, sort, descending, *a as usize, *b as usize);
        if n == 0 {
            return Vec::new();
        }
        if order.len() > n {
            order.select_nth_unstable_by(n - 1, cmp);
            order.truncate(n);
        }
        order.sort_unstable_by(cmp);
        order
    }

    /// The report's part: the top `n` rows and the totals.
    pub fn report(&self, addrs: &AddrTable, n: usize) -> Sources {
        Sources {
            total: self.len() as u64,
            rows: self.rows(addrs, &self.top(addrs, n)).collect(),
            totals: self.totals,
        }
    }

    /// The rows of `order`, made one at a time (for streaming exports).
    pub fn rows<'a>(
        &'a self,
        addrs: &'a AddrTable,
        order: &'a [u32],
    ) -> impl Iterator<Item = Source> + 'a {
        order
            .iter()
            .filter_map(move |&i| self.row(addrs, i as usize))
    }

    /// One page of the rows of `order` that pass `filter`: `limit` rows from the
    /// `offset`-th match, and how many match in all. `Err` names a malformed CIDR.
    pub fn page(
        &self,
        addrs: &AddrTable,
        order: &[u32],
        filter: &SourceFilter,
        offset: u64,
        limit: usize,
    ) -> Result<SourcePage, String> {
        let mut rows = Vec::new();
        if filter.is_empty() {
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(order.len());
            let end = start.saturating_add(limit).min(order.len());
            rows.extend(self.rows(addrs, order.get(start..end).unwrap_or_default()));
            return Ok(SourcePage {
                matching: order.len() as u64,
                offset,
                rows,
            });
        }
        let mut compiled = filter.compile()?;
        let mut matching = 0u64;
        for &i in order {
            let i = i as usize;
            let (Some(&id), Some(&class)) = (self.ids.get(i), self.class.get(i)) else {
                continue;
            };
            let Some(ip) = addrs.get(id) else {
                continue;
            };
            if !compiled.accepts(ip, class) {
                continue;
            }
            if matching >= offset && rows.len() < limit {
                rows.extend(self.row(addrs, i));
            }
            matching += 1;
        }
        Ok(SourcePage {
            matching,
            offset,
            rows,
        })
    }
}

/// The sources of `range` for the report: the top `n` by bytes sent, with totals.
pub fn sources(dataset: &Dataset, range: &TimeRange, known: &[Cidr], n: usize) -> Sources {
    SourcesTable::new(dataset, range, known).report(&dataset.table.addrs, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, ReadOptions};

    fn dataset() -> Dataset {
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
        ds
    }

    /// A row as (address, class, flows, packets, bytes sent, bytes received, first
    /// start, last end).
    type Row<'a> = (
        &'a str,
        AddrClass,
        u64,
        u64,
        u64,
        u64,
        Option<u32>,
        Option<u32>,
    );

    fn summary(rows: &[Source]) -> Vec<Row<'_>> {
        rows.iter()
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
            .collect()
    }

    #[test]
    fn hand_made_sources() {
        let ds = dataset();
        let known = [Cidr::parse("10.0.0.9").unwrap()];
        let s = sources(&ds, &TimeRange::ALL, &known, 1000);
        assert_eq!(
            summary(&s.rows),
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
        // 10.0.0.9 is private before it is known (private wins, as classify says).
        assert_eq!(s.total, 3);
        assert_eq!(
            s.totals,
            SourceTotals {
                flows: 4,
                packets: 7,
                bytes: 5130,
                private: 2,
                known: 0,
                public: 1
            }
        );
        // The range follows record starts: [150, 650) holds only the 3000-byte flow.
        let s = sources(
            &ds,
            &TimeRange {
                from: Some(150),
                to: Some(650),
            },
            &[],
            1000,
        );
        assert_eq!(s.rows.len(), 1);
        assert_eq!(
            (s.rows[0].addr.as_str(), s.rows[0].bytes_sent),
            ("10.0.0.5", 3000)
        );
    }

    /// A table of many sources checked against a plain recount of the records: top-N,
    /// every sort and the filters.
    #[test]
    fn top_pages_and_filters_agree_with_a_recount() {
        let mut body = String::from("srcaddr dstaddr bytes start end\n");
        // 300 sources: 198.51.100.x and 203.0.113.x and 2001:db8::x, each sending
        // (i * 37) % 101 bytes once or twice.
        let mut want: Vec<(IpAddr, u64, u64)> = Vec::new();
        for i in 0..300u64 {
            let addr: IpAddr = match i % 3 {
                0 => format!("198.51.100.{}", i / 3).parse().unwrap(),
                1 => format!("203.0.113.{}", i / 3).parse().unwrap(),
                _ => format!("2001:db8::{:x}", i).parse().unwrap(),
            };
            let bytes = (i * 37) % 101;
            let times = 1 + i % 2;
            for t in 0..times {
                body.push_str(&format!(
                    "{addr} 10.0.0.1 {bytes} {} {}\n",
                    1000 + i + t,
                    2000 + i
                ));
            }
            want.push((addr, times, bytes * times));
        }
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        let table = SourcesTable::new(&ds, &TimeRange::ALL, &[]);
        let addrs = &ds.table.addrs;
        assert_eq!(table.len(), 300);

        // Top 25 by bytes sent, ties by address: the same as sorting the recount.
        let mut expected = want.clone();
        expected.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        let top: Vec<(String, u64)> = table
            .rows(addrs, &table.top(addrs, 25))
            .map(|s| (s.addr, s.bytes_sent))
            .collect();
        let expected_top: Vec<(String, u64)> = expected
            .iter()
            .take(25)
            .map(|w| (w.0.to_string(), w.2))
            .collect();
        assert_eq!(top, expected_top);

        // Sorted by flows ascending, then address; paged 40 at a time from offset 100.
        let order = table.order(addrs, SourceSort::Flows, false);
        let page = table
            .page(addrs, &order, &SourceFilter::default(), 100, 40)
            .unwrap();
        let mut by_flows = want.clone();
        by_flows.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        let got: Vec<String> = page.rows.iter().map(|s| s.addr.clone()).collect();
        let expected: Vec<String> = by_flows[100..140].iter().map(|w| w.0.to_string()).collect();
        assert_eq!((page.matching, got), (300, expected));

        // Filters: a CIDR, text, and both with a class; past the end is empty.
        let order = table.order(addrs, SourceSort::Addr, false);
        let filter = |cidr: Option<&str>, text: Option<&str>| SourceFilter {
            class: Some(AddrClass::Public),
            text: text.map(str::to_string),
            cidr: cidr.map(str::to_string),
        };
        let page = table
            .page(
                addrs,
                &order,
                &filter(Some("203.0.113.0/24"), None),
                0,
                1000,
            )
            .unwrap();
        assert_eq!(page.matching, 100);
        assert!(page.rows.iter().all(|s| s.addr.starts_with("203.0.113.")));
        // Text is matched case-insensitively on the address as written.
        let page = table
            .page(addrs, &order, &filter(None, Some(":DB8:")), 0, 10)
            .unwrap();
        assert_eq!((page.matching, page.rows.len()), (100, 10));
        let page = table
            .page(
                addrs,
                &order,
                &SourceFilter {
                    text: Some("DB8::1".into()),
                    ..SourceFilter::default()
                },
                0,
                1000,
            )
            .unwrap();
        let expected = want
            .iter()
            .filter(|w| w.0.to_string().contains("db8::1"))
            .count() as u64;
        assert_eq!(page.matching, expected);
        let page = table
            .page(addrs, &order, &SourceFilter::default(), 1000, 10)
            .unwrap();
        assert_eq!((page.matching, page.rows.len()), (300, 0));
        let bad = SourceFilter {
            cidr: Some("300.1.2.3/8".into()),
            ..SourceFilter::default()
        };
        assert!(table.page(addrs, &order, &bad, 0, 10).is_err());
    }
}
