//! The range selector: the whole data set, one UTC day, or one 10-minute aggregation
//! window of that day (a second selector lists the chosen day's windows).

use std::rc::Rc;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::format;
use crate::protocol::{RangeChoice, Summary};
use flowlens_core::analysis::WINDOW_SECS;

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

/// `02:10` from `02:10:00`.
fn hh_mm(secs: u32) -> String {
    let time = format::time_of_day(secs);
    time.get(..5).unwrap_or(&time).to_string()
}

/// The UTC day a range lies in (`None` for the whole data set).
fn day_of(choice: RangeChoice) -> Option<u32> {
    match choice {
        RangeChoice::All => None,
        RangeChoice::Day(d) => Some(d),
        RangeChoice::Window(w) => Some(w - w % 86_400),
    }
}

/// The range: a `<select>` of the whole data set or one day, then, when a day is
/// chosen, a second `<select>` of that day's windows.
/// NOTE: two selects rather than one with every window: a week has about a thousand
/// 10-minute windows, and a thousand `<option>`s cost the page over 100 ms of layout.
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
    let day = day_of(props.value);
    let s = &props.summary;
    let option = |choice: RangeChoice, label: String, selected: bool| {
        html! { <option value={encode(choice)} selected={selected}>{ label }</option> }
    };
    html! {
        <>
            <label class="range">
                <span>{ "Range" }</span>
                <select data-testid="range-select" onchange={on_change.clone()}>
                    { option(RangeChoice::All, format!(
                        "Whole data set ({} – {})",
                        format::utc_opt(s.first_start),
                        format::utc_opt(s.last_end),
                    ), day.is_none()) }
                    for d in s.days.iter().copied() {
                        { option(RangeChoice::Day(d), format!("{} (UTC)", format::day(d)), day == Some(d)) }
                    }
                </select>
            </label>
            if let Some(day) = day {
                <label class="range">
                    <span>{ "Window" }</span>
                    <select data-testid="window-select" onchange={on_change}>
                        { option(RangeChoice::Day(day), "Whole day".to_string(), current == encode(RangeChoice::Day(day))) }
                        for w in s.windows.iter().copied().filter(|w| w - w % 86_400 == day) {
                            { option(RangeChoice::Window(w), format!(
                                "{}–{} UTC",
                                hh_mm(w),
                                hh_mm(w.saturating_add(WINDOW_SECS)),
                            ), current == encode(RangeChoice::Window(w))) }
                        }
                    </select>
                </label>
            }
        </>
    }
}
