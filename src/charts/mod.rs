//! The charts on the page's `<canvas>`: the selected address's flows over time
//! ([`timeline`]), the sizes of the flows to it ([`histogram`]) and the hunt's
//! findings on one time axis ([`incident`]). The drawing itself
//! is the core's [`flowlens_core::charts`] (shared with the exported summary); this module
//! sizes the canvas to its box and hands the core a canvas backend. Legends are HTML
//! beside the canvas (see `backend` for why).

mod backend;
pub mod histogram;
pub mod incident;
pub mod timeline;

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use backend::MeasuredCanvas;

/// A chart's drawing area.
pub type Area = DrawingArea<MeasuredCanvas, plotters::coord::Shift>;

/// Makes the canvas's bitmap as wide as its box (at least `min_width`) and returns
/// its drawing area, cleared to white.
pub fn area(canvas: &HtmlCanvasElement, height: u32) -> Result<Area, String> {
    let width = u32::try_from(canvas.client_width()).unwrap_or(0).max(320);
    if canvas.width() != width {
        canvas.set_width(width);
    }
    if canvas.height() != height {
        canvas.set_height(height);
    }
    let backend =
        MeasuredCanvas::new(canvas).ok_or_else(|| "the canvas has no 2D context".to_string())?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    Ok(root)
}
