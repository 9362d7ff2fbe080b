//! The inflater: a second worker, plain JavaScript (no wasm), that opens the files and
//! decompresses gzip with the browser's `DecompressionStream` while this worker parses.
//! Its script is `inflate.js` beside this file (tested on its own by
//! `inflate.test.mjs`), carried in the wasm (`include_str!`) and started from a `blob:`
//! URL ([`crate::blob_worker`]), so it needs no file of its own on the site or in the
//! single-file build. It is set up by [`InflateRequest::Start`], its first message.
//!
//! Decompressing took about a third of the reading worker's time; done in the inflater
//! it runs on the other core. The reading worker asks for files a few ahead of the one
//! it parses ([`AHEAD`]) with [`InflateRequest::Open`]; the inflater takes them in order
//! and answers with [`InflateAnswer`]s, sent the one way of [`crate::channel`] (the
//! JavaScript reads and writes the `{"kind": …}` objects serde makes of these enums):
//! `plain` (not gzip), `unavailable` (it could not open the file: the reading worker
//! tries itself), `chunk`s of [`CHUNK_BYTES`] of text, then `end`, or `failed` when the
//! decompressor stopped on damage (the reading worker then reads the file again with
//! the core's decoder, as without it).
//!
//! Flow control: the inflater holds at most [`CREDITS`] chunks that the reading worker
//! has not taken yet; each taken chunk's buffer goes back ([`InflateRequest::Ack`]) to
//! be filled again. A file the reading worker stops early is closed
//! ([`InflateRequest::Close`]). On Cancel or Clear the inflater is stopped altogether and
//! started afresh later. If it fails, every file it had not finished is read by the
//! reading worker itself.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use js_sys::{Array, ArrayBuffer, Function, Promise, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, Worker, WorkerOptions};

use crate::blob_worker::{spawn_blob_worker, BlobWorker, ScriptUrl};
use crate::channel;

/// Files asked for ahead of the one being parsed.
pub const AHEAD: usize = 3;

/// Bytes of text per chunk.
const CHUNK_BYTES: u32 = 1 << 20;

/// Chunks the inflater may have sent that the reading worker has not taken yet.
const CREDITS: u32 = 6;

/// The inflater's script (a classic worker's).
const SOURCE: &str = include_str!("inflate.js");

/// A message from the reading worker to the inflater.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InflateRequest {
    /// The first message: the inflater's settings.
    Start {
        /// Bytes of text per chunk ([`CHUNK_BYTES`]).
        chunk_bytes: u32,
        /// Chunks it may send that were not taken yet ([`CREDITS`]).
        credits: u32,
    },
    /// Open the `File` posted beside this message and send its text.
    Open {
        /// The reading worker's id for the file, in every answer about it.
        id: u32,
    },
    /// A chunk was taken: one more may be sent. Its `ArrayBuffer` is beside this
    /// message (transferred back, to be filled again), or `null` when it could not be.
    Ack,
    /// Stop sending file `id`.
    Close {
        /// The file's id.
        id: u32,
    },
}

/// A message from the inflater about file `id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InflateAnswer {
    /// Not gzip (by its first two bytes): its bytes follow as they are, in chunks like
    /// a gzip file's text (the core's reader sniffs them).
    Plain {
        /// The file's id.
        id: u32,
    },
    /// It could not open the file: the reading worker tries itself (and reports what
    /// the browser says, as it would without the inflater).
    Unavailable {
        /// The file's id.
        id: u32,
        /// The browser's words.
        message: String,
    },
    /// The next `length` bytes of text (or plain bytes) are at the start of the
    /// `ArrayBuffer` beside this message (the last chunk shorter than the others).
    // NOTE: the bytes travel as a transferred `ArrayBuffer`, not as a serde field: the
    // inflater's few buffers go back and forth ([`InflateRequest::Ack`]) without a copy
    // or a new allocation per MB of text. 256 chunks of 1 MiB took 43 ms there and back
    // transferred, 895 ms copied (scripts/transfer-bench.mjs).
    Chunk {
        /// The file's id.
        id: u32,
        /// Bytes of text in the buffer.
        length: u32,
    },
    /// All the text was sent.
    End {
        /// The file's id.
        id: u32,
    },
    /// The decompressor stopped (damage).
    Failed {
        /// The file's id.
        id: u32,
        /// The browser's words.
        message: String,
    },
}

/// What the inflater says about a file, piece by piece.
pub enum Piece {
    /// The next chunk of decompressed text.
    Chunk(Uint8Array),
    /// All the text was sent.
    End,
    /// The decompressor stopped (damage), with the browser's words.
    Failed(String),
    /// Not gzip: the file's bytes follow as they are.
    Plain,
    /// The inflater could not open it (or is gone): read it without the inflater.
    Unavailable,
}

