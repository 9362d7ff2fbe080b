//! The timeline (questions 2–3): each flow of the selected address as a segment from
//! its start to its end at the height of its bytes (log axis), flows to the address
//! and from it in two colours, its sessions shaded behind.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    empty, month_day_time, svg, EXPORT_WIDTH, FONT, FROM_COLOR, INK, SESSION_COLOR, TO_COLOR,
};
use crate::analysis::flows::FlowPoint;
use crate::analysis::span::Session;
use crate::analysis::units;
use crate::time::format_time_of_day;

/// Height of the chart (pixels).
pub const HEIGHT: u32 = 320;

/// Draws the timeline of `addr` on `root`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    addr: &str,
    flows: &[FlowPoint],
    sessions: &[Session],
) -> Result<(), String> {
    let (Some(first), Some(last)) = (
        flows.iter().map(|f| f.start).min(),
        flows.iter().map(|f| f.end.max(f.start)).max(),
    ) else {
        return empty(root, &format!("No flows of {addr} in this range"));
    };
    let pad = (f64::from(last - first) * 0.03).max(30.0);
    let (x0, x1) = (f64::from(first) - pad, f64::from(last) + pad);
    let max_bytes = flows.iter().map(|f| f.bytes).max().unwrap_or(1).max(1) as f64;
    let min_bytes = flows
        .iter()
        .map(|f| f.bytes)
        .filter(|&b| b > 0)
        .min()
        .unwrap_or(1) as f64;
    let (y0, y1) = ((min_bytes / 2.0).max(1.0), max_bytes * 2.0);
    let spans_days = last - first > 86_400;

    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("time (UTC)")
        .y_desc("bytes per flow (log scale)")
        .axis_desc_style((FONT, 14).into_font().color(&INK))
        .label_style((FONT, 12).into_font().color(&INK))
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|x| {
            let secs = x.max(0.0) as u32;
            if spans_days {
                month_day_time(secs)
            } else {
                format_time_of_day(i64::from(secs))
            }
        })
        .y_label_formatter(&|y| units::bytes(*y))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(|e| e.to_string())?;

    chart
        .draw_series(
            sessions
                .iter()
                .filter(|s| f64::from(s.end) >= x0 && f64::from(s.start) <= x1)
                .map(|s| {
                    Rectangle::new(
                        [
                            (f64::from(s.start).max(x0), y0),
                            (f64::from(s.end).min(x1), y1),
                        ],
                        SESSION_COLOR.mix(0.55).filled(),
                    )
                }),
        )
        .map_err(|e| e.to_string())?;

    for (outbound, color) in [(true, FROM_COLOR), (false, TO_COLOR)] {
        let style = ShapeStyle::from(&color).stroke_width(2);
        let marks = flows.iter().filter(|f| f.outbound == outbound);
        chart
            .draw_series(marks.clone().map(|f| {
                let y = (f.bytes as f64).max(y0);
                PathElement::new(vec![(f64::from(f.start), y), (f64::from(f.end), y)], style)
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(marks.map(|f| {
                let y = (f.bytes as f64).max(y0);
                Circle::new((f64::from(f.start), y), 2, color.filled())
            }))
            .map_err(|e| e.to_string())?;
    }

    root.present().map_err(|e| e.to_string())
}

/// The timeline as an SVG document, [`EXPORT_WIDTH`]×[`HEIGHT`].
pub fn svg(addr: &str, flows: &[FlowPoint], sessions: &[Session]) -> Result<String, String> {
    svg::render(EXPORT_WIDTH, HEIGHT, |root| {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(root, addr, flows, sessions)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_draws_one_segment_per_flow_in_its_colour() {
        let flows = [
            FlowPoint {
                start: 1000,
                end: 1060,
                bytes: 500,
                outbound: true,
            },
            FlowPoint {
                start: 1100,
                end: 1160,
                bytes: 50_000,
                outbound: false,
            },
            FlowPoint {
                start: 1200,
                end: 1260,
                bytes: 60_000,
                outbound: false,
            },
        ];
        let sessions = [Session {
            start: 1000,
            end: 1260,
            flows: 3,
            bytes: 110_500,
        }];
        let svg = svg("203.0.113.7", &flows, &sessions).unwrap();
        let segments = |rgb: &str| {
            svg.lines()
                .filter(|l| l.starts_with("<polyline") && l.contains(rgb))
                .count()
        };
        assert_eq!(segments("stroke=\"rgb(46,109,180)\""), 1, "outbound");
        assert_eq!(segments("stroke=\"rgb(192,57,43)\""), 2, "to the address");
        assert!(svg.contains(">time (UTC)</text>"));
        assert!(svg.contains("fill=\"rgb(245,222,160)\""), "session shaded");
    }

    #[test]
    fn empty_timeline_says_so() {
        let svg = svg("198.51.100.1", &[], &[]).unwrap();
        assert!(svg.contains(">No flows of 198.51.100.1 in this range</text>"));
    }
}
