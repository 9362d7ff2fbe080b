//! Calendar arithmetic for Unix seconds in UTC, without a clock: formatting as
//! RFC 3339 and parsing user-given times. Time in flowlens always comes from the
//! records themselves.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2020-09-16T02:01:27Z` for Unix seconds.
pub fn format_rfc3339(secs: i64) -> String {
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `02:01:27` (time of day, UTC) for Unix seconds.
pub fn format_time_of_day(secs: i64) -> String {
    let rem = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Parses Unix seconds (`1600221687`) or an RFC 3339 time in UTC or with an offset
/// (`2020-09-16T02:00:00Z`, `2020-09-16T04:00:00+02:00`, `2020-09-16 02:00`,
/// `2020-09-16`).
pub fn parse_time(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<i64>()
            .map_err(|_| format!("`{text}`: number too large"));
    }
    let bad = || {
        format!("`{text}` is not a time: use Unix seconds or RFC 3339 such as 2020-09-16T02:00:00Z")
    };
    let b = t.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0..4).ok_or_else(bad)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err(bad());
    }
    let month = num(5..7).ok_or_else(bad)?;
    let day = num(8..10).ok_or_else(bad)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    let mut secs = days_from_civil(year, month as u32, day as u32) * 86_400;
    let mut rest = b.get(10..).unwrap_or(&[]);
    if let Some((&sep, tail)) = rest.split_first() {
        if sep != b'T' && sep != b't' && sep != b' ' {
            return Err(bad());
        }
        let time = |r: std::ops::Range<usize>| -> Option<i64> {
            let part = tail.get(r)?;
            if !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(part).ok()?.parse().ok()
        };
        let hour = time(0..2).ok_or_else(bad)?;
        if tail.get(2) != Some(&b':') {
            return Err(bad());
        }
        let minute = time(3..5).ok_or_else(bad)?;
        let mut used = 5;
        let mut second = 0;
        if tail.get(5) == Some(&b':') {
            second = time(6..8).ok_or_else(bad)?;
            used = 8;
            // Fractions of a second are accepted and dropped.
            if tail.get(8) == Some(&b'.') {
                used = 9 + tail[9..].iter().take_while(|b| b.is_ascii_digit()).count();
            }
        }
        if hour > 23 || minute > 59 || second > 60 {
            return Err(bad());
        }
        secs += hour * 3600 + minute * 60 + second;
        rest = &tail[used..];
        match rest {
            [] | [b'Z'] | [b'z'] => {}
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digits = [*h1, *h2, *m1, *m2];
                if !digits.iter().all(u8::is_ascii_digit) {
                    return Err(bad());
                }
                let offset = i64::from((h1 - b'0') * 10 + (h2 - b'0')) * 3600
                    + i64::from((m1 - b'0') * 10 + (m2 - b'0')) * 60;
                secs += if *sign == b'+' { -offset } else { offset };
            }
            _ => return Err(bad()),
        }
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_known_dates() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_600_221_687), "2020-09-16T02:01:27Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        for days in [-1000, 0, 59, 365, 11_016, 18_521, 50_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn parses_times() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1600221687", Some(1_600_221_687)),
            ("2020-09-16T02:01:27Z", Some(1_600_221_687)),
            ("2020-09-16t02:01:27z", Some(1_600_221_687)),
            ("2020-09-16T02:01:27.500Z", Some(1_600_221_687)),
            ("2020-09-16T04:01:27+02:00", Some(1_600_221_687)),
            ("2020-09-16 02:01", Some(1_600_221_660)),
            ("2020-09-16", Some(1_600_214_400)),
            ("2020-13-16", None),
            ("yesterday", None),
            ("2020-09-16T25:00Z", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_time(input).ok(), *expected, "{input}");
        }
    }
}
