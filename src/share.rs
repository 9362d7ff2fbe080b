//! The shareable view: the page's range, address, service port and k written in the
//! URL fragment (`#range=day:1600214400&addr=201.48.16.81&port=3306&k=3`), so that a
//! colleague who opens the link and loads the same files lands on the same view.
//!
//! Only these four parameters ever go into the fragment — never data. A fragment is
//! never sent to a server by the browser, and the page makes no request with it.
//! Parsing is total: an unknown key or a bad value is dropped with a notice for the
//! user, never a panic. Pure string code, tested natively; the page (`web::state`)
//! decides when the values apply (a range or an address may only exist once the files
//! are read).

use std::fmt::Write as _;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use flowlens_core::analysis::{TimeRange, WINDOW_SECS};

/// Seconds in a UTC day.
pub const DAY_SECS: u32 = 86_400;

/// The range the page shows: the whole data set, one UTC day or one 10-minute window.
/// The same value is in the URL fragment, the range selector and the requests to the
/// worker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "start_secs", rename_all = "snake_case")]
pub enum ViewRange {
    /// The whole data set (`all`).
    #[default]
    All,
    /// The UTC day starting at this second (`day:SECS`).
    Day(u32),
    /// The 10-minute window starting at this second (`window:SECS`).
    Window(u32),
}

impl ViewRange {
    /// The core's time range.
    pub fn time_range(self) -> TimeRange {
        match self {
            ViewRange::All => TimeRange::ALL,
            ViewRange::Day(start) => TimeRange::starting_at(start, DAY_SECS),
            ViewRange::Window(start) => TimeRange::starting_at(start, WINDOW_SECS),
        }
    }

    /// The UTC day the range lies in (`None` for the whole data set).
    pub fn day(self) -> Option<u32> {
        match self {
            ViewRange::All => None,
            ViewRange::Day(d) => Some(d),
            ViewRange::Window(w) => Some(w - w % DAY_SECS),
        }
    }

    /// The fragment's spelling: `all`, `day:SECS`, `window:SECS` (the same as the
    /// range selector's option values).
    pub fn encode(self) -> String {
        match self {
            ViewRange::All => "all".to_string(),
            ViewRange::Day(s) => format!("day:{s}"),
            ViewRange::Window(s) => format!("window:{s}"),
        }
    }

    /// The inverse of [`ViewRange::encode`]; days must start at UTC midnight and
    /// windows on a 10-minute boundary.
    pub fn decode(text: &str) -> Option<ViewRange> {
        if text == "all" {
            return Some(ViewRange::All);
        }
        let (kind, secs) = text.split_once(':')?;
        let secs: u32 = secs.parse().ok()?;
        match kind {
            "day" if secs % DAY_SECS == 0 => Some(ViewRange::Day(secs)),
            "window" if secs % WINDOW_SECS == 0 => Some(ViewRange::Window(secs)),
            _ => None,
        }
    }
}

/// The view parameters a fragment holds; `None` leaves a parameter as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ViewParams {
    /// The range.
    pub range: Option<ViewRange>,
    /// The selected address.
    pub addr: Option<IpAddr>,
    /// The service port (absent: detected).
    pub port: Option<u16>,
    /// k of the threshold.
    pub k: Option<f64>,
}

/// True for a k the page accepts: the analysis's one rule (finite, 0 or more).
pub use flowlens_core::analysis::valid_k;

/// Decodes `%XX` escapes (the browser may escape `:` of IPv6 addresses); `None` for a
/// broken escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Longest value quoted back in a notice (the rest is cut).
const NOTICE_VALUE_CHARS: usize = 40;

