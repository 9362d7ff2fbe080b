//! The one way messages travel between the page's threads (the page and its worker,
//! the worker and its parse workers, the worker and its inflater).
//!
//! A message is a two-element array `[value, extra]`: `value` is a typed Rust message
//! (each worker kind has its own enum) as a plain JS object made by serde-wasm-bindgen,
//! and `extra` is what cannot be a plain value — the `File`s of a read request, an
//! `ArrayBuffer` of bytes — or `null`. Buffers named in `transfer` are moved to the
//! other thread, not copied: bytes go beside the value, never in it, because a
//! transfer moves a buffer where `postMessage` would copy a field (64 MiB: 7 ms against
//! 362 ms, scripts/transfer-bench.mjs). The enums: [`crate::protocol`]'s `Request` and
//! `Response` (page and worker), `ParseRequest` and `ParseAnswer` (worker and parse
//! workers, `worker/parse.rs`), `InflateRequest` and `InflateAnswer` (worker and
//! inflater, `worker/inflate.rs`). The inflater is plain JavaScript and reads the same
//! shape: its values are the `{"kind": …}` objects serde writes for its enums.

use js_sys::Array;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker};

/// Something a message can be posted to: a worker, or the worker's own scope (to its
/// parent).
pub trait Target {
    /// `postMessage(message, transfer)`.
    fn post(&self, message: &JsValue, transfer: Option<&Array>) -> Result<(), JsValue>;
}

impl Target for Worker {
    fn post(&self, message: &JsValue, transfer: Option<&Array>) -> Result<(), JsValue> {
        match transfer {
            Some(t) => self.post_message_with_transfer(message, t),
            None => self.post_message(message),
        }
    }
}

impl Target for DedicatedWorkerGlobalScope {
    fn post(&self, message: &JsValue, transfer: Option<&Array>) -> Result<(), JsValue> {
        match transfer {
            Some(t) => self.post_message_with_transfer(message, t),
            None => self.post_message(message),
        }
    }
}

/// The serializer of every message: 64-bit integers as `BigInt`, so that no counter
/// (bytes, records, ids) is ever rounded or refused on its way.
fn serializer() -> serde_wasm_bindgen::Serializer {
    serde_wasm_bindgen::Serializer::new().serialize_large_number_types_as_bigints(true)
}

/// `value` as the plain JS object that is posted.
pub fn encode<T: Serialize>(value: &T) -> Result<JsValue, String> {
    value
        .serialize(&serializer())
        .map_err(|e| format!("a message could not be encoded: {e}"))
}

/// The typed value of a posted object.
pub fn decode<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

/// Posts `message` with `extra` beside it, moving the buffers in `transfer`.
pub fn post<T: Serialize>(
    target: &impl Target,
    message: &T,
    extra: Option<&JsValue>,
    transfer: Option<&Array>,
) -> Result<(), String> {
    let value = encode(message)?;
    let pair = Array::of2(&value, extra.unwrap_or(&JsValue::NULL));
    target
        .post(&pair, transfer)
        .map_err(|e| format!("a message could not be posted: {}", describe(&e)))
}

/// The typed message of `event` and what came beside it.
pub fn receive<T: DeserializeOwned>(event: &MessageEvent) -> Result<(T, JsValue), String> {
    let data = event.data();
    if !data.is_array() {
        return Err("a message that is not [value, extra]".to_string());
    }
    let pair: Array = data.unchecked_into();
    Ok((decode(pair.get(0))?, pair.get(1)))
}

/// Words for a thrown JS value.
pub fn describe(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
