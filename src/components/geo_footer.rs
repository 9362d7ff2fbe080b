//! The page footer's note on the address table: which database answers the country and
//! AS columns (packages and versions, once loaded), the attribution its licences ask
//! for (CC BY 4.0 for the AS data, with a link to DB-IP as its licence asks; CC0 for
//! the countries), or why it is unavailable.

use yew::prelude::*;

use crate::protocol::GeoStatus;

/// Props of [`GeoFooter`].
#[derive(Properties, PartialEq)]
pub struct GeoFooterProps {
    /// The table's state as of the last analysis (`None` before the first one).
    pub status: Option<GeoStatus>,
}

/// The address-table note.
#[function_component(GeoFooter)]
pub fn geo_footer(props: &GeoFooterProps) -> Html {
    let state = match &props.status {
        Some(GeoStatus::Loaded { database }) => {
            let packages = database
                .packages
                .iter()
                .map(|p| format!("{} {} ({})", p.name, p.version, p.license))
                .collect::<Vec<_>>()
                .join(", ");
            html! {
                <span data-testid="geo-database" data-state="loaded">
                    { format!("Country and AS answered offline by the address table built from {packages}.") }
                </span>
            }
        }
        Some(GeoStatus::Unavailable { reason }) => html! {
            <span data-testid="geo-database" data-state="unavailable">
                { format!("Country and AS are unavailable: {reason}.") }
            </span>
        },
        Some(GeoStatus::None) | None => html! {
            <span data-testid="geo-database" data-state="idle">
                { "Country and AS come from an address table on this site, loaded with the first analysis." }
            </span>
        },
    };
    html! {
        <p class="geo-attribution">
            { state }
            { " AS numbers and organisations: " }
            <a href="https://github.com/sapics/ip-location-db" rel="noreferrer noopener" target="_blank">{ "@ip-location-db/asn" }</a>
            { ", licensed " }
            <a href="https://creativecommons.org/licenses/by/4.0/" rel="noreferrer noopener" target="_blank">{ "CC BY 4.0" }</a>
            { ": data by RouteViews (routeviews.org), the NRO (nro.net) and " }
            <a href="https://db-ip.com" rel="noreferrer noopener" target="_blank">{ "IP Geolocation by DB-IP" }</a>
            { ", merged and modified by ip-location-db. Countries: @ip-location-db/geo-whois-asn-country, CC0 1.0 (public domain)." }
        </p>
    }
}
