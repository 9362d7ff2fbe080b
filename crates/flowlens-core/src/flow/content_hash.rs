//! A file's content as a 128-bit hash, computed over the bytes as they are pushed, so
//! that the same file given twice (a folder and a sub-folder of it, two overlapping
//! downloads) is read once. Two lanes of a multiply-rotate hash over 8-byte words,
//! with the length: not for adversaries (nobody gains from a collision here), for
//! accidental equality only, and cheap beside inflating and parsing.

/// A hash of bytes pushed in any chunks (the result depends on the bytes only).
#[derive(Clone, Debug, Default)]
pub struct ContentHash {
    lanes: [u64; 2],
    /// Bytes of a word not complete yet.
    tail: [u8; 8],
    tail_len: usize,
    len: u64,
}

const K0: u64 = 0x9e37_79b9_7f4a_7c15;
const K1: u64 = 0xc2b2_ae3d_27d4_eb4f;

impl ContentHash {
    #[inline]
    fn word(&mut self, w: u64) {
        self.lanes[0] = (self.lanes[0] ^ w).wrapping_mul(K0).rotate_left(29);
        self.lanes[1] = (self.lanes[1].rotate_left(17) ^ w).wrapping_mul(K1);
    }

    /// Adds `bytes`.
    pub fn push(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.tail_len > 0 {
            let take = (8 - self.tail_len).min(bytes.len());
            let (head, rest) = bytes.split_at(take);
            if let Some(to) = self.tail.get_mut(self.tail_len..self.tail_len + take) {
                to.copy_from_slice(head);
            }
            self.tail_len += take;
            bytes = rest;
            if self.tail_len < 8 {
                return;
            }
            self.word(u64::from_le_bytes(self.tail));
            self.tail_len = 0;
        }
        let mut words = bytes.chunks_exact(8);
        for w in words.by_ref() {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            self.word(u64::from_le_bytes(a));
        }
        let rest = words.remainder();
        if let Some(to) = self.tail.get_mut(..rest.len()) {
            to.copy_from_slice(rest);
        }
        self.tail_len = rest.len();
    }

    /// The hash of everything pushed.
    pub fn finish(&self) -> u128 {
        let mut end = self.clone();
        let mut last = [0u8; 8];
        if let (Some(to), Some(from)) = (last.get_mut(..end.tail_len), end.tail.get(..end.tail_len))
        {
            to.copy_from_slice(from);
        }
        end.word(u64::from_le_bytes(last) ^ (end.tail_len as u64) << 56);
        end.word(end.len);
        let mix = |mut x: u64| {
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
            x ^= x >> 33;
            x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
            x ^ (x >> 33)
        };
        let [a, b] = end.lanes;
        (u128::from(mix(a ^ b.rotate_left(32))) << 64) | u128::from(mix(b ^ a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(bytes: &[u8], chunk: usize) -> u128 {
        let mut h = ContentHash::default();
        for c in bytes.chunks(chunk.max(1)) {
            h.push(c);
        }
        h.finish()
    }

    #[test]
    fn the_hash_depends_on_the_bytes_not_the_chunks() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 31 % 251) as u8).collect();
        let whole = hash(&bytes, bytes.len());
        for chunk in [1, 3, 7, 8, 9, 64] {
            assert_eq!(hash(&bytes, chunk), whole, "chunks of {chunk}");
        }
        // Every prefix differs (length and trailing zeros included), as does one bit.
        let mut seen = std::collections::HashSet::new();
        for n in 0..=64 {
            assert!(seen.insert(hash(&[0u8; 64][..n], 5)), "{n} zeros");
        }
        let mut flipped = bytes.clone();
        flipped[500] ^= 1;
        assert_ne!(hash(&flipped, 1000), whole);
    }
}
