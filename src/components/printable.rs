//! The printable summary: the one-page summary as a page of its own over the app —
//! verdict, its numbers, the suspect's span, the two charts as images of the page's
//! own canvases (`canvas.toDataURL()`, allowed by the CSP's `img-src data:`), and the
//! evidence table (the rows of the flows CSV the worker made, capped as in the
//! Markdown summary). The print style sheet (`@media print` in styles/main.css) prints
//! this view alone; its Print button calls `window.print()`.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::format;
use crate::protocol::AnalysisView;
use flowlens_core::export::markdown::{bytes, duration, MAX_EVIDENCE_ROWS};

/// The timeline and histogram canvases as PNG `data:` URLs (`None` when absent).
pub fn chart_images() -> (Option<String>, Option<String>) {
    let image = |testid: &str| -> Option<String> {
        let canvas: HtmlCanvasElement = web_sys::window()?
            .document()?
            .query_selector(&format!("canvas[data-testid=\"{testid}\"]"))
            .ok()??
            .dyn_into()
            .ok()?;
        canvas.to_data_url().ok()
    };
    (image("timeline"), image("histogram"))
}

/// Props of [`PrintableSummary`].
#[derive(Properties, PartialEq)]
pub struct PrintableSummaryProps {
    /// The analysis summarised.
    pub analysis: Rc<AnalysisView>,
    /// The timeline image.
    pub timeline_png: Option<String>,
    /// The histogram image.
    pub histogram_png: Option<String>,
    /// The Close button was pressed.
    pub on_close: Callback<()>,
}

/// The rows of the flows CSV (header dropped); unreadable rows are skipped.
fn evidence_rows(flows_csv: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(flows_csv.as_bytes())
        .records()
        .filter_map(Result::ok)
        .map(|r| r.iter().map(str::to_string).collect())
        .collect()
}

