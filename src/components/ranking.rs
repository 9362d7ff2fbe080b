//! "Who to look at first": the non-private destinations of the service ranked by how
//! far their flows stand out; the top one is selected when data arrives, and a click
//! selects another.

use std::rc::Rc;

use yew::prelude::*;

use crate::format;
use crate::protocol::Analysis;
use flowlens_core::geo::Geo;

/// Rows shown.
const MAX_ROWS: usize = 20;

/// Props of [`RankingTable`].
#[derive(Properties, PartialEq)]
pub struct RankingTableProps {
    /// The analysis.
    pub analysis: Rc<Analysis>,
    /// The address selected.
    pub selected: Option<String>,
    /// An address was clicked.
    pub on_select: Callback<String>,
}

/// The ranking.
#[function_component(RankingTable)]
pub fn ranking_table(props: &RankingTableProps) -> Html {
    let ranking = &props.analysis.report.ranking;
    let rows = &ranking.rows;
    html! {
        <section class="panel ranking" data-testid="ranking">
            <h2>{ "Suspects" }</h2>
            if rows.is_empty() {
                <p class="lead">{ "No public destination of the service in this range." }</p>
            } else {
                <p class="hint">{ format!(
                    "Destinations outside your networks, most suspicious first ({} of {}).",
                    format::int(rows.len().min(MAX_ROWS) as u64),
                    format::int(ranking.total),
                ) }</p>
                <div class="table-scroll short">
                    <table>
                        <thead><tr>
                            <th class="num-h">{ "#" }</th><th>{ "Address" }</th>
                            <th title="Country and autonomous system (its organisation in the tooltip)">{ "Country · AS" }</th>
                            <th class="num-h" title="How far its flows stand out from the baseline">{ "Score" }</th>
                            <th class="num-h">{ "Bytes out" }</th>
                            <th class="num-h" title="Flows above the threshold">{ "Above" }</th>
                        </tr></thead>
                        <tbody>
                            for (i, r) in rows.iter().take(MAX_ROWS).enumerate() {
                                {{
                                    let selected = props.selected.as_deref() == Some(r.addr.as_str());
                                    let addr = r.addr.clone();
                                    let onclick = props.on_select.reform(move |_: MouseEvent| addr.clone());
                                    html! {
                                        <tr key={r.addr.clone()} data-addr={r.addr.clone()} onclick={onclick}
                                            class={classes!(format!("class-{}", r.class.as_str()), selected.then_some("selected"))}
                                            aria-selected={selected.to_string()}>
                                            <td class="num">{ i + 1 }</td>
                                            <td class="addr"><button type="button" class="link">{ &r.addr }</button></td>
                                            { short_geo_cell(r.geo.as_ref()) }
                                            <td class="num">{ format::float(r.score, 1) }</td>
                                            <td class="num" title={format!("{} bytes in {} flows", format::int(r.bytes_out), format::int(r.flows))}>{ format::bytes(r.bytes_out) }</td>
                                            <td class="num">{ format::int(r.flows_above) }</td>
                                        </tr>
                                    }
                                }}
                            }
                        </tbody>
                    </table>
                </div>
            }
        </section>
    }
}

/// Country and AS number only (the panel is narrow); the organisation is in the tooltip.
fn short_geo_cell(geo: Option<&Geo>) -> Html {
    let short = geo
        .map(|g| {
            let asn = g.asn.map(|n| format!("AS{n}"));
            [g.country.clone(), asn]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default();
    let full = geo.map(Geo::label).unwrap_or_default();
    html! {
        <td class="geo" data-field="geo" title={full}>{ short }</td>
    }
}
