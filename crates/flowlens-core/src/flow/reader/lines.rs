//! Splitting a file's text into lines: the held-back head (a BOM, binary content), a
//! line cut between two chunks, lines too long to keep, CRLF and blank lines. Each
//! line goes to the record parser ([`super::record`]); the file's counts and its
//! diagnostics about lines are kept here.

use super::addr_cache::AddrCache;
use super::record::{Compiled, TextValue};
use super::sniff::{looks_binary, BINARY_SNIFF_BYTES};
use super::split::{split_fields, Fields};
use super::MAX_LINE_BYTES;
use crate::flow::dataset::Dataset;
use crate::flow::diagnostic::{Diagnostic, DiagnosticKind};
use crate::units;

/// Most fields a line may have (the longest real format has 58).
pub(super) const MAX_FIELDS: usize = 256;
/// Bad lines listed one by one per file; the rest are counted in one diagnostic.
pub(super) const MAX_LISTED_BAD_LINES: u64 = 50;

/// Splits text into lines and fields and parses each record into the table.
///
/// NOTE: lines and fields are found with `memchr` rather than csv-core: flow logs
/// have no quoting, and csv-core's byte-at-a-time state machine measured ~170 MB/s
/// here against the 500 MB/s the reader must reach.
pub(super) struct LineParser {
    pub(super) name: String,
    /// The start of a line whose end has not arrived yet.
    pub(super) pending: Vec<u8>,
    /// The current line is over [`MAX_LINE_BYTES`]: skip to its end.
    pub(super) skipping: bool,
    /// Lines seen so far (the number of the line being parsed).
    pub(super) line_no: u64,
    /// `(start, end)` of each field of the current line, reused.
    pub(super) spans: Vec<(usize, usize)>,
    /// Ids of address texts already seen in this file, to skip parsing repeats.
    pub(super) addr_cache: AddrCache,
    /// Bytes of the file's start held back until a BOM can be told apart.
    pub(super) head: Vec<u8>,
    pub(super) started: bool,
    pub(super) user: Option<Compiled>,
    pub(super) max_records: Option<u64>,
    /// Boxed: it is taken out and put back for every line.
    pub(super) current: Option<Box<Compiled>>,
    pub(super) text_bytes: u64,
    /// Text bytes before the line being read (where reading stops at the record
    /// limit, whatever the chunks).
    pub(super) line_start: u64,
    /// Text bytes before the line held in `pending` (or skipped as too long): where
    /// it starts, whatever was kept of it.
    pub(super) pending_start: u64,
    pub(super) records: u64,
    pub(super) nodata: u64,
    pub(super) skipdata: u64,
    pub(super) headers: u64,
    pub(super) bad_lines: u64,
    pub(super) first_row: u32,
    /// Reading stopped for good (unreadable content, damage, the record limit): the
    /// rest of the input is ignored, and the last, unterminated line is dropped (it
    /// may be cut). The one place the file's reader keeps this.
    pub(super) stopped: bool,
    /// Text columns of the record being parsed with their values, reused between
    /// records.
    pub(super) text_values: Vec<(usize, TextValue)>,
    /// Tests compare the fast way of reading records with the careful way alone.
    #[cfg(test)]
    pub(super) careful_only: bool,
}

impl LineParser {
    pub(super) fn new(name: &str, user: Option<Compiled>, max_records: Option<u64>) -> LineParser {
        LineParser {
            name: name.to_string(),
            pending: Vec::new(),
            skipping: false,
            line_no: 0,
            spans: Vec::with_capacity(64),
            addr_cache: AddrCache::default(),
            head: Vec::new(),
            started: false,
            user,
            max_records,
            current: None,
            text_bytes: 0,
            line_start: 0,
            pending_start: 0,
            records: 0,
            nodata: 0,
            skipdata: 0,
            headers: 0,
            bad_lines: 0,
            first_row: 0,
            stopped: false,
            text_values: Vec::new(),
            #[cfg(test)]
            careful_only: false,
        }
    }

