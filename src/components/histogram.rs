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
use flowlens_core::analysis::flows::Bin;

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
    let bins = r.histogram.as_ref().map_or(&[][..], |h| &h.bins[..]);
    let threshold = r.verdict.as_ref().map(|v| (v.k, v.baseline.threshold));
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
            <canvas ref={canvas} class="chart" data-testid="histogram" role="img"
                aria-label={format!("Sizes of the flows to {addr}, log-scaled bins, with the threshold")}
                aria-describedby="histogram-numbers"></canvas>
            // The chart's text alternative: the bars it draws and the threshold line, in
            // a sentence (the canvas's description: shown, so that a screen reader reads
            // it) and in a table.
            <p class="chart-text" id="histogram-numbers" data-testid="histogram-text">
                { bins_sentence(&addr, drawn_bins(bins), threshold) }
            </p>
            <details class="chart-numbers" data-testid="histogram-numbers">
                <summary>{ "The chart's numbers" }</summary>
                <table>
                    <caption>{ format!("Flows to {addr} by size") }</caption>
                    <thead><tr>
                        <th scope="col">{ "From" }</th><th scope="col">{ "Up to" }</th>
                        <th scope="col" class="num-h">{ "Flows" }</th>
                    </tr></thead>
                    <tbody>
                        for bin in drawn_bins(bins) {
                            <tr data-lo={bin.lo.to_string()} data-hi={bin.hi.to_string()} data-count={bin.count.to_string()}>
                                <td class="num">{ format::bytes(bin.lo) }</td>
                                <td class="num">{ format::bytes(bin.hi) }</td>
                                <td class="num">{ format::int(bin.count) }</td>
                            </tr>
                        }
                    </tbody>
                </table>
            </details>
        </section>
    }
}

/// "Flows to …, by size: 22 of 1.00 KB to 2.00 KB, …; the threshold …".
fn bins_sentence<'a>(
    addr: &str,
    bins: impl Iterator<Item = &'a Bin>,
    threshold: Option<(f64, f64)>,
) -> String {
    let bars: Vec<String> = bins
        .map(|b| {
            format!(
                "{} of {} to {}",
                format::int(b.count),
                format::bytes(b.lo),
                format::bytes(b.hi)
            )
        })
        .collect();
    let mut sentence = if bars.is_empty() {
        format!("No flows to {addr}.")
    } else {
        format!("Flows to {addr}, by size: {}.", bars.join(", "))
    };
    if let Some((k, threshold)) = threshold {
        sentence.push_str(&format!(
            " The threshold line: mean + {}·σ = {}.",
            format::float(k, 2),
            format::bytes_f(threshold)
        ));
    }
    sentence
}

/// The bins the chart draws a bar for (those with flows), smallest sizes first.
fn drawn_bins(bins: &[Bin]) -> impl Iterator<Item = &Bin> {
    bins.iter().filter(|b| b.count > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(lo: u64, count: u64) -> Bin {
        Bin {
            lo,
            hi: lo * 2,
            count,
        }
    }

    #[test]
    fn the_sentence_names_every_bar_and_the_threshold() {
        let bins = [bin(1024, 22), bin(2048, 0), bin(4096, 3)];
        let cases = [
            (
                &bins[..],
                None,
                format!(
                    "Flows to a, by size: 22 of {} to {}, 3 of {} to {}.",
                    format::bytes(1024),
                    format::bytes(2048),
                    format::bytes(4096),
                    format::bytes(8192)
                ),
            ),
            (
                &bins[..1],
                Some((3.0, 7752.22)),
                format!(
                    "Flows to a, by size: 22 of {} to {}. The threshold line: mean + {}·σ = {}.",
                    format::bytes(1024),
                    format::bytes(2048),
                    format::float(3.0, 2),
                    format::bytes_f(7752.22)
                ),
            ),
            (&[][..], None, "No flows to a.".to_string()),
        ];
        for (bins, threshold, want) in cases {
            assert_eq!(bins_sentence("a", drawn_bins(bins), threshold), want);
        }
    }
}
