//! The report in the forms people keep: a one-page Markdown summary with the two
//! charts as embedded SVG images ([`markdown`]), and CSV of the sources table and of
//! the flows to the suspect ([`csv`]). The CLI (`flowlens analyze --output …`) and the
//! page's worker call the same functions on the same [`crate::analysis::Report`], so a
//! file saved from the page is the file the CLI writes. Times are UTC RFC 3339.

pub mod csv;
pub mod markdown;

use crate::time::format_rfc3339;

/// `2020-09-16T02:01:27Z`, or an empty string when unknown.
pub fn rfc3339_opt(secs: Option<u32>) -> String {
    secs.map(|s| format_rfc3339(i64::from(s)))
        .unwrap_or_default()
}

/// Standard base64 (RFC 4648, with padding) of `bytes`.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An SVG document as a `data:` URL (the page's CSP allows `img-src data:`).
pub fn svg_data_url(svg: &str) -> String {
    format!("data:image/svg+xml;base64,{}", base64(svg.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        // RFC 4648 section 10.
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
    }

    #[test]
    fn times_are_rfc3339_or_empty() {
        assert_eq!(rfc3339_opt(Some(1_600_221_687)), "2020-09-16T02:01:27Z");
        assert_eq!(rfc3339_opt(None), "");
        assert!(svg_data_url("<svg/>").starts_with("data:image/svg+xml;base64,PHN2Zy8+"));
    }
}
