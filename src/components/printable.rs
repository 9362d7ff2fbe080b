//! The printable summary: the one-page summary as a page of its own over the app —
//! verdict, its numbers, the suspect's span, the two charts as images of the page's
//! own canvases (`canvas.toDataURL()`, allowed by the CSP's `img-src data:`), and the
//! evidence table (the report's first flows to the suspect, capped as in the
//! Markdown summary). The print style sheet (`@media print` in styles/main.css) prints
//! this view alone; its Print button calls `window.print()`.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::format;
use crate::protocol::Analysis;
use flowlens_core::export::markdown::{duration, verdict_rows, MAX_EVIDENCE_ROWS};
use flowlens_core::export::rfc3339_opt;

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
    pub analysis: Rc<Analysis>,
    /// The timeline image.
    pub timeline_png: Option<String>,
    /// The histogram image.
    pub histogram_png: Option<String>,
    /// The Close button was pressed.
    pub on_close: Callback<()>,
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
    let r = &a.report;
    let title = match &r.suspect {
        Some(addr) => format!("flowlens summary: {addr}"),
        None => "flowlens summary".to_string(),
    };
    let verdict = r.verdict.as_ref().map(|v| {
        let rows = verdict_rows(v);
        html! {
            <>
                <p class="verdict-sentence" data-testid="printable-verdict">
                    <strong>{ &v.summary }</strong>
                </p>
                <table class="numbers" data-testid="printable-numbers">
                    <tbody>
                        { for rows.into_iter().map(|row| html! {
                            <tr><th scope="row">{ row.label }</th><td class="num">{ row.value }</td></tr>
                        }) }
                    </tbody>
                </table>
            </>
        }
    });
    let span = r.span.as_ref().map(|s| {
        html! {
            <p data-testid="printable-span">
                { format!(
                    "First connect {}, left {}: {} ({} s), in {} session{}.",
                    format::utc(s.first_start),
                    format::utc(s.last_end),
                    duration(s.duration_secs),
                    format::int(u64::from(s.duration_secs)),
                    format::int(s.sessions_total),
                    if s.sessions_total == 1 { "" } else { "s" },
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
    let addr = r.suspect.clone().unwrap_or_default();
    let flows = r.flows_to_suspect.as_ref();
    let rows = flows.map_or(&[][..], |f| &f.flows[..]);
    let total = flows.map_or(0, |f| f.count);
    let suspect_geo = r.verdict.as_ref().and_then(|v| v.geo.clone());
    html! {
        <div class="printable-view" data-testid="printable" role="dialog" aria-label={title.clone()}>
            <div class="printable-actions no-print">
                <button type="button" class="button" data-testid="print" onclick={on_print}>{ "Print" }</button>
                <button type="button" class="button secondary" data-testid="close-printable" onclick={on_close}>{ "Close" }</button>
            </div>
            <h1>{ &title }</h1>
            <p class="muted">
                { format!("Range: {} to {}. Times are UTC.", format::utc_opt(r.range.from), format::utc_opt(r.range.to)) }
            </p>
            if let (Some(_), Some(geo)) = (&r.suspect, &suspect_geo) {
                <p data-testid="printable-who">
                    <strong>{ "Who: " }</strong>
                    { format!("{addr} — {} (registration country and autonomous system, from the offline address table)", geo.label()) }
                </p>
            }
            <h2>{ "Verdict" }</h2>
            if let Some(verdict) = verdict { { verdict } } else {
                <p>{ "No address to explain: nothing stood out in the ranking and none was given." }</p>
            }
            if r.suspect.is_some() {
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
                        { for rows.iter().take(MAX_EVIDENCE_ROWS).map(|f| {
                            let port = |p: Option<u16>| p.map(|p| p.to_string()).unwrap_or_default();
                            html! {
                                <tr>
                                    <td class="time">{ rfc3339_opt(f.start) }</td><td class="time">{ rfc3339_opt(f.end) }</td>
                                    <td class="addr">{ &f.srcaddr }</td><td class="num">{ port(f.srcport) }</td>
                                    <td class="num">{ port(f.dstport) }</td><td class="num">{ format::int(f.bytes) }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if total > MAX_EVIDENCE_ROWS as u64 {
                    <p class="muted">{ format!("The first {MAX_EVIDENCE_ROWS} of {} flows; the flows CSV has them all.", format::int(total)) }</p>
                }
            }
        </div>
    }
}
