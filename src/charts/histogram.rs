//! The histogram (question 4) on the page's canvas: the core's
//! [`flowlens_core::charts::histogram`] drawn from the report's bins.

use web_sys::HtmlCanvasElement;

use super::area;
use flowlens_core::analysis::flows::Bin;
use flowlens_core::charts::histogram::{self, HEIGHT};

/// Draws the histogram of the flows to `addr`, with `threshold` when there is one.
pub fn draw(
    canvas: &HtmlCanvasElement,
    addr: &str,
    bins: &[Bin],
    threshold: Option<f64>,
) -> Result<(), String> {
    let root = area(canvas, HEIGHT)?;
    histogram::draw(&root, addr, bins, threshold)
}
