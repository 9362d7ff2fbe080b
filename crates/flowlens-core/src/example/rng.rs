//! A tiny deterministic pseudo-random generator (SplitMix64) for the example week.
//!
//! The example must come out byte-identical natively and in WebAssembly, with std
//! only, so this uses integer arithmetic and IEEE basic operations (`+ - * /`) —
//! never `ln`, `exp` or `cos`, whose last bit may differ between the platform's
//! libm and the one compiled into wasm.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, passes BigCrush, and any
/// 64-bit seed (0 included) gives a good stream.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

/// The SplitMix64 finaliser: a strong 64-bit mixing function.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A seed for an independent stream, derived from a seed and a label.
pub(crate) fn derive(seed: u64, label: u64) -> u64 {
    mix64(
        mix64(seed ^ 0x6a09_e667_f3bc_c908).wrapping_add(label.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
    )
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.state)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2^-32 for the
    /// small `n` used here). `below(0)` is 0.
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// Uniform in `low..=high` (`low` when `high < low`).
    pub(crate) fn range(&mut self, low: u32, high: u32) -> u32 {
        low + self.below(high.saturating_sub(low).saturating_add(1))
    }

    /// Uniform in `[0, 1)` with 53 bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An approximately standard normal value: the Irwin–Hall sum of twelve
    /// uniforms minus 6 (mean 0, variance 1, bounded to ±6), from six draws.
    pub(crate) fn normal(&mut self) -> f64 {
        const TWO_POW_32: f64 = 4_294_967_296.0;
        let mut sum = 0.0;
        for _ in 0..6 {
            let bits = self.next_u64();
            sum += (bits >> 32) as f64 + (bits & 0xffff_ffff) as f64;
        }
        sum / TWO_POW_32 - 6.0
    }

    /// [`Rng::normal`] truncated (by redrawing) to `[-limit, limit]`.
    pub(crate) fn truncated_normal(&mut self, limit: f64) -> f64 {
        loop {
            let z = self.normal();
            if z.abs() <= limit {
                return z;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_bounds_hold() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
            let r = a.range(10, 20);
            assert!((10..=20).contains(&r));
            b.range(10, 20);
            let z = a.truncated_normal(2.8);
            assert!(z.abs() <= 2.8);
            b.truncated_normal(2.8);
            let u = a.unit();
            assert!((0.0..1.0).contains(&u));
            b.unit();
        }
        assert_eq!(Rng::new(1).below(0), 0);
        assert_eq!(Rng::new(1).range(5, 3), 5);
        assert_ne!(derive(1, 2), derive(2, 2));
        assert_ne!(derive(1, 2), derive(1, 3));
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut rng = Rng::new(42);
        let n = 200_000;
        let values: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
    }
}
