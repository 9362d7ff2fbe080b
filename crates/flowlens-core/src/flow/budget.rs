//! The memory budget of a data set: how many bytes of records a reader may hold, and
//! how many records, before it stops reading.
//!
//! WebAssembly in a browser tab addresses at most 4 GiB, and a tab may get less; an
//! allocation that fails there aborts the whole page. So the page's worker reads
//! within a budget: the next file's record limit is what the bytes left can hold
//! ([`MemoryBudget::records_left`]), a file is appended only when the data set stays
//! within it ([`MemoryBudget::admits`], then [`Dataset::try_append`], whose
//! allocations are fallible, and the room reserved ahead stays within the budget),
//! and once reading stops, [`ReadingStop`] says how much was read. The bytes counted
//! are those the table, its addresses and text and the data set's lists take
//! ([`Dataset::used_bytes`]: by length, so that the same files stop at the same
//! place however they were read), not a guess per record. The analyses' working
//! memory comes on top: the budget leaves room for it.

use serde::{Deserialize, Serialize};

use super::dataset::Dataset;
use super::table::FlowTable;

/// Bytes and records a data set may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryBudget {
    /// Bytes taken at most ([`Dataset::used_bytes`]).
    pub bytes: u64,
    /// Records at most.
    pub records: u64,
}

impl MemoryBudget {
    /// The page's budget: 1.5 GiB of records (the analyses need up to about as much
    /// again at their peak, within the 4 GiB a wasm32 tab can address) and at most 50
    /// million records: a month of a busy interface. Measured with `scripts/month.sh`
    /// (47.95 M records, 50,000 or ~860,000 addresses): 1.54 and 1.51 GiB of wasm
    /// memory at the worker's peak, the tab 1.80 and 1.75 GiB; `flowlens-stage-bytes`
    /// says which stage sets the peak.
    pub const PAGE: MemoryBudget = MemoryBudget {
        bytes: 1536 * 1024 * 1024,
        records: 50_000_000,
    };

    /// The page's budget with its bytes set to `bytes` (tests give a small one).
    pub fn with_bytes(bytes: u64) -> MemoryBudget {
        MemoryBudget {
            bytes,
            ..MemoryBudget::PAGE
        }
    }

    /// Bytes a record costs in `dataset` on average (its fixed-width columns, and
    /// its share of the addresses, text and lists), at least the fixed-width
    /// columns'.
    pub fn record_bytes(dataset: &Dataset) -> u64 {
        let row = FlowTable::ROW_BYTES as u64;
        let records = dataset.records();
        if records == 0 {
            return row;
        }
        let rest = dataset.used_bytes().saturating_sub(records * row);
        row + rest.div_ceil(records)
    }

    /// Records that may still be read into `dataset`: the bytes left at the average
    /// cost of its records so far, within the record limit.
    pub fn records_left(&self, dataset: &Dataset) -> u64 {
        let bytes_left = self.bytes.saturating_sub(dataset.used_bytes());
        let by_bytes = bytes_left / Self::record_bytes(dataset).max(1);
        by_bytes.min(self.records.saturating_sub(dataset.records()))
    }

    /// [`MemoryBudget::records_left`] once `other` is appended to `dataset` (the
    /// room worth reserving beyond it).
    pub fn records_left_after(&self, dataset: &Dataset, other: &Dataset) -> u64 {
        let after = dataset.used_bytes_after_append(other);
        let records = dataset.records() + other.records();
        let per_record = Self::record_bytes(dataset).max(FlowTable::ROW_BYTES as u64);
        (self.bytes.saturating_sub(after) / per_record).min(self.records.saturating_sub(records))
    }

    /// True when `dataset` stays within the budget once `other` is appended (its
    /// records counted, every address of `other` counted as new).
    pub fn admits(&self, dataset: &Dataset, other: &Dataset) -> bool {
        let records = dataset.records().saturating_add(other.records());
        records <= self.records && dataset.used_bytes_after_append(other) <= self.bytes
    }

    /// How much was read when reading stopped in `dataset` at this budget.
    pub fn stop(&self, dataset: &Dataset) -> ReadingStop {
        ReadingStop {
            budget_bytes: self.bytes,
            budget_records: self.records,
            held_bytes: dataset.used_bytes(),
            files: dataset.files.iter().filter(|f| !f.member).count() as u64,
            records: dataset.records(),
            bytes_read: dataset.bytes_read(),
            text_bytes: dataset.files.iter().map(|f| f.text_bytes).sum(),
        }
    }
}

