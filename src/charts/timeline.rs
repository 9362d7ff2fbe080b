//! The timeline (questions 2–3) on the page's canvas: the core's
//! [`flowlens_core::charts::timeline`] drawn from the analysis's timeline and sessions.

use web_sys::HtmlCanvasElement;

use super::area;
use flowlens_core::analysis::flows::FlowPoint;
use flowlens_core::analysis::span::Session;
use flowlens_core::charts::timeline::{self, HEIGHT};

/// Draws the timeline of `addr`.
pub fn draw(
    canvas: &HtmlCanvasElement,
    addr: &str,
    flows: &[FlowPoint],
    sessions: &[Session],
) -> Result<(), String> {
    let root = area(canvas, HEIGHT)?;
    timeline::draw(&root, addr, flows, sessions)
}
