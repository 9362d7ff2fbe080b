//! Splitting a line into fields. Fields are separated by a space or a tab; a run of
//! them is one separator (AWS writes one space, hand-edited and re-exported files have
//! runs), found eight bytes at a time.

use super::lines::MAX_FIELDS;

/// True for the bytes that separate fields: a space or a tab.
#[inline(always)]
pub(super) fn is_separator(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Calls `found` with the position of each separator (space or tab) of `text`, in
/// order, until it returns `None`; returns false then. Eight bytes are tested at a
/// time, each word on its own (no position depends on the one before), which keeps
/// the processor busy: one exact test finds the bytes below `!` (spaces, tabs and the
/// other control characters, which are rare), and each one found is then checked.
#[inline(always)]
pub(super) fn each_separator(text: &[u8], mut found: impl FnMut(usize) -> Option<()>) -> bool {
    pub(super) const ONES: u64 = 0x0101_0101_0101_0101;
    pub(super) const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Added to the low seven bits of each byte: sets the byte's high bit exactly
    // when those bits are 0x21 (`!`) or more, with no carry into the next byte.
    pub(super) const ABOVE_SPACE: u64 = ONES * (0x80 - 0x21);
    let mut base = 0;
    let mut words = text.chunks_exact(8);
    for word in words.by_ref() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_le_bytes(bytes);
        // The high bit of each byte below 0x21 (its own high bit clear too).
        let mut low = !(((x & !HIGHS) + ABOVE_SPACE) | x) & HIGHS;
        while low != 0 {
            let offset = (low.trailing_zeros() / 8) as usize;
            low &= low - 1;
            if bytes.get(offset).copied().is_some_and(is_separator)
                && found(base + offset).is_none()
            {
                return false;
            }
        }
        base += 8;
    }
    for (offset, &b) in words.remainder().iter().enumerate() {
        if is_separator(b) && found(base + offset).is_none() {
            return false;
        }
    }
    true
}

/// Splits `text` into `spans` of fields (stopping past [`MAX_FIELDS`]): a run of
/// spaces or tabs is one separator, and separators at the start or the end of the
/// line separate nothing (as other parsers of these logs read them).
pub(super) fn split_fields(text: &[u8], spans: &mut Vec<(usize, usize)>) {
    let mut start = 0;
    let whole = each_separator(text, |i| {
        if i > start {
            spans.push((start, i));
        }
        start = i + 1;
        (spans.len() <= MAX_FIELDS).then_some(())
    });
    if whole && text.len() > start {
        spans.push((start, text.len()));
    }
}

/// Most fields of a record read the fast way.
pub(super) const FAST_FIELDS: usize = 64;

/// Where each field of `text` ends (the last at the end of the text) into `ends`,
/// taking every separator byte as the end of a field (a run of them gives empty
/// fields, which no column accepts: such a line is left to the careful way); the
/// number of fields, or `None` past [`FAST_FIELDS`].
#[inline(always)]
pub(super) fn field_ends(text: &[u8], ends: &mut [u32; FAST_FIELDS]) -> Option<usize> {
    let mut n = 0;
    let whole = each_separator(text, |i| {
        *ends.get_mut(n)? = i as u32;
        n += 1;
        Some(())
    });
    if !whole {
        return None;
    }
    *ends.get_mut(n)? = text.len() as u32;
    Some(n + 1)
}

/// The fields of one record: `line[start..end]` for each span.
pub(super) struct Fields<'a> {
    pub(super) line: &'a [u8],
    pub(super) spans: &'a [(usize, usize)],
}

impl Fields<'_> {
    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }

    pub(super) fn get(&self, i: usize) -> &[u8] {
        self.spans
            .get(i)
            .and_then(|&(start, end)| self.line.get(start..end))
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference the splitter is held to: fields are the non-empty pieces
    /// between spaces and tabs (a run of them is one separator).
    fn split_on_runs(line: &str) -> Vec<&str> {
        line.split([' ', '\t']).filter(|f| !f.is_empty()).collect()
    }

    #[test]
    fn field_splitting_takes_a_run_of_spaces_or_tabs_as_one_separator() {
        let cases: [(&str, &[&str]); 9] = [
            ("", &[]),
            (" ", &[]),
            ("a", &["a"]),
            ("a b", &["a", "b"]),
            ("  a  b  ", &["a", "b"]),
            ("a\tb \t c", &["a", "b", "c"]),
            ("\t\ta", &["a"]),
            ("12345678 abcdefgh 1", &["12345678", "abcdefgh", "1"]),
            (
                "0123456789abcdef0123 x y z ",
                &["0123456789abcdef0123", "x", "y", "z"],
            ),
        ];
        for (line, expected) in cases {
            let mut spans = Vec::new();
            split_fields(line.as_bytes(), &mut spans);
            let got: Vec<&str> = spans.iter().map(|&(s, e)| &line[s..e]).collect();
            assert_eq!(got, expected, "{line:?}");
            assert_eq!(got, split_on_runs(line), "{line:?}");
        }
    }

    proptest::proptest! {
        /// The eight-at-a-time test finds exactly the spaces and tabs, whatever the
        /// other bytes (control characters, bytes above 0x7f).
        #[test]
        fn separators_are_found_exactly(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let mut got = Vec::new();
            each_separator(&bytes, |i| {
                got.push(i);
                Some(())
            });
            let expected: Vec<usize> = (0..bytes.len()).filter(|&i| is_separator(bytes[i])).collect();
            proptest::prop_assert_eq!(got, expected);
        }

        #[test]
        fn field_splitting_matches_split_on_runs_on_any_text(line in "[ \ta-c0-9]{0,80}") {
            let mut spans = Vec::new();
            split_fields(line.as_bytes(), &mut spans);
            let got: Vec<&str> = spans.iter().map(|&(s, e)| &line[s..e]).collect();
            proptest::prop_assert_eq!(got, split_on_runs(&line));
        }
    }
}
