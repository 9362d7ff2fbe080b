//! Builds the address table from the CSV files of the ip-location-db packages.
//!
//! Inputs (no header line; numbers are the addresses as integers, ranges inclusive):
//! `start,end,country` (`geo-whois-asn-country-ipv{4,6}-num.csv`) and
//! `start,end,asn,organisation` (`asn-ipv{4,6}-num.csv`). Fields are trimmed (a few
//! organisation names end in a space); an empty name or AS 0 is "unknown".
//!
//! The packages' files are mostly disjoint ranges sorted by start, but a few hundred
//! rows lie inside (or overlap) an earlier, wider row. The rule: **the last row that
//! contains an address answers for it** (a later, narrower row overrides the wider one
//! it sits in). Each family of each source is swept into disjoint pieces by that rule,
//! the country and AS pieces are overlaid, and neighbouring pieces with the same answer
//! are merged. Everything is ordered by the inputs alone: the same files give the same
//! bytes.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use super::table::{GeoDb, Record, FORMAT_VERSION};
use super::{GeoDatabase, GeoPackage, ATTRIBUTION};

/// A problem in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    /// Which input.
    pub file: String,
    /// 1-based line, 0 when not about a line.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for BuildError {}

/// One input file: a name for messages and its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// Name used in error messages.
    pub name: &'a str,
    /// The CSV text.
    pub bytes: &'a [u8],
}

/// The four CSV inputs.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// `start,end,country` for IPv4.
    pub country_v4: Input<'a>,
    /// `start,end,country` for IPv6.
    pub country_v6: Input<'a>,
    /// `start,end,asn,organisation` for IPv4.
    pub asn_v4: Input<'a>,
    /// `start,end,asn,organisation` for IPv6.
    pub asn_v6: Input<'a>,
}

/// An AS answer: number (0 = unknown) and interned organisation (None = unknown).
type AsAnswer = (u32, Option<u32>);

/// Change points of one family: from `pos` on (until the next point) the answer is the
/// value. Sorted by `pos`, first at 0.
type Pieces<V> = Vec<(u128, Option<V>)>;

/// Builds the table from the four CSV files; `packages` name them in the header.
pub fn build(inputs: &Inputs<'_>, packages: Vec<GeoPackage>) -> Result<GeoDb, BuildError> {
    let mut orgs = Interner::default();
    let c4 = sweep(
        read_country(&inputs.country_v4, u32::MAX.into())?,
        u32::MAX.into(),
    );
    let c6 = sweep(read_country(&inputs.country_v6, u128::MAX)?, u128::MAX);
    let a4 = sweep(
        read_asn(&inputs.asn_v4, u32::MAX.into(), &mut orgs)?,
        u32::MAX.into(),
    );
    let a6 = sweep(read_asn(&inputs.asn_v6, u128::MAX, &mut orgs)?, u128::MAX);
    let v4 = overlay(&c4, &a4);
    let v6 = overlay(&c6, &a6);

    // Records and organisation names numbered in order of first use (IPv4, then IPv6).
    let mut record_ids: HashMap<Record, u32> = HashMap::new();
    let mut records = Vec::new();
    let mut blob = String::new();
    let mut org_spans: HashMap<u32, (u32, u32)> = HashMap::new();
    let mut answer_of = |value: &Option<([u8; 2], AsAnswer)>| -> Result<u32, BuildError> {
        let Some((country, (asn, org))) = *value else {
            return Ok(0);
        };
        let org = match org {
            None => None,
            Some(id) => Some(match org_spans.get(&id) {
                Some(span) => *span,
                None => {
                    let text = orgs.get(id);
                    let span = (to_u32(blob.len())?, to_u32(text.len())?);
                    blob.push_str(text);
                    org_spans.insert(id, span);
                    span
                }
            }),
        };
        let record = Record {
            country: (country != [0, 0]).then_some(country),
            asn: (asn != 0).then_some(asn),
            org,
        };
        if let Some(&id) = record_ids.get(&record) {
            return Ok(id);
        }
        records.push(record);
        let id = to_u32(records.len())?;
        record_ids.insert(record, id);
        Ok(id)
    };
    let mut v4_starts = Vec::with_capacity(v4.len());
    let mut v4_answers = Vec::with_capacity(v4.len());
    for (pos, value) in &v4 {
        v4_starts.push(u32::try_from(*pos).map_err(|_| whole("IPv4 range past 255.255.255.255"))?);
        v4_answers.push(answer_of(value)?);
    }
    let mut v6_starts = Vec::with_capacity(v6.len());
    let mut v6_answers = Vec::with_capacity(v6.len());
    for (pos, value) in &v6 {
        v6_starts.push(*pos);
        v6_answers.push(answer_of(value)?);
    }
    Ok(GeoDb {
        database: GeoDatabase {
            format_version: FORMAT_VERSION,
            packages,
            attribution: ATTRIBUTION.to_string(),
        },
        v4_starts,
        v4_answers,
        v6_starts,
        v6_answers,
        records,
        blob,
    })
}

