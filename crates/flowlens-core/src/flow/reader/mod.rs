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
//! missing, millisecond times, IPv4 and IPv6, runs of spaces or tabs between fields.
//! Every bad line becomes a [`Diagnostic`] with file and line and the rest is still
//! read; a damaged file keeps the records read before the damage.
//!
//! The parts, one concept each: [`sniff`] tells what the bytes are, [`lines`] splits
//! text into lines, [`split`] a line into fields, [`record`] parses a line into a
//! record of its format, [`values`] parses field values and [`addr_cache`] skips
//! parsing addresses seen before. Whether reading has stopped (unreadable content,
//! damage, the record limit) is kept in one place, [`lines::LineParser::stopped`].

mod addr_cache;
mod json;
mod lines;
mod parquet;
mod record;
mod sniff;
mod split;
mod values;
mod zip;

use self::lines::LineParser;
use self::record::{Compiled, FormatOrigin};
use self::sniff::{sniff, Sniffed, SNIFF_BYTES};
use super::content_hash::ContentHash;
use super::dataset::{Dataset, FileSummary};
use super::diagnostic::{Diagnostic, DiagnosticKind};
use super::form::Form;
use super::format::Format;
use super::gzip::{GzipError, GzipLayers};
use super::s3key::window_stamp;

/// Longest line kept; longer lines are reported and skipped.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Largest Parquet file or ZIP archive read (they are read whole: their index is at
/// their end).
pub const MAX_WHOLE_BYTES: usize = 1024 * 1024 * 1024;

/// How to read files.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// A format given by the user; overrides header lines and the default format.
    pub format: Option<Format>,
    /// Most records to keep in the data set (a browser tab's memory budget); reading
    /// stops there with a diagnostic that says what was dropped.
    pub max_records: Option<u64>,
}

/// What the bytes of the file are.
enum Container {
    /// Not enough bytes seen yet to tell.
    Sniffing(Vec<u8>),
    /// Plain text.
    Text,
    /// gzip (maybe gzipped twice).
    Gzip(Box<GzipLayers>),
    /// A form read whole at the end (Parquet, ZIP), its bytes so far.
    Whole(Sniffed, Vec<u8>),
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
    /// How to read (kept for the members of an archive).
    options: ReadOptions,
    /// The hash of the file's bytes so far.
    hash: ContentHash,
    /// Some input bytes were counted without being seen (not hashed).
    unhashed: bool,
    /// Archives this file is inside.
    depth: u32,
}

impl FileReader {
    /// Starts reading the file `name` into `dataset`.
    pub fn new(dataset: &mut Dataset, name: &str, options: &ReadOptions) -> FileReader {
        FileReader::nested(dataset, name, options, 0)
    }

