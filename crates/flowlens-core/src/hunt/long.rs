//! `long_connection`: a stitched session lasting an hour or more, graded like RITA v5's
//! long connections (`default_config.hjson`: 1 / 4 / 8 / 12 hours, scored 0.2 / 0.4 /
//! 0.6 / 0.8 with linear steps between). With an outside party, 8 hours is `medium` and
//! 12 `high`; between two internal addresses (connection pools, replication) it stays
//! `low`. The evidence adds RITA's pair total: the durations of every session of the
//! pair on that port, summed.

use super::context::Context;
use super::finding::{Detail, Evidence, Finding, Kind, LongConnectionDetail, Severity};
use super::session::Session;
use super::EvidenceSessions;
use crate::analysis::units;
use crate::time::format_rfc3339;

/// Shortest long connection.
pub const MIN_SECS: u32 = 3600;
/// The grades (hours) and RITA's scores at them.
pub const GRADES: [(u32, f64); 4] = [(1, 0.2), (4, 0.4), (8, 0.6), (12, 0.8)];
/// Sessions kept from pass 1 (the longest).
const KEEP: usize = 1000;

/// Pass 1: the longest sessions.
#[derive(Default)]
pub struct LongPass {
    sessions: Vec<Session>,
    /// Sessions of an hour or more, in all.
    pub total: u64,
}

impl LongPass {
    /// Takes one session.
    pub fn session(&mut self, s: &Session) {
        if s.duration_secs() < MIN_SECS {
            return;
        }
        self.total += 1;
        self.sessions.push(*s);
        if self.sessions.len() >= 2 * KEEP {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.sessions
            .sort_by_key(|s| (std::cmp::Reverse(s.duration_secs()), s.start, s.first_row));
        self.sessions.truncate(KEEP);
    }

    /// The longest sessions.
    pub fn finish(mut self) -> Vec<Session> {
        self.trim();
        self.sessions
    }
}

/// The grade (hours) and RITA's score of a duration.
pub fn grade(secs: u32) -> (u32, f64) {
    let hours = f64::from(secs) / 3600.0;
    let mut grade = (0, 0.0);
    for (i, &(h, score)) in GRADES.iter().enumerate() {
        if hours >= f64::from(h) {
            let next = GRADES.get(i + 1);
            let s = match next {
                Some(&(nh, ns)) => {
                    score + (ns - score) * (hours - f64::from(h)) / f64::from(nh - h)
                }
                None => score,
            };
            grade = (h, s);
        }
    }
    grade
}

/// Pass 2 for one long session: the pair's other sessions.
pub struct LongEvidence {
    /// The session.
    pub session: Session,
    pair_secs: u64,
    pair: EvidenceSessions,
}

impl LongEvidence {
    /// Gathers the evidence of `session`.
    pub fn new(session: Session) -> LongEvidence {
        LongEvidence {
            session,
            pair_secs: 0,
            pair: EvidenceSessions::earliest(0),
        }
    }

    /// Takes a session of the pair.
    pub fn session(&mut self, s: &Session) {
        let l = &self.session;
        if s.src == l.src && s.dst == l.dst && s.dstport == l.dstport {
            self.pair_secs += u64::from(s.duration_secs());
            self.pair.push(s);
        }
    }

    /// The finding.
    pub fn finish(self, ctx: &Context) -> Finding {
        let s = &self.session;
        let secs = s.duration_secs();
        let (hours, score) = grade(secs);
        let internal_only = ctx.internal(s.src) && ctx.internal(s.dst);
        let severity = match (internal_only, hours) {
            (false, 12..) => Severity::High,
            (false, 8..) => Severity::Medium,
            _ => Severity::Low,
        };
        let src = ctx.addr(s.src);
        let dst = ctx.addr(s.dst);
        let (_, total, _) = self.pair.finish(ctx);
        Finding {
            kind: Kind::LongConnection,
            severity,
            src: src.clone(),
            dst: Some(dst.clone()),
            dst_port: Some(s.dstport),
            first: s.start,
            last: s.end,
            score,
            summary: format!(
                "{src} kept a session to {dst}:{} open for {} (from {} to {}); {} out, {} back.",
                s.dstport,
                crate::units::duration(secs),
                format_rfc3339(i64::from(s.start)),
                format_rfc3339(i64::from(s.end)),
                units::bytes(s.bytes_out as f64),
                units::bytes(s.bytes_back as f64)
            ),
            evidence: Evidence {
                detail: Detail::LongConnection(LongConnectionDetail {
                    duration_secs: secs,
                    grade_hours: hours,
                    bytes_out: s.bytes_out,
                    bytes_back: s.bytes_back,
                    pair_duration_secs: self.pair_secs.max(u64::from(secs)),
                    internal_only,
                }),
                sessions: vec![ctx.session_out(s)],
                sessions_total: total.max(1),
                records_total: u64::from(s.records),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_follow_rita() {
        let cases = [
            (3599, 0, 0.0),
            (3600, 1, 0.2),
            (4 * 3600, 4, 0.4),
            (6 * 3600, 4, 0.5),
            (8 * 3600, 8, 0.6),
            (12 * 3600, 12, 0.8),
            (48 * 3600, 12, 0.8),
        ];
        for (secs, hours, score) in cases {
            let (h, s) = grade(secs);
            assert_eq!(h, hours, "{secs}");
            assert!((s - score).abs() < 1e-9, "{secs}: {s}");
        }
    }
}
