//! The shipped address table (target/geo/flowlens-geo.bin, built by scripts/geo.sh from
//! the pinned npm packages) against the packages' raw CSV text, scanned line by line
//! without the table's code; and `flowlens analyze --json` on the example week carrying
//! the suspect's country and AS.
//!
//! The table and its packages are built by `bash scripts/geo.sh` (npm and a release
//! build; `scripts/setup.sh` runs it). Without them a bare `cargo test` skips these
//! tests with a message saying so; `scripts/test.sh` sets `FLOWLENS_REQUIRE_GEO=1`,
//! under which a missing table fails them instead. (The table's format and lookups
//! are unit-tested on small tables in `flowlens-core`'s `geo` module either way.)

// A failed unwrap in a test is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use flowlens_core::geo::{Geo, GeoDb};

const SUSPECT: &str = "201.48.16.81";

/// The workspace root (this crate is crates/flowlens-cli).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// True when the shipped table and its packages are here; otherwise false after a
/// message, unless `FLOWLENS_REQUIRE_GEO=1` asks for them (then the test goes on and
/// fails on the missing file).
fn geo_built(test: &str) -> bool {
    let present = table_path().is_file()
        && root()
            .join("scripts/geo/node_modules/@ip-location-db/asn/asn-ipv4-num.csv")
            .is_file();
    if present || std::env::var_os("FLOWLENS_REQUIRE_GEO").is_some_and(|v| v == "1") {
        return true;
    }
    eprintln!(
        "skipped {test}: the address table is not built here \
         (run `bash scripts/geo.sh`, or `bash scripts/test.sh`, which requires it)"
    );
    false
}

fn table_path() -> PathBuf {
    std::env::var_os("FLOWLENS_GEO")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/geo/flowlens-geo.bin"))
}

fn table() -> GeoDb {
    let path = table_path();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "the address table {} is missing ({e}): run `bash scripts/geo.sh` (scripts/setup.sh does)",
            path.display()
        )
    });
    GeoDb::from_bytes(&bytes).unwrap()
}

fn package_file(rel: &str) -> String {
    let path = root()
        .join("scripts/geo/node_modules/@ip-location-db")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): run `bash scripts/geo.sh`",
            path.display()
        )
    })
}

/// One CSV line split by hand: `start,end,rest…` where the last field may be quoted
/// with `""` for a quote.
fn split_line(line: &str, fields: usize) -> (u128, u128, Vec<String>) {
    let mut parts = line.splitn(fields, ',');
    let start = parts.next().unwrap().parse().unwrap();
    let end = parts.next().unwrap().parse().unwrap();
    let rest = parts
        .map(|p| {
            if p.len() >= 2 && p.starts_with('"') && p.ends_with('"') {
                p[1..p.len() - 1].replace("\"\"", "\"")
            } else {
                p.to_string()
            }
        })
        .collect();
    (start, end, rest)
}

/// The raw rows of one package file.
struct Rows(Vec<(u128, u128, Vec<String>)>);

impl Rows {
    fn read(rel: &str, fields: usize) -> Rows {
        Rows(
            package_file(rel)
                .lines()
                .filter(|l| !l.is_empty())
                .map(|l| split_line(l, fields))
                .collect(),
        )
    }

    /// The last row containing `x` (the table's rule for the few nested rows).
    fn find(&self, x: u128) -> Option<&[String]> {
        self.0
            .iter()
            .rev()
            .find(|(s, e, _)| *s <= x && x <= *e)
            .map(|(_, _, rest)| rest.as_slice())
    }
}

/// The answer a linear scan of the CSV text gives.
fn expected(ip: IpAddr, country: &Rows, asn: &Rows) -> Option<Geo> {
    let x = match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    };
    let c = country.find(x).map(|r| r[0].clone());
    let a = asn.find(x);
    if c.is_none() && a.is_none() {
        return None;
    }
    Some(Geo {
        country: c,
        asn: a.map(|r| r[0].parse().unwrap()).filter(|&n| n != 0),
        // The table keeps names without surrounding spaces (a few rows end in one).
        as_org: a.map(|r| r[1].trim().to_string()).filter(|o| !o.is_empty()),
    })
}

