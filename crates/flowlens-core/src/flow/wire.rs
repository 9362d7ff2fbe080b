//! A compact binary encoding of a [`Dataset`], to move a file's parsed records between
//! threads (the page's parse workers send each file they read to the worker that owns
//! the data set, as a transferred `ArrayBuffer`).
//!
//! The layout is the table's own columnar one, little-endian, no compression:
//! `FLW3`, then the table (row count, addresses in id order, the eleven fixed-width
//! columns one after the other, the values too large for their column (`packets`,
//! `bytes`, `end`: a count, then `(row, value)` pairs), the text columns with their values and runs), the file
//! summaries, the diagnostics, the record-limit flag and the format changes. Strings
//! are a `u32` length and UTF-8 bytes.
//!
//! [`decode`] trusts nothing: every count is checked against the bytes left before
//! anything is allocated, every id and row against what it refers to, so truncated or
//! hostile bytes give a [`WireError`], never a panic or a table with dangling ids.
//! Decoding gives back the same ids (addresses and text values are interned in their
//! encoded order into a fresh table); [`Dataset::append`] then remaps them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::addr::AddrId;
use super::dataset::{Dataset, FileSummary};
use super::diagnostic::{Diagnostic, DiagnosticKind, Severity};
use super::field::Field;
use super::form::{Form, FormatSource};
use super::format::{Column, Format};
use super::table::{Columns, FlowTable, Overflow, TextColumn};

/// The first bytes of every encoding (the `3` is the layout's version).
const MAGIC: &[u8; 4] = b"FLW3";

/// Bytes that cannot be decoded, with where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    /// Byte offset where decoding stopped.
    pub offset: usize,
    /// What was wrong.
    pub reason: String,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad encoded data at byte {}: {}",
            self.offset, self.reason
        )
    }
}

impl std::error::Error for WireError {}

/// Encodes `dataset` (see the module documentation for the layout).
pub fn encode(dataset: &Dataset) -> Vec<u8> {
    let table = &dataset.table;
    let rows = table.len();
    // The fixed columns dominate; the rest is small.
    let mut out = Vec::with_capacity(64 + rows * Columns::ROW_BYTES + table.addrs.id_count() * 17);
    out.extend_from_slice(MAGIC);
    put_u32(&mut out, rows as u32);
    // Addresses, ids 1.. in order (0 is the missing address).
    put_u32(&mut out, table.addrs.id_count().saturating_sub(1) as u32);
    for i in 1..table.addrs.id_count() {
        match table.addrs.get(AddrId(i as u32)) {
            Some(IpAddr::V4(v4)) => {
                out.push(4);
                out.extend_from_slice(&v4.octets());
            }
            Some(IpAddr::V6(v6)) => {
                out.push(6);
                out.extend_from_slice(&v6.octets());
            }
            // Ids are dense: there is no hole to encode.
            None => out.push(0),
        }
    }
    table.cols.encode(&mut out);
    let overflow = &table.overflow;
    for list in [&overflow.packets, &overflow.bytes] {
        put_u32(&mut out, list.len() as u32);
        for &(row, value) in list {
            put_u32(&mut out, row);
            out.extend_from_slice(&value.to_le_bytes());
        }
    }
    put_u32(&mut out, overflow.end.len() as u32);
    for &(row, end) in &overflow.end {
        put_u32(&mut out, row);
        put_u32(&mut out, end);
    }
    put_u32(&mut out, table.text.len() as u32);
    for (name, column) in &table.text {
        put_str(&mut out, name);
        let strings = &column.values.strings;
        put_u32(&mut out, strings.len().saturating_sub(1) as u32);
        for s in strings.iter().skip(1) {
            put_str(&mut out, s);
        }
        put_u32(&mut out, column.runs.len() as u32);
        for &(first, id) in &column.runs {
            put_u32(&mut out, first);
            put_u32(&mut out, id);
        }
    }
    put_u32(&mut out, dataset.files.len() as u32);
    for f in &dataset.files {
        put_str(&mut out, &f.name);
        put_u64(&mut out, f.bytes_read);
        put_u64(&mut out, f.text_bytes);
        out.push(u8::from(f.gzip));
        out.push(f.form.code());
        out.push(u8::from(f.member));
        match f.content_hash {
            Some(hash) => {
                out.push(1);
                out.extend_from_slice(&hash.to_le_bytes());
            }
            None => out.push(0),
        }
        out.push(f.format_source.code());
        put_u64(&mut out, f.records);
        put_u64(&mut out, f.nodata);
        put_u64(&mut out, f.skipdata);
        put_u64(&mut out, f.bad_lines);
        put_u64(&mut out, f.folded);
        match f.window_start {
            Some(w) => {
                out.push(1);
                put_u32(&mut out, w);
            }
            None => out.push(0),
        }
        out.push(u8::from(f.complete));
        put_u32(&mut out, f.first_row);
    }
    put_u32(&mut out, dataset.diagnostics.len() as u32);
    for d in &dataset.diagnostics {
        let kind = DiagnosticKind::ALL.iter().position(|k| *k == d.kind);
        out.push(kind.unwrap_or(0) as u8);
        out.push(d.severity as u8);
        put_str(&mut out, &d.file);
        for position in [d.line, d.byte] {
            match position {
                Some(at) => {
                    out.push(1);
                    put_u64(&mut out, at);
                }
                None => out.push(0),
            }
        }
        put_str(&mut out, &d.message);
    }
    out.push(u8::from(dataset.limit_reached));
    put_u64(&mut out, dataset.folded);
    put_u32(&mut out, dataset.formats.len() as u32);
    for (row, format) in &dataset.formats {
        put_u32(&mut out, *row);
        put_u32(&mut out, format.columns().len() as u32);
        for column in format.columns() {
            match column {
                Column::Known(field) => {
                    out.push(0);
                    let index = Field::ALL.iter().position(|f| f == field).unwrap_or(0);
                    out.push(index as u8);
                }
                Column::Unknown(name) => {
                    out.push(1);
                    put_str(&mut out, name);
                }
            }
        }
    }
    out
}

