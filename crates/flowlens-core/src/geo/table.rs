//! The address table file and its lookup.
//!
//! One file holds IPv4 and IPv6. Each family is a sorted list of range starts; range
//! `i` covers `[start[i], start[i + 1])` (the last one runs to the end of the family)
//! and has one answer: an index into a deduplicated list of (country, AS number, AS
//! organisation) records, or 0 for "nothing known" (gaps). A lookup is one binary
//! search. Adjacent ranges never have the same answer (the builder merges them).
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic        8 bytes  "FLGEOTBL"
//! version      u32      FORMAT_VERSION
//! header_len   u32      then header_len bytes of JSON: the GeoDatabase (source packages,
//!                       their versions and licences, attribution text)
//! body_len     u32      length of the body once inflated (at most MAX_BODY)
//! body         raw DEFLATE stream to the end of the file, inflating to:
//!   n4 u32, n6 u32, n_records u32, blob_len u32
//!   v4 starts  n4 × u32    strictly increasing
//!   v4 answers n4 × u32    0 or 1 + record index
//!   v6 starts  n6 × u128   strictly increasing
//!   v6 answers n6 × u32
//!   records    n_records × (country [u8; 2] ("\0\0": unknown) · asn u32 (0: unknown) ·
//!              org_offset u32 · org_len u32 (0: unknown))
//!   blob       blob_len bytes of UTF-8: the organisation names
//! ```
//!
//! [`GeoDb::from_bytes`] checks every part of this and never panics on any input.

use std::fmt;
use std::io::{Read, Write};
use std::net::IpAddr;

use super::{is_routable, Geo, GeoDatabase};

/// The first eight bytes of a table file.
pub const MAGIC: &[u8; 8] = b"FLGEOTBL";
/// The format version this code reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// Largest inflated body accepted (the real one is about 15 MB).
pub const MAX_BODY: u32 = 128 << 20;
/// Largest header accepted.
const MAX_HEADER: u32 = 1 << 20;
/// Bytes of one record in the body.
const RECORD_BYTES: usize = 14;

/// Why a table file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GeoError {
    /// Not a flowlens address table (wrong magic).
    NotATable,
    /// Written by a newer or older flowlens.
    Version(u32),
    /// Ends before a part it announces.
    Truncated(&'static str),
    /// The compressed body does not inflate to the announced size.
    Body(String),
    /// A part is inconsistent (unsorted starts, index out of range, bad text…).
    Invalid(String),
}

impl fmt::Display for GeoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeoError::NotATable => write!(f, "not a flowlens address table (bad magic)"),
            GeoError::Version(v) => write!(
                f,
                "address table format version {v}, this flowlens reads version {FORMAT_VERSION}"
            ),
            GeoError::Truncated(what) => write!(f, "address table truncated in its {what}"),
            GeoError::Body(why) => write!(f, "address table body unreadable: {why}"),
            GeoError::Invalid(why) => write!(f, "address table invalid: {why}"),
        }
    }
}

impl std::error::Error for GeoError {}

/// One deduplicated answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Record {
    /// Two upper-case ASCII letters, or unknown.
    pub country: Option<[u8; 2]>,
    /// AS number, or unknown.
    pub asn: Option<u32>,
    /// Byte range of the organisation in the blob, or unknown.
    pub org: Option<(u32, u32)>,
}

/// A loaded address table: IP → country and autonomous system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeoDb {
    pub(crate) database: GeoDatabase,
    pub(crate) v4_starts: Vec<u32>,
    pub(crate) v4_answers: Vec<u32>,
    pub(crate) v6_starts: Vec<u128>,
    pub(crate) v6_answers: Vec<u32>,
    pub(crate) records: Vec<Record>,
    pub(crate) blob: String,
}

