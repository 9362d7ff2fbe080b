//! What every detector of a hunt reads: the table, which addresses are internal, the
//! `tcp-flags` bytes, the aggregation window and the data's time span.

use std::net::IpAddr;

use super::flags::tcp_flags;
use super::session::{Record, Session};
use crate::flow::addr::{is_private, Cidr};
use crate::flow::{AddrId, FlowTable};

/// Per-address class bits.
const INTERNAL: u8 = 1;
const IPV6: u8 = 2;

/// The shared, read-only facts of one hunt.
pub struct Context<'a> {
    /// The records.
    pub table: &'a FlowTable,
    /// Class bits by address id.
    class: Vec<u8>,
    /// `tcp-flags` bytes by row, when the data has them.
    pub flags: Option<Vec<u8>>,
    /// Rows that had `tcp-flags`.
    pub rows_with_flags: u64,
    /// The aggregation window (60 or 600 s).
    pub window_secs: u32,
    /// True when the window was inferred from the records, not given.
    pub window_inferred: bool,
    /// First start of the data.
    pub data_start: u32,
    /// Last end of the data.
    pub data_end: u32,
}

impl<'a> Context<'a> {
    /// The context of `table`: addresses that are private or inside `known` are
    /// internal; `window_secs` is inferred when `None`.
    pub fn new(table: &'a FlowTable, known: &[Cidr], window_secs: Option<u32>) -> Context<'a> {
        let mut class = vec![0u8; table.addrs.id_count()];
        for (id, addr) in table.addrs.iter() {
            if let Some(c) = class.get_mut(id.index()) {
                let internal = is_private(addr) || known.iter().any(|k| k.contains(addr));
                *c =
                    (if internal { INTERNAL } else { 0 }) | (if addr.is_ipv6() { IPV6 } else { 0 });
            }
        }
        let (flags, rows_with_flags) = match tcp_flags(table) {
            Some((f, n)) => (Some(f), n),
            None => (None, 0),
        };
        let (first, last) = table.time_extent();
        let inferred = window_secs.is_none();
        Context {
            table,
            class,
            flags,
            rows_with_flags,
            window_secs: window_secs.unwrap_or_else(|| infer_window_secs(table)),
            window_inferred: inferred,
            data_start: first.unwrap_or(0),
            data_end: last.unwrap_or(0),
        }
    }

    /// True for private addresses and those in the known networks.
    #[inline]
    pub fn internal(&self, id: AddrId) -> bool {
        self.class
            .get(id.index())
            .is_some_and(|c| c & INTERNAL != 0)
    }

    /// True for IPv6 addresses.
    #[inline]
    pub fn ipv6(&self, id: AddrId) -> bool {
        self.class.get(id.index()).is_some_and(|c| c & IPV6 != 0)
    }

    /// Number of address ids (for per-address columns).
    pub fn addr_count(&self) -> usize {
        self.class.len()
    }

    /// The text of an address.
    pub fn addr(&self, id: AddrId) -> String {
        self.table
            .addrs
            .get(id)
            .map_or_else(|| "-".to_string(), |a| a.to_string())
    }

    /// The address itself.
    pub fn ip(&self, id: AddrId) -> Option<IpAddr> {
        self.table.addrs.get(id)
    }

    /// `row` as the stitcher takes it.
    #[inline]
    pub fn record(&self, row: usize) -> Record {
        let t = self.table;
        let start = t.start_secs(row).unwrap_or(0);
        Record {
            row: row as u32,
            srcaddr: t.srcaddr(row),
            dstaddr: t.dstaddr(row),
            srcport: t.srcport(row).unwrap_or(0),
            dstport: t.dstport(row).unwrap_or(0),
            protocol: t.protocol(row).unwrap_or(0),
            start,
            end: t.end_secs(row).unwrap_or(start).max(start),
            bytes: t.bytes(row).unwrap_or(0),
            packets: t.packets(row).unwrap_or(0),
            flags: self
                .flags
                .as_ref()
                .and_then(|f| f.get(row).copied())
                .unwrap_or(0),
            action: t.action(row),
        }
    }

    /// A session as evidence.
    pub fn session_out(&self, s: &Session) -> super::SessionOut {
        let flags = |f: u8| (f & super::flags::KNOWN != 0).then_some(f & 0x3f);
        super::SessionOut {
            start: s.start,
            end: s.end,
            src: self.addr(s.src),
            srcport: s.srcport,
            dst: self.addr(s.dst),
            dstport: s.dstport,
            protocol: s.protocol,
            bytes_out: s.bytes_out,
            bytes_back: s.bytes_back,
            packets_out: s.packets_out,
            packets_back: s.packets_back,
            action: s.action_str().to_string(),
            records: s.records,
            tcp_flags_out: flags(s.flags_out),
            tcp_flags_back: flags(s.flags_back),
        }
    }

    /// The /24 (IPv4) or /64 (IPv6) of an address, as a key.
    pub fn prefix(&self, id: AddrId) -> Option<u128> {
        match self.ip(id)? {
            IpAddr::V4(v4) => Some(u128::from(u32::from(v4) >> 8)),
            IpAddr::V6(v6) => Some((u128::from(v6) >> 64) | 1 << 127),
        }
    }
}

/// 600 s when some record spans more than 90 s (only a 10-minute interval allows it),
/// else 60 s.
fn infer_window_secs(table: &FlowTable) -> u32 {
    let long = (0..table.len()).any(|row| {
        matches!((table.start_secs(row), table.end_secs(row)), (Some(s), Some(e)) if e > s + 90)
    });
    if long {
        600
    } else {
        60
    }
}
