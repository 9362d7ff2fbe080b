//! The records of a data set in compact columnar form.
//!
//! The eleven fields the analysis needs live in fixed-width columns (29 bytes a record,
//! addresses as interned [`AddrId`]s; `packets` and `bytes` as `u32` and `end` as a
//! `u16` after `start`, the rare value that does not fit kept in an [`Overflow`] list
//! beside the column). Every other field of a format is kept in a
//! [`TextColumn`]: interned and run-length encoded, so per-file constants such as
//! `account-id` or `interface-id` cost almost nothing. A missing value (`-`) stays
//! missing: presence bits for numbers, [`AddrId::NONE`] for addresses, id 0 for text.

use std::collections::{HashMap, TryReserveError};
use std::ops::Range;

use super::addr::{AddrId, AddrTable};

/// `action` of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Traffic was accepted.
    Accept,
    /// Traffic was rejected by a security group or network ACL.
    Reject,
}

/// `log-status` of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogStatus {
    /// Data logged normally.
    Ok,
    /// No traffic in the interval.
    NoData,
    /// Records were skipped: the evidence for the interval is incomplete.
    SkipData,
}

impl LogStatus {
    /// Its code in bits 2–3 of [`FlowTable`]'s status byte (0 is no status).
    fn code(self) -> u8 {
        match self {
            LogStatus::Ok => 1,
            LogStatus::NoData => 2,
            LogStatus::SkipData => 3,
        }
    }
}

impl Action {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "ACCEPT",
            Action::Reject => "REJECT",
        }
    }
}

impl LogStatus {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LogStatus::Ok => "OK",
            LogStatus::NoData => "NODATA",
            LogStatus::SkipData => "SKIPDATA",
        }
    }
}

/// Presence bits of the numeric columns.
mod present {
    pub const SRCPORT: u8 = 1;
    pub const DSTPORT: u8 = 2;
    pub const PROTOCOL: u8 = 4;
    pub const PACKETS: u8 = 8;
    pub const BYTES: u8 = 16;
    pub const START: u8 = 32;
    pub const END: u8 = 64;
}

/// One record's core values, as parsed; `None` is a `-` or a field the format lacks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CoreValues {
    /// Source address id.
    pub srcaddr: AddrId,
    /// Destination address id.
    pub dstaddr: AddrId,
    /// Source port.
    pub srcport: Option<u16>,
    /// Destination port.
    pub dstport: Option<u16>,
    /// IANA protocol number.
    pub protocol: Option<u8>,
    /// Packets in the interval.
    pub packets: Option<u64>,
    /// Bytes in the interval.
    pub bytes: Option<u64>,
    /// Unix seconds of the first packet.
    pub start_secs: Option<u32>,
    /// Unix seconds of the last packet.
    pub end_secs: Option<u32>,
    /// ACCEPT / REJECT.
    pub action: Option<Action>,
    /// OK / NODATA / SKIPDATA.
    pub log_status: Option<LogStatus>,
}

/// Interned strings; id 0 is the missing value.
#[derive(Clone, Debug)]
pub struct Interner {
    pub(super) strings: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            strings: vec!["".into()],
            ids: HashMap::new(),
        }
    }
}

impl Interner {
    /// The id of `s`, adding it when new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    /// The string of `id`; `None` for the missing value.
    pub fn get(&self, id: u32) -> Option<&str> {
        if id == 0 {
            return None;
        }
        self.strings.get(id as usize).map(|s| &**s)
    }
}

/// A text column: interned values, run-length encoded by row.
#[derive(Clone, Debug, Default)]
pub struct TextColumn {
    pub(super) values: Interner,
    /// `(first row, value id)`, rows ascending; a run lasts until the next one.
    pub(super) runs: Vec<(u32, u32)>,
    /// Raw bytes of the last value pushed, to skip interning repeats.
    last_raw: Vec<u8>,
    last_id: u32,
}

impl TextColumn {
    /// True when `raw` is the last value pushed (not missing).
    #[inline]
    fn is_last(&self, raw: &[u8]) -> bool {
        self.last_id != 0 && same_bytes(&self.last_raw, raw)
    }

    /// Sets the value of `row` (rows must be pushed in ascending order).
    pub fn push(&mut self, row: u32, value: Option<&str>) {
        let id = match value {
            None => 0,
            Some(v) if self.is_last(v.as_bytes()) => self.last_id,
            Some(v) => {
                let id = self.values.intern(v);
                self.last_raw.clear();
                self.last_raw.extend_from_slice(v.as_bytes());
                id
            }
        };
        self.last_id = id;
        // A second value for the same row replaces the first.
        if self.runs.last().is_some_and(|&(first, _)| first == row) {
            self.runs.pop();
        }
        match self.runs.last() {
            Some(&(_, last)) if last == id => {}
            _ => self.runs.push((row, id)),
        }
    }

    /// [`TextColumn::push`] for bytes: a repeat of the last value is recognised
    /// without decoding; other bytes must be UTF-8 (invalid ones count as missing).
    pub fn push_raw(&mut self, row: u32, value: Option<&[u8]>) {
        match value {
            Some(raw) if self.is_last(raw) => {
                self.push_repeat(row);
            }
            Some(raw) => self.push(row, std::str::from_utf8(raw).ok()),
            None => self.push(row, None),
        }
    }

    /// Sets the value of `row` to the last value pushed (the caller has compared it:
    /// see [`FlowTable::text_is_last`]).
    pub fn push_repeat(&mut self, row: u32) {
        let id = self.last_id;
        if self
            .runs
            .last()
            .is_some_and(|&(first, last)| first == row && last != id)
        {
            self.runs.pop();
        }
        if self.runs.last().is_none_or(|&(_, last)| last != id) {
            self.runs.push((row, id));
        }
    }

    /// The values rows `rows` take, one per run that covers any of them (a value
    /// comes again when its runs are apart); missing values are left out. O(log runs +
    /// runs in `rows`), where [`TextColumn::get`] for each row costs a search per row.
    pub fn values_in(&self, rows: std::ops::Range<u32>) -> impl Iterator<Item = &str> + '_ {
        // The run holding `rows.start` (the last one starting at or before it), or the
        // first run when none starts that early.
        let from = self
            .runs
            .partition_point(|&(first, _)| first <= rows.start)
            .saturating_sub(1);
        let runs = if rows.is_empty() {
            &[][..]
        } else {
            self.runs.get(from..).unwrap_or_default()
        };
        runs.iter()
            .take_while(move |&&(first, _)| first < rows.end)
            .filter_map(|&(_, id)| self.values.get(id))
    }

    /// The value id of each row of `rows` in turn (0 is missing): one search, then a
    /// walk along the runs, where [`TextColumn::get`] searches for every row.
    pub(crate) fn ids_in(&self, rows: std::ops::Range<u32>) -> impl Iterator<Item = u32> + '_ {
        // The next run to start, and the value of the run holding the current row.
        let mut next = self.runs.partition_point(|&(first, _)| first <= rows.start);
        let mut id = next
            .checked_sub(1)
            .and_then(|i| self.runs.get(i))
            .map_or(0, |&(_, id)| id);
        rows.map(move |row| {
            while let Some(&(first, next_id)) = self.runs.get(next) {
                if first > row {
                    break;
                }
                id = next_id;
                next += 1;
            }
            id
        })
    }

    /// The value of id `id` (from [`TextColumn::ids_in`]), `None` for 0.
    pub(crate) fn value(&self, id: u32) -> Option<&str> {
        self.values.get(id)
    }

    /// The value at `row`, `None` when missing.
    pub fn get(&self, row: u32) -> Option<&str> {
        let run = match self.runs.binary_search_by(|&(first, _)| first.cmp(&row)) {
            Ok(i) => i,
            Err(0) => return None,
            Err(i) => i - 1,
        };
        self.runs.get(run).and_then(|&(_, id)| self.values.get(id))
    }

    /// Bytes of memory the column holds (approximately).
    pub fn heap_bytes(&self) -> usize {
        self.runs.capacity() * 8 + self.values_bytes()
    }

    /// Bytes the column takes (runs by length: the same however it grew).
    pub fn used_bytes(&self) -> usize {
        self.runs.len() * 8 + self.values_bytes()
    }

    /// Bytes of the interned values (each kept twice: in the list and the map).
    fn values_bytes(&self) -> usize {
        self.values
            .strings
            .iter()
            .map(|s| s.len() * 2 + 40)
            .sum::<usize>()
    }
}

