//! What the hunt reports: a [`Finding`] per incident stage it recognised, with the
//! sessions behind it ([`Evidence`]). These are the types of `flowlens hunt --json`, of
//! the `findings` array of `analyze --json` and of the page's Findings panel; they
//! serialize to (and deserialize from) the JSON shape
//! `{"kind","severity","src","dst","dst_port","first","last","score","summary","evidence":{…}}`.
//! Times are Unix seconds; addresses are text. Every list in them is bounded (top N
//! with totals), so a week with millions of scanners still gives a small report.

use serde::{Deserialize, Serialize};

/// The eight kinds of finding, in the order an intrusion usually runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// One source touching many ports of one host, or one port on many hosts, mostly
    /// without an answer.
    Scan,
    /// A scanning source that later had an accepted session with payload on a port it
    /// had probed.
    ProbeAccepted,
    /// Many short sessions from one source to one service, their replies in a narrow
    /// failure band.
    BruteForce,
    /// The first session of a brute-forcing source (or its /24) whose reply or duration
    /// lies far outside the failure band: when the guessing worked.
    FirstSuccess,
    /// An unusual amount of bytes from an internal asset to an outside address.
    Exfiltration,
    /// A session lasting an hour or more.
    LongConnection,
    /// An internal asset that had only answered started a session to the internet.
    RoleInversion,
    /// Regular session starts from an internal source to an outside address and port.
    Beacon,
}

impl Kind {
    /// Every kind, in the order of [`Kind`].
    pub const ALL: [Kind; 8] = [
        Kind::Scan,
        Kind::ProbeAccepted,
        Kind::BruteForce,
        Kind::FirstSuccess,
        Kind::Exfiltration,
        Kind::LongConnection,
        Kind::RoleInversion,
        Kind::Beacon,
    ];

    /// The report's spelling (`probe_accepted`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Scan => "scan",
            Kind::ProbeAccepted => "probe_accepted",
            Kind::BruteForce => "brute_force",
            Kind::FirstSuccess => "first_success",
            Kind::Exfiltration => "exfiltration",
            Kind::LongConnection => "long_connection",
            Kind::RoleInversion => "role_inversion",
            Kind::Beacon => "beacon",
        }
    }

    /// A few words for people ("first success").
    pub fn label(self) -> &'static str {
        match self {
            Kind::Scan => "scan",
            Kind::ProbeAccepted => "probe accepted",
            Kind::BruteForce => "brute force",
            Kind::FirstSuccess => "first success",
            Kind::Exfiltration => "exfiltration",
            Kind::LongConnection => "long connection",
            Kind::RoleInversion => "role inversion",
            Kind::Beacon => "beacon",
        }
    }
}

/// How urgent a finding is. Ordered: `Low < Medium < High`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; common on any internet-facing interface (e.g. background scans).
    Low,
    /// Look at it.
    Medium,
    /// Look at it first.
    High,
}

impl Severity {
    /// The report's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// One session as evidence: a stitched conversation (both directions, every window).
/// `src` is the initiator; `_out` counts initiator → responder, `_back` the reverse.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionOut {
    /// First packet (Unix seconds).
    pub start: u32,
    /// Last packet.
    pub end: u32,
    /// Initiator.
    pub src: String,
    /// Initiator's port.
    pub srcport: u16,
    /// Responder.
    pub dst: String,
    /// Responder's (service) port.
    pub dstport: u16,
    /// IANA protocol number.
    pub protocol: u8,
    /// Bytes initiator → responder.
    pub bytes_out: u64,
    /// Bytes responder → initiator.
    pub bytes_back: u64,
    /// Packets initiator → responder.
    pub packets_out: u64,
    /// Packets responder → initiator.
    pub packets_back: u64,
    /// `ACCEPT`, `REJECT`, or `MIXED` when its records disagree.
    pub action: String,
    /// Flow-log records stitched into it.
    pub records: u32,
    /// OR of the initiator's `tcp-flags`; `None` when the format has none.
    pub tcp_flags_out: Option<u8>,
    /// OR of the responder's `tcp-flags`.
    pub tcp_flags_back: Option<u8>,
}

