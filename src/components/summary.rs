//! What was read: files, records, time range, NODATA/SKIPDATA, and every diagnostic
//! as `file:line: reason`.

use std::rc::Rc;

use yew::prelude::*;

use crate::format;
use crate::protocol::Summary;

/// Props of [`SummaryPanel`].
#[derive(Properties, PartialEq)]
pub struct SummaryPanelProps {
    /// The data set.
    pub summary: Rc<Summary>,
}

/// The summary and diagnostics panel.
#[function_component(SummaryPanel)]
pub fn summary_panel(props: &SummaryPanelProps) -> Html {
    let s = &props.summary;
    let shown = s.diagnostics.len() as u64;
    html! {
        <section class="panel summary" data-testid="summary" data-parse-workers={s.parse_workers.to_string()}>
            <h2>{ "What was read" }</h2>
            <dl class="facts">
                <div><dt>{ "Files" }</dt><dd data-field="files">{ format::int(s.files) }</dd></div>
                <div><dt>{ "Records" }</dt><dd data-field="records">{ format::int(s.records) }</dd></div>
                <div><dt>{ "Bytes read" }</dt>
                    <dd>{ format!("{} ({} of text)", format::bytes(s.bytes_read), format::bytes(s.text_bytes)) }</dd></div>
                <div><dt>{ "From" }</dt><dd>{ format::utc_opt(s.first_start) }</dd></div>
                <div><dt>{ "To" }</dt><dd>{ format::utc_opt(s.last_end) }</dd></div>
                <div><dt>{ "NODATA" }</dt><dd data-field="nodata">{ format::int(s.nodata) }</dd></div>
                <div class={classes!((s.skipdata > 0).then_some("warn"))}>
                    <dt>{ "SKIPDATA" }</dt><dd data-field="skipdata">{ format::int(s.skipdata) }</dd></div>
            </dl>
            if s.skipdata > 0 {
                <p class="warn">{ "AWS dropped records in some intervals (SKIPDATA): the evidence there is incomplete." }</p>
            }
            if let Some(limit) = s.record_limit {
                <p class="warn">{ format!(
                    "The page keeps at most {} records (a browser tab's memory): reading stopped there and later files were not read. The flowlens command line reads data of any size.",
                    format::int(limit),
                ) }</p>
            }
            if s.cancelled {
                <p class="warn">{ "Reading was cancelled: the data set holds only the files read before that." }</p>
            }
            <div class="diagnostics" data-testid="diagnostics" data-count={s.diagnostics_total.to_string()}>
                if s.diagnostics_total == 0 {
                    <p class="ok">{ "No problems found in the files." }</p>
                } else {
                    <details open={s.diagnostics_total <= 20}>
                        <summary>{ format!("{} problem(s) found; everything readable was still analysed", format::int(s.diagnostics_total)) }</summary>
                        <ul>
                            for d in s.diagnostics.iter() {
                                <li><code>{ d.to_string() }</code></li>
                            }
                        </ul>
                        if s.diagnostics_total > shown {
                            <p>{ format!("… and {} more (the downloaded report lists them all).", format::int(s.diagnostics_total - shown)) }</p>
                        }
                    </details>
                }
            </div>
        </section>
    }
}
