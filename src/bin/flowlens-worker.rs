//! The web page's worker entry point, built by Trunk (`index.html`); see
//! `flowlens_web::worker`.

fn main() {
    flowlens_web::worker::start();
}
