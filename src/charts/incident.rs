//! The incident timeline on the page's canvas: the core's
//! [`flowlens_core::charts::incident`] drawn from the hunt's findings.

use web_sys::HtmlCanvasElement;

use super::area;
use flowlens_core::charts::incident;
use flowlens_core::hunt::Finding;

/// Draws `findings` on one time axis, a row per kind.
pub fn draw(canvas: &HtmlCanvasElement, findings: &[&Finding]) -> Result<(), String> {
    let root = area(canvas, incident::height(findings))?;
    incident::draw(&root, findings)
}