    /// Starts reading the file `name`, a member of an archive `depth` deep.
    fn nested(dataset: &mut Dataset, name: &str, options: &ReadOptions, depth: u32) -> FileReader {
        dataset.files.push(FileSummary {
            name: name.to_string(),
            member: depth > 0,
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
        if dataset.limit_reached {
            lines.note(
                dataset,
                DiagnosticKind::RecordLimit,
                "not read: the record limit was reached before this file".to_string(),
            );
            lines.stopped = true;
        }
        FileReader {
            file,
            container: Container::Sniffing(Vec::new()),
            lines,
            text: Vec::new(),
            decoded_bytes: 0,
            options: options.clone(),
            hash: ContentHash::default(),
            unhashed: false,
            depth,
        }
    }

    /// Starts reading a file whose content was decompressed outside the reader (the
    /// browser may decompress with its native `DecompressionStream`). What came out is
    /// sniffed like any file's bytes (it may be gzip again, or JSON).
    pub fn new_text(dataset: &mut Dataset, name: &str, options: &ReadOptions) -> FileReader {
        let reader = FileReader::new(dataset, name, options);
        if let Some(f) = dataset.files.get_mut(reader.file) {
            f.gzip = true;
        }
        reader
    }

    /// Reads the next chunk of the file's bytes.
    pub fn push(&mut self, dataset: &mut Dataset, chunk: &[u8]) {
        self.hash.push(chunk);
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

    /// Reads a chunk of the file's bytes as stored that was decompressed outside the
    /// reader: it is counted (`bytes_read`) and hashed (the same file given twice is
    /// read once), not read; its text comes through [`FileReader::push_text`].
    pub fn count_input(&mut self, dataset: &mut Dataset, chunk: &[u8]) {
        self.hash.push(chunk);
        if let Some(f) = dataset.files.get_mut(self.file) {
            f.bytes_read += chunk.len() as u64;
        }
    }

    /// Counts `n` compressed input bytes read outside the reader (with
    /// [`FileReader::new_text`]) without their bytes: such a file is not recognised
    /// when given twice (use [`FileReader::count_input`]).
    pub fn count_input_bytes(&mut self, dataset: &mut Dataset, n: u64) {
        self.unhashed = true;
        if let Some(f) = dataset.files.get_mut(self.file) {
            f.bytes_read += n;
        }
    }

    /// True once reading of this file has stopped for good (the rest can be skipped).
    pub fn is_stopped(&self) -> bool {
        self.lines.stopped
    }

    /// Stops reading (the edge met a problem it reported).
    fn stop(&mut self) {
        self.lines.stopped = true;
    }

    fn consume(&mut self, dataset: &mut Dataset, chunk: &[u8]) {
        if self.lines.stopped {
            return;
        }
        match &mut self.container {
            Container::Sniffing(seen) if seen.is_empty() && chunk.len() >= SNIFF_BYTES => {
                // The whole chunk is there to judge: no copy.
                self.decide(dataset, chunk);
            }
            Container::Sniffing(seen) => {
                seen.extend_from_slice(chunk);
                if seen.len() >= SNIFF_BYTES {
                    let seen = std::mem::take(seen);
                    self.decide(dataset, &seen);
                }
            }
            Container::Text => self.lines.feed(dataset, chunk),
            Container::Whole(_, bytes) => {
                if bytes.len() + chunk.len() > MAX_WHOLE_BYTES {
                    let message = format!(
                        "is larger than {} MiB: Parquet files and ZIP archives that large are not read",
                        MAX_WHOLE_BYTES >> 20
                    );
                    self.lines
                        .note(dataset, DiagnosticKind::ArchiveLimit, message);
                    self.container = Container::Whole(Sniffed::Text, Vec::new());
                    self.lines.stopped = true;
                } else {
                    bytes.extend_from_slice(chunk);
                }
            }
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
        }
    }

    fn decide(&mut self, dataset: &mut Dataset, first: &[u8]) {
        let refuse = |what: &str| {
            Diagnostic::new(
                DiagnosticKind::Unsupported,
                &self.lines.name,
                what.to_string(),
            )
        };
        match sniff(first) {
            Sniffed::Gzip => {
                if let Some(f) = dataset.files.get_mut(self.file) {
                    f.gzip = true;
                }
                self.container = Container::Gzip(Box::default());
            }
            whole @ (Sniffed::Zip | Sniffed::Parquet) => {
                if self.was_decompressed(dataset) {
                    let d = refuse("holds a ZIP archive or a Parquet file inside gzip: not read; give the file itself");
                    dataset.diagnostics.push(d);
                    self.lines.stopped = true;
                    return;
                }
                self.container = Container::Whole(whole, Vec::new());
            }
            Sniffed::Text => self.container = Container::Text,
        }
        self.consume(dataset, first);
    }

    /// True when this file's bytes came decompressed (by the browser).
    fn was_decompressed(&self, dataset: &Dataset) -> bool {
        dataset.files.get(self.file).is_some_and(|f| f.gzip)
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
        self.lines.stopped = true;
    }

    /// Ends the file: reads the last line, checks gzip is complete and records the
    /// file's totals.
    pub fn finish(mut self, dataset: &mut Dataset) {
        if let Container::Sniffing(seen) = &mut self.container {
            // Fewer bytes than sniffing needs (an empty file is noted as such when the
            // lines finish).
            let seen = std::mem::take(seen);
            if !seen.is_empty() {
                self.decide(dataset, &seen);
            }
        }
        if let Container::Gzip(decoder) = &mut self.container {
            if !self.lines.stopped {
                let mut text = std::mem::take(&mut self.text);
                text.clear();
                let result = decoder.finish(&mut text);
                self.decoded_bytes += text.len() as u64;
                self.lines.feed(dataset, &text);
                if let Err(reason) = result {
                    if !self.lines.stopped {
                        self.gzip_failed(dataset, reason);
                    }
                }
            }
        }
        if let Container::Whole(kind, bytes) = &mut self.container {
            let bytes = std::mem::take(bytes);
            if !self.lines.stopped {
                let read = match kind {
                    Sniffed::Parquet => parquet::read(&mut self.lines, dataset, bytes),
                    Sniffed::Zip => {
                        self.lines.begin_records(dataset, Form::Zip);
                        let name = self.lines.name.clone();
                        zip::read(dataset, &name, &bytes, &self.options, self.depth)
                    }
                    Sniffed::Gzip | Sniffed::Text => true,
                };
                if !read {
                    self.lines.stopped = true;
                }
            }
        }
        self.lines.finish(dataset, self.file);
        if let Some(f) = dataset.files.get_mut(self.file) {
            let seen = !self.unhashed && f.bytes_read > 0;
            f.content_hash = seen.then(|| self.hash.finish());
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
    use crate::flow::addr::AddrId;
    use crate::flow::diagnostic::Severity;
    use crate::flow::field::{Field, FieldKind};
    use crate::flow::form::{Form, FormatSource};
    use crate::flow::table::{Action, LogStatus};
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
            Case { name: "damaged zip", input: b"PK\x03\x04rest".to_vec(), format: None, records: 0, diagnostics: vec![(None, Damaged, "is a damaged ZIP archive")] },
            Case { name: "damaged parquet", input: b"PAR1\x00\x00".to_vec(), format: None, records: 0, diagnostics: vec![(None, Damaged, "is a damaged Parquet file")] },
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

    /// The records of the exact shapes AWS writes (from AWS's documentation and the
    /// examples it ships with the CLI and in its services' test data), in every
    /// form: each gives the same records as the S3 text of the same lines.
    #[test]
    fn every_form_reads_the_same_records_as_its_text() {
        const R1: &str = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
        const R2: &str = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK";
        const NODATA: &str =
            "2 627286350134 eni-0eb1e4178af74336c - - - - - - - 1742570569 1742570622 - NODATA";
        let text = read(
            "s3.log",
            format!("{HEADER}\n{R1}\n{R2}\n{NODATA}\n").as_bytes(),
            None,
        );
        let envelope = |kind: &str, events: &str| {
            format!(
                r#"{{"messageType":"{kind}","owner":"123456789010","logGroup":"/aws/vpc/flowlogs","logStream":"eni-1235b8ca123456789","subscriptionFilters":["MyFlowLogSubscription"],"logEvents":[{events}]}}"#
            )
        };
        let event = |id: u32, message: &str| {
            format!(r#"{{"id":"eventId{id}","timestamp":1418530010000,"message":"{message}"}}"#)
        };
        let cwl = [
            envelope("DATA_MESSAGE", &[event(1, R1), event(2, R2)].join(",")),
            envelope(
                "CONTROL_MESSAGE",
                &event(
                    0,
                    "CWL CONTROL MESSAGE: Checking health of destination Firehose.",
                ),
            ),
            envelope("DATA_MESSAGE", &event(3, NODATA)),
        ];
        // Firehose: one gzip member a batch, back to back, no suffix; and gzipped again.
        let members: Vec<u8> = cwl.iter().flat_map(|e| gzip(e.as_bytes())).collect();
        let vpc: String = [R1, R2, NODATA]
            .iter()
            .map(|r| format!(r#"{{"message":"{r}"}}"#))
            .collect();
        let cli = format!(
            "{{\n    \"events\": [\n        {{\"logStreamName\": \"eni-1235b8ca123456789-all\", \"timestamp\": 1418530010000, \"message\": \"{R1}\", \"ingestionTime\": 1418530070000, \"eventId\": \"1\"}},\n        {{\"timestamp\": 1418530010000, \"message\": \"{R2}\"}}\n    ],\n    \"searchedLogStreams\": []\n}}\n{{\"nextForwardToken\": \"f/3\", \"events\": [{{\"ingestionTime\": 1, \"timestamp\": 1742570569000, \"message\": \"{NODATA}\"}}], \"nextBackwardToken\": \"b/3\"}}"
        );
        let export = format!("2014-12-14T04:06:50.000Z {R1}\n2014-12-14T04:06:50.000Z {R2}\n2025-03-21T15:22:49.000Z {NODATA}\n");
        let csv = format!("timestamp,message\n1418530010000,{R1}\n1418530010000,\"{R2}\"\n1742570569000,{NODATA}\n");
        let cases: Vec<(&str, Vec<u8>, Form, bool)> = vec![
            (
                "firehose-cwl",
                members.clone(),
                Form::FirehoseCloudwatch,
                true,
            ),
            (
                "firehose-cwl-twice",
                gzip(&members),
                Form::FirehoseCloudwatch,
                true,
            ),
            (
                "firehose-cwl-plain",
                cwl.concat().into_bytes(),
                Form::FirehoseCloudwatch,
                false,
            ),
            (
                "firehose-vpc",
                vpc.clone().into_bytes(),
                Form::FirehoseVpc,
                false,
            ),
            (
                "firehose-vpc-lines",
                vpc.replace("}{", "}\n{").into_bytes(),
                Form::FirehoseVpc,
                false,
            ),
            (
                "firehose-vpc-gzip",
                gzip(vpc.as_bytes()),
                Form::FirehoseVpc,
                true,
            ),
            ("cli", cli.into_bytes(), Form::CloudwatchJson, false),
            (
                "export",
                gzip(export.as_bytes()),
                Form::CloudwatchExport,
                true,
            ),
            ("csv", csv.into_bytes(), Form::ConsoleCsv, false),
        ];
        for (name, bytes, form, gzipped) in cases {
            for chunk in [1, 3, 64, 4096, bytes.len()] {
                let mut ds = Dataset::default();
                let mut r = FileReader::new(&mut ds, name, &ReadOptions::default());
                for c in bytes.chunks(chunk) {
                    r.push(&mut ds, c);
                }
                r.finish(&mut ds);
                assert_eq!(
                    diags(&ds),
                    Vec::<String>::new(),
                    "{name} in chunks of {chunk}"
                );
                assert_eq!(
                    records_in_words(&ds),
                    records_in_words(&text),
                    "{name} in chunks of {chunk}"
                );
                let file = &ds.files[0];
                assert_eq!(
                    (file.form, file.gzip, file.records),
                    (form, gzipped, 3),
                    "{name}"
                );
                assert_eq!(file.format_source, FormatSource::Default, "{name}");
                assert!(file.complete, "{name}");
            }
        }
        assert_eq!(text.files[0].form, Form::S3Text);
        assert_eq!(text.files[0].format_source, FormatSource::Header);
    }

    /// Records without a header in another format than the default need the format;
    /// given, it is used (and said so).
    #[test]
    fn a_given_format_reads_headerless_records_of_any_form() {
        let vpc = r#"{"message":"10.0.0.1 10.0.0.2 500"}{"message":"10.0.0.1 10.0.0.3 7"}"#;
        let ds = read("custom", vpc.as_bytes(), None);
        assert_eq!(ds.records(), 0);
        assert_eq!(ds.diagnostics[0].kind, NoFormat);
        let ds = read("custom", vpc.as_bytes(), Some("srcaddr dstaddr bytes"));
        assert_eq!(ds.records(), 2);
        assert_eq!(ds.table.bytes(1), Some(7));
        assert_eq!(ds.files[0].format_source, FormatSource::Given);
    }

    #[test]
    fn json_that_is_not_a_flow_log_shape_and_cut_json_are_reported() {
        let ds = read("azure.json", br#"{"records":[{"time":"x"}]}"#, None);
        assert_eq!(ds.diagnostics[0].kind, BadField);
        assert!(
            ds.diagnostics[0].message.contains("none of messageType"),
            "{:?}",
            diags(&ds)
        );
        let cut = format!(r#"{{"message":"{LINE}"}}{{"message":"2 1"#);
        let ds = read("cut.json", cut.as_bytes(), None);
        assert_eq!(ds.records(), 1);
        assert_eq!(ds.diagnostics[0].kind, Truncated);
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

    /// Found by the fuzzer (fuzz/regressions/binary-detection-after-a-bom): after a
    /// BOM, text read in small chunks was judged on 1,021 bytes and in one piece on
    /// 1,024, so a NUL byte between them made it binary or not by the chunks.
    #[test]
    fn binary_detection_after_a_bom_does_not_depend_on_chunks() {
        let mut body = b"\xef\xbb\xbf".to_vec();
        body.extend(format!("{HEADER}\n{LINE}\n").bytes().cycle().take(1022));
        body.push(0);
        body.extend_from_slice(format!("\n{LINE}\n").as_bytes());
        for chunk in [1, 2, 3, 1000, 1025, body.len()] {
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
