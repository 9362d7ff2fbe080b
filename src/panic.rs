//! The page's panic hook: a panic in WebAssembly stops the app, so the hook writes
//! the message to the console and into the page's static error banner (`#fatal` in
//! index.html, outside the Yew tree, which may be dead by then), as text.

use wasm_bindgen::JsCast;

/// Installs the hook (once, before the app renders).
/// NOTE: through Yew: `Renderer::render` replaces any hook set with
/// `std::panic::set_hook` by its own (console only) unless one was set this way.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = format!("flowlens stopped on an internal error: {info}");
        web_sys::console::error_1(&message.clone().into());
        show_fatal(&format!("{message}. Reload the page to start again."));
    }));
}

/// Shows `message` in the static banner.
pub fn show_fatal(message: &str) {
    let banner = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("fatal"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(banner) = banner {
        banner.set_text_content(Some(message));
        banner.set_hidden(false);
    }
}
