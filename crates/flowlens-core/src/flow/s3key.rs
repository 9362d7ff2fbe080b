//! Facts carried by the name of a flow-log object delivered to S3:
//! `<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz`,
//! where the time stamp is the start of the window the file covers.

use crate::time::days_from_civil;

/// The window start (Unix seconds) from a `_YYYYMMDDTHHmmZ_` stamp anywhere in `name`.
pub fn window_stamp(name: &str) -> Option<u32> {
    let bytes = name.as_bytes();
    // The stamp is 14 bytes: 8 digits, 'T', 4 digits, 'Z'.
    bytes.windows(14).rev().find_map(|w| {
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = w.get(r)?;
            part.iter().try_fold(0u32, |acc, &b| {
                b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
            })
        };
        if w.get(8) != Some(&b'T') || w.get(13) != Some(&b'Z') {
            return None;
        }
        let (year, month, day) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
        let (hour, minute) = (digits(9..11)?, digits(11..13)?);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
            return None;
        }
        let days = days_from_civil(i64::from(year), month, day);
        let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60;
        u32::try_from(secs).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps() {
        let cases = [
            (
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/2020/09/16/123456789012_vpcflowlogs_us-east-1_fl-0123_20200916T0200Z_ab12cd34.log.gz",
                Some(1_600_221_600),
            ),
            ("x_19700101T0000Z_y.log", Some(0)),
            ("flows.log", None),
            ("x_20201316T0000Z_y.log", None),
            ("x_2020091T0200Z_y.log", None),
        ];
        for (name, expected) in cases {
            assert_eq!(window_stamp(name), expected, "{name}");
        }
    }
}
