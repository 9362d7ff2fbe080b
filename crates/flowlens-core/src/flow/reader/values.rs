//! Parsing field values from bytes: counters, ports, times (seconds or milliseconds)
//! and `-` as missing. Parsing carries no strings: what is wrong is a [`Bad`], worded
//! only when a line is reported.

/// Start/end values above this are milliseconds (AWS writes seconds; some exports
/// carry milliseconds).
pub(super) const MAX_SECONDS: u64 = i32::MAX as u64;

/// A field's bytes for a message: lossy UTF-8, at most 40 characters.
pub(super) fn shown(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// An unsigned integer or `-`.
#[inline]
pub(super) fn parse_u64(raw: &[u8]) -> Result<Option<u64>, Bad> {
    // Up to 19 digits cannot overflow a u64: the common case needs no checks.
    if !raw.is_empty() && raw.len() <= 19 {
        let mut value: u64 = 0;
        let mut digits = true;
        for &b in raw {
            let d = b.wrapping_sub(b'0');
            digits &= d < 10;
            value = value.wrapping_mul(10).wrapping_add(u64::from(d));
        }
        if digits {
            return Ok(Some(value));
        }
    }
    parse_u64_slow(raw)
}

#[cold]
pub(super) fn parse_u64_slow(raw: &[u8]) -> Result<Option<u64>, Bad> {
    if raw == b"-" {
        return Ok(None);
    }
    if raw.is_empty() {
        return Err(Bad::Empty);
    }
    let mut value: u64 = 0;
    for &b in raw {
        if !b.is_ascii_digit() {
            return Err(Bad::NotNumber);
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(Bad::TooLarge)?;
    }
    Ok(Some(value))
}

#[inline(always)]
pub(super) fn parse_small(raw: &[u8], max: u64) -> Result<Option<u64>, Bad> {
    match parse_u64(raw)? {
        Some(v) if v > max => Err(Bad::OutOfRange(max)),
        other => Ok(other),
    }
}

/// Unix seconds, or milliseconds (normalised to seconds) when above 2^31 − 1.
#[inline(always)]
pub(super) fn parse_time(raw: &[u8]) -> Result<Option<u32>, Bad> {
    match parse_u64(raw)? {
        None => Ok(None),
        Some(v) => {
            let secs = if v > MAX_SECONDS { v / 1000 } else { v };
            u32::try_from(secs).map(Some).map_err(|_| Bad::NotTime)
        }
    }
}

/// What is wrong with a field. Parsing carries no strings; [`Bad::message`] words the
/// problem when a line is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Bad {
    Empty,
    NotNumber,
    TooLarge,
    /// Above the maximum given.
    OutOfRange(u64),
    NotTime,
    NotAddr,
    NotAction,
    NotStatus,
    NotUtf8,
}

impl Bad {
    /// The message for field `raw`.
    #[cold]
    pub(super) fn message(self, raw: &[u8]) -> String {
        // The value of a field that is all digits (out of range, not a time).
        let value = || match parse_u64_slow(raw) {
            Ok(Some(v)) => v.to_string(),
            _ => shown(raw),
        };
        match self {
            Bad::Empty => "is empty".to_string(),
            Bad::NotNumber => format!("`{}` is not a number", shown(raw)),
            Bad::TooLarge => format!("`{}` is too large", shown(raw)),
            Bad::OutOfRange(max) => format!("{} is out of range (0 to {max})", value()),
            Bad::NotTime => format!("{} is not a time in seconds or milliseconds", value()),
            Bad::NotAddr => format!("`{}` is not an IP address", shown(raw)),
            Bad::NotAction => format!("`{}` is not ACCEPT or REJECT", shown(raw)),
            Bad::NotStatus => format!("`{}` is not OK, NODATA or SKIPDATA", shown(raw)),
            Bad::NotUtf8 => "is not UTF-8 text".to_string(),
        }
    }
}