fn whole(message: &str) -> BuildError {
    BuildError {
        file: "table".into(),
        line: 0,
        message: message.into(),
    }
}

fn to_u32(n: usize) -> Result<u32, BuildError> {
    u32::try_from(n).map_err(|_| whole("table larger than 4 GiB"))
}

/// Organisation names, each kept once.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }

    fn get(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }
}

/// Reads `start,end,…` rows, calling `value` on the remaining fields.
fn read_rows<V>(
    input: &Input<'_>,
    max: u128,
    fields: usize,
    mut value: impl FnMut(&csv::StringRecord) -> Result<V, String>,
) -> Result<Vec<(u128, u128, V)>, BuildError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input.bytes);
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        let fail = |message: String| BuildError {
            file: input.name.to_string(),
            line,
            message,
        };
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(fail(e.to_string())),
        }
        if record.len() != fields {
            return Err(fail(format!("{} fields, expected {fields}", record.len())));
        }
        let number = |i: usize| -> Result<u128, String> {
            let text = record.get(i).unwrap_or("");
            text.trim()
                .parse::<u128>()
                .ok()
                .filter(|&n| n <= max)
                .ok_or_else(|| format!("`{text}` is not an address number"))
        };
        let start = number(0).map_err(&fail)?;
        let end = number(1).map_err(&fail)?;
        if end < start {
            return Err(fail(format!(
                "range ends ({end}) before it starts ({start})"
            )));
        }
        rows.push((start, end, value(&record).map_err(&fail)?));
    }
    if rows.is_empty() {
        return Err(BuildError {
            file: input.name.to_string(),
            line: 0,
            message: "no rows".into(),
        });
    }
    Ok(rows)
}

fn read_country(input: &Input<'_>, max: u128) -> Result<Vec<(u128, u128, [u8; 2])>, BuildError> {
    read_rows(input, max, 3, |r| {
        let text = r.get(2).unwrap_or("").trim();
        match text.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok([*a, *b]),
            _ => Err(format!("`{text}` is not a two-letter country code")),
        }
    })
}

fn read_asn(
    input: &Input<'_>,
    max: u128,
    orgs: &mut Interner,
) -> Result<Vec<(u128, u128, AsAnswer)>, BuildError> {
    read_rows(input, max, 4, |r| {
        let text = r.get(2).unwrap_or("").trim();
        let asn = text
            .parse::<u32>()
            .map_err(|_| format!("`{text}` is not an AS number"))?;
        let org = r.get(3).unwrap_or("").trim();
        Ok((asn, (!org.is_empty()).then(|| orgs.intern(org))))
    })
}

/// Disjoint pieces from possibly nested rows: at every address the last row (in file
/// order) that contains it answers. A sweep over start and end events with the set of
/// open rows; O(n log n).
fn sweep<V: Copy + PartialEq>(rows: Vec<(u128, u128, V)>, max: u128) -> Pieces<V> {
    // (position, is_start, row): ends (false) sort before starts at the same position.
    let mut events: Vec<(u128, bool, usize)> = Vec::with_capacity(rows.len() * 2);
    for (i, &(start, end, _)) in rows.iter().enumerate() {
        events.push((start, true, i));
        if end < max {
            events.push((end + 1, false, i));
        }
    }
    events.sort_unstable();
    let mut open: BTreeSet<usize> = BTreeSet::new();
    let mut pieces: Pieces<V> = vec![(0, None)];
    let mut i = 0;
    while let Some(&(pos, _, _)) = events.get(i) {
        while let Some(&(p, is_start, row)) = events.get(i) {
            if p != pos {
                break;
            }
            if is_start {
                open.insert(row);
            } else {
                open.remove(&row);
            }
            i += 1;
        }
        let value = open.last().and_then(|&r| rows.get(r)).map(|row| row.2);
        push_piece(&mut pieces, pos, value);
    }
    pieces
}

