//! Starting a worker from a `blob:` URL of its script: the one way the page starts its
//! worker ([`crate::bridge`]), and the worker its parse workers
//! (`worker/pool.rs`) and its inflater (`worker/inflate.rs`).
//!
//! NOTE: a worker started from its own URL gets no Content-Security-Policy at all (the
//! page's `<meta>` policy does not reach it, and a static host sends no header); a
//! worker started from a `blob:` URL inherits the policy of the context that made the
//! URL, so its requests are limited like the page's (index.html allows
//! `worker-src 'self' blob:`). A `blob:` URL also works where the page has an opaque
//! origin (opened from disk), as long as the context that starts the worker made it.
//!
//! A [`BlobWorker`] owns its worker, its message and error handlers and (shared with the
//! other workers started from it) its script's URL: dropping it stops the worker, and
//! the URL is revoked when the last worker started from it is gone. Messages are read
//! the one way of [`crate::channel`].

use std::rc::Rc;

use js_sys::Array;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, ErrorEvent, Event, MessageEvent, Url, Worker, WorkerOptions};

use crate::channel;

/// A `blob:` URL of a worker's script, revoked when dropped.
pub struct ScriptUrl {
    url: String,
}

impl ScriptUrl {
    /// A `blob:` URL of `script` (JavaScript text).
    pub fn new(script: &str) -> Result<Rc<ScriptUrl>, String> {
        let options = BlobPropertyBag::new();
        options.set_type("text/javascript");
        let blob = Blob::new_with_str_sequence_and_options(&Array::of1(&script.into()), &options)
            .map_err(|e| channel::describe(&e))?;
        let url = Url::create_object_url_with_blob(&blob).map_err(|e| channel::describe(&e))?;
        Ok(Rc::new(ScriptUrl { url }))
    }
}

impl Drop for ScriptUrl {
    fn drop(&mut self) {
        let _ = Url::revoke_object_url(&self.url);
    }
}

/// A worker's message and error handlers, kept alive with it.
type Handlers = (Closure<dyn Fn(MessageEvent)>, Closure<dyn Fn(Event)>);

/// A running worker started from a [`ScriptUrl`]; dropping it stops the worker.
pub struct BlobWorker {
    worker: Worker,
    _script: Rc<ScriptUrl>,
    handlers: Option<Handlers>,
}

/// Starts a worker (module or classic, as `options` say) from `script`.
pub fn spawn_blob_worker(
    script: &Rc<ScriptUrl>,
    options: &WorkerOptions,
) -> Result<BlobWorker, String> {
    let worker =
        Worker::new_with_options(&script.url, options).map_err(|e| channel::describe(&e))?;
    Ok(BlobWorker {
        worker,
        _script: Rc::clone(script),
        handlers: None,
    })
}

impl BlobWorker {
    /// The worker, to post to (its handle: clones name the same worker).
    pub fn worker(&self) -> &Worker {
        &self.worker
    }

    /// Hands each of the worker's messages, decoded as a `T` with what came beside it
    /// (see [`channel::receive`]), to `on_message`, and its failure to `on_error`: the
    /// browser's words when it gave an `ErrorEvent` with a message, `None` when it did
    /// not (a script that could not load fires a plain `Event`). Replaces the handlers
    /// set before.
    pub fn listen<T: DeserializeOwned + 'static>(
        &mut self,
        on_message: impl Fn(Result<(T, JsValue), String>) + 'static,
        on_error: impl Fn(Option<String>) + 'static,
    ) {
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            on_message(channel::receive::<T>(&event));
        });
        let on_error = Closure::<dyn Fn(Event)>::new(move |event: Event| {
            // The page (or worker) handles it: no "uncaught" error on the console.
            event.prevent_default();
            on_error(error_message(&event));
        });
        self.worker
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        self.worker
            .set_onerror(Some(on_error.as_ref().unchecked_ref()));
        self.handlers = Some((on_message, on_error));
    }
}

impl Drop for BlobWorker {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// The browser's words for a worker's `error` event, when it has any.
fn error_message(event: &Event) -> Option<String> {
    event
        .dyn_ref::<ErrorEvent>()
        .map(ErrorEvent::message)
        .filter(|m| !m.is_empty())
}
