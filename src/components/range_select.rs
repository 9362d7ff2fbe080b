//! The range selector: the whole data set, one UTC day, or one 10-minute aggregation
//! window of that day (a second selector lists the chosen day's windows).

use std::rc::Rc;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::format;
use crate::protocol::Summary;
use crate::share::ViewRange;
use flowlens_core::analysis::WINDOW_SECS;

/// Props of [`RangeSelect`].
#[derive(Properties, PartialEq)]
pub struct RangeSelectProps {
    /// The data set (its days and windows).
    pub summary: Rc<Summary>,
    /// The range chosen.
    pub value: ViewRange,
    /// A range was chosen.
    pub on_change: Callback<ViewRange>,
}

/// `02:10` from `02:10:00`.
fn hh_mm(secs: u32) -> String {
    let time = format::time_of_day(secs);
    time.get(..5).unwrap_or(&time).to_string()
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
            if let Some(choice) = ViewRange::decode(&select.value()) {
                on_change.emit(choice);
            }
        })
    };
    let current = props.value.encode();
    let day = props.value.day();
    let s = &props.summary;
    let option = |choice: ViewRange, label: String, selected: bool| {
        html! { <option value={choice.encode()} selected={selected}>{ label }</option> }
    };
    html! {
        <>
            <label class="range">
                <span>{ "Range" }</span>
                <select data-testid="range-select" onchange={on_change.clone()}>
                    { option(ViewRange::All, format!(
                        "Whole data set ({} – {})",
                        format::utc_opt(s.first_start),
                        format::utc_opt(s.last_end),
                    ), day.is_none()) }
                    for d in s.days.iter().copied() {
                        { option(ViewRange::Day(d), format!("{} (UTC)", format::day(d)), day == Some(d)) }
                    }
                </select>
            </label>
            if let Some(day) = day {
                <label class="range">
                    <span>{ "Window" }</span>
                    <select data-testid="window-select" onchange={on_change}>
                        { option(ViewRange::Day(day), "Whole day".to_string(), current == ViewRange::Day(day).encode()) }
                        for w in s.windows.iter().copied().filter(|w| w - w % 86_400 == day) {
                            { option(ViewRange::Window(w), format!(
                                "{}–{} UTC",
                                hh_mm(w),
                                hh_mm(w.saturating_add(WINDOW_SECS)),
                            ), current == ViewRange::Window(w).encode()) }
                        }
                    </select>
                </label>
            }
        </>
    }
}
