//! What the user asks: the time range, the address, the service port, k and the known
//! networks. The same [`Query`] drives the CLI flags, the page's controls and the
//! report.

use std::net::IpAddr;

use crate::flow::Cidr;

/// A half-open time range `[from, to)` in Unix seconds; `None` leaves a side open.
/// A record is inside when its `start` is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// First second inside the range.
    pub from: Option<u32>,
    /// First second after the range.
    pub to: Option<u32>,
}

impl TimeRange {
    /// The whole data set.
    pub const ALL: TimeRange = TimeRange {
        from: None,
        to: None,
    };

    /// The range `[from, from + secs)`.
    pub fn starting_at(from: u32, secs: u32) -> TimeRange {
        TimeRange {
            from: Some(from),
            to: Some(from.saturating_add(secs)),
        }
    }

    /// True for the range that holds everything.
    pub fn is_all(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    /// True when a record starting at `start` is inside. A record without a start
    /// time is only inside the unbounded range.
    #[inline]
    pub fn contains(&self, start: Option<u32>) -> bool {
        match start {
            None => self.is_all(),
            Some(s) => self.from.is_none_or(|f| s >= f) && self.to.is_none_or(|t| s < t),
        }
    }
}

/// The parameters of an analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// Records considered for sources, flows to the suspect and the verdict's suspect
    /// flows. The baseline and the span always use the whole data set.
    pub range: TimeRange,
    /// The address to explain; `None` takes the top of the ranking.
    pub suspect: Option<IpAddr>,
    /// The protected service's port; `None` detects it.
    pub service_port: Option<u16>,
    /// The threshold is mean + k·σ.
    pub k: f64,
    /// The user's own networks, classed `known`.
    pub known: Vec<Cidr>,
    /// Keep the suspect's own flows in the baseline (off by default: they would
    /// inflate σ and hide the suspect).
    pub include_suspect_in_baseline: bool,
    /// Flows further apart than this start a new session; `None` is twice the
    /// aggregation window (1,200 s).
    pub session_gap_secs: Option<u32>,
    /// How many rows each list of the report carries at most (sources, ranking,
    /// sessions, flows to the suspect, gaps, diagnostics); each says how many there
    /// are in all. Every row of the sources and flows goes to the streamed exports.
    pub top: usize,
}

impl Query {
    /// The default of [`Query::top`].
    pub const TOP: usize = 1000;
}

impl Default for Query {
    fn default() -> Self {
        Query {
            range: TimeRange::ALL,
            suspect: None,
            service_port: None,
            k: 3.0,
            known: Vec::new(),
            include_suspect_in_baseline: false,
            session_gap_secs: None,
            top: Query::TOP,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_half_open_on_start() {
        let r = TimeRange::starting_at(100, 10);
        assert!(!r.contains(Some(99)));
        assert!(r.contains(Some(100)));
        assert!(r.contains(Some(109)));
        assert!(!r.contains(Some(110)));
        assert!(!r.contains(None));
        assert!(TimeRange::ALL.contains(None));
        assert!(TimeRange {
            from: Some(5),
            to: None
        }
        .contains(Some(u32::MAX)));
    }
}
