//! Numbers and times as the page writes them: bytes in decimal units (KB/MB/GB, as
//! the report and the CLI do), counts with thousands separators, times in UTC.

use flowlens_core::analysis::units;
use flowlens_core::time::{format_rfc3339, format_time_of_day};

/// `68.04 MB`.
pub fn bytes(n: u64) -> String {
    units::bytes(n as f64)
}

/// `68.04 MB` for a mean or a threshold.
pub fn bytes_f(x: f64) -> String {
    units::bytes(x)
}

/// `150,432`.
pub fn int(n: u64) -> String {
    units::int(n)
}

/// `5,614.02`.
pub fn float(x: f64, decimals: usize) -> String {
    units::float(x, decimals)
}

/// `2020-09-16 02:01:27 UTC`.
pub fn utc(secs: u32) -> String {
    format_rfc3339(i64::from(secs))
        .replacen('T', " ", 1)
        .replace('Z', " UTC")
}

/// `2020-09-16 02:01:27 UTC`, or a dash when unknown.
pub fn utc_opt(secs: Option<u32>) -> String {
    secs.map(utc).unwrap_or_else(|| "–".to_string())
}

/// `09-16 02:01:27` (tables, where the column says UTC), or a dash.
pub fn short_utc_opt(secs: Option<u32>) -> String {
    secs.map(|s| {
        let text = format_rfc3339(i64::from(s));
        text.get(5..19).map(|t| t.replace('T', " ")).unwrap_or(text)
    })
    .unwrap_or_else(|| "–".to_string())
}

/// `02:01:27`.
pub fn time_of_day(secs: u32) -> String {
    format_time_of_day(i64::from(secs))
}

/// `2020-09-16`.
pub fn day(secs: u32) -> String {
    let text = format_rfc3339(i64::from(secs));
    text.split('T').next().unwrap_or(&text).to_string()
}

/// `23 min 46 s`, `2 h 05 min 00 s`, `3 d 4 h 00 min`: the one spelling of a
/// duration, shared with the CLI and the summary.
pub use flowlens_core::analysis::units::duration;
