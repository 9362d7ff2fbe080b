//! A data set: the records of every file read so far, what each file contributed, and
//! every diagnostic. Files are added one at a time by [`super::FileReader`]; data sets
//! read in parallel are joined with [`Dataset::append`].

use serde::Serialize;

use super::diagnostic::Diagnostic;
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

    /// The format the record at `row` was read with.
    pub fn format_at(&self, row: usize) -> Option<&Format> {
        let i = self
            .formats
            .partition_point(|&(first, _)| first as usize <= row);
        i.checked_sub(1)
            .and_then(|i| self.formats.get(i))
            .map(|(_, f)| f)
    }

    /// Appends another data set (read in parallel) after this one.
    pub fn append(&mut self, other: Dataset) {
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
