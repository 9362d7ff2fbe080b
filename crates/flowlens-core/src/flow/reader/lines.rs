//! Splitting a file's text into lines: the held-back head (a BOM, binary content), a
//! line cut between two chunks, lines too long to keep, CRLF and blank lines. Each
//! line goes to the record parser ([`super::record`]); the file's counts and its
//! diagnostics about lines are kept here.

use super::addr_cache::AddrCache;
use super::json::{self, JsonValues, Value};
use super::record::{Compiled, TextValue};
use super::sniff::{looks_binary, BINARY_SNIFF_BYTES};
use super::split::{split_fields, Fields};
use super::MAX_LINE_BYTES;
use crate::flow::dataset::Dataset;
use crate::flow::diagnostic::{Diagnostic, DiagnosticKind};
use crate::flow::form::{Form, FormatSource};
use crate::units;

/// Most fields a line may have (the longest real format has 58).
pub(super) const MAX_FIELDS: usize = 256;
/// Bad lines listed one by one per file; the rest are counted in one diagnostic.
const MAX_LISTED_BAD_LINES: u64 = 50;

/// Bytes of the text's start held back before it is judged: a BOM and the bytes
/// checked for binary content and for the text's form. (Judging fewer bytes after a
/// BOM than without one made the verdict depend on the chunks.)
const HEAD_BYTES: usize = BINARY_SNIFF_BYTES + 3;

/// How the text's lines hold records (decided from the text's first bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TextForm {
    /// A record a line (S3 text).
    FlowLog,
    /// `<ISO time> <record>` a line (a CloudWatch Logs export): the time is dropped.
    CloudWatchExport,
    /// CSV with a `timestamp,message` header (a console download).
    ConsoleCsv,
    /// JSON values holding records (Firehose objects, the CLI's output).
    Json,
}

/// Length of a CloudWatch Logs export line's time and the space after it
/// (`2020-09-16T02:01:27.000Z `), if `line` starts with one.
pub(super) fn cloudwatch_stamp_len(line: &[u8]) -> Option<usize> {
    let space = memchr::memchr(b' ', line.get(..line.len().min(40))?)?;
    let stamp = line.get(..space)?;
    let shape = stamp.len() >= 20
        && stamp.get(4) == Some(&b'-')
        && stamp.get(7) == Some(&b'-')
        && stamp.get(10) == Some(&b'T')
        && stamp.get(13) == Some(&b':')
        && stamp.last() == Some(&b'Z')
        && stamp
            .get(..4)
            .is_some_and(|y| y.iter().all(u8::is_ascii_digit));
    shape.then_some(space + 1)
}

