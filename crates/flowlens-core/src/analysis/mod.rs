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
pub mod sql_findings;
pub mod stats;
/// Numbers for people, kept at the crate root (the reader words numbers too); here as
/// before for the analysis and its edges.
pub use crate::units;
pub mod verdict;
pub mod windows;

pub use flows::{address_flows, FlowPoint};
pub use query::{valid_k, Query, QueryOptions, TimeRange};
pub use report::{analyze, Report};
pub use windows::{days_of, windows, WINDOW_SECS};

use crate::flow::table::in_chunks;
use crate::flow::Dataset;

/// Calls `each` with every row of [`flow_rows`], in order, a chunk of the table at a
/// time (see [`FlowTable::each_flow_row`]): for the passes of an analysis over every
/// record.
///
/// [`FlowTable::each_flow_row`]: crate::flow::FlowTable::each_flow_row
pub(crate) fn each_flow_row(dataset: &Dataset, range: &TimeRange, each: impl FnMut(usize)) {
    dataset
        .table
        .each_flow_row(|start| range.contains(start), each);
}

/// Rows that are flows (between two known addresses; not NODATA or SKIPDATA) inside
/// `range`.
pub(crate) fn flow_rows<'a>(
    dataset: &'a Dataset,
    range: &'a TimeRange,
) -> impl Iterator<Item = usize> + 'a {
    dataset.table.flow_rows(move |start| range.contains(start))
}
