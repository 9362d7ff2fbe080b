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
            <canvas ref={canvas} class="chart" data-testid="timeline"
                aria-label={format!("Flows of {addr} over time, bytes on a log scale")}></canvas>
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
