//! The web page's entry point, built by Trunk (`index.html`); see `flowlens_web`.

fn main() {
    flowlens_web::start_page();
}
