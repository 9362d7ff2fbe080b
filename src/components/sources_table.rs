//! Question 1, "who talked to it?": every source address of the range, however many
//! (a busy week has millions), in a virtual table: the worker keeps the full table and
//! sends one page at a time, sorted by any column and filtered by class, by text or
//! by CIDR; only the rows in view (and a margin) are drawn. Country and AS come with
//! each page. A click (or Enter on the address) selects an address for every panel.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::format;
use crate::protocol::{Analysis, AnalyzeRequest, GeoStatus, SourcesPageRequest};
use crate::virtual_rows::{View, ROW_PX};
use flowlens_core::analysis::sources::{Source, SourceFilter, SourcePage, SourceSort};
use flowlens_core::flow::addr::AddrClass;
use flowlens_core::flow::Cidr;
use flowlens_core::geo::Geo;

/// The scroll box's height when it cannot be measured.
const DEFAULT_VIEWPORT_PX: f64 = 20.0 * ROW_PX;

/// A page the worker sent, with the request it answers.
pub type SourcesPageView = (SourcesPageRequest, Result<SourcePage, String>);

/// Props of [`SourcesTable`].
#[derive(Properties, PartialEq)]
pub struct SourcesTableProps {
    /// The analysis whose sources are listed (its request names the range).
    pub analysis: Rc<Analysis>,
    /// The last page the worker sent.
    pub page: Option<Rc<SourcesPageView>>,
    /// The address selected.
    pub selected: Option<String>,
    /// An address was clicked.
    pub on_select: Callback<String>,
    /// A page of rows is needed.
    pub on_request: Callback<SourcesPageRequest>,
}

const COLUMNS: [(SourceSort, &str); 8] = [
    (SourceSort::Addr, "Address"),
    (SourceSort::Class, "Class"),
    (SourceSort::Flows, "Flows sent"),
    (SourceSort::Packets, "Packets sent"),
    (SourceSort::BytesSent, "Bytes sent"),
    (SourceSort::BytesReceived, "Bytes received"),
    (SourceSort::FirstStart, "First start (UTC)"),
    (SourceSort::LastEnd, "Last end (UTC)"),
];

/// The filter as typed: the class select, the text box and the CIDR box.
#[derive(Clone, Debug, Default, PartialEq)]
struct Typed {
    class: Option<AddrClass>,
    text: String,
    cidr: String,
}

impl Typed {
    /// The filter to send; a CIDR that does not parse is left out (and flagged).
    fn filter(&self) -> SourceFilter {
        let cidr = self.cidr.trim();
        SourceFilter {
            class: self.class,
            text: Some(self.text.trim().to_string()).filter(|t| !t.is_empty()),
            cidr: (!cidr.is_empty() && Cidr::parse(cidr).is_ok()).then(|| cidr.to_string()),
        }
    }

    fn cidr_error(&self) -> Option<String> {
        let cidr = self.cidr.trim();
        (!cidr.is_empty())
            .then(|| Cidr::parse(cidr).err())
            .flatten()
    }
}

/// The order the table opens in: bytes sent, largest first.
const FIRST_SORT: (SourceSort, bool) = (SourceSort::BytesSent, true);

/// The page the table asks for first when it shows `analysis` in its first order,
/// unfiltered, scrolled to the top: the page sends it beside the analysis request,
/// so that it is ready with the analysis (no round trip after it).
pub fn first_page(analysis: &AnalyzeRequest) -> SourcesPageRequest {
    let (offset, limit) = View {
        matching: 0,
        scroll_top: 0.0,
        viewport_px: DEFAULT_VIEWPORT_PX,
    }
    .wanted();
    SourcesPageRequest {
        analysis: analysis.clone(),
        sort: FIRST_SORT.0,
        descending: FIRST_SORT.1,
        filter: SourceFilter::default(),
        offset,
        limit: limit as u32,
    }
}

