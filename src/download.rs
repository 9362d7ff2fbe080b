//! Saving a file: a `Blob` (of text, or of the chunks an export streamed in), an
//! object URL and a click on a detached `<a download>`. A `blob:` URL names memory
//! inside this tab; nothing goes over the network.

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

use super::channel::describe;

/// Offers the concatenation of `parts` (strings, `ArrayBuffer`s) as a download named
/// `file_name`: the browser joins them, the page never holds the whole file.
pub fn save_parts(file_name: &str, mime: &str, parts: &Array) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_buffer_source_sequence_and_options(parts, &options)
        .map_err(|e| describe(&e))?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|e| describe(&e))?;
    let anchor: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| describe(&e))?
        .dyn_into()
        .map_err(|_| "not an anchor".to_string())?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    // NOTE: revoke on the next task, not now: the download starts asynchronously.
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000)
        .map_err(|e| describe(&e))?;
    Ok(())
}
