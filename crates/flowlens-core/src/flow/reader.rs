//! Reads one flow-log file, pushed in chunks, into a [`Dataset`].
//!
//! The reader is push-based so that the same code serves a native file read in blocks
//! and a browser `ReadableStream`: call [`FileReader::push`] with each chunk as it
//! arrives and [`FileReader::finish`] at the end. Memory grows with the records kept,
//! never with the file: only the current line is buffered.
//!
//! What it handles: gzip (by its magic bytes, not the name; multi-member), plain text,
//! a UTF-8 BOM, CRLF, blank lines, header lines (at the top or repeated), the default
//! format without a header, a user-given format that overrides detection, `-` as
//! missing, millisecond times, IPv4 and IPv6. Every bad line becomes a [`Diagnostic`]
//! with file and line and the rest is still read; a damaged file keeps the records read
//! before the damage. ZIP and Parquet files are recognised and reported as not read.

use super::addr::{parse_addr, AddrId};
use super::dataset::{Dataset, FileSummary};
use super::diagnostic::{Diagnostic, DiagnosticKind};
use super::field::{Field, FieldKind};
use super::format::{Column, Format};
use super::gzip::{GzipDecoder, GzipError};
use super::s3key::window_stamp;
use super::table::{Action, CoreValues, FlowTable, LogStatus};

/// Longest line kept; longer lines are reported and skipped.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Most fields a line may have (the longest real format has 58).
const MAX_FIELDS: usize = 256;
/// Bad lines listed one by one per file; the rest are counted in one diagnostic.
const MAX_LISTED_BAD_LINES: u64 = 50;
/// Bytes at the start of a text that are checked for binary content.
const BINARY_SNIFF_BYTES: usize = 1024;
/// Start/end values above this are milliseconds (flow-log-format.md).
const MAX_SECONDS: u64 = i32::MAX as u64;

/// How to read files.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// A format given by the user; overrides header lines and the default format.
    pub format: Option<Format>,
    /// Most records to keep in the data set (a browser tab's memory budget); reading
    /// stops there with a diagnostic that says what was dropped.
    pub max_records: Option<u64>,
}

/// Where each column of a line goes.
#[derive(Clone, Copy, Debug)]
enum Slot {
    Srcaddr,
    Dstaddr,
    Srcport,
    Dstport,
    Protocol,
    Packets,
    Bytes,
    Start,
    End,
    Action,
    LogStatus,
    /// A text column of the table, validated as `kind`.
    Text(usize, FieldKind),
}

/// A format resolved against the table's columns.
#[derive(Clone, Debug)]
struct Compiled {
    format: Format,
    slots: Vec<Slot>,
    /// Table text columns this format fills.
    text_columns: Vec<usize>,
    /// Where the format came from, for messages.
    origin: FormatOrigin,
    /// No text column appears twice: a field equal to its column's last value can be
    /// stored as a repeat without comparing it again.
    distinct_text: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FormatOrigin {
    User,
    Header(u64),
    Default,
}

impl Compiled {
    fn new(format: Format, origin: FormatOrigin, table: &mut FlowTable) -> Compiled {
        let mut text_columns = Vec::new();
        let slots = format
            .columns()
            .iter()
            .map(|column| match column {
                Column::Known(Field::Srcaddr) => Slot::Srcaddr,
                Column::Known(Field::Dstaddr) => Slot::Dstaddr,
                Column::Known(Field::Srcport) => Slot::Srcport,
                Column::Known(Field::Dstport) => Slot::Dstport,
                Column::Known(Field::Protocol) => Slot::Protocol,
                Column::Known(Field::Packets) => Slot::Packets,
                Column::Known(Field::Bytes) => Slot::Bytes,
                Column::Known(Field::Start) => Slot::Start,
                Column::Known(Field::End) => Slot::End,
                Column::Known(Field::Action) => Slot::Action,
                Column::Known(Field::LogStatus) => Slot::LogStatus,
                Column::Known(field) => {
                    let index = table.text_column_mut(field.name());
                    text_columns.push(index);
                    Slot::Text(index, field.kind())
                }
                Column::Unknown(name) => {
                    let index = table.text_column_mut(name);
                    text_columns.push(index);
                    Slot::Text(index, FieldKind::Text)
                }
            })
            .collect();
        let distinct_text = text_columns.iter().enumerate().all(|(i, c)| {
            !text_columns
                .get(..i)
                .is_some_and(|before| before.contains(c))
        });
        Compiled {
            format,
            slots,
            text_columns,
            origin,
            distinct_text,
        }
    }

    fn describe(&self) -> String {
        match self.origin {
            FormatOrigin::User => format!("the given format has {} fields", self.slots.len()),
            FormatOrigin::Header(line) => {
                format!(
                    "the header on line {line} names {} fields",
                    self.slots.len()
                )
            }
            FormatOrigin::Default => "the default format has 14 fields".to_string(),
        }
    }
}

/// What the bytes of the file are.
enum Container {
    /// Not enough bytes seen yet to tell.
    Sniffing(Vec<u8>),
    /// Plain text.
    Text,
    /// gzip; decompressed output collects in the inner `Vec`.
    Gzip(Box<GzipDecoder>),
    /// Reading stopped (unreadable content); the rest of the input is ignored.
    Stopped,
}

/// Reads one file into a [`Dataset`]; see the module documentation.
pub struct FileReader {
    file: usize,
    container: Container,
    lines: LineParser,
    /// Decompressed text of the current chunk, reused.
    text: Vec<u8>,
    /// Bytes of text decompressed so far.
    decoded_bytes: u64,
}

impl FileReader {
    /// Starts reading the file `name` into `dataset`.
    pub fn new(dataset: &mut Dataset, name: &str, options: &ReadOptions) -> FileReader {
        dataset.files.push(FileSummary {
            name: name.to_string(),
            window_start: window_stamp(name),
            complete: true,
            ..FileSummary::default()
        });
        let file = dataset.files.len() - 1;
        let user = options
            .format
            .clone()
            .map(|f| Compiled::new(f, FormatOrigin::User, &mut dataset.table));
        let mut lines = LineParser::new(name, user, options.max_records);
        let mut container = Container::Sniffing(Vec::new());
        if dataset.limit_reached {
            lines.note(
                dataset,
                DiagnosticKind::RecordLimit,
                "not read: the record limit was reached before this file".to_string(),
            );
            lines.stopped = true;
            container = Container::Stopped;
            if let Some(f) = dataset.files.get_mut(file) {
                f.complete = false;
            }
        }
        FileReader {
            file,
            container,
            lines,
            text: Vec::new(),
            decoded_bytes: 0,
        }
    }

    /// Starts reading a file whose content is already decompressed text (the browser
    /// may decompress with its native `DecompressionStream`).
    pub fn new_text(dataset: &mut Dataset, name: &str, options: &ReadOptions) -> FileReader {
        let mut reader = FileReader::new(dataset, name, options);
        if !reader.is_stopped() {
            reader.container = Container::Text;
        }
        if let Some(f) = dataset.files.get_mut(reader.file) {
            f.gzip = true;
        }
        reader
    }

    /// Reads the next chunk of the file's bytes.
    pub fn push(&mut self, dataset: &mut Dataset, chunk: &[u8]) {
        if let Some(f) = dataset.files.get_mut(self.file) {
            f.bytes_read += chunk.len() as u64;
        }
        self.consume(dataset, chunk);
    }

    /// Reads a chunk that was already counted in `bytes_read` (or comes from a
    /// decompressor outside the reader): text for [`FileReader::new_text`] readers.
    pub fn push_text(&mut self, dataset: &mut Dataset, text: &[u8]) {
        self.consume(dataset, text);
    }

    /// Counts `n` compressed input bytes read outside the reader (with
    /// [`FileReader::new_text`]).
    pub fn count_input_bytes(&mut self, dataset: &mut Dataset, n: u64) {
        if let Some(f) = dataset.files.get_mut(self.file) {
            f.bytes_read += n;
        }
    }

    /// True once reading of this file has stopped for good (the rest can be skipped).
    pub fn is_stopped(&self) -> bool {
        matches!(self.container, Container::Stopped)
    }

