//! What the user asks: the time range, the address, the service port, k and the known
//! networks. The same [`Query`] drives the CLI flags, the page's controls and the
//! report.

use std::net::IpAddr;

use serde::Deserialize;

use super::WINDOW_SECS;
use crate::flow::Cidr;
use crate::time::parse_time;

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

/// True for a k the analysis takes: a finite number, 0 or more (0 puts the threshold
/// at the mean). The one rule for the CLI, the page and the embeddable API.
pub fn valid_k(k: f64) -> bool {
    k.is_finite() && k >= 0.0
}

/// A query as people write it (CLI flags, the embeddable API's options object): times
/// as RFC 3339 or Unix seconds, addresses and networks as text. [`QueryOptions::query`]
/// checks every part and says what is wrong.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct QueryOptions {
    /// The 10-minute aggregation window starting at (or holding) this time.
    pub window: Option<String>,
    /// Start of the range.
    pub from: Option<String>,
    /// End of the range (exclusive).
    pub to: Option<String>,
    /// The address to explain.
    pub suspect: Option<String>,
    /// The protected service's port.
    pub service_port: Option<u16>,
    /// Threshold = mean + k·σ (3 when absent).
    pub k: Option<f64>,
    /// The user's own networks (CIDR).
    pub known: Vec<String>,
    /// Keep the suspect's own flows in the baseline.
    pub include_suspect_in_baseline: bool,
    /// Rows kept in each list of the report ([`Query::TOP`] when absent).
    pub top: Option<usize>,
}

impl QueryOptions {
    /// The query, or what is wrong with the options.
    pub fn query(&self) -> Result<Query, String> {
        let secs = |name: &str, text: &str| -> Result<u32, String> {
            let t = parse_time(text).map_err(|e| format!("{name}: {e}"))?;
            u32::try_from(t).map_err(|_| format!("{name}: `{text}` is outside the years 1970–2106"))
        };
        let range = match (&self.window, &self.from, &self.to) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err("give either a window or from/to, not both".to_string())
            }
            (Some(w), None, None) => {
                let start = secs("window", w)?;
                TimeRange::starting_at(start - start % WINDOW_SECS, WINDOW_SECS)
            }
            (None, from, to) => TimeRange {
                from: from.as_deref().map(|f| secs("from", f)).transpose()?,
                to: to.as_deref().map(|t| secs("to", t)).transpose()?,
            },
        };
        let suspect = self
            .suspect
            .as_deref()
            .map(|s| {
                s.trim()
                    .parse::<IpAddr>()
                    .map_err(|_| format!("suspect: `{s}` is not an IP address"))
            })
            .transpose()?;
        let k = self.k.unwrap_or(3.0);
        if !valid_k(k) {
            return Err(format!("k must be a number ≥ 0, not {k}"));
        }
        let known = self
            .known
            .iter()
            .map(|c| Cidr::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Query {
            range,
            suspect,
            service_port: self.service_port,
            k,
            known,
            include_suspect_in_baseline: self.include_suspect_in_baseline,
            session_gap_secs: None,
            top: self.top.unwrap_or(Query::TOP),
        })
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

    #[test]
    fn options_become_a_query_or_say_what_is_wrong() {
        let q = QueryOptions {
            window: Some("2020-09-16T02:04:59Z".into()),
            suspect: Some(" 201.48.16.81 ".into()),
            k: Some(0.0),
            known: vec!["10.0.0.0/8".into()],
            top: Some(5),
            ..QueryOptions::default()
        }
        .query()
        .unwrap();
        assert_eq!(q.range, TimeRange::starting_at(1_600_221_600, 600));
        assert_eq!(q.suspect, "201.48.16.81".parse().ok());
        assert_eq!((q.k, q.top, q.known.len()), (0.0, 5, 1));
        let defaults = QueryOptions::default().query().unwrap();
        assert_eq!(defaults, Query::default());
        for (bad, says) in [
            (
                QueryOptions {
                    k: Some(-1.0),
                    ..Default::default()
                },
                "k must be",
            ),
            (
                QueryOptions {
                    k: Some(f64::NAN),
                    ..Default::default()
                },
                "k must be",
            ),
            (
                QueryOptions {
                    suspect: Some("x".into()),
                    ..Default::default()
                },
                "not an IP",
            ),
            (
                QueryOptions {
                    from: Some("yesterday".into()),
                    ..Default::default()
                },
                "from:",
            ),
            (
                QueryOptions {
                    window: Some("1".into()),
                    to: Some("2".into()),
                    ..Default::default()
                },
                "not both",
            ),
            (
                QueryOptions {
                    known: vec!["10.0.0.0/33".into()],
                    ..Default::default()
                },
                "10.0.0.0/33",
            ),
        ] {
            let err = bad.query().unwrap_err();
            assert!(err.contains(says), "{err}");
        }
        // The JS spelling, and unknown keys refused.
        let o: QueryOptions =
            serde_json::from_str(r#"{"servicePort": 3306, "includeSuspectInBaseline": true}"#)
                .unwrap();
        assert_eq!(
            (o.service_port, o.include_suspect_in_baseline),
            (Some(3306), true)
        );
        assert!(serde_json::from_str::<QueryOptions>(r#"{"sevicePort": 1}"#).is_err());
    }
}