/// Appends a change point unless the answer stays the same; a point at the same
/// position as the last one replaces it.
fn push_piece<V: PartialEq>(pieces: &mut Pieces<V>, pos: u128, value: Option<V>) {
    if let Some(last) = pieces.last_mut() {
        if last.0 == pos {
            last.1 = value;
            // Merging with the one before may now be possible.
            let n = pieces.len();
            if n >= 2 && pieces.get(n - 2).map(|p| &p.1) == pieces.last().map(|p| &p.1) {
                pieces.pop();
            }
            return;
        }
        if last.1 == value {
            return;
        }
    }
    pieces.push((pos, value));
}

/// Overlays country and AS pieces: one piece per change of either; unknown countries
/// are `[0, 0]`, unknown AS `(0, None)`; both unknown is `None`.
fn overlay(countries: &Pieces<[u8; 2]>, asns: &Pieces<AsAnswer>) -> Pieces<([u8; 2], AsAnswer)> {
    let mut out: Pieces<([u8; 2], AsAnswer)> = Vec::new();
    let (mut ci, mut ai) = (0, 0);
    let (mut country, mut asn) = (None, None);
    loop {
        let next_c = countries.get(ci).map(|p| p.0);
        let next_a = asns.get(ai).map(|p| p.0);
        let pos = match (next_c, next_a) {
            (None, None) => break,
            (Some(c), None) => c,
            (None, Some(a)) => a,
            (Some(c), Some(a)) => c.min(a),
        };
        if next_c == Some(pos) {
            country = countries.get(ci).and_then(|p| p.1);
            ci += 1;
        }
        if next_a == Some(pos) {
            asn = asns.get(ai).and_then(|p| p.1);
            ai += 1;
        }
        let value = match (country, asn) {
            (None, None) => None,
            (c, a) => Some((c.unwrap_or([0, 0]), a.unwrap_or((0, None)))),
        };
        push_piece(&mut out, pos, value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Geo;

    fn input<'a>(name: &'a str, text: &'a str) -> Input<'a> {
        Input {
            name,
            bytes: text.as_bytes(),
        }
    }

    fn packages() -> Vec<GeoPackage> {
        vec![GeoPackage {
            name: "fixture".into(),
            version: "0".into(),
            license: "CC0-1.0".into(),
        }]
    }

    // 1.0.0.0 = 16777216; 1.0.0.255 = 16777471; 1.0.1.0 = 16777472; 1.0.3.255 = 16778239
    // 2001:200:: = 42540528726795050063891204319802818560
    const C4: &str = "16777216,16777471,AU\n16777472,16778239,CN\n16777728,16777983,JP\n4294967040,4294967295,ZZ\n";
    const A4: &str = "16777216,16777471,13335,\"Cloudflare, Inc.\"\n16777472,16777727,4134,CHINANET\n16777984,16778239,4134,CHINANET\n";
    const C6: &str =
        "42540528726795050063891204319802818560,42540528806023212578155541913346768895,JP\n";
    const A6: &str = "42540528726795050063891204319802818560,42540528727329395276160870415022948351,2500,WIDE Project\n";

    fn fixture() -> GeoDb {
        let inputs = Inputs {
            country_v4: input("c4", C4),
            country_v6: input("c6", C6),
            asn_v4: input("a4", A4),
            asn_v6: input("a6", A6),
        };
        build(&inputs, packages()).unwrap()
    }

    fn geo(country: &str, asn: Option<u32>, org: Option<&str>) -> Option<Geo> {
        Some(Geo {
            country: Some(country.into()),
            asn,
            as_org: org.map(str::to_string),
        })
    }

    #[test]
    fn builds_nested_and_overlaid_ranges() {
        let db = GeoDb::from_bytes(&fixture().to_bytes()).unwrap();
        let cn = geo("CN", Some(4134), Some("CHINANET"));
        let cases = [
            ("0.255.255.255", None),
            ("1.0.0.0", geo("AU", Some(13335), Some("Cloudflare, Inc."))),
            (
                "1.0.0.255",
                geo("AU", Some(13335), Some("Cloudflare, Inc.")),
            ),
            ("1.0.1.0", cn.clone()),
            // 1.0.2.0/24 JP sits inside the CN row: the later row wins; no AS row.
            ("1.0.2.0", geo("JP", None, None)),
            ("1.0.2.255", geo("JP", None, None)),
            ("1.0.3.0", cn.clone()),
            ("1.0.3.255", cn),
            ("1.0.4.0", None),
            ("255.255.255.255", None), // broadcast: never looked up
            ("2001:200::1", geo("JP", Some(2500), Some("WIDE Project"))),
            (
                "2001:200:1b9:ffff:ffff:ffff:ffff:ffff",
                geo("JP", Some(2500), Some("WIDE Project")),
            ),
            ("2001:200:1ba::", geo("JP", None, None)),
            (
                "2001:200:ffff:ffff:ffff:ffff:ffff:ffff",
                geo("JP", None, None),
            ),
            ("2001:201::", None),
        ];
        for (addr, want) in cases {
            assert_eq!(db.lookup(addr.parse().unwrap()), want, "{addr}");
        }
        // Pieces: 0 none, AU/13335, CN/4134, JP, CN/4134, none, ZZ (top).
        assert_eq!(db.range_counts(), (7, 4));
        // AU, CN, JP, ZZ (IPv4), JP+WIDE (IPv6): the two CN pieces and the two
        // AS-less JP pieces share records; "CHINANET" is stored once.
        assert_eq!(db.records.len(), 5);
        assert_eq!(db.blob, "Cloudflare, Inc.CHINANETWIDE Project");
    }

    #[test]
    fn same_inputs_give_identical_bytes() {
        let a = fixture().to_bytes();
        let b = fixture().to_bytes();
        assert_eq!(a, b);
        // And a different input gives different bytes.
        let other = Inputs {
            country_v4: input("c4", "16777216,16777471,AU\n"),
            country_v6: input("c6", C6),
            asn_v4: input("a4", A4),
            asn_v6: input("a6", A6),
        };
        assert_ne!(build(&other, packages()).unwrap().to_bytes(), a);
    }

    #[test]
    fn adjacent_equal_ranges_merge() {
        let inputs = Inputs {
            country_v4: input("c4", "10,19,BR\n20,29,BR\n30,39,AR\n"),
            country_v6: input("c6", "10,19,BR\n"),
            asn_v4: input("a4", "10,14,1,X\n15,29,1,X\n"),
            asn_v6: input("a6", "10,19,1,X\n"),
        };
        let db = build(&inputs, packages()).unwrap();
        assert_eq!(db.v4_starts, vec![0, 10, 30, 40]);
        assert_eq!(db.v4_answers, vec![0, 1, 2, 0]);
    }

    #[test]
    fn sweep_last_row_wins() {
        // Outer 0–99 A, inner 10–19 B, overlapping 15–29 C.
        let pieces = sweep(vec![(0, 99, 'A'), (10, 19, 'B'), (15, 29, 'C')], 255);
        assert_eq!(
            pieces,
            vec![
                (0, Some('A')),
                (10, Some('B')),
                (15, Some('C')),
                (30, Some('A')),
                (100, None)
            ]
        );
        // A row reaching the top of the family has no end event.
        assert_eq!(
            sweep(vec![(5, 255, 'Z')], 255),
            vec![(0, None), (5, Some('Z'))]
        );
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let ok = input("ok", "1,2,BR\n");
        let ok_asn = input("ok", "1,2,3,X\n");
        let cases = [
            ("1,2,BR\n3,x,AR\n", "c4:2: `x` is not an address number"),
            (
                "1,2,BR\n5,4,AR\n",
                "c4:2: range ends (4) before it starts (5)",
            ),
            (
                "1,2,Brazil\n",
                "c4:1: `Brazil` is not a two-letter country code",
            ),
            ("1,2\n", "c4:1: 2 fields, expected 3"),
            (
                "1,4294967296,BR\n",
                "c4:1: `4294967296` is not an address number",
            ),
            ("", "c4: no rows"),
        ];
        for (text, want) in cases {
            let inputs = Inputs {
                country_v4: input("c4", text),
                country_v6: ok,
                asn_v4: ok_asn,
                asn_v6: ok_asn,
            };
            let err = build(&inputs, packages()).unwrap_err();
            assert_eq!(err.to_string(), want);
        }
    }
}
