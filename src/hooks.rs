//! Small hooks of the page.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The window's inner width, updated on `resize`, so that the charts redraw their
/// bitmaps at the new size instead of being stretched.
#[hook]
pub fn use_window_width() -> u32 {
    let width = use_state(current_width);
    {
        let width = width.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn()>::new(move || width.set(current_width()));
            let window = web_sys::window();
            if let Some(w) = &window {
                // Without the listener the charts just keep their size.
                let _ =
                    w.add_event_listener_with_callback("resize", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = window {
                    let _ = w.remove_event_listener_with_callback(
                        "resize",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    *width
}

fn current_width() -> u32 {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .map(|v| v.max(0.0) as u32)
        .unwrap_or(0)
}
