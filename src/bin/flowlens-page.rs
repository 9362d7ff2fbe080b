//! The web page's entry point, built by Trunk (`index.html`); see `flowlens::web`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    flowlens::web::start_page();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("flowlens-page is the web page: build it with `trunk build --release`");
}
