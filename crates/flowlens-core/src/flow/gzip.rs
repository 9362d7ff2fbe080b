//! A push-based gzip decoder (RFC 1952, any number of members) over flate2's raw
//! inflate. Every byte it decodes reaches the caller, even from a stream that turns out
//! damaged a moment later: the records before the damage are kept. (flate2's own
//! write-side decoder holds up to 32 KiB of decoded text back when it meets damage.)

use std::fmt;

use flate2::{Crc, Decompress, FlushDecompress, Status};

/// Longest gzip header accepted (file name and comment included).
const MAX_HEADER_BYTES: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading a member's header (bytes collect in `pending`).
    Header,
    /// Inflating a member's data.
    Body,
    /// Reading a member's 8-byte trailer (in `pending`).
    Trailer,
    /// A member ended; another may follow.
    Between,
}

/// What is wrong with a gzip stream. The words are flowlens's own (see `Display`), so
/// that they never depend on the inflate library or on how the input was cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GzipError {
    /// Bytes after a complete member that do not start another member.
    TrailingData,
    /// A member uses a compression method other than deflate.
    Method(u8),
    /// A member's header is longer than [`MAX_HEADER_BYTES`].
    HeaderTooLong,
    /// The deflate data is not valid.
    Deflate,
    /// The inflater stopped moving.
    NoProgress,
    /// A member's CRC or length does not match its data.
    Checksum,
    /// The stream stops inside a member (a cut file).
    EndsEarly,
}

impl GzipError {
    /// True when the data was cut short rather than damaged.
    pub fn is_cut(self) -> bool {
        self == GzipError::EndsEarly
    }
}

impl fmt::Display for GzipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GzipError::TrailingData => {
                f.write_str("data after the end of the gzip stream is not gzip")
            }
            GzipError::Method(method) => write!(f, "unknown gzip compression method {method}"),
            GzipError::HeaderTooLong => f.write_str("gzip header is too long"),
            GzipError::Deflate => f.write_str("gzip data is damaged (not valid deflate data)"),
            GzipError::NoProgress => {
                f.write_str("gzip data is damaged (the decoder made no progress)")
            }
            GzipError::Checksum => f.write_str("gzip checksum does not match: the data is damaged"),
            GzipError::EndsEarly => f.write_str("gzip data ends early (truncated file?)"),
        }
    }
}

impl std::error::Error for GzipError {}

/// Decodes gzip pushed in chunks.
pub struct GzipDecoder {
    state: State,
    inflate: Decompress,
    crc: Crc,
    pending: Vec<u8>,
}

impl Default for GzipDecoder {
    fn default() -> Self {
        GzipDecoder {
            state: State::Header,
            inflate: Decompress::new(false),
            crc: Crc::new(),
            pending: Vec::new(),
        }
    }
}

