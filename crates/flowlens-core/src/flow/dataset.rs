//! A data set: the records of every file read so far, what each file contributed, and
//! every diagnostic. Files are added one at a time by [`super::FileReader`]; data sets
//! read in parallel are joined with [`Dataset::append`].

use serde::Serialize;

use super::budget::{MemoryBudget, ReadingStop};
use super::diagnostic::{Diagnostic, DiagnosticKind};
use super::form::{Form, FormatSource};
use super::format::Format;
use super::table::{FlowTable, LogStatus};

/// What one input file contributed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// Name or path as given.
    pub name: String,
    /// Bytes of the file as stored (compressed when gzip).
    pub bytes_read: u64,
    /// Bytes of text after decompression.
    pub text_bytes: u64,
    /// True when the content was gzip.
    pub gzip: bool,
    /// The form the records came in.
    pub form: Form,
    /// True for a member of an archive (its bytes are counted in the archive's).
    pub member: bool,
    /// A hash of the file's bytes (see [`super::content_hash`]): the same content
    /// given again is not read twice. `None` when the bytes went round the reader
    /// (decompressed by the browser) or the file is empty.
    #[serde(skip)]
    pub content_hash: Option<u128>,
    /// Where the format of its records came from (a header, or assumed).
    pub format_source: FormatSource,
    /// Records kept (every log-status).
    pub records: u64,
    /// Records with log-status NODATA.
    pub nodata: u64,
    /// Records with log-status SKIPDATA.
    pub skipdata: u64,
    /// Lines that could not be used.
    pub bad_lines: u64,
    /// Records left out because files read before hold them too (the same records
    /// given in two files or forms).
    pub folded: u64,
    /// Window start from an S3 key's `YYYYMMDDTHHmmZ` stamp.
    pub window_start: Option<u32>,
    /// False when reading stopped early (damaged or unreadable file).
    pub complete: bool,
    /// Row of the file's first record in the table.
    #[serde(skip)]
    pub first_row: u32,
}

impl FileSummary {
    /// The rows of the table that hold the file's records.
    pub fn rows(&self) -> std::ops::Range<usize> {
        let first = self.first_row as usize;
        first..first.saturating_add(self.records as usize)
    }
}

/// How many files and records came in one form ("What was read").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FormCount {
    /// The form.
    pub form: Form,
    /// Files in this form (a ZIP archive and each of its members count apart).
    pub files: u64,
    /// Records they held.
    pub records: u64,
    /// Files whose records had no header, read in the default format (assumed).
    pub format_assumed: u64,
}

/// Everything read so far.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    /// The records.
    pub table: FlowTable,
    /// One entry per file, in the order read.
    pub files: Vec<FileSummary>,
    /// Every problem found, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// True once reading stopped at [`super::ReadOptions::max_records`].
    pub limit_reached: bool,
    /// `(first row, format)`: the format of the records from that row on.
    pub(super) formats: Vec<(u32, Format)>,
    /// Records left out as repeats of records in other files (see
    /// [`Dataset::append`]).
    pub folded: u64,
    /// Where each file appended so far has records (by index in `files`), to find
    /// the files a new one may repeat records of.
    pub(super) extents: Vec<(usize, Extent)>,
    /// How much was read when reading stopped at a memory budget (see
    /// [`Dataset::append_within`]).
    pub reading_stop: Option<ReadingStop>,
}

/// The times and interfaces of one file's records.
#[derive(Clone, Debug)]
pub(super) struct Extent {
    first_start: u32,
    last_end: u32,
    /// Its interface ids (`None`: more than [`Extent::MAX_INTERFACES`], or none named).
    interfaces: Option<Vec<String>>,
}

impl Extent {
    const MAX_INTERFACES: usize = 64;