    fn consume(&mut self, dataset: &mut Dataset, chunk: &[u8]) {
        match &mut self.container {
            Container::Sniffing(seen) if seen.is_empty() && chunk.len() >= 4 => {
                // The whole chunk is there to judge: no copy.
                self.decide(dataset, chunk);
            }
            Container::Sniffing(seen) => {
                seen.extend_from_slice(chunk);
                if seen.len() >= 4 {
                    let seen = std::mem::take(seen);
                    self.decide(dataset, &seen);
                }
            }
            Container::Text => self.lines.feed(dataset, chunk),
            Container::Gzip(decoder) => {
                let mut text = std::mem::take(&mut self.text);
                text.clear();
                let result = decoder.push(chunk, &mut text);
                self.decoded_bytes += text.len() as u64;
                self.lines.feed(dataset, &text);
                self.text = text;
                if let Err(reason) = result {
                    // Once the text was refused (binary, record limit), damage after it
                    // is moot: reporting it would depend on where the chunks end.
                    if !self.lines.stopped {
                        self.gzip_failed(dataset, reason);
                    }
                }
            }
            Container::Stopped => {}
        }
        if self.lines.stopped {
            self.stop(dataset);
        }
    }

    fn decide(&mut self, dataset: &mut Dataset, first: &[u8]) {
        let stop_with = |dataset: &mut Dataset, message: &str| {
            dataset.diagnostics.push(Diagnostic::new(
                DiagnosticKind::Unsupported,
                &self.lines.name,
                message,
            ));
        };
        if first.starts_with(&[0x1f, 0x8b]) {
            if let Some(f) = dataset.files.get_mut(self.file) {
                f.gzip = true;
            }
            self.container = Container::Gzip(Box::default());
        } else if first.starts_with(b"PK\x03\x04") || first.starts_with(b"PK\x05\x06") {
            stop_with(
                dataset,
                "is a ZIP archive: flowlens does not read archives yet; extract it and give the files inside",
            );
            self.stop(dataset);
            return;
        } else if first.starts_with(b"PAR1") {
            stop_with(
                dataset,
                "is an Apache Parquet file: flowlens does not read Parquet yet; deliver the flow log as text (.log.gz)",
            );
            self.stop(dataset);
            return;
        } else {
            self.container = Container::Text;
        }
        self.consume(dataset, first);
    }

    fn gzip_failed(&mut self, dataset: &mut Dataset, reason: GzipError) {
        let text_bytes = self.decoded_bytes;
        // The last line before the damage may be cut: it is dropped.
        let (what, kind) = if reason.is_cut() {
            ("cut", DiagnosticKind::Truncated)
        } else {
            ("damage", DiagnosticKind::Damaged)
        };
        let message = format!(
            "{reason} after {text_bytes} bytes of text; records before the {what} were kept, the cut line was dropped"
        );
        self.lines.flush_head(dataset);
        dataset
            .diagnostics
            .push(Diagnostic::new(kind, &self.lines.name, message).at_byte(text_bytes));
        self.stop(dataset);
    }

    fn stop(&mut self, dataset: &mut Dataset) {
        self.container = Container::Stopped;
        self.lines.stopped = true;
        self.lines.damaged = true;
        if let Some(f) = dataset.files.get_mut(self.file) {
            f.complete = false;
        }
    }

    /// Ends the file: reads the last line, checks gzip is complete and records the
    /// file's totals.
    pub fn finish(mut self, dataset: &mut Dataset) {
        if let Container::Sniffing(seen) = &mut self.container {
            let seen = std::mem::take(seen);
            if seen.is_empty() {
                self.lines
                    .note(dataset, DiagnosticKind::Empty, "empty file".to_string());
                self.container = Container::Stopped;
            } else {
                self.decide(dataset, &seen);
            }
        }
        if let Container::Gzip(decoder) = &self.container {
            if let Err(reason) = decoder.finish() {
                self.gzip_failed(dataset, reason);
            }
        }
        self.lines.finish(dataset, self.file);
    }
}

/// Splits text into lines and fields and parses each record into the table.
///
/// NOTE: lines and fields are found with `memchr` rather than csv-core: flow logs
/// have no quoting, and csv-core's byte-at-a-time state machine measured ~170 MB/s
/// here against the 500 MB/s the reader must reach.
struct LineParser {
    name: String,
    /// The start of a line whose end has not arrived yet.
    pending: Vec<u8>,
    /// The current line is over [`MAX_LINE_BYTES`]: skip to its end.
    skipping: bool,
    /// Lines seen so far (the number of the line being parsed).
    line_no: u64,
    /// `(start, end)` of each field of the current line, reused.
    spans: Vec<(usize, usize)>,
    /// Ids of address texts already seen in this file, to skip parsing repeats.
    addr_cache: AddrCache,
    /// Bytes of the file's start held back until a BOM can be told apart.
    head: Vec<u8>,
    started: bool,
    user: Option<Compiled>,
    max_records: Option<u64>,
    /// Boxed: it is taken out and put back for every line.
    current: Option<Box<Compiled>>,
    text_bytes: u64,
    /// Text bytes before the line being read (where reading stops at the record
    /// limit, whatever the chunks).
    line_start: u64,
    /// Text bytes before the line held in `pending` (or skipped as too long): where
    /// it starts, whatever was kept of it.
    pending_start: u64,
    records: u64,
    nodata: u64,
    skipdata: u64,
    headers: u64,
    bad_lines: u64,
    first_row: u32,
    stopped: bool,
    /// The text was cut short (damaged gzip): its last, unterminated line is dropped.
    damaged: bool,
    /// Text columns of the record being parsed with their values, reused between
    /// records.
    text_values: Vec<(usize, TextValue)>,
    /// Tests compare the fast way of reading records with the careful way alone.
    #[cfg(test)]
    careful_only: bool,
}

impl LineParser {
    fn new(name: &str, user: Option<Compiled>, max_records: Option<u64>) -> LineParser {
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
            damaged: false,
            text_values: Vec::new(),
            #[cfg(test)]
            careful_only: false,
        }
    }

    /// A diagnostic about the whole file.
    fn note(&mut self, dataset: &mut Dataset, kind: DiagnosticKind, message: String) {
        dataset
            .diagnostics
            .push(Diagnostic::new(kind, &self.name, message));
    }

