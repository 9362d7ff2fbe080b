//! "Download report": saves the JSON report of the current range and address, the same
//! bytes as `flowlens analyze --json`.

use std::rc::Rc;

use yew::prelude::*;

use crate::web::protocol::AnalysisView;

/// Props of [`DownloadButton`].
#[derive(Properties, PartialEq)]
pub struct DownloadButtonProps {
    /// The analysis whose report is saved (none: the button is disabled).
    pub analysis: Option<Rc<AnalysisView>>,
    /// The button was pressed, with the report text and a file name.
    pub on_download: Callback<(String, String)>,
}

/// The download button.
#[function_component(DownloadButton)]
pub fn download_button(props: &DownloadButtonProps) -> Html {
    let onclick = {
        let analysis = props.analysis.clone();
        let on_download = props.on_download.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(a) = &analysis {
                let name = match &a.suspect {
                    Some(addr) => format!("flowlens-report-{}.json", addr.replace([':', '.'], "-")),
                    None => "flowlens-report.json".to_string(),
                };
                on_download.emit((a.report_json.clone(), name));
            }
        })
    };
    html! {
        <button type="button" class="button" data-testid="download-report"
            disabled={props.analysis.is_none()} onclick={onclick}>
            { "Download report (JSON)" }
        </button>
    }
}
