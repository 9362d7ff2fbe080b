//! The two charts, drawn with plotters on a `<canvas>`: the selected address's flows
//! over time ([`timeline`]) and the sizes of the flows to it ([`histogram`]). Both
//! size the canvas to its box, label their axes with units (bytes as KB/MB/GB, times
//! in UTC) and say so in words when there is nothing to draw. Their legends are HTML
//! beside the canvas (see `backend` for why).

mod backend;
pub mod histogram;
pub mod timeline;

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use backend::MeasuredCanvas;

/// A chart's drawing area.
pub type Area = DrawingArea<MeasuredCanvas, plotters::coord::Shift>;

/// Flows to the address (data leaving the service): the colour of the evidence.
pub const TO_COLOR: RGBColor = RGBColor(192, 57, 43);
/// Flows from the address.
pub const FROM_COLOR: RGBColor = RGBColor(46, 109, 180);
/// Shaded sessions.
pub const SESSION_COLOR: RGBColor = RGBColor(245, 222, 160);
/// Axis and text colour.
pub const INK: RGBColor = RGBColor(40, 44, 52);
/// Font family for chart text.
pub const FONT: &str = "sans-serif";

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

/// Writes `text` in the middle of an empty chart.
pub fn empty(root: &Area, text: &str) -> Result<(), String> {
    let (w, h) = root.dim_in_pixel();
    let style = TextStyle::from((FONT, 16).into_font()).color(&INK).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ),
    );
    root.draw_text(text, &style, (w as i32 / 2, h as i32 / 2))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
