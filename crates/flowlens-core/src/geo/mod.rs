//! Offline address intelligence: IP → country and IP → autonomous system (number and
//! organisation), answered from one compact binary range table built at build time
//! from openly licensed databases (the npm packages `@ip-location-db/geo-whois-asn-country`,
//! CC0, and `@ip-location-db/asn`, CC BY 4.0; see `scripts/geo.sh`).
//!
//! [`table`] is the file format and the lookup ([`GeoDb`]), [`build`] makes the file from
//! the packages' CSV files, and [`annotate`] adds the answers to a finished
//! [`Report`](crate::analysis::Report) — the analysis itself stays pure and never sees
//! the database. No network, no clock: the same bytes give the same answers natively
//! and in the page's worker.

pub mod build;
pub mod table;

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::analysis::Report;
use crate::flow::addr::is_private;

pub use table::{GeoDb, GeoError};

/// What the database says about one address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Geo {
    /// ISO 3166 two-letter country code (registration country), when known.
    pub country: Option<String>,
    /// Autonomous system number, when known.
    pub asn: Option<u32>,
    /// The autonomous system's organisation, when known.
    pub as_org: Option<String>,
}

impl Geo {
    /// A short label such as `BR · AS16735 ALGAR TELECOM S/A` (only the known parts).
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.country {
            parts.push(c.clone());
        }
        match (self.asn, &self.as_org) {
            (Some(n), Some(org)) => parts.push(format!("AS{n} {org}")),
            (Some(n), None) => parts.push(format!("AS{n}")),
            (None, Some(org)) => parts.push(org.clone()),
            (None, None) => {}
        }
        parts.join(" · ")
    }
}

/// One source package of a database file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeoPackage {
    /// npm package name.
    pub name: String,
    /// Its version (the date of the data is in it: `2.3.YYYYMMDDHH`).
    pub version: String,
    /// Its licence.
    pub license: String,
}

/// Which database answered: its source packages and the attribution their licences ask for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeoDatabase {
    /// Format version of the table file.
    pub format_version: u32,
    /// The packages it was built from.
    pub packages: Vec<GeoPackage>,
    /// Attribution text (CC BY 4.0 for the AS data).
    pub attribution: String,
}

/// The attribution the AS data's licence (CC BY 4.0) asks for, and the CC0 note.
pub const ATTRIBUTION: &str = "AS numbers and organisations: @ip-location-db/asn, CC BY 4.0, \
data by RouteViews (routeviews.org), DB-IP (IP to ASN Lite, https://db-ip.com) and the NRO \
(nro.net), merged and modified by ip-location-db. Countries: \
@ip-location-db/geo-whois-asn-country, CC0 1.0 (public domain), from RIR whois and NRO \
statistics. Compacted into a range table by flowlens.";

/// True when `addr` can be on the public internet and is worth looking up: not private,
/// loopback, link-local, carrier-grade NAT, unspecified, multicast, broadcast,
/// documentation, benchmarking or reserved space.
pub fn is_routable(addr: IpAddr) -> bool {
    if is_private(addr) {
        return false;
    }
    match addr {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(a == 0
                || a >= 224
                || (a == 192 && b == 0 && (c == 0 || c == 2))
                || (a == 198 && (b == 18 || b == 19))
                || (a == 198 && b == 51 && c == 100)
                || (a == 203 && b == 0 && c == 113))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_routable(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_unspecified()
                || (s[0] & 0xff00) == 0xff00
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] & 0xe000) != 0x2000)
        }
    }
}

/// Adds what `db` knows to every `sources` entry, every `ranking` entry and the
/// `verdict` of `report`, and names the database in `report.geo_database`. Entries the
/// database does not know (private addresses, gaps) get `geo: null`.
pub fn annotate(report: &mut Report, db: &GeoDb) {
    let look = |addr: &str| addr.parse::<IpAddr>().ok().and_then(|ip| db.lookup(ip));
    for source in &mut report.sources.rows {
        source.geo = look(&source.addr);
    }
    for ranked in &mut report.ranking.rows {
        ranked.geo = look(&ranked.addr);
    }
    if let Some(verdict) = &mut report.verdict {
        verdict.geo = look(&verdict.addr);
    }
    report.geo_database = Some(db.database());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routable_addresses() {
        let cases = [
            ("201.48.16.81", true),
            ("8.8.8.8", true),
            ("10.0.0.1", false),
            ("172.30.1.2", false),
            ("100.64.0.1", false),
            ("127.0.0.1", false),
            ("169.254.169.254", false),
            ("0.1.2.3", false),
            ("224.0.0.1", false),
            ("255.255.255.255", false),
            ("192.0.2.1", false),
            ("198.51.100.7", false),
            ("203.0.113.77", false),
            ("198.18.0.1", false),
            ("2800:3f0::1", true),
            ("2001:db8::1", false),
            ("fe80::1", false),
            ("fd00::1", false),
            ("ff02::1", false),
            ("::1", false),
            ("::", false),
            ("::ffff:201.48.16.81", true),
            ("::ffff:10.0.0.1", false),
        ];
        for (addr, want) in cases {
            assert_eq!(is_routable(addr.parse().unwrap()), want, "{addr}");
        }
    }

    #[test]
    fn labels() {
        let full = Geo {
            country: Some("BR".into()),
            asn: Some(16735),
            as_org: Some("ALGAR TELECOM S/A".into()),
        };
        assert_eq!(full.label(), "BR · AS16735 ALGAR TELECOM S/A");
        let country = Geo {
            country: Some("DE".into()),
            asn: None,
            as_org: None,
        };
        assert_eq!(country.label(), "DE");
        let asn = Geo {
            country: None,
            asn: Some(64500),
            as_org: None,
        };
        assert_eq!(asn.label(), "AS64500");
    }
}
