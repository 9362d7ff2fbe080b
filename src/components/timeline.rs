//! Questions 2–3, "how long was it connected, when did it come and go?": the selected
//! address's first time, last time and duration written out in UTC (over all data
//! and within the range), its sessions, and the timeline chart of its whole stay.

use std::rc::Rc;

use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::charts::timeline;
use crate::format;
use crate::hooks::use_window_width;
use crate::protocol::Analysis;
use flowlens_core::analysis::FlowPoint;

/// Props of [`TimelinePanel`].
#[derive(Properties, PartialEq)]
pub struct TimelinePanelProps {
    /// The analysis (its suspect, span and flows).
    pub analysis: Rc<Analysis>,
}

/// The timeline panel.
#[function_component(TimelinePanel)]
pub fn timeline_panel(props: &TimelinePanelProps) -> Html {
    let canvas = use_node_ref();
    let window_width = use_window_width();
    {
        let canvas = canvas.clone();
        use_effect_with(
            (props.analysis.clone(), window_width),
            move |(analysis, _)| {
                if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                    let addr = analysis.report.suspect.clone().unwrap_or_default();
                    let sessions = analysis
                        .report
                        .span
                        .as_ref()
                        .map_or(&[][..], |s| &s.sessions[..]);
                    let points = &analysis.timeline.points;
                    if let Err(err) = timeline::draw(&element, &addr, points, sessions) {
                        web_sys::console::error_1(&format!("timeline: {err}").into());
                    }
                }
            },
        );
    }
    let a = &props.analysis;
    let r = &a.report;
    let addr = r.suspect.clone().unwrap_or_default();
    let suspect_geo = r.verdict.as_ref().and_then(|v| v.geo.clone());
    let points = &a.timeline.points;
    // More flows than points: the chart's points are time slices (see Timeline::of).
    let merged = a.timeline.flows > points.len() as u64;
    let largest_points = largest(points, LARGEST_SHOWN);
    html! {
        <section class="panel timeline">
            <h2>
                { "2–3. When was it there?" }
                if !addr.is_empty() {
                    <span class="subject" data-testid="timeline-subject">
                        { format!(" {addr}") }
                        if let Some(geo) = &suspect_geo {
                            <span class="geo" data-testid="timeline-geo">{ format!(" · {}", geo.label()) }</span>
                        }
                    </span>
                }
            </h2>
            if let Some(span) = &r.span {
                <p class="lead" data-testid="span">
                    <strong>{ &addr }</strong>
                    { " first connected " }<time>{ format::utc(span.first_start) }</time>
                    { ", last seen " }<time>{ format::utc(span.last_end) }</time>
                    { format!(": {} in all, over {} {}", format::duration(span.duration_secs), format::int(span.sessions_total),
                        if span.sessions_total == 1 { "session" } else { "sessions" }) }
                    { format!(" (a session ends after {} without flows).", format::duration(span.session_gap_secs)) }
                </p>
                if let Some(e) = span.in_range.filter(|_| !r.range.all) {
                    <p>
                        { "In the chosen range: from " }<time>{ format::utc(e.first_start) }</time>
                        { " to " }<time>{ format::utc(e.last_end) }</time>
                        { format!(" ({}).", format::duration(e.duration_secs)) }
                    </p>
                }
                if a.timeline.flows > a.timeline.points.len() as u64 {
                    <p class="muted">{ format!("The chart merges its {} flows into {} time slices.", format::int(a.timeline.flows), format::int(a.timeline.points.len() as u64)) }</p>
                }
            } else if !addr.is_empty() {
                <p class="lead">{ format!("{addr} has no timed flows.") }</p>
            } else {
                <p class="lead">{ "No address selected: click one in the sources table or the ranking." }</p>
            }
            <ul class="legend">
                <li><span class="swatch to"></span>{ format!("flows to {addr} (data leaving)") }</li>
                <li><span class="swatch from"></span>{ format!("flows from {addr}") }</li>
                <li><span class="swatch session"></span>{ "sessions" }</li>
            </ul>
            <canvas ref={canvas} class="chart" data-testid="timeline" role="img"
                aria-label={format!("Flows of {addr} over time, bytes on a log scale")}
                aria-describedby="timeline-numbers"></canvas>
            // The chart's text alternative: what its points add up to in each direction
            // (the canvas's description: shown, so that a screen reader reads it), and
            // the largest of them.
            <p class="chart-text" id="timeline-numbers" data-testid="timeline-text">
                { direction_sentence(&format!("Flows to {addr} (data leaving)"), &Totals::of(points, true), merged) }
                { " " }
                { direction_sentence(&format!("Flows from {addr}"), &Totals::of(points, false), merged) }
            </p>
            if !points.is_empty() {
                <details class="chart-numbers" data-testid="timeline-numbers">
                    <summary>{ if merged { "The chart's largest time slices" } else { "The chart's largest flows" } }</summary>
                    <table>
                        <caption>{ format!("The largest {} ({} of {})", if merged { "time slices" } else { "flows" },
                            largest_points.len(), format::int(points.len() as u64)) }</caption>
                        <thead><tr>
                            <th scope="col">{ "Start (UTC)" }</th><th scope="col">{ "Direction" }</th>
                            <th scope="col" class="num-h">{ "Bytes" }</th>
                        </tr></thead>
                        <tbody>
                            for p in largest_points.iter() {
                                <tr data-start={p.start.to_string()} data-bytes={p.bytes.to_string()}>
                                    <td class="time">{ format::utc(p.start) }</td>
                                    <td>{ if p.outbound { format!("from {addr}") } else { format!("to {addr}") } }</td>
                                    <td class="num">{ format::bytes(p.bytes) }</td>
                                </tr>
                            }
                        </tbody>
                    </table>
                </details>
            }
            if let Some(span) = &r.span {
                if !span.sessions.is_empty() {
                    <details class="sessions">
                        <summary>{ if span.sessions_total > span.sessions.len() as u64 {
                            format!("Sessions (the first {} of {})", format::int(span.sessions.len() as u64), format::int(span.sessions_total))
                        } else {
                            format!("Sessions ({})", span.sessions.len())
                        } }</summary>
                        <table>
                            <thead><tr>
                                <th>{ "Start (UTC)" }</th><th>{ "End (UTC)" }</th><th>{ "Duration" }</th>
                                <th>{ "Flows" }</th><th>{ "Bytes" }</th>
                            </tr></thead>
                            <tbody>
                                for s in span.sessions.iter() {
                                    <tr>
                                        <td class="time">{ format::utc(s.start) }</td>
                                        <td class="time">{ format::utc(s.end) }</td>
                                        <td>{ format::duration(s.end.saturating_sub(s.start)) }</td>
                                        <td class="num">{ format::int(s.flows) }</td>
                                        <td class="num">{ format::bytes(s.bytes) }</td>
                                    </tr>
                                }
                            </tbody>
                        </table>
                    </details>
                }
            }
        </section>
    }
}

