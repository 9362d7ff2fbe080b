//! Numbers for people: thousands separators and decimal byte units (1 MB = 10^6 B,
//! as the case's "68.04 MB" and "almost 1 GB").

/// `1020600000` → `1,020,600,000`.
pub fn int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `5614.0234` with 2 decimals → `5,614.02`.
pub fn float(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let text = format!("{:.*}", decimals, x.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let whole = int(whole.parse::<u64>().unwrap_or(0));
    let sign = if x < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    }
}

/// Bytes in decimal units: `980 B`, `2.10 KB`, `68.04 MB`, `1.02 GB`.
pub fn bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if n < 1000.0 {
        return format!("{} B", float(n, if n.fract() == 0.0 { 0 } else { 2 }));
    }
    let mut value = n;
    let mut unit = "B";
    for u in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = u;
    }
    format!("{value:.2} {unit}")
}

/// `1 error`, `3 errors`: a count and its noun (the noun's plural with an `s`).
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", int(n))
    }
}

/// `45 s`, `23 min 46 s`, `2 h 05 min 00 s`, `3 d 4 h 00 min`: the one spelling of a
/// duration (the CLI, the summary, the hunt's findings and the page).
pub fn duration(secs: u32) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    if d > 0 {
        format!("{d} d {h} h {m:02} min")
    } else if h > 0 {
        format!("{h} h {m:02} min {s:02} s")
    } else if m > 0 {
        format!("{m} min {s:02} s")
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        for (secs, words) in [
            (0, "0 s"),
            (45, "45 s"),
            (60, "1 min 00 s"),
            (1426, "23 min 46 s"),
            (7500, "2 h 05 min 00 s"),
            (45_098, "12 h 31 min 38 s"),
            (273_600, "3 d 4 h 00 min"),
        ] {
            assert_eq!(duration(secs), words, "{secs} s");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1,000");
        assert_eq!(int(1_020_600_000), "1,020,600,000");
        assert_eq!(float(5614.0234, 2), "5,614.02");
        assert_eq!(float(-1234.5, 1), "-1,234.5");
        assert_eq!(float(0.004, 2), "0.00");
        assert_eq!(bytes(980.0), "980 B");
        assert_eq!(bytes(2100.0), "2.10 KB");
        assert_eq!(bytes(68_040_000.0), "68.04 MB");
        assert_eq!(bytes(1_020_600_000.0), "1.02 GB");
    }
}
