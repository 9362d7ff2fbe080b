//! Questions 2–3, "how long was it connected, when did it come and go?": the selected
//! address's first time, last time and duration written out in UTC (over all data
//! and within the range), its sessions, and the timeline chart.

use std::rc::Rc;

use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::charts::timeline;
use crate::format;
use crate::hooks::use_window_width;
use crate::protocol::{AnalysisView, FlowMark};

/// Props of [`TimelinePanel`].
#[derive(Properties, PartialEq)]
pub struct TimelinePanelProps {
    /// The analysis (its suspect, span and flows).
    pub analysis: Rc<AnalysisView>,
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
                    let addr = analysis.suspect.clone().unwrap_or_default();
                    let sessions = analysis
                        .span
                        .as_ref()
                        .map(|s| s.sessions.as_slice())
                        .unwrap_or(&[]);
                    if let Err(err) = timeline::draw(&element, &addr, &analysis.flows, sessions) {
                        web_sys::console::error_1(&format!("timeline: {err}").into());
                    }
                }
            },
        );
    }
    let a = &props.analysis;
    let addr = a.suspect.clone().unwrap_or_default();
    let largest_flows = largest(&a.flows, LARGEST_SHOWN);
    html! {
        <section class="panel timeline">
            <h2>
                { "2–3. When was it there?" }
                if !addr.is_empty() {
                    <span class="subject" data-testid="timeline-subject">
                        { format!(" {addr}") }
                        if let Some(geo) = &a.suspect_geo {
                            <span class="geo" data-testid="timeline-geo">{ format!(" · {}", geo.label()) }</span>
                        }
                    </span>
                }
            </h2>
            if let Some(span) = &a.span {
                <p class="lead" data-testid="span">
                    <strong>{ &addr }</strong>
                    { " first connected " }<time>{ format::utc(span.first_start) }</time>
                    { ", last seen " }<time>{ format::utc(span.last_end) }</time>
                    { format!(": {} in all, over {} session(s)", format::duration(span.duration_secs), span.sessions.len()) }
                    { format!(" (a session ends after {} without flows).", format::duration(span.session_gap_secs)) }
                </p>
                if let Some((first, last, secs)) = span.in_range {
                    if a.range_from.is_some() && !(a.request.range == crate::protocol::RangeChoice::All) {
                        <p>
                            { "In the chosen range: from " }<time>{ format::utc(first) }</time>
                            { " to " }<time>{ format::utc(last) }</time>
                            { format!(" ({}).", format::duration(secs)) }
                        </p>
                    }
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
            // the largest of them (a range can hold any number of flows).
            <p class="chart-text" id="timeline-numbers" data-testid="timeline-text">
                { direction_sentence(&format!("Flows to {addr} (data leaving)"), &Totals::of(&a.flows, true)) }
                { " " }
                { direction_sentence(&format!("Flows from {addr}"), &Totals::of(&a.flows, false)) }
            </p>
            <details class="chart-numbers" data-testid="timeline-numbers">
                <summary>{ "The chart's largest flows" }</summary>
                if !a.flows.is_empty() {
                    <table>
                        <caption>{ format!("The largest flows ({} of {})", largest_flows.len(), format::int(a.flows.len() as u64)) }</caption>
                        <thead><tr>
                            <th scope="col">{ "Start (UTC)" }</th><th scope="col">{ "Direction" }</th>
                            <th scope="col" class="num-h">{ "Bytes" }</th>
                        </tr></thead>
                        <tbody>
                            for f in largest_flows.iter() {
                                <tr data-start={f.start.to_string()} data-bytes={f.bytes.to_string()}>
                                    <td class="time">{ format::utc(f.start) }</td>
                                    <td>{ if f.outbound { format!("from {addr}") } else { format!("to {addr}") } }</td>
                                    <td class="num">{ format::bytes(f.bytes) }</td>
                                </tr>
                            }
                        </tbody>
                    </table>
                }
            </details>
            if let Some(span) = &a.span {
                if !span.sessions.is_empty() {
                    <details class="sessions">
                        <summary>{ format!("Sessions ({})", span.sessions.len()) }</summary>
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

/// Flows listed in the timeline's text alternative, largest first.
const LARGEST_SHOWN: usize = 10;

/// The timeline's points in one direction, added up.
#[derive(Debug, Default, PartialEq)]
struct Totals {
    flows: u64,
    bytes_total: u64,
    /// The largest flow: its bytes and start.
    largest: Option<(u64, u32)>,
}

impl Totals {
    /// The flows to the address (`to_addr`: it is dstaddr, data leaving towards it) or
    /// from it.
    fn of(flows: &[FlowMark], to_addr: bool) -> Totals {
        let mut totals = Totals::default();
        for f in flows.iter().filter(|f| f.outbound != to_addr) {
            totals.flows += 1;
            totals.bytes_total = totals.bytes_total.saturating_add(f.bytes);
            if totals.largest.is_none_or(|(bytes, _)| f.bytes > bytes) {
                totals.largest = Some((f.bytes, f.start));
            }
        }
        totals
    }
}

/// "Flows to …: 12, 1.2 MB in all, the largest 800 kB at 2020-09-16 02:22:10 UTC."
fn direction_sentence(what: &str, totals: &Totals) -> String {
    match totals.largest {
        None => format!("{what}: none."),
        Some((bytes, start)) => format!(
            "{what}: {}, {} in all, the largest {} at {}.",
            format::int(totals.flows),
            format::bytes(totals.bytes_total),
            format::bytes(bytes),
            format::utc(start),
        ),
    }
}

/// The `n` largest flows, largest first (the earlier first among equals).
fn largest(flows: &[FlowMark], n: usize) -> Vec<&FlowMark> {
    let mut sorted: Vec<&FlowMark> = flows.iter().collect();
    sorted.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.start.cmp(&b.start)));
    sorted.truncate(n);
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(start: u32, bytes: u64, outbound: bool) -> FlowMark {
        FlowMark {
            start,
            end: start + 60,
            bytes,
            outbound,
        }
    }

    #[test]
    fn totals_split_the_points_by_direction() {
        // outbound: the address sent it (srcaddr), so it is a flow *from* the address.
        let flows = [
            mark(10, 500, false),
            mark(20, 70, true),
            mark(30, 900, false),
            mark(40, 900, false),
        ];
        let cases = [
            (
                true,
                Totals {
                    flows: 3,
                    bytes_total: 2300,
                    largest: Some((900, 30)),
                },
            ),
            (
                false,
                Totals {
                    flows: 1,
                    bytes_total: 70,
                    largest: Some((70, 20)),
                },
            ),
        ];
        for (to_addr, want) in cases {
            assert_eq!(Totals::of(&flows, to_addr), want, "to_addr {to_addr}");
        }
        assert_eq!(Totals::of(&[], true), Totals::default());
    }

    #[test]
    fn the_largest_come_first_and_are_capped() {
        let flows: Vec<FlowMark> = (0..25)
            .map(|i| mark(i * 10, u64::from(i % 7) * 100, i % 2 == 0))
            .collect();
        let top = largest(&flows, LARGEST_SHOWN);
        assert_eq!(top.len(), LARGEST_SHOWN);
        let bytes: Vec<u64> = top.iter().map(|f| f.bytes).collect();
        assert_eq!(bytes, [600, 600, 600, 500, 500, 500, 400, 400, 400, 300]);
        // Among equals, the earlier first.
        assert_eq!(top[0].start, 60);
        assert_eq!(largest(&flows[..3], LARGEST_SHOWN).len(), 3);
    }

    #[test]
    fn a_direction_without_flows_says_none() {
        assert_eq!(
            direction_sentence("Flows from x", &Totals::default()),
            "Flows from x: none."
        );
    }
}
