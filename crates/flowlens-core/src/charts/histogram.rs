//! The histogram (question 4): how many flows to the selected address fell in each
//! power-of-two size bin (log bytes axis), with the baseline threshold (mean + kσ)
//! drawn across it.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{empty, svg, EXPORT_WIDTH, FONT, INK, THRESHOLD_COLOR, TO_COLOR};
use crate::analysis::flows::Bin;
use crate::analysis::units;

/// Height of the chart (pixels).
pub const HEIGHT: u32 = 300;

/// Draws the histogram of the flows to `addr` on `root`, with `threshold` when there
/// is one.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    addr: &str,
    bins: &[Bin],
    threshold: Option<f64>,
) -> Result<(), String> {
    let max_count = bins.iter().map(|b| b.count).max().unwrap_or(0);
    let (Some(lo), Some(hi)) = (
        bins.iter().map(|b| b.lo).min(),
        bins.iter().map(|b| b.hi).max(),
    ) else {
        return empty(root, &format!("No flows to {addr} in this range"));
    };
    if max_count == 0 {
        return empty(root, &format!("No flows to {addr} in this range"));
    }
    let mut x0 = (lo.max(1) as f64) / 1.5;
    let mut x1 = (hi.max(2) as f64) * 1.5;
    if let Some(t) = threshold.filter(|t| t.is_finite() && *t > 0.0) {
        x0 = x0.min(t / 1.5);
        x1 = x1.max(t * 1.5);
    }
    let y1 = max_count as f64 * 1.15;

    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d((x0..x1).log_scale(), 0f64..y1)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(format!("bytes per flow to {addr} (log scale)"))
        .y_desc("flows")
        .axis_desc_style((FONT, 14).into_font().color(&INK))
        .label_style((FONT, 12).into_font().color(&INK))
        .x_labels(10)
        .y_labels(6)
        .x_label_formatter(&|x| units::bytes(*x))
        .y_label_formatter(&|y| units::int(y.max(0.0).round() as u64))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(|e| e.to_string())?;

    chart
        .draw_series(bins.iter().filter(|b| b.count > 0).map(|b| {
            Rectangle::new(
                [(b.lo.max(1) as f64, 0.0), (b.hi as f64, b.count as f64)],
                TO_COLOR.mix(0.75).filled(),
            )
        }))
        .map_err(|e| e.to_string())?;

    if let Some(t) = threshold.filter(|t| t.is_finite() && *t > 0.0) {
        let style = ShapeStyle::from(&THRESHOLD_COLOR).stroke_width(2);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(t, 0.0), (t, y1)],
                style,
            )))
            .map_err(|e| e.to_string())?;
    }

    root.present().map_err(|e| e.to_string())
}

/// The histogram as an SVG document, [`EXPORT_WIDTH`]×[`HEIGHT`].
pub fn svg(addr: &str, bins: &[Bin], threshold: Option<f64>) -> Result<String, String> {
    svg::render(EXPORT_WIDTH, HEIGHT, |root| {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(root, addr, bins, threshold)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_draws_a_bar_per_nonempty_bin_and_the_threshold() {
        let bins = [
            Bin {
                lo: 512,
                hi: 1024,
                count: 3,
            },
            Bin {
                lo: 1024,
                hi: 2048,
                count: 0,
            },
            Bin {
                lo: 2048,
                hi: 4096,
                count: 1,
            },
        ];
        let svg = svg("203.0.113.7", &bins, Some(3000.0)).unwrap();
        // Bars: TO_COLOR mixed to 0.75 opacity, filled.
        let bars = svg
            .lines()
            .filter(|l| {
                l.starts_with("<rect")
                    && l.contains("fill=\"rgb(192,57,43)\" fill-opacity=\"0.750\"")
            })
            .count();
        assert_eq!(bars, 2);
        let threshold = svg
            .lines()
            .filter(|l| l.starts_with("<polyline") && l.contains("stroke=\"rgb(20,20,20)\""))
            .count();
        assert_eq!(threshold, 1);
        assert!(svg.contains(">bytes per flow to 203.0.113.7 (log scale)</text>"));
    }
}