/// `a == b` without a `memcmp` call for values of up to 16 bytes (most text values
/// of flow logs): the reader compares every text field with its column's last value.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 16 {
        return a == b;
    }
    if let (Some(ah), Some(at), Some(bh), Some(bt)) = (
        a.first_chunk::<8>(),
        a.last_chunk::<8>(),
        b.first_chunk::<8>(),
        b.last_chunk::<8>(),
    ) {
        // The first and the last eight bytes cover every byte of 8 to 16.
        return ah == bh && at == bt;
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// A `packets` or `bytes` value as its column keeps it: the column's, or the
/// overflow's when the column holds [`WIDE`].
#[inline]
fn wide(narrow: u32, overflow: &[(u32, u64)], row: usize) -> u64 {
    if narrow == WIDE {
        Overflow::find(overflow, row).unwrap_or(u64::from(WIDE))
    } else {
        u64::from(narrow)
    }
}

/// A record between two known addresses that is not NODATA or SKIPDATA (its `status`
/// byte as [`FlowTable`] keeps it).
#[inline(always)]
fn is_flow(src: AddrId, dst: AddrId, status: u8) -> bool {
    let log_status = (status >> 2) & 3;
    src.is_some() && dst.is_some() && log_status != 2 && log_status != 3
}

/// Presence bits of a record's numeric values.
fn presence_bits(v: &CoreValues) -> u8 {
    let bit = |value: bool, bit: u8| if value { bit } else { 0 };
    bit(v.srcport.is_some(), present::SRCPORT)
        | bit(v.dstport.is_some(), present::DSTPORT)
        | bit(v.protocol.is_some(), present::PROTOCOL)
        | bit(v.packets.is_some(), present::PACKETS)
        | bit(v.bytes.is_some(), present::BYTES)
        | bit(v.start_secs.is_some(), present::START)
        | bit(v.end_secs.is_some(), present::END)
}

/// A record's status byte: action in bits 0–1, log-status in bits 2–3.
fn status_byte(v: &CoreValues) -> u8 {
    let action = match v.action {
        None => 0,
        Some(Action::Accept) => 1,
        Some(Action::Reject) => 2,
    };
    action | (v.log_status.map_or(0, LogStatus::code) << 2)
}

/// In the `packets` and `bytes` columns: the value is in [`Overflow`] (it does not fit
/// in a `u32`).
pub(super) const WIDE: u32 = u32::MAX;
/// In the `end` column: the end is in [`Overflow`] (no start, an end before it, or
/// 18 hours or more after it).
pub(super) const END_WIDE: u16 = u16::MAX;

/// `packets` or `bytes` as its column keeps it.
fn narrow(value: Option<u64>) -> u32 {
    match value {
        None => 0,
        Some(v) if v < u64::from(WIDE) => v as u32,
        Some(_) => WIDE,
    }
}

/// `end` as its column keeps it: seconds after `start`.
fn end_delta(v: &CoreValues) -> u16 {
    match (v.start_secs, v.end_secs) {
        (_, None) => 0,
        (Some(start), Some(end)) if end >= start && end - start < u32::from(END_WIDE) => {
            (end - start) as u16
        }
        _ => END_WIDE,
    }
}

/// The values too large for their fixed-width column (which holds [`WIDE`] or
/// [`END_WIDE`] there): `(row, value)`, rows ascending. A flow log has few or none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Overflow {
    /// `packets` of `u32::MAX` and more.
    pub(super) packets: Vec<(u32, u64)>,
    /// `bytes` of `u32::MAX` and more.
    pub(super) bytes: Vec<(u32, u64)>,
    /// `end`s the `end` column cannot hold.
    pub(super) end: Vec<(u32, u32)>,
}

impl Overflow {
    /// Notes the values of `v`, at `row`, that its columns cannot hold.
    #[inline]
    fn push(&mut self, row: u32, v: &CoreValues) {
        if let Some(packets) = v.packets.filter(|&p| p >= u64::from(WIDE)) {
            self.packets.push((row, packets));
        }
        if let Some(bytes) = v.bytes.filter(|&b| b >= u64::from(WIDE)) {
            self.bytes.push((row, bytes));
        }
        if let Some(end) = v.end_secs.filter(|_| end_delta(v) == END_WIDE) {
            self.end.push((row, end));
        }
    }

    /// The value of `row` in `list`.
    fn find<T: Copy>(list: &[(u32, T)], row: usize) -> Option<T> {
        let i = list
            .binary_search_by(|&(r, _)| (r as usize).cmp(&row))
            .ok()?;
        list.get(i).map(|&(_, v)| v)
    }

    /// Appends `other`'s, its rows moved by `offset`.
    fn extend(&mut self, other: &Overflow, offset: u32) {
        fn moved<T: Copy>(to: &mut Vec<(u32, T)>, from: &[(u32, T)], offset: u32) {
            to.extend(from.iter().map(|&(r, v)| (r + offset, v)));
        }
        moved(&mut self.packets, &other.packets, offset);
        moved(&mut self.bytes, &other.bytes, offset);
        moved(&mut self.end, &other.end, offset);
    }

    /// The entries of rows kept, at their new rows (`before[row]`: rows kept before).
    fn filtered(&self, keep: &[bool], before: &[u32]) -> Overflow {
        fn each<T: Copy>(list: &[(u32, T)], keep: &[bool], before: &[u32]) -> Vec<(u32, T)> {
            list.iter()
                .filter(|(r, _)| keep.get(*r as usize).copied().unwrap_or(false))
                .filter_map(|&(r, v)| before.get(r as usize).map(|&n| (n, v)))
                .collect()
        }
        Overflow {
            packets: each(&self.packets, keep, before),
            bytes: each(&self.bytes, keep, before),
            end: each(&self.end, keep, before),
        }
    }

