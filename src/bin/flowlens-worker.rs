//! The web page's worker entry point, built by Trunk (`index.html`); see
//! `flowlens::web::worker`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    flowlens::web::worker::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("flowlens-worker is the web page's worker: build it with `trunk build --release`");
}
