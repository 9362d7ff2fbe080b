//! The inflater: a second worker, plain JavaScript (no wasm), that opens the files and
//! decompresses gzip with the browser's `DecompressionStream` while this worker parses.
//!
//! Decompressing took about a third of the reading worker's time; done in the inflater
//! it runs on the other core. The reading worker asks for files a few ahead of the one
//! it parses ([`AHEAD`]); the inflater takes them in order and answers with messages
//! `[id, what, …]`:
//! - `plain`: not gzip (by the first two bytes); its bytes follow as they are, in
//!   chunks like the text of a gzip file (the core's reader sniffs them);
//! - `unavailable, message`: it could not open the file; the reading worker tries
//!   itself (and reports what the browser says, as it would without the inflater);
//! - `chunk, buffer, length`: the next [`CHUNK_BYTES`] of decompressed text or plain
//!   bytes (the last
//!   one shorter), the buffer transferred, not copied;
//! - `end`, or `failed, message` when the decompressor stopped on damage (the reading
//!   worker then reads the file again with the core's decoder, as without it).
//!
//! Flow control: the inflater holds at most [`CREDITS`] chunks that the reading worker
//! has not taken yet; each taken chunk's buffer goes back (`['ack', buffer]`) to be
//! filled again. A file the reading worker stops early is closed (`['close', id]`).
//! On Cancel or Clear the inflater is stopped altogether and started afresh later. If
//! it fails, every file it had not finished is read by the reading worker itself.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use js_sys::{Array, ArrayBuffer, Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, Event, File, MessageEvent, Url, Worker};

/// Files asked for ahead of the one being parsed.
pub const AHEAD: usize = 3;

/// Bytes of text per chunk.
const CHUNK_BYTES: u32 = 1 << 20;

/// Chunks the inflater may have sent that the reading worker has not taken yet.
const CREDITS: u32 = 6;

/// The inflater's source; `@CHUNK@` and `@CREDITS@` are filled in from the constants.
const SOURCE: &str = r#""use strict";
const CHUNK = @CHUNK@;
let credits = @CREDITS@, wake = null, busy = false;
const queue = [], closed = new Set(), spare = [];
const said = (err) => String((err && err.message) || err);
self.onmessage = (event) => {
  const m = event.data;
  if (m[0] === "open") {
    queue.push([m[1], m[2]]);
    if (!busy) run();
  } else if (m[0] === "ack") {
    credits++;
    if (m[1]) spare.push(m[1]);
    if (wake !== null) { const w = wake; wake = null; w(); }
  } else if (m[0] === "close") {
    closed.add(m[1]);
  }
};
async function run() {
  busy = true;
  while (queue.length > 0) {
    const [id, file] = queue.shift();
    if (!closed.has(id)) await inflate(id, file);
    closed.delete(id);
  }
  busy = false;
}
async function send(id, buffer, n) {
  while (credits === 0) await new Promise((resolve) => { wake = resolve; });
  credits--;
  self.postMessage([id, "chunk", buffer, n], [buffer]);
}
async function inflate(id, file) {
  let reader;
  try {
    const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
    if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
      reader = file.stream().getReader();
      self.postMessage([id, "plain"]);
    } else {
      reader = file.stream().pipeThrough(new DecompressionStream("gzip")).getReader();
    }
  } catch (err) {
    self.postMessage([id, "unavailable", said(err)]);
    return;
  }
  let buf = null, n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (closed.has(id)) { reader.cancel().catch(() => {}); return; }
      if (done) break;
      let at = 0;
      while (at < value.length) {
        if (buf === null) { buf = spare.length > 0 ? new Uint8Array(spare.pop()) : new Uint8Array(CHUNK); n = 0; }
        const take = Math.min(CHUNK - n, value.length - at);
        buf.set(value.subarray(at, at + take), n);
        n += take;
        at += take;
        if (n === CHUNK) { await send(id, buf.buffer, n); buf = null; }
      }
    }
    if (buf !== null && n > 0) await send(id, buf.buffer, n);
    self.postMessage([id, "end"]);
  } catch (err) {
    self.postMessage([id, "failed", said(err)]);
  }
}
"#;

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
    worker: Worker,
    url: String,
    inbox: Rc<RefCell<Inbox>>,
    /// Set when the inflater failed (to start, or later): it takes no more files.
    broken: Rc<Cell<bool>>,
    next_id: Cell<u32>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(Event)>,
}

