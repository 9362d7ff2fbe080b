//! Question 4, "what did it take?": the flows to the selected address in the range,
//! counted, summed and binned by size, with the baseline threshold on the chart.

use std::rc::Rc;

use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::charts::histogram;
use crate::format;
use crate::hooks::use_window_width;
use crate::protocol::{AnalysisView, BinView};

/// Props of [`HistogramPanel`].
#[derive(Properties, PartialEq)]
pub struct HistogramPanelProps {
    /// The analysis (its flows to the suspect and verdict).
    pub analysis: Rc<AnalysisView>,
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
                    let addr = analysis.suspect.clone().unwrap_or_default();
                    let bins = analysis
                        .flows_to
                        .as_ref()
                        .map(|f| f.bins.as_slice())
                        .unwrap_or(&[]);
                    let threshold = analysis.verdict.as_ref().map(|v| v.threshold);
                    if let Err(err) = histogram::draw(&element, &addr, bins, threshold) {
                        web_sys::console::error_1(&format!("histogram: {err}").into());
                    }
                }
            },
        );
    }
    let a = &props.analysis;
    let addr = a.suspect.clone().unwrap_or_default();
    html! {
        <section class="panel histogram">
            <h2>{ "4. What did it take?" }</h2>
            if let Some(f) = &a.flows_to {
                <p class="lead" data-testid="flows-to">
                    { format!("{} flows to ", format::int(f.count)) }<strong>{ &addr }</strong>
                    { format!(" in this range: {} in total, the largest {}.", format::bytes(f.bytes_total), format::bytes(f.bytes_max)) }
                </p>
            }
            <ul class="legend">
                <li><span class="swatch to"></span>{ format!("flows to {addr}") }</li>
                if let Some(v) = &a.verdict {
                    <li><span class="swatch threshold"></span>
                        { format!("threshold mean + {}·σ = {}", format::float(v.k, 2), format::bytes_f(v.threshold)) }</li>
                }
            </ul>
            <canvas ref={canvas} class="chart" data-testid="histogram" role="img"
                aria-label={format!("Sizes of the flows to {addr}, log-scaled bins, with the threshold")}
                aria-describedby="histogram-numbers"></canvas>
            // The chart's text alternative: the bars it draws and the threshold line.
            <details class="chart-numbers" id="histogram-numbers" data-testid="histogram-numbers">
                <summary>{ "The chart's numbers" }</summary>
                <table>
                    <caption>{ format!("Flows to {addr} by size") }</caption>
                    <thead><tr>
                        <th scope="col">{ "From" }</th><th scope="col">{ "Up to" }</th>
                        <th scope="col" class="num-h">{ "Flows" }</th>
                    </tr></thead>
                    <tbody>
                        for bin in drawn_bins(a) {
                            <tr data-lo={bin.lo.to_string()} data-hi={bin.hi.to_string()} data-count={bin.count.to_string()}>
                                <td class="num">{ format::bytes(bin.lo) }</td>
                                <td class="num">{ format::bytes(bin.hi) }</td>
                                <td class="num">{ format::int(bin.count) }</td>
                            </tr>
                        }
                    </tbody>
                </table>
                if let Some(v) = &a.verdict {
                    <p>{ format!("Threshold line: mean + {}·σ = {}.", format::float(v.k, 2), format::bytes_f(v.threshold)) }</p>
                }
            </details>
        </section>
    }
}

/// The bins the chart draws a bar for (those with flows), smallest sizes first.
fn drawn_bins(analysis: &AnalysisView) -> impl Iterator<Item = &BinView> {
    analysis
        .flows_to
        .iter()
        .flat_map(|f| f.bins.iter())
        .filter(|b| b.count > 0)
}