/// The overflow lists as [`encode`] wrote them: rows ascending, each below `rows`.
fn decode_overflow(r: &mut Reader<'_>, rows: usize) -> Result<Overflow, WireError> {
    fn rows_ascending<T>(r: &Reader<'_>, list: &[(u32, T)], rows: usize) -> Result<(), WireError> {
        let ascending = list.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0));
        if !ascending || list.last().is_some_and(|&(row, _)| row as usize >= rows) {
            return Err(r.error("an overflow row out of order or beyond the table"));
        }
        Ok(())
    }
    let mut wide = || -> Result<Vec<(u32, u64)>, WireError> {
        let count = r.count(12)?;
        let mut list = Vec::with_capacity(count);
        for _ in 0..count {
            list.push((r.u32()?, u64::from_le_bytes(r.array::<8>()?)));
        }
        rows_ascending(r, &list, rows)?;
        Ok(list)
    };
    let packets = wide()?;
    let bytes = wide()?;
    let count = r.count(8)?;
    let mut end = Vec::with_capacity(count);
    for _ in 0..count {
        end.push((r.u32()?, r.u32()?));
    }
    rows_ascending(r, &end, rows)?;
    Ok(Overflow {
        packets,
        bytes,
        end,
    })
}

/// Decodes what [`encode`] wrote; any other bytes give an error.
pub fn decode(bytes: &[u8]) -> Result<Dataset, WireError> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4)? != MAGIC {
        return Err(r.error("not flowlens encoded data (wrong magic)"));
    }
    let rows = r.u32()? as usize;
    let mut table = FlowTable::default();
    let addr_count = r.count(5)?;
    if table.addrs.try_reserve(addr_count).is_err() {
        return Err(r.error("no memory for the address table"));
    }
    for i in 0..addr_count {
        let addr = match r.u8()? {
            4 => IpAddr::V4(Ipv4Addr::from(r.array::<4>()?)),
            6 => IpAddr::V6(Ipv6Addr::from(r.array::<16>()?)),
            _ => return Err(r.error("unknown address family")),
        };
        if table.addrs.intern(addr).0 as usize != i + 1 {
            return Err(r.error("an address appears twice"));
        }
    }
    // Check the whole fixed part is there before allocating any column.
    if r.left() / Columns::ROW_BYTES < rows {
        return Err(r.error("fewer bytes than the row count needs"));
    }
    table.cols = Columns::decode(rows, |n| r.take(n))?;
    table.overflow = decode_overflow(&mut r, rows)?;
    let ids = table.addrs.id_count() as u32;
    for column in [&table.cols.srcaddr, &table.cols.dstaddr] {
        if column.iter().any(|a| a.0 >= ids) {
            return Err(r.error("an address id beyond the address table"));
        }
    }
    let text_count = r.count(12)?;
    for _ in 0..text_count {
        let name = r.string()?;
        if table.text.iter().any(|(n, _)| *n == name) {
            return Err(r.error("a text column appears twice"));
        }
        let mut column = TextColumn::default();
        let value_count = r.count(4)?;
        for i in 0..value_count {
            let value = r.string()?;
            if column.values.intern(&value) as usize != i + 1 {
                return Err(r.error("a text value appears twice"));
            }
        }
        let run_count = r.count(8)?;
        let mut runs = Vec::with_capacity(run_count);
        for _ in 0..run_count {
            let (first, id) = (r.u32()?, r.u32()?);
            if first as usize > rows || id as usize > value_count {
                return Err(r.error("a text run beyond the rows or the values"));
            }
            if runs.last().is_some_and(|&(last, _)| last >= first) {
                return Err(r.error("text runs out of order"));
            }
            runs.push((first, id));
        }
        column.runs = runs;
        table.text.push((name, column));
    }
    let mut dataset = Dataset {
        table,
        ..Dataset::default()
    };
    let file_count = r.count(60)?;
    for _ in 0..file_count {
        let name = r.string()?;
        let bytes_read = r.u64()?;
        let text_bytes = r.u64()?;
        let gzip = r.flag()?;
        let form = Form::from_code(r.u8()?).ok_or_else(|| r.error("unknown form"))?;
        let member = r.flag()?;
        let content_hash = if r.flag()? {
            Some(u128::from_le_bytes(r.array::<16>()?))
        } else {
            None
        };
        let format_source =
            FormatSource::from_code(r.u8()?).ok_or_else(|| r.error("unknown format source"))?;
        let records = r.u64()?;
        let nodata = r.u64()?;
        let skipdata = r.u64()?;
        let bad_lines = r.u64()?;
        let folded = r.u64()?;
        let window_start = if r.flag()? { Some(r.u32()?) } else { None };
        let complete = r.flag()?;
        let first_row = r.u32()?;
        if first_row as usize > rows {
            return Err(r.error("a file's first row beyond the rows"));
        }
        dataset.files.push(FileSummary {
            name,
            bytes_read,
            text_bytes,
            gzip,
            form,
            member,
            content_hash,
            format_source,
            records,
            nodata,
            skipdata,
            bad_lines,
            folded,
            window_start,
            complete,
            first_row,
        });
    }
    let diagnostic_count = r.count(12)?;
    for _ in 0..diagnostic_count {
        let kind = *DiagnosticKind::ALL
            .get(usize::from(r.u8()?))
            .ok_or_else(|| r.error("unknown diagnostic kind"))?;
        let severity = match r.u8()? {
            0 => Severity::Note,
            1 => Severity::Warning,
            2 => Severity::Error,
            _ => return Err(r.error("unknown severity")),
        };
        let file = r.string()?;
        let line = if r.flag()? { Some(r.u64()?) } else { None };
        let byte = if r.flag()? { Some(r.u64()?) } else { None };
        let message = r.string()?;
        dataset.diagnostics.push(Diagnostic {
            severity,
            kind,
            file,
            line,
            byte,
            message,
        });
    }
    dataset.limit_reached = r.flag()?;
    dataset.folded = r.u64()?;
    let format_count = r.count(8)?;
    for _ in 0..format_count {
        let row = r.u32()?;
        if row as usize > rows || dataset.formats.last().is_some_and(|&(last, _)| last > row) {
            return Err(r.error("a format change beyond the rows or out of order"));
        }
        let column_count = r.count(2)?;
        let mut columns = Vec::with_capacity(column_count);
        for _ in 0..column_count {
            let column = match r.u8()? {
                0 => {
                    let index = r.u8()?;
                    let field = Field::ALL
                        .get(usize::from(index))
                        .ok_or_else(|| r.error("unknown field"))?;
                    Column::Known(*field)
                }
                1 => Column::Unknown(r.string()?),
                _ => return Err(r.error("unknown column kind")),
            };
            columns.push(column);
        }
        dataset.formats.push((row, Format::new(columns)));
    }
    if r.left() != 0 {
        return Err(r.error("bytes after the end"));
    }
    Ok(dataset)
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

