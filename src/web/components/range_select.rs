//! The range selector: the whole data set, one UTC day, or one 10-minute aggregation
//! window (every window present is listed under its day).

use std::rc::Rc;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::analysis::WINDOW_SECS;
use crate::web::format;
use crate::web::protocol::{RangeChoice, Summary};

/// Props of [`RangeSelect`].
#[derive(Properties, PartialEq)]
pub struct RangeSelectProps {
    /// The data set (its days and windows).
    pub summary: Rc<Summary>,
    /// The range chosen.
    pub value: RangeChoice,
    /// A range was chosen.
    pub on_change: Callback<RangeChoice>,
}

/// `all`, `day:<secs>`, `window:<secs>`: the option values.
pub fn encode(choice: RangeChoice) -> String {
    match choice {
        RangeChoice::All => "all".to_string(),
        RangeChoice::Day(s) => format!("day:{s}"),
        RangeChoice::Window(s) => format!("window:{s}"),
    }
}

/// The inverse of [`encode`].
pub fn decode(value: &str) -> Option<RangeChoice> {
    if value == "all" {
        return Some(RangeChoice::All);
    }
    let (kind, secs) = value.split_once(':')?;
    let secs = secs.parse().ok()?;
    match kind {
        "day" => Some(RangeChoice::Day(secs)),
        "window" => Some(RangeChoice::Window(secs)),
        _ => None,
    }
}

/// The range `<select>`.
#[function_component(RangeSelect)]
pub fn range_select(props: &RangeSelectProps) -> Html {
    let on_change = {
        let on_change = props.on_change.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            if let Some(choice) = decode(&select.value()) {
                on_change.emit(choice);
            }
        })
    };
    let current = encode(props.value);
    let s = &props.summary;
    let option = |choice: RangeChoice, label: String| {
        let value = encode(choice);
        let selected = value == current;
        html! { <option value={value} selected={selected}>{ label }</option> }
    };
    html! {
        <label class="range">
            <span>{ "Range" }</span>
            <select data-testid="range-select" onchange={on_change}>
                { option(RangeChoice::All, format!(
                    "Whole data set ({} – {})",
                    format::utc_opt(s.first_start),
                    format::utc_opt(s.last_end),
                )) }
                for day in s.days.iter().copied() {
                    <optgroup label={format::day(day)}>
                        { option(RangeChoice::Day(day), format!("{} (whole day, UTC)", format::day(day))) }
                        for w in s.windows.iter().copied().filter(|w| w - w % 86_400 == day) {
                            { option(RangeChoice::Window(w), format!(
                                "{} {}–{} UTC",
                                format::day(w),
                                &format::time_of_day(w)[..5],
                                &format::time_of_day(w.saturating_add(WINDOW_SECS))[..5],
                            )) }
                        }
                    </optgroup>
                }
            </select>
        </label>
    }
}
