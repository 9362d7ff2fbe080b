//! flowlens-web, the page: a Yew app on the page's thread and a Web Worker that owns
//! the data set, both around [`flowlens_core`].
//!
//! - [`worker`]: reading (streams, gzip through `DecompressionStream`), the example
//!   week and the analyses, off the page's thread;
//! - [`protocol`]: the messages between the two;
//! - the page: [`start_page`] mounts the root component (`app`), whose one
//!   `use_reducer` ([`state`]) drives small components (`components/`), the charts
//!   (`charts/`, plotters on a canvas) and the worker bridge (`bridge`).
//!
//! Nothing here sends data anywhere: files are read from disk by the worker, the
//! report is saved through a `blob:` URL, and the Content-Security-Policy in
//! `index.html` forbids every other destination.

mod app;
pub mod blob_worker;
pub mod boot;
mod bridge;
pub mod channel;
mod charts;
mod components;
mod download;
mod files;
mod format;
mod hooks;
mod panic;
pub mod protocol;
pub mod share;
pub mod state;
mod view_link;
pub mod virtual_rows;
pub mod worker;

/// Starts the page (called from the `flowlens-page` bin's `main`).
pub fn start_page() {
    panic::install();
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            root.set_text_content(None); // the "Loading…" line
            yew::Renderer::<app::App>::with_root(root).render();
        }
        None => panic::show_fatal("The page is incomplete: no element with id `app`."),
    }
}