impl GeoDb {
    /// Reads and checks a table file. Any byte string gives a table or an error, never
    /// a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<GeoDb, GeoError> {
        let mut cur = Cursor::new(bytes);
        let magic = cur.take(8, "magic").map_err(|_| GeoError::NotATable)?;
        if magic != MAGIC {
            return Err(GeoError::NotATable);
        }
        let version = cur.u32("version")?;
        if version != FORMAT_VERSION {
            return Err(GeoError::Version(version));
        }
        let header_len = cur.u32("header")?;
        if header_len > MAX_HEADER {
            return Err(GeoError::Invalid(format!(
                "header of {header_len} bytes is too long"
            )));
        }
        let header = cur.take(header_len as usize, "header")?;
        let database: GeoDatabase = serde_json::from_slice(header)
            .map_err(|e| GeoError::Invalid(format!("header: {e}")))?;
        if database.format_version != FORMAT_VERSION {
            return Err(GeoError::Invalid(format!(
                "header names format version {}, the file is version {FORMAT_VERSION}",
                database.format_version
            )));
        }
        let body_len = cur.u32("body length")?;
        if body_len > MAX_BODY {
            return Err(GeoError::Invalid(format!(
                "body of {body_len} bytes is larger than {MAX_BODY}"
            )));
        }
        // Reserve no more than the compressed bytes could plausibly give: a hostile
        // header must not make us reserve MAX_BODY up front.
        let plausible = cur.rest().len().saturating_mul(16);
        let mut body = Vec::with_capacity((body_len as usize).min(plausible));
        flate2::read::DeflateDecoder::new(cur.rest())
            .take(u64::from(body_len) + 1)
            .read_to_end(&mut body)
            .map_err(|e| GeoError::Body(e.to_string()))?;
        if body.len() != body_len as usize {
            return Err(GeoError::Body(format!(
                "inflates to {} bytes, the header says {body_len}",
                body.len()
            )));
        }
        Self::from_body(database, &body)
    }

    /// Parses and checks the inflated body.
    pub(crate) fn from_body(database: GeoDatabase, body: &[u8]) -> Result<GeoDb, GeoError> {
        let mut cur = Cursor::new(body);
        let n4 = cur.u32("counts")? as usize;
        let n6 = cur.u32("counts")? as usize;
        let n_records = cur.u32("counts")? as usize;
        let blob_len = cur.u32("counts")? as usize;
        // Sizes are checked against what is left before anything is allocated.
        let v4_starts: Vec<u32> = cur.array(n4, 4, "IPv4 starts")?.map(le_u32).collect();
        let v4_answers: Vec<u32> = cur.array(n4, 4, "IPv4 answers")?.map(le_u32).collect();
        let v6_starts: Vec<u128> = cur.array(n6, 16, "IPv6 starts")?.map(le_u128).collect();
        let v6_answers: Vec<u32> = cur.array(n6, 4, "IPv6 answers")?.map(le_u32).collect();
        let records: Vec<Record> = cur
            .array(n_records, RECORD_BYTES, "records")?
            .map(|r| {
                let country = [r.first().copied(), r.get(1).copied()];
                Record {
                    country: match country {
                        [Some(0), Some(0)] => None,
                        [Some(a), Some(b)] => Some([a, b]),
                        _ => None,
                    },
                    asn: r.get(2..6).map(le_u32).filter(|&n| n != 0),
                    org: match (r.get(6..10).map(le_u32), r.get(10..14).map(le_u32)) {
                        (Some(off), Some(len)) if len != 0 => Some((off, len)),
                        _ => None,
                    },
                }
            })
            .collect();
        let blob = cur.take(blob_len, "organisation names")?;
        if !cur.rest().is_empty() {
            return Err(GeoError::Invalid(format!(
                "{} bytes after the organisation names",
                cur.rest().len()
            )));
        }
        let blob = String::from_utf8(blob.to_vec())
            .map_err(|_| GeoError::Invalid("organisation names are not UTF-8".into()))?;
        check_sorted(&v4_starts, "IPv4")?;
        check_sorted(&v6_starts, "IPv6")?;
        for (family, answers) in [("IPv4", &v4_answers), ("IPv6", &v6_answers)] {
            if let Some(bad) = answers.iter().find(|&&a| a as usize > n_records) {
                return Err(GeoError::Invalid(format!(
                    "{family} answer {bad} but only {n_records} records"
                )));
            }
        }
        for (i, record) in records.iter().enumerate() {
            if let Some(c) = record.country {
                if !c.iter().all(u8::is_ascii_uppercase) {
                    return Err(GeoError::Invalid(format!(
                        "record {i}: country is not two capital letters"
                    )));
                }
            }
            if let Some((off, len)) = record.org {
                let end = (off as usize).checked_add(len as usize);
                if end.and_then(|end| blob.get(off as usize..end)).is_none() {
                    return Err(GeoError::Invalid(format!(
                        "record {i}: organisation outside the names or inside a character"
                    )));
                }
            }
        }
        Ok(GeoDb {
            database,
            v4_starts,
            v4_answers,
            v6_starts,
            v6_answers,
            records,
            blob,
        })
    }

    /// Writes the table file (deterministic: the same table gives the same bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.database).unwrap_or_default();
        let mut body = Vec::new();
        for n in [
            self.v4_starts.len(),
            self.v6_starts.len(),
            self.records.len(),
            self.blob.len(),
        ] {
            body.extend_from_slice(&(n as u32).to_le_bytes());
        }
        for s in &self.v4_starts {
            body.extend_from_slice(&s.to_le_bytes());
        }
        for a in &self.v4_answers {
            body.extend_from_slice(&a.to_le_bytes());
        }
        for s in &self.v6_starts {
            body.extend_from_slice(&s.to_le_bytes());
        }
        for a in &self.v6_answers {
            body.extend_from_slice(&a.to_le_bytes());
        }
        for r in &self.records {
            body.extend_from_slice(&r.country.unwrap_or([0, 0]));
            body.extend_from_slice(&r.asn.unwrap_or(0).to_le_bytes());
            let (off, len) = r.org.unwrap_or((0, 0));
            body.extend_from_slice(&off.to_le_bytes());
            body.extend_from_slice(&len.to_le_bytes());
        }
        body.extend_from_slice(self.blob.as_bytes());

        let mut out = Vec::with_capacity(body.len() / 3);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        let mut deflate = flate2::write::DeflateEncoder::new(out, flate2::Compression::best());
        // Writing to a Vec cannot fail.
        let _ = deflate.write_all(&body);
        deflate.finish().unwrap_or_default()
    }

    /// The country and autonomous system of `addr`; `None` for private and reserved
    /// addresses and for addresses the database does not cover. IPv4-mapped IPv6
    /// addresses are looked up as IPv4.
    pub fn lookup(&self, addr: IpAddr) -> Option<Geo> {
        if !is_routable(addr) {
            return None;
        }
        let answer = match addr {
            IpAddr::V4(v4) => find(&self.v4_starts, &self.v4_answers, u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => find(&self.v4_starts, &self.v4_answers, u32::from(v4)),
                None => find(&self.v6_starts, &self.v6_answers, u128::from(v6)),
            },
        }?;
        let record = self.records.get(answer.checked_sub(1)? as usize)?;
        let geo = Geo {
            country: record
                .country
                .and_then(|c| std::str::from_utf8(&c).ok().map(str::to_string)),
            asn: record.asn,
            as_org: record.org.and_then(|(off, len)| {
                let end = (off as usize).checked_add(len as usize)?;
                self.blob.get(off as usize..end).map(str::to_string)
            }),
        };
        (geo.country.is_some() || geo.asn.is_some() || geo.as_org.is_some()).then_some(geo)
    }

    /// The source packages, versions and attribution of this table.
    pub fn database(&self) -> GeoDatabase {
        self.database.clone()
    }

    /// Number of (IPv4, IPv6) ranges.
    pub fn range_counts(&self) -> (usize, usize) {
        (self.v4_starts.len(), self.v6_starts.len())
    }
}