    /// The extent of rows `rows` of `table`, `None` when none has a time.
    fn of(table: &FlowTable, rows: std::ops::Range<usize>) -> Option<Extent> {
        let mut first_start = u32::MAX;
        let mut last_end = 0;
        for row in rows.clone() {
            if let Some(start) = table.start_secs(row) {
                first_start = first_start.min(start);
                last_end = last_end.max(table.end_secs(row).unwrap_or(start));
            }
        }
        // The interface ids by their runs, not row by row (a file has one or a few).
        let mut interfaces: Option<Vec<String>> = Some(Vec::new());
        for eni in table
            .text_values_in("interface-id", rows)
            .into_iter()
            .flatten()
        {
            let Some(list) = interfaces.as_mut() else {
                break;
            };
            if !list.iter().any(|e| e == eni) {
                if list.len() < Self::MAX_INTERFACES {
                    list.push(eni.to_string());
                } else {
                    interfaces = None;
                }
            }
        }
        let interfaces = interfaces.filter(|list| !list.is_empty());
        (first_start <= last_end).then_some(Extent {
            first_start,
            last_end,
            interfaces,
        })
    }

    /// True when the two may hold the same records.
    fn overlaps(&self, other: &Extent) -> bool {
        let times = self.first_start <= other.last_end && other.first_start <= self.last_end;
        let interfaces = match (&self.interfaces, &other.interfaces) {
            (Some(a), Some(b)) => a.iter().any(|x| b.contains(x)),
            _ => true,
        };
        times && interfaces
    }
}

/// Each record's fields of rows `rows` as one number: the core values (addresses as
/// addresses, not ids) and every named text value, whatever the table and the column
/// order. The fields go to the hasher as they are (no text made per record) and the
/// text columns are walked along their runs, each value hashed once per run: files
/// whose times overlap are common (a record's interval crosses the file's window), and
/// every record of both is keyed.
///
/// Only rows whose start time is in `times` (or that have none) are keyed: a record
/// that another holds too has its start time, so the rest need no key.
fn record_keys(
    table: &FlowTable,
    rows: std::ops::Range<usize>,
    times: std::ops::RangeInclusive<u32>,
) -> Vec<(usize, u64)> {
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};
    let text_rows =
        u32::try_from(rows.start).unwrap_or(u32::MAX)..u32::try_from(rows.end).unwrap_or(u32::MAX);
    // Per text column: its ids row by row, and the last id seen with its hash.
    let mut texts: Vec<_> = table
        .text_columns()
        .map(|(name, col)| (name, col, col.ids_in(text_rows.clone()), (0u32, 0u64)))
        .collect();
    let mut keys = Vec::new();
    let mut ids = vec![0u32; texts.len()];
    for row in rows {
        // Every column's walk moves on one row, keyed or not.
        for (id, text) in ids.iter_mut().zip(&mut texts) {
            *id = text.2.next().unwrap_or(0);
        }
        if table
            .start_secs(row)
            .is_some_and(|start| !times.contains(&start))
        {
            continue;
        }
        let core = table.core(row);
        let mut hasher = DefaultHasher::new();
        (
            table.addrs.get(core.srcaddr),
            table.addrs.get(core.dstaddr),
            core.srcport,
            core.dstport,
            core.protocol,
            core.packets,
            core.bytes,
            core.start_secs,
            core.end_secs,
            core.action,
            core.log_status,
        )
            .hash(&mut hasher);
        // Text columns in any order: their hashes are added.
        let mut sum: u64 = 0;
        for ((name, col, _, last), &id) in texts.iter_mut().zip(&ids) {
            if id == 0 {
                continue;
            }
            if last.0 != id {
                let mut h = DefaultHasher::new();
                (&**name, col.value(id)).hash(&mut h);
                *last = (id, h.finish());
            }
            sum = sum.wrapping_add(last.1);
        }
        sum.hash(&mut hasher);
        keys.push((row, hasher.finish()));
    }
    keys
}

impl Dataset {
    /// Records kept, over all files.
    pub fn records(&self) -> u64 {
        self.table.len() as u64
    }

    /// NODATA records over all files.
    pub fn nodata(&self) -> u64 {
        self.files.iter().fold(0, |a, f| a.saturating_add(f.nodata))
    }

    /// SKIPDATA records over all files.
    pub fn skipdata(&self) -> u64 {
        self.files
            .iter()
            .fold(0, |a, f| a.saturating_add(f.skipdata))
    }

    /// Bytes of input read over all files (archives as packed, not their members).
    pub fn bytes_read(&self) -> u64 {
        self.files
            .iter()
            .filter(|f| !f.member)
            .fold(0, |a, f| a.saturating_add(f.bytes_read))
    }

