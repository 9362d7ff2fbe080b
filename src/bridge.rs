//! The page's end of the worker: spawns it, posts [`Request`]s and turns its messages
//! into [`Response`]s (with the bytes of an export chunk beside). See
//! [`super::protocol`] for the messages and [`super::channel`] for their encoding.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::blob_worker::{spawn_blob_worker, BlobWorker, ScriptUrl};
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
    worker: BlobWorker,
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
        let mut worker = ScriptUrl::new(&code.script(&prelude(&code, parse_workers)))
            .and_then(|script| spawn_blob_worker(&script, &code.options()))
            .map_err(|e| format!("The worker could not be started: {e}"))?;
        let on_response = std::rc::Rc::new(on_response);
        let on_message = {
            let on_response = on_response.clone();
            move |received: Result<(Response, JsValue), String>| match received {
                Ok((response, extra)) => on_response(response, extra),
                Err(err) => on_response(
                    Response::Failed {
                        message: format!(
                            "The worker sent a message the page does not understand: {err}"
                        ),
                    },
                    JsValue::NULL,
                ),
            }
        };
        // An error event means the worker could not load or threw past its own
        // handlers (after a panic, for one): it is gone for good.
        let on_error = move |detail: Option<String>| {
            let message = match detail {
                Some(detail) => format!("The worker failed: {detail}. {RELOAD_ADVICE}"),
                None => format!("The worker failed to load or stopped. {RELOAD_ADVICE}"),
            };
            on_response(Response::Stopped { message }, JsValue::NULL);
        };
        worker.listen(on_message, on_error);
        Ok(WorkerBridge { worker })
    }

    /// Posts `request`, with `files` (an array of `File`) for a read request.
    pub fn send(&self, request: &Request, files: Option<&Array>) -> Result<(), String> {
        channel::post(
            self.worker.worker(),
            request,
            files.map(|f| f.as_ref()),
            None,
        )
        .map_err(|e| format!("The page could not talk to the worker: {e}"))
    }
}

/// The worker's prelude: its [`PARSE_CONFIG`]. The worker is started from a `blob:`
/// URL of the prelude and its start script (see [`WorkerCode::script`] and
/// [`crate::blob_worker`], which says why a `blob:` URL).
fn prelude(code: &WorkerCode, parse_workers: Option<u32>) -> String {
    let count = parse_workers.map_or_else(|| "null".to_string(), |c| c.to_string());
    // Set before the start script runs the worker's code, which reads it.
    format!(
        "self.{PARSE_CONFIG} = {{ code: {}, count: {count} }};",
        code.to_literal()
    )
}