/// The printable summary view.
#[function_component(PrintableSummary)]
pub fn printable_summary(props: &PrintableSummaryProps) -> Html {
    let a = &props.analysis;
    let on_print = Callback::from(|_: MouseEvent| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    });
    let on_close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let title = match &a.suspect {
        Some(addr) => format!("flowlens summary: {addr}"),
        None => "flowlens summary".to_string(),
    };
    let verdict = a.verdict.as_ref().map(|v| {
        let port = match v.service_port {
            Some(p) if v.service_port_detected => format!("{p} (detected)"),
            Some(p) => p.to_string(),
            None => "none found".to_string(),
        };
        let rows: [(&str, String); 15] = [
            ("Suspect", v.addr.clone()),
            ("Service port", port),
            (
                "Baseline flows (n)",
                format!(
                    "{}{}",
                    format::int(v.baseline_flows),
                    if v.excludes_suspect {
                        " (suspect's own flows left out)"
                    } else {
                        " (suspect's own flows included)"
                    }
                ),
            ),
            ("Baseline mean", bytes(v.mean)),
            ("Baseline σ", bytes(v.stddev)),
            ("k", format::float(v.k, 2)),
            ("Threshold (mean + k·σ)", bytes(v.threshold)),
            ("Robust: median", bytes(v.median)),
            ("Robust: MAD", bytes(v.mad)),
            ("Robust: p99", bytes(v.p99)),
            (
                "Baseline flows above threshold",
                format::int(v.baseline_flows_above),
            ),
            (
                "Suspect's flows from the service port",
                format::int(v.suspect_flows),
            ),
            (
                "Suspect's flows above threshold",
                format::int(v.above_flows),
            ),
            ("Bytes above threshold", bytes(v.above_bytes_total as f64)),
            ("Average of those flows", bytes(v.above_bytes_avg)),
        ];
        html! {
            <>
                <p class="verdict-sentence" data-testid="printable-verdict">
                    <strong>{ &v.summary }</strong>
                </p>
                <table class="numbers" data-testid="printable-numbers">
                    <tbody>
                        { for rows.into_iter().map(|(name, value)| html! {
                            <tr><th scope="row">{ name }</th><td class="num">{ value }</td></tr>
                        }) }
                    </tbody>
                </table>
            </>
        }
    });
    let span = a.span.as_ref().map(|s| {
        html! {
            <p data-testid="printable-span">
                { format!(
                    "First connect {}, left {}: {} ({} s), in {} session{}.",
                    format::utc(s.first_start),
                    format::utc(s.last_end),
                    duration(s.duration_secs),
                    format::int(u64::from(s.duration_secs)),
                    s.sessions.len(),
                    if s.sessions.len() == 1 { "" } else { "s" },
                ) }
            </p>
        }
    });
    let image = |src: &Option<String>, alt: String, testid: &'static str| match src {
        Some(src) => {
            html! { <img class="chart-image" src={src.clone()} alt={alt} data-testid={testid} /> }
        }
        None => html! { <p class="muted">{ "(No chart to show.)" }</p> },
    };
    let addr = a.suspect.clone().unwrap_or_default();
    let rows = evidence_rows(&a.flows_csv);
    let total = rows.len();
    html! {
        <div class="printable-view" data-testid="printable" role="dialog" aria-label={title.clone()}>
            <div class="printable-actions no-print">
                <button type="button" class="button" data-testid="print" onclick={on_print}>{ "Print" }</button>
                <button type="button" class="button secondary" data-testid="close-printable" onclick={on_close}>{ "Close" }</button>
            </div>
            <h1>{ &title }</h1>
            <p class="muted">
                { format!("Range: {} to {}. Times are UTC.", format::utc_opt(a.range_from), format::utc_opt(a.range_to)) }
            </p>
            if let (Some(_), Some(geo)) = (&a.suspect, &a.suspect_geo) {
                <p data-testid="printable-who">
                    <strong>{ "Who: " }</strong>
                    { format!("{addr} — {} (registration country and autonomous system, from the offline address table)", geo.label()) }
                </p>
            }
            <h2>{ "Verdict" }</h2>
            if let Some(verdict) = verdict { { verdict } } else {
                <p>{ "No address to explain: nothing stood out in the ranking and none was given." }</p>
            }
            if a.suspect.is_some() {
                <h2>{ format!("When {addr} was there") }</h2>
                { span.unwrap_or_default() }
                <h2>{ "Timeline" }</h2>
                { image(&props.timeline_png, format!("Timeline of {addr}: flows from it (blue) and to it (red)"), "printable-timeline") }
                <h2>{ format!("Sizes of the flows to {addr}") }</h2>
                { image(&props.histogram_png, format!("Histogram of the sizes of the flows to {addr}, threshold as a black line"), "printable-histogram") }
                <h2>{ format!("Evidence: flows to {addr}") }</h2>
                <table class="evidence" data-testid="printable-evidence">
                    <thead>
                        <tr>
                            <th>{ "start (UTC)" }</th><th>{ "end (UTC)" }</th><th>{ "srcaddr" }</th>
                            <th class="num-h">{ "srcport" }</th><th class="num-h">{ "dstport" }</th><th class="num-h">{ "bytes" }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for rows.iter().take(MAX_EVIDENCE_ROWS).map(|r| {
                            let c = |i: usize| r.get(i).cloned().unwrap_or_default();
                            let bytes = c(6).parse::<u64>().map(format::int).unwrap_or_else(|_| c(6));
                            html! {
                                <tr>
                                    <td class="time">{ c(0) }</td><td class="time">{ c(1) }</td>
                                    <td class="addr">{ c(2) }</td><td class="num">{ c(3) }</td>
                                    <td class="num">{ c(5) }</td><td class="num">{ bytes }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if total > MAX_EVIDENCE_ROWS {
                    <p class="muted">{ format!("The first {MAX_EVIDENCE_ROWS} of {} flows; the flows CSV has them all.", format::int(total as u64)) }</p>
                }
            }
        </div>
    }
}