    /// Files and records per form, in [`Form::ALL`]'s order, the forms seen only.
    pub fn forms(&self) -> Vec<FormCount> {
        Form::ALL
            .iter()
            .filter_map(|&form| {
                let files: Vec<&FileSummary> =
                    self.files.iter().filter(|f| f.form == form).collect();
                (!files.is_empty()).then(|| FormCount {
                    form,
                    files: files.len() as u64,
                    records: files.iter().fold(0, |a, f| a.saturating_add(f.records)),
                    format_assumed: files
                        .iter()
                        .filter(|f| f.format_source == FormatSource::Default)
                        .count() as u64,
                })
            })
            .collect()
    }

    /// Makes room for `records` more records (an estimate, e.g. from file sizes);
    /// fallible (see [`FlowTable::try_reserve`]).
    pub fn try_reserve(&mut self, records: usize) -> Result<(), std::collections::TryReserveError> {
        self.table.try_reserve(records)
    }

    /// Notes that records from `row` on are in `format`.
    pub(crate) fn formats_push(&mut self, row: u32, format: Format) {
        if self.formats.last().is_some_and(|(_, f)| *f == format) {
            return;
        }
        if self.formats.last().is_some_and(|&(r, _)| r == row) {
            self.formats.pop();
        }
        self.formats.push((row, format));
    }

    /// `other` without the records that files already here hold (see
    /// [`Dataset::append`]), with the extent of each of its files after that.
    fn fold(&self, mut other: Dataset) -> (Dataset, Vec<Option<Extent>>) {
        let mut keep = vec![true; other.table.len()];
        let mut dropped_any = false;
        let extents = other.file_extents();
        for (file, extent) in other.files.iter_mut().zip(&extents) {
            let rows = file.rows();
            let Some(extent) = extent else {
                continue;
            };
            let earlier: Vec<usize> = self
                .extents
                .iter()
                .filter(|(_, e)| e.overlaps(extent))
                .map(|&(f, _)| f)
                .collect();
            if earlier.is_empty() {
                continue;
            }
            // Only records inside both extents can be held by both.
            let (from, to) = self
                .extents
                .iter()
                .filter(|(f, _)| earlier.contains(f))
                .fold((u32::MAX, 0), |(a, b), (_, e)| {
                    (a.min(e.first_start), b.max(e.last_end))
                });
            let ours = extent.first_start..=extent.last_end;
            let theirs = from..=to;
            let mut held: std::collections::HashMap<u64, u32> = Default::default();
            for f in earlier.iter().filter_map(|&f| self.files.get(f)) {
                for (_, key) in record_keys(&self.table, f.rows(), ours.clone()) {
                    *held.entry(key).or_default() += 1;
                }
            }
            let mut folded = 0;
            for (row, key) in record_keys(&other.table, rows, theirs) {
                if let Some(count) = held.get_mut(&key).filter(|c| **c > 0) {
                    *count -= 1;
                    if let Some(k) = keep.get_mut(row) {
                        *k = false;
                    }
                    folded += 1;
                }
            }
            file.folded += folded;
            dropped_any |= folded > 0;
        }
        if !dropped_any {
            return (other, extents);
        }
        // The rows kept before each old row: the new rows of the files and formats.
        let mut before = Vec::with_capacity(keep.len() + 1);
        let mut kept = 0u32;
        for &k in &keep {
            before.push(kept);
            kept += u32::from(k);
        }
        before.push(kept);
        let new_row = |row: u32| before.get(row as usize).copied().unwrap_or(kept);
        let table = other.table.filtered(&keep);
        for file in &mut other.files {
            let (first, end) = (file.first_row, file.first_row + file.records as u32);
            file.first_row = new_row(first);
            file.records = u64::from(new_row(end) - new_row(first));
            let rows = file.rows();
            let status = |s: LogStatus| {
                rows.clone()
                    .filter(|&r| table.log_status(r) == Some(s))
                    .count() as u64
            };
            file.nodata = status(LogStatus::NoData);
            file.skipdata = status(LogStatus::SkipData);
            other.folded += file.folded;
        }
        let formats = std::mem::take(&mut other.formats);
        other.formats = formats
            .into_iter()
            .map(|(row, f)| (new_row(row), f))
            .collect();
        other.table = table;
        let extents = other.file_extents();
        (other, extents)
    }

    /// Each file's [`Extent`], in file order.
    fn file_extents(&self) -> Vec<Option<Extent>> {
        self.files
            .iter()
            .map(|file| Extent::of(&self.table, file.rows()))
            .collect()
    }