/// How much was read when reading stopped at the memory budget (the figures as they
/// were then: files given later are only noted).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingStop {
    /// The budget's bytes.
    pub budget_bytes: u64,
    /// The budget's records.
    pub budget_records: u64,
    /// Bytes the data set held (once the room reserved ahead is given back).
    pub held_bytes: u64,
    /// Files read (the last one perhaps in part; archive members not counted apart).
    pub files: u64,
    /// Records read.
    pub records: u64,
    /// Bytes of those files as stored.
    pub bytes_read: u64,
    /// Bytes of their text read (after decompression).
    pub text_bytes: u64,
}

impl ReadingStop {
    /// What happened and what to do, in words for the user.
    pub fn message(&self) -> String {
        use crate::units;
        format!(
            "Reading stopped at the memory budget ({} or {} records): {} read, with {} ({} of text, {} held). \
             The analysis covers what was read. For the rest, give a narrower range of files (fewer days or interfaces), \
             use the flowlens command line (no such limit), or run the SQL of the SQL panel on all the files.",
            units::bytes(self.budget_bytes as f64),
            units::int(self.budget_records),
            units::count(self.files, "file"),
            units::count(self.records, "record"),
            units::bytes(self.text_bytes as f64),
            units::bytes(self.held_bytes as f64),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{read_bytes, ReadOptions};

    /// A file of `records` records, each from its own address (the costly case).
    fn file(name: &str, first: u32, records: u32) -> Dataset {
        let mut text = String::from(
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
        );
        for i in first..first + records {
            let [a, b, c, d] = (0x0b00_0000 + i).to_be_bytes();
            text.push_str(&format!(
                "2 1 eni-1 {a}.{b}.{c}.{d} 10.0.0.2 40000 3306 6 1 60 {} {} REJECT OK\n",
                1_600_000_000 + i,
                1_600_000_030 + i
            ));
        }
        let mut ds = Dataset::default();
        read_bytes(&mut ds, name, text.as_bytes(), &ReadOptions::default());
        ds
    }

    #[test]
    fn records_left_follow_the_bytes_taken() {
        let budget = MemoryBudget::with_bytes(1 << 20);
        let mut all = Dataset::default();
        // Empty: the fixed columns alone.
        let row = FlowTable::ROW_BYTES as u64;
        assert_eq!(MemoryBudget::record_bytes(&all), row);
        assert_eq!(budget.records_left(&all), (1 << 20) / row);
        all.append(file("a.log", 0, 1000));
        let per_record = MemoryBudget::record_bytes(&all);
        // Each record brought a new address: more than the columns.
        assert!(per_record > row, "{per_record}");
        assert_eq!(
            per_record,
            row + (all.used_bytes() - 1000 * row).div_ceil(1000)
        );
        let left = budget.records_left(&all);
        assert_eq!(left, ((1 << 20) - all.used_bytes()) / per_record);
        // Room reserved ahead changes nothing.
        all.table.try_reserve(5000).unwrap();
        assert_eq!(budget.records_left(&all), left);
        // The record limit caps it too.
        let few = MemoryBudget {
            bytes: 1 << 30,
            records: 1500,
        };
        assert_eq!(few.records_left(&all), 500);
    }

    #[test]
    fn admits_counts_the_growth_of_every_part() {
        let mut all = Dataset::default();
        all.append(file("a.log", 0, 1000));
        let next = file("b.log", 1000, 1000);
        let after = all.used_bytes_after_append(&next);
        assert!(after > all.used_bytes());
        assert!(MemoryBudget::with_bytes(after).admits(&all, &next));
        assert!(!MemoryBudget::with_bytes(after - 1).admits(&all, &next));
        // The bound holds: appending takes no more than it said.
        all.append(next);
        assert!(all.used_bytes() <= after, "{} > {after}", all.used_bytes());
    }

    #[test]
    fn the_stop_counts_what_was_read() {
        let mut all = Dataset::default();
        all.append(file("a.log", 0, 10));
        all.append(file("b.log", 10, 5));
        let stop = MemoryBudget::with_bytes(2_500_000).stop(&all);
        assert_eq!((stop.files, stop.records), (2, 15));
        let text: u64 = all.files.iter().map(|f| f.text_bytes).sum();
        assert_eq!(stop.text_bytes, text);
        assert_eq!(stop.held_bytes, all.used_bytes());
        assert_eq!(
            stop.message(),
            format!(
                "Reading stopped at the memory budget (2.50 MB or 50,000,000 records): 2 files read, with 15 records ({} of text, {} held). \
                 The analysis covers what was read. For the rest, give a narrower range of files (fewer days or interfaces), \
                 use the flowlens command line (no such limit), or run the SQL of the SQL panel on all the files.",
                crate::units::bytes(text as f64),
                crate::units::bytes(all.used_bytes() as f64),
            )
        );
    }
}