    fn heap_bytes(&self) -> usize {
        self.packets.capacity() * 16 + self.bytes.capacity() * 16 + self.end.capacity() * 8
    }

    fn used_bytes(&self) -> usize {
        self.packets.len() * 16 + self.bytes.len() * 16 + self.end.len() * 8
    }

    fn shrink_to_fit(&mut self) {
        self.packets.shrink_to_fit();
        self.bytes.shrink_to_fit();
        self.end.shrink_to_fit();
    }
}

/// A value of a fixed-width column as the wire encoding writes it: little-endian,
/// [`ColumnValue::BYTES`] bytes.
pub(super) trait ColumnValue: Copy {
    /// Bytes of one value.
    const BYTES: usize;
    /// Appends the bytes of every value of `values`.
    fn put_all(values: &[Self], out: &mut Vec<u8>);
    /// Every value of `bytes`, [`ColumnValue::BYTES`] bytes each (a last partial
    /// value is left out).
    fn get_all(bytes: &[u8]) -> Vec<Self>;
}

macro_rules! column_value {
    ($($ty:ty),*) => {$(
        impl ColumnValue for $ty {
            const BYTES: usize = std::mem::size_of::<$ty>();
            fn put_all(values: &[Self], out: &mut Vec<u8>) {
                // Sized first and filled in whole values, which the compiler turns
                // into plain stores (a 2 M-row file's columns: 2× faster than a
                // push of each value's bytes).
                let start = out.len();
                out.resize(start + values.len() * std::mem::size_of::<$ty>(), 0);
                let to = out.get_mut(start..).unwrap_or_default();
                for (chunk, value) in to.chunks_exact_mut(std::mem::size_of::<$ty>()).zip(values) {
                    chunk.copy_from_slice(&value.to_le_bytes());
                }
            }
            fn get_all(bytes: &[u8]) -> Vec<Self> {
                bytes
                    .chunks_exact(std::mem::size_of::<$ty>())
                    .map(|chunk| <$ty>::from_le_bytes(chunk.try_into().unwrap_or_default()))
                    .collect()
            }
        }
    )*};
}
column_value!(u8, u16, u32, u64);

impl ColumnValue for AddrId {
    const BYTES: usize = 4;
    fn put_all(values: &[Self], out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + values.len() * 4, 0);
        let to = out.get_mut(start..).unwrap_or_default();
        for (chunk, value) in to.chunks_exact_mut(4).zip(values) {
            chunk.copy_from_slice(&value.0.to_le_bytes());
        }
    }
    fn get_all(bytes: &[u8]) -> Vec<Self> {
        u32::get_all(bytes).into_iter().map(AddrId).collect()
    }
}

/// Rows handed to a pass at a time by [`in_chunks`].
const CHUNK_ROWS: usize = 1 << 16;

/// Calls `each` with the rows `0..rows`, [`CHUNK_ROWS`] at a time, in order: for a
/// pass over every record (the analyses' and the hunt's).
// NOTE: through a `dyn` the compiler cannot see through (`black_box`), so that `each`
// stays a function of its own, called again for every chunk. V8 runs a wasm function
// in its quick first compile (Liftoff) until it has run a while, then compiles it
// again (TurboFan) for its next calls; a call already running stays in the slower
// code. A pass over millions of rows made in one call ran wholly in the slower code.
#[inline(never)]
pub(crate) fn in_chunks(rows: usize, each: &mut dyn FnMut(Range<usize>)) {
    let each = std::hint::black_box(each);
    let mut at = 0;
    while at < rows {
        let end = at.saturating_add(CHUNK_ROWS).min(rows);
        each(at..end);
        at = end;
    }
}