    /// A diagnostic about the whole file.
    pub(super) fn note(&mut self, dataset: &mut Dataset, kind: DiagnosticKind, message: String) {
        dataset
            .diagnostics
            .push(Diagnostic::new(kind, &self.name, message));
    }

    /// A line that could not be used (listed up to [`MAX_LISTED_BAD_LINES`]).
    pub(super) fn bad_line(
        &mut self,
        dataset: &mut Dataset,
        kind: DiagnosticKind,
        line: u64,
        message: String,
    ) {
        self.bad_lines += 1;
        if self.bad_lines <= MAX_LISTED_BAD_LINES {
            let diagnostic = Diagnostic::new(kind, &self.name, message)
                .at_line(line)
                .at_byte(self.line_start);
            dataset.diagnostics.push(diagnostic);
        }
    }

    pub(super) fn feed(&mut self, dataset: &mut Dataset, text: &[u8]) {
        if self.stopped || text.is_empty() {
            return;
        }
        if !self.started && self.head.is_empty() && text.len() >= BINARY_SNIFF_BYTES {
            // Enough to judge in one piece: no copy.
            self.start(dataset, text);
            return;
        }
        if !self.started {
            self.head.extend_from_slice(text);
            // Hold the start back until there is enough to judge (BOM, binary), so
            // that the verdict never depends on how the input was chunked.
            if self.head.len() < BINARY_SNIFF_BYTES {
                return;
            }
            let head = std::mem::take(&mut self.head);
            self.start(dataset, &head);
            return;
        }
        self.text_bytes += text.len() as u64;
        self.split(dataset, text);
    }

    /// Reads the held-back start of the text now (before a damage report).
    pub(super) fn flush_head(&mut self, dataset: &mut Dataset) {
        if !self.started && !self.head.is_empty() && !self.stopped {
            let head = std::mem::take(&mut self.head);
            self.start(dataset, &head);
        }
    }

    /// First bytes of the text: drop a BOM, refuse binary data.
    pub(super) fn start(&mut self, dataset: &mut Dataset, head: &[u8]) {
        self.started = true;
        self.first_row = dataset.table.len() as u32;
        let body = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
        if looks_binary(body) {
            self.note(
                dataset,
                DiagnosticKind::Binary,
                "is binary data, not flow-log text: not read".to_string(),
            );
            self.stopped = true;
            return;
        }
        self.text_bytes += head.len() as u64;
        self.split(dataset, body);
    }

    pub(super) fn split(&mut self, dataset: &mut Dataset, input: &[u8]) {
        // `text_bytes` counts `input` already.
        let base = self.text_bytes.saturating_sub(input.len() as u64);
        let mut rest = input;
        if self.skipping || !self.pending.is_empty() {
            let Some(i) = memchr::memchr(b'\n', rest) else {
                self.hold(rest);
                return;
            };
            self.line_start = self.pending_start;
            self.hold(rest.get(..i).unwrap_or(&[]));
            rest = rest.get(i + 1..).unwrap_or(&[]);
            let line = std::mem::take(&mut self.pending);
            self.line(dataset, &line);
            self.pending = line;
            self.pending.clear();
        }
        let rest_base = base + (input.len() - rest.len()) as u64;
        let mut start = 0;
        for i in memchr::memchr_iter(b'\n', rest) {
            self.line_start = rest_base + start as u64;
            self.line(dataset, rest.get(start..i).unwrap_or(&[]));
            start = i + 1;
        }
        // A new line starts here (its end is in a later chunk).
        self.pending_start = rest_base + start as u64;
        self.hold(rest.get(start..).unwrap_or(&[]));
    }

    /// Keeps the start of an unfinished line, or marks it too long.
    pub(super) fn hold(&mut self, part: &[u8]) {
        if self.skipping {
            return;
        }
        if self.pending.len() + part.len() > MAX_LINE_BYTES {
            self.skipping = true;
            self.pending.clear();
        } else {
            self.pending.extend_from_slice(part);
        }
    }

