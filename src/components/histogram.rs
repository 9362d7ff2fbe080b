//! Question 4, "what did it take?": the flows to the selected address over its whole
//! stay (whatever range picked it), counted, summed and binned by size, with the
//! baseline threshold on the chart and the range's share beside.

use std::rc::Rc;

use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::charts::histogram;
use crate::format;
use crate::hooks::use_window_width;
use crate::protocol::Analysis;

/// Props of [`HistogramPanel`].
#[derive(Properties, PartialEq)]
pub struct HistogramPanelProps {
    /// The analysis (its flows to the suspect and verdict).
    pub analysis: Rc<Analysis>,
}

/// The histogram panel.
#[function_component(HistogramPanel)]
pub fn histogram_panel(props: &HistogramPanelProps) -> Html {
    let canvas = use_node_ref();
    let window_width = use_window_width();
    {
        let canvas = canvas.clone();
        use_effect_with(
            (props.analysis.clone(), window_width),
            move |(analysis, _)| {
                if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                    let r = &analysis.report;
                    let addr = r.suspect.clone().unwrap_or_default();
                    let bins = r.histogram.as_ref().map_or(&[][..], |h| &h.bins[..]);
                    let threshold = r.verdict.as_ref().map(|v| v.baseline.threshold);
                    if let Err(err) = histogram::draw(&element, &addr, bins, threshold) {
                        web_sys::console::error_1(&format!("histogram: {err}").into());
                    }
                }
            },
        );
    }
    let r = &props.analysis.report;
    let addr = r.suspect.clone().unwrap_or_default();
    html! {
        <section class="panel histogram">
            <h2>{ "4. What did it take?" }</h2>
            if let Some(f) = &r.flows_to_suspect {
                <p class="lead" data-testid="flows-to">
                    { format!("{} flows to ", format::int(f.count)) }<strong>{ &addr }</strong>
                    { format!(" over its whole stay ({} to {}): {} in total, the largest {}.",
                        format::utc_opt(f.from), format::utc_opt(f.to.map(|t| t.saturating_sub(1))),
                        format::bytes(f.bytes_total), format::bytes(f.bytes_max)) }
                </p>
                if let Some(share) = f.in_range {
                    <p data-testid="flows-to-in-range">
                        { format!("Of them, {} flows ({}) started in the chosen range.", format::int(share.count), format::bytes(share.bytes_total)) }
                    </p>
                }
            }
            <ul class="legend">
                <li><span class="swatch to"></span>{ format!("flows to {addr}") }</li>
                if let Some(v) = &r.verdict {
                    <li><span class="swatch threshold"></span>
                        { format!("threshold mean + {}·σ = {}", format::float(v.k, 2), format::bytes_f(v.baseline.threshold)) }</li>
                }
            </ul>
            <canvas ref={canvas} class="chart" data-testid="histogram"
                aria-label={format!("Sizes of the flows to {addr}, log-scaled bins, with the threshold")}></canvas>
        </section>
    }
}
