//! The time units a user picks a range from: days and 10-minute aggregation windows.
//! Windows come from the records' start times and from the `YYYYMMDDTHHmmZ` stamps
//! of S3 file names, so a window whose file held only NODATA is still listed.

use std::collections::BTreeSet;

use crate::flow::Dataset;

/// Length of an aggregation window (AWS's default, and the S3 file stamp's step).
pub const WINDOW_SECS: u32 = 600;

/// Starts of the windows present, ascending.
pub fn windows(dataset: &Dataset) -> Vec<u32> {
    let table = &dataset.table;
    let mut set = BTreeSet::new();
    // The last window inserted: a record in it (most are: a file covers a window or
    // two) costs a subtraction, no division and no insertion.
    let mut last: Option<u32> = None;
    for row in 0..table.len() {
        if let Some(start) = table.start_secs(row) {
            if last.is_some_and(|w| start.wrapping_sub(w) < WINDOW_SECS) {
                continue;
            }
            let w = start - start % WINDOW_SECS;
            set.insert(w);
            last = Some(w);
        }
    }
    for f in &dataset.files {
        if let Some(w) = f.window_start {
            set.insert(w - w % WINDOW_SECS);
        }
    }
    set.into_iter().collect()
}

/// Starts (UTC midnight) of the days of `windows` (ascending, as [`windows`] gives
/// them), ascending: the days present, without a second pass over the records.
pub fn days_of(windows: &[u32]) -> Vec<u32> {
    let mut days: Vec<u32> = windows.iter().map(|w| w - w % 86_400).collect();
    days.dedup();
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, ReadOptions};

    #[test]
    fn windows_from_records_and_file_names() {
        let mut ds = Dataset::default();
        let body = "srcaddr dstaddr start end bytes\n10.0.0.1 10.0.0.2 1600221687 1600221700 5\n10.0.0.1 10.0.0.2 1600221999 1600222000 5\n10.0.0.1 10.0.0.2 1600300000 1600300001 5\n";
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        read_bytes(
            &mut ds,
            "x_20200916T0300Z_y.log",
            b"",
            &ReadOptions::default(),
        );
        // 1600221687 → 02:00 window (1600221600); 1600221999 → same; 1600300000 → 1600299600.
        // The empty file's stamp adds 03:00 (1600225200).
        assert_eq!(
            windows(&ds),
            vec![1_600_221_600, 1_600_225_200, 1_600_299_600]
        );
        // All three fall on 2020-09-16 (1600300000 is 23:06:40 that day).
        assert_eq!(days_of(&windows(&ds)), vec![1_600_214_400]);
        // Unordered starts, going back into a window left before: listed once each.
        let mut ds = Dataset::default();
        let mut body = String::from("srcaddr dstaddr start end bytes\n");
        for start in [1_200, 599, 600, 1_199, 0, 86_400, 1_205, 601] {
            body.push_str(&format!("10.0.0.1 10.0.0.2 {start} {start} 5\n"));
        }
        read_bytes(&mut ds, "b.log", body.as_bytes(), &ReadOptions::default());
        assert_eq!(windows(&ds), vec![0, 600, 1_200, 86_400]);
        assert_eq!(days_of(&windows(&ds)), vec![0, 86_400]);
    }
}