/// True for the header line of a console CSV download.
fn is_csv_header(line: &[u8]) -> bool {
    if line.len() > 64 {
        return false;
    }
    let line: Vec<u8> = line
        .iter()
        .filter(|&&b| b != b'"' && b != b'\r')
        .map(u8::to_ascii_lowercase)
        .collect();
    line.trim_ascii() == b"timestamp,message"
}

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
    /// How lines hold records.
    pub(super) text_form: TextForm,
    /// The form the file turned out to be.
    pub(super) form: Form,
    /// Where the format of the first record came from.
    pub(super) format_source: FormatSource,
    /// JSON values being found (with [`TextForm::Json`]).
    pub(super) json: Option<Box<JsonValues>>,
    /// A console CSV line's message, unquoted, reused.
    pub(super) unquoted: Vec<u8>,
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
            text_form: TextForm::FlowLog,
            form: Form::Unread,
            format_source: FormatSource::None,
            json: None,
            unquoted: Vec::new(),
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
        if !self.started && self.head.is_empty() && text.len() >= HEAD_BYTES {
            // Enough to judge in one piece: no copy.
            self.start(dataset, text);
            return;
        }
        if !self.started {
            self.head.extend_from_slice(text);
            // Hold the start back until there is enough to judge (BOM, binary), so
            // that the verdict never depends on how the input was chunked.
            if self.head.len() < HEAD_BYTES {
                return;
            }
            let head = std::mem::take(&mut self.head);
            self.start(dataset, &head);
            return;
        }
        self.text_bytes += text.len() as u64;
        self.text(dataset, text);
    }

    /// Starts a file whose records come as values, not text (Parquet).
    pub(super) fn begin_records(&mut self, dataset: &Dataset, form: Form) {
        self.started = true;
        self.first_row = dataset.table.len() as u32;
        self.form = form;
    }

    /// One row of a Parquet file, as the text of a record in the file's format.
    pub(super) fn parquet_row(&mut self, dataset: &mut Dataset, text: &[u8]) {
        self.line_no += 1;
        self.line_start = self.text_bytes;
        self.text_bytes += text.len() as u64 + 1;
        let line = self.line_no;
        self.record(dataset, line, text);
    }

    /// Text after the head: lines, or JSON values.
    fn text(&mut self, dataset: &mut Dataset, text: &[u8]) {
        if self.text_form == TextForm::Json {
            self.json_text(dataset, text);
        } else {
            self.split(dataset, text);
        }
    }

    /// Finds JSON values in `text` and reads the records they hold.
    fn json_text(&mut self, dataset: &mut Dataset, text: &[u8]) {
        let Some(mut values) = self.json.take() else {
            return;
        };
        let result = values.push(text, |value, at| self.json_value(dataset, value, at));
        self.json = Some(values);
        if result.is_err() {
            let message = format!(
                "a JSON value is longer than {} MiB: the rest of the file was not read",
                json::MAX_VALUE_BYTES / (1024 * 1024)
            );
            self.note(dataset, DiagnosticKind::Damaged, message);
            self.stopped = true;
        }
    }

    /// One complete JSON value at text offset `at`.
    fn json_value(&mut self, dataset: &mut Dataset, value: &[u8], at: u64) {
        if self.stopped {
            return;
        }
        match json::read_value(value) {
            Value::Messages(form, messages) => {
                if self.form == Form::Unread {
                    self.form = form;
                }
                for message in messages {
                    // A record a message; a delimiter Firehose may have added is
                    // dropped (and a message of several lines read line by line).
                    for line in message.split('\n') {
                        self.line_start = at;
                        self.line(dataset, line.as_bytes());
                    }
                }
            }
            Value::Control => {}
            Value::Unknown(why) => {
                self.line_no += 1;
                self.line_start = at;
                let line = self.line_no;
                self.bad_line(dataset, DiagnosticKind::BadField, line, format!("is {why}"));
            }
        }
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
        // The form is judged on the same bytes however the text came in.
        let sniffed = body.get(..BINARY_SNIFF_BYTES).unwrap_or(body);
        self.text_form = if json::looks_like_json(sniffed) {
            // Offsets count the BOM: the scanner starts after it.
            let mut values = JsonValues::default();
            values.skip((head.len() - body.len()) as u64);
            self.json = Some(Box::new(values));
            TextForm::Json
        } else {
            let first = sniffed
                .split(|&b| b == b'\n')
                .find(|line| !line.trim_ascii().is_empty())
                .unwrap_or(&[]);
            if cloudwatch_stamp_len(first).is_some() {
                self.form = Form::CloudwatchExport;
                TextForm::CloudWatchExport
            } else if is_csv_header(first) {
                self.form = Form::ConsoleCsv;
                TextForm::ConsoleCsv
            } else {
                self.form = Form::S3Text;
                TextForm::FlowLog
            }
        };
        self.text(dataset, body);
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
        let mut text = raw.strip_suffix(b"\r").unwrap_or(raw);
        if text.is_empty() {
            return;
        }
        match self.text_form {
            TextForm::FlowLog | TextForm::Json => {}
            TextForm::CloudWatchExport => {
                if let Some(stamp) = cloudwatch_stamp_len(text) {
                    text = text.get(stamp..).unwrap_or(&[]);
                }
            }
            TextForm::ConsoleCsv => {
                self.csv_line(dataset, line, text);
                return;
            }
        }
        self.record(dataset, line, text);
    }

    /// A console CSV line: the header, or `<timestamp>,<message>` with the message
    /// maybe in quotes.
    fn csv_line(&mut self, dataset: &mut Dataset, line: u64, text: &[u8]) {
        if is_csv_header(text) {
            self.headers += 1;
            return;
        }
        let message = match memchr::memchr(b',', text) {
            Some(comma) => text.get(comma + 1..).unwrap_or(&[]),
            None => text,
        };
        let mut unquoted = std::mem::take(&mut self.unquoted);
        unquoted.clear();
        match message
            .trim_ascii()
            .strip_prefix(b"\"")
            .and_then(|m| m.strip_suffix(b"\""))
        {
            Some(inner) => {
                let mut quote = false;
                for &b in inner {
                    // `""` inside quotes is one `"`.
                    if b == b'"' && !quote {
                        quote = true;
                        continue;
                    }
                    quote = false;
                    unquoted.push(b);
                }
            }
            None => unquoted.extend_from_slice(message),
        }
        if !unquoted.is_empty() {
            self.record(dataset, line, &unquoted);
        }
        self.unquoted = unquoted;
    }

    /// Line number `line`, `text` (not empty): a record or a header line.
    fn record(&mut self, dataset: &mut Dataset, line: u64, text: &[u8]) {
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

    /// Stops where memory for the next record could not be had, saying so: what was
    /// read before stays usable.
    pub(super) fn out_of_memory(&mut self, dataset: &mut Dataset) {
        let message = format!(
            "stopped at line {}: memory for more records could not be had; this line and the rest of the data were not read",
            self.line_no
        );
        self.note(dataset, DiagnosticKind::RecordLimit, message);
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
        if self.records == 0 && !self.stopped && self.form != Form::Zip {
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
        if self.json.as_ref().is_some_and(|j| j.unfinished()) && !self.stopped {
            let message = "the JSON ends inside a value (a cut file?): that value was not read";
            self.note(dataset, DiagnosticKind::Truncated, message.to_string());
        }
        if let Some(f) = dataset.files.get_mut(file) {
            f.form = self.form;
            f.format_source = self.format_source;
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