impl Inflater {
    /// Starts the inflater; `None` when this browser cannot start a worker from here:
    /// the reading worker then decompresses itself.
    pub fn spawn() -> Option<Inflater> {
        let url = source_url().ok()?;
        let worker = match Worker::new(&url) {
            Ok(worker) => worker,
            Err(_) => {
                let _ = Url::revoke_object_url(&url);
                return None;
            }
        };
        let inbox: Rc<RefCell<Inbox>> = Rc::default();
        let broken = Rc::new(Cell::new(false));
        let on_message = {
            let inbox = inbox.clone();
            let worker = worker.clone();
            Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
                let data = Array::from(&event.data());
                let Some(id) = data.get(0).as_f64().map(|id| id as u32) else {
                    return;
                };
                let said = || data.get(2).as_string().unwrap_or_default();
                let piece = match data.get(1).as_string().as_deref() {
                    Some("chunk") => {
                        let length = data.get(3).as_f64().unwrap_or(0.0) as u32;
                        match data.get(2).dyn_into::<ArrayBuffer>() {
                            Ok(buffer) => Piece::Chunk(
                                Uint8Array::new_with_byte_offset_and_length(&buffer, 0, length),
                            ),
                            Err(_) => Piece::Failed("the inflater sent no bytes".to_string()),
                        }
                    }
                    Some("end") => Piece::End,
                    Some("plain") => Piece::Plain,
                    Some("failed") => Piece::Failed(said()),
                    _ => Piece::Unavailable,
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
            })
        };
        // The inflater failed to start or died: every file it had is read without it.
        let on_error = {
            let inbox = inbox.clone();
            let broken = broken.clone();
            // An `Event`, not always an `ErrorEvent` (see `worker_error`).
            Closure::<dyn Fn(Event)>::new(move |event: Event| {
                event.prevent_default();
                broken.set(true);
                let message = super::reading::worker_error(&event);
                inbox.borrow_mut().end_all(|| {
                    Piece::Failed(format!("the decompressing worker stopped: {message}"))
                });
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(Inflater {
            worker,
            url,
            inbox,
            broken,
            next_id: Cell::new(0),
            _on_message: on_message,
            _on_error: on_error,
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
        let message = Array::of3(&"open".into(), &JsValue::from(id), file);
        if self.broken.get() || self.worker.post_message(&message).is_err() {
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
        ack(&self.worker, chunk);
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
                ack(&self.worker, &chunk);
            }
        }
        if !finished {
            let message = Array::of2(&"close".into(), &JsValue::from(id));
            let _ = self.worker.post_message(&message);
        }
    }
}

/// Gives a chunk's credit, and its buffer, back to the inflater.
fn ack(worker: &Worker, chunk: &Uint8Array) {
    let buffer = chunk.buffer();
    let message = Array::of2(&"ack".into(), &buffer);
    if worker
        .post_message_with_transfer(&message, &Array::of1(&buffer))
        .is_err()
    {
        let _ = worker.post_message(&Array::of1(&"ack".into()));
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
        let _ = Url::revoke_object_url(&self.url);
        // Whoever still waits reads without the inflater.
        self.inbox.borrow_mut().end_all(|| Piece::Unavailable);
    }
}

/// A `blob:` URL of the inflater's source (a `blob:` worker inherits the reading
/// worker's Content-Security-Policy, which allows `worker-src blob:`).
fn source_url() -> Result<String, JsValue> {
    let source = SOURCE
        .replace("@CHUNK@", &CHUNK_BYTES.to_string())
        .replace("@CREDITS@", &CREDITS.to_string());
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&Array::of1(&source.into()), &options)?;
    Url::create_object_url_with_blob(&blob)
}
