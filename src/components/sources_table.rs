//! Question 1, "who talked to it?": the source addresses in the range with their
//! country and autonomous system (from the address table, when it loaded), sortable by
//! every column and filterable by class; public addresses stand out; a click selects
//! an address for every panel.

use std::cmp::Ordering;
use std::rc::Rc;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::format;
use crate::protocol::{AnalysisView, GeoStatus, SourceRow};
use flowlens_core::geo::Geo;

/// Rows drawn at most (the rest are counted; sorting picks which are shown).
const MAX_ROWS: usize = 2000;

/// Props of [`SourcesTable`].
#[derive(Properties, PartialEq)]
pub struct SourcesTableProps {
    /// The analysis whose sources are listed.
    pub analysis: Rc<AnalysisView>,
    /// The address selected.
    pub selected: Option<String>,
    /// An address was clicked.
    pub on_select: Callback<String>,
}

/// A sortable column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Addr,
    Class,
    Geo,
    Flows,
    Packets,
    BytesSent,
    BytesReceived,
    FirstStart,
    LastEnd,
}

const COLUMNS: [(Column, &str); 9] = [
    (Column::Addr, "Address"),
    (Column::Class, "Class"),
    (Column::Geo, "Country · AS"),
    (Column::Flows, "Flows sent"),
    (Column::Packets, "Packets sent"),
    (Column::BytesSent, "Bytes sent"),
    (Column::BytesReceived, "Bytes received"),
    (Column::FirstStart, "First start (UTC)"),
    (Column::LastEnd, "Last end (UTC)"),
];

fn compare(column: Column, a: &SourceRow, b: &SourceRow) -> Ordering {
    match column {
        Column::Addr => addr_key(&a.addr).cmp(&addr_key(&b.addr)),
        Column::Class => a.class.cmp(&b.class),
        Column::Geo => geo_key(a.geo.as_ref()).cmp(&geo_key(b.geo.as_ref())),
        Column::Flows => a.flows.cmp(&b.flows),
        Column::Packets => a.packets.cmp(&b.packets),
        Column::BytesSent => a.bytes_sent.cmp(&b.bytes_sent),
        Column::BytesReceived => a.bytes_received.cmp(&b.bytes_received),
        Column::FirstStart => a.first_start.cmp(&b.first_start),
        Column::LastEnd => a.last_end.cmp(&b.last_end),
    }
}

/// Country, then AS number; unknown last when ascending.
fn geo_key(geo: Option<&Geo>) -> (bool, Option<String>, Option<u32>) {
    match geo {
        Some(g) => (false, g.country.clone(), g.asn),
        None => (true, None, None),
    }
}

/// Addresses sort numerically (IPv4 before IPv6), not as text.
fn addr_key(addr: &str) -> (u8, u128) {
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => (0, u128::from(u32::from(v4))),
        Ok(std::net::IpAddr::V6(v6)) => (1, u128::from(v6)),
        Err(_) => (2, 0),
    }
}

/// The sources table.
#[function_component(SourcesTable)]
pub fn sources_table(props: &SourcesTableProps) -> Html {
    let sort = use_state(|| (Column::BytesReceived, true));
    let class_filter = use_state(|| "all".to_string());

    let (column, descending) = *sort;
    let mut rows: Vec<&SourceRow> = props
        .analysis
        .sources
        .iter()
        .filter(|r| *class_filter == "all" || r.class == *class_filter)
        .collect();
    rows.sort_by(|a, b| {
        let o = compare(column, a, b).then_with(|| addr_key(&a.addr).cmp(&addr_key(&b.addr)));
        if descending {
            o.reverse()
        } else {
            o
        }
    });
    let total = rows.len();
    rows.truncate(MAX_ROWS);

    let on_filter = {
        let class_filter = class_filter.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            class_filter.set(select.value());
        })
    };
    let count = |class: &str| {
        props
            .analysis
            .sources
            .iter()
            .filter(|r| r.class == class)
            .count()
    };
    let header = |(col, label): (Column, &'static str)| {
        let sort = sort.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            let (current, desc) = *sort;
            // A new column sorts descending first for numbers, ascending for text.
            let first_desc = !matches!(col, Column::Addr | Column::Class | Column::Geo);
            sort.set(if current == col {
                (col, !desc)
            } else {
                (col, first_desc)
            });
        });
        let numeric = matches!(
            col,
            Column::Flows | Column::Packets | Column::BytesSent | Column::BytesReceived
        );
        let (mark, aria) = if col == column {
            (
                if descending { " ▼" } else { " ▲" },
                if descending {
                    "descending"
                } else {
                    "ascending"
                },
            )
        } else {
            ("", "none")
        };
        html! {
            <th aria-sort={aria} class={classes!(numeric.then_some("num-h"))}>
                <button type="button" class="sort" onclick={onclick}>{ label }{ mark }</button>
            </th>
        }
    };
    html! {
        <div class="sources">
            <div class="table-tools">
                <label>
                    <span>{ "Class" }</span>
                    <select data-testid="class-filter" onchange={on_filter}>
                        <option value="all" selected={*class_filter == "all"}>{ format!("all ({})", props.analysis.sources.len()) }</option>
                        <option value="public" selected={*class_filter == "public"}>{ format!("public ({})", count("public")) }</option>
                        <option value="known" selected={*class_filter == "known"}>{ format!("known ({})", count("known")) }</option>
                        <option value="private" selected={*class_filter == "private"}>{ format!("private ({})", count("private")) }</option>
                    </select>
                </label>
                if let GeoStatus::Unavailable { reason } = &props.analysis.geo {
                    <span class="note" data-testid="geo-unavailable">{ format!("Country and AS unavailable: {reason}.") }</span>
                }
                if total > MAX_ROWS {
                    <span class="note">{ format!("Showing the first {} of {} rows in this order.", format::int(MAX_ROWS as u64), format::int(total as u64)) }</span>
                }
            </div>
            <div class="table-scroll">
                <table data-testid="sources-table">
                    <thead><tr>{ for COLUMNS.iter().copied().map(header) }</tr></thead>
                    <tbody>
                        for row in rows.into_iter() {
                            { source_row(row, props.selected.as_deref() == Some(row.addr.as_str()), &props.on_select) }
                        }
                    </tbody>
                </table>
            </div>
        </div>
    }
}

fn source_row(row: &SourceRow, selected: bool, on_select: &Callback<String>) -> Html {
    let addr = row.addr.clone();
    let onclick = on_select.reform(move |_: MouseEvent| addr.clone());
    let class = classes!(
        format!("class-{}", row.class),
        selected.then_some("selected")
    );
    html! {
        <tr key={row.addr.clone()} data-addr={row.addr.clone()} class={class} onclick={onclick}
            aria-selected={selected.to_string()}>
            <td class="addr"><button type="button" class="link">{ &row.addr }</button></td>
            <td><span class={classes!("tag", row.class.clone())}>{ &row.class }</span></td>
            { geo_cell(row.geo.as_ref()) }
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