fn shown(value: &str) -> String {
    let cut: String = value.chars().take(NOTICE_VALUE_CHARS).collect();
    if cut.len() < value.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Parses a fragment (with or without its leading `#`): the values it holds, and one
/// notice per part that was ignored.
pub fn parse(fragment: &str) -> (ViewParams, Vec<String>) {
    let mut params = ViewParams::default();
    let mut notices = Vec::new();
    let text = fragment.strip_prefix('#').unwrap_or(fragment);
    for part in text.split('&').filter(|p| !p.is_empty()) {
        let (key, raw) = part.split_once('=').unwrap_or((part, ""));
        let Some(value) = percent_decode(raw) else {
            notices.push(format!("Link: `{}` is not readable; ignored.", shown(part)));
            continue;
        };
        let value = value.trim();
        match key {
            "range" => match ViewRange::decode(value) {
                Some(r) => params.range = Some(r),
                None => notices.push(format!(
                    "Link: range `{}` is not all, day:SECS or window:SECS; ignored.",
                    shown(value)
                )),
            },
            "addr" => match value.parse::<IpAddr>() {
                Ok(a) => params.addr = Some(a),
                Err(_) => notices.push(format!(
                    "Link: `{}` is not an IP address; ignored.",
                    shown(value)
                )),
            },
            "port" => match value.parse::<u16>() {
                Ok(p) => params.port = Some(p),
                Err(_) => notices.push(format!(
                    "Link: port `{}` is not a number from 0 to 65535; ignored.",
                    shown(value)
                )),
            },
            "k" => match value.parse::<f64>() {
                Ok(k) if valid_k(k) => params.k = Some(k),
                _ => notices.push(format!(
                    "Link: k `{}` is not a number of 0 or more; ignored.",
                    shown(value)
                )),
            },
            other => notices.push(format!(
                "Link: unknown parameter `{}`; ignored.",
                shown(other)
            )),
        }
    }
    (params, notices)
}

/// The fragment for `params`, without the `#`; keys in a fixed order, absent values
/// left out. `parse(&format(p)).0 == p` for every valid `p`.
pub fn format(params: &ViewParams) -> String {
    let mut out = String::new();
    let mut put = |key: &str, value: String| {
        if !out.is_empty() {
            out.push('&');
        }
        let _ = write!(out, "{key}={value}");
    };
    if let Some(r) = params.range {
        put("range", r.encode());
    }
    if let Some(a) = params.addr {
        put("addr", a.to_string());
    }
    if let Some(p) = params.port {
        put("port", p.to_string());
    }
    if let Some(k) = params.k {
        put("k", k.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_case_round_trips() {
        let text = "#range=day:1600214400&addr=201.48.16.81&port=3306&k=3";
        let (p, notices) = parse(text);
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(
            p,
            ViewParams {
                range: Some(ViewRange::Day(1_600_214_400)),
                addr: Some("201.48.16.81".parse().unwrap()),
                port: Some(3306),
                k: Some(3.0),
            }
        );
        assert_eq!(format(&p), &text[1..]);
        let p = ViewParams {
            range: Some(ViewRange::Window(1_600_221_600)),
            addr: Some("2001:db8::7".parse().unwrap()),
            port: None,
            k: Some(2.5),
        };
        assert_eq!(format(&p), "range=window:1600221600&addr=2001:db8::7&k=2.5");
        assert_eq!(parse(&format(&p)).0, p);
        assert_eq!(format(&ViewParams::default()), "");
    }

    #[test]
    fn bad_parts_are_dropped_with_a_notice() {
        let table: &[(&str, ViewParams, usize)] = &[
            ("", ViewParams::default(), 0),
            ("#", ViewParams::default(), 0),
            (
                "range=all",
                ViewParams {
                    range: Some(ViewRange::All),
                    ..Default::default()
                },
                0,
            ),
            // Not a day boundary (1600214400 + 1), not a window boundary, unknown kind.
            ("range=day:1600214401", ViewParams::default(), 1),
            // k = 0 is a threshold at the mean: taken.
            (
                "range=window:1600221601&k=0",
                ViewParams {
                    k: Some(0.0),
                    ..Default::default()
                },
                1,
            ),
            ("range=week:0&k=-1&k=NaN&k=inf", ViewParams::default(), 4),
            (
                "addr=999.1.1.1&port=70000&port=-1",
                ViewParams::default(),
                3,
            ),
            (
                "addr=2001%3Adb8%3A%3A7",
                ViewParams {
                    addr: "2001:db8::7".parse().ok(),
                    ..Default::default()
                },
                0,
            ),
            ("addr=%ZZ&addr=%E2%82", ViewParams::default(), 2),
            (
                "records=1,2,3&port=22",
                ViewParams {
                    port: Some(22),
                    ..Default::default()
                },
                1,
            ),
            (
                "k=1.5&&k",
                ViewParams {
                    k: Some(1.5),
                    ..Default::default()
                },
                1,
            ),
        ];
        for (text, want, notices) in table {
            let (got, n) = parse(text);
            assert_eq!(&got, want, "{text}");
            assert_eq!(n.len(), *notices, "{text}: {n:?}");
        }
        // A long hostile value is cut in the notice.
        let long = format!("addr={}", "x".repeat(500));
        let (_, n) = parse(&long);
        assert!(n[0].chars().count() < 100, "{}", n[0]);
    }
}
