//! A parse worker: the same wasm as the reading worker, started by it (see
//! [`super::pool`]) under the name [`NAME`], that reads the files it is given and sends
//! each back as a parsed data set.
//!
//! It is asked with [`ParseRequest`]s and answers with [`ParseAnswer`]s, both sent the
//! one way of [`crate::channel`] (the `File` to parse, or the data set's bytes, beside
//! the typed message). Files are parsed one at a time, in the order given (the bytes of
//! those read whole asked of the browser a few files at a time), exactly as the
//! reading worker reads them itself ([`super::reading::read_into`]: gzip by the
//! browser's `DecompressionStream` in this thread, the core's decoder when the browser's
//! fails), each into a data set of its own with the record limit as its budget.
//!
//! The reading worker appends the data sets in file order and applies the record
//! limit there; a parse worker is stopped (terminated) rather than cancelled.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, ArrayBuffer, Promise, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use super::reading::{read_at_once, read_bytes, read_into, read_whole, MAX_RECORDS};
use crate::channel;
use flowlens_core::flow::{wire, Dataset, Format, ReadOptions};

/// The worker name that makes the worker code run as a parse worker.
pub const NAME: &str = "flowlens-parse";

/// A message from the reading worker to a parse worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParseRequest {
    /// Parse the `File` posted beside this message.
    Parse {
        /// The reading worker's id for the file (answered in [`ParseAnswer::Parsed`]).
        id: u32,
        /// Its path, for diagnostics.
        name: String,
        /// The record format the user gave for files without a header, as typed.
        format: Option<String>,
    },
    /// The `ArrayBuffer` posted beside this message is one this worker sent a data
    /// set in ([`ParseAnswer::Parsed`]), given back to hold the next one.
    Spare,
}

/// A message from a parse worker to the reading worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParseAnswer {
    /// The worker's wasm runs: it takes files.
    Ready,
    /// File `id` was read; its data set, in the [`flowlens_core::flow::wire`]
    /// encoding, is the first `bytes` bytes of the `ArrayBuffer` beside this message.
    // NOTE: the bytes travel as a transferred `ArrayBuffer`, not as a serde field:
    // `postMessage` would copy a field (structured clone), while a transfer moves the
    // buffer. A data set is up to tens of MB (a 16 MB gzip file's records); one of
    // 64 MiB took 7 ms there and back transferred, 362 ms copied
    // (scripts/transfer-bench.mjs).
    Parsed {
        /// The file's id, from [`ParseRequest::Parse`].
        id: u32,
        /// Bytes of the encoding, at the start of the buffer (which may be longer).
        bytes: u32,
    },
    /// The worker panicked: it takes no more files.
    Panic {
        /// The panic's words.
        message: String,
    },
}

/// A file to parse: its id, the file, its name and the record format given (if any).
type Task = (u32, File, String, Option<String>);

/// The parse worker's state.
struct Parser {
    scope: DedicatedWorkerGlobalScope,
    queue: RefCell<VecDeque<Task>>,
    running: Cell<bool>,
    /// Buffers given back ([`ParseRequest::Spare`]), at most [`SPARES`].
    spares: RefCell<Vec<ArrayBuffer>>,
}

/// Buffers a parse worker keeps to send data sets in ([`Parser::buffer_for`]).
// NOTE: every data set sent used to be a new `ArrayBuffer`, left to the reading
// worker's collector once decoded; that worker runs little JavaScript while it reads
// and analyses, so it held 150-290 MiB of them while reading the month of
// `scripts/month.sh`, and ~220 MiB at the tab's peak (its first answer). Now the
// reading worker gives each buffer back, and the few buffers circulate.
const SPARES: usize = 4;
/// A new buffer holds at least this many bytes, so that it can hold the next data
/// set too ([`capacity`]).
const SPARE_MIN_BYTES: usize = 64 * 1024;
/// Buffers longer than this are not kept: a huge file's data set is sent in a buffer
/// of its own.
const SPARE_MAX_BYTES: usize = 4 * 1024 * 1024;

