//! The histogram (question 4) on the page's canvas: the core's
//! [`flowlens_core::charts::histogram`] drawn from the view the worker sent.

use web_sys::HtmlCanvasElement;

use super::area;
use crate::protocol::BinView;
use flowlens_core::analysis::flows::Bin;
use flowlens_core::charts::histogram::{self, HEIGHT};

/// Draws the histogram of the flows to `addr`, with `threshold` when there is one.
pub fn draw(
    canvas: &HtmlCanvasElement,
    addr: &str,
    bins: &[BinView],
    threshold: Option<f64>,
) -> Result<(), String> {
    let root = area(canvas, HEIGHT)?;
    let bins: Vec<Bin> = bins
        .iter()
        .map(|b| Bin {
            lo: b.lo,
            hi: b.hi,
            count: b.count,
        })
        .collect();
    histogram::draw(&root, addr, &bins, threshold)
}
