//! `scan` and `probe_accepted`.
//!
//! A source scans when, in one 5-minute epoch, it has failed sessions to ≥ 15 ports of
//! one host or to ≥ 25 hosts on one port (Zeek's `scan.zeek` defaults), or when the
//! Threshold Random Walk of Jung, Paxson, Berger and Balakrishnan (IEEE S&P 2004) over
//! its first contacts reaches ln 99: each first contact of a (host, port) adds
//! ln(0.8/0.2) = +1.386 when it failed and −1.386 when it was answered; the walk stops at
//! +4.595 (scanner) or −4.595 (benign). A failed session is rejected, unanswered, or
//! answered by a reset ([`Session::failed`]).
//!
//! Zeek's counts make a `medium` finding; the walk alone, `low` — internet-facing
//! interfaces are probed all day. A scanner that later has an accepted session with
//! payload on a (host, port) it had probed without payload is `probe_accepted`: the
//! port is open to it and it used it.
//!
//! Pass 1 decides who scans: the walks live in columns by address id (a byte of net
//! steps and a 4-byte fingerprint of the first target; a list only for sources with
//! several targets), and the epochs' failed sessions until the epoch is over. Pass 2
//! gathers each scanner's sessions for the evidence and the probes.

use super::context::Context;
use super::finding::{
    AddrCount, Detail, Evidence, Finding, Kind, PortCount, ProbeAcceptedDetail, ScanDetail,
    Severity,
};
use super::hashing::MixMap as FastMap;
use super::session::Session;
use super::{strength, EvidenceSessions, EVIDENCE_SESSIONS};
use crate::analysis::units;
use crate::flow::AddrId;
use crate::time::format_rfc3339;

/// Zeek: distinct ports of one host with failed sessions in an epoch.
pub const PORT_SCAN_PORTS: u64 = 15;
/// Zeek: distinct hosts with failed sessions on one port in an epoch.
pub const ADDRESS_SCAN_HOSTS: u64 = 25;
/// Zeek's epoch.
pub const EPOCH_SECS: u32 = 300;
/// TRW's step: ln(θ1/θ0) with θ0 = P(success | benign) = 0.8, θ1 = 0.2.
pub const TRW_STEP: f64 = 1.386_294_361_119_890_6;
/// TRW's thresholds: ±ln(99) (false-positive and detection rates of 0.01 and 0.99).
pub const TRW_THRESHOLD: f64 = 4.595_119_850_134_59;
/// First contacts remembered per undecided walk.
const WALK_TARGETS: usize = 256;
/// Accepted sessions with payload followed per target (their count is exact).
const ACCEPTED_KEPT: usize = 4096;
/// Targets followed per scanner in pass 2.
const TARGETS_PER_SCANNER: usize = 100_000;

/// The state of a walk.
const UNDECIDED: u8 = 0;
const SCANNER: u8 = 1;
const BENIGN: u8 = 2;

/// Why a source is a scanner, from pass 1.
#[derive(Clone, Debug, Default)]
pub struct Scanner {
    /// When the walk reached the threshold.
    pub trw_at: Option<u32>,
    /// Its value then.
    pub lambda: f64,
    /// Most failed ports of one host in one epoch, when ≥ 15.
    pub max_ports: u64,
    /// Most failed hosts on one port in one epoch, when ≥ 25.
    pub max_hosts: u64,
}

/// Pass 1 of the scan detector. The walk of each source is kept in columns by address
/// id (a byte of net steps, the fingerprint of its first target), so that millions of
/// one-shot scanners cost no map entry; only sources with a second target get a list.
pub struct ScanPass {
    decided: Vec<u8>,
    /// Net steps of the walk (λ = steps · 1.386) of each undecided source.
    steps: Vec<i8>,
    /// Fingerprint of each source's first target (0: none yet).
    first_target: Vec<u32>,
    /// The other targets of sources with more than one.
    more_targets: FastMap<AddrId, Vec<u32>>,
    /// Sources found scanning.
    pub scanners: FastMap<AddrId, Scanner>,
    /// (epoch, src, dst, port) of failed sessions of epochs not yet counted.
    failed: Vec<(u32, u32, u32, u16)>,
}

