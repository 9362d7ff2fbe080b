//! Where data comes in: the drop zone (the whole page accepts drops; this is where the
//! eye goes), the file and folder pickers, and the example button.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::files::{from_file_list, Picked};

/// Props of [`DropZone`].
#[derive(Properties, PartialEq)]
pub struct DropZoneProps {
    /// False until the worker is ready.
    pub enabled: bool,
    /// A drag is over the page.
    pub dragging: bool,
    /// Files were picked.
    pub on_files: Callback<Vec<Picked>>,
    /// The example button was pressed.
    pub on_example: Callback<()>,
}

/// The drop zone with its pickers.
#[function_component(DropZone)]
pub fn drop_zone(props: &DropZoneProps) -> Html {
    let on_pick = {
        let on_files = props.on_files.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Some(list) = input.files() {
                let picked = from_file_list(&list);
                if !picked.is_empty() {
                    on_files.emit(picked);
                }
            }
            // Picking the same files again must fire `change` again.
            input.set_value("");
        })
    };
    let on_example = props.on_example.reform(|_: MouseEvent| ());
    let on_format = Callback::from(|event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        crate::files::remember_format(&input.value());
    });
    let format = crate::files::remembered_format().unwrap_or_default();
    let disabled = !props.enabled;
    html! {
        <div class={classes!("drop-zone", props.dragging.then_some("dragging"))} data-testid="drop-zone">
            <p class="drop-line">
                { "Drop VPC flow log files or a whole folder here (" }
                <code>{ ".log" }</code>{ ", " }<code>{ ".log.gz" }</code>{ ", " }<code>{ ".parquet" }</code>
                { ", CloudWatch Logs exports, Firehose objects, " }<code>{ ".zip" }</code>
                { "). They are read in this tab and never leave your machine." }
            </p>
            <label class="format-box">
                { "Record format of files without a header line (CloudWatch Logs, Firehose; empty: the default 14 fields): " }
                <input type="text" data-testid="format-input" value={format} onchange={on_format}
                    placeholder="version account-id interface-id srcaddr dstaddr …" spellcheck="false" />
            </label>
            <div class="pickers">
                <label class={classes!("button", disabled.then_some("disabled"))}>
                    { "Choose files…" }
                    <input type="file" multiple=true data-testid="file-input" class="visually-hidden"
                        disabled={disabled} onchange={on_pick.clone()} />
                </label>
                <label class={classes!("button", disabled.then_some("disabled"))}>
                    { "Choose a folder…" }
                    <input type="file" multiple=true webkitdirectory=true data-testid="folder-input"
                        class="visually-hidden" disabled={disabled} onchange={on_pick} />
                </label>
                <button type="button" class="button secondary" data-testid="example-button"
                    disabled={disabled} onclick={on_example}>
                    { "Load the example week" }
                </button>
            </div>
        </div>
    }
}