/// The sources table.
#[function_component(SourcesTable)]
pub fn sources_table(props: &SourcesTableProps) -> Html {
    let sort = use_state(|| FIRST_SORT);
    let typed = use_state(Typed::default);
    let scroll_top = use_state(|| 0.0f64);
    let scroller = use_node_ref();
    let top_spacer = use_node_ref();
    let bottom_spacer = use_node_ref();

    let (column, descending) = *sort;
    let filter = typed.filter();
    let request = &props.analysis.request;
    // The page shown: the last one sent, if it is of this analysis, sort and filter.
    let page = props.page.as_ref().and_then(|p| {
        let (asked, page) = &**p;
        let current = asked.analysis == *request
            && asked.sort == column
            && asked.descending == descending
            && asked.filter == filter;
        current.then_some(page)
    });
    let total = props.analysis.report.sources.total;
    let matching = match page {
        Some(Ok(p)) => p.matching,
        _ if filter.is_empty() => total,
        _ => 0,
    };
    let viewport_px = scroller
        .cast::<HtmlElement>()
        .map(|e| f64::from(e.client_height()))
        .filter(|&h| h > 0.0)
        .unwrap_or(DEFAULT_VIEWPORT_PX);
    let view = View {
        matching,
        scroll_top: *scroll_top,
        viewport_px,
    };
    let (shown_offset, rows): (u64, &[Source]) = match page {
        Some(Ok(p)) => (p.offset, &p.rows),
        _ => (0, &[]),
    };

    // Ask for the rows in view when the page held does not cover them.
    {
        let on_request = props.on_request.clone();
        let covered = matches!(page, Some(Ok(p)) if view.covered_by(p.offset, p.rows.len() as u64))
            || matches!(page, Some(Err(_)));
        let (offset, limit) = view.wanted();
        let wanted = SourcesPageRequest {
            analysis: request.clone(),
            sort: column,
            descending,
            filter: filter.clone(),
            offset,
            limit: limit as u32,
        };
        use_effect_with((wanted, covered), move |(wanted, covered)| {
            if !*covered {
                on_request.emit(wanted.clone());
            }
        });
    }

    // The spacers' heights, set through the CSSOM (the page's Content-Security-Policy
    // forbids inline style attributes).
    {
        let (top, bottom) = view.spacers(shown_offset, rows.len() as u64);
        let top_spacer = top_spacer.clone();
        let bottom_spacer = bottom_spacer.clone();
        use_effect_with((top.to_bits(), bottom.to_bits()), move |_| {
            for (node, px) in [(top_spacer, top), (bottom_spacer, bottom)] {
                if let Some(element) = node.cast::<HtmlElement>() {
                    let _ = element.style().set_property("height", &format!("{px}px"));
                }
            }
        });
    }

    let on_scroll = {
        let scroll_top = scroll_top.clone();
        Callback::from(move |event: Event| {
            if let Some(element) = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlElement>().ok())
            {
                scroll_top.set(f64::from(element.scroll_top()));
            }
        })
    };
    // Back to the top whenever the order or the filter changes.
    let reset_scroll = {
        let scroller = scroller.clone();
        let scroll_top = scroll_top.clone();
        move || {
            if let Some(element) = scroller.cast::<HtmlElement>() {
                element.set_scroll_top(0);
            }
            scroll_top.set(0.0);
        }
    };
    let on_class = {
        let typed = typed.clone();
        let reset = reset_scroll.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            let class = match select.value().as_str() {
                "private" => Some(AddrClass::Private),
                "known" => Some(AddrClass::Known),
                "public" => Some(AddrClass::Public),
                _ => None,
            };
            typed.set(Typed {
                class,
                ..(*typed).clone()
            });
            reset();
        })
    };
    let on_text = {
        let typed = typed.clone();
        let reset = reset_scroll.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            typed.set(Typed {
                text: input.value(),
                ..(*typed).clone()
            });
            reset();
        })
    };
    let on_cidr = {
        let typed = typed.clone();
        let reset = reset_scroll.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            typed.set(Typed {
                cidr: input.value(),
                ..(*typed).clone()
            });
            reset();
        })
    };
    let header = |(col, label): (SourceSort, &'static str)| {
        let sort = sort.clone();
        let reset = reset_scroll.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            let (current, desc) = *sort;
            // A new column sorts descending first for numbers, ascending for text.
            let first_desc = !matches!(col, SourceSort::Addr | SourceSort::Class);
            sort.set(if current == col {
                (col, !desc)
            } else {
                (col, first_desc)
            });
            reset();
        });
        let numeric = matches!(
            col,
            SourceSort::Flows
                | SourceSort::Packets
                | SourceSort::BytesSent
                | SourceSort::BytesReceived
        );
        let (mark, aria) = match (col == column, descending) {
            (true, true) => (" ▼", "descending"),
            (true, false) => (" ▲", "ascending"),
            (false, _) => ("", "none"),
        };
        html! {
            <th aria-sort={aria} class={classes!(numeric.then_some("num-h"))}>
                <button type="button" class="sort" onclick={onclick}>{ label }{ mark }</button>
            </th>
        }
    };
    let t = props.analysis.report.sources.totals;
    let class_value = match typed.class {
        None => "all",
        Some(c) => c.as_str(),
    };
    let geo_loaded = matches!(props.analysis.geo, GeoStatus::Loaded { .. });
    html! {
        <div class="sources" data-testid="sources" data-matching={matching.to_string()}>
            <div class="table-tools">
                <label>
                    <span>{ "Class" }</span>
                    <select data-testid="class-filter" onchange={on_class}>
                        <option value="all" selected={class_value == "all"}>{ format!("all ({})", format::int(total)) }</option>
                        <option value="public" selected={class_value == "public"}>{ format!("public ({})", format::int(t.public)) }</option>
                        <option value="known" selected={class_value == "known"}>{ format!("known ({})", format::int(t.known)) }</option>
                        <option value="private" selected={class_value == "private"}>{ format!("private ({})", format::int(t.private)) }</option>
                    </select>
                </label>
                <label>
                    <span>{ "Address contains" }</span>
                    <input type="search" data-testid="source-text-filter" placeholder="201.48."
                        value={typed.text.clone()} oninput={on_text} />
                </label>
                <label class={classes!(typed.cidr_error().is_some().then_some("invalid"))}>
                    <span>{ "In block" }</span>
                    <input type="search" data-testid="source-cidr-filter" placeholder="201.48.16.0/24"
                        value={typed.cidr.clone()} oninput={on_cidr}
                        aria-invalid={typed.cidr_error().is_some().to_string()} />
                </label>
                <span class="note" data-testid="sources-count" aria-live="polite">
                    { if filter.is_empty() {
                        format!("{} sources", format::int(total))
                    } else {
                        format!("{} of {} sources match", format::int(matching), format::int(total))
                    } }
                </span>
                if let Some(error) = typed.cidr_error() {
                    <span class="warn">{ error }</span>
                }
                if let GeoStatus::Unavailable { reason } = &props.analysis.geo {
                    <span class="note" data-testid="geo-unavailable">{ format!("Country and AS unavailable: {reason}.") }</span>
                }
                if let Some(Err(error)) = page {
                    <span class="warn">{ error }</span>
                }
            </div>
            <div class="table-scroll virtual" ref={scroller} onscroll={on_scroll} tabindex="0"
                aria-label="Source addresses (scroll for more)">
                <table data-testid="sources-table" aria-rowcount={(matching + 1).to_string()}>
                    <thead><tr>
                        { for COLUMNS.iter().copied().take(2).map(header) }
                        if geo_loaded || !matches!(props.analysis.geo, GeoStatus::None) {
                            <th title="Country and autonomous system (looked up for the rows shown)">{ "Country · AS" }</th>
                        }
                        { for COLUMNS.iter().copied().skip(2).map(header) }
                    </tr></thead>
                    <tbody>
                        <tr class="spacer" aria-hidden="true" ref={top_spacer}><td colspan="9"></td></tr>
                        for (i, row) in rows.iter().enumerate() {
                            { source_row(row, shown_offset + i as u64, props.selected.as_deref() == Some(row.addr.as_str()),
                                !matches!(props.analysis.geo, GeoStatus::None), &props.on_select) }
                        }
                        <tr class="spacer" aria-hidden="true" ref={bottom_spacer}><td colspan="9"></td></tr>
                    </tbody>
                </table>
            </div>
        </div>
    }
}

