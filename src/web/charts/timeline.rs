//! The timeline (questions 2–3): each flow of the selected address as a segment from
//! its start to its end at the height of its bytes (log axis), flows to the address
//! and from it in two colours, its sessions shaded behind.

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use super::{area, empty, FONT, FROM_COLOR, INK, SESSION_COLOR, TO_COLOR};
use crate::web::format;
use crate::web::protocol::{FlowMark, SessionView};

/// Height of the canvas bitmap.
const HEIGHT: u32 = 320;

/// Draws the timeline of `addr`.
pub fn draw(
    canvas: &HtmlCanvasElement,
    addr: &str,
    flows: &[FlowMark],
    sessions: &[SessionView],
) -> Result<(), String> {
    let root = area(canvas, HEIGHT)?;
    let (Some(first), Some(last)) = (
        flows.iter().map(|f| f.start).min(),
        flows.iter().map(|f| f.end.max(f.start)).max(),
    ) else {
        return empty(&root, &format!("No flows of {addr} in this range"));
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

    let mut chart = ChartBuilder::on(&root)
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
                format::month_day_time(secs)
            } else {
                format::time_of_day(secs)
            }
        })
        .y_label_formatter(&|y| format::bytes_f(*y))
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