    /// A line that could not be used (listed up to [`MAX_LISTED_BAD_LINES`]).
    fn bad_line(
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

    fn feed(&mut self, dataset: &mut Dataset, text: &[u8]) {
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
    fn flush_head(&mut self, dataset: &mut Dataset) {
        if !self.started && !self.head.is_empty() && !self.stopped {
            let head = std::mem::take(&mut self.head);
            self.start(dataset, &head);
        }
    }

    /// First bytes of the text: drop a BOM, refuse binary data.
    fn start(&mut self, dataset: &mut Dataset, head: &[u8]) {
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

    fn split(&mut self, dataset: &mut Dataset, input: &[u8]) {
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
    fn hold(&mut self, part: &[u8]) {
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
    fn line(&mut self, dataset: &mut Dataset, raw: &[u8]) {
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
    fn line_careful(&mut self, dataset: &mut Dataset, line: u64, text: &[u8]) {
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

    fn record_fields(&mut self, dataset: &mut Dataset, line: u64, fields: &Fields<'_>) {
        let count = fields.len();
        // A header line (first or repeated) sets the format unless the user gave one.
        if fields.get(0).first().is_some_and(u8::is_ascii_lowercase) {
            let names: Vec<&[u8]> = (0..count).map(|i| fields.get(i)).collect();
            if let Some(format) = Format::parse_header(&names) {
                self.headers += 1;
                if self.user.is_none() {
                    let origin = FormatOrigin::Header(line);
                    let compiled = Compiled::new(format, origin, &mut dataset.table);
                    self.activate(dataset, compiled);
                }
                return;
            }
        }
        if self.current.is_none() {
            if let Some(user) = self.user.clone() {
                self.activate(dataset, user);
            } else if count == 14 {
                let origin = FormatOrigin::Default;
                let compiled = Compiled::new(Format::default_v2(), origin, &mut dataset.table);
                self.activate(dataset, compiled);
            } else {
                let message = format!(
                    "line has {count} fields and no header line names the format; \
                     the default format has 14: give the format (--format)"
                );
                self.bad_line(dataset, DiagnosticKind::NoFormat, line, message);
                return;
            }
        }
        let Some(compiled) = self.current.take() else {
            return;
        };
        let result = self.parse_record(dataset, &compiled, fields);
        self.current = Some(compiled);
        if let Err((kind, message)) = result {
            self.bad_line(dataset, kind, line, message);
        }
    }

    /// Parses and stores one record in the current format.
    fn parse_record(
        &mut self,
        dataset: &mut Dataset,
        compiled: &Compiled,
        fields: &Fields<'_>,
    ) -> Result<(), (DiagnosticKind, String)> {
        let count = fields.len();
        if count != compiled.slots.len() {
            let message = format!(
                "expected {} fields ({}), found {count}",
                compiled.slots.len(),
                compiled.describe()
            );
            return Err((DiagnosticKind::FieldCount, message));
        }
        let values = self
            .parse_values(dataset, compiled, fields.line, fields.spans.iter().copied())
            .map_err(|(i, bad)| {
                let name = compiled
                    .format
                    .columns()
                    .get(i)
                    .map(Column::name)
                    .unwrap_or("?");
                let message = format!("field `{name}`: {}", bad.message(fields.get(i)));
                (DiagnosticKind::BadField, message)
            })?;
        if self.max_records.is_some_and(|max| dataset.records() >= max) {
            self.limit_reached(dataset);
            return Ok(());
        }
        self.store(dataset, &values, fields.line);
        Ok(())
    }

    /// Parses and stores one record of the current format when it has the format's
    /// number of fields (at most [`FAST_FIELDS`], their ends kept on the stack), every
    /// field is well formed and the record limit is not near; returns false otherwise,
    /// having stored nothing, and the line is read again the careful way
    /// ([`LineParser::parse_record`]), which says what is wrong. Both parse with
    /// [`LineParser::parse_values`]; parsing twice has no other effect (addresses are
    /// interned either way).
    #[inline]
    fn parse_record_fast(
        &mut self,
        dataset: &mut Dataset,
        compiled: &Compiled,
        text: &[u8],
    ) -> bool {
        if self.max_records.is_some_and(|max| dataset.records() >= max) {
            return false;
        }
        let mut ends = [0u32; FAST_FIELDS];
        if field_ends(text, &mut ends) != Some(compiled.slots.len()) {
            return false;
        }
        // Each field starts one byte (the separator) after the one before ends.
        let mut start = 0;
        let spans = ends.iter().map(|&end| {
            let span = (start, end as usize);
            start = end as usize + 1;
            span
        });
        let Ok(values) = self.parse_values(dataset, compiled, text, spans) else {
            return false;
        };
        self.store(dataset, &values, text);
        true
    }

    /// Parses the fields of `line` into values and [`LineParser::text_values`], one for
    /// each slot of `compiled`: each field is `line[start..end]` of its span. The index
    /// of the first bad field and what is wrong with it otherwise.
    #[inline]
    fn parse_values(
        &mut self,
        dataset: &mut Dataset,
        compiled: &Compiled,
        line: &[u8],
        spans: impl Iterator<Item = (usize, usize)>,
    ) -> Result<CoreValues, (usize, Bad)> {
        let mut values = CoreValues::default();
        self.text_values.clear();
        for (i, (slot, span)) in compiled.slots.iter().zip(spans).enumerate() {
            let raw = line.get(span.0..span.1).unwrap_or(&[]);
            let target = Target {
                values: &mut values,
                text: &mut self.text_values,
                addr_cache: &mut self.addr_cache,
                repeat_ok: compiled.distinct_text,
            };
            parse_slot(&mut dataset.table, *slot, raw, target, span).map_err(|bad| (i, bad))?;
        }
        Ok(values)
    }

    /// Appends a parsed record (`values` and the text values noted for `line`).
    #[inline]
    fn store(&mut self, dataset: &mut Dataset, values: &CoreValues, line: &[u8]) {
        let row = dataset.table.push(values);
        for &(index, value) in &self.text_values {
            match value {
                TextValue::Missing => dataset.table.push_text_raw(index, row, None),
                TextValue::Repeat => dataset.table.push_text_repeat(index, row),
                TextValue::Field(start, end) => {
                    let raw = line.get(start..end).unwrap_or(&[]);
                    dataset.table.push_text_raw(index, row, Some(raw));
                }
            }
        }
        self.records += 1;
        match values.log_status {
            Some(LogStatus::NoData) => self.nodata += 1,
            Some(LogStatus::SkipData) => self.skipdata += 1,
            _ => {}
        }
    }

    /// Stops at the record limit, saying what was dropped.
    fn limit_reached(&mut self, dataset: &mut Dataset) {
        let max = self.max_records.unwrap_or(0);
        let message = format!(
            "stopped at line {}: the limit of {} records that fit in memory is reached; this line and the rest of the data were not read",
            self.line_no,
            crate::analysis::units::int(max)
        );
        self.note(dataset, DiagnosticKind::RecordLimit, message);
        // The text read is what came before this line, however the input was cut.
        self.text_bytes = self.line_start;
        dataset.limit_reached = true;
        self.stopped = true;
        self.damaged = true;
    }

    /// Makes `compiled` the current format; text columns it lacks become missing.
    fn activate(&mut self, dataset: &mut Dataset, compiled: Compiled) {
        let row = dataset.table.len() as u32;
        dataset
            .table
            .mark_missing_except(&compiled.text_columns, row);
        dataset.formats_push(row, compiled.format.clone());
        self.current = Some(Box::new(compiled));
    }

    fn finish(mut self, dataset: &mut Dataset, file: usize) {
        if !self.started && !self.head.is_empty() && !self.stopped {
            let head = std::mem::take(&mut self.head);
            self.start(dataset, &head);
        }
        if self.started
            && !self.stopped
            && !self.damaged
            && (self.skipping || !self.pending.is_empty())
        {
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
            // An empty file was reported already when nothing at all arrived.
            let already = dataset
                .diagnostics
                .last()
                .is_some_and(|d| d.file == self.name && d.kind == kind);
            if !already {
                self.note(dataset, kind, message.to_string());
            }
        }
        if let Some(f) = dataset.files.get_mut(file) {
            f.text_bytes = self.text_bytes;
            f.records = self.records;
            f.nodata = self.nodata;
            f.skipdata = self.skipdata;
            f.bad_lines = self.bad_lines;
            if self.stopped {
                f.complete = false;
            }
            f.first_row = self.first_row;
        }
    }
}

/// True for the bytes that separate fields: a space or a tab.
#[inline(always)]
fn is_separator(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Calls `found` with the position of each separator (space or tab) of `text`, in
/// order, until it returns `None`; returns false then. Eight bytes are tested at a
/// time, each word on its own (no position depends on the one before), which keeps
/// the processor busy: one exact test finds the bytes below `!` (spaces, tabs and the
/// other control characters, which are rare), and each one found is then checked.
#[inline(always)]
fn each_separator(text: &[u8], mut found: impl FnMut(usize) -> Option<()>) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Added to the low seven bits of each byte: sets the byte's high bit exactly
    // when those bits are 0x21 (`!`) or more, with no carry into the next byte.
    const ABOVE_SPACE: u64 = ONES * (0x80 - 0x21);
    let mut base = 0;
    let mut words = text.chunks_exact(8);
    for word in words.by_ref() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_le_bytes(bytes);
        // The high bit of each byte below 0x21 (its own high bit clear too).
        let mut low = !(((x & !HIGHS) + ABOVE_SPACE) | x) & HIGHS;
        while low != 0 {
            let offset = (low.trailing_zeros() / 8) as usize;
            low &= low - 1;
            if bytes.get(offset).copied().is_some_and(is_separator)
                && found(base + offset).is_none()
            {
                return false;
            }
        }
        base += 8;
    }
    for (offset, &b) in words.remainder().iter().enumerate() {
        if is_separator(b) && found(base + offset).is_none() {
            return false;
        }
    }
    true
}

/// Splits `text` into `spans` of fields (stopping past [`MAX_FIELDS`]): a run of
/// spaces or tabs is one separator, and separators at the start or the end of the
/// line separate nothing (as other parsers of these logs read them).
fn split_fields(text: &[u8], spans: &mut Vec<(usize, usize)>) {
    let mut start = 0;
    let whole = each_separator(text, |i| {
        if i > start {
            spans.push((start, i));
        }
        start = i + 1;
        (spans.len() <= MAX_FIELDS).then_some(())
    });
    if whole && text.len() > start {
        spans.push((start, text.len()));
    }
}

/// Most fields of a record read the fast way.
const FAST_FIELDS: usize = 64;

/// Where each field of `text` ends (the last at the end of the text) into `ends`,
/// taking every separator byte as the end of a field (a run of them gives empty
/// fields, which no column accepts: such a line is left to the careful way); the
/// number of fields, or `None` past [`FAST_FIELDS`].
#[inline(always)]
fn field_ends(text: &[u8], ends: &mut [u32; FAST_FIELDS]) -> Option<usize> {
    let mut n = 0;
    let whole = each_separator(text, |i| {
        *ends.get_mut(n)? = i as u32;
        n += 1;
        Some(())
    });
    if !whole {
        return None;
    }
    *ends.get_mut(n)? = text.len() as u32;
    Some(n + 1)
}

/// The fields of one record: `line[start..end]` for each span.
struct Fields<'a> {
    line: &'a [u8],
    spans: &'a [(usize, usize)],
}

impl Fields<'_> {
    fn len(&self) -> usize {
        self.spans.len()
    }

    fn get(&self, i: usize) -> &[u8] {
        self.spans
            .get(i)
            .and_then(|&(start, end)| self.line.get(start..end))
            .unwrap_or(&[])
    }
}

/// A text field of the record being parsed.
#[derive(Clone, Copy, Debug)]
enum TextValue {
    /// `-`.
    Missing,
    /// The same bytes as the column's last value.
    Repeat,
    /// The field at `start..end` of the line.
    Field(usize, usize),
}

/// Where [`parse_slot`] puts what it parses.
struct Target<'a> {
    values: &'a mut CoreValues,
    /// Text columns of the record with their values.
    text: &'a mut Vec<(usize, TextValue)>,
    /// A value equal to its column's last may be noted as [`TextValue::Repeat`].
    repeat_ok: bool,
    /// Ids of address texts already seen.
    addr_cache: &'a mut AddrCache,
}

/// Parses field `raw` into its slot; text fields are validated and noted.
#[inline(always)]
fn parse_slot(
    table: &mut FlowTable,
    slot: Slot,
    raw: &[u8],
    target: Target<'_>,
    span: (usize, usize),
) -> Result<(), Bad> {
    let Target {
        values,
        text,
        addr_cache,
        repeat_ok,
    } = target;
    match slot {
        Slot::Srcaddr => values.srcaddr = addr_cache.id(table, raw)?,
        Slot::Dstaddr => values.dstaddr = addr_cache.id(table, raw)?,
        Slot::Srcport => values.srcport = parse_small(raw, u16::MAX.into())?.map(|v| v as u16),
        Slot::Dstport => values.dstport = parse_small(raw, u16::MAX.into())?.map(|v| v as u16),
        Slot::Protocol => values.protocol = parse_small(raw, u8::MAX.into())?.map(|v| v as u8),
        Slot::Packets => values.packets = parse_u64(raw)?,
        Slot::Bytes => values.bytes = parse_u64(raw)?,
        Slot::Start => values.start_secs = parse_time(raw)?,
        Slot::End => values.end_secs = parse_time(raw)?,
        Slot::Action => {
            values.action = match raw {
                b"ACCEPT" => Some(Action::Accept),
                b"REJECT" => Some(Action::Reject),
                b"-" => None,
                _ => return Err(Bad::NotAction),
            }
        }
        Slot::LogStatus => {
            values.log_status = match raw {
                b"OK" => Some(LogStatus::Ok),
                b"NODATA" => Some(LogStatus::NoData),
                b"SKIPDATA" => Some(LogStatus::SkipData),
                b"-" => None,
                _ => return Err(Bad::NotStatus),
            }
        }
        Slot::Text(index, kind) => {
            if raw == b"-" {
                text.push((index, TextValue::Missing));
                return Ok(());
            }
            if table.text_is_last(index, raw) {
                let value = if repeat_ok {
                    TextValue::Repeat
                } else {
                    TextValue::Field(span.0, span.1)
                };
                text.push((index, value));
                return Ok(());
            }
            match kind {
                FieldKind::Int => {
                    parse_u64(raw)?;
                }
                FieldKind::Addr => {
                    if parse_addr(raw).is_none() {
                        return Err(Bad::NotAddr);
                    }
                }
                FieldKind::Text => {
                    if raw.is_empty() {
                        return Err(Bad::Empty);
                    }
                    if std::str::from_utf8(raw).is_err() {
                        return Err(Bad::NotUtf8);
                    }
                }
            }
            text.push((index, TextValue::Field(span.0, span.1)));
        }
    }
    Ok(())
}

/// True when the first bytes of a text are clearly not text (NUL bytes or many
/// control characters).
fn looks_binary(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(BINARY_SNIFF_BYTES)];
    if sample.contains(&0) {
        return true;
    }
    let control = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    control * 10 > sample.len()
}

/// A field's bytes for a message: lossy UTF-8, at most 40 characters.
fn shown(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Address texts of up to 16 bytes (every IPv4 and short IPv6) with their ids, so
/// that an address seen before costs a hash of two words and one comparison instead
/// of a parse. Direct-mapped: a text whose slot is taken replaces it (hostile input
/// with endless distinct addresses cannot grow it).
struct AddrCache {
    slots: Vec<AddrSlot>,
}

/// One cached address text: its length, its first and last eight bytes (together
/// every byte of a text of 8 to 16 bytes; a shorter one is zero-padded in `head`).
#[derive(Clone, Copy, Default)]
struct AddrSlot {
    len: u64,
    head: u64,
    tail: u64,
    id: AddrId,
}

impl Default for AddrCache {
    fn default() -> Self {
        AddrCache {
            slots: vec![AddrSlot::default(); Self::SLOTS],
        }
    }
}

impl AddrCache {
    /// Slots (a power of two).
    const SLOTS: usize = 1024;

    #[inline]
    fn id(&mut self, table: &mut FlowTable, raw: &[u8]) -> Result<AddrId, Bad> {
        let len = raw.len();
        let (head, tail) = match (raw.first_chunk::<8>(), raw.last_chunk::<8>()) {
            (Some(head), Some(tail)) if len <= 16 => {
                (u64::from_le_bytes(*head), u64::from_le_bytes(*tail))
            }
            (None, _) if len > 0 => {
                let mut bytes = [0u8; 8];
                for (b, &r) in bytes.iter_mut().zip(raw) {
                    *b = r;
                }
                (u64::from_le_bytes(bytes), 0)
            }
            _ => return intern_addr(table, raw),
        };
        let len = len as u64;
        let hash = (head ^ tail.rotate_left(29) ^ len).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let index = (hash >> 54) as usize & (Self::SLOTS - 1);
        let Some(slot) = self.slots.get_mut(index) else {
            return intern_addr(table, raw);
        };
        // `len` is never 0 here, so an empty slot never matches.
        if slot.len == len && slot.head == head && slot.tail == tail {
            return Ok(slot.id);
        }
        let id = intern_addr(table, raw)?;
        *slot = AddrSlot {
            len,
            head,
            tail,
            id,
        };
        Ok(id)
    }
}

fn intern_addr(table: &mut FlowTable, raw: &[u8]) -> Result<AddrId, Bad> {
    if raw == b"-" {
        return Ok(AddrId::NONE);
    }
    match parse_addr(raw) {
        Some(addr) => Ok(table.addrs.intern(addr)),
        None => Err(Bad::NotAddr),
    }
}

/// An unsigned integer or `-`.
#[inline]
fn parse_u64(raw: &[u8]) -> Result<Option<u64>, Bad> {
    // Up to 19 digits cannot overflow a u64: the common case needs no checks.
    if !raw.is_empty() && raw.len() <= 19 {
        let mut value: u64 = 0;
        let mut digits = true;
        for &b in raw {
            let d = b.wrapping_sub(b'0');
            digits &= d < 10;
            value = value.wrapping_mul(10).wrapping_add(u64::from(d));
        }
        if digits {
            return Ok(Some(value));
        }
    }
    parse_u64_slow(raw)
}

#[cold]
fn parse_u64_slow(raw: &[u8]) -> Result<Option<u64>, Bad> {
    if raw == b"-" {
        return Ok(None);
    }
    if raw.is_empty() {
        return Err(Bad::Empty);
    }
    let mut value: u64 = 0;
    for &b in raw {
        if !b.is_ascii_digit() {
            return Err(Bad::NotNumber);
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(Bad::TooLarge)?;
    }
    Ok(Some(value))
}

#[inline(always)]
fn parse_small(raw: &[u8], max: u64) -> Result<Option<u64>, Bad> {
    match parse_u64(raw)? {
        Some(v) if v > max => Err(Bad::OutOfRange(max)),
        other => Ok(other),
    }
}

/// Unix seconds, or milliseconds (normalised to seconds) when above 2^31 − 1.
#[inline(always)]
fn parse_time(raw: &[u8]) -> Result<Option<u32>, Bad> {
    match parse_u64(raw)? {
        None => Ok(None),
        Some(v) => {
            let secs = if v > MAX_SECONDS { v / 1000 } else { v };
            u32::try_from(secs).map(Some).map_err(|_| Bad::NotTime)
        }
    }
}

/// What is wrong with a field. Parsing carries no strings; [`Bad::message`] words the
/// problem when a line is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bad {
    Empty,
    NotNumber,
    TooLarge,
    /// Above the maximum given.
    OutOfRange(u64),
    NotTime,
    NotAddr,
    NotAction,
    NotStatus,
    NotUtf8,
}

impl Bad {
    /// The message for field `raw`.
    #[cold]
    fn message(self, raw: &[u8]) -> String {
        // The value of a field that is all digits (out of range, not a time).
        let value = || match parse_u64_slow(raw) {
            Ok(Some(v)) => v.to_string(),
            _ => shown(raw),
        };
        match self {
            Bad::Empty => "is empty".to_string(),
            Bad::NotNumber => format!("`{}` is not a number", shown(raw)),
            Bad::TooLarge => format!("`{}` is too large", shown(raw)),
            Bad::OutOfRange(max) => format!("{} is out of range (0 to {max})", value()),
            Bad::NotTime => format!("{} is not a time in seconds or milliseconds", value()),
            Bad::NotAddr => format!("`{}` is not an IP address", shown(raw)),
            Bad::NotAction => format!("`{}` is not ACCEPT or REJECT", shown(raw)),
            Bad::NotStatus => format!("`{}` is not OK, NODATA or SKIPDATA", shown(raw)),
            Bad::NotUtf8 => "is not UTF-8 text".to_string(),
        }
    }
}

/// Reads a whole file held in memory (tests, small inputs).
pub fn read_bytes(dataset: &mut Dataset, name: &str, bytes: &[u8], options: &ReadOptions) {
    let mut reader = FileReader::new(dataset, name, options);
    reader.push(dataset, bytes);
    reader.finish(dataset);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::diagnostic::Severity;
    use crate::flow::table::LogStatus;
    use std::io::Write;
    use DiagnosticKind::*;

    const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
    const LINE: &str = "2 123456789012 eni-0a1b2c 172.30.0.10 201.48.16.81 3306 49152 6 10 2100 1600221687 1600221747 ACCEPT OK";

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn read(name: &str, bytes: &[u8], format: Option<&str>) -> Dataset {
        let options = ReadOptions {
            format: format.map(|f| Format::parse_user(f).unwrap()),
            ..ReadOptions::default()
        };
        let mut ds = Dataset::default();
        read_bytes(&mut ds, name, bytes, &options);
        ds
    }

    /// Diagnostics as `line: message` for compact assertions.
    fn diags(ds: &Dataset) -> Vec<String> {
        ds.diagnostics
            .iter()
            .map(|d| match d.line {
                Some(l) => format!("{l}: {}", d.message),
                None => format!("-: {}", d.message),
            })
            .collect()
    }

    struct Case {
        name: &'static str,
        input: Vec<u8>,
        format: Option<&'static str>,
        records: usize,
        /// Each expected diagnostic as (line, kind, a part of its message).
        diagnostics: Vec<(Option<u64>, DiagnosticKind, &'static str)>,
    }

    fn text(s: &str) -> Vec<u8> {
        s.as_bytes().to_vec()
    }

    fn cases() -> Vec<Case> {
        let two = format!("{HEADER}\n{LINE}\n{LINE}\n");
        vec![
            Case { name: "header and records", input: text(&two), format: None, records: 2, diagnostics: vec![] },
            Case { name: "no header, default format", input: text(&format!("{LINE}\n{LINE}")), format: None, records: 2, diagnostics: vec![] },
            Case { name: "gzip by content, not name", input: gzip(two.as_bytes()), format: None, records: 2, diagnostics: vec![] },
            Case { name: "crlf", input: text(&two.replace('\n', "\r\n")), format: None, records: 2, diagnostics: vec![] },
            Case { name: "bom", input: [b"\xef\xbb\xbf".as_slice(), two.as_bytes()].concat(), format: None, records: 2, diagnostics: vec![] },
            Case { name: "blank lines", input: text(&format!("\n{HEADER}\n\n{LINE}\n\n\n{LINE}\n\n")), format: None, records: 2, diagnostics: vec![] },
            Case { name: "repeated header", input: text(&format!("{HEADER}\n{LINE}\n{HEADER}\n{LINE}\n")), format: None, records: 2, diagnostics: vec![] },
            Case {
                name: "custom field order from header",
                input: text("srcaddr dstaddr bytes start end log-status\n10.0.0.1 10.0.0.2 500 1600000000 1600000060 OK\n"),
                format: None, records: 1, diagnostics: vec![],
            },
            Case {
                name: "user format overrides, header skipped",
                input: text("srcaddr dstaddr bytes\n10.0.0.1 10.0.0.2 500\n"),
                format: Some("${srcaddr} ${dstaddr} ${bytes}"), records: 1, diagnostics: vec![],
            },
            Case {
                name: "every v3-v8 field",
                input: text(&format!(
                    "{}\n{}\n",
                    Field::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(" "),
                    Field::ALL.iter().map(|f| match f.kind() {
                        FieldKind::Int => "7",
                        FieldKind::Addr => "2001:db8::7",
                        FieldKind::Text => match f { Field::Action => "ACCEPT", Field::LogStatus => "OK", _ => "x-1" },
                    }).collect::<Vec<_>>().join(" ")
                )),
                format: None, records: 1, diagnostics: vec![],
            },
            Case {
                name: "nodata and skipdata",
                input: text(&format!("{HEADER}\n2 123 eni-1 - - - - - - - 1600000000 1600000600 - NODATA\n2 123 eni-1 - - - - - - - 1600000000 1600000600 - SKIPDATA\n")),
                format: None, records: 2, diagnostics: vec![],
            },
            Case {
                name: "too few fields",
                input: text(&format!("{HEADER}\n{LINE}\n2 123 eni-1 10.0.0.1\n{LINE}\n")),
                format: None, records: 2, diagnostics: vec![(Some(3), FieldCount, "expected 14 fields (the header on line 1 names 14 fields), found 4")],
            },
            Case {
                name: "too many fields",
                input: text(&format!("{HEADER}\n{LINE} extra\n")),
                format: None, records: 0, diagnostics: vec![(Some(2), FieldCount, "found 15"), (None, NoRecords, "no records could be read")],
            },
            Case {
                name: "non-numeric counter",
                input: text(&format!("{LINE}\n{}\n", LINE.replace(" 2100 ", " lots "))),
                format: None, records: 1, diagnostics: vec![(Some(2), BadField, "field `bytes`: `lots` is not a number")],
            },
            Case {
                name: "bad address",
                input: text(&format!("{LINE}\n{}\n", LINE.replace("201.48.16.81", "201.48.16.999"))),
                format: None, records: 1, diagnostics: vec![(Some(2), BadField, "field `dstaddr`: `201.48.16.999` is not an IP address")],
            },
            Case {
                name: "port out of range",
                input: text(&LINE.replace(" 3306 ", " 70000 ")),
                format: None, records: 0, diagnostics: vec![(Some(1), BadField, "field `srcport`: 70000 is out of range (0 to 65535)"), (None, NoRecords, "no records")],
            },
            Case {
                name: "bad action",
                input: text(&format!("{LINE}\n{}", LINE.replace("ACCEPT", "MAYBE"))),
                format: None, records: 1, diagnostics: vec![(Some(2), BadField, "field `action`: `MAYBE` is not ACCEPT or REJECT")],
            },
            Case {
                name: "no header and not 14 fields",
                input: text("10.0.0.1 10.0.0.2 500\n"),
                format: None, records: 0, diagnostics: vec![(Some(1), NoFormat, "line has 3 fields and no header line"), (None, NoRecords, "no records")],
            },
            Case { name: "empty file", input: vec![], format: None, records: 0, diagnostics: vec![(None, Empty, "empty file")] },
            Case { name: "header only", input: text(&format!("{HEADER}\n")), format: None, records: 0, diagnostics: vec![(None, HeaderOnly, "has a header line but no records")] },
            Case {
                name: "binary junk",
                input: (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect(),
                format: None, records: 0, diagnostics: vec![(None, Binary, "is binary data")],
            },
            Case { name: "zip", input: b"PK\x03\x04rest".to_vec(), format: None, records: 0, diagnostics: vec![(None, Unsupported, "ZIP archive")] },
            Case { name: "parquet", input: b"PAR1\x00\x00".to_vec(), format: None, records: 0, diagnostics: vec![(None, Unsupported, "Parquet")] },
            Case {
                name: "very long line",
                input: text(&format!("{LINE}\n{}\n{LINE}\n", "9".repeat(3 * 1024 * 1024))),
                format: None, records: 2, diagnostics: vec![(Some(2), LineTooLong, "line is longer than 64 KiB")],
            },
            Case {
                name: "truncated gzip keeps records before the cut",
                input: {
                    let body: String = std::iter::once(HEADER.to_string()).chain((0..2000).map(|_| LINE.to_string())).collect::<Vec<_>>().join("\n");
                    let gz = gzip(body.as_bytes());
                    gz[..gz.len() / 2].to_vec()
                },
                format: None, records: usize::MAX, diagnostics: vec![(None, Truncated, "gzip data ends early")],
            },
            Case {
                name: "gzip header only",
                input: vec![0x1f, 0x8b],
                format: None, records: 0, diagnostics: vec![(None, Truncated, "gzip data")],
            },
        ]
    }

    #[test]
    fn table_of_format_variants_and_malformed_lines() {
        for case in cases() {
            let ds = read("case.log", &case.input, case.format);
            if case.records == usize::MAX {
                assert!(ds.records() > 0, "{}: expected some records", case.name);
            } else {
                assert_eq!(
                    ds.records() as usize,
                    case.records,
                    "{}: {:?}",
                    case.name,
                    diags(&ds)
                );
            }
            assert_eq!(
                ds.diagnostics.len(),
                case.diagnostics.len(),
                "{}: {:?}",
                case.name,
                diags(&ds)
            );
            for (d, (line, kind, part)) in ds.diagnostics.iter().zip(&case.diagnostics) {
                assert_eq!(d.file, "case.log", "{}", case.name);
                assert_eq!(d.line, *line, "{}: {:?}", case.name, diags(&ds));
                assert_eq!(d.kind, *kind, "{}: {:?}", case.name, diags(&ds));
                assert_eq!(d.severity, kind.severity(), "{}", case.name);
                assert!(
                    d.message.contains(part),
                    "{}: {:?} lacks {part:?}",
                    case.name,
                    d.message
                );
            }
        }
    }

    #[test]
    fn values_are_parsed_and_missing_stays_missing() {
        let input =
            format!("{HEADER}\n{LINE}\n2 123 eni-1 - - - - - - - 1600000000 1600000600 - NODATA\n");
        let ds = read("f.log", input.as_bytes(), None);
        let t = &ds.table;
        assert_eq!(
            t.addrs.get(t.srcaddr(0)).unwrap().to_string(),
            "172.30.0.10"
        );
        assert_eq!(
            t.addrs.get(t.dstaddr(0)).unwrap().to_string(),
            "201.48.16.81"
        );
        assert_eq!(t.srcport(0), Some(3306));
        assert_eq!(t.dstport(0), Some(49152));
        assert_eq!(t.protocol(0), Some(6));
        assert_eq!(t.packets(0), Some(10));
        assert_eq!(t.bytes(0), Some(2100));
        assert_eq!(t.start_secs(0), Some(1_600_221_687));
        assert_eq!(t.end_secs(0), Some(1_600_221_747));
        assert_eq!(t.action(0), Some(Action::Accept));
        assert_eq!(t.log_status(0), Some(LogStatus::Ok));
        assert_eq!(t.text("interface-id", 0), Some("eni-0a1b2c"));
        assert_eq!(t.text("version", 0), Some("2"));
        // NODATA: every dash is missing, not zero.
        assert_eq!(t.srcaddr(1), AddrId::NONE);
        assert_eq!(t.bytes(1), None);
        assert_eq!(t.packets(1), None);
        assert_eq!(t.srcport(1), None);
        assert_eq!(t.action(1), None);
        assert_eq!(t.log_status(1), Some(LogStatus::NoData));
        assert_eq!(ds.nodata(), 1);
        assert_eq!(ds.files[0].records, 2);
        assert_eq!(ds.format_at(1), Some(&Format::default_v2()));
    }

    #[test]
    fn milliseconds_are_normalised_and_ipv6_read() {
        let input = "srcaddr dstaddr start end bytes\n2001:db8::1 2001:0db8:0000:0000:0000:0000:0000:0002 1600221687123 1600221747999 10\n";
        let ds = read("f.log", input.as_bytes(), None);
        let t = &ds.table;
        assert_eq!(t.start_secs(0), Some(1_600_221_687));
        assert_eq!(t.end_secs(0), Some(1_600_221_747));
        assert_eq!(
            t.addrs.get(t.dstaddr(0)).unwrap().to_string(),
            "2001:db8::2"
        );
    }

    #[test]
    fn chunk_boundaries_do_not_change_the_result() {
        let mut body = format!("\u{feff}{HEADER}\r\n");
        for i in 0..300 {
            body.push_str(&LINE.replace("2100", &i.to_string()));
            body.push_str(if i % 2 == 0 { "\r\n" } else { "\n" });
            if i % 50 == 0 {
                body.push_str("bad line\n");
            }
        }
        let whole = read("f.log", body.as_bytes(), None);
        let gz = gzip(body.as_bytes());
        for input in [body.as_bytes(), &gz] {
            for chunk in [1, 2, 3, 7, 64, 4096] {
                let mut ds = Dataset::default();
                let mut r = FileReader::new(&mut ds, "f.log", &ReadOptions::default());
                for c in input.chunks(chunk) {
                    r.push(&mut ds, c);
                }
                r.finish(&mut ds);
                assert_eq!(ds.records(), 300, "chunk {chunk}");
                assert_eq!(diags(&ds), diags(&whole), "chunk {chunk}");
                let bytes: Vec<_> = (0..300).map(|i| ds.table.bytes(i)).collect();
                assert_eq!(bytes, (0..300).map(Some).collect::<Vec<_>>());
            }
        }
        // The bad lines sit after records 0, 50, …: line 1 is the header.
        assert_eq!(whole.diagnostics[0].line, Some(3));
        assert_eq!(whole.diagnostics[1].line, Some(54));
    }

    /// A bad line's diagnostic says where it is: its line and the byte its text starts
    /// at (the BOM and CRLF counted), whatever the chunks; a file with a header only is a
    /// note, a bad line a warning, a cut gzip an error with the text bytes before it.
    #[test]
    fn diagnostics_carry_their_position_and_severity() {
        let body = format!("\u{feff}{HEADER}\r\n{LINE}\nbad line\n{LINE}\n");
        let at = (3 + HEADER.len() + 2 + LINE.len() + 1) as u64;
        for chunk in [1, 5, 4096] {
            let mut ds = Dataset::default();
            let mut r = FileReader::new(&mut ds, "f.log", &ReadOptions::default());
            for c in body.as_bytes().chunks(chunk) {
                r.push(&mut ds, c);
            }
            r.finish(&mut ds);
            let d = &ds.diagnostics[0];
            assert_eq!((d.kind, d.severity), (FieldCount, Severity::Warning));
            assert_eq!((d.line, d.byte), (Some(3), Some(at)), "chunks of {chunk}");
        }
        let ds = read("h.log", format!("{HEADER}\n").as_bytes(), None);
        assert_eq!(ds.diagnostics[0].severity, Severity::Note);
        assert!(!ds.diagnostics[0].is_problem());
        let gz = gzip(format!("{HEADER}\n{LINE}\n").as_bytes());
        let ds = read("c.log.gz", &gz[..gz.len() - 4], None);
        let d = &ds.diagnostics[0];
        assert_eq!((d.kind, d.severity), (Truncated, Severity::Error));
        assert_eq!(d.byte, Some(ds.files[0].text_bytes));
    }

    /// A line too long to keep, and a last line with no newline, are placed where they
    /// start, however the input was cut (the start of a line held over from an earlier
    /// chunk was once taken from what was kept of it, which a skipped line has not).
    #[test]
    fn positions_of_held_and_skipped_lines_do_not_depend_on_chunks() {
        let long = "9".repeat(MAX_LINE_BYTES + 10);
        let body = format!("{HEADER}\n{LINE}\n{long}\n{LINE}\nbad");
        let long_at = (HEADER.len() + 1 + LINE.len() + 1) as u64;
        let last_at = long_at + long.len() as u64 + 1 + LINE.len() as u64 + 1;
        for chunk in [1, 3, 1000, 4096, 70_000, body.len()] {
            let mut ds = Dataset::default();
            let mut r = FileReader::new(&mut ds, "f.log", &ReadOptions::default());
            for c in body.as_bytes().chunks(chunk) {
                r.push(&mut ds, c);
            }
            r.finish(&mut ds);
            let at: Vec<_> = ds
                .diagnostics
                .iter()
                .map(|d| (d.kind, d.line, d.byte))
                .collect();
            assert_eq!(
                at,
                [
                    (LineTooLong, Some(3), Some(long_at)),
                    (FieldCount, Some(5), Some(last_at))
                ],
                "chunks of {chunk}"
            );
            assert_eq!(ds.files[0].text_bytes, body.len() as u64);
        }
    }

    #[test]
    fn many_bad_lines_are_summarised() {
        let body = "x y z\n".repeat(120);
        let ds = read("f.log", body.as_bytes(), None);
        assert_eq!(ds.diagnostics.len(), 50 + 2);
        assert_eq!(ds.diagnostics[50].message, "70 more bad lines not listed");
        assert_eq!(ds.files[0].bad_lines, 120);
    }

    #[test]
    fn text_columns_of_a_format_do_not_leak_into_the_next_file() {
        let mut ds = Dataset::default();
        let opts = ReadOptions::default();
        read_bytes(
            &mut ds,
            "a.log",
            format!("{HEADER}\n{LINE}\n").as_bytes(),
            &opts,
        );
        read_bytes(
            &mut ds,
            "b.log",
            b"srcaddr dstaddr bytes\n10.0.0.1 10.0.0.2 5\n",
            &opts,
        );
        assert_eq!(ds.table.text("interface-id", 0), Some("eni-0a1b2c"));
        assert_eq!(ds.table.text("interface-id", 1), None);
        assert_eq!(ds.files[1].first_row, 1);
    }

    /// Repeated text values are stored without a second comparison, unless a header
    /// names a text column twice: then the last of the two values wins, as before.
    #[test]
    fn repeated_text_values_and_a_column_named_twice() {
        let text = "srcaddr dstaddr note note\n\
                    10.0.0.1 10.0.0.2 a b\n\
                    10.0.0.1 10.0.0.2 a b\n\
                    10.0.0.1 10.0.0.2 b b\n";
        let ds = read("twice.log", text.as_bytes(), None);
        assert_eq!(ds.records(), 3);
        for row in 0..3 {
            assert_eq!(ds.table.text("note", row), Some("b"), "row {row}");
        }
        let text = "version account-id srcaddr\n2 111 10.0.0.1\n2 111 10.0.0.2\n2 222 10.0.0.3\n2 - 10.0.0.4\n2 222 10.0.0.5\n";
        let ds = read("repeats.log", text.as_bytes(), None);
        let got: Vec<Option<&str>> = (0..5).map(|r| ds.table.text("account-id", r)).collect();
        assert_eq!(
            got,
            [Some("111"), Some("111"), Some("222"), None, Some("222")]
        );
    }

    /// The reference the splitter is held to: fields are the non-empty pieces
    /// between spaces and tabs (a run of them is one separator).
    fn split_on_runs(line: &str) -> Vec<&str> {
        line.split([' ', '\t']).filter(|f| !f.is_empty()).collect()
    }

    #[test]
    fn field_splitting_takes_a_run_of_spaces_or_tabs_as_one_separator() {
        let cases: [(&str, &[&str]); 9] = [
            ("", &[]),
            (" ", &[]),
            ("a", &["a"]),
            ("a b", &["a", "b"]),
            ("  a  b  ", &["a", "b"]),
            ("a\tb \t c", &["a", "b", "c"]),
            ("\t\ta", &["a"]),
            ("12345678 abcdefgh 1", &["12345678", "abcdefgh", "1"]),
            (
                "0123456789abcdef0123 x y z ",
                &["0123456789abcdef0123", "x", "y", "z"],
            ),
        ];
        for (line, expected) in cases {
            let mut spans = Vec::new();
            split_fields(line.as_bytes(), &mut spans);
            let got: Vec<&str> = spans.iter().map(|&(s, e)| &line[s..e]).collect();
            assert_eq!(got, expected, "{line:?}");
            assert_eq!(got, split_on_runs(line), "{line:?}");
        }
    }

    /// Issue: two peer conformance cases were refused because a line had two spaces
    /// between two fields. Runs of spaces or tabs, and separators at either end of a
    /// line, now read as AWS's single spaces do, the fast way and the careful way.
    #[test]
    fn runs_of_spaces_and_tabs_read_like_single_spaces() {
        let single = read("s.log", format!("{HEADER}\n{LINE}\n").as_bytes(), None);
        let spaced = LINE.replace(' ', "  ");
        let tabbed = LINE.replace(' ', "\t");
        let mixed = format!(" \t{}\t ", LINE.replacen(' ', " \t  ", 5));
        for line in [spaced, tabbed, mixed] {
            let header = HEADER.replace(' ', " \t");
            let ds = read(
                "r.log",
                format!("{header}\n{line}\n{line}\r\n").as_bytes(),
                None,
            );
            assert_eq!(diags(&ds), Vec::<String>::new(), "{line:?}");
            assert_eq!(ds.records(), 2, "{line:?}");
            assert_eq!(
                records_in_words(&ds)[0],
                records_in_words(&single)[0],
                "{line:?}"
            );
            assert_eq!(
                records_in_words(&ds)[1],
                records_in_words(&single)[0],
                "{line:?}"
            );
        }
    }

    /// Found by the fuzzer (fuzz/regressions/binary-detection-depends-on-chunk-size):
    /// binary content was only looked for in the first chunk of 3 bytes or more.
    #[test]
    fn binary_detection_does_not_depend_on_chunk_size() {
        for body in [b"RP1A\0\0".as_slice(), b"ab\ncd\0\x01\x02 more"] {
            for chunk in [1, 2, 3, 4, 64] {
                let mut ds = Dataset::default();
                let mut r = FileReader::new(&mut ds, "f", &ReadOptions::default());
                for c in body.chunks(chunk) {
                    r.push(&mut ds, c);
                }
                r.finish(&mut ds);
                assert_eq!(
                    diags(&ds),
                    vec!["-: is binary data, not flow-log text: not read"],
                    "chunk {chunk}"
                );
            }
        }
    }

    #[test]
    fn the_record_limit_stops_reading_and_says_what_was_dropped() {
        let options = ReadOptions {
            max_records: Some(3),
            ..ReadOptions::default()
        };
        let mut ds = Dataset::default();
        let body = format!("{HEADER}\n{LINE}\n{LINE}\n{LINE}\n{LINE}\n{LINE}\n");
        read_bytes(&mut ds, "a.log", body.as_bytes(), &options);
        read_bytes(&mut ds, "b.log", body.as_bytes(), &options);
        assert_eq!(ds.records(), 3);
        assert!(ds.limit_reached);
        assert_eq!(diags(&ds), vec![
            "-: stopped at line 5: the limit of 3 records that fit in memory is reached; this line and the rest of the data were not read".to_string(),
            "-: not read: the record limit was reached before this file".to_string(),
        ]);
        assert!(!ds.files[0].complete && !ds.files[1].complete);
        assert_eq!(ds.files[0].records, 3);
    }

    /// Found by the fuzzer (fuzz/regressions/text-bytes-after-record-limit): a file
    /// stopped at the record limit counted as text only the chunks that had arrived.
    /// It now counts the text before the line where reading stopped, in any chunks.
    #[test]
    fn text_read_before_the_record_limit_does_not_depend_on_chunks() {
        let options = ReadOptions {
            max_records: Some(3),
            ..ReadOptions::default()
        };
        let body = format!("\u{feff}{HEADER}\r\n{LINE}\n{LINE}\n\n{LINE}\n{LINE}\n{LINE}");
        // BOM, header, three records and a blank line come before line 6.
        let before = 3 + HEADER.len() + 2 + 3 * (LINE.len() + 1) + 1;
        for chunk in [1, 2, 7, 64, 100, 4096] {
            let mut ds = Dataset::default();
            let mut reader = FileReader::new(&mut ds, "a.log", &options);
            for piece in body.as_bytes().chunks(chunk) {
                reader.push(&mut ds, piece);
            }
            reader.finish(&mut ds);
            assert_eq!(ds.records(), 3, "chunks of {chunk}");
            assert_eq!(ds.files[0].text_bytes, before as u64, "chunks of {chunk}");
        }
        let gz = gzip(body.as_bytes());
        for chunk in [1, 13, 4096] {
            let mut ds = Dataset::default();
            let mut reader = FileReader::new(&mut ds, "a.log.gz", &options);
            for piece in gz.chunks(chunk) {
                reader.push(&mut ds, piece);
            }
            reader.finish(&mut ds);
            assert_eq!(
                ds.files[0].text_bytes, before as u64,
                "gzip in chunks of {chunk}"
            );
        }
    }

    /// Every record of `ds` in words, addresses resolved (their ids depend on the
    /// order they were first seen, which bad lines can change).
    fn records_in_words(ds: &Dataset) -> Vec<String> {
        let table = &ds.table;
        let names: Vec<String> = table.text_column_names().map(str::to_string).collect();
        (0..table.len())
            .map(|row| {
                let mut core = table.core(row);
                let src = table.addrs.get(core.srcaddr);
                let dst = table.addrs.get(core.dstaddr);
                core.srcaddr = AddrId::NONE;
                core.dstaddr = AddrId::NONE;
                let texts: Vec<Option<&str>> = names.iter().map(|n| table.text(n, row)).collect();
                format!("{src:?} {dst:?} {core:?} {texts:?}")
            })
            .collect()
    }

    /// A field for column `column` of the default format: mostly a good value, else
    /// anything from a pool of good and bad values.
    fn field_for(column: usize, pick: usize, good: bool) -> &'static str {
        const GOOD: [&[&str]; 14] = [
            &["2", "5", "-"],
            &["123456789012", "999", "-"],
            &["eni-0a1b2c", "eni-0123456789abcdef0", "-"],
            &["10.0.0.1", "172.30.0.10", "2001:db8::1", "-"],
            &["201.48.16.81", "::1", "-"],
            &["0", "443", "65535", "-"],
            &["49152", "22", "7", "-"],
            &["6", "17", "255", "-"],
            &["1", "10", "12345678", "-"],
            &["2100", "123456789", "1234567890123456", "-"],
            &["1600221687", "1600221687123", "0", "-"],
            &["1600221747", "99999999", "-"],
            &["ACCEPT", "REJECT", "-"],
            &["OK", "NODATA", "SKIPDATA", "-"],
        ];
        const ANY: [&str; 24] = [
            "",
            "-",
            "0",
            "00012",
            "65536",
            "256",
            "4294967296000000",
            "99999999999999999999",
            "12345678901234567",
            "1a",
            "a1",
            "ACCEPT",
            "accept",
            "OK",
            "ok",
            "10.0.0.1",
            "300.1.1.1",
            "::",
            "x",
            "é",
            "123456789012",
            "eni-1",
            "1600221687",
            "9",
        ];
        match GOOD.get(column) {
            Some(values) if good => values[pick % values.len()],
            _ => ANY[pick % ANY.len()],
        }
    }

    proptest::proptest! {
        /// The fast way of reading a record stores exactly what the careful way
        /// stores, and leaves every line it does not take to the careful way (which
        /// then says what is wrong): same records, same diagnostics.
        #[test]
        fn the_fast_way_reads_what_the_careful_way_reads(
            lines in proptest::collection::vec(
                (
                    proptest::collection::vec((0usize..100, 0u8..10, 0usize..40), 12..=16),
                    0usize..40,
                    0usize..40,
                ),
                1..40,
            )
        ) {
            // Mostly one space; sometimes a run of spaces or tabs.
            const SEPARATORS: [&str; 6] = ["  ", "\t", " \t ", "\t\t", "   ", " "];
            let separator = |pick: usize| SEPARATORS.get(pick).copied().unwrap_or(" ");
            let edge = |pick: usize| SEPARATORS.get(pick).copied().unwrap_or("");
            let mut body = String::new();
            for (fields, leading, trailing) in &lines {
                body.push_str(edge(*leading));
                for (column, &(pick, good, gap)) in fields.iter().enumerate() {
                    if column > 0 {
                        body.push_str(separator(gap));
                    }
                    body.push_str(field_for(column, pick, good < 8));
                }
                body.push_str(edge(*trailing));
                body.push('\n');
            }
            let fast = read("f.log", body.as_bytes(), None);
            let mut careful = Dataset::default();
            let options = ReadOptions::default();
            let mut reader = FileReader::new(&mut careful, "f.log", &options);
            reader.lines.careful_only = true;
            reader.push(&mut careful, body.as_bytes());
            reader.finish(&mut careful);
            proptest::prop_assert_eq!(records_in_words(&fast), records_in_words(&careful));
            proptest::prop_assert_eq!(&fast.diagnostics, &careful.diagnostics);
        }

        /// The eight-at-a-time test finds exactly the spaces and tabs, whatever the
        /// other bytes (control characters, bytes above 0x7f).
        #[test]
        fn separators_are_found_exactly(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let mut got = Vec::new();
            each_separator(&bytes, |i| {
                got.push(i);
                Some(())
            });
            let expected: Vec<usize> = (0..bytes.len()).filter(|&i| is_separator(bytes[i])).collect();
            proptest::prop_assert_eq!(got, expected);
        }

        #[test]
        fn field_splitting_matches_split_on_runs_on_any_text(line in "[ \ta-c0-9]{0,80}") {
            let mut spans = Vec::new();
            split_fields(line.as_bytes(), &mut spans);
            let got: Vec<&str> = spans.iter().map(|&(s, e)| &line[s..e]).collect();
            proptest::prop_assert_eq!(got, split_on_runs(&line));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048), chunk in 1usize..64) {
            let mut ds = Dataset::default();
            let mut r = FileReader::new(&mut ds, "fuzz", &ReadOptions::default());
            for c in bytes.chunks(chunk) {
                r.push(&mut ds, c);
            }
            r.finish(&mut ds);
        }

        #[test]
        fn arbitrary_lines_never_panic(lines in proptest::collection::vec("[ -~]{0,120}", 0..20)) {
            let body = format!("{HEADER}\n{}", lines.join("\n"));
            let _ = read("fuzz", body.as_bytes(), None);
            let gz = gzip(body.as_bytes());
            let _ = read("fuzz", &gz[..gz.len() * 2 / 3], None);
        }
    }
}
