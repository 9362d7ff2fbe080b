//! A data set: the records of every file read so far, what each file contributed, and
//! every diagnostic. Files are added one at a time by [`super::FileReader`]; data sets
//! read in parallel are joined with [`Dataset::append`].

use serde::Serialize;

use super::diagnostic::{Diagnostic, DiagnosticKind};
use super::form::{Form, FormatSource};
use super::format::Format;
use super::table::FlowTable;

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
    /// Window start from an S3 key's `YYYYMMDDTHHmmZ` stamp.
    pub window_start: Option<u32>,
    /// False when reading stopped early (damaged or unreadable file).
    pub complete: bool,
    /// Row of the file's first record in the table.
    #[serde(skip)]
    pub first_row: u32,
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

    /// Makes room for `records` more records (an estimate, e.g. from file sizes).
    pub fn reserve(&mut self, records: usize) {
        self.table.reserve(records);
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

    /// Appends another data set (read in parallel) after this one. When every file
    /// given in `other` has the content of a file already here (the same file given
    /// twice: a folder and a sub-folder of it, two overlapping downloads), `other` is
    /// not appended: a note names the file it repeats.
    pub fn append(&mut self, other: Dataset) {
        if let Some(notes) = self.repeats(&other) {
            self.diagnostics.extend(notes);
            return;
        }
        let offset = self.table.len() as u32;
        self.table.append(&other.table);
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
    /// whose bytes the reader did not see are never taken for repeats.
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
        assert_eq!(all.records(), 4);
    }
}
