//! The page's end of the worker: spawns it, posts [`Request`]s and turns its messages
//! into [`Response`]s (with the bytes of an export chunk beside). See
//! [`super::protocol`] for the messages and [`super::channel`] for their encoding.

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Url, Worker};

use super::boot::WorkerCode;
use super::channel;
use super::protocol::{Request, Response};

/// Said when the worker is gone for good.
const RELOAD_ADVICE: &str = "Reload the page to start again.";

/// The global the worker's prelude sets before its code runs: `{ code, count }`, how
/// to start the worker's code (a [`WorkerCode`], from which the worker starts its parse
/// workers, themselves from `blob:` URLs) and how many (`null`: one a core).
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
        // Module or classic worker, as the page's start script says (see crate::boot).
        let code =
            WorkerCode::from_page().map_err(|e| format!("The worker could not be started: {e}"))?;
        let blob_url = code
            .blob_url(&prelude(&code, parse_workers))
            .map_err(|e| format!("The worker could not be started: {}", describe(&e)))?;
        let worker = match Worker::new_with_options(&blob_url, &code.options()) {
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

/// The worker's prelude: its [`PARSE_CONFIG`]. The worker is started from a `blob:`
/// URL of the prelude and its start script (see [`WorkerCode::blob_url`]).
/// NOTE: a worker started from its own URL gets no Content-Security-Policy at all (the
/// page's `<meta>` policy does not reach it, and a static host sends no header); a
/// worker started from a `blob:` URL inherits the page's policy, so its requests are
/// limited like the page's (index.html allows `worker-src 'self' blob:`).
fn prelude(code: &WorkerCode, parse_workers: Option<u32>) -> String {
    let count = parse_workers.map_or_else(|| "null".to_string(), |c| c.to_string());
    // Set before the start script runs the worker's code, which reads it.
    format!(
        "self.{PARSE_CONFIG} = {{ code: {}, count: {count} }};",
        code.to_literal()
    )
}

/// The message of a JS error.
pub fn describe(err: &JsValue) -> String {
    channel::describe(err)
}