/// Declares the fixed-width columns once, each with its type and how a record's
/// [`CoreValues`] (`$v`) fill it, and the operations that walk them all: push,
/// extend, reserve, grow, shrink, heap bytes and the wire encoding. Adding a column
/// is one line in the list below (and a getter on [`FlowTable`]).
macro_rules! fixed_columns {
    ($( $(#[$doc:meta])* $name:ident: $ty:ty = |$v:ident| $from:expr; )*) => {
        /// The fixed-width columns of a [`FlowTable`], one `Vec` each, all as long as
        /// the table.
        #[derive(Clone, Debug, Default)]
        pub(super) struct Columns {
            $( $(#[$doc])* pub(super) $name: Vec<$ty>, )*
        }

        impl Columns {
            /// Bytes of one record in the fixed-width columns.
            pub(super) const ROW_BYTES: usize = 0 $( + <$ty as ColumnValue>::BYTES )*;

            fn push(&mut self, values: &CoreValues) {
                $( self.$name.push({ let $v = values; $from }); )*
            }

            fn extend(&mut self, other: &Columns) {
                $( self.$name.extend_from_slice(&other.$name); )*
            }

            /// The rows whose `keep` is true.
            fn filtered(&self, keep: &[bool]) -> Columns {
                Columns {
                    $( $name: self.$name.iter().zip(keep).filter(|(_, k)| **k).map(|(v, _)| *v).collect(), )*
                }
            }

            /// Makes room for `additional` more rows in every column; an allocation
            /// that fails is an error, not an abort (the rows are unchanged).
            fn try_reserve_exact(&mut self, additional: usize) -> Result<(), TryReserveError> {
                $( self.$name.try_reserve_exact(additional)?; )*
                Ok(())
            }

            /// Makes room for `additional` rows, growing each column by `step(len)`
            /// rows at least; fallible as [`Columns::try_reserve_exact`].
            fn try_grow(
                &mut self,
                additional: usize,
                step: impl Fn(usize) -> usize,
            ) -> Result<(), TryReserveError> {
                $(
                    if self.$name.capacity() - self.$name.len() < additional {
                        let len = self.$name.len();
                        self.$name.try_reserve_exact(additional.max(step(len)))?;
                    }
                )*
                Ok(())
            }

            fn shrink_to_fit(&mut self) {
                $( self.$name.shrink_to_fit(); )*
            }

            fn heap_bytes(&self) -> usize {
                0 $( + self.$name.capacity() * <$ty as ColumnValue>::BYTES )*
            }

            /// Appends every column, one after the other, little-endian.
            pub(super) fn encode(&self, out: &mut Vec<u8>) {
                $( <$ty as ColumnValue>::put_all(&self.$name, out); )*
            }

            /// Reads `rows` rows of every column as [`Columns::encode`] wrote them,
            /// each column's bytes from `take(bytes)`.
            pub(super) fn decode<'a, E>(
                rows: usize,
                mut take: impl FnMut(usize) -> Result<&'a [u8], E>,
            ) -> Result<Columns, E> {
                Ok(Columns {
                    $( $name: <$ty as ColumnValue>::get_all(
                        take(rows * <$ty as ColumnValue>::BYTES)?,
                    ), )*
                })
            }
        }
    };
}

fixed_columns! {
    /// Source address ids.
    srcaddr: AddrId = |v| v.srcaddr;
    /// Destination address ids.
    dstaddr: AddrId = |v| v.dstaddr;
    /// Source ports.
    srcport: u16 = |v| v.srcport.unwrap_or(0);
    /// Destination ports.
    dstport: u16 = |v| v.dstport.unwrap_or(0);
    /// IANA protocol numbers.
    protocol: u8 = |v| v.protocol.unwrap_or(0);
    /// Packets ([`WIDE`]: in [`Overflow`]).
    packets: u32 = |v| narrow(v.packets);
    /// Bytes ([`WIDE`]: in [`Overflow`]).
    bytes: u32 = |v| narrow(v.bytes);
    /// `start`, Unix seconds.
    start: u32 = |v| v.start_secs.unwrap_or(0);
    /// `end`, seconds after `start` ([`END_WIDE`]: in [`Overflow`]).
    end: u16 = |v| end_delta(v);
    /// Which of the numeric values above are present (see `present`).
    presence: u8 = |v| presence_bits(v);
    /// action in bits 0–1 (0 none, 1 accept, 2 reject), log-status in bits 2–3
    /// (0 none, 1 OK, 2 NODATA, 3 SKIPDATA).
    status: u8 = |v| status_byte(v);
}

/// The records of a data set, in columns.
#[derive(Clone, Debug, Default)]
pub struct FlowTable {
    /// Interned addresses shared by `srcaddr` and `dstaddr`.
    pub addrs: AddrTable,
    /// The fixed-width columns (see [`Columns`]).
    pub(super) cols: Columns,
    /// The values too large for their column.
    pub(super) overflow: Overflow,
    /// Text columns by name, in the order first seen.
    pub(super) text: Vec<(String, TextColumn)>,
}

impl FlowTable {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.cols.srcaddr.len()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.cols.srcaddr.is_empty()
    }

    /// Appends one record's core values; returns its row. The columns grow as a
    /// `Vec` does (doubling) but fallibly: when memory cannot be had, the record is
    /// not added and the error says so (in WebAssembly an aborted allocation kills
    /// the page).
    pub fn try_push(&mut self, v: &CoreValues) -> Result<u32, TryReserveError> {
        let row = self.len() as u32;
        if self.cols.srcaddr.len() == self.cols.srcaddr.capacity() {
            self.cols.try_grow(1, |len| len.max(64))?;
        }
        self.cols.push(v);
        self.overflow.push(row, v);
        Ok(row)
    }

    /// [`FlowTable::try_push`] for tests and tools, where running out of memory may
    /// abort.
    pub fn push(&mut self, v: &CoreValues) -> u32 {
        let row = self.len() as u32;
        self.cols.push(v);
        self.overflow.push(row, v);
        row
    }

    /// The text column named `name`, created (missing for all earlier rows) if new.
    pub fn text_column_mut(&mut self, name: &str) -> usize {
        if let Some(i) = self.text.iter().position(|(n, _)| n == name) {
            return i;
        }
        self.text.push((name.to_string(), TextColumn::default()));
        self.text.len() - 1
    }

    /// Sets text column `column` (an index from [`FlowTable::text_column_mut`]) at `row`.
    pub fn push_text(&mut self, column: usize, row: u32, value: Option<&str>) {
        if let Some((_, col)) = self.text.get_mut(column) {
            col.push(row, value);
        }
    }

    /// True when `raw` is the last value pushed to text column `column` (already
    /// validated: the reader skips checking it again).
    #[inline]
    pub fn text_is_last(&self, column: usize, raw: &[u8]) -> bool {
        self.text.get(column).is_some_and(|(_, c)| c.is_last(raw))
    }

    /// Sets text column `column` at `row` from bytes (see [`TextColumn::push_raw`]).
    #[inline]
    pub fn push_text_raw(&mut self, column: usize, row: u32, value: Option<&[u8]>) {
        if let Some((_, col)) = self.text.get_mut(column) {
            col.push_raw(row, value);
        }
    }

    /// Sets text column `column` at `row` to its last value (see
    /// [`TextColumn::push_repeat`]).
    #[inline]
    pub fn push_text_repeat(&mut self, column: usize, row: u32) {
        if let Some((_, col)) = self.text.get_mut(column) {
            col.push_repeat(row);
        }
    }

    /// The value of the text column `name` at `row`.
    pub fn text(&self, name: &str, row: usize) -> Option<&str> {
        let (_, col) = self.text.iter().find(|(n, _)| n == name)?;
        col.get(row as u32)
    }

    /// The text columns, by name.
    pub(crate) fn text_columns(&self) -> impl Iterator<Item = (&str, &TextColumn)> + '_ {
        self.text.iter().map(|(n, c)| (n.as_str(), c))
    }

    /// The values text column `name` takes in rows `rows` (see
    /// [`TextColumn::values_in`]); `None` when no format had the column.
    pub fn text_values_in(
        &self,
        name: &str,
        rows: std::ops::Range<usize>,
    ) -> Option<impl Iterator<Item = &str> + '_> {
        let (_, col) = self.text.iter().find(|(n, _)| n == name)?;
        let rows = u32::try_from(rows.start).unwrap_or(u32::MAX)
            ..u32::try_from(rows.end).unwrap_or(u32::MAX);
        Some(col.values_in(rows))
    }

    /// Text column `name` in its run-length form: `(first row, value)` pairs, rows
    /// ascending, each value lasting until the next pair's row (`None` is missing; rows
    /// before the first pair are missing too). `None` when no format had the column. For
    /// readers that walk a whole column once, such as the hunt's `tcp-flags`: O(runs),
    /// where [`FlowTable::text`] costs a search per row.
    pub fn text_runs(&self, name: &str) -> Option<impl Iterator<Item = (u32, Option<&str>)> + '_> {
        let (_, col) = self.text.iter().find(|(n, _)| n == name)?;
        Some(
            col.runs
                .iter()
                .map(move |&(first, id)| (first, col.values.get(id))),
        )
    }

    /// Names of the text columns, in the order first seen.
    pub fn text_column_names(&self) -> impl Iterator<Item = &str> {
        self.text.iter().map(|(n, _)| n.as_str())
    }

    /// Source address id of `row`.
    #[inline]
    pub fn srcaddr(&self, row: usize) -> AddrId {
        self.cols.srcaddr.get(row).copied().unwrap_or(AddrId::NONE)
    }

    /// Destination address id of `row`.
    #[inline]
    pub fn dstaddr(&self, row: usize) -> AddrId {
        self.cols.dstaddr.get(row).copied().unwrap_or(AddrId::NONE)
    }

    #[inline]
    fn has(&self, row: usize, bit: u8) -> bool {
        self.cols.presence.get(row).is_some_and(|p| p & bit != 0)
    }

    /// Source port of `row`.
    #[inline]
    pub fn srcport(&self, row: usize) -> Option<u16> {
        self.has(row, present::SRCPORT)
            .then(|| self.cols.srcport[row])
    }

    /// Destination port of `row`.
    #[inline]
    pub fn dstport(&self, row: usize) -> Option<u16> {
        self.has(row, present::DSTPORT)
            .then(|| self.cols.dstport[row])
    }

    /// Protocol of `row`.
    #[inline]
    pub fn protocol(&self, row: usize) -> Option<u8> {
        self.has(row, present::PROTOCOL)
            .then(|| self.cols.protocol[row])
    }

    /// Packets of `row`.
    #[inline]
    pub fn packets(&self, row: usize) -> Option<u64> {
        self.has(row, present::PACKETS)
            .then(|| wide(self.cols.packets[row], &self.overflow.packets, row))
    }

    /// Bytes of `row`.
    #[inline]
    pub fn bytes(&self, row: usize) -> Option<u64> {
        self.has(row, present::BYTES)
            .then(|| wide(self.cols.bytes[row], &self.overflow.bytes, row))
    }

    /// Start (Unix seconds) of `row`.
    #[inline]
    pub fn start_secs(&self, row: usize) -> Option<u32> {
        self.has(row, present::START).then(|| self.cols.start[row])
    }

    /// End (Unix seconds) of `row`.
    #[inline]
    pub fn end_secs(&self, row: usize) -> Option<u32> {
        if !self.has(row, present::END) {
            return None;
        }
        match self.cols.end[row] {
            END_WIDE => Overflow::find(&self.overflow.end, row),
            delta => Some(self.cols.start[row].wrapping_add(u32::from(delta))),
        }
    }

    /// Action of `row`.
    pub fn action(&self, row: usize) -> Option<Action> {
        match self.cols.status.get(row).map(|s| s & 3) {
            Some(1) => Some(Action::Accept),
            Some(2) => Some(Action::Reject),
            _ => None,
        }
    }

    /// Log status of `row`.
    pub fn log_status(&self, row: usize) -> Option<LogStatus> {
        match self.cols.status.get(row).map(|s| (s >> 2) & 3) {
            Some(1) => Some(LogStatus::Ok),
            Some(2) => Some(LogStatus::NoData),
            Some(3) => Some(LogStatus::SkipData),
            _ => None,
        }
    }

    /// True when `row` is a flow (see [`is_flow`]).
    #[inline]
    pub fn is_flow(&self, row: usize) -> bool {
        match (
            self.cols.srcaddr.get(row),
            self.cols.dstaddr.get(row),
            self.cols.status.get(row),
        ) {
            (Some(&src), Some(&dst), Some(&status)) => is_flow(src, dst, status),
            _ => false,
        }
    }

    /// Rows that are flows (both addresses known; not NODATA or SKIPDATA) and whose
    /// start time passes `keep` (`None` when the row has none), in order. Reads the
    /// columns as slices: the analyses' passes start from this.
    pub fn flow_rows<'a>(
        &'a self,
        keep: impl Fn(Option<u32>) -> bool + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        self.flow_rows_in(0..self.len(), keep)
    }

    /// [`FlowTable::flow_rows`] among the rows `rows` only (rows past the table are
    /// none).
    pub fn flow_rows_in<'a>(
        &'a self,
        rows: Range<usize>,
        keep: impl Fn(Option<u32>) -> bool + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        let rows = rows.start.min(self.len())..rows.end.min(self.len());
        let first = rows.start;
        let c = &self.cols;
        let src = c.srcaddr.get(rows.clone()).unwrap_or_default();
        let dst = c.dstaddr.get(rows.clone()).unwrap_or_default();
        let status = c.status.get(rows.clone()).unwrap_or_default();
        let presence = c.presence.get(rows.clone()).unwrap_or_default();
        let start = c.start.get(rows).unwrap_or_default();
        src.iter()
            .zip(dst)
            .zip(status.iter().zip(presence))
            .zip(start)
            .enumerate()
            .filter_map(move |(i, (((&src, &dst), (&status, &present)), &start))| {
                let start = (present & present::START != 0).then_some(start);
                (is_flow(src, dst, status) && keep(start)).then_some(first + i)
            })
    }

    /// Calls `each` with every row of [`FlowTable::flow_rows`], in order, a chunk of
    /// rows a call (see [`in_chunks`]): for a pass over every record.
    pub fn each_flow_row(&self, keep: impl Fn(Option<u32>) -> bool, mut each: impl FnMut(usize)) {
        in_chunks(self.len(), &mut |rows| {
            for row in self.flow_rows_in(rows, &keep) {
                each(row);
            }
        });
    }

    /// The earliest start and the latest end of the records (a record without an end
    /// ends at its start), read as slices.
    pub fn time_extent(&self) -> (Option<u32>, Option<u32>) {
        // Without branches, so that it runs as vector code; the ends kept apart
        // (END_WIDE) count after.
        let (mut first, mut last, mut seen) = (u32::MAX, 0, 0);
        for ((&start, &delta), &present) in self
            .cols
            .start
            .iter()
            .zip(&self.cols.end)
            .zip(&self.cols.presence)
        {
            let has_start = present & present::START != 0;
            let has_end = present & present::END != 0;
            first = first.min(if has_start { start } else { u32::MAX });
            let end = if delta == END_WIDE {
                0
            } else {
                start.wrapping_add(u32::from(delta))
            };
            let until = if has_end { end } else { start };
            last = last.max(if has_end || has_start { until } else { 0 });
            seen |= present;
        }
        for &(_, end) in &self.overflow.end {
            last = last.max(end);
        }
        let first = (seen & present::START != 0).then_some(first);
        let last = (seen & (present::START | present::END) != 0).then_some(last);
        (first, last)
    }

    /// Rows whose log-status is `status`, in order, read as a slice.
    pub fn rows_with_status(&self, status: LogStatus) -> impl Iterator<Item = usize> + '_ {
        let code = status.code();
        self.cols
            .status
            .iter()
            .enumerate()
            .filter_map(move |(row, &s)| ((s >> 2) & 3 == code).then_some(row))
    }

    /// All core values of `row`.
    pub fn core(&self, row: usize) -> CoreValues {
        CoreValues {
            srcaddr: self.srcaddr(row),
            dstaddr: self.dstaddr(row),
            srcport: self.srcport(row),
            dstport: self.dstport(row),
            protocol: self.protocol(row),
            packets: self.packets(row),
            bytes: self.bytes(row),
            start_secs: self.start_secs(row),
            end_secs: self.end_secs(row),
            action: self.action(row),
            log_status: self.log_status(row),
        }
    }

    /// Makes room for appending `other` (its rows in every column, its addresses
    /// in the address table), fallibly: on an error nothing was appended, and the
    /// table is as it was but for spare capacity. The columns grow by a quarter
    /// (so that a data set built by appending files peaks near 1.25× its size), but
    /// by at most `spare_rows_max` rows more than `other` needs.
    pub fn try_reserve_for(
        &mut self,
        other: &FlowTable,
        spare_rows_max: usize,
    ) -> Result<(), TryReserveError> {
        let step = |len: usize| (len / 4).min(other.len().saturating_add(spare_rows_max));
        self.cols.try_grow(other.len(), step)?;
        self.addrs.try_reserve_for(&other.addrs)
    }

    /// Bytes the records take: the columns by their length (not the room reserved
    /// ahead, which depends on how reading went), the addresses and text likewise.
    /// The same for the same records however they were read; what the memory budget
    /// counts.
    pub fn used_bytes(&self) -> usize {
        let text: usize = self.text.iter().map(|(_, c)| c.used_bytes()).sum();
        self.len() * Columns::ROW_BYTES
            + self.overflow.used_bytes()
            + self.addrs.used_bytes()
            + text
    }

    /// [`FlowTable::used_bytes`] once `other` is appended (an upper bound: every
    /// address of `other` counted as new).
    pub fn used_bytes_after_append(&self, other: &FlowTable) -> usize {
        let text: usize = self.text.iter().map(|(_, c)| c.used_bytes()).sum::<usize>()
            + other
                .text
                .iter()
                .map(|(_, c)| c.used_bytes())
                .sum::<usize>();
        (self.len() + other.len()) * Columns::ROW_BYTES
            + self.overflow.used_bytes()
            + other.overflow.used_bytes()
            + self.addrs.used_bytes_after_adding(&other.addrs)
            + text
    }

    /// Appends all records of `other`, re-interning its addresses and text values.
    /// Room is made first with [`FlowTable::try_reserve_for`]; when that fails, the
    /// growth is left to the columns (which then abort as a `Vec` does).
    pub fn append(&mut self, other: &FlowTable) {
        // On an error the columns below grow as they can.
        let _ = self.try_reserve_for(other, usize::MAX);
        let remap: Vec<AddrId> = (0..other.addrs.id_count())
            .map(|i| match other.addrs.get(AddrId(i as u32)) {
                Some(addr) => self.addrs.intern(addr),
                None => AddrId::NONE,
            })
            .collect();
        let offset = self.len() as u32;
        self.cols.extend(&other.cols);
        self.overflow.extend(&other.overflow, offset);
        // The appended rows' addresses are ids of `other`'s table: remapped to ours.
        let map = |id: &mut AddrId| *id = remap.get(id.index()).copied().unwrap_or(AddrId::NONE);
        for column in [&mut self.cols.srcaddr, &mut self.cols.dstaddr] {
            column
                .get_mut(offset as usize..)
                .into_iter()
                .flatten()
                .for_each(map);
        }
        // Columns `self` has but `other` lacks are missing for the appended rows.
        if !other.is_empty() {
            for (name, col) in &mut self.text {
                if !other.text.iter().any(|(n, _)| n == name) {
                    col.push(offset, None);
                }
            }
        }
        for (name, col) in &other.text {
            let target = self.text_column_mut(name);
            if let Some((_, t)) = self.text.get_mut(target) {
                if col.runs.first().is_none_or(|&(first, _)| first > 0) {
                    t.push(offset, None);
                }
                for &(first, id) in &col.runs {
                    t.push(offset + first, col.values.get(id));
                }
            }
        }
    }

    /// A copy holding only the rows whose `keep` is true (rows past `keep` are
    /// dropped), in order; addresses keep their ids.
    pub fn filtered(&self, keep: &[bool]) -> FlowTable {
        // New row of each old row: the rows kept before it.
        let mut before = Vec::with_capacity(self.len() + 1);
        let mut kept = 0u32;
        for row in 0..self.len() {
            before.push(kept);
            kept += u32::from(keep.get(row).copied().unwrap_or(false));
        }
        before.push(kept);
        let text = self
            .text
            .iter()
            .map(|(name, col)| {
                let mut column = TextColumn::default();
                for &(first, id) in &col.runs {
                    let row = before.get(first as usize).copied().unwrap_or(kept);
                    if row < kept {
                        // A later run starting at the same new row replaces this one.
                        column.push(row, col.values.get(id));
                    }
                }
                (name.clone(), column)
            })
            .collect();
        FlowTable {
            addrs: self.addrs.clone(),
            cols: self.cols.filtered(keep),
            overflow: self.overflow.filtered(keep, &before),
            text,
        }
    }

    /// Makes room for `additional` more records in every core column at once (an
    /// estimate made before reading saves the copies of growing column by column).
    /// Fallible: the table is unchanged but for spare capacity on an error.
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        self.cols.try_reserve_exact(additional)
    }

    /// Rows the fixed-width columns hold without growing.
    pub fn capacity(&self) -> usize {
        self.cols.srcaddr.capacity()
    }

    /// Makes room for `rows` rows in all (one growth of every column, when a reader
    /// knows about how many are coming); fallible as [`FlowTable::try_reserve`].
    pub fn try_reserve_rows(&mut self, rows: usize) -> Result<(), TryReserveError> {
        self.try_reserve(rows.saturating_sub(self.len()))
    }

    /// Bytes of one record in the fixed-width columns.
    pub const ROW_BYTES: usize = Columns::ROW_BYTES;

    /// Marks every text column not in `keep` as missing from `row` on (a new format
    /// that lacks them starts there).
    pub fn mark_missing_except(&mut self, keep: &[usize], row: u32) {
        for (i, (_, col)) in self.text.iter_mut().enumerate() {
            if !keep.contains(&i) {
                col.push(row, None);
            }
        }
    }

    /// Heap bytes held by the fixed-width columns (and what they keep beside them).
    pub fn columns_heap_bytes(&self) -> usize {
        self.cols.heap_bytes() + self.overflow.heap_bytes()
    }

    /// Approximate heap bytes held by the records (columns, addresses, text).
    pub fn heap_bytes(&self) -> usize {
        let addrs = self.addrs.heap_bytes();
        let text: usize = self.text.iter().map(|(_, c)| c.heap_bytes()).sum();
        self.columns_heap_bytes() + addrs + text
    }

    /// Releases spare capacity (after reading finishes).
    pub fn shrink_to_fit(&mut self) {
        self.cols.shrink_to_fit();
        self.overflow.shrink_to_fit();
        for (_, c) in &mut self.text {
            c.runs.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(table: &mut FlowTable, src: &str, bytes: Option<u64>) -> CoreValues {
        CoreValues {
            srcaddr: table.addrs.intern(src.parse().unwrap()),
            dstaddr: AddrId::NONE,
            srcport: Some(3306),
            dstport: None,
            protocol: Some(6),
            packets: Some(3),
            bytes,
            start_secs: Some(1_600_000_000),
            end_secs: None,
            action: Some(Action::Reject),
            log_status: Some(LogStatus::SkipData),
        }
    }

    #[test]
    fn flow_rows_are_the_records_between_two_addresses_with_data() {
        let mut t = FlowTable::default();
        let a = t.addrs.intern("10.0.0.1".parse().unwrap());
        let b = t.addrs.intern("203.0.113.7".parse().unwrap());
        let flow = |start: Option<u32>, status: Option<LogStatus>| CoreValues {
            srcaddr: a,
            dstaddr: b,
            start_secs: start,
            action: Some(Action::Accept),
            log_status: status,
            ..CoreValues::default()
        };
        t.push(&flow(Some(100), Some(LogStatus::Ok))); // 0: a flow
        t.push(&flow(Some(200), Some(LogStatus::NoData))); // 1: no data
        t.push(&flow(Some(300), Some(LogStatus::SkipData))); // 2: skipped
        t.push(&CoreValues {
            dstaddr: AddrId::NONE,
            ..flow(Some(400), Some(LogStatus::Ok))
        }); // 3: no destination
        t.push(&CoreValues {
            srcaddr: AddrId::NONE,
            ..flow(Some(500), None)
        }); // 4: no source
        t.push(&flow(None, None)); // 5: a flow without status or start
        t.push(&flow(Some(700), None)); // 6: a flow without status
        let all: Vec<usize> = t.flow_rows(|_| true).collect();
        assert_eq!(all, [0, 5, 6]);
        let by_row: Vec<usize> = (0..t.len() + 2).filter(|&r| t.is_flow(r)).collect();
        assert_eq!(by_row, all);
        // `keep` sees each flow's start, or None.
        let late: Vec<usize> = t.flow_rows(|s| s.is_some_and(|s| s >= 150)).collect();
        assert_eq!(late, [6]);
        let no_start: Vec<usize> = t.flow_rows(|s| s.is_none()).collect();
        assert_eq!(no_start, [5]);
        // Within rows: the same rows, checked row by row (`is_flow`), for every range
        // (past the table too).
        for from in 0..=t.len() + 1 {
            for to in from..=t.len() + 2 {
                let got: Vec<usize> = t.flow_rows_in(from..to, |_| true).collect();
                let want: Vec<usize> = (from..to).filter(|&r| t.is_flow(r)).collect();
                assert_eq!(got, want, "rows {from}..{to}");
            }
        }
    }

    /// Chunks cover the rows once, in order, each at most `CHUNK_ROWS` long, around
    /// every chunk boundary.
    #[test]
    fn chunks_cover_the_rows_once_in_order() {
        for rows in [
            0,
            1,
            CHUNK_ROWS - 1,
            CHUNK_ROWS,
            CHUNK_ROWS + 1,
            3 * CHUNK_ROWS + 5,
        ] {
            let mut seen = Vec::new();
            in_chunks(rows, &mut |chunk| {
                assert!(!chunk.is_empty() && chunk.len() <= CHUNK_ROWS);
                seen.push(chunk);
            });
            let mut next = 0;
            for chunk in &seen {
                assert_eq!(chunk.start, next, "{rows} rows: {seen:?}");
                next = chunk.end;
            }
            assert_eq!(next, rows);
            assert_eq!(seen.len(), rows.div_ceil(CHUNK_ROWS));
        }
    }

    #[test]
    fn time_extent_and_status_rows() {
        let mut t = FlowTable::default();
        assert_eq!(t.time_extent(), (None, None));
        let record = |start: Option<u32>, end: Option<u32>, status: Option<LogStatus>| CoreValues {
            start_secs: start,
            end_secs: end,
            log_status: status,
            ..CoreValues::default()
        };
        // Only an end: no first start, and the end is the last.
        t.push(&record(None, Some(50), Some(LogStatus::SkipData)));
        assert_eq!(t.time_extent(), (None, Some(50)));
        t.push(&record(Some(300), Some(360), Some(LogStatus::Ok)));
        // No end: it ends at its start, 900, the latest.
        t.push(&record(Some(900), None, Some(LogStatus::NoData)));
        t.push(&record(Some(120), Some(400), None));
        t.push(&record(None, None, Some(LogStatus::SkipData)));
        assert_eq!(t.time_extent(), (Some(120), Some(900)));
        let skipped: Vec<usize> = t.rows_with_status(LogStatus::SkipData).collect();
        assert_eq!(skipped, [0, 4]);
        let ok: Vec<usize> = t.rows_with_status(LogStatus::Ok).collect();
        assert_eq!(ok, [1]);
        let nodata: Vec<usize> = t.rows_with_status(LogStatus::NoData).collect();
        assert_eq!(nodata, [2]);
    }

    #[test]
    fn push_and_read_back_keeps_missing_values_missing() {
        let mut t = FlowTable::default();
        let v = values(&mut t, "10.0.0.1", None);
        let row = t.push(&v);
        assert_eq!(t.core(row as usize), v);
        assert_eq!(t.bytes(0), None);
        assert_eq!(t.dstport(0), None);
        assert_eq!(t.srcport(0), Some(3306));
        assert_eq!(t.end_secs(0), None);
        // Out-of-range rows read as missing, never panic.
        assert_eq!(t.bytes(5), None);
        assert_eq!(t.srcaddr(5), AddrId::NONE);
    }

    #[test]
    fn text_columns_are_run_length_encoded() {
        let mut c = TextColumn::default();
        for row in 0..1000 {
            c.push(row, Some(if row < 600 { "eni-a" } else { "eni-b" }));
        }
        c.push(1000, None);
        assert_eq!(c.runs.len(), 3);
        assert_eq!(c.get(0), Some("eni-a"));
        assert_eq!(c.get(599), Some("eni-a"));
        assert_eq!(c.get(600), Some("eni-b"));
        assert_eq!(c.get(1000), None);
    }

    /// `values_in` gives, for every range of rows, the values `get` gives row by row
    /// (repeats of a run's value dropped), over a column that starts late, has gaps of
    /// missing values and runs of one row.
    #[test]
    fn values_in_agrees_with_get_row_by_row() {
        let mut c = TextColumn::default();
        // Rows 0-2 missing (no run yet), then a, a, b, missing, missing, a, c, c, b.
        let layout = [
            None,
            None,
            None,
            Some("a"),
            Some("a"),
            Some("b"),
            None,
            None,
            Some("a"),
            Some("c"),
            Some("c"),
            Some("b"),
        ];
        for (row, value) in layout.iter().enumerate().skip(3) {
            c.push(row as u32, *value);
        }
        let rows = layout.len() as u32 + 2; // two rows past the last pushed
        for start in 0..=rows {
            for end in start..=rows {
                let mut by_row: Vec<&str> = Vec::new();
                let mut last_run = None;
                for row in start..end {
                    // One value per run: a run is known by where it starts.
                    let run = c.runs.partition_point(|&(first, _)| first <= row);
                    if let Some(v) = c.get(row) {
                        if last_run != Some(run) {
                            by_row.push(v);
                        }
                    }
                    last_run = Some(run);
                }
                let runs: Vec<&str> = c.values_in(start..end).collect();
                assert_eq!(runs, by_row, "rows {start}..{end}");
            }
        }
        assert_eq!(
            c.values_in(0..12).collect::<Vec<_>>(),
            ["a", "b", "a", "c", "b"]
        );
        assert_eq!(c.values_in(6..8).count(), 0);
    }

    #[test]
    fn reserve_rows_makes_room_once_and_keeps_the_records() {
        let mut t = FlowTable::default();
        let v = values(&mut t, "10.0.0.1", Some(7));
        t.push(&v);
        t.try_reserve_rows(1000).unwrap();
        assert!(t.capacity() >= 1000);
        let room = t.capacity();
        for _ in 1..1000 {
            t.push(&v);
        }
        // No growth was needed for the 999 more rows.
        assert_eq!(t.capacity(), room);
        assert_eq!(t.len(), 1000);
        assert_eq!(t.core(999), v);
        // Asking for fewer rows than there are changes nothing.
        t.try_reserve_rows(10).unwrap();
        assert_eq!(t.capacity(), room);
    }

    #[test]
    fn append_remaps_addresses_and_text() {
        let mut a = FlowTable::default();
        let v = values(&mut a, "10.0.0.1", Some(10));
        a.push(&v);
        let col = a.text_column_mut("interface-id");
        a.push_text(col, 0, Some("eni-a"));

        let mut b = FlowTable::default();
        let _unused = b.addrs.intern("192.0.2.1".parse().unwrap());
        let v = values(&mut b, "10.0.0.2", Some(20));
        b.push(&v);
        let col = b.text_column_mut("vpc-id");
        b.push_text(col, 0, Some("vpc-1"));

        a.append(&b);
        assert_eq!(a.len(), 2);
        assert_eq!(a.addrs.get(a.srcaddr(1)), Some("10.0.0.2".parse().unwrap()));
        assert_eq!(a.bytes(1), Some(20));
        assert_eq!(a.text("interface-id", 0), Some("eni-a"));
        assert_eq!(a.text("interface-id", 1), None);
        assert_eq!(a.text("vpc-id", 0), None);
        assert_eq!(a.text("vpc-id", 1), Some("vpc-1"));
    }

    /// Values at the edges of the narrow columns, one per row: each reads back as
    /// given, after an append (rows moved) and a filter (rows dropped) too.
    #[test]
    fn values_too_large_for_their_column_read_back_as_given() {
        const S: u32 = 1_600_000_000;
        /// Name, packets, bytes, start, end.
        type Case = (
            &'static str,
            Option<u64>,
            Option<u64>,
            Option<u32>,
            Option<u32>,
        );
        let cases: &[Case] = &[
            ("small", Some(1), Some(60), Some(S), Some(S + 30)),
            (
                "just fits",
                Some(u64::from(u32::MAX) - 1),
                Some(u64::from(u32::MAX) - 1),
                Some(S),
                Some(S + 65_534),
            ),
            (
                "u32::MAX",
                Some(u64::from(u32::MAX)),
                Some(u64::from(u32::MAX)),
                Some(S),
                Some(S + 65_535),
            ),
            (
                "huge",
                Some(u64::MAX),
                Some(1 << 40),
                Some(S),
                Some(u32::MAX),
            ),
            ("end before start", Some(0), Some(0), Some(S), Some(S - 1)),
            ("end without start", None, None, None, Some(S + 7)),
            ("no end", Some(2), None, Some(S), None),
            ("nothing", None, None, None, None),
            ("zero", Some(0), Some(0), Some(0), Some(0)),
        ];
        let mut t = FlowTable::default();
        let mut pushed = Vec::new();
        for &(name, packets, bytes, start_secs, end_secs) in cases {
            let v = CoreValues {
                packets,
                bytes,
                start_secs,
                end_secs,
                ..CoreValues::default()
            };
            let row = t.try_push(&v).unwrap() as usize;
            assert_eq!(t.core(row), v, "{name}");
            pushed.push(v);
        }
        assert_eq!(t.overflow.packets.len(), 2);
        assert_eq!(t.overflow.end.len(), 4);
        assert_eq!(t.time_extent(), (Some(0), Some(u32::MAX)));
        // Appended after a row: every row moved by one.
        let mut a = FlowTable::default();
        a.push(&pushed[0]);
        a.append(&t);
        for (i, v) in pushed.iter().enumerate() {
            assert_eq!(a.core(i + 1), *v, "{} after append", cases[i].0);
        }
        // Every other row kept.
        let keep: Vec<bool> = (0..a.len()).map(|r| r % 2 == 0).collect();
        let f = a.filtered(&keep);
        for (new, old) in (0..a.len()).filter(|r| r % 2 == 0).enumerate() {
            assert_eq!(f.core(new), a.core(old), "row {old} filtered");
        }
    }

    /// An allocation that cannot be had is an error, not an abort, and the table
    /// stays as it was and usable.
    #[test]
    fn a_reservation_that_cannot_be_had_is_an_error() {
        let mut t = FlowTable::default();
        let v = values(&mut t, "10.0.0.1", Some(7));
        t.try_push(&v).unwrap();
        for rows in [usize::MAX / 2, usize::MAX / 16, 1 << 60] {
            assert!(t.try_reserve(rows).is_err(), "{rows} rows");
            assert!(t.try_reserve_rows(rows).is_err(), "{rows} rows");
        }
        assert_eq!(t.len(), 1);
        assert_eq!(t.try_push(&v).unwrap(), 1);
        assert_eq!(t.core(1), v);
    }

    /// try_push grows every column at once, by doubling, and reserving for another
    /// table leaves room for all of it: appending then moves no column.
    #[test]
    fn try_push_and_try_reserve_for_make_room_in_every_column() {
        let mut t = FlowTable::default();
        let v = values(&mut t, "10.0.0.1", Some(7));
        for _ in 0..100 {
            t.try_push(&v).unwrap();
        }
        assert_eq!(t.capacity(), 128);
        assert!(t.cols.bytes.capacity() >= 100 && t.cols.status.capacity() >= 100);
        let mut other = FlowTable::default();
        for i in 0..500u32 {
            let mut w = values(
                &mut other,
                &format!("192.0.{}.{}", i / 256, i % 256),
                Some(1),
            );
            w.dstaddr = other.addrs.intern("10.0.0.1".parse().unwrap());
            other.try_push(&w).unwrap();
        }
        let expected = t.used_bytes_after_append(&other);
        t.try_reserve_for(&other, usize::MAX).unwrap();
        let (bytes, slots) = (t.cols.bytes.as_ptr(), t.addrs.heap_bytes());
        t.append(&other);
        assert_eq!(t.cols.bytes.as_ptr(), bytes, "no column moved");
        assert_eq!(
            t.addrs.heap_bytes(),
            slots,
            "the address table did not grow"
        );
        assert_eq!(t.len(), 600);
        assert!(
            t.used_bytes() <= expected,
            "{} > {expected}",
            t.used_bytes()
        );
        assert_eq!(
            t.used_bytes(),
            600 * FlowTable::ROW_BYTES + t.addrs.used_bytes()
        );
        assert_eq!(
            t.addrs.get(t.srcaddr(599)),
            Some("192.0.1.243".parse().unwrap())
        );
    }

    #[test]
    fn reserve_makes_room_in_every_core_column() {
        let mut t = FlowTable::default();
        t.try_reserve(1000).unwrap();
        assert_eq!(t.len(), 0);
        for cap in [
            t.cols.srcaddr.capacity(),
            t.cols.dstaddr.capacity(),
            t.cols.srcport.capacity(),
            t.cols.dstport.capacity(),
            t.cols.protocol.capacity(),
            t.cols.packets.capacity(),
            t.cols.bytes.capacity(),
            t.cols.start.capacity(),
            t.cols.end.capacity(),
            t.cols.presence.capacity(),
            t.cols.status.capacity(),
        ] {
            assert!(cap >= 1000, "capacity {cap}");
        }
        // 4 + 4 + 2 + 2 + 1 + 4 + 4 + 4 + 2 + 1 + 1 = 29 bytes a record, reserved.
        assert_eq!(Columns::ROW_BYTES, 29);
        assert!(t.heap_bytes() >= 29_000);
        // Pushing up to the reservation moves no column.
        let v = values(&mut t, "10.0.0.1", Some(10));
        let before = t.cols.bytes.as_ptr();
        for _ in 0..1000 {
            t.push(&v);
        }
        assert_eq!(t.cols.bytes.as_ptr(), before);
        assert_eq!(t.bytes(999), Some(10));
    }
}
