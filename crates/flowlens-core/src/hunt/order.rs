//! The flow records in time order, which session stitching needs (records of one
//! 5-tuple must come in start order). Files arrive in any order and records are
//! delivered late, so the table's order is only usually the time order: when it is,
//! nothing is copied; otherwise the rows are sorted by `start` with a two-pass radix
//! sort (4 bytes a flow row, O(rows)).

use crate::flow::table::in_chunks;
use crate::flow::FlowTable;

/// The flow rows that have a start, in start order (stable: ties keep the table's
/// order).
pub enum RowOrder {
    /// The table is already in start order: every row, filtered as it is read.
    Table,
    /// The rows, sorted.
    Sorted(Vec<u32>),
}

impl RowOrder {
    /// Finds the order of `table`'s flow rows.
    pub fn of(table: &FlowTable) -> RowOrder {
        let mut last = 0u32;
        let mut sorted = true;
        for row in table.flow_rows(|start| start.is_some()) {
            let start = table.start_secs(row).unwrap_or(0);
            if start < last {
                sorted = false;
                break;
            }
            last = start;
        }
        if sorted {
            return RowOrder::Table;
        }
        let rows: Vec<u32> = table
            .flow_rows(|start| start.is_some())
            .map(|r| r as u32)
            .collect();
        RowOrder::Sorted(radix_sort_by_start(table, rows))
    }

    /// Calls `f` with each row in order, a chunk of rows at a time (see
    /// [`in_chunks`]: the hunt's passes are one call each).
    pub fn for_each(&self, table: &FlowTable, mut f: impl FnMut(usize)) {
        match self {
            RowOrder::Table => table.each_flow_row(|start| start.is_some(), f),
            RowOrder::Sorted(sorted) => in_chunks(sorted.len(), &mut |rows| {
                for &row in sorted.get(rows).unwrap_or_default() {
                    f(row as usize);
                }
            }),
        }
    }
}

/// Least-significant-digit radix sort of `rows` by their start, 16 bits a pass.
fn radix_sort_by_start(table: &FlowTable, mut rows: Vec<u32>) -> Vec<u32> {
    let key = |row: u32| table.start_secs(row as usize).unwrap_or(0);
    let mut other = vec![0u32; rows.len()];
    for shift in [0u32, 16] {
        let mut counts = vec![0usize; 1 << 16];
        for &row in &rows {
            counts[((key(row) >> shift) & 0xffff) as usize] += 1;
        }
        let mut at = 0;
        for count in counts.iter_mut() {
            let n = *count;
            *count = at;
            at += n;
        }
        for &row in &rows {
            let digit = ((key(row) >> shift) & 0xffff) as usize;
            if let Some(slot) = other.get_mut(counts[digit]) {
                *slot = row;
            }
            counts[digit] += 1;
        }
        std::mem::swap(&mut rows, &mut other);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::table::{Action, CoreValues, LogStatus};

    fn table(starts: &[Option<u32>]) -> FlowTable {
        let mut t = FlowTable::default();
        let a = t.addrs.intern("10.0.0.1".parse().unwrap());
        let b = t.addrs.intern("10.0.0.2".parse().unwrap());
        for &start in starts {
            t.push(&CoreValues {
                srcaddr: a,
                dstaddr: b,
                start_secs: start,
                action: Some(Action::Accept),
                log_status: Some(LogStatus::Ok),
                ..CoreValues::default()
            });
        }
        t
    }

    fn rows(t: &FlowTable) -> Vec<usize> {
        let mut out = Vec::new();
        RowOrder::of(t).for_each(t, |r| out.push(r));
        out
    }

    #[test]
    fn sorted_tables_are_read_in_place_and_others_sorted_stably() {
        let t = table(&[Some(5), Some(5), None, Some(9)]);
        assert!(matches!(RowOrder::of(&t), RowOrder::Table));
        assert_eq!(rows(&t), [0, 1, 3]);
        // Keys that differ in both 16-bit halves; ties keep the table's order.
        let starts = [
            Some(1_600_000_000),
            Some(70_000),
            None,
            Some(1_600_000_000),
            Some(65_535),
            Some(3),
            Some(1_599_999_999),
        ];
        let t = table(&starts);
        assert!(matches!(RowOrder::of(&t), RowOrder::Sorted(_)));
        assert_eq!(rows(&t), [5, 4, 1, 6, 0, 3]);
    }

    proptest::proptest! {
        #[test]
        fn radix_order_is_a_stable_sort(starts in proptest::collection::vec(proptest::option::of(0u32..200_000), 0..300)) {
            let t = table(&starts);
            let mut expected: Vec<usize> = (0..starts.len()).filter(|&i| starts[i].is_some()).collect();
            expected.sort_by_key(|&i| starts[i]);
            proptest::prop_assert_eq!(rows(&t), expected);
        }
    }
}