/// Bytes of a new buffer for a data set of `len` bytes: the next power of two (at
/// least [`SPARE_MIN_BYTES`]) while it may be kept, else `len`.
fn capacity(len: usize) -> usize {
    if len > SPARE_MAX_BYTES {
        return len;
    }
    len.next_power_of_two().max(SPARE_MIN_BYTES)
}

/// Which of the buffers of `lengths` bytes to send `len` bytes in: the shortest that
/// holds them.
fn fitting(lengths: impl Iterator<Item = usize>, len: usize) -> Option<usize> {
    lengths
        .enumerate()
        .filter(|&(_, length)| length >= len)
        .min_by_key(|&(_, length)| length)
        .map(|(at, _)| at)
}

/// Runs this worker as a parse worker (called by [`super::start`]).
pub fn start(scope: DedicatedWorkerGlobalScope) {
    {
        let scope = scope.clone();
        std::panic::set_hook(Box::new(move |info| {
            let message = format!("a parse worker stopped on an internal error: {info}");
            web_sys::console::error_1(&message.clone().into());
            let _ = channel::post(&scope, &ParseAnswer::Panic { message }, None, None);
        }));
    }
    let parser = Rc::new(Parser {
        scope: scope.clone(),
        queue: RefCell::new(VecDeque::new()),
        running: Cell::new(false),
        spares: RefCell::new(Vec::new()),
    });
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let (request, file) = match channel::receive::<ParseRequest>(&event) {
            Ok(received) => received,
            Err(err) => {
                web_sys::console::error_1(&format!("flowlens parse worker: {err}").into());
                return;
            }
        };
        let (id, name, format) = match request {
            ParseRequest::Parse { id, name, format } => (id, name, format),
            ParseRequest::Spare => {
                if let Ok(buffer) = file.dyn_into::<ArrayBuffer>() {
                    parser.keep(buffer);
                }
                return;
            }
        };
        let Ok(file) = file.dyn_into::<File>() else {
            web_sys::console::error_1(&"flowlens parse worker: no file to parse".into());
            return;
        };
        parser
            .queue
            .borrow_mut()
            .push_back((id, file, name, format));
        if !parser.running.replace(true) {
            let parser = Rc::clone(&parser);
            wasm_bindgen_futures::spawn_local(async move { parser.run().await });
        }
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // NOTE: the handler lives as long as the worker; leaking it is the intent.
    handler.forget();
    if let Err(err) = channel::post(&scope, &ParseAnswer::Ready, None, None) {
        web_sys::console::error_1(&format!("flowlens parse worker: {err}").into());
    }
}

/// Files read with one `arrayBuffer()` call at most, and their bytes at most.
// NOTE: each `arrayBuffer()` call of a worker costs the browser CPU of its own,
// whatever the file's size. A batch is read as one `Blob` made of its files, and the
// next batch is asked for while this one is parsed. On a busy week's 1,008 files
// (150 MB), with each parse worker given up to eight files at once, the page was
// ready in 5.67 s against 6.18 s reading a file a call, on 10.4 s of CPU against
// 11.6 s (medians of four pairs, in both orders, scripts/compare/page.mjs).
const BATCH_FILES: usize = 4;
const BATCH_BYTES: f64 = 8.0 * 1024.0 * 1024.0;

/// Files whose bytes were asked for together: each file's id, offset and length in
/// the bytes, and the promise of the bytes (an `ArrayBuffer`).
struct Batch {
    files: Vec<(u32, f64, f64)>,
    bytes: Promise,
}

