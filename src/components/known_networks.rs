//! The known-networks box: CIDR blocks of the user's own networks (remembered in this
//! browser's localStorage), which the sources table and the ranking class `known`
//! instead of `public`.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// Props of [`KnownNetworks`].
#[derive(Properties, PartialEq)]
pub struct KnownNetworksProps {
    /// The text as typed.
    pub text: String,
    /// One message per entry that is not a CIDR block.
    pub errors: Vec<String>,
    /// The text changed.
    pub on_change: Callback<String>,
}

/// The box and its errors.
#[function_component(KnownNetworks)]
pub fn known_networks(props: &KnownNetworksProps) -> Html {
    let on_input = props.on_change.reform(|event: InputEvent| {
        let area: HtmlTextAreaElement = event.target_unchecked_into();
        area.value()
    });
    html! {
        <div class="known">
            <label>
                <span>{ "Your own networks (CIDR, e.g. 203.0.113.0/24; one per line or comma-separated) — classed " }<em>{ "known" }</em>{ ":" }</span>
                <textarea data-testid="known-cidrs" rows="2" spellcheck="false"
                    value={props.text.clone()} oninput={on_input} />
            </label>
            if !props.errors.is_empty() {
                <ul class="field-errors">
                    for e in props.errors.iter() { <li>{ e }</li> }
                </ul>
            }
        </div>
    }
}
