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

use crate::flow::table::Flow;
use crate::flow::Dataset;

/// The flows (records between two known addresses; not NODATA or SKIPDATA) that start
/// inside `range`, with their values, in order.
pub(crate) fn flows<'a>(
    dataset: &'a Dataset,
    range: &'a TimeRange,
) -> impl Iterator<Item = Flow> + 'a {
    dataset
        .table
        .flows_where(move |flow| range.contains(flow.start))
}
