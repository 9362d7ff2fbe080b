//! Descriptive statistics of byte counts: mean and sample standard deviation for the
//! classic mean + kσ threshold, and the robust view (median, MAD, p99) that heavy-tailed
//! byte counts need beside it.

/// Mean and sample standard deviation (n − 1), two-pass for accuracy.
pub fn mean_stddev(values: &[u64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
    let mean = sum as f64 / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let squares: f64 = values
        .iter()
        .map(|&v| {
            let d = v as f64 - mean;
            d * d
        })
        .sum();
    (mean, (squares / (n - 1.0)).sqrt())
}

/// The `q` quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics
/// (the default of NumPy and R type 7). `sorted` must be ascending.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let frac = pos - lo as f64;
            sorted[lo] + (sorted[hi] - sorted[lo]) * frac
        }
    }
}

/// The median, reordering `values` (no copy).
pub fn median_in_place(values: &mut [u64]) -> f64 {
    quantile_select(values, 0.5, 0).0
}

/// Median, median absolute deviation (unscaled) and 99th percentile. Reorders
/// `values` and leaves them overwritten (with doubled deviations). Order statistics
/// come from selection, not a full sort.
pub fn robust_in_place(values: &mut [u64]) -> (f64, f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let (median, at) = quantile_select(values, 0.5, 0);
    // The selection left every value from `at` on at least every value before it.
    let (p99, _) = quantile_select(values, 0.99, at);
    (median, mad_in_place(values, median), p99)
}

/// Median and median absolute deviation (unscaled), as [`robust_in_place`] gives
/// them, without the 99th percentile.
pub fn median_mad_in_place(values: &mut [u64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let (median, _) = quantile_select(values, 0.5, 0);
    (median, mad_in_place(values, median))
}

/// The median absolute deviation from `median`; leaves `values` overwritten.
fn mad_in_place(values: &mut [u64], median: f64) -> f64 {
    // Twice the median is a whole number, so doubled deviations are exact integers.
    let twice_median = (median * 2.0) as u64;
    for v in values.iter_mut() {
        *v = v.saturating_mul(2).abs_diff(twice_median);
    }
    quantile_select(values, 0.5, 0).0 / 2.0
}

/// The `q` quantile of `values` with linear interpolation (as [`quantile_sorted`]), by
/// selection, and the index of its lower order statistic, where the selection left it.
/// Every value before index `from` must be at most every value from it on, and the
/// lower order statistic must not be before `from`: only `values[from..]` is
/// reordered (0 for values in any order).
fn quantile_select(values: &mut [u64], q: f64, from: usize) -> (f64, usize) {
    let n = values.len();
    if n == 0 {
        return (0.0, 0);
    }
    let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = (pos.floor() as usize).min(n - 1);
    let from = from.min(lo);
    let Some(tail) = values.get_mut(from..) else {
        return (0.0, 0);
    };
    let (_, &mut at, rest) = tail.select_nth_unstable(lo - from);
    let frac = pos - lo as f64;
    let value = match rest.iter().min() {
        Some(&next) if frac > 0.0 => at as f64 + (next as f64 - at as f64) * frac,
        _ => at as f64,
    };
    (value, lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_values() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squares sum 32, sample variance 32/7.
        let (mean, sd) = mean_stddev(&[2, 4, 4, 4, 5, 5, 7, 9]);
        assert_eq!(mean, 5.0);
        assert!((sd - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        // Median of 1..=9 is 5; deviations 4,3,2,1,0,1,2,3,4 → MAD 2.
        // p99: position 0.99 * 8 = 7.92 → 8 + 0.92 * (9 - 8) = 8.92.
        let (median, mad, p99) = robust_in_place(&mut [9, 1, 8, 2, 7, 3, 6, 4, 5]);
        assert_eq!(median, 5.0);
        assert_eq!(median_in_place(&mut [9, 1, 8, 2, 7, 3, 6, 4, 5]), 5.0);
        assert_eq!(mad, 2.0);
        assert!((p99 - 8.92).abs() < 1e-9);
        assert_eq!(mean_stddev(&[]), (0.0, 0.0));
        assert_eq!(mean_stddev(&[7]), (7.0, 0.0));
        assert_eq!(robust_in_place(&mut []), (0.0, 0.0, 0.0));
        assert_eq!(median_in_place(&mut []), 0.0);
        // Even count: median is the mean of the middle two; deviations 1.5, 0.5,
        // 0.5, 7.5 → MAD 1.
        let (median, mad, p99) = robust_in_place(&mut [1, 2, 3, 10]);
        assert_eq!((median, mad), (2.5, 1.0));
        // p99: position 0.99 · 3 = 2.97 → 3 + 0.97 · (10 − 3) = 9.79.
        assert!((p99 - 9.79).abs() < 1e-9);
    }

    proptest::proptest! {
        #[test]
        fn selection_matches_sorting(values in proptest::collection::vec(0u64..1_000_000, 1..200)) {
            let mut sorted: Vec<f64> = values.iter().map(|&v| v as f64).collect();
            sorted.sort_by(f64::total_cmp);
            let median = quantile_sorted(&sorted, 0.5);
            let p99 = quantile_sorted(&sorted, 0.99);
            let mut dev: Vec<f64> = sorted.iter().map(|v| (v - median).abs()).collect();
            dev.sort_by(f64::total_cmp);
            let mad = quantile_sorted(&dev, 0.5);
            proptest::prop_assert!((median_in_place(&mut values.clone()) - median).abs() < 1e-9);
            let (m, d, p) = robust_in_place(&mut values.clone());
            proptest::prop_assert!((m - median).abs() < 1e-9 && (d - mad).abs() < 1e-9 && (p - p99).abs() < 1e-6);
            let (m, d) = median_mad_in_place(&mut values.clone());
            proptest::prop_assert!((m - median).abs() < 1e-9 && (d - mad).abs() < 1e-9);
        }
    }
}
