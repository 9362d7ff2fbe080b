//! A parse worker: the same wasm as the reading worker, started by it (see
//! [`super::pool`]) under the name [`NAME`], that reads the files it is given and sends
//! each back as a parsed data set.
//!
//! Messages from the reading worker: `["parse", id, file, name, format]` (format: the
//! record format the user gave, or null). Files are read one at
//! a time, in the order given, exactly as the reading worker reads them itself
//! ([`super::reading::read_into`]: gzip by the browser's `DecompressionStream` in this
//! thread, the core's decoder when the browser's fails), each into a data set of its
//! own with the record limit as its budget. Answers:
//! - `["ready"]` once messages are taken;
//! - `[id, "parsed", buffer]`: the file's data set in the [`flowlens_core::flow::wire`]
//!   encoding, the buffer transferred;
//! - `["panic", message]` when this worker panicked (it takes no more files).
//!
//! The reading worker appends the data sets in file order and applies the record
//! limit there; a parse worker is stopped (terminated) rather than cancelled.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use super::reading::{read_into, MAX_RECORDS};
use flowlens_core::flow::{wire, Dataset, Format, ReadOptions};

/// The worker name that makes the worker code run as a parse worker.
pub const NAME: &str = "flowlens-parse";

/// A file to parse: its id, the file and its name.
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
            let _ = scope.post_message(&Array::of2(&"panic".into(), &message.into()));
        }));
    }
    let parser = Rc::new(Parser {
        scope: scope.clone(),
        queue: RefCell::new(VecDeque::new()),
        running: Cell::new(false),
    });
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let data = Array::from(&event.data());
        if data.get(0).as_string().as_deref() != Some("parse") {
            return;
        }
        let id = data.get(1).as_f64().unwrap_or(-1.0);
        let (Ok(file), Some(name)) = (data.get(2).dyn_into::<File>(), data.get(3).as_string())
        else {
            return;
        };
        if !(0.0..=f64::from(u32::MAX)).contains(&id) {
            return;
        }
        let format = data.get(4).as_string();
        parser
            .queue
            .borrow_mut()
            .push_back((id as u32, file, name, format));
        if !parser.running.replace(true) {
            let parser = Rc::clone(&parser);
            wasm_bindgen_futures::spawn_local(async move { parser.run().await });
        }
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // NOTE: the handler lives as long as the worker; leaking it is the intent.
    handler.forget();
    let _ = scope.post_message(&Array::of1(&"ready".into()));
}

impl Parser {
    /// Parses queued files until the queue is empty.
    async fn run(self: Rc<Self>) {
        loop {
            let task = self.queue.borrow_mut().pop_front();
            let Some((id, file, name, format)) = task else {
                break;
            };
            let options = ReadOptions {
                max_records: Some(MAX_RECORDS),
                // The reading worker checked it; one that does not parse is not used.
                format: format.and_then(|f| Format::parse_user(&f).ok()),
            };
            let read = read_into(None, Dataset::default(), &options, &file, &name, None).await;
            // Without a reading worker to cancel it, reading always ends.
            let dataset = read.unwrap_or_default();
            let bytes = wire::encode(&dataset);
            drop(dataset);
            let array = Uint8Array::new_with_length(bytes.len() as u32);
            array.copy_from(&bytes);
            drop(bytes);
            let buffer = array.buffer();
            let message = Array::of3(&JsValue::from(id), &"parsed".into(), &buffer);
            if let Err(err) = self
                .scope
                .post_message_with_transfer(&message, &Array::of1(&buffer))
            {
                web_sys::console::error_2(
                    &"flowlens parse worker: postMessage failed".into(),
                    &err,
                );
            }
        }
        self.running.set(false);
    }
}
