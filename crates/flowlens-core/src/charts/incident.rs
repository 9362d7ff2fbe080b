//! The incident timeline: every finding of the hunt on one time axis, one row per
//! kind in the order an intrusion runs (scan → probe accepted → brute force → first
//! success → exfiltration → long connection → role inversion → beacon), each finding a
//! bar from its first to its last time in its severity's colour.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{empty, month_day_time, svg, EXPORT_WIDTH, FONT, INK};
use crate::hunt::{Finding, Kind, Severity};
use crate::time::format_time_of_day;

/// Pixels a row takes.
pub const ROW_HEIGHT: u32 = 34;

/// Pixels above and below the rows (the axis and its labels).
const FRAME_HEIGHT: u32 = 70;

/// Width of the kinds' labels at the left.
const LABEL_WIDTH: u32 = 130;

/// The colour of a severity (high: the evidence red of the other charts).
pub fn severity_color(severity: Severity) -> RGBColor {
    match severity {
        Severity::High => RGBColor(192, 57, 43),
        Severity::Medium => RGBColor(214, 137, 16),
        Severity::Low => RGBColor(127, 140, 141),
    }
}

/// The kinds that have findings among `findings`, in the order of [`Kind::ALL`].
pub fn rows(findings: &[&Finding]) -> Vec<Kind> {
    Kind::ALL
        .into_iter()
        .filter(|k| findings.iter().any(|f| f.kind == *k))
        .collect()
}

/// The chart's height for `findings` (pixels).
pub fn height(findings: &[&Finding]) -> u32 {
    FRAME_HEIGHT + ROW_HEIGHT * (rows(findings).len().max(1) as u32)
}

/// Draws `findings` on `root`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    findings: &[&Finding],
) -> Result<(), String> {
    let kinds = rows(findings);
    let (Some(first), Some(last)) = (
        findings.iter().map(|f| f.first).min(),
        findings.iter().map(|f| f.last.max(f.first)).max(),
    ) else {
        return empty(root, "No findings");
    };
    let pad = (f64::from(last - first) * 0.03).max(60.0);
    let (x0, x1) = (f64::from(first) - pad, f64::from(last) + pad);
    // A bar is at least 0.4 % of the axis wide, so a one-second finding shows.
    let min_width = (x1 - x0) * 0.004;
    let n = kinds.len() as f64;
    let spans_days = last - first > 86_400;

    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(LABEL_WIDTH)
        .build_cartesian_2d(x0..x1, -0.5..(n - 0.5))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("time (UTC)")
        .axis_desc_style((FONT, 14).into_font().color(&INK))
        .label_style((FONT, 12).into_font().color(&INK))
        .x_labels(8)
        .y_labels(0)
        .disable_y_mesh()
        .x_label_formatter(&|x| {
            let secs = x.max(0.0) as u32;
            if spans_days {
                month_day_time(secs)
            } else {
                format_time_of_day(i64::from(secs))
            }
        })
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(|e| e.to_string())?;

    // Row i from the top: the first stage above.
    let row_y = |kind: Kind| {
        let i = kinds.iter().position(|k| *k == kind).unwrap_or(0) as f64;
        n - 1.0 - i
    };
    let label = TextStyle::from((FONT, 13).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for kind in &kinds {
        let (_, y) = chart.backend_coord(&(x0, row_y(*kind)));
        root.draw_text(kind.label(), &label, (LABEL_WIDTH as i32, y))
            .map_err(|e| e.to_string())?;
    }
    // Low findings first, so that the urgent ones are drawn over them.
    let mut order: Vec<&&Finding> = findings.iter().collect();
    order.sort_by_key(|f| f.severity);
    chart
        .draw_series(order.iter().map(|f| {
            let y = row_y(f.kind);
            let (a, b) = (f64::from(f.first), f64::from(f.last.max(f.first)));
            Rectangle::new(
                [(a, y - 0.3), (b.max(a + min_width), y + 0.3)],
                severity_color(f.severity).filled(),
            )
        }))
        .map_err(|e| e.to_string())?;

    root.present().map_err(|e| e.to_string())
}

/// The incident timeline as an SVG document, [`EXPORT_WIDTH`] wide.
pub fn svg(findings: &[&Finding]) -> Result<String, String> {
    svg::render(EXPORT_WIDTH, height(findings), |root| {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(root, findings)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hunt::{Detail, Evidence, LongConnectionDetail};

    fn finding(kind: Kind, severity: Severity, first: u32, last: u32) -> Finding {
        Finding {
            kind,
            severity,
            src: "172.30.2.47".into(),
            dst: Some("203.0.113.45".into()),
            dst_port: Some(443),
            first,
            last,
            score: 0.9,
            summary: String::new(),
            evidence: Evidence {
                detail: Detail::LongConnection(LongConnectionDetail {
                    duration_secs: last - first,
                    grade_hours: 1,
                    bytes_out: 1,
                    bytes_back: 1,
                    pair_duration_secs: 1,
                    internal_only: false,
                }),
                sessions: Vec::new(),
                sessions_total: 1,
                records_total: 1,
            },
        }
    }

    #[test]
    fn one_row_per_kind_in_stage_order_and_one_bar_per_finding() {
        let t = 1_600_214_400;
        let findings = [
            finding(Kind::Beacon, Severity::High, t + 9000, t + 20_000),
            finding(Kind::Scan, Severity::Low, t, t + 100),
            finding(Kind::Scan, Severity::Medium, t + 1800, t + 1950),
        ];
        let refs: Vec<&Finding> = findings.iter().collect();
        assert_eq!(rows(&refs), vec![Kind::Scan, Kind::Beacon]);
        assert_eq!(height(&refs), FRAME_HEIGHT + 2 * ROW_HEIGHT);
        let svg = svg(&refs).unwrap();
        let bars = |c: RGBColor| {
            let fill = format!("fill=\"rgb({},{},{})\"", c.0, c.1, c.2);
            svg.lines()
                .filter(|l| l.starts_with("<rect") && l.contains(&fill))
                .count()
        };
        assert_eq!(bars(severity_color(Severity::High)), 1);
        assert_eq!(bars(severity_color(Severity::Medium)), 1);
        assert_eq!(bars(severity_color(Severity::Low)), 1);
        // The scan row is drawn above the beacon row.
        let y_of = |text: &str| {
            svg.lines()
                .find(|l| l.contains(&format!(">{text}</text>")))
                .and_then(|l| l.split("y=\"").nth(1))
                .and_then(|v| v.split('"').next())
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap()
        };
        assert!(y_of("scan") < y_of("beacon"));
    }

    #[test]
    fn no_findings_says_so() {
        assert!(svg(&[]).unwrap().contains(">No findings</text>"));
    }
}