impl Batch {
    /// Asks for the bytes of the first `candidates` that are read whole (at least the
    /// first, at most [`BATCH_FILES`] and [`BATCH_BYTES`] but for a single file);
    /// `None` when the first is not read whole or the browser refuses.
    fn ask<'a>(candidates: impl Iterator<Item = (u32, &'a File)>) -> Option<Batch> {
        let mut files = Vec::new();
        let parts = Array::new();
        let mut at = 0.0;
        for (id, file) in candidates {
            let size = file.size();
            let full = files.len() >= BATCH_FILES || (!files.is_empty() && at + size > BATCH_BYTES);
            // A file of no bytes is read alone: one deleted since it was given says
            // so then (in a batch it would read as empty).
            if full || !read_at_once(file) || (size == 0.0 && !files.is_empty()) {
                break;
            }
            files.push((id, at, size));
            parts.push(file);
            at += size;
            if size == 0.0 {
                break;
            }
        }
        match files.as_slice() {
            [] => None,
            // One file alone is read as itself (no `Blob` made).
            [_] => Some(Batch {
                files,
                bytes: parts.get(0).dyn_into::<File>().ok()?.array_buffer(),
            }),
            _ => Some(Batch {
                files,
                bytes: web_sys::Blob::new_with_blob_sequence(&parts)
                    .ok()?
                    .array_buffer(),
            }),
        }
    }

    /// Where file `id`'s bytes are, when this batch holds it.
    fn find(&self, id: u32) -> Option<(f64, f64)> {
        self.files
            .iter()
            .find(|(i, ..)| *i == id)
            .map(|&(_, at, len)| (at, len))
    }

    /// The batch's last file.
    fn last(&self) -> Option<u32> {
        self.files.last().map(|&(id, ..)| id)
    }
}

/// The bytes at `at..at + len` of `buffer` (an `ArrayBuffer`), `None` when it is
/// shorter (the file changed after its size was taken).
fn part(buffer: &JsValue, at: f64, len: f64) -> Option<Uint8Array> {
    let buffer = buffer.dyn_ref::<js_sys::ArrayBuffer>()?;
    if f64::from(buffer.byte_length()) < at + len {
        return None;
    }
    Some(Uint8Array::new_with_byte_offset_and_length(
        buffer, at as u32, len as u32,
    ))
}

impl Parser {
    /// A buffer to send `len` bytes in: a spare one that holds them, else a new one
    /// ([`capacity`]).
    fn buffer_for(&self, len: usize) -> ArrayBuffer {
        let mut spares = self.spares.borrow_mut();
        match fitting(spares.iter().map(|b| b.byte_length() as usize), len) {
            Some(at) => spares.swap_remove(at),
            None => ArrayBuffer::new(capacity(len) as u32),
        }
    }

    /// Keeps a buffer given back, unless it is too long; past [`SPARES`], the
    /// shortest is let go.
    fn keep(&self, buffer: ArrayBuffer) {
        if buffer.byte_length() as usize > SPARE_MAX_BYTES {
            return;
        }
        let mut spares = self.spares.borrow_mut();
        spares.push(buffer);
        if spares.len() > SPARES {
            if let Some(at) = fitting(spares.iter().map(|b| b.byte_length() as usize), 0) {
                spares.swap_remove(at);
            }
        }
    }

