//! Telling what a file's bytes are, by their first bytes, never by the name: gzip,
//! ZIP, Parquet, or text; and whether text is in fact binary data.

/// Bytes at the start of a text that are checked for binary content.
pub(super) const BINARY_SNIFF_BYTES: usize = 1024;

/// What the first bytes of a file say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sniffed {
    /// gzip (RFC 1952): `1f 8b`.
    Gzip,
    /// A ZIP archive: `PK\x03\x04` (or an empty one, `PK\x05\x06`).
    Zip,
    /// Apache Parquet: `PAR1`.
    Parquet,
    /// Anything else is taken as text (and checked for binary content).
    Text,
}

/// Bytes needed to tell the forms apart.
pub(super) const SNIFF_BYTES: usize = 4;

/// What `first` (at least [`SNIFF_BYTES`] bytes, or the whole file) is.
pub(super) fn sniff(first: &[u8]) -> Sniffed {
    if first.starts_with(&[0x1f, 0x8b]) {
        Sniffed::Gzip
    } else if first.starts_with(b"PK\x03\x04") || first.starts_with(b"PK\x05\x06") {
        Sniffed::Zip
    } else if first.starts_with(b"PAR1") {
        Sniffed::Parquet
    } else {
        Sniffed::Text
    }
}

/// True when the first bytes of a text are clearly not text (NUL bytes or many
/// control characters).
pub(super) fn looks_binary(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(BINARY_SNIFF_BYTES)];
    if sample.contains(&0) {
        return true;
    }
    let control = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    control * 10 > sample.len()
}
