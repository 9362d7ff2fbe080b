//! What was read: files, records, time range, NODATA/SKIPDATA, per form, records
//! folded as repeats, the problems (errors and warnings) as `file:line: reason`, and
//! the notes (empty and header-only files, which are normal) folded away.

use std::rc::Rc;

use yew::prelude::*;

use crate::format;
use crate::protocol::Summary;
use flowlens_core::flow::summarize;
use flowlens_core::units;

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
    let problems = s.severities.problems();
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
            if let Some(stop) = &s.reading_stop {
                <p class="warn" data-testid="reading-stop" data-files={stop.files.to_string()}
                    data-records={stop.records.to_string()} data-text-bytes={stop.text_bytes.to_string()}
                    data-held-bytes={stop.held_bytes.to_string()} data-budget-bytes={stop.budget_bytes.to_string()}>
                    { stop.message() }</p>
            } else if let Some(limit) = s.record_limit {
                <p class="warn">{ format!(
                    "The page keeps at most {} records (a browser tab's memory): reading stopped there and later files were not read. The flowlens command line reads data of any size.",
                    format::int(limit),
                ) }</p>
            }
            if s.cancelled {
                <p class="warn">{ "Reading was cancelled: the data set holds only the files read before that." }</p>
            }
            if s.forms.len() > 1 || s.forms.iter().any(|f| f.format_assumed > 0) || s.folded > 0 {
                <table class="forms" data-testid="forms">
                    <caption>{ "By form" }</caption>
                    <thead><tr>
                        <th>{ "Form" }</th><th class="num-h">{ "Files" }</th><th class="num-h">{ "Records" }</th>
                        <th class="num-h" title="Files without a header line, read in the format assumed (the default, or the one given)">{ "Format assumed" }</th>
                    </tr></thead>
                    <tbody>
                        for f in s.forms.iter() {
                            <tr data-form={format!("{:?}", f.form)}>
                                <td>{ f.form.describe() }</td><td class="num">{ format::int(f.files) }</td>
                                <td class="num">{ format::int(f.records) }</td><td class="num">{ format::int(f.format_assumed) }</td>
                            </tr>
                        }
                    </tbody>
                </table>
            }
            if s.folded > 0 {
                <p data-testid="folded">{ format!(
                    "{} records were in two files or forms (the same records given twice): each was counted once.",
                    format::int(s.folded),
                ) }</p>
            }
            <div class="diagnostics" data-testid="diagnostics" data-count={problems.to_string()}>
                if problems == 0 {
                    <p class="ok">{ "No problems found in the files." }</p>
                } else {
                    <details open={problems <= 20}>
                        <summary>{ format!(
                            "{} ({}, {}); everything readable was still analysed",
                            units::count(problems, "problem"),
                            units::count(s.severities.errors, "error"),
                            units::count(s.severities.warnings, "warning"),
                        ) }</summary>
                        <ul>
                            for d in s.diagnostics.iter() {
                                <li class={d.severity.name()}><code>{ d.to_string() }</code></li>
                            }
                        </ul>
                        if problems > shown {
                            <p>{ format!("… and {} more (the downloaded report lists them all).", format::int(problems - shown)) }</p>
                        }
                    </details>
                }
            </div>
            if s.severities.notes > 0 {
                <details class="notes" data-testid="notes" data-count={s.severities.notes.to_string()}>
                    <summary>{ format!("{}: nothing wrong, for your information", units::count(s.severities.notes, "note")) }</summary>
                    <ul>
                        for group in summarize(&s.notes, 3).iter() {
                            <li class="group">{ format!("{} {}", format::int(group.count), group.kind.summary()) }</li>
                        }
                        for d in s.notes.iter() {
                            <li class="note"><code>{ d.to_string() }</code></li>
                        }
                    </ul>
                    if s.severities.notes > s.notes.len() as u64 {
                        <p>{ format!("… and {} more notes.", format::int(s.severities.notes - s.notes.len() as u64)) }</p>
                    }
                </details>
            }
        </section>
    }
}
