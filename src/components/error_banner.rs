//! The error banner: one place where problems become words for the user.

use yew::prelude::*;

/// Props of [`ErrorBanner`].
#[derive(Properties, PartialEq)]
pub struct ErrorBannerProps {
    /// The message (shown as text).
    pub message: String,
    /// The close button was pressed.
    pub on_dismiss: Callback<()>,
}

/// A dismissable error message.
#[function_component(ErrorBanner)]
pub fn error_banner(props: &ErrorBannerProps) -> Html {
    let on_dismiss = props.on_dismiss.reform(|_: MouseEvent| ());
    html! {
        <div class="banner error" role="alert" data-testid="error">
            <span>{ &props.message }</span>
            <button type="button" class="link" onclick={on_dismiss}>{ "Dismiss" }</button>
        </div>
    }
}