#[test]
fn the_suspect_gets_the_country_and_as_of_the_shipped_csv() {
    if !geo_built("the_suspect_gets_the_country_and_as_of_the_shipped_csv") {
        return;
    }
    let db = table();
    let country = Rows::read(
        "geo-whois-asn-country/geo-whois-asn-country-ipv4-num.csv",
        3,
    );
    let asn = Rows::read("asn/asn-ipv4-num.csv", 4);
    let ip: IpAddr = SUSPECT.parse().unwrap();
    let want = expected(ip, &country, &asn).unwrap();
    // The packages pinned today say Brazil, AS16735 (ALGAR TELECOM S/A); the check
    // above is what matters when the pin moves.
    assert_eq!(want.country.as_deref(), Some("BR"));
    assert_eq!(db.lookup(ip), Some(want));
    let names: Vec<String> = db
        .database()
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    let lock = std::fs::read_to_string(root().join("scripts/geo/package-lock.json")).unwrap();
    for name in &names {
        let (package, version) = name.rsplit_once('@').unwrap();
        assert!(
            lock.contains(&format!(
                "\"node_modules/{package}\": {{\n      \"version\": \"{version}\""
            )),
            "{name} is not the locked version"
        );
    }
    assert!(db.database().attribution.contains("CC BY 4.0"));
}

/// A small deterministic generator (SplitMix64), independent of the table.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[test]
fn the_table_agrees_with_a_linear_scan_of_the_csv() {
    if !geo_built("the_table_agrees_with_a_linear_scan_of_the_csv") {
        return;
    }
    let db = table();
    let c4 = Rows::read(
        "geo-whois-asn-country/geo-whois-asn-country-ipv4-num.csv",
        3,
    );
    let a4 = Rows::read("asn/asn-ipv4-num.csv", 4);
    let c6 = Rows::read(
        "geo-whois-asn-country/geo-whois-asn-country-ipv6-num.csv",
        3,
    );
    let a6 = Rows::read("asn/asn-ipv6-num.csv", 4);
    let mut state = 7;
    let mut known = 0;
    // Random public IPv4 addresses, and the first and last address of random rows
    // (range boundaries) and the addresses just outside them.
    let mut v4: Vec<u32> = (0..120).map(|_| splitmix(&mut state) as u32).collect();
    for rows in [&c4, &a4] {
        for _ in 0..40 {
            let (s, e, _) = &rows.0[splitmix(&mut state) as usize % rows.0.len()];
            let (s, e) = (*s as u32, *e as u32);
            v4.extend([s, e, s.wrapping_sub(1), e.wrapping_add(1)]);
        }
    }
    for x in v4 {
        let ip = IpAddr::from(std::net::Ipv4Addr::from(x));
        if !flowlens_core::geo::is_routable(ip) {
            assert_eq!(db.lookup(ip), None, "{ip}");
            continue;
        }
        let want = expected(ip, &c4, &a4);
        known += usize::from(want.is_some());
        assert_eq!(db.lookup(ip), want, "{ip}");
    }
    let mut v6: Vec<u128> = Vec::new();
    for rows in [&c6, &a6] {
        for _ in 0..25 {
            let (s, e, _) = &rows.0[splitmix(&mut state) as usize % rows.0.len()];
            v6.extend([
                *s,
                *e,
                s.wrapping_sub(1),
                e.wrapping_add(1),
                s + (e - s) / 2,
            ]);
        }
    }
    for x in v6 {
        let ip = IpAddr::from(std::net::Ipv6Addr::from(x));
        if !flowlens_core::geo::is_routable(ip) {
            continue;
        }
        let want = expected(ip, &c6, &a6);
        known += usize::from(want.is_some());
        assert_eq!(db.lookup(ip), want, "{ip}");
    }
    assert!(known > 250, "only {known} addresses were known");
}

