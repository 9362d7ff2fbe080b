//! Descriptive statistics of byte counts: mean and sample standard deviation for the
//! classic mean + kσ threshold, and the robust view (median, MAD, p99) that heavy-tailed
//! byte counts need beside it.

/// A byte or packet count as the statistics take it: `u64`, or `u32` where every value
/// fits (half the memory: the page's month holds 24 M service flows at once).
pub trait Count: Copy + Ord + Into<u64> + TryFrom<u64> {}

impl Count for u32 {}
impl Count for u64 {}

/// `v` as a float.
fn float<T: Count>(v: T) -> f64 {
    let v: u64 = v.into();
    v as f64
}

/// Mean and sample standard deviation (n − 1), two-pass for accuracy.
pub fn mean_stddev<T: Count>(values: &[T]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let sum: u128 = values.iter().map(|&v| u128::from(v.into())).sum();
    let mean = sum as f64 / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let squares: f64 = values
        .iter()
        .map(|&v| {
            let d = float(v) - mean;
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
pub fn median_in_place<T: Count>(values: &mut [T]) -> f64 {
    quantile_select(values, 0.5, 0).0
}

/// Median, median absolute deviation (unscaled) and 99th percentile. Reorders
/// `values` and leaves them overwritten (with their deviations). Order statistics
/// come from selection, not a full sort.
pub fn robust_in_place<T: Count>(values: &mut [T]) -> (f64, f64, f64) {
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
pub fn median_mad_in_place<T: Count>(values: &mut [T]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let (median, _) = quantile_select(values, 0.5, 0);
    (median, mad_in_place(values, median))
}

/// The median absolute deviation from `median` (a median of these values: a whole
/// number or one and a half); leaves `values` overwritten.
fn mad_in_place<T: Count>(values: &mut [T], median: f64) -> f64 {
    // Every deviation from a median ending in .5 ends in .5 too, and from a whole
    // median is whole: each is kept as its whole part (which fits where the value
    // did), and the shared fraction added to their median.
    let twice_median = u128::from((median * 2.0) as u64);
    let fraction = if twice_median % 2 == 1 { 0.5 } else { 0.0 };
    for v in values.iter_mut() {
        let twice: u128 = u128::from((*v).into()) * 2;
        let whole = u64::try_from(twice.abs_diff(twice_median) / 2).unwrap_or(u64::MAX);
        // A deviation is at most the larger of the value and the median, so it fits.
        if let Ok(d) = T::try_from(whole) {
            *v = d;
        }
    }
    quantile_select(values, 0.5, 0).0 + fraction
}

/// The `q` quantile of `values` with linear interpolation (as [`quantile_sorted`]), by
/// selection, and the index of its lower order statistic, where the selection left it.
/// Every value before index `from` must be at most every value from it on, and the
/// lower order statistic must not be before `from`: only `values[from..]` is
/// reordered (0 for values in any order).
fn quantile_select<T: Count>(values: &mut [T], q: f64, from: usize) -> (f64, usize) {
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
        Some(&next) if frac > 0.0 => float(at) + (float(next) - float(at)) * frac,
        _ => float(at),
    };
    (value, lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_values() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squares sum 32, sample variance 32/7.
        let (mean, sd) = mean_stddev::<u64>(&[2, 4, 4, 4, 5, 5, 7, 9]);
        assert_eq!(mean, 5.0);
        assert!((sd - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        // Median of 1..=9 is 5; deviations 4,3,2,1,0,1,2,3,4 → MAD 2.
        // p99: position 0.99 * 8 = 7.92 → 8 + 0.92 * (9 - 8) = 8.92.
        let (median, mad, p99) = robust_in_place::<u64>(&mut [9, 1, 8, 2, 7, 3, 6, 4, 5]);
        assert_eq!(median, 5.0);
        assert_eq!(
            median_in_place::<u32>(&mut [9, 1, 8, 2, 7, 3, 6, 4, 5]),
            5.0
        );
        assert_eq!(mad, 2.0);
        assert!((p99 - 8.92).abs() < 1e-9);
        assert_eq!(mean_stddev::<u64>(&[]), (0.0, 0.0));
        assert_eq!(mean_stddev::<u32>(&[7]), (7.0, 0.0));
        assert_eq!(robust_in_place::<u64>(&mut []), (0.0, 0.0, 0.0));
        assert_eq!(median_in_place::<u64>(&mut []), 0.0);
        // Even count: median is the mean of the middle two; deviations 1.5, 0.5,
        // 0.5, 7.5 → MAD 1.
        let (median, mad, p99) = robust_in_place::<u64>(&mut [1, 2, 3, 10]);
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
            // The same values as `u32` give exactly the same figures.
            let mut narrow: Vec<u32> = values.iter().map(|&v| v as u32).collect();
            proptest::prop_assert_eq!(mean_stddev(&narrow), mean_stddev(&values));
            proptest::prop_assert_eq!(robust_in_place(&mut narrow), robust_in_place(&mut values.clone()));
        }

        /// Values near the top of `u32` (whose doubled deviations would not fit a
        /// `u32`), against the same values as `u64` and against sorting.
        #[test]
        fn mad_of_large_u32_values(values in proptest::collection::vec(u32::MAX - 3_000_000..=u32::MAX, 1..100)) {
            let wide: Vec<u64> = values.iter().map(|&v| u64::from(v)).collect();
            let mut sorted: Vec<f64> = wide.iter().map(|&v| v as f64).collect();
            sorted.sort_by(f64::total_cmp);
            let median = quantile_sorted(&sorted, 0.5);
            let mut dev: Vec<f64> = sorted.iter().map(|v| (v - median).abs()).collect();
            dev.sort_by(f64::total_cmp);
            let mad = quantile_sorted(&dev, 0.5);
            let (m, d) = median_mad_in_place(&mut values.clone());
            proptest::prop_assert!((m - median).abs() < 1e-6 && (d - mad).abs() < 1e-6, "{} {} {} {}", m, median, d, mad);
            proptest::prop_assert_eq!((m, d), median_mad_in_place(&mut wide.clone()));
        }
    }
}