    /// Parses queued files until the queue is empty. Files read whole have their
    /// bytes asked of the browser a few at a time ([`Batch`]), and the next few
    /// asked for while these are parsed (the browser takes about a millisecond to
    /// hand bytes over, during which this worker would wait).
    async fn run(self: Rc<Self>) {
        // The bytes asked for already: the batch holding the file being read, and the
        // next.
        let mut asked: VecDeque<Batch> = VecDeque::new();
        loop {
            let task = self.queue.borrow_mut().pop_front();
            let Some((id, file, name, format)) = task else {
                break;
            };
            while asked.front().is_some_and(|b| b.find(id).is_none()) {
                asked.pop_front();
            }
            if asked.is_empty() {
                asked.extend(Batch::ask(std::iter::once((id, &file))));
            }
            let mine = asked
                .front()
                .and_then(|b| Some((b.bytes.clone(), b.find(id)?)));
            if asked.len() < 2 {
                // The next files after those asked for (or after this one).
                let queue = self.queue.borrow();
                let last = asked.back().and_then(Batch::last);
                let from = queue
                    .iter()
                    .position(|(i, ..)| Some(*i) == last)
                    .map_or(0, |at| at + 1);
                let next = queue.iter().skip(from).map(|(i, f, ..)| (*i, f));
                asked.extend(Batch::ask(next));
            }
            let options = ReadOptions {
                max_records: Some(MAX_RECORDS),
                // The reading worker checked it; one that does not parse is not used.
                format: format.and_then(|f| Format::parse_user(&f).ok()),
            };
            let dataset = match mine {
                Some((promise, (at, len))) => {
                    let mut dataset = Dataset::default();
                    let batch = JsFuture::from(promise).await;
                    let bytes = match batch.ok().and_then(|buffer| part(&buffer, at, len)) {
                        Some(bytes) => Ok(bytes),
                        // The batch failed, or is short: this file is read again
                        // alone, for its own outcome.
                        None => read_bytes(&file).await,
                    };
                    read_whole(&mut dataset, &options, &name, bytes);
                    dataset
                }
                // Without a reading worker to cancel it, reading always ends.
                None => read_into(None, Dataset::default(), &options, &file, &name, None)
                    .await
                    .unwrap_or_default(),
            };
            let bytes = wire::encode(&dataset);
            drop(dataset);
            let buffer = self.buffer_for(bytes.len());
            let len = bytes.len() as u32;
            Uint8Array::new_with_byte_offset_and_length(&buffer, 0, len).copy_from(&bytes);
            drop(bytes);
            let buffer = JsValue::from(buffer);
            let answer = ParseAnswer::Parsed { id, bytes: len };
            if let Err(err) = channel::post(
                &self.scope,
                &answer,
                Some(&buffer),
                Some(&Array::of1(&buffer)),
            ) {
                web_sys::console::error_1(&format!("flowlens parse worker: {err}").into());
            }
        }
        self.running.set(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message survives its encoding, in the shape the other side reads.
    #[test]
    fn every_message_round_trips() {
        let requests = [
            (
                ParseRequest::Parse {
                    id: 7,
                    name: "x/a.log.gz".into(),
                    format: Some("srcaddr dstaddr bytes".into()),
                },
                r#"{"kind":"parse","id":7,"name":"x/a.log.gz","format":"srcaddr dstaddr bytes"}"#,
            ),
            (
                ParseRequest::Parse {
                    id: u32::MAX,
                    name: String::new(),
                    format: None,
                },
                r#"{"kind":"parse","id":4294967295,"name":"","format":null}"#,
            ),
            (ParseRequest::Spare, r#"{"kind":"spare"}"#),
        ];
        for (request, json) in requests {
            assert_eq!(serde_json::to_string(&request).unwrap(), json);
            assert_eq!(serde_json::from_str::<ParseRequest>(json).unwrap(), request);
        }
        let answers = [
            (ParseAnswer::Ready, r#"{"kind":"ready"}"#),
            (
                ParseAnswer::Parsed { id: 3, bytes: 70 },
                r#"{"kind":"parsed","id":3,"bytes":70}"#,
            ),
            (
                ParseAnswer::Panic {
                    message: "a parse worker stopped".into(),
                },
                r#"{"kind":"panic","message":"a parse worker stopped"}"#,
            ),
        ];
        for (answer, json) in answers {
            assert_eq!(serde_json::to_string(&answer).unwrap(), json);
            assert_eq!(serde_json::from_str::<ParseAnswer>(json).unwrap(), answer);
        }
    }

    /// A new buffer is a power of two of at least 64 KiB while it may be kept, and
    /// exactly the data set's length beyond.
    #[test]
    fn new_buffers_leave_room_for_the_next_data_set() {
        let cases = [
            (0, 65_536),
            (1, 65_536),
            (65_536, 65_536),
            (65_537, 131_072),
            (1_386_583, 2_097_152),
            (4_194_304, 4_194_304),
            (4_194_305, 4_194_305),
            (50_000_000, 50_000_000),
        ];
        for (len, want) in cases {
            assert_eq!(capacity(len), want, "{len} bytes");
        }
    }

    /// The shortest buffer that holds the bytes is chosen; none when none does.
    #[test]
    fn the_shortest_buffer_that_holds_them_is_used() {
        let lengths = [131_072, 65_536, 2_097_152, 65_536];
        let pick = |len| fitting(lengths.into_iter(), len);
        assert_eq!(pick(0), Some(1));
        assert_eq!(pick(65_536), Some(1));
        assert_eq!(pick(65_537), Some(0));
        assert_eq!(pick(131_073), Some(2));
        assert_eq!(pick(2_097_153), None);
        assert_eq!(fitting(std::iter::empty(), 1), None);
    }
}