/// Points listed in the timeline's text alternative, largest first.
const LARGEST_SHOWN: usize = 10;

/// The timeline's points in one direction, added up.
#[derive(Debug, Default, PartialEq)]
struct Totals {
    points: u64,
    bytes_total: u64,
    /// The largest point: its bytes and start.
    largest: Option<(u64, u32)>,
}

impl Totals {
    /// The points to the address (`to_addr`: it is dstaddr, data leaving towards it) or
    /// from it.
    fn of(points: &[FlowPoint], to_addr: bool) -> Totals {
        let mut totals = Totals::default();
        for p in points.iter().filter(|p| p.outbound != to_addr) {
            totals.points += 1;
            totals.bytes_total = totals.bytes_total.saturating_add(p.bytes);
            if totals.largest.is_none_or(|(bytes, _)| p.bytes > bytes) {
                totals.largest = Some((p.bytes, p.start));
            }
        }
        totals
    }
}

/// "Flows to …: 12, 1.2 MB in all, the largest 800 kB at 2020-09-16 02:22:10 UTC."
/// (`merged`: the points are time slices of several flows.)
fn direction_sentence(what: &str, totals: &Totals, merged: bool) -> String {
    match totals.largest {
        None => format!("{what}: none."),
        Some((bytes, start)) if merged => format!(
            "{what}: {} in all, in {} time slices, the largest {} from {}.",
            format::bytes(totals.bytes_total),
            format::int(totals.points),
            format::bytes(bytes),
            format::utc(start),
        ),
        Some((bytes, start)) => format!(
            "{what}: {}, {} in all, the largest {} at {}.",
            format::int(totals.points),
            format::bytes(totals.bytes_total),
            format::bytes(bytes),
            format::utc(start),
        ),
    }
}

/// The `n` largest points, largest first (the earlier first among equals).
fn largest(points: &[FlowPoint], n: usize) -> Vec<&FlowPoint> {
    let mut sorted: Vec<&FlowPoint> = points.iter().collect();
    sorted.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.start.cmp(&b.start)));
    sorted.truncate(n);
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(start: u32, bytes: u64, outbound: bool) -> FlowPoint {
        FlowPoint {
            start,
            end: start + 60,
            bytes,
            outbound,
        }
    }

    #[test]
    fn totals_split_the_points_by_direction() {
        // outbound: the address sent it (srcaddr), so it is a flow *from* the address.
        let points = [
            point(10, 500, false),
            point(20, 70, true),
            point(30, 900, false),
            point(40, 900, false),
        ];
        let cases = [
            (
                true,
                Totals {
                    points: 3,
                    bytes_total: 2300,
                    largest: Some((900, 30)),
                },
            ),
            (
                false,
                Totals {
                    points: 1,
                    bytes_total: 70,
                    largest: Some((70, 20)),
                },
            ),
        ];
        for (to_addr, want) in cases {
            assert_eq!(Totals::of(&points, to_addr), want, "to_addr {to_addr}");
        }
        assert_eq!(Totals::of(&[], true), Totals::default());
    }

    #[test]
    fn the_largest_come_first_and_are_capped() {
        let points: Vec<FlowPoint> = (0..25)
            .map(|i| point(i * 10, u64::from(i % 7) * 100, i % 2 == 0))
            .collect();
        let top = largest(&points, LARGEST_SHOWN);
        let bytes: Vec<u64> = top.iter().map(|p| p.bytes).collect();
        assert_eq!(bytes, [600, 600, 600, 500, 500, 500, 400, 400, 400, 300]);
        // Among equals, the earlier first.
        assert_eq!(top[0].start, 60);
        assert_eq!(largest(&points[..3], LARGEST_SHOWN).len(), 3);
    }

    #[test]
    fn the_sentence_says_flows_or_slices() {
        let totals = Totals {
            points: 2,
            bytes_total: 3000,
            largest: Some((2000, 0)),
        };
        assert_eq!(
            direction_sentence("Flows to x", &totals, false),
            format!(
                "Flows to x: 2, {} in all, the largest {} at {}.",
                format::bytes(3000),
                format::bytes(2000),
                format::utc(0)
            )
        );
        assert!(direction_sentence("Flows to x", &totals, true).contains("in 2 time slices"));
        assert_eq!(
            direction_sentence("Flows from x", &Totals::default(), false),
            "Flows from x: none."
        );
    }
}