fn fingerprint(dst: AddrId, port: u16) -> u32 {
    let x = (u64::from(dst.0) << 16 | u64::from(port)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (x >> 32) as u32
}

impl ScanPass {
    /// A pass over data with `addr_count` address ids.
    pub fn new(addr_count: usize) -> ScanPass {
        ScanPass {
            decided: vec![UNDECIDED; addr_count],
            steps: vec![0; addr_count],
            first_target: vec![0; addr_count],
            more_targets: FastMap::default(),
            scanners: FastMap::default(),
            failed: Vec::new(),
        }
    }

    /// Takes one session.
    pub fn session(&mut self, s: &Session) {
        let failed = s.failed();
        if failed {
            self.failed
                .push((s.start / EPOCH_SECS, s.src.0, s.dst.0, s.dstport));
        }
        let state = self.decided.get(s.src.index()).copied().unwrap_or(BENIGN);
        if state != UNDECIDED {
            return;
        }
        let target = fingerprint(s.dst, s.dstport) | 1;
        let i = s.src.index();
        let (Some(first), Some(steps)) = (self.first_target.get_mut(i), self.steps.get_mut(i))
        else {
            return;
        };
        if *first == 0 {
            *first = target;
        } else if *first == target {
            return;
        } else {
            let more = self.more_targets.entry(s.src).or_default();
            if more.contains(&target) || more.len() + 1 >= WALK_TARGETS {
                return;
            }
            more.push(target);
        }
        *steps += if failed { 1 } else { -1 };
        // ±4 steps = ±5.545 is the first value past ±ln 99 = ±4.595.
        let decision = match *steps {
            4.. => SCANNER,
            ..=-4 => BENIGN,
            _ => return,
        };
        let lambda = f64::from(*steps) * TRW_STEP;
        self.more_targets.remove(&s.src);
        if let Some(d) = self.decided.get_mut(i) {
            *d = decision;
        }
        if decision == SCANNER {
            let entry = self.scanners.entry(s.src).or_default();
            entry.trw_at = Some(s.start);
            entry.lambda = lambda;
        }
    }

    /// Every session that ended before `watermark` has been seen: counts the epochs
    /// that are over and forgets idle walks.
    pub fn watermark(&mut self, watermark: u32) {
        let done = watermark / EPOCH_SECS;
        if self.failed.iter().any(|f| f.0 < done) {
            let (old, keep): (Vec<_>, Vec<_>) = self.failed.drain(..).partition(|f| f.0 < done);
            self.failed = keep;
            self.count_epochs(old);
        }
    }

    /// Zeek's counts over failed sessions of finished epochs.
    fn count_epochs(&mut self, mut failed: Vec<(u32, u32, u32, u16)>) {
        // Distinct ports per (epoch, src, dst).
        failed.sort_unstable();
        failed.dedup();
        for_runs(
            &failed,
            |f| (f.0, f.1, f.2),
            |run| {
                let ports = run.len() as u64;
                if ports >= PORT_SCAN_PORTS {
                    let entry = self.scanners.entry(AddrId(run[0].1)).or_default();
                    entry.max_ports = entry.max_ports.max(ports);
                }
            },
        );
        // Distinct hosts per (epoch, src, port).
        failed.sort_unstable_by_key(|f| (f.0, f.1, f.3, f.2));
        for_runs(
            &failed,
            |f| (f.0, f.1, f.3),
            |run| {
                let hosts = run.len() as u64;
                if hosts >= ADDRESS_SCAN_HOSTS {
                    let entry = self.scanners.entry(AddrId(run[0].1)).or_default();
                    entry.max_hosts = entry.max_hosts.max(hosts);
                }
            },
        );
    }

    /// Counts the last epochs; the scanners found.
    pub fn finish(mut self) -> FastMap<AddrId, Scanner> {
        let rest = std::mem::take(&mut self.failed);
        self.count_epochs(rest);
        self.scanners
    }
}

/// Calls `f` with each run of equal keys in `items` (sorted by that key).
fn for_runs<T, K: PartialEq>(items: &[T], key: impl Fn(&T) -> K, mut f: impl FnMut(&[T])) {
    let mut from = 0;
    for i in 1..=items.len() {
        let boundary = match (items.get(i), items.get(from)) {
            (Some(x), Some(y)) => key(x) != key(y),
            _ => true,
        };
        if boundary {
            if let Some(run) = items.get(from..i) {
                if !run.is_empty() {
                    f(run);
                }
            }
            from = i;
        }
    }
}

/// One (host, port) a scanner touched, in pass 2.
#[derive(Default)]
struct Target {
    sessions: u64,
    failed: u64,
    /// Earliest session without payload.
    first_probe: Option<u32>,
    /// Accepted sessions with payload: (start, bytes back, bytes out), the first
    /// [`ACCEPTED_KEPT`] given.
    accepted: Vec<(u32, u64, u64)>,
    accepted_count: u64,
}

/// Pass 2 for one scanner: its sessions, for the evidence and the probes.
pub struct ScanEvidence {
    src: AddrId,
    found: Scanner,
    targets: FastMap<(AddrId, u16), Target>,
    targets_dropped: u64,
    failed: Vec<(u32, u32, u16)>,
    sessions: EvidenceSessions,
    answered: u64,
    failed_count: u64,
    first: u32,
    last: u32,
    /// First and last probe: a session that failed or carried no payload.
    probe_span: (u32, u32),
    /// Earliest sessions to each probe_accepted target (filled at the end).
    probe_sessions: FastMap<(AddrId, u16), EvidenceSessions>,
}

impl ScanEvidence {
    /// Gathers the evidence of scanner `src`.
    pub fn new(src: AddrId, found: Scanner) -> ScanEvidence {
        ScanEvidence {
            src,
            found,
            targets: FastMap::default(),
            targets_dropped: 0,
            failed: Vec::new(),
            sessions: EvidenceSessions::earliest(EVIDENCE_SESSIONS),
            answered: 0,
            failed_count: 0,
            first: u32::MAX,
            last: 0,
            probe_span: (u32::MAX, 0),
            probe_sessions: FastMap::default(),
        }
    }

    /// Takes a session the scanner initiated.
    pub fn session(&mut self, ctx: &Context, s: &Session) {
        if s.src != self.src {
            return;
        }
        let failed = s.failed();
        self.first = self.first.min(s.start);
        self.last = self.last.max(s.end);
        if failed {
            self.failed_count += 1;
            self.failed.push((s.start / EPOCH_SECS, s.dst.0, s.dstport));
        } else {
            self.answered += 1;
        }
        self.sessions.push(s);
        let key = (s.dst, s.dstport);
        if !self.targets.contains_key(&key) && self.targets.len() >= TARGETS_PER_SCANNER {
            self.targets_dropped += 1;
            return;
        }
        let t = self.targets.entry(key).or_default();
        t.sessions += 1;
        t.failed += u64::from(failed);
        let payload = s.carries_payload(ctx.ipv6(s.src));
        if !payload || failed {
            self.probe_span = (self.probe_span.0.min(s.start), self.probe_span.1.max(s.end));
            t.first_probe = Some(t.first_probe.map_or(s.start, |p| p.min(s.start)));
        } else if s.accepted() {
            t.accepted_count += 1;
            if t.accepted.len() < ACCEPTED_KEPT {
                t.accepted.push((s.start, s.bytes_back, s.bytes_out));
            }
        }
        self.probe_sessions
            .entry(key)
            .or_insert_with(|| EvidenceSessions::earliest(EVIDENCE_SESSIONS))
            .push(s);
    }

    /// The scan finding, and a probe_accepted finding per target that qualifies.
    pub fn finish(self, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let src = ctx.addr(self.src);
        // Zeek's counts, exactly, over every failed session.
        let mut failed = self.failed;
        failed.sort_unstable();
        failed.dedup();
        let mut max_ports = 0u64;
        for_runs(
            &failed,
            |f| (f.0, f.1),
            |run| max_ports = max_ports.max(run.len() as u64),
        );
        failed.sort_unstable_by_key(|f| (f.0, f.2, f.1));
        let mut max_hosts = 0u64;
        for_runs(
            &failed,
            |f| (f.0, f.2),
            |run| max_hosts = max_hosts.max(run.len() as u64),
        );
        let mut ports: FastMap<u16, u64> = FastMap::default();
        let mut hosts: FastMap<AddrId, u64> = FastMap::default();
        for (&(dst, port), t) in &self.targets {
            *ports.entry(port).or_default() += t.sessions;
            *hosts.entry(dst).or_default() += t.sessions;
        }
        let distinct_targets = self.targets.len() as u64 + self.targets_dropped.min(1);
        let mut rules = Vec::new();
        if max_ports >= PORT_SCAN_PORTS {
            rules.push("zeek_port_scan".to_string());
        }
        if max_hosts >= ADDRESS_SCAN_HOSTS {
            rules.push("zeek_address_scan".to_string());
        }
        if self.found.trw_at.is_some() {
            rules.push("trw".to_string());
        }
        let zeek = max_ports >= PORT_SCAN_PORTS || max_hosts >= ADDRESS_SCAN_HOSTS;
        let ratio = (max_ports as f64 / PORT_SCAN_PORTS as f64)
            .max(max_hosts as f64 / ADDRESS_SCAN_HOSTS as f64)
            .max(self.found.lambda / TRW_THRESHOLD);
        let mut top_ports: Vec<PortCount> = ports
            .iter()
            .map(|(&port, &sessions)| PortCount { port, sessions })
            .collect();
        top_ports.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.port.cmp(&b.port)));
        let distinct_ports = top_ports.len() as u64;
        top_ports.truncate(20);
        let mut top_hosts: Vec<(AddrId, u64)> = hosts.into_iter().collect();
        top_hosts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let distinct_hosts = top_hosts.len() as u64;
        let one_host = (distinct_hosts == 1).then(|| top_hosts[0].0);
        let one_port = (distinct_ports == 1).then(|| top_ports[0].port);
        let top_hosts: Vec<AddrCount> = top_hosts
            .iter()
            .take(20)
            .map(|&(a, sessions)| AddrCount {
                addr: ctx.addr(a),
                sessions,
            })
            .collect();
        let severity = if zeek {
            Severity::Medium
        } else {
            Severity::Low
        };
        let what = match (one_host, distinct_ports) {
            (Some(h), p) => format!("{} port{} of {}", units::int(p), plural(p), ctx.addr(h)),
            (None, 1) => format!(
                "port {} on {} hosts",
                one_port.unwrap_or(0),
                units::int(distinct_hosts)
            ),
            (None, p) => format!(
                "{} ports on {} hosts",
                units::int(p),
                units::int(distinct_hosts)
            ),
        };
        let (first, last) = if self.probe_span.0 <= self.probe_span.1 {
            self.probe_span
        } else {
            (self.first, self.last)
        };
        let summary = format!(
            "{src} probed {what} from {} to {}: {} failed sessions ({} answered); in 5 minutes at most {} port{} of one host and {} host{} on one port{}.",
            format_rfc3339(i64::from(first)),
            format_rfc3339(i64::from(last)),
            units::int(self.failed_count),
            units::int(self.answered),
            max_ports,
            plural(max_ports),
            max_hosts,
            plural(max_hosts),
            match self.found.trw_at {
                Some(t) => format!(
                    "; the random walk named it a scanner at {}",
                    format_rfc3339(i64::from(t))
                ),
                None => String::new(),
            }
        );
        let (sessions, total, records) = self.sessions.finish(ctx);
        out.push(Finding {
            kind: Kind::Scan,
            severity,
            src: src.clone(),
            dst: one_host.map(|h| ctx.addr(h)),
            dst_port: one_port,
            first,
            last,
            score: strength(ratio),
            summary,
            evidence: Evidence {
                detail: Detail::Scan(ScanDetail {
                    rules,
                    trw_lambda: self.found.lambda,
                    failed_sessions: self.failed_count,
                    answered_sessions: self.answered,
                    distinct_hosts,
                    distinct_targets,
                    distinct_ports,
                    max_ports_one_host_5min: max_ports,
                    max_hosts_one_port_5min: max_hosts,
                    top_ports,
                    top_hosts,
                }),
                sessions,
                sessions_total: total,
                records_total: records,
            },
        });
        // probe_accepted: a probed target later used with payload.
        let mut probe_sessions = self.probe_sessions;
        let mut targets: Vec<((AddrId, u16), Target)> = self.targets.into_iter().collect();
        targets.sort_by_key(|(k, _)| *k);
        for ((dst, port), mut t) in targets {
            let Some(probe) = t.first_probe else { continue };
            t.accepted.sort_unstable();
            let after: Vec<&(u32, u64, u64)> = t.accepted.iter().filter(|a| a.0 > probe).collect();
            let Some(&&(accepted_start, _, _)) = after.first() else {
                continue;
            };
            let bytes_back: u64 = after.iter().map(|a| a.1).sum();
            let bytes_out: u64 = after.iter().map(|a| a.2).sum();
            let used = after.len() as u64;
            let severity = if zeek {
                Severity::High
            } else {
                Severity::Medium
            };
            let (sessions, total, records) = probe_sessions
                .remove(&(dst, port))
                .map(|e| e.finish(ctx))
                .unwrap_or_default();
            out.push(Finding {
                kind: Kind::ProbeAccepted,
                severity,
                src: src.clone(),
                dst: Some(ctx.addr(dst)),
                dst_port: Some(port),
                first: probe,
                last: accepted_start,
                score: strength(1.0 + (used as f64).log2().max(0.0) / 4.0),
                summary: format!(
                    "{src}, a scanner, probed {}:{port} at {} and {} later had an accepted session with payload on it ({} such session{}, {} back to it).",
                    ctx.addr(dst),
                    format_rfc3339(i64::from(probe)),
                    crate::units::duration(accepted_start.saturating_sub(probe)),
                    units::int(used),
                    plural(used),
                    units::bytes(bytes_back as f64)
                ),
                evidence: Evidence {
                    detail: Detail::ProbeAccepted(ProbeAcceptedDetail {
                        probe_start: probe,
                        accepted_start,
                        accepted_sessions: used,
                        accepted_bytes_back: bytes_back,
                        accepted_bytes_out: bytes_out,
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

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
