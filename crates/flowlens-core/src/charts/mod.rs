//! The two charts of an investigation, drawn once for every output: the selected
//! address's flows over time ([`timeline`]) and the sizes of the flows to it
//! ([`histogram`]). Both are generic over plotters' [`DrawingBackend`]: the page draws
//! them on a `<canvas>` (`web::charts`), the exports as SVG images ([`svg`]), so the
//! picture in a printed summary is the picture on the page.
//!
//! Axes carry units (bytes as KB/MB/GB, times in UTC); an empty chart says so in words.
//! Legends are left to the caller (the page writes them in HTML, the summary in text).
//! The [`incident`] timeline puts the hunt's findings on one time axis.

pub mod histogram;
pub mod incident;
pub mod svg;
pub mod timeline;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::time::format_rfc3339;

/// Flows to the address (data leaving the service): the colour of the evidence.
pub const TO_COLOR: RGBColor = RGBColor(192, 57, 43);
/// Flows from the address.
pub const FROM_COLOR: RGBColor = RGBColor(46, 109, 180);
/// Shaded sessions.
pub const SESSION_COLOR: RGBColor = RGBColor(245, 222, 160);
/// Axis and text colour.
pub const INK: RGBColor = RGBColor(40, 44, 52);
/// Colour of the histogram's threshold line.
pub const THRESHOLD_COLOR: RGBColor = RGBColor(20, 20, 20);
/// Font family for chart text.
pub const FONT: &str = "sans-serif";

/// Width of the exported chart images (pixels).
pub const EXPORT_WIDTH: u32 = 800;

/// Writes `text` in the middle of an empty chart.
pub fn empty<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, text: &str) -> Result<(), String> {
    let (w, h) = root.dim_in_pixel();
    let style = TextStyle::from((FONT, 16).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    root.draw_text(text, &style, (w as i32 / 2, h as i32 / 2))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// `09-16 02:00` (axes spanning days).
pub fn month_day_time(secs: u32) -> String {
    let text = format_rfc3339(i64::from(secs));
    text.get(5..16).map(|s| s.replace('T', " ")).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_day_time_of_known_second() {
        // 1600221687 = 2020-09-16T02:01:27Z.
        assert_eq!(month_day_time(1_600_221_687), "09-16 02:01");
    }
}
