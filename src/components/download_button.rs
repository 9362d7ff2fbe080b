//! "Download report" and the other forms of the same report: the JSON report (the same
//! bytes as `flowlens analyze --json`), the one-page Markdown summary, every source and
//! every flow to the suspect as CSV (the same bytes as `--output md|csv|flows-csv`).
//! The worker makes each with the CLI's functions and streams it in chunks; the page
//! joins them into a file without holding it. Also the printable summary view.

use std::rc::Rc;

use yew::prelude::*;

use super::printable::{chart_images, PrintableSummary};
use crate::protocol::{Analysis, ExportKind};

/// Props of [`DownloadButton`].
#[derive(Properties, PartialEq)]
pub struct DownloadButtonProps {
    /// The analysis whose report is saved (none: the buttons are disabled).
    pub analysis: Option<Rc<Analysis>>,
    /// The export under way, if any (its button says so).
    pub exporting: Option<ExportKind>,
    /// A button was pressed.
    pub on_export: Callback<ExportKind>,
}

/// The file name of an export of `analysis`: `flowlens-report-201-48-16-81.json`.
pub fn file_name(kind: ExportKind, analysis: &Analysis) -> String {
    let suffix = analysis
        .report
        .suspect
        .as_deref()
        .map(|addr| format!("-{}", addr.replace([':', '.'], "-")))
        .unwrap_or_default();
    let (stem, ext) = match kind {
        ExportKind::ReportJson => ("report", "json"),
        ExportKind::SummaryMd => ("summary", "md"),
        ExportKind::SourcesCsv => ("sources", "csv"),
        ExportKind::FlowsCsv => ("flows-to-suspect", "csv"),
    };
    format!("flowlens-{stem}{suffix}.{ext}")
}

/// The page's `<body>`, where the printable view is shown.
fn page_body() -> Option<web_sys::Element> {
    Some(web_sys::window()?.document()?.body()?.into())
}

/// The download buttons and the printable summary.
#[function_component(DownloadButton)]
pub fn download_button(props: &DownloadButtonProps) -> Html {
    // The printable view, open with the chart images taken when it was opened.
    let printable = use_state(|| None::<(Option<String>, Option<String>)>);
    let button = |kind: ExportKind, testid: &'static str, label: &'static str| {
        let on_export = props.on_export.clone();
        let onclick = Callback::from(move |_: MouseEvent| on_export.emit(kind));
        let class = if kind == ExportKind::ReportJson {
            "button"
        } else {
            "button secondary"
        };
        let busy = props.exporting == Some(kind);
        html! {
            <button type="button" class={class} data-testid={testid} aria-busy={busy.to_string()}
                disabled={props.analysis.is_none() || props.exporting.is_some()} onclick={onclick}>
                { if busy { "Preparing…" } else { label } }
            </button>
        }
    };
    let open_printable = {
        let printable = printable.clone();
        Callback::from(move |_: MouseEvent| printable.set(Some(chart_images())))
    };
    let close_printable = {
        let printable = printable.clone();
        Callback::from(move |()| printable.set(None))
    };
    html! {
        <>
            <span class="downloads">
                { button(ExportKind::ReportJson, "download-report", "Download report (JSON)") }
                { button(ExportKind::SummaryMd, "download-md", "Summary (.md)") }
                { button(ExportKind::SourcesCsv, "download-sources-csv", "Sources (.csv)") }
                { button(ExportKind::FlowsCsv, "download-flows-csv", "Flows to suspect (.csv)") }
                <button type="button" class="button secondary" data-testid="open-printable"
                    disabled={props.analysis.is_none()} onclick={open_printable}>
                    { "Printable summary" }
                </button>
            </span>
            if let (Some(analysis), Some((timeline, histogram)), Some(body)) =
                (props.analysis.clone(), (*printable).clone(), page_body()) {
                // NOTE: a portal into <body>: the panels' `contain: content` would make
                // a panel the box of a `position: fixed` view, and printing hides every
                // other child of <body>.
                { create_portal(html! {
                    <PrintableSummary analysis={analysis} timeline_png={timeline}
                        histogram_png={histogram} on_close={close_printable} />
                }, body) }
            }
        </>
    }
}