#[test]
fn analyze_json_carries_geo_on_sources_ranking_and_verdict() {
    if !geo_built("analyze_json_carries_geo_on_sources_ranking_and_verdict") {
        return;
    }
    let week = std::env::temp_dir().join(format!("flowlens-geo-week-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&week);
    let exe = env!("CARGO_BIN_EXE_flowlens");
    let made = Command::new(exe)
        .args(["example", week.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(made.status.success());
    let db = table();
    let want = serde_json::to_value(db.lookup(SUSPECT.parse().unwrap()).unwrap()).unwrap();
    let out = Command::new(exe)
        .args(["analyze", "--json", "--geo"])
        .arg(table_path())
        .arg(&week)
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let source = report["sources"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["addr"] == SUSPECT)
        .unwrap();
    assert_eq!(source["geo"], want);
    assert_eq!(report["ranking"]["rows"][0]["addr"], SUSPECT);
    assert_eq!(report["ranking"]["rows"][0]["geo"], want);
    assert_eq!(report["verdict"]["addr"], SUSPECT);
    assert_eq!(report["verdict"]["geo"], want);
    // Private sources have no answer.
    let private = report["sources"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["class"] == "private")
        .unwrap();
    assert_eq!(private["geo"], serde_json::Value::Null);
    let packages = report["geo_database"]["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 2);
    assert_eq!(packages[1]["name"], "@ip-location-db/asn");

    // Without a table: geo is null, one note on stderr, the rest of the report equal.
    let bare = Command::new(exe)
        .args(["analyze", "--json", "--no-geo"])
        .arg(&week)
        .output()
        .unwrap();
    assert!(bare.status.success());
    let bare: serde_json::Value = serde_json::from_slice(&bare.stdout).unwrap();
    assert_eq!(bare["verdict"]["geo"], serde_json::Value::Null);
    assert_eq!(bare["geo_database"], serde_json::Value::Null);
    let missing = Command::new(exe)
        .args(["analyze", "--geo", "/nonexistent/flowlens-geo.bin"])
        .arg(&week)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let absent = Command::new(exe)
        .env("FLOWLENS_GEO", "")
        .args(["analyze"])
        .arg(&week)
        .output();
    // An empty FLOWLENS_GEO names no file: an error, not a silent fallback.
    assert_eq!(absent.unwrap().status.code(), Some(2));

    // The text output shows the label beside the suspect.
    let text = Command::new(exe)
        .args(["analyze", "--geo"])
        .arg(table_path())
        .arg(&week)
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    let label = db.lookup(SUSPECT.parse().unwrap()).unwrap().label();
    assert!(
        text.contains(&format!("Suspect: {SUSPECT}  ({label})")),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&week);
}

/// Reproducible: building again from the pinned packages' CSV files gives the shipped
/// file byte for byte.
#[test]
fn a_fresh_build_from_the_csv_equals_the_shipped_table() {
    if !geo_built("a_fresh_build_from_the_csv_equals_the_shipped_table") {
        return;
    }
    use flowlens_core::geo::build::{build, Input, Inputs};
    use flowlens_core::geo::GeoPackage;
    let shipped = std::fs::read(table_path()).unwrap();
    let texts = [
        "geo-whois-asn-country/geo-whois-asn-country-ipv4-num.csv",
        "geo-whois-asn-country/geo-whois-asn-country-ipv6-num.csv",
        "asn/asn-ipv4-num.csv",
        "asn/asn-ipv6-num.csv",
    ]
    .map(package_file);
    let input = |i: usize| Input {
        name: "csv",
        bytes: texts[i].as_bytes(),
    };
    let package = |dir: &str| {
        let json: serde_json::Value =
            serde_json::from_str(&package_file(&format!("{dir}/package.json"))).unwrap();
        GeoPackage {
            name: json["name"].as_str().unwrap().to_string(),
            version: json["version"].as_str().unwrap().to_string(),
            license: json["license"].as_str().unwrap().to_string(),
        }
    };
    let db = build(
        &Inputs {
            country_v4: input(0),
            country_v6: input(1),
            asn_v4: input(2),
            asn_v6: input(3),
        },
        vec![package("geo-whois-asn-country"), package("asn")],
    )
    .unwrap();
    let bytes = db.to_bytes();
    assert_eq!(bytes.len(), shipped.len());
    assert!(
        bytes == shipped,
        "a fresh build differs from {}",
        table_path().display()
    );
}
