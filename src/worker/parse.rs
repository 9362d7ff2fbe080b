//! A parse worker: the same wasm as the reading worker, started by it (see
//! [`super::pool`]) under the name [`NAME`], that reads the files it is given and sends
//! each back as a parsed data set.
//!
//! It is asked with [`ParseRequest`]s and answers with [`ParseAnswer`]s, both sent the
//! one way of [`crate::channel`] (the `File` to parse, or the data set's bytes, beside
//! the typed message). Files are read one at a time, in the order given, exactly as the
//! reading worker reads them itself ([`super::reading::read_into`]: gzip by the
//! browser's `DecompressionStream` in this thread, the core's decoder when the browser's
//! fails), each into a data set of its own with the record limit as its budget.
//!
//! The reading worker appends the data sets in file order and applies the record
//! limit there; a parse worker is stopped (terminated) rather than cancelled.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Promise, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use super::reading::{read_at_once, read_into, read_whole, MAX_RECORDS};
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
}

/// A message from a parse worker to the reading worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParseAnswer {
    /// The worker's wasm runs: it takes files.
    Ready,
    /// File `id` was read; its data set, in the [`flowlens_core::flow::wire`]
    /// encoding, is the `ArrayBuffer` beside this message.
    // NOTE: the bytes travel as a transferred `ArrayBuffer`, not as a serde field:
    // `postMessage` would copy a field (structured clone), while a transfer moves the
    // buffer. A data set is up to tens of MB (a 16 MB gzip file's records); one of
    // 64 MiB took 7 ms there and back transferred, 362 ms copied
    // (scripts/transfer-bench.mjs).
    Parsed {
        /// The file's id, from [`ParseRequest::Parse`].
        id: u32,
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
    });
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let (request, file) = match channel::receive::<ParseRequest>(&event) {
            Ok(received) => received,
            Err(err) => {
                web_sys::console::error_1(&format!("flowlens parse worker: {err}").into());
                return;
            }
        };
        let ParseRequest::Parse { id, name, format } = request;
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

impl Parser {
    /// Parses queued files until the queue is empty. A file read whole has its bytes
    /// asked of the browser while the one before it is parsed (the browser takes about
    /// a millisecond to hand a file's bytes over, during which this worker would wait).
    async fn run(self: Rc<Self>) {
        // The next file's bytes, asked for already: its id and `arrayBuffer()` promise.
        let mut asked: Option<(u32, Promise)> = None;
        loop {
            let task = self.queue.borrow_mut().pop_front();
            let Some((id, file, name, format)) = task else {
                break;
            };
            let mine = asked.take().filter(|(a, _)| *a == id).map(|(_, p)| p);
            let mine = match mine {
                Some(promise) => Some(promise),
                None if read_at_once(&file) => Some(file.array_buffer()),
                None => None,
            };
            if let Some((next, next_file, ..)) = self.queue.borrow().front() {
                if read_at_once(next_file) {
                    asked = Some((*next, next_file.array_buffer()));
                }
            }
            let options = ReadOptions {
                max_records: Some(MAX_RECORDS),
                // The reading worker checked it; one that does not parse is not used.
                format: format.and_then(|f| Format::parse_user(&f).ok()),
            };
            let dataset = match mine {
                Some(promise) => {
                    let mut dataset = Dataset::default();
                    let bytes = JsFuture::from(promise).await;
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
            let array = Uint8Array::new_with_length(bytes.len() as u32);
            array.copy_from(&bytes);
            drop(bytes);
            let buffer = JsValue::from(array.buffer());
            let answer = ParseAnswer::Parsed { id };
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
        ];
        for (request, json) in requests {
            assert_eq!(serde_json::to_string(&request).unwrap(), json);
            assert_eq!(serde_json::from_str::<ParseRequest>(json).unwrap(), request);
        }
        let answers = [
            (ParseAnswer::Ready, r#"{"kind":"ready"}"#),
            (ParseAnswer::Parsed { id: 3 }, r#"{"kind":"parsed","id":3}"#),
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
}