/// A port and how often it was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortCount {
    /// The port.
    pub port: u16,
    /// Sessions.
    pub sessions: u64,
}

/// An address and how often it was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddrCount {
    /// The address.
    pub addr: String,
    /// Sessions.
    pub sessions: u64,
}

/// `scan`: the Zeek counts and the Threshold Random Walk behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanDetail {
    /// Which tests fired: `zeek_port_scan` (≥ 15 ports of one host failed in 5 min),
    /// `zeek_address_scan` (≥ 25 hosts failed on one port in 5 min), `trw` (the random
    /// walk reached ln 99).
    pub rules: Vec<String>,
    /// The walk's log-likelihood ratio after its last step (first contacts only).
    pub trw_lambda: f64,
    /// Sessions that failed (rejected, unanswered, or reset).
    pub failed_sessions: u64,
    /// Sessions that were answered.
    pub answered_sessions: u64,
    /// Distinct hosts touched.
    pub distinct_hosts: u64,
    /// Distinct (host, port) targets touched.
    pub distinct_targets: u64,
    /// Distinct ports touched.
    pub distinct_ports: u64,
    /// Most distinct ports of one host with failed sessions in one 5-minute epoch.
    pub max_ports_one_host_5min: u64,
    /// Most distinct hosts with failed sessions on one port in one 5-minute epoch.
    pub max_hosts_one_port_5min: u64,
    /// The ports touched most, at most 20.
    pub top_ports: Vec<PortCount>,
    /// The hosts touched most, at most 20.
    pub top_hosts: Vec<AddrCount>,
}

/// `probe_accepted`: the probe and the accepted session that followed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeAcceptedDetail {
    /// Start of the first session to that (host, port) without payload.
    pub probe_start: u32,
    /// Start of the first accepted session with payload after it.
    pub accepted_start: u32,
    /// Accepted sessions with payload on that target from then on.
    pub accepted_sessions: u64,
    /// Their bytes responder → source.
    pub accepted_bytes_back: u64,
    /// Their bytes source → responder.
    pub accepted_bytes_out: u64,
}

/// `brute_force`: the attempts and their failure band.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BruteForceDetail {
    /// Sessions from the source to the service, in all.
    pub attempts: u64,
    /// Most of them in one 30-minute window.
    pub max_attempts_30min: u64,
    /// Share of the attempts whose reply lies in the band.
    pub failure_like_share: f64,
    /// Median reply (responder → source) bytes of the attempts.
    pub reply_bytes_median: f64,
    /// Their median absolute deviation (unscaled).
    pub reply_bytes_mad: f64,
    /// The spread the band and the z scores use: max(1.4826·MAD, floor).
    pub reply_bytes_spread: f64,
    /// Lower edge of the failure band: median − 3·spread.
    pub band_low_bytes: f64,
    /// Upper edge: median + 3·spread.
    pub band_high_bytes: f64,
    /// Median session duration of the attempts.
    pub duration_median_secs: f64,
    /// The duration spread: max(1.4826·MAD, 1 s).
    pub duration_spread_secs: f64,
}

/// `first_success`: the session that left the failure band.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirstSuccessDetail {
    /// The brute-forcing source it follows.
    pub brute_force_src: String,
    /// True when it came from that source itself, false when from its /24 (/64).
    pub same_source: bool,
    /// Its reply bytes (responder → source).
    pub reply_bytes: u64,
    /// Its duration.
    pub duration_secs: u32,
    /// Robust z of the reply bytes against the band: (bytes − median) / spread.
    pub z_bytes: f64,
    /// Robust z of the duration.
    pub z_duration: f64,
    /// The band it left.
    pub band_low_bytes: f64,
    /// The band it left.
    pub band_high_bytes: f64,
    /// Attempts before it.
    pub attempts_before: u64,
    /// Seconds from the first attempt to it.
    pub secs_after_first_attempt: u32,
}

