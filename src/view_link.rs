//! The shareable view in the page's URL: the fragment is read when the page opens and
//! on `hashchange` (an [`Action::ViewLink`] for the reducer), and rewritten with
//! `history.replaceState` whenever the view changes — no new history entry per click,
//! no reload, no request. Only the range, address, service port and k are written
//! ([`crate::share`]); never data.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::state::{Action, State};

/// The fragment of the page's URL (with its `#`), if any.
fn current_hash() -> Option<String> {
    web_sys::window()?.location().hash().ok()
}

/// Puts `#fragment` in the URL without a history entry, unless it is there already.
fn replace_fragment(fragment: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let wanted = format!("#{fragment}");
    if window.location().hash().ok().as_deref() == Some(wanted.as_str()) {
        return;
    }
    if let Ok(history) = window.history() {
        // A refused replaceState (e.g. an opaque origin) only loses the link.
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&wanted));
    }
}

/// Reads the fragment into the state (now and on every `hashchange`) and writes the
/// state's view back into it.
#[hook]
pub fn use_view_link(state: &UseReducerHandle<State>) {
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let read = move || {
                if let Some(hash) = current_hash().filter(|h| h.len() > 1) {
                    dispatcher.dispatch(Action::ViewLink(hash));
                }
            };
            read();
            let listener = Closure::<dyn Fn()>::new(read);
            let window = web_sys::window();
            if let Some(w) = &window {
                // Without the listener a hand-edited fragment applies on reload only.
                let _ = w.add_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(w) = window {
                    let _ = w.remove_event_listener_with_callback(
                        "hashchange",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    use_effect_with(state.view_fragment(), |fragment| {
        if let Some(fragment) = fragment {
            replace_fragment(fragment);
        }
    });
}
