//! The timeline (questions 2–3) on the page's canvas: the core's
//! [`flowlens_core::charts::timeline`] drawn from the view the worker sent.

use web_sys::HtmlCanvasElement;

use super::area;
use crate::protocol::{FlowMark, SessionView};
use flowlens_core::analysis::flows::FlowPoint;
use flowlens_core::analysis::span::Session;
use flowlens_core::charts::timeline::{self, HEIGHT};

/// Draws the timeline of `addr`.
pub fn draw(
    canvas: &HtmlCanvasElement,
    addr: &str,
    flows: &[FlowMark],
    sessions: &[SessionView],
) -> Result<(), String> {
    let root = area(canvas, HEIGHT)?;
    let flows: Vec<FlowPoint> = flows
        .iter()
        .map(|f| FlowPoint {
            start: f.start,
            end: f.end,
            bytes: f.bytes,
            outbound: f.outbound,
        })
        .collect();
    let sessions: Vec<Session> = sessions
        .iter()
        .map(|s| Session {
            start: s.start,
            end: s.end,
            flows: s.flows,
            bytes: s.bytes,
        })
        .collect();
    timeline::draw(&root, addr, &flows, &sessions)
}