/// `exfiltration`: the window sum and what it was compared with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExfiltrationDetail {
    /// Length of the window that fired (1800 or 10800).
    pub window_secs: u32,
    /// Bytes asset → destination in that window.
    pub window_bytes: u64,
    /// Largest 30-minute sum.
    pub max_30min_bytes: u64,
    /// Largest 3-hour sum.
    pub max_3h_bytes: u64,
    /// Bytes asset → destination over the whole data.
    pub total_bytes: u64,
    /// The absolute floor a sum must reach.
    pub floor_bytes: u64,
    /// Robust z of the 30-minute sum among the asset's destinations; `None` with fewer
    /// than five destinations.
    pub robust_z: Option<f64>,
    /// Median of the asset's per-destination largest 30-minute sums.
    pub destinations_median_bytes: f64,
    /// Their MAD (unscaled).
    pub destinations_mad_bytes: f64,
    /// Outside destinations of the asset.
    pub destinations: u64,
    /// The sum over the asset's largest 30-minute sum to any destination on earlier
    /// days; `None` without an earlier day.
    pub history_ratio: Option<f64>,
    /// Days of the asset's data before the window's day.
    pub history_days: u32,
    /// True when the asset was there on earlier days and sent nothing to outside
    /// addresses then (counts as the history signal).
    pub nothing_out_before: bool,
    /// True when the destination was first seen within the 3 hours before the window's
    /// end.
    pub new_destination: bool,
    /// When the destination first appeared in the data.
    pub destination_first_seen: u32,
    /// The asset's port that sent most of the bytes (the service, for a server).
    pub asset_port: Option<u16>,
}

/// `long_connection`: how long, and how much moved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LongConnectionDetail {
    /// Duration of the session.
    pub duration_secs: u32,
    /// The grade reached: 1, 4, 8 or 12 hours.
    pub grade_hours: u32,
    /// Bytes initiator → responder.
    pub bytes_out: u64,
    /// Bytes responder → initiator.
    pub bytes_back: u64,
    /// Sum of the durations of every session of the pair (RITA's total duration).
    pub pair_duration_secs: u64,
    /// True when both ends are internal (graded low at most).
    pub internal_only: bool,
}

/// `role_inversion`: the asset's history before its first outbound session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleInversionDetail {
    /// Sessions the asset answered before.
    pub answered_before: u64,
    /// Sessions it initiated before (to anyone).
    pub initiated_before: u64,
    /// Sessions it initiated to outside addresses, from then on.
    pub outbound_sessions: u64,
    /// Distinct outside addresses among them (counted up to 1,000).
    pub outbound_destinations: u64,
    /// Ports it called, at most 20.
    pub outbound_ports: Vec<PortCount>,
}

/// `beacon`: RITA's sub-scores and the weights added for flow logs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BeaconDetail {
    /// Session starts of the pair.
    pub starts: u64,
    /// Those scored: the starts of the pair's last 24 hours.
    pub starts_scored: u64,
    /// Median time between starts.
    pub interval_median_secs: f64,
    /// Median absolute deviation of the intervals.
    pub interval_mad_secs: f64,
    /// RITA's timestamp score: (Bowley skew score + MAD score) / 2.
    pub ts_score: f64,
    /// RITA's data-size score over bytes initiator → responder.
    pub ds_score: f64,
    /// RITA's histogram score (24 bins over the data).
    pub hist_score: f64,
    /// RITA's duration score (coverage, or consecutive hours).
    pub dur_score: f64,
    /// RITA v5's beacon score: the four, weighted 0.25 each.
    pub rita_score: f64,
    /// min(1, (starts − 3) / 20): few starts reach high RITA scores by chance.
    pub count_weight: f64,
    /// Span of the starts over the span of the data.
    pub coverage: f64,
    /// The aggregation window of the records.
    pub window_secs: u32,
    /// True when the median interval is not longer than the window: a faster beacon
    /// over one connection would be hidden in it.
    pub aliased: bool,
}

/// The kind's own figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// See [`ScanDetail`].
    Scan(ScanDetail),
    /// See [`ProbeAcceptedDetail`].
    ProbeAccepted(ProbeAcceptedDetail),
    /// See [`BruteForceDetail`].
    BruteForce(BruteForceDetail),
    /// See [`FirstSuccessDetail`].
    FirstSuccess(FirstSuccessDetail),
    /// See [`ExfiltrationDetail`].
    Exfiltration(ExfiltrationDetail),
    /// See [`LongConnectionDetail`].
    LongConnection(LongConnectionDetail),
    /// See [`RoleInversionDetail`].
    RoleInversion(RoleInversionDetail),
    /// See [`BeaconDetail`].
    Beacon(BeaconDetail),
}

