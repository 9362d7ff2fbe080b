//! `tcp-flags`, read once per hunt from the table's text column into one byte a row.
//!
//! AWS logs only FIN (1), SYN (2), RST (4) and SYN-ACK (18 = SYN | ACK), OR-ed over the
//! aggregation interval. A record's byte here is that value with [`KNOWN`] set, or 0
//! when the record has no flags (the default version-2 format has none, and `-`).

use crate::flow::FlowTable;

/// FIN.
pub const FIN: u8 = 1;
/// SYN.
pub const SYN: u8 = 2;
/// RST.
pub const RST: u8 = 4;
/// The ACK bit, which AWS logs only together with SYN.
pub const ACK: u8 = 16;
/// SYN-ACK as AWS writes it.
pub const SYN_ACK: u8 = SYN | ACK;
/// Set in a row's byte when the record had flags at all.
pub const KNOWN: u8 = 0x80;

/// True for a bare SYN (`flags & 18 == 2`): the opening packet of a connection.
#[inline]
pub fn is_bare_syn(flags: u8) -> bool {
    flags & KNOWN != 0 && flags & SYN_ACK == SYN
}

/// True when the flags carry SYN-ACK: the answer of a listening port.
#[inline]
pub fn is_syn_ack(flags: u8) -> bool {
    flags & KNOWN != 0 && flags & SYN_ACK == SYN_ACK
}

/// True when the flags carry FIN or RST: the connection closed in the interval.
#[inline]
pub fn is_closing(flags: u8) -> bool {
    flags & KNOWN != 0 && flags & (FIN | RST) != 0
}

/// The `tcp-flags` byte of every row (see the module comment), and how many rows had
/// flags; `None` when no record had the field.
pub fn tcp_flags(table: &FlowTable) -> Option<(Vec<u8>, u64)> {
    let runs = table.text_runs("tcp-flags")?;
    let len = table.len();
    let mut flags = vec![0u8; len];
    let mut known = 0u64;
    let mut runs = runs.peekable();
    while let Some((first, value)) = runs.next() {
        let until = runs.peek().map_or(len, |&(next, _)| next as usize).min(len);
        let from = (first as usize).min(until);
        let Some(byte) = value.and_then(parse) else {
            continue;
        };
        if let Some(rows) = flags.get_mut(from..until) {
            rows.fill(byte);
            known += rows.len() as u64;
        }
    }
    (known > 0).then_some((flags, known))
}

/// A `tcp-flags` value as the row byte; `None` when it is not a number.
fn parse(text: &str) -> Option<u8> {
    let value: u32 = text.trim().parse().ok()?;
    Some(KNOWN | (value & 0x3f) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, Dataset, ReadOptions};

    #[test]
    fn flags_by_row_and_their_meaning() {
        let text = "version srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags\n\
            3 10.0.0.1 10.0.0.2 40000 22 6 1 44 100 100 ACCEPT OK 2\n\
            3 10.0.0.2 10.0.0.1 22 40000 6 1 44 100 100 ACCEPT OK 18\n\
            3 10.0.0.2 10.0.0.1 22 40000 6 1 44 100 100 ACCEPT OK 18\n\
            3 10.0.0.1 10.0.0.2 40000 22 6 1 44 100 100 ACCEPT OK -\n\
            3 10.0.0.1 10.0.0.2 40000 22 6 1 44 100 100 ACCEPT OK 19\n\
            3 10.0.0.1 10.0.0.2 40000 22 6 1 44 100 100 ACCEPT OK 4\n";
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", text.as_bytes(), &ReadOptions::default());
        assert!(ds.diagnostics.is_empty(), "{:?}", ds.diagnostics);
        let (flags, known) = tcp_flags(&ds.table).unwrap();
        assert_eq!(known, 5);
        assert_eq!(
            flags,
            [KNOWN | 2, KNOWN | 18, KNOWN | 18, 0, KNOWN | 19, KNOWN | 4]
        );
        let cases = [
            (KNOWN | 2, true, false, false),
            (KNOWN | 3, true, false, true),
            (KNOWN | 18, false, true, false),
            (KNOWN | 19, false, true, true),
            (KNOWN | 4, false, false, true),
            (0, false, false, false),
            (2, false, false, false), // not KNOWN: no flags
        ];
        for (byte, bare, synack, closing) in cases {
            assert_eq!(is_bare_syn(byte), bare, "{byte}");
            assert_eq!(is_syn_ack(byte), synack, "{byte}");
            assert_eq!(is_closing(byte), closing, "{byte}");
        }
    }

    #[test]
    fn no_flags_column_is_none() {
        let text = "srcaddr dstaddr srcport dstport packets bytes start end\n10.0.0.1 10.0.0.2 1 2 3 4 5 6\n";
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", text.as_bytes(), &ReadOptions::default());
        assert!(tcp_flags(&ds.table).is_none());
    }
}