    /// One line, without its '\n'.
    pub(super) fn line(&mut self, dataset: &mut Dataset, raw: &[u8]) {
        if self.stopped {
            return;
        }
        self.line_no += 1;
        let line = self.line_no;
        let too_long = std::mem::take(&mut self.skipping) || raw.len() > MAX_LINE_BYTES;
        if too_long {
            let message = format!("line is longer than {} KiB: skipped", MAX_LINE_BYTES / 1024);
            self.bad_line(dataset, DiagnosticKind::LineTooLong, line, message);
            return;
        }
        let text = raw.strip_suffix(b"\r").unwrap_or(raw);
        if text.is_empty() {
            return;
        }
        // A record of the current format (not a header line, which starts with a
        // lowercase letter): the fast way first.
        #[cfg(test)]
        if self.careful_only {
            self.line_careful(dataset, line, text);
            return;
        }
        if let Some(compiled) = self.current.take() {
            let header = text.first().is_some_and(u8::is_ascii_lowercase);
            let stored = !header && self.parse_record_fast(dataset, &compiled, text);
            self.current = Some(compiled);
            if stored {
                return;
            }
        }
        self.line_careful(dataset, line, text);
    }

    /// Line number `line`, `text` (not empty, without its end), the careful way: all
    /// fields found first, then checked one by one with messages for what is wrong.
    pub(super) fn line_careful(&mut self, dataset: &mut Dataset, line: u64, text: &[u8]) {
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        split_fields(text, &mut spans);
        if spans.len() > MAX_FIELDS {
            self.bad_line(
                dataset,
                DiagnosticKind::TooManyFields,
                line,
                format!("line has more than {MAX_FIELDS} fields: skipped"),
            );
        } else {
            let fields = Fields {
                line: text,
                spans: &spans,
            };
            self.record_fields(dataset, line, &fields);
        }
        self.spans = spans;
    }

    /// Stops at the record limit, saying what was dropped.
    pub(super) fn limit_reached(&mut self, dataset: &mut Dataset) {
        let max = self.max_records.unwrap_or(0);
        let message = format!(
            "stopped at line {}: the limit of {} records that fit in memory is reached; this line and the rest of the data were not read",
            self.line_no,
            units::int(max)
        );
        self.note(dataset, DiagnosticKind::RecordLimit, message);
        // The text read is what came before this line, however the input was cut.
        self.text_bytes = self.line_start;
        dataset.limit_reached = true;
        self.stopped = true;
    }

    pub(super) fn finish(mut self, dataset: &mut Dataset, file: usize) {
        if !self.started && !self.head.is_empty() && !self.stopped {
            let head = std::mem::take(&mut self.head);
            self.start(dataset, &head);
        }
        if self.started && !self.stopped && (self.skipping || !self.pending.is_empty()) {
            // The last line has no final newline.
            let line = std::mem::take(&mut self.pending);
            self.line_start = self.pending_start;
            self.line(dataset, &line);
        }
        if self.bad_lines > MAX_LISTED_BAD_LINES {
            let more = self.bad_lines - MAX_LISTED_BAD_LINES;
            let message = format!("{more} more bad lines not listed");
            self.note(dataset, DiagnosticKind::MoreBadLines, message);
        }
        let empty_text = self.text_bytes == 0 && !self.stopped;
        if self.records == 0 && !self.stopped {
            let (kind, message) = if empty_text {
                (DiagnosticKind::Empty, "empty file")
            } else if self.headers > 0 && self.bad_lines == 0 {
                (
                    DiagnosticKind::HeaderOnly,
                    "has a header line but no records",
                )
            } else {
                (DiagnosticKind::NoRecords, "no records could be read")
            };
            self.note(dataset, kind, message.to_string());
        }
        if let Some(f) = dataset.files.get_mut(file) {
            f.text_bytes = self.text_bytes;
            f.records = self.records;
            f.nodata = self.nodata;
            f.skipdata = self.skipdata;
            f.bad_lines = self.bad_lines;
            f.complete = !self.stopped;
            f.first_row = self.first_row;
        }
    }
}