/// Reads the encoding front to back, checking every length.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, reason: &str) -> WireError {
        WireError {
            offset: self.at,
            reason: reason.to_string(),
        }
    }

    fn left(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| self.error("the data ends early"))?;
        let slice = self.bytes.get(self.at..end).unwrap_or_default();
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.array::<1>()?[0])
    }

    fn flag(&mut self) -> Result<bool, WireError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.error("a flag that is neither 0 nor 1")),
        }
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A count of items of at least `min_bytes` each: more than the bytes left could
    /// hold is an error (so nothing is allocated for a count that lies).
    fn count(&mut self, min_bytes: usize) -> Result<usize, WireError> {
        let n = self.u32()? as usize;
        if n > self.left() / min_bytes.max(1) {
            return Err(self.error("a count larger than the data"));
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, WireError> {
        let n = self.u32()? as usize;
        let raw = self.take(n)?;
        std::str::from_utf8(raw)
            .map(str::to_string)
            .map_err(|_| self.error("text that is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, ReadOptions};

    /// Every part of two data sets, compared value by value.
    fn assert_same(a: &Dataset, b: &Dataset) {
        assert_eq!(a.files, b.files);
        assert_eq!(a.diagnostics, b.diagnostics);
        assert_eq!(a.limit_reached, b.limit_reached);
        assert_eq!(a.formats, b.formats);
        let (ta, tb) = (&a.table, &b.table);
        assert_eq!(ta.len(), tb.len());
        assert_eq!(ta.addrs.id_count(), tb.addrs.id_count());
        for i in 0..ta.addrs.id_count() {
            assert_eq!(
                ta.addrs.get(AddrId(i as u32)),
                tb.addrs.get(AddrId(i as u32))
            );
        }
        for row in 0..ta.len() {
            assert_eq!(ta.core(row), tb.core(row), "row {row}");
        }
        assert_eq!(ta.text.len(), tb.text.len());
        for ((na, ca), (nb, cb)) in ta.text.iter().zip(&tb.text) {
            assert_eq!(na, nb);
            assert_eq!(ca.runs, cb.runs);
            assert_eq!(ca.values.strings, cb.values.strings);
        }
    }

    /// A file with a header, two formats, IPv6, missing values, a bad line and text
    /// columns.
    fn sample() -> Dataset {
        let mut ds = Dataset::default();
        let first = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
             2 123 eni-a 10.0.0.1 198.51.100.7 3306 40000 6 10 5000 1600000000 1600000060 ACCEPT OK\n\
             2 123 eni-a 2001:db8::1 10.0.0.1 - - - - - 1600000000 1600000060 - NODATA\n\
             this line is bad\n\
             2 123 eni-b 10.0.0.1 198.51.100.7 3306 40001 6 3 900 1600000100 1600000160 REJECT OK\n";
        read_bytes(&mut ds, "a.log", first.as_bytes(), &ReadOptions::default());
        let second = "version vpc-id srcaddr dstaddr bytes start end my-extra\n\
             3 vpc-1 198.51.100.7 10.0.0.1 77 1600000200 1600000260 x\n\
             3 vpc-1 10.0.0.9 10.0.0.1 78 1600000200 1600000260 y\n";
        read_bytes(
            &mut ds,
            "AWSLogs/123/vpcflowlogs/us-east-1/2020/09/13/123_vpcflowlogs_us-east-1_fl-1_20200913T1230Z_abc.log",
            second.as_bytes(),
            &ReadOptions::default(),
        );
        ds
    }

    /// Values kept beside their narrow column (packets, bytes, an end long after
    /// its start) go across; overflow rows out of order or past the table are refused.
    #[test]
    fn values_too_large_for_their_column_go_across() {
        let text = "version srcaddr dstaddr packets bytes start end\n\
             2 10.0.0.1 10.0.0.2 1 60 1600000000 1600000030\n\
             2 10.0.0.1 10.0.0.2 5000000000 99999999999 1600000000 1600090000\n\
             2 10.0.0.1 10.0.0.2 7 4294967295 1600000000 1599999999\n";
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "big.log", text.as_bytes(), &ReadOptions::default());
        assert_eq!(ds.records(), 3);
        let back = decode(&encode(&ds)).unwrap();
        assert_same(&ds, &back);
        assert_eq!(back.table.packets(1), Some(5_000_000_000));
        assert_eq!(back.table.bytes(1), Some(99_999_999_999));
        assert_eq!(back.table.end_secs(1), Some(1_600_090_000));
        assert_eq!(back.table.bytes(2), Some(4_294_967_295));
        assert_eq!(back.table.end_secs(2), Some(1_599_999_999));
        // The end overflow list is the last before the text columns: its first row
        // (1), set to 3 (past the 3 rows), is refused.
        let mut bytes = encode(&ds);
        let rows_at = {
            let mut probe = ds.clone();
            probe.table.overflow.end.clear();
            let without = encode(&probe);
            // Where the two encodings start to differ: the end list's count.
            without
                .iter()
                .zip(&bytes)
                .position(|(a, b)| a != b)
                .unwrap()
        };
        bytes[rows_at + 4] = 3;
        assert!(decode(&bytes).is_err());
    }

    /// The fixed-width columns are laid out as the module documentation says: each
    /// column's values one after the other, little-endian (checked byte by byte
    /// against values written out by hand).
    #[test]
    fn columns_are_little_endian_one_after_the_other() {
        let text = "version srcaddr dstaddr srcport dstport protocol packets bytes start end\n\
             2 10.0.0.1 10.0.0.2 258 22 6 3 1000 1600000000 1600000060\n\
             2 10.0.0.2 10.0.0.1 22 771 17 4 70000 1600000001 1600000301\n";
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "l.log", text.as_bytes(), &ReadOptions::default());
        let bytes = encode(&ds);
        // magic, rows, address count, two IPv4 addresses (a family byte and four).
        let at = 4 + 4 + 4 + 2 * 5;
        let want: Vec<u8> = [
            &[1, 0, 0, 0, 2, 0, 0, 0][..],               // srcaddr ids 1, 2
            &[2, 0, 0, 0, 1, 0, 0, 0],                   // dstaddr ids 2, 1
            &[2, 1, 22, 0],                              // srcport 258, 22
            &[22, 0, 3, 3],                              // dstport 22, 771
            &[6, 17],                                    // protocol
            &[3, 0, 0, 0, 4, 0, 0, 0],                   // packets
            &[0xe8, 3, 0, 0, 0x70, 0x11, 1, 0],          // bytes 1000, 70000
            &[0, 0x10, 0x5e, 0x5f, 1, 0x10, 0x5e, 0x5f], // start
            &[60, 0, 44, 1],                             // end after start: 60, 300
        ]
        .concat();
        assert_eq!(&bytes[at..at + want.len()], &want[..]);
        assert_same(&ds, &decode(&bytes).unwrap());
    }

    #[test]
    fn round_trip_gives_the_same_data_set() {
        let ds = sample();
        // The sample has what the encoding must carry (checked by hand from the text).
        assert_eq!(ds.records(), 5);
        assert_eq!(ds.files.len(), 2);
        assert!(!ds.diagnostics.is_empty());
        assert_eq!(ds.files[1].window_start, Some(1_600_000_200));
        let back = decode(&encode(&ds)).unwrap();
        assert_same(&ds, &back);
        assert_eq!(back.table.text("my-extra", 4), Some("y"));
        assert_eq!(back.table.text("interface-id", 2), Some("eni-b"));
        assert_eq!(back.table.text("interface-id", 3), None);
        assert_eq!(
            back.table.addrs.get(back.table.srcaddr(1)),
            Some("2001:db8::1".parse().unwrap())
        );
    }

    #[test]
    fn empty_and_limited_data_sets_round_trip() {
        let empty = Dataset::default();
        assert_same(&empty, &decode(&encode(&empty)).unwrap());
        let mut limited = Dataset::default();
        let text =
            "2 1 eni 10.0.0.1 10.0.0.2 1 2 6 1 1 1600000000 1600000001 ACCEPT OK\n".repeat(5);
        let options = ReadOptions {
            max_records: Some(3),
            ..ReadOptions::default()
        };
        read_bytes(&mut limited, "l.log", text.as_bytes(), &options);
        assert!(limited.limit_reached);
        let back = decode(&encode(&limited)).unwrap();
        assert!(back.limit_reached);
        assert_eq!(back.records(), 3);
        assert_same(&limited, &back);
    }

    #[test]
    fn decode_then_append_equals_reading_into_one_data_set() {
        // Two files read one after the other into one data set, against each read
        // alone, sent through the encoding and appended.
        let a = "2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 10 1600000000 1600000001 ACCEPT OK\n";
        let b = "2 1 eni-b 10.0.0.3 10.0.0.1 1 2 6 1 20 1600000000 1600000001 ACCEPT OK\n";
        let mut together = Dataset::default();
        read_bytes(
            &mut together,
            "a.log",
            a.as_bytes(),
            &ReadOptions::default(),
        );
        read_bytes(
            &mut together,
            "b.log",
            b.as_bytes(),
            &ReadOptions::default(),
        );
        let mut joined = Dataset::default();
        for (name, text) in [("a.log", a), ("b.log", b)] {
            let mut one = Dataset::default();
            read_bytes(&mut one, name, text.as_bytes(), &ReadOptions::default());
            joined.append(decode(&encode(&one)).unwrap());
        }
        assert_same(&together, &joined);
        assert_eq!(joined.table.bytes(1), Some(20));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = encode(&sample());
        for n in 0..bytes.len() {
            assert!(
                decode(&bytes[..n]).is_err(),
                "cut at {n} of {}",
                bytes.len()
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer).unwrap_err().reason, "bytes after the end");
    }

    #[test]
    fn hostile_bytes_give_errors_not_panics() {
        let bytes = encode(&sample());
        // Every single byte changed to a few values: decoding must return (an error,
        // or a data set whose ids all resolve), never panic.
        for i in 0..bytes.len() {
            for v in [0u8, 1, 0x7f, 0xff] {
                let mut bad = bytes.clone();
                bad[i] = v;
                if let Ok(ds) = decode(&bad) {
                    for row in 0..ds.table.len() {
                        assert!(ds.table.srcaddr(row).index() < ds.table.addrs.id_count());
                    }
                }
            }
        }
        assert_eq!(
            decode(b"XXXX").unwrap_err().reason,
            "not flowlens encoded data (wrong magic)"
        );
        // A row count far beyond the bytes is refused before allocating.
        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        huge.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(
            decode(&huge).unwrap_err().reason,
            "fewer bytes than the row count needs"
        );
    }

    #[test]
    fn out_of_range_ids_are_refused() {
        let mut ds = Dataset::default();
        let text = "2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 10 1600000000 1600000001 ACCEPT OK\n";
        read_bytes(&mut ds, "a.log", text.as_bytes(), &ReadOptions::default());
        let mut bytes = encode(&ds);
        // Layout: magic 4, rows 4, address count 4, two IPv4 addresses of 5 bytes,
        // then srcaddr of the one row.
        let srcaddr = 4 + 4 + 4 + 2 * 5;
        assert_eq!(bytes[srcaddr..srcaddr + 4], 1u32.to_le_bytes());
        bytes[srcaddr..srcaddr + 4].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(
            decode(&bytes).unwrap_err().reason,
            "an address id beyond the address table"
        );
    }
}