/// Length of a complete gzip header at the start of `b`; `Ok(None)` when more bytes
/// are needed.
fn header_len(b: &[u8]) -> Result<Option<usize>, GzipError> {
    let (Some(&id1), Some(&id2)) = (b.first(), b.get(1)) else {
        return Ok(None);
    };
    if id1 != 0x1f || id2 != 0x8b {
        return Err(GzipError::TrailingData);
    }
    let Some(&method) = b.get(2) else {
        return Ok(None);
    };
    if method != 8 {
        return Err(GzipError::Method(method));
    }
    let Some(&flags) = b.get(3) else {
        return Ok(None);
    };
    let mut at = 10;
    if b.len() < at {
        return Ok(None);
    }
    if flags & 4 != 0 {
        // FEXTRA: two-byte length, then the field.
        let (Some(&lo), Some(&hi)) = (b.get(at), b.get(at + 1)) else {
            return Ok(None);
        };
        at += 2 + usize::from(u16::from_le_bytes([lo, hi]));
    }
    for flag in [8u8, 16] {
        // FNAME, FCOMMENT: zero-terminated.
        if flags & flag != 0 {
            match b
                .get(at..)
                .and_then(|rest| rest.iter().position(|&c| c == 0))
            {
                Some(end) => at += end + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & 2 != 0 {
        at += 2; // FHCRC
    }
    Ok((b.len() >= at).then_some(at))
}

impl GzipDecoder {
    /// Decodes `input`, appending text to `out`. On an error, `out` still holds all
    /// text decoded before it; nothing more should be pushed.
    pub fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), GzipError> {
        while !input.is_empty() {
            match self.state {
                State::Header | State::Between => {
                    if self.state == State::Between {
                        self.inflate = Decompress::new(false);
                        self.crc = Crc::new();
                        self.state = State::Header;
                    }
                    // Take the fixed 10 bytes, then one byte at a time, so that no
                    // byte past the header is taken here.
                    let want = 10usize.saturating_sub(self.pending.len()).max(1);
                    let take = want.min(input.len());
                    self.pending.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    match header_len(&self.pending)? {
                        Some(_) => {
                            self.pending.clear();
                            self.state = State::Body;
                        }
                        None if self.pending.len() >= MAX_HEADER_BYTES => {
                            return Err(GzipError::HeaderTooLong);
                        }
                        None => {}
                    }
                }
                State::Body => {
                    let used = self.body(input, out)?;
                    input = &input[used..];
                }
                State::Trailer => {
                    let take = input.len().min(8 - self.pending.len());
                    self.pending.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    self.check_trailer()?;
                }
            }
        }
        Ok(())
    }

    /// Inflates from `input`; returns the bytes used. Moves on to the trailer (and
    /// reads it from the rest of `input` when it is there).
    fn body(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, GzipError> {
        let mut used = 0;
        while used < input.len() && self.state == State::Body {
            out.reserve(64 * 1024);
            let (in_before, out_before) = (self.inflate.total_in(), out.len());
            let status = self
                .inflate
                .decompress_vec(&input[used..], out, FlushDecompress::None)
                // NOTE: not the library's words: zlib-rs tells the cause (e.g. "invalid
                // distance too far back") only to the call that met it, and when that
                // call also gave text a later call hears "repeated call with bad state":
                // which one we see would depend on how the input was cut.
                .map_err(|_| GzipError::Deflate);
            let consumed = (self.inflate.total_in() - in_before) as usize;
            used += consumed;
            self.crc.update(out.get(out_before..).unwrap_or(&[]));
            match status? {
                Status::StreamEnd => {
                    self.state = State::Trailer;
                    self.pending.clear();
                }
                _ if consumed == 0 && out.len() == out_before => {
                    return Err(GzipError::NoProgress);
                }
                _ => {}
            }
        }
        if self.state == State::Trailer && used < input.len() {
            let take = (input.len() - used).min(8);
            self.pending.extend_from_slice(&input[used..used + take]);
            used += take;
            self.check_trailer()?;
        }
        Ok(used)
    }

    fn check_trailer(&mut self) -> Result<(), GzipError> {
        if self.pending.len() < 8 {
            return Ok(());
        }
        let word = |i: usize| {
            u32::from_le_bytes([
                self.pending[i],
                self.pending[i + 1],
                self.pending[i + 2],
                self.pending[i + 3],
            ])
        };
        if word(0) != self.crc.sum() || word(4) != self.crc.amount() {
            return Err(GzipError::Checksum);
        }
        self.pending.clear();
        self.state = State::Between;
        Ok(())
    }

    /// Ends the stream: an error when it stopped inside a member.
    pub fn finish(&self) -> Result<(), GzipError> {
        match self.state {
            State::Between => Ok(()),
            _ => Err(GzipError::EndsEarly),
        }
    }
}

/// gzip that may hold gzip again: a CloudWatch Logs subscription's Firehose object
/// is gzip members (one a batch), and Firehose may compress the whole object once
/// more. The first layer's output is looked at: when it starts with gzip's magic
/// bytes, a second decoder reads it. Two layers at most (a third would be binary).
#[derive(Default)]
pub struct GzipLayers {
    outer: GzipDecoder,
    /// The second layer, once its magic bytes were seen.
    inner: Option<Box<GzipDecoder>>,
    /// The first layer's first output, held until two bytes tell whether it is gzip.
    held: Vec<u8>,
    decided: bool,
    /// The first layer's output of the current push, reused.
    between: Vec<u8>,
}

impl GzipLayers {
    /// Decodes `input`, appending text to `out`; on an error `out` holds all text
    /// decoded before it.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), GzipError> {
        let mut between = std::mem::take(&mut self.between);
        between.clear();
        let outer = self.outer.push(input, &mut between);
        let inner = self.pass(&between, out);
        self.between = between;
        outer.and(inner)
    }

    /// Hands the first layer's output on, through the second layer when there is one.
    fn pass(&mut self, decoded: &[u8], out: &mut Vec<u8>) -> Result<(), GzipError> {
        if !self.decided {
            self.held.extend_from_slice(decoded);
            if self.held.len() < 2 {
                return Ok(());
            }
            return self.decide(out);
        }
        match &mut self.inner {
            Some(inner) => inner.push(decoded, out),
            None => {
                out.extend_from_slice(decoded);
                Ok(())
            }
        }
    }

    fn decide(&mut self, out: &mut Vec<u8>) -> Result<(), GzipError> {
        self.decided = true;
        let held = std::mem::take(&mut self.held);
        if held.starts_with(&[0x1f, 0x8b]) {
            self.inner = Some(Box::default());
        }
        self.pass(&held, out)
    }

    /// Ends the stream: the held bytes are handed on, and every layer must be complete.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), GzipError> {
        if !self.decided {
            self.decide(out)?;
        }
        self.outer.finish()?;
        match &self.inner {
            Some(inner) => inner.finish(),
            None => Ok(()),
        }
    }

    /// True when the content was gzipped twice.
    pub fn is_nested(&self) -> bool {
        self.inner.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn decode(input: &[u8], chunk: usize) -> (Vec<u8>, Result<(), GzipError>) {
        let mut d = GzipDecoder::default();
        let mut out = Vec::new();
        for c in input.chunks(chunk.max(1)) {
            if let Err(e) = d.push(c, &mut out) {
                return (out, Err(e));
            }
        }
        let end = d.finish();
        (out, end)
    }

    #[test]
    fn round_trips_in_any_chunking_and_with_several_members() {
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let two = [gzip(&text[..1000]), gzip(&text[1000..])].concat();
        for chunk in [1, 7, 4096, usize::MAX] {
            let (out, end) = decode(&gzip(&text), chunk);
            assert_eq!(end, Ok(()));
            assert_eq!(out, text);
            let (out, end) = decode(&two, chunk);
            assert_eq!(end, Ok(()));
            assert_eq!(out, text);
        }
        // A header with a file name.
        let mut named = flate2::GzBuilder::new()
            .filename("week.log")
            .write(Vec::new(), flate2::Compression::fast());
        named.write_all(b"hello\n").unwrap();
        assert_eq!(
            decode(&named.finish().unwrap(), 3),
            (b"hello\n".to_vec(), Ok(()))
        );
    }

    #[test]
    fn a_second_layer_is_found_and_read_in_any_chunking() {
        let text: Vec<u8> = (0..5_000u32)
            .flat_map(|i| format!("record {i}\n").into_bytes())
            .collect();
        let members = [gzip(&text[..100]), gzip(&text[100..])].concat();
        let twice = gzip(&members);
        for (input, nested) in [(&gzip(&text), false), (&members, false), (&twice, true)] {
            for chunk in [1, 2, 7, 4096, usize::MAX] {
                let mut layers = GzipLayers::default();
                let mut out = Vec::new();
                for c in input.chunks(chunk.min(input.len())) {
                    layers.push(c, &mut out).unwrap();
                }
                layers.finish(&mut out).unwrap();
                assert_eq!(out, text, "chunks of {chunk}");
                assert_eq!(layers.is_nested(), nested);
            }
        }
        // A cut inner layer is a cut.
        let mut layers = GzipLayers::default();
        let mut out = Vec::new();
        let cut = gzip(&gzip(&text)[..500]);
        layers.push(&cut, &mut out).unwrap();
        assert_eq!(layers.finish(&mut out), Err(GzipError::EndsEarly));
        assert!(text.starts_with(&out) && !out.is_empty());
    }

    /// Found by the fuzzer after the move to zlib-rs: the same damaged member (these
    /// 32 bytes) was reported in other words when read whole than in pieces.
    #[test]
    fn damage_is_reported_in_the_same_words_in_any_chunking() {
        let damaged = [
            0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0xfe, 0xfc, 0x52, 0x7a, 0xf4, 0xce, 0xd2, 0x61, 0xa8,
            0x74, 0xcf, 0x24, 0x22, 0x6c, 0xf9, 0xf9, 0x0d, 0xa6, 0x91, 0xc4, 0xc6, 8, 0, 0,
        ];
        let whole = decode(&damaged, usize::MAX);
        assert_eq!(whole.1, Err(GzipError::Deflate));
        for chunk in 1..=damaged.len() {
            assert_eq!(decode(&damaged, chunk), whole, "chunks of {chunk}");
        }
    }

    /// The regression found by the fuzzer: text decoded just before damage is kept,
    /// whatever the chunking.
    #[test]
    fn damage_keeps_everything_decoded_before_it() {
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("record {i}\n").into_bytes())
            .collect();
        let mut gz = gzip(&text);
        let cut = gz.len() * 3 / 4;
        let truncated = &gz[..cut];
        let (whole, end) = decode(truncated, usize::MAX);
        assert_eq!(end, Err(GzipError::EndsEarly));
        assert!(text.starts_with(&whole) && whole.len() > text.len() / 2);
        for chunk in [1, 13, 1000] {
            assert_eq!(decode(truncated, chunk).0, whole, "chunk {chunk}");
        }
        // Garbage in the middle: an error (inflate may first decode some garbage,
        // which the reader then reports as bad lines), with the text before it kept.
        for b in &mut gz[cut..cut + 64] {
            *b ^= 0x5a;
        }
        let (out, end) = decode(&gz, 4096);
        assert!(end.is_err());
        let same = out.iter().zip(&text).take_while(|(a, b)| a == b).count();
        assert!(same >= whole.len() * 9 / 10, "{same} of {}", whole.len());
        // Not gzip after a member.
        let trailing = [gzip(b"a\n"), b"junk".to_vec()].concat();
        let (out, end) = decode(&trailing, 2);
        assert_eq!(out, b"a\n");
        assert_eq!(end, Err(GzipError::TrailingData));
    }
}