    /// Notes for the files of `other` when each repeats a file already read (by
    /// content), `None` when any is new.
    fn repeats(&self, other: &Dataset) -> Option<Vec<Diagnostic>> {
        let given: Vec<&FileSummary> = other.files.iter().filter(|f| !f.member).collect();
        if given.is_empty() {
            return None;
        }
        given
            .iter()
            .map(|file| {
                // A file without records repeats harmlessly: quiet intervals all
                // have the same header-only bytes, and each keeps its own note.
                if file.records == 0 {
                    return None;
                }
                let hash = file.content_hash?;
                let first = self.files.iter().find(|f| {
                    !f.member && f.content_hash == Some(hash) && f.bytes_read == file.bytes_read
                })?;
                let message = format!(
                    "has the same content as {}, read before: not read again",
                    first.name
                );
                Some(Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    &file.name,
                    message,
                ))
            })
            .collect()
    }

    /// The format the record at `row` was read with.
    pub fn format_at(&self, row: usize) -> Option<&Format> {
        let i = self
            .formats
            .partition_point(|&(first, _)| first as usize <= row);
        i.checked_sub(1)
            .and_then(|i| self.formats.get(i))
            .map(|(_, f)| f)
    }

    /// Bytes the lists beside the table take (files, diagnostics, extents,
    /// formats), by length: the same however they grew.
    fn lists_bytes(&self) -> usize {
        use std::mem::size_of;
        let files = self.files.len() * size_of::<FileSummary>()
            + self.files.iter().map(|f| f.name.len()).sum::<usize>();
        let diagnostics = self.diagnostics.len() * size_of::<Diagnostic>()
            + self
                .diagnostics
                .iter()
                .map(|d| d.file.len() + d.message.len())
                .sum::<usize>();
        let extents = self.extents.len() * size_of::<(usize, Extent)>()
            + self
                .extents
                .iter()
                .filter_map(|(_, e)| e.interfaces.as_ref())
                .map(|list| {
                    list.iter()
                        .map(|i| i.len() + size_of::<String>())
                        .sum::<usize>()
                })
                .sum::<usize>();
        let formats = self.formats.len() * size_of::<(u32, Format)>()
            + self
                .formats
                .iter()
                .map(|(_, f)| f.columns().len() * 32)
                .sum::<usize>();
        files + diagnostics + extents + formats
    }

    /// Bytes held: the table (columns with the room reserved ahead, addresses, text)
    /// and the lists beside it.
    pub fn held_bytes(&self) -> u64 {
        (self.table.heap_bytes() + self.lists_bytes()) as u64
    }

    /// Bytes the data set takes (see [`FlowTable::used_bytes`]): what
    /// [`MemoryBudget`] counts. The same for the same files however they were read;
    /// it is [`Dataset::held_bytes`] once the room reserved ahead is given back.
    pub fn used_bytes(&self) -> u64 {
        (self.table.used_bytes() + self.lists_bytes()) as u64
    }

    /// [`Dataset::used_bytes`] once `other` is appended (an upper bound: every
    /// address of `other` counted as new).
    pub fn used_bytes_after_append(&self, other: &Dataset) -> u64 {
        (self.table.used_bytes_after_append(&other.table)
            + self.lists_bytes()
            + other.lists_bytes()) as u64
    }

    /// Appends `other` when the data set stays within `budget` and memory can be had
    /// for it (allocations made fallibly, before anything changes); otherwise
    /// refuses it, noting each of its files as not read, and stops reading
    /// ([`Dataset::limit_reached`]). The first time reading stops (here, or earlier
    /// in a file at the record limit), [`Dataset::reading_stop`] keeps how much was
    /// read. True when `other` was appended.
    pub fn append_within(&mut self, other: Dataset, budget: &MemoryBudget) -> bool {
        let appended = if let Some(notes) = self.repeats(&other) {
            self.diagnostics.extend(notes);
            true
        } else {
            let (other, extents) = self.fold(other);
            let why = if !budget.admits(self, &other) {
                Some("its records would pass the memory budget")
            } else if self
                .table
                .try_reserve_for(
                    &other.table,
                    budget.records_left_after(self, &other) as usize,
                )
                .is_err()
            {
                Some("memory for its records could not be had")
            } else {
                None
            };
            match why {
                None => {
                    self.append_folded(other, extents);
                    true
                }
                Some(why) => {
                    for file in other.files.iter().filter(|f| !f.member) {
                        let message = format!("not read: {why}; reading stopped before it");
                        self.diagnostics.push(Diagnostic::new(
                            DiagnosticKind::RecordLimit,
                            &file.name,
                            message,
                        ));
                    }
                    self.limit_reached = true;
                    false
                }
            }
        };
        if self.limit_reached && self.reading_stop.is_none() {
            self.reading_stop = Some(budget.stop(self));
        }
        appended
    }

    /// Appends another data set (read in parallel) after this one.
    ///
    /// The same data given twice is counted once. When every file given in `other`
    /// has the content of a file already here (the same file given twice: a folder and
    /// a sub-folder of it), `other` is not appended: a note names the file it repeats.
    /// When a file of `other` holds records that a file already here holds too (the
    /// S3 text and a CloudWatch export of the same interface), those are left out
    /// (folded, and counted in `folded` and the file's summary), as many times as the
    /// earlier files hold them: two identical lines in one file stay two records.
    /// Only files whose times and interfaces overlap are compared.
    pub fn append(&mut self, other: Dataset) {
        if let Some(notes) = self.repeats(&other) {
            self.diagnostics.extend(notes);
            return;
        }
        let (other, extents) = self.fold(other);
        self.append_folded(other, extents);
    }

    /// Appends `other`, whose repeats are folded already, with the extent of each of
    /// its files.
    fn append_folded(&mut self, other: Dataset, extents: Vec<Option<Extent>>) {
        let base = self.files.len();
        for (i, extent) in extents.into_iter().enumerate() {
            if let Some(extent) = extent {
                self.extents.push((base + i, extent));
            }
        }
        self.folded += other.folded;
        let offset = self.table.len() as u32;
        if self.table.is_empty()
            && self.table.capacity() == 0
            && self.table.addrs.id_count() == 1
            && self.table.text_column_names().next().is_none()
        {
            // Nothing here yet: the table is taken as it is (no copy).
            self.table = other.table;
        } else {
            self.table.append(&other.table);
        }
        self.files.extend(other.files.into_iter().map(|mut f| {
            f.first_row += offset;
            f
        }));
        self.diagnostics.extend(other.diagnostics);
        self.limit_reached |= other.limit_reached;
        for (row, format) in other.formats {
            self.formats_push(row + offset, format);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, ReadOptions};

    fn one(name: &str, bytes: &[u8]) -> Dataset {
        let mut ds = Dataset::default();
        read_bytes(&mut ds, name, bytes, &ReadOptions::default());
        ds
    }

    const TEXT: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
                        2 1 eni-1 10.0.0.1 10.0.0.2 3306 50000 6 1 100 1600221687 1600221700 ACCEPT OK\n";

    /// The same file given twice (a folder, then a sub-folder of it) is read once,
    /// with a note; another file with other bytes is read; an empty file and a file
    /// whose bytes the reader did not see are never taken for repeats (their records
    /// are still folded).
    #[test]
    fn the_same_content_given_twice_is_read_once() {
        let mut all = Dataset::default();
        all.append(one("week/a.log", TEXT.as_bytes()));
        all.append(one("week/sub/a-copy.log", TEXT.as_bytes()));
        all.append(one("b.log", TEXT.replace("100", "101").as_bytes()));
        all.append(one("empty1.log", b""));
        all.append(one("empty2.log", b""));
        assert_eq!(all.records(), 2);
        let names: Vec<&str> = all.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["week/a.log", "b.log", "empty1.log", "empty2.log"]);
        let repeat = all
            .diagnostics
            .iter()
            .find(|d| d.kind == DiagnosticKind::Duplicate)
            .unwrap();
        assert_eq!(repeat.file, "week/sub/a-copy.log");
        assert_eq!(
            repeat.message,
            "has the same content as week/a.log, read before: not read again"
        );
        assert!(!repeat.is_problem());
        // Read outside the reader (the browser inflated it): not recognised.
        let mut outside = Dataset::default();
        let mut reader =
            crate::flow::FileReader::new_text(&mut outside, "c.log", &ReadOptions::default());
        reader.count_input_bytes(&mut outside, 10);
        reader.push_text(&mut outside, TEXT.as_bytes());
        reader.finish(&mut outside);
        all.append(outside.clone());
        all.append(outside);
        assert_eq!(all.files.len(), 6, "not refused as a repeat");
        // Its records repeat week/a.log's: folded, not counted again.
        assert_eq!((all.records(), all.folded), (2, 2));
    }

    /// A file per call: `records` records from addresses `first`.. (one each).
    fn numbered(name: &str, first: u32, records: u32) -> Dataset {
        let mut text = TEXT.lines().next().unwrap().to_string() + "\n";
        for i in first..first + records {
            let [a, b, c, d] = (0x0b00_0000 + i).to_be_bytes();
            text += &format!(
                "2 1 eni-1 {a}.{b}.{c}.{d} 10.0.0.2 40000 3306 6 1 60 {} {} REJECT OK\n",
                1_600_000_000 + i,
                1_600_000_030 + i
            );
        }
        one(name, text.as_bytes())
    }

    /// Within the budget files are appended as by `append`; the first that would
    /// pass it is not, and is noted; reading stops there (files after it are noted
    /// unread by the reader) and the figures of the stop are those before it.
    #[test]
    fn appending_within_a_budget_stops_at_it_and_keeps_what_was_read() {
        let mut free = Dataset::default();
        for i in 0..4 {
            free.append(numbered(&format!("{i}.log"), i * 1000, 1000));
        }
        // A budget that holds about two and a half files.
        let mut probe = Dataset::default();
        probe.append(numbered("0.log", 0, 1000));
        probe.append(numbered("1.log", 1000, 1000));
        let two = probe.used_bytes_after_append(&numbered("2.log", 2000, 1000));
        let budget = MemoryBudget::with_bytes(two - 1);
        let mut all = Dataset::default();
        assert!(all.append_within(numbered("0.log", 0, 1000), &budget));
        assert!(all.append_within(numbered("1.log", 1000, 1000), &budget));
        assert!(all.reading_stop.is_none());
        let before = (all.records(), all.table.heap_bytes());
        assert!(!all.append_within(numbered("2.log", 2000, 1000), &budget));
        assert!(all.limit_reached);
        assert_eq!(
            (all.records(), all.table.heap_bytes()),
            before,
            "nothing of it kept"
        );
        let stop = all.reading_stop.clone().unwrap();
        assert_eq!((stop.files, stop.records), (2, 2000));
        assert_eq!(stop.held_bytes, all.used_bytes());
        assert!(stop.held_bytes <= budget.bytes);
        let text: u64 = free.files[..2].iter().map(|f| f.text_bytes).sum();
        assert_eq!(stop.text_bytes, text);
        let note = all.diagnostics.last().unwrap();
        assert_eq!(note.kind, DiagnosticKind::RecordLimit);
        assert_eq!(note.file, "2.log");
        assert!(note.message.contains("memory budget"), "{}", note.message);
        // The next file is noted by the reader, not read, and the stop stays.
        let mut next = Dataset {
            limit_reached: true,
            ..Dataset::default()
        };
        read_bytes(&mut next, "3.log", TEXT.as_bytes(), &ReadOptions::default());
        assert_eq!(next.records(), 0);
        all.append_within(next, &budget);
        assert_eq!(all.records(), 2000);
        assert_eq!(all.reading_stop, Some(stop));
        // What was read is what `append` keeps of the same files.
        for row in (0..2000).step_by(97) {
            assert_eq!(all.table.core(row).bytes, free.table.core(row).bytes);
            assert_eq!(
                all.table.addrs.get(all.table.srcaddr(row)),
                free.table.addrs.get(free.table.srcaddr(row))
            );
        }
    }

    /// The same records in two files or forms (the S3 text and a CloudWatch export of
    /// the same interface) count once, with the folded ones counted; two identical
    /// lines inside one file stay two records.
    #[test]
    fn records_given_in_two_files_or_forms_count_once() {
        const R: [&str; 5] = [
            "2 1 eni-1 10.0.0.1 10.0.0.2 3306 50000 6 1 101 1600221687 1600221700 ACCEPT OK",
            "2 1 eni-1 10.0.0.1 10.0.0.2 3306 50001 6 1 102 1600221687 1600221700 ACCEPT OK",
            "2 1 eni-1 10.0.0.1 10.0.0.2 3306 50002 6 1 103 1600221687 1600221700 ACCEPT OK",
            "2 1 eni-1 10.0.0.1 10.0.0.2 3306 50003 6 1 104 1600221687 1600221700 ACCEPT OK",
            "2 1 eni-1 - - - - - - - 1600221600 1600222200 - NODATA",
        ];
        let header = TEXT.lines().next().unwrap();
        let s3 = format!("{header}\n{}\n{}\n{}\n{}\n", R[0], R[1], R[2], R[4]);
        // The export holds R1, R2 (both in the S3 file), R3 twice and the NODATA record.
        let export: String = [R[1], R[2], R[3], R[3], R[4]]
            .iter()
            .map(|r| format!("2020-09-16T02:01:27.000Z {r}\n"))
            .collect();
        let mut all = Dataset::default();
        all.append(one("s3.log", s3.as_bytes()));
        all.append(one("export.gz", export.as_bytes()));
        assert_eq!(all.records(), 6, "R0 R1 R2 NODATA, then R3 twice");
        assert_eq!(all.folded, 3);
        let export_file = &all.files[1];
        assert_eq!(
            (export_file.records, export_file.folded, export_file.nodata),
            (2, 3, 0)
        );
        assert_eq!(all.nodata(), 1);
        let bytes: Vec<_> = (0..all.table.len()).map(|r| all.table.bytes(r)).collect();
        assert_eq!(
            bytes,
            [Some(101), Some(102), Some(103), None, Some(104), Some(104)]
        );
        assert_eq!(all.table.text("interface-id", 5), Some("eni-1"));
        assert_eq!(all.format_at(5), Some(&crate::flow::Format::default_v2()));
        // Another interface's records are not compared (and differ by interface).
        all.append(one("other.log", s3.replace("eni-1", "eni-2").as_bytes()));
        assert_eq!((all.records(), all.folded), (10, 3));
    }

    /// Consecutive files of one interface whose times overlap (a record's interval
    /// crosses the window, as AWS delivers them): only records both hold fold, those
    /// without a start time included; records inside the overlap that differ, and
    /// records outside it, stay. Counted by hand from the lines below.
    #[test]
    fn files_whose_times_overlap_fold_only_the_records_both_hold() {
        let header = TEXT.lines().next().unwrap();
        let line = |dport: u32, bytes: u32, start: u32, end: u32| {
            format!(
                "2 1 eni-1 10.0.0.1 10.0.0.2 3306 {dport} 6 1 {bytes} {start} {end} ACCEPT OK\n"
            )
        };
        let no_start = "2 1 eni-1 10.0.0.1 10.0.0.2 3306 50009 6 1 9 - - ACCEPT OK\n";
        // File a: 1000..1400, its last two records crossing into file b's window.
        let a = format!(
            "{header}\n{}{}{}{}{no_start}",
            line(50000, 10, 1000, 1100),
            line(50001, 11, 1200, 1290),
            line(50002, 12, 1290, 1350),
            line(50003, 13, 1295, 1400),
        );
        // File b: 1290..1700. It repeats 50002 and 50003 and the record without a
        // start; 50004 starts inside a's extent but a does not hold it; 50005 is
        // after it.
        let b = format!(
            "{header}\n{}{}{}{}{no_start}",
            line(50002, 12, 1290, 1350),
            line(50003, 13, 1295, 1400),
            line(50004, 14, 1296, 1390),
            line(50005, 15, 1500, 1700),
        );
        let mut all = Dataset::default();
        all.append(one("a.log", a.as_bytes()));
        all.append(one("b.log", b.as_bytes()));
        assert_eq!((all.records(), all.folded), (7, 3));
        let kept: Vec<_> = (0..all.table.len()).map(|r| all.table.dstport(r)).collect();
        let ports = [50000, 50001, 50002, 50003, 50009, 50004, 50005];
        assert_eq!(kept, ports.map(Some));
        // The same record once more in a third file: held by a (and not by b, whose
        // copy was folded), so it folds once more.
        all.append(one(
            "c.log",
            format!("{header}\n{}", line(50001, 11, 1200, 1290)).as_bytes(),
        ));
        assert_eq!((all.records(), all.folded), (7, 4));
    }
}