/// What the inflater has sent that the reading worker has not taken yet.
#[derive(Default)]
struct Inbox {
    /// Pieces by file id; a file is here from [`Inflater::open`] to [`Inflater::close`].
    files: HashMap<u32, VecDeque<Piece>>,
    /// Resolves the reading worker's wait for the next message.
    wake: Option<Function>,
}

impl Inbox {
    /// Every open file gets `piece` (the inflater failed or stopped).
    fn end_all(&mut self, piece: impl Fn() -> Piece) {
        for pieces in self.files.values_mut() {
            pieces.push_back(piece());
        }
        self.wake();
    }

    fn wake(&mut self) {
        if let Some(wake) = self.wake.take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

/// A running inflater; dropping it stops the worker.
pub struct Inflater {
    worker: BlobWorker,
    inbox: Rc<RefCell<Inbox>>,
    /// Set when the inflater failed (to start, or later): it takes no more files.
    broken: Rc<Cell<bool>>,
    next_id: Cell<u32>,
}

impl Inflater {
    /// Starts the inflater; `None` when this browser cannot start a worker from here:
    /// the reading worker then decompresses itself.
    pub fn spawn() -> Option<Inflater> {
        let script = ScriptUrl::new(SOURCE).ok()?;
        let mut worker = spawn_blob_worker(&script, &WorkerOptions::new()).ok()?;
        let start = InflateRequest::Start {
            chunk_bytes: CHUNK_BYTES,
            credits: CREDITS,
        };
        channel::post(worker.worker(), &start, None, None).ok()?;
        let inbox: Rc<RefCell<Inbox>> = Rc::default();
        let broken = Rc::new(Cell::new(false));
        let on_message = {
            let inbox = inbox.clone();
            let worker = worker.worker().clone();
            move |received: Result<(InflateAnswer, JsValue), String>| {
                let (id, piece) = match received {
                    Ok((InflateAnswer::Chunk { id, length }, bytes)) => {
                        let piece = match bytes.dyn_into::<ArrayBuffer>() {
                            Ok(buffer) if length <= buffer.byte_length() => Piece::Chunk(
                                Uint8Array::new_with_byte_offset_and_length(&buffer, 0, length),
                            ),
                            _ => Piece::Failed("the inflater sent no bytes".to_string()),
                        };
                        (id, piece)
                    }
                    Ok((InflateAnswer::End { id }, _)) => (id, Piece::End),
                    Ok((InflateAnswer::Plain { id }, _)) => (id, Piece::Plain),
                    Ok((InflateAnswer::Failed { id, message }, _)) => (id, Piece::Failed(message)),
                    Ok((InflateAnswer::Unavailable { id, .. }, _)) => (id, Piece::Unavailable),
                    Err(err) => {
                        web_sys::console::error_1(
                            &format!("flowlens: the inflater's message: {err}").into(),
                        );
                        return;
                    }
                };
                let mut inbox = inbox.borrow_mut();
                match inbox.files.get_mut(&id) {
                    Some(pieces) => pieces.push_back(piece),
                    None => {
                        // A closed file's chunk: give the credit back.
                        if let Piece::Chunk(chunk) = piece {
                            ack(&worker, &chunk);
                        }
                    }
                }
                inbox.wake();
            }
        };
        // The inflater failed to start or died: every file it had is read without it.
        let on_error = {
            let inbox = inbox.clone();
            let broken = broken.clone();
            move |message: Option<String>| {
                broken.set(true);
                let message = message.as_deref().unwrap_or("its code did not load");
                inbox.borrow_mut().end_all(|| {
                    Piece::Failed(format!("the decompressing worker stopped: {message}"))
                });
            }
        };
        worker.listen(on_message, on_error);
        Some(Inflater {
            worker,
            inbox,
            broken,
            next_id: Cell::new(0),
        })
    }

    /// True once the inflater failed: it takes no more files.
    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    /// Asks for `file`; returns the id to take its pieces with ([`Inflater::next`]).
    pub fn open(&self, file: &File) -> u32 {
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        let mut pieces = VecDeque::new();
        let open = InflateRequest::Open { id };
        if self.broken.get()
            || channel::post(self.worker.worker(), &open, Some(file), None).is_err()
        {
            pieces.push_back(Piece::Unavailable);
        }
        self.inbox.borrow_mut().files.insert(id, pieces);
        id
    }

    /// The next piece of file `id`, waiting for it when it has not come yet. A chunk's
    /// buffer goes back to the inflater once `take` has copied it.
    pub async fn next(&self, id: u32) -> Piece {
        loop {
            let waiting = {
                let mut inbox = self.inbox.borrow_mut();
                match inbox.files.get_mut(&id).map(VecDeque::pop_front) {
                    None => return Piece::Unavailable,
                    Some(Some(piece)) => return piece,
                    Some(None) => {
                        let mut wake = None;
                        let promise = Promise::new(&mut |resolve, _reject| wake = Some(resolve));
                        inbox.wake = wake;
                        promise
                    }
                }
            };
            // Resolved by the next message (or the inflater's failure).
            let _ = JsFuture::from(waiting).await;
        }
    }

    /// Copies a chunk into `into` and gives its buffer back to the inflater.
    pub fn take(&self, chunk: &Uint8Array, into: &mut Vec<u8>) {
        into.resize(chunk.length() as usize, 0);
        chunk.copy_to(into);
        ack(self.worker.worker(), chunk);
    }

    /// Done with file `id`: the inflater stops working on it, and what it sent of it
    /// is given back.
    pub fn close(&self, id: u32) {
        let pieces = self.inbox.borrow_mut().files.remove(&id);
        let Some(pieces) = pieces else {
            return;
        };
        let finished = pieces.iter().any(|p| !matches!(p, Piece::Chunk(_)));
        for piece in pieces {
            if let Piece::Chunk(chunk) = piece {
                ack(self.worker.worker(), &chunk);
            }
        }
        if !finished {
            let _ = channel::post(
                self.worker.worker(),
                &InflateRequest::Close { id },
                None,
                None,
            );
        }
    }
}

/// Gives a chunk's credit, and its buffer, back to the inflater.
fn ack(worker: &Worker, chunk: &Uint8Array) {
    let buffer = JsValue::from(chunk.buffer());
    let transfer = Array::of1(&buffer);
    if channel::post(worker, &InflateRequest::Ack, Some(&buffer), Some(&transfer)).is_err() {
        let _ = channel::post(worker, &InflateRequest::Ack, None, None);
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        // The worker stops as it is dropped; whoever still waits reads without it.
        self.inbox.borrow_mut().end_all(|| Piece::Unavailable);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message survives its encoding, in the shape the inflater's JavaScript reads
    /// and writes: each kind is one the script handles (requests) or posts (answers).
    #[test]
    fn every_message_round_trips_in_the_scripts_shape() {
        let requests = [
            (
                InflateRequest::Start {
                    chunk_bytes: CHUNK_BYTES,
                    credits: CREDITS,
                },
                r#"{"kind":"start","chunk_bytes":1048576,"credits":6}"#,
            ),
            (InflateRequest::Open { id: 4 }, r#"{"kind":"open","id":4}"#),
            (InflateRequest::Ack, r#"{"kind":"ack"}"#),
            (
                InflateRequest::Close { id: u32::MAX },
                r#"{"kind":"close","id":4294967295}"#,
            ),
        ];
        for (request, json) in requests {
            assert_eq!(serde_json::to_string(&request).unwrap(), json);
            assert_eq!(
                serde_json::from_str::<InflateRequest>(json).unwrap(),
                request
            );
            let kind = serde_json::from_str::<serde_json::Value>(json).unwrap()["kind"].clone();
            let handled = format!("m.kind === {kind}");
            assert!(SOURCE.contains(&handled), "the inflater lacks {handled}");
        }
        let answers = [
            (InflateAnswer::Plain { id: 0 }, r#"{"kind":"plain","id":0}"#),
            (
                InflateAnswer::Unavailable {
                    id: 1,
                    message: "NotFoundError".into(),
                },
                r#"{"kind":"unavailable","id":1,"message":"NotFoundError"}"#,
            ),
            (
                InflateAnswer::Chunk {
                    id: 2,
                    length: CHUNK_BYTES,
                },
                r#"{"kind":"chunk","id":2,"length":1048576}"#,
            ),
            (InflateAnswer::End { id: 3 }, r#"{"kind":"end","id":3}"#),
            (
                InflateAnswer::Failed {
                    id: 5,
                    message: "incorrect header check".into(),
                },
                r#"{"kind":"failed","id":5,"message":"incorrect header check"}"#,
            ),
        ];
        for (answer, json) in answers {
            assert_eq!(serde_json::to_string(&answer).unwrap(), json);
            assert_eq!(serde_json::from_str::<InflateAnswer>(json).unwrap(), answer);
            let kind = serde_json::from_str::<serde_json::Value>(json).unwrap()["kind"].clone();
            let posted = format!("post({{ kind: {kind}, id");
            assert!(
                SOURCE.contains(&posted),
                "the inflater never posts {posted}"
            );
        }
    }
}
