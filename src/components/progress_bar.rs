//! Reading progress: files, bytes and records, with Cancel while reading and Clear
//! once there is data.

use yew::prelude::*;

use crate::format;
use crate::protocol::Progress;

/// Props of [`ProgressBar`].
#[derive(Properties, PartialEq)]
pub struct ProgressBarProps {
    /// Reading is under way.
    pub reading: bool,
    /// The counters.
    pub progress: Progress,
    /// There is data to clear.
    pub has_data: bool,
    /// Cancel was pressed.
    pub on_cancel: Callback<()>,
    /// Clear was pressed.
    pub on_clear: Callback<()>,
}

/// The progress bar and its buttons.
#[function_component(ProgressBar)]
pub fn progress_bar(props: &ProgressBarProps) -> Html {
    let p = &props.progress;
    // Bytes when the queue has a byte size (files), else files (the example).
    let (value, max) = if p.bytes_total > 0 {
        (p.bytes_read as f64, p.bytes_total as f64)
    } else {
        (p.files_done as f64, p.files_total.max(1) as f64)
    };
    let on_cancel = props.on_cancel.reform(|_: MouseEvent| ());
    let on_clear = props.on_clear.reform(|_: MouseEvent| ());
    html! {
        <div class="progress-row">
            if props.reading {
                <div class="progress" data-testid="progress">
                    <progress max={max.to_string()} value={value.to_string()}></progress>
                    <span class="progress-text">
                        { format!("Reading: {} of {} files", format::int(p.files_done), format::int(p.files_total)) }
                        if p.bytes_total > 0 {
                            { format!(" · {} of {}", format::bytes(p.bytes_read), format::bytes(p.bytes_total)) }
                        }
                        { format!(" · {} records", format::int(p.records)) }
                    </span>
                    <span class="progress-file" title={p.current.clone()}>{ &p.current }</span>
                    <button type="button" class="button danger" data-testid="cancel" onclick={on_cancel}>
                        { "Cancel" }
                    </button>
                </div>
            }
            if props.has_data && !props.reading {
                <div class="progress done" data-testid="progress">
                    <span>{ "Drop more files to add them to the data set, or start over." }</span>
                    <button type="button" class="button secondary" data-testid="clear" onclick={on_clear}>
                        { "Clear" }
                    </button>
                </div>
            }
        </div>
    }
}
