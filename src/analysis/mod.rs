//! The five questions of an exfiltration investigation, answered from a [`Dataset`]:
//! who talked ([`sources`]), for how long ([`span`]), what they took ([`flows`]),
//! whether it is abnormal ([`verdict`]) and who to look at first ([`ranking`]).
//! [`analyze`] runs them all for a [`Query`] and returns the [`Report`] that the CLI
//! prints and the page downloads. Pure functions over the columns: no clock, no I/O.

pub mod flows;
pub mod query;
pub mod ranking;
pub mod report;
pub mod sources;
pub mod span;
pub mod sql;
pub mod stats;
pub mod units;
pub mod verdict;
pub mod windows;

pub use flows::{address_flows, FlowPoint};
pub use query::{Query, TimeRange};
pub use report::{analyze, Report};
pub use windows::{days, windows, WINDOW_SECS};

use crate::flow::table::LogStatus;
use crate::flow::{Dataset, FlowTable};

/// True for a row that is a flow between two known addresses (not NODATA/SKIPDATA).
#[inline]
pub(crate) fn is_flow(table: &FlowTable, row: usize) -> bool {
    table.srcaddr(row).is_some()
        && table.dstaddr(row).is_some()
        && !matches!(
            table.log_status(row),
            Some(LogStatus::NoData) | Some(LogStatus::SkipData)
        )
}

/// Rows that are flows inside `range`.
pub(crate) fn flow_rows<'a>(
    dataset: &'a Dataset,
    range: &'a TimeRange,
) -> impl Iterator<Item = usize> + 'a {
    let table = &dataset.table;
    (0..table.len())
        .filter(move |&row| is_flow(table, row) && range.contains(table.start_secs(row)))
}