fn source_row(
    row: &Source,
    index: u64,
    selected: bool,
    geo: bool,
    on_select: &Callback<String>,
) -> Html {
    let addr = row.addr.clone();
    let onclick = on_select.reform(move |_: MouseEvent| addr.clone());
    let class = row.class.as_str();
    html! {
        <tr key={row.addr.clone()} data-addr={row.addr.clone()} class={classes!(format!("class-{class}"), selected.then_some("selected"))}
            onclick={onclick} aria-selected={selected.to_string()} aria-rowindex={(index + 2).to_string()}>
            <td class="addr"><button type="button" class="link">{ &row.addr }</button></td>
            <td><span class={classes!("tag", class)}>{ class }</span></td>
            if geo { { geo_cell(row.geo.as_ref()) } }
            <td class="num">{ format::int(row.flows) }</td>
            <td class="num">{ format::int(row.packets) }</td>
            <td class="num" title={format!("{} bytes", format::int(row.bytes_sent))}>{ format::bytes(row.bytes_sent) }</td>
            <td class="num" title={format!("{} bytes", format::int(row.bytes_received))}>{ format::bytes(row.bytes_received) }</td>
            <td class="time" title={format::utc_opt(row.first_start)}>{ format::short_utc_opt(row.first_start) }</td>
            <td class="time" title={format::utc_opt(row.last_end)}>{ format::short_utc_opt(row.last_end) }</td>
        </tr>
    }
}

/// The country and AS of an address as a table cell: `BR · AS16735 ALGAR…`, the full
/// text in the tooltip; empty when unknown.
pub fn geo_cell(geo: Option<&Geo>) -> Html {
    let label = geo.map(Geo::label).unwrap_or_default();
    html! {
        <td class="geo" data-field="geo" title={label.clone()}>{ label }</td>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::ViewRange;

    /// The page sent beside an analysis is the one the table asks for when it opens
    /// on it (first order, no filter, at the top), and it covers the rows in view of
    /// any table from one row to millions, at the default height and a tall one.
    #[test]
    fn the_first_page_is_what_the_opening_table_asks_for() {
        let analysis = AnalyzeRequest {
            data_version: 3,
            range: ViewRange::All,
            suspect: None,
            service_port: None,
            k: 3.0,
            known: Vec::new(),
        };
        let first = first_page(&analysis);
        assert_eq!((first.sort, first.descending), FIRST_SORT);
        assert_eq!(
            (first.analysis, first.filter),
            (analysis, Typed::default().filter())
        );
        for matching in [1, 20, 159, 160, 161, 2_500_000] {
            for viewport_px in [DEFAULT_VIEWPORT_PX, 1_600.0] {
                let view = View {
                    matching,
                    scroll_top: 0.0,
                    viewport_px,
                };
                assert_eq!(view.wanted(), (first.offset, u64::from(first.limit)));
                assert!(view.covered_by(first.offset, u64::from(first.limit).min(matching)));
            }
        }
    }
}
