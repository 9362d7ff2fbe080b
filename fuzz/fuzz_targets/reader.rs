//! Fuzz target `reader`: any bytes, pushed in chunks through the flow-log reader and
//! then analysed, must never panic.
//!
//! The first two bytes of the input choose how it is read; the rest is the file:
//!
//! - byte 0, bit 0: `0` raw bytes through [`FileReader::new`] + `push` (gzip found by
//!   its magic bytes), `1` text through [`FileReader::new_text`] + `push_text`.
//! - byte 0, bits 1–3: `0` no user format, `1..=7` one of [`USER_FORMATS`].
//! - byte 0, bit 4: a record limit (`ReadOptions::max_records`) of `byte 1 & 15`.
//! - byte 0, bit 5: read the same bytes again as a second file into the same data set
//!   (formats and text columns must not leak from one file into the next).
//! - byte 0, bits 6–7 and byte 1: the chunk size, `byte 1 + 1` times 1, 16 or 256, or
//!   the whole file in one push.
//!
//! Besides "no panic" it checks two promises of the reader
//! (`crates/flowlens-core/src/flow/reader.rs`), strictly:
//! - where the chunk boundaries fall does not change what is read: the chunked read is
//!   compared with a read of the same bytes in one push, records, file summaries
//!   (`text_bytes` included) and diagnostics (kind, line and byte position included);
//! - a plain-text file read to its end counts every byte as text (`text_bytes` equals
//!   `bytes_read`).

#![no_main]

use flowlens_core::analysis::{analyze, Query, TimeRange};
use flowlens_core::flow::{Dataset, FileReader, Form, Format, ReadOptions};
use libfuzzer_sys::fuzz_target;

/// The user formats that bits 1–3 of byte 0 pick from (index 1 to 7).
const USER_FORMATS: [&str; 7] = [
    "srcaddr dstaddr bytes",
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}",
    "srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
    "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status",
    "start,end,srcaddr,my-extra,dstport,bytes",
    "log_status",
    "srcaddr dstaddr dstport bytes start flow-direction traffic-path pkt-src-aws-service",
];

/// How one input is read.
#[derive(Clone, Copy, Debug)]
struct Mode {
    text: bool,
    format: Option<&'static str>,
    max_records: Option<u64>,
    second_file: bool,
    /// `None`: the whole file in one push.
    chunk_bytes: Option<usize>,
}

impl Mode {
    /// Splits the input into its mode and the file's bytes.
    fn split(data: &[u8]) -> (Mode, &[u8]) {
        let flags = data.first().copied().unwrap_or(0);
        let size = data.get(1).copied().unwrap_or(0);
        let body = data.get(2..).unwrap_or(&[]);
        let format_index = usize::from((flags >> 1) & 7);
        let base = usize::from(size) + 1;
        let mode = Mode {
            text: flags & 1 == 1,
            format: format_index
                .checked_sub(1)
                .and_then(|i| USER_FORMATS.get(i).copied()),
            max_records: (flags & 0x10 != 0).then_some(u64::from(size & 15)),
            second_file: flags & 0x20 != 0,
            chunk_bytes: match flags >> 6 {
                0 => Some(base),
                1 => Some(base * 16),
                2 => Some(base * 256),
                _ => None,
            },
        };
        (mode, body)
    }

    fn options(&self) -> ReadOptions {
        ReadOptions {
            // The formats above are valid: a failure to parse one is a bug too.
            format: self.format.map(|f| {
                Format::parse_user(f).unwrap_or_else(|e| panic!("user format {f:?}: {e}"))
            }),
            max_records: self.max_records,
        }
    }
}

/// Reads `body` as file `name` into `dataset`, `chunk_bytes` at a time.
fn read_file(
    dataset: &mut Dataset,
    name: &str,
    body: &[u8],
    mode: &Mode,
    chunk_bytes: Option<usize>,
) {
    let options = mode.options();
    let chunk_bytes = chunk_bytes.unwrap_or(body.len()).max(1);
    if mode.text {
        let mut reader = FileReader::new_text(dataset, name, &options);
        for chunk in body.chunks(chunk_bytes) {
            reader.count_input_bytes(dataset, chunk.len() as u64);
            reader.push_text(dataset, chunk);
        }
        reader.finish(dataset);
    } else {
        let mut reader = FileReader::new(dataset, name, &options);
        for chunk in body.chunks(chunk_bytes) {
            reader.push(dataset, chunk);
        }
        reader.finish(dataset);
    }
}

