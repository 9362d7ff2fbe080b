//! "Download report" and the other forms of the same report: the JSON report (the same
//! bytes as `flowlens analyze --json`), the one-page Markdown summary, the sources and
//! the flows to the suspect as CSV (the same bytes as `--output md|csv|flows-csv`, made
//! by the worker with the CLI's functions), and the printable summary view.

use std::rc::Rc;

use yew::prelude::*;

use super::printable::{chart_images, PrintableSummary};
use crate::protocol::AnalysisView;

/// A file to save: its text, its name and its MIME type.
#[derive(Clone, Debug, PartialEq)]
pub struct Download {
    /// The contents.
    pub text: String,
    /// The file name.
    pub file_name: String,
    /// The MIME type.
    pub mime: &'static str,
}

/// Props of [`DownloadButton`].
#[derive(Properties, PartialEq)]
pub struct DownloadButtonProps {
    /// The analysis whose report is saved (none: the buttons are disabled).
    pub analysis: Option<Rc<AnalysisView>>,
    /// A button was pressed, with the file to save.
    pub on_download: Callback<Download>,
}

/// Which form of the report a button saves.
#[derive(Clone, Copy)]
enum Form {
    Json,
    Markdown,
    SourcesCsv,
    FlowsCsv,
}

impl Form {
    fn file(self, a: &AnalysisView) -> Download {
        let suffix = a
            .suspect
            .as_deref()
            .map(|addr| format!("-{}", addr.replace([':', '.'], "-")))
            .unwrap_or_default();
        let (kind, ext, text, mime) = match self {
            Form::Json => ("report", "json", &a.report_json, "application/json"),
            Form::Markdown => ("summary", "md", &a.report_md, "text/markdown"),
            Form::SourcesCsv => ("sources", "csv", &a.sources_csv, "text/csv"),
            Form::FlowsCsv => ("flows-to-suspect", "csv", &a.flows_csv, "text/csv"),
        };
        Download {
            text: text.clone(),
            file_name: format!("flowlens-{kind}{suffix}.{ext}"),
            mime,
        }
    }
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
    let button = |form: Form, testid: &'static str, label: &'static str| {
        let analysis = props.analysis.clone();
        let on_download = props.on_download.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            if let Some(a) = &analysis {
                on_download.emit(form.file(a));
            }
        });
        let class = if matches!(form, Form::Json) {
            "button"
        } else {
            "button secondary"
        };
        html! {
            <button type="button" class={class} data-testid={testid}
                disabled={props.analysis.is_none()} onclick={onclick}>
                { label }
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
                { button(Form::Json, "download-report", "Download report (JSON)") }
                { button(Form::Markdown, "download-md", "Summary (.md)") }
                { button(Form::SourcesCsv, "download-sources-csv", "Sources (.csv)") }
                { button(Form::FlowsCsv, "download-flows-csv", "Flows to suspect (.csv)") }
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
