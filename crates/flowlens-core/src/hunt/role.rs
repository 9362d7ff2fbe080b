//! `role_inversion`: an internal asset that had only answered — a server — initiates a
//! session to an outside address (a database downloading a tool, a reverse shell).
//! GuardDuty's Behavior:EC2/NetworkPortUnusual is the nearest published analogue.
//!
//! For every internal asset the sessions it answered and the sessions it initiated are
//! counted by hour. At its first session initiated to an outside address (rejected ones
//! too: an attempt is the signal), it is a server when it had answered ≥ 20 sessions in
//! the hours before and initiated at most 5 % of its sessions; then the finding is
//! `high` (≥ 100 answered) or `medium`.

use super::context::Context;
use super::finding::{Detail, Evidence, Finding, Kind, PortCount, RoleInversionDetail, Severity};
use super::hashing::MixMap as FastMap;
use super::session::Session;
use super::{strength, EvidenceSessions, EVIDENCE_SESSIONS};
use crate::analysis::units;
use crate::flow::AddrId;
use crate::time::format_rfc3339;

/// Answered sessions before, at least.
pub const MIN_ANSWERED: u64 = 20;
/// Initiated share before, at most.
pub const MAX_INITIATED_SHARE: f64 = 0.05;
/// Answered sessions before for `high`.
pub const HIGH_ANSWERED: u64 = 100;
/// Distinct destinations counted.
const DESTINATIONS: usize = 1000;

#[derive(Default)]
struct Asset {
    /// (hour, answered, initiated), hours ascending.
    hours: Vec<(u32, u64, u64)>,
    outbound: EvidenceSessions,
    outbound_count: u64,
    destinations: Vec<AddrId>,
    ports: FastMap<u16, u64>,
    first_outbound: Option<u32>,
}

/// The index of `hour` in `hours`, added when new (sessions come nearly in time
/// order, so the last hour is nearly always the one).
fn hour_index(hours: &mut Vec<(u32, u64, u64)>, hour: u32) -> usize {
    match hours.last() {
        Some(h) if h.0 == hour => hours.len() - 1,
        Some(h) if h.0 > hour => match hours.binary_search_by_key(&hour, |h| h.0) {
            Ok(i) => i,
            Err(i) => {
                hours.insert(i, (hour, 0, 0));
                i
            }
        },
        _ => {
            hours.push((hour, 0, 0));
            hours.len() - 1
        }
    }
}

/// The detector (one pass: the evidence is the outbound sessions themselves).
#[derive(Default)]
pub struct RolePass {
    assets: FastMap<AddrId, Asset>,
}

impl RolePass {
    /// Takes one session.
    pub fn session(&mut self, ctx: &Context, s: &Session) {
        let hour = s.start / 3600;
        if ctx.internal(s.dst) && s.answered() {
            let hours = &mut self.assets.entry(s.dst).or_default().hours;
            let i = hour_index(hours, hour);
            if let Some(h) = hours.get_mut(i) {
                h.1 += 1;
            }
        }
        if !ctx.internal(s.src) {
            return;
        }
        let a = self.assets.entry(s.src).or_default();
        let i = hour_index(&mut a.hours, hour);
        if let Some(h) = a.hours.get_mut(i) {
            h.2 += 1;
        }
        if ctx.internal(s.dst) {
            return;
        }
        a.outbound_count += 1;
        if a.outbound.is_empty() {
            a.outbound = EvidenceSessions::earliest(EVIDENCE_SESSIONS);
        }
        a.outbound.push(s);
        a.first_outbound = Some(a.first_outbound.map_or(s.start, |f| f.min(s.start)));
        if a.destinations.len() < DESTINATIONS && !a.destinations.contains(&s.dst) {
            a.destinations.push(s.dst);
        }
        if a.ports.len() < 1000 || a.ports.contains_key(&s.dstport) {
            *a.ports.entry(s.dstport).or_default() += 1;
        }
    }

    /// The findings.
    pub fn finish(self, ctx: &Context) -> Vec<Finding> {
        let mut assets: Vec<(AddrId, Asset)> = self.assets.into_iter().collect();
        assets.sort_by_key(|(a, _)| *a);
        let mut out = Vec::new();
        for (id, a) in assets {
            let Some(first) = a.first_outbound else {
                continue;
            };
            let hour = first / 3600;
            let (answered, initiated) = a
                .hours
                .iter()
                .filter(|h| h.0 < hour)
                .fold((0u64, 0u64), |(x, y), h| (x + h.1, y + h.2));
            let share = initiated as f64 / (answered + initiated).max(1) as f64;
            if answered < MIN_ANSWERED || share > MAX_INITIATED_SHARE {
                continue;
            }
            let mut ports: Vec<PortCount> = a
                .ports
                .iter()
                .map(|(&port, &sessions)| PortCount { port, sessions })
                .collect();
            ports.sort_by(|x, y| y.sessions.cmp(&x.sessions).then(x.port.cmp(&y.port)));
            ports.truncate(20);
            let (sessions, total, records) = a.outbound.finish(ctx);
            let Some(firstsession) = sessions.first().cloned() else {
                continue;
            };
            let last = sessions.iter().map(|s| s.end).max().unwrap_or(first);
            let src = ctx.addr(id);
            let single = a.destinations.len() == 1;
            out.push(Finding {
                kind: Kind::RoleInversion,
                severity: if answered >= HIGH_ANSWERED {
                    Severity::High
                } else {
                    Severity::Medium
                },
                src: src.clone(),
                dst: single.then(|| firstsession.dst.clone()),
                dst_port: (ports.len() == 1).then(|| ports[0].port),
                first,
                last,
                score: strength(answered as f64 / MIN_ANSWERED as f64 / 2.0),
                summary: format!(
                    "{src}, which had only answered ({} sessions answered, {} initiated before), called {}:{} at {}; {} outbound session{} to {} outside address{} in all.",
                    units::int(answered),
                    units::int(initiated),
                    firstsession.dst,
                    firstsession.dstport,
                    format_rfc3339(i64::from(first)),
                    units::int(a.outbound_count),
                    if a.outbound_count == 1 { "" } else { "s" },
                    units::int(a.destinations.len() as u64),
                    if single { "" } else { "es" },
                ),
                evidence: Evidence {
                    detail: Detail::RoleInversion(RoleInversionDetail {
                        answered_before: answered,
                        initiated_before: initiated,
                        outbound_sessions: a.outbound_count,
                        outbound_destinations: a.destinations.len() as u64,
                        outbound_ports: ports,
                    }),
                    sessions,
                    sessions_total: total,
                    records_total: records,
                },
            });
        }
        out
    }
}
