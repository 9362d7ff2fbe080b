//! The page's end of the worker: spawns it, posts [`Request`]s and turns its messages
//! into [`Response`]s (with the bytes of an export chunk beside). See
//! [`super::protocol`] for the messages and [`super::channel`] for their encoding.

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Blob, BlobPropertyBag, ErrorEvent, MessageEvent, Url, Worker, WorkerOptions, WorkerType,
};

use super::channel;
use super::protocol::{Request, Response};

/// The worker's loader, written by Trunk beside the page (`data-loader-shim`); a
/// relative URL, so the page works from any sub-path.
const WORKER_URL: &str = "flowlens-worker_loader.js";

/// Said when the worker is gone for good.
const RELOAD_ADVICE: &str = "Reload the page to start again.";

/// The global the worker's start module sets before it imports the loader:
/// `{ loader, count }`, the loader's absolute URL (from which the worker starts its
/// parse workers, themselves from `blob:` URLs) and how many (`null`: one a core).
pub const PARSE_CONFIG: &str = "flowlensParseWorkers";

/// A running worker; dropping it stops the worker.
pub struct WorkerBridge {
    worker: Worker,
    /// The `blob:` URL the worker was started from (revoked on drop).
    blob_url: String,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(ErrorEvent)>,
}

impl WorkerBridge {
    /// Starts the worker; `on_response` gets each of its messages and what came beside
    /// it (`null`, or an export chunk's `ArrayBuffer`). `parse_workers` sets how many
    /// parse workers it starts (`None`: it chooses; see [`PARSE_CONFIG`]).
    pub fn spawn(
        parse_workers: Option<u32>,
        on_response: impl Fn(Response, JsValue) + 'static,
    ) -> Result<WorkerBridge, String> {
        // A module worker: its loader imports the wasm-bindgen module (`--target web`).
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let blob_url = loader_blob_url(parse_workers)
            .map_err(|e| format!("The worker could not be started: {}", describe(&e)))?;
        let worker = match Worker::new_with_options(&blob_url, &options) {
            Ok(worker) => worker,
            Err(e) => {
                let _ = Url::revoke_object_url(&blob_url);
                return Err(format!("The worker could not be started: {}", describe(&e)));
            }
        };
        let on_response = std::rc::Rc::new(on_response);
        let on_message = {
            let on_response = on_response.clone();
            Closure::<dyn Fn(MessageEvent)>::new(
                move |event: MessageEvent| match channel::receive::<Response>(&event) {
                    Ok((response, extra)) => on_response(response, extra),
                    Err(err) => on_response(
                        Response::Failed {
                            message: format!(
                                "The worker sent a message the page does not understand: {err}"
                            ),
                        },
                        JsValue::NULL,
                    ),
                },
            )
        };
        // An error event means the worker could not load or threw past its own
        // handlers (after a panic, for one): it is gone for good.
        let on_error = Closure::<dyn Fn(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            let detail = event.message();
            on_response(
                Response::Stopped {
                    message: if detail.is_empty() {
                        format!("The worker failed to load or stopped. {RELOAD_ADVICE}")
                    } else {
                        format!("The worker failed: {detail}. {RELOAD_ADVICE}")
                    },
                },
                JsValue::NULL,
            );
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(WorkerBridge {
            worker,
            blob_url,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Posts `request`, with `files` (an array of `File`) for a read request.
    pub fn send(&self, request: &Request, files: Option<&Array>) -> Result<(), String> {
        channel::post(&self.worker, request, files.map(|f| f.as_ref()), None)
            .map_err(|e| format!("The page could not talk to the worker: {e}"))
    }
}

impl Drop for WorkerBridge {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
        let _ = Url::revoke_object_url(&self.blob_url);
    }
}

/// A `blob:` URL of a module that imports the worker's loader by its absolute URL
/// (resolved against the page's base URI, so the page works from any sub-path).
/// NOTE: a worker started from its own URL gets no Content-Security-Policy at all (the
/// page's `<meta>` policy does not reach it, and a static host sends no header); a
/// worker started from a `blob:` URL inherits the page's policy, so its requests are
/// limited like the page's (index.html allows `worker-src 'self' blob:`).
fn loader_blob_url(parse_workers: Option<u32>) -> Result<String, JsValue> {
    let loader = absolute_loader_url()?;
    // The URL goes into a JS string literal: JSON text is one.
    let literal = serde_json::to_string(&loader).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let count = parse_workers.map_or_else(|| "null".to_string(), |c| c.to_string());
    // The configuration is set before the import runs the worker (a static import
    // would run first), so the worker finds it when it starts.
    let source = format!(
        "self.{PARSE_CONFIG} = {{ loader: {literal}, count: {count} }};\nawait import({literal});\n"
    );
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&Array::of1(&source.into()), &options)?;
    Url::create_object_url_with_blob(&blob)
}

/// The worker loader's absolute URL (resolved against the page's base URI).
fn absolute_loader_url() -> Result<String, JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let base = document
        .base_uri()?
        .ok_or_else(|| JsValue::from_str("the page has no base URI"))?;
    Ok(Url::new_with_base(WORKER_URL, &base)?.href())
}

/// The message of a JS error.
pub fn describe(err: &JsValue) -> String {
    channel::describe(err)
}