/// What a finding rests on: its figures and the sessions behind it (bounded).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The kind's figures, under the kind's name (`"scan": {…}`).
    #[serde(flatten)]
    pub detail: Detail,
    /// The sessions behind it, most telling first, at most [`super::EVIDENCE_SESSIONS`].
    pub sessions: Vec<SessionOut>,
    /// How many sessions it rests on in all.
    pub sessions_total: u64,
    /// How many flow-log records those sessions were stitched from.
    pub records_total: u64,
}

/// One stage of an incident, with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What was found.
    pub kind: Kind,
    /// How urgent.
    pub severity: Severity,
    /// The side that acted: the scanner, the guesser, the asset sending data out, the
    /// beaconing host, the server that called out.
    pub src: String,
    /// The other side; `None` when spread over many hosts (a sweep of one port).
    pub dst: Option<String>,
    /// The destination's port; `None` when spread over many.
    pub dst_port: Option<u16>,
    /// When it began (Unix seconds).
    pub first: u32,
    /// When it last showed.
    pub last: u32,
    /// Strength within its kind, 0–1 (each kind's formula is in docs/detections.md).
    pub score: f64,
    /// One sentence with its numbers.
    pub summary: String,
    /// What it rests on.
    pub evidence: Evidence,
}

impl Finding {
    /// The ranking order: severity, then score to two decimals, then time (earliest
    /// first: within a level the list reads as the incident ran).
    pub fn rank_cmp(&self, other: &Finding) -> std::cmp::Ordering {
        let hundredths = |f: &Finding| (f.score * 100.0).round() as i64;
        other
            .severity
            .cmp(&self.severity)
            .then(hundredths(other).cmp(&hundredths(self)))
            .then(self.first.cmp(&other.first))
            .then(self.src.cmp(&other.src))
    }
}

/// How many findings of one kind there were, and how many are listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindTotal {
    /// The kind.
    pub kind: Kind,
    /// Findings of the kind in all.
    pub total: u64,
    /// Of them, listed (the highest ranked).
    pub listed: u64,
    /// Of them, high severity.
    pub high: u64,
    /// Of them, medium severity.
    pub medium: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Finding {
        Finding {
            kind: Kind::ProbeAccepted,
            severity: Severity::High,
            src: "201.48.16.77".into(),
            dst: None,
            dst_port: Some(3306),
            first: 1,
            last: 2,
            score: 0.5,
            summary: "s".into(),
            evidence: Evidence {
                detail: Detail::ProbeAccepted(ProbeAcceptedDetail {
                    probe_start: 1,
                    accepted_start: 2,
                    accepted_sessions: 3,
                    accepted_bytes_back: 4,
                    accepted_bytes_out: 5,
                }),
                sessions: Vec::new(),
                sessions_total: 3,
                records_total: 6,
            },
        }
    }

    #[test]
    fn json_shape_is_the_issues_and_reads_back() {
        let f = finding();
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["kind"], "probe_accepted");
        assert_eq!(json["severity"], "high");
        assert_eq!(json["dst"], serde_json::Value::Null);
        assert_eq!(json["dst_port"], 3306);
        assert_eq!(json["evidence"]["probe_accepted"]["accepted_sessions"], 3);
        assert_eq!(json["evidence"]["sessions_total"], 3);
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 10, "{keys:?}");
        let back: Finding = serde_json::from_value(json).unwrap();
        assert_eq!(back, f);
        for kind in Kind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }

    #[test]
    fn ranking_puts_severity_then_score_first() {
        let high = finding();
        let mut medium = finding();
        medium.severity = Severity::Medium;
        medium.score = 0.99;
        let mut high_low_score = finding();
        high_low_score.score = 0.1;
        let mut all = [medium.clone(), high_low_score.clone(), high.clone()];
        all.sort_by(Finding::rank_cmp);
        assert_eq!(all, [high, high_low_score, medium]);
        assert!(Severity::Low < Severity::Medium && Severity::Medium < Severity::High);
    }
}