/// Reads the input as `mode` says, with the given chunk size.
fn read_all(body: &[u8], mode: &Mode, chunk_bytes: Option<usize>) -> Dataset {
    let mut dataset = Dataset::default();
    read_file(&mut dataset, "a.log", body, mode, chunk_bytes);
    if mode.second_file {
        read_file(&mut dataset, "b.log", body, mode, chunk_bytes);
    }
    dataset
}

/// Everything a read produced, in a form that can be compared.
fn summary(dataset: &Dataset) -> impl PartialEq + std::fmt::Debug {
    let table = &dataset.table;
    let names: Vec<String> = table.text_column_names().map(str::to_string).collect();
    let rows: Vec<_> = (0..table.len())
        .map(|row| {
            let texts: Vec<Option<String>> = names
                .iter()
                .map(|name| table.text(name, row).map(str::to_string))
                .collect();
            let src = table.addrs.get(table.srcaddr(row));
            let dst = table.addrs.get(table.dstaddr(row));
            let format = dataset.format_at(row).map(Format::to_header);
            (table.core(row), src, dst, texts, format)
        })
        .collect();
    // Fixed (fuzz/regressions/text-bytes-after-record-limit): a file stopped at the
    // record limit counts the text before the line where it stopped.
    let files = dataset.files.clone();
    // Fixed too (fuzz/regressions/gzip-damage-reported-after-stop): damage met in the
    // push that stopped a file (binary text, record limit) is not reported.
    let diagnostics = dataset.diagnostics.clone();
    (rows, files, diagnostics, dataset.limit_reached)
}

/// Runs the analysis on what was read and serialises each report as the CLI does.
///
/// `Query::default()` (what the CLI and the page run first) detects the service port,
/// which scans a 65,536-entry port histogram: with coverage instrumentation that costs
/// more than reading a small file, and its logic is a few lines. So it runs for one
/// input in 8 (chosen by the input's length, to stay reproducible), and every data set
/// with records is analysed twice with the port given instead: once for the top of
/// the ranking over all time, once for a named suspect in a time range.
fn analyse(dataset: &Dataset, input_len: usize) {
    let report = |query: &Query| {
        let report = analyze(dataset, query);
        std::hint::black_box(serde_json::to_string(&report).ok());
    };
    if input_len.is_multiple_of(8) {
        report(&Query::default());
    }
    let table = &dataset.table;
    if table.is_empty() {
        return;
    }
    let service_port = table.srcport(0).or(table.dstport(0)).or(Some(443));
    report(&Query {
        service_port,
        ..Query::default()
    });
    report(&Query {
        range: table
            .start_secs(0)
            .map(|start| TimeRange::starting_at(start, 3600))
            .unwrap_or(TimeRange::ALL),
        suspect: table.addrs.get(table.dstaddr(0)),
        service_port,
        k: 1.0,
        known: Vec::new(),
        include_suspect_in_baseline: true,
        session_gap_secs: Some(0),
        ..Query::default()
    });
}

fuzz_target!(|data: &[u8]| {
    let (mode, body) = Mode::split(data);
    let dataset = read_all(body, &mode, mode.chunk_bytes);
    analyse(&dataset, data.len());

    for file in &dataset.files {
        if file.complete && !file.gzip && !mode.text && file.form == Form::S3Text {
            assert_eq!(
                file.text_bytes, file.bytes_read,
                "{mode:?}: a plain file read to its end counts all its bytes as text"
            );
        }
    }

    if mode.chunk_bytes.is_some_and(|n| n < body.len()) {
        let whole = read_all(body, &mode, None);
        let (chunked, whole) = (summary(&dataset), summary(&whole));
        assert!(
            chunked == whole,
            "{mode:?}: chunked read differs from the whole read\nchunked: {chunked:?}\nwhole:   {whole:?}"
        );
    }
});