/// The answer of the range holding `x`: 0 below the first start.
fn find<T: Ord + Copy>(starts: &[T], answers: &[u32], x: T) -> Option<u32> {
    let i = starts.partition_point(|&s| s <= x);
    answers.get(i.checked_sub(1)?).copied()
}

fn check_sorted<T: Ord>(starts: &[T], family: &str) -> Result<(), GeoError> {
    match starts
        .windows(2)
        .position(|w| matches!(w, [a, b] if a >= b))
    {
        Some(i) => Err(GeoError::Invalid(format!(
            "{family} range starts not increasing at range {}",
            i + 1
        ))),
        None => Ok(()),
    }
}

fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    u32::from_le_bytes(a)
}

fn le_u128(b: &[u8]) -> u128 {
    let mut a = [0u8; 16];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    u128::from_le_bytes(a)
}

/// A bounds-checked reader over a byte slice.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Cursor { rest: bytes }
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], GeoError> {
        if n > self.rest.len() {
            return Err(GeoError::Truncated(what));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, GeoError> {
        self.take(4, what).map(le_u32)
    }

    /// `n` items of `size` bytes each.
    fn array(
        &mut self,
        n: usize,
        size: usize,
        what: &'static str,
    ) -> Result<std::slice::ChunksExact<'a, u8>, GeoError> {
        let len = n.checked_mul(size).ok_or(GeoError::Truncated(what))?;
        Ok(self.take(len, what)?.chunks_exact(size))
    }

    fn rest(&self) -> &'a [u8] {
        self.rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::GeoPackage;
    use proptest::prelude::*;

    fn database() -> GeoDatabase {
        GeoDatabase {
            format_version: FORMAT_VERSION,
            packages: vec![GeoPackage {
                name: "test".into(),
                version: "1".into(),
                license: "CC0-1.0".into(),
            }],
            attribution: "test data".into(),
        }
    }

    /// A hand-made table: IPv4 1.0.0.0–1.0.0.255 AU/AS13335, gap, 8.8.8.0/24 US/AS15169,
    /// and the top range 223.255.255.0–255.255.255.255 JP without AS; IPv6
    /// 2001:200::/32 JP/AS2500 and a last range reaching ffff:….
    fn sample() -> GeoDb {
        let ip4 = |s: &str| u32::from(s.parse::<std::net::Ipv4Addr>().unwrap());
        let ip6 = |s: &str| u128::from(s.parse::<std::net::Ipv6Addr>().unwrap());
        GeoDb {
            database: database(),
            v4_starts: vec![
                ip4("1.0.0.0"),
                ip4("1.0.1.0"),
                ip4("8.8.8.0"),
                ip4("8.8.9.0"),
                ip4("223.255.255.0"),
            ],
            v4_answers: vec![1, 0, 2, 0, 3],
            v6_starts: vec![ip6("2001:200::"), ip6("2001:201::"), ip6("2c0f:ffff::")],
            v6_answers: vec![4, 0, 1],
            records: vec![
                Record {
                    country: Some(*b"AU"),
                    asn: Some(13335),
                    org: Some((0, 16)),
                },
                Record {
                    country: Some(*b"US"),
                    asn: Some(15169),
                    org: Some((16, 10)),
                },
                Record {
                    country: Some(*b"JP"),
                    asn: None,
                    org: None,
                },
                Record {
                    country: Some(*b"JP"),
                    asn: Some(2500),
                    org: Some((26, 12)),
                },
            ],
            blob: "Cloudflare, Inc.Google LLCWIDE Project".into(),
        }
    }

    fn geo(country: &str, asn: Option<u32>, org: Option<&str>) -> Option<Geo> {
        Some(Geo {
            country: Some(country.into()),
            asn,
            as_org: org.map(str::to_string),
        })
    }

    #[test]
    fn lookups_at_range_boundaries() {
        let db = GeoDb::from_bytes(&sample().to_bytes()).unwrap();
        let cf = geo("AU", Some(13335), Some("Cloudflare, Inc."));
        let goog = geo("US", Some(15169), Some("Google LLC"));
        let cases: &[(&str, Option<Geo>)] = &[
            ("0.255.255.255", None),                  // before the first range
            ("1.0.0.0", cf.clone()),                  // first address of the first range
            ("1.0.0.255", cf.clone()),                // its last address
            ("1.0.1.0", None),                        // the gap after it
            ("8.8.7.255", None),                      // last address of the gap
            ("8.8.8.8", goog.clone()),                // inside
            ("8.8.8.255", goog),                      // last of the range
            ("8.8.9.0", None),                        // gap again
            ("223.255.255.0", geo("JP", None, None)), // first of the last range
            ("223.255.255.255", geo("JP", None, None)),
            ("10.1.2.3", None),     // private: never looked up
            ("::ffff:1.0.0.7", cf), // IPv4-mapped IPv6 → IPv4 table
            ("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", None),
            ("2001:200::", geo("JP", Some(2500), Some("WIDE Project"))),
            (
                "2001:200:ffff:ffff:ffff:ffff:ffff:ffff",
                geo("JP", Some(2500), Some("WIDE Project")),
            ),
            ("2001:201::", None),
            (
                "2c0f:ffff::1",
                geo("AU", Some(13335), Some("Cloudflare, Inc.")),
            ),
            (
                "2fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                geo("AU", Some(13335), Some("Cloudflare, Inc.")),
            ),
            ("fe80::1", None),
        ];
        for (addr, want) in cases {
            assert_eq!(&db.lookup(addr.parse().unwrap()), want, "{addr}");
        }
        assert_eq!(db.database(), database());
        assert_eq!(db.range_counts(), (5, 3));
    }

    #[test]
    fn round_trip_and_same_bytes() {
        let db = sample();
        let bytes = db.to_bytes();
        assert_eq!(&bytes[..8], MAGIC);
        assert_eq!(GeoDb::from_bytes(&bytes).unwrap(), db);
        assert_eq!(db.clone().to_bytes(), bytes);
    }

    /// Builds a file around a hand-written body, for the checks of each part.
    fn file_with_body(body: &[u8]) -> Vec<u8> {
        let header = serde_json::to_vec(&database()).unwrap();
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        let mut enc = flate2::write::DeflateEncoder::new(out, flate2::Compression::fast());
        enc.write_all(body).unwrap();
        enc.finish().unwrap()
    }

    fn body(n4: &[(u32, u32)], records: &[([u8; 2], u32, u32, u32)], blob: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        for n in [n4.len(), 0, records.len(), blob.len()] {
            b.extend_from_slice(&(n as u32).to_le_bytes());
        }
        n4.iter()
            .for_each(|(s, _)| b.extend_from_slice(&s.to_le_bytes()));
        n4.iter()
            .for_each(|(_, a)| b.extend_from_slice(&a.to_le_bytes()));
        for (c, asn, off, len) in records {
            b.extend_from_slice(c);
            for n in [asn, off, len] {
                b.extend_from_slice(&n.to_le_bytes());
            }
        }
        b.extend_from_slice(blob);
        b
    }

    #[test]
    fn refuses_broken_files() {
        let good = sample().to_bytes();
        let rec = [(*b"BR", 16735, 0, 5)];
        type Case = (&'static str, Vec<u8>, fn(&GeoError) -> bool);
        let cases: Vec<Case> = vec![
            ("empty", vec![], |e| *e == GeoError::NotATable),
            ("magic", b"FLGEOTBX\x01\0\0\0".to_vec(), |e| {
                *e == GeoError::NotATable
            }),
            ("version", [&MAGIC[..], &2u32.to_le_bytes()].concat(), |e| {
                *e == GeoError::Version(2)
            }),
            ("cut header", good[..20].to_vec(), |e| {
                matches!(e, GeoError::Truncated(_))
            }),
            ("cut body", good[..good.len() - 10].to_vec(), |e| {
                matches!(e, GeoError::Body(_))
            }),
            (
                "ok",
                file_with_body(&body(&[(1, 1)], &rec, b"ALGAR")),
                |_| false,
            ),
            (
                "unsorted",
                file_with_body(&body(&[(5, 1), (5, 0)], &rec, b"ALGAR")),
                |e| matches!(e, GeoError::Invalid(m) if m.contains("not increasing")),
            ),
            (
                "answer out of range",
                file_with_body(&body(&[(1, 2)], &rec, b"ALGAR")),
                |e| matches!(e, GeoError::Invalid(m) if m.contains("only 1 records")),
            ),
            (
                "org outside blob",
                file_with_body(&body(&[(1, 1)], &[(*b"BR", 1, 3, 5)], b"ALGAR")),
                |e| matches!(e, GeoError::Invalid(m) if m.contains("organisation")),
            ),
            (
                "org inside a character",
                file_with_body(&body(&[(1, 1)], &[(*b"BR", 1, 0, 1)], "Ô".as_bytes())),
                |e| matches!(e, GeoError::Invalid(m) if m.contains("organisation")),
            ),
            (
                "bad country",
                file_with_body(&body(&[(1, 1)], &[(*b"b1", 1, 0, 5)], b"ALGAR")),
                |e| matches!(e, GeoError::Invalid(m) if m.contains("country")),
            ),
            (
                "trailing bytes",
                file_with_body(&[body(&[(1, 1)], &rec, b"ALGAR"), vec![0]].concat()),
                |e| matches!(e, GeoError::Invalid(m) if m.contains("after")),
            ),
            (
                "huge counts",
                file_with_body(&[u32::MAX.to_le_bytes(); 4].concat()),
                |e| matches!(e, GeoError::Truncated(_)),
            ),
        ];
        for (name, bytes, expected) in cases {
            match GeoDb::from_bytes(&bytes) {
                Ok(db) => {
                    assert_eq!(name, "ok", "{name} was accepted");
                    assert_eq!(
                        db.lookup("8.8.8.8".parse().unwrap()),
                        geo("BR", Some(16735), Some("ALGAR"))
                    );
                }
                Err(e) => assert!(expected(&e), "{name}: unexpected {e:?}"),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Arbitrary bytes never panic, whole files or bodies.
        #[test]
        fn hostile_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = GeoDb::from_bytes(&bytes);
            let with_magic = [&MAGIC[..], &FORMAT_VERSION.to_le_bytes(), &bytes].concat();
            let _ = GeoDb::from_bytes(&with_magic);
            if let Ok(db) = GeoDb::from_body(database(), &bytes) {
                for addr in ["1.2.3.4", "255.255.255.255", "2001:db9::1", "2c0f::"] {
                    let _ = db.lookup(addr.parse().unwrap());
                }
            }
            let _ = GeoDb::from_bytes(&file_with_body(&bytes));
        }

        /// Damaging a valid file anywhere gives an error or a table that answers
        /// without panicking.
        #[test]
        fn damaged_files_never_panic(at in any::<prop::sample::Index>(), byte in any::<u8>(),
                                     cut in any::<prop::sample::Index>()) {
            let good = sample().to_bytes();
            let mut bad = good.clone();
            let i = at.index(bad.len());
            bad[i] = byte;
            for candidate in [&bad[..], &good[..cut.index(good.len())]] {
                if let Ok(db) = GeoDb::from_bytes(candidate) {
                    let _ = db.lookup("8.8.8.8".parse().unwrap());
                    let _ = db.lookup("2001:200::1".parse().unwrap());
                }
            }
        }

        /// Lookups agree with a linear scan of the ranges.
        #[test]
        fn lookup_matches_linear_scan(x in any::<u32>()) {
            let db = sample();
            let want = db.v4_starts.iter().zip(&db.v4_answers)
                .rev().find(|(s, _)| **s <= x).map(|(_, a)| *a).unwrap_or(0);
            prop_assert_eq!(find(&db.v4_starts, &db.v4_answers, x).unwrap_or(0), want);
        }
    }
}
