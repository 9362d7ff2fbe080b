//! The hunt: the whole incident from flow logs alone — who scanned, which probe found
//! an open port, who guessed passwords and when a guess worked, what left and to whom
//! on any service, what is still calling out, and which server started calling the
//! internet. [`hunt`] returns ranked [`Finding`]s, each with the sessions behind it.
//!
//! Records are first stitched into sessions ([`session`]): a record is one direction
//! of one 5-tuple in one aggregation interval, and judging records would make every
//! kept-alive connection a beacon and every duration wrong. Two passes over the rows in
//! start order ([`order`]):
//! 1. every record is stitched; each finished session goes to the detectors ([`scan`],
//!    [`brute`], [`long`], [`role`], [`beacon`]) and each record to [`exfil`]; their
//!    state is bounded by activity (what is open, the last minutes or hours), not by
//!    the number of addresses;
//! 2. only the rows of what pass 1 found (a scanner, a guesser's /24 and its target, an
//!    asset and a destination) are stitched again, for the evidence and for the stages
//!    that follow another (`probe_accepted`, `first_success`).
//!
//! Findings are ranked (severity, score, time) and at most
//! [`HuntOptions::max_per_kind`] of each kind are listed, with totals. Definitions,
//! thresholds and their sources are in `docs/detections.md`. Pure: no clock, no I/O.

pub mod beacon;
pub mod brute;
pub mod context;
pub mod exfil;
pub mod finding;
pub mod flags;
pub mod hashing;
pub mod long;
pub mod order;
pub mod role;
pub mod scan;
pub mod session;

use serde::{Deserialize, Serialize};

pub use finding::{
    AddrCount, BeaconDetail, BruteForceDetail, Detail, Evidence, ExfiltrationDetail, Finding,
    FirstSuccessDetail, Kind, KindTotal, LongConnectionDetail, PortCount, ProbeAcceptedDetail,
    RoleInversionDetail, ScanDetail, SessionOut, Severity,
};

use crate::flow::{AddrId, Cidr, Dataset};
use context::Context;
use hashing::MixMap as FastMap;
use order::RowOrder;
use session::{Session, Stitcher};

/// Sessions listed in a finding's evidence.
pub const EVIDENCE_SESSIONS: usize = 20;

/// What to hunt with.
#[derive(Clone, Debug, PartialEq)]
pub struct HuntOptions {
    /// Networks of your own (besides the private ranges): their addresses are internal.
    pub known: Vec<Cidr>,
    /// The aggregation window (60 or 600 s); inferred from the records when `None`.
    pub window_secs: Option<u32>,
    /// Findings listed per kind (the highest ranked); the totals count them all.
    pub max_per_kind: usize,
}

impl Default for HuntOptions {
    fn default() -> Self {
        HuntOptions {
            known: Vec::new(),
            window_secs: None,
            max_per_kind: 100,
        }
    }
}

/// What the hunt read, and what the data let it see.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HuntInput {
    /// Flow records used (between two addresses, with a start; not NODATA/SKIPDATA).
    pub records: u64,
    /// Sessions stitched from them.
    pub sessions: u64,
    /// Records that had `tcp-flags`.
    pub records_with_tcp_flags: u64,
    /// The aggregation window the stitching assumed.
    pub window_secs: u32,
    /// True when the window was inferred from the records.
    pub window_inferred: bool,
    /// First and last second of the data.
    pub from: u32,
    /// See `from`.
    pub to: u32,
}

/// The result of a hunt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hunt {
    /// What was read.
    pub input: HuntInput,
    /// The findings, ranked: severity, score, then time.
    pub findings: Vec<Finding>,
    /// Per kind: how many were found and how many are listed.
    pub totals: Vec<KindTotal>,
    /// What the data could not show (e.g. no `tcp-flags`), in sentences.
    pub limits: Vec<String>,
}

impl Hunt {
    /// Findings found in all (listed or not).
    pub fn found(&self) -> u64 {
        self.totals.iter().map(|t| t.total).sum()
    }
}

/// 1 − 2^(−r): a ratio to a threshold as a score in 0–1 (0.5 at the threshold).
pub fn strength(ratio: f64) -> f64 {
    if !ratio.is_finite() || ratio <= 0.0 {
        return if ratio.is_infinite() && ratio > 0.0 {
            1.0
        } else {
            0.0
        };
    }
    let s = 1.0 - 0.5f64.powf(ratio);
    (s * 1000.0).round() / 1000.0
}

/// A bounded set of sessions for a finding's evidence, with totals.
#[derive(Clone, Debug, Default)]
pub struct EvidenceSessions {
    keep: usize,
    order: EvidenceOrder,
    sessions: Vec<Session>,
    total: u64,
    records: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum EvidenceOrder {
    /// Earliest first.
    #[default]
    Earliest,
    /// Most bytes sent by a given address first.
    LargestFrom(AddrId),
}

impl EvidenceSessions {
    /// Keeps the `keep` earliest sessions.
    pub fn earliest(keep: usize) -> EvidenceSessions {
        EvidenceSessions {
            keep,
            ..EvidenceSessions::default()
        }
    }

    /// Keeps the `keep` sessions in which a given address (see
    /// [`EvidenceSessions::push_sent_by`]) sent most.
    pub fn largest_from(keep: usize) -> EvidenceSessions {
        EvidenceSessions {
            keep,
            order: EvidenceOrder::LargestFrom(AddrId::NONE),
            ..EvidenceSessions::default()
        }
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Counts `s` and keeps it if it ranks.
    pub fn push(&mut self, s: &Session) {
        self.total += 1;
        self.records += u64::from(s.records);
        if self.keep == 0 {
            return;
        }
        let most = 2 * self.keep.max(8);
        let len = self.sessions.len();
        if len == self.sessions.capacity() {
            // NOTE: room doubles from one session up to `most` (trimmed there), not
            // from the four a push would make room for: most sets hold a session or
            // two (each target of each scanner has one), and on the month of
            // `scripts/month.sh` (282,560 scanner targets) that room was ~55 MiB of
            // the hunt's peak.
            self.sessions
                .reserve_exact((2 * len).clamp(1, most.max(len + 1)) - len);
        }
        self.sessions.push(*s);
        if self.sessions.len() >= most {
            self.trim();
        }
    }

    /// [`EvidenceSessions::push`], ranking by the bytes `sender` sent in it.
    pub fn push_sent_by(&mut self, s: &Session, sender: AddrId) {
        self.order = EvidenceOrder::LargestFrom(sender);
        self.push(s);
    }

    fn trim(&mut self) {
        match self.order {
            EvidenceOrder::Earliest => self.sessions.sort_by_key(|s| (s.start, s.first_row)),
            EvidenceOrder::LargestFrom(a) => self.sessions.sort_by_key(|s| {
                let sent = if s.src == a {
                    s.bytes_out
                } else {
                    s.bytes_back
                };
                (std::cmp::Reverse(sent), s.start, s.first_row)
            }),
        }
        self.sessions.truncate(self.keep);
    }

    /// The sessions kept (ranked) as evidence, the total and the records behind all.
    pub fn finish(mut self, ctx: &Context) -> (Vec<SessionOut>, u64, u64) {
        self.trim();
        (
            self.sessions.iter().map(|s| ctx.session_out(s)).collect(),
            self.total,
            self.records,
        )
    }
}

/// What a pass does with the records and sessions of [`stitch`].
trait Pass {
    /// Takes one record (in start order).
    fn record(&mut self, _ctx: &Context, _r: &session::Record) {}
    /// Takes one finished session.
    fn session(&mut self, ctx: &Context, s: &Session);
    /// Sessions that ended before `_watermark` have all been given.
    fn watermark(&mut self, _watermark: u32) {}
}

/// Stitches the rows `keep` accepts, in order, for `pass`. Returns (records, sessions).
fn stitch(
    ctx: &Context,
    order: &RowOrder,
    keep: impl Fn(usize) -> bool,
    pass: &mut impl Pass,
) -> (u64, u64) {
    let mut stitcher = Stitcher::new(ctx.window_secs);
    let mut records = 0u64;
    let mut sessions = 0u64;
    order.for_each(ctx.table, |row| {
        if !keep(row) {
            return;
        }
        let r = ctx.record(row);
        records += 1;
        pass.record(ctx, &r);
        let swept = stitcher.push(&r, &mut |s: &Session| {
            sessions += 1;
            pass.session(ctx, s);
        });
        if swept {
            pass.watermark(stitcher.watermark());
        }
    });
    stitcher.finish(&mut |s: &Session| {
        sessions += 1;
        pass.session(ctx, s);
    });
    pass.watermark(u32::MAX);
    (records, sessions)
}

/// Pass 1: every detector.
struct Detect {
    scan: scan::ScanPass,
    brute: brute::BrutePass,
    long: long::LongPass,
    role: role::RolePass,
    beacon: beacon::BeaconPass,
    exfil: exfil::ExfilPass,
}

impl Pass for Detect {
    fn record(&mut self, ctx: &Context, r: &session::Record) {
        self.exfil.record(ctx, r);
    }

    fn session(&mut self, ctx: &Context, s: &Session) {
        self.scan.session(s);
        self.brute.session(s);
        self.long.session(s);
        self.role.session(ctx, s);
        self.beacon.session(ctx, s);
    }

    fn watermark(&mut self, watermark: u32) {
        self.scan.watermark(watermark);
        self.brute.watermark(watermark);
    }
}

/// Pass 2: the evidence of what pass 1 found.
struct Gather {
    scan: FastMap<AddrId, scan::ScanEvidence>,
    brute: Vec<brute::BruteEvidence>,
    exfil: Vec<exfil::ExfilEvidence>,
    long: Vec<long::LongEvidence>,
    beacon: Vec<beacon::BeaconEvidence>,
    /// Who wants which pair (brute forces: keyed by their destination alone).
    by_key: FastMap<u128, Vec<Target>>,
}

impl Pass for Gather {
    fn session(&mut self, ctx: &Context, s: &Session) {
        if let Some(e) = self.scan.get_mut(&s.src) {
            e.session(ctx, s);
        }
        for key in [pair_key(s.src, s.dst), u128::from(s.dst.0)] {
            let Some(targets) = self.by_key.get(&key) else {
                continue;
            };
            for target in targets {
                match *target {
                    Target::Brute(i) => {
                        if let Some(e) = self.brute.get_mut(i) {
                            e.session(ctx, s);
                        }
                    }
                    Target::Exfil(i) => {
                        if let Some(e) = self.exfil.get_mut(i) {
                            e.session(s);
                        }
                    }
                    Target::Long(i) => {
                        if let Some(e) = self.long.get_mut(i) {
                            e.session(s);
                        }
                    }
                    Target::Beacon(i) => {
                        if let Some(e) = self.beacon.get_mut(i) {
                            e.session(s);
                        }
                    }
                }
            }
        }
    }
}

/// Hunts through `dataset`.
pub fn hunt(dataset: &Dataset, options: &HuntOptions) -> Hunt {
    let ctx = Context::new(&dataset.table, &options.known, options.window_secs);
    let order = RowOrder::of(&dataset.table);

    // Pass 1: every record.
    let mut detect = Detect {
        scan: scan::ScanPass::new(ctx.addr_count()),
        brute: brute::BrutePass::default(),
        long: long::LongPass::default(),
        role: role::RolePass::default(),
        beacon: beacon::BeaconPass::default(),
        exfil: exfil::ExfilPass::default(),
    };
    let (records, sessions) = stitch(&ctx, &order, |_| true, &mut detect);
    let Detect {
        scan,
        brute,
        long,
        role,
        beacon,
        exfil,
    } = detect;
    let mut findings = role.finish(&ctx);
    let exfils = exfil.finish(&ctx);

    // Pass 2: the rows of what was found.
    let mut plan = Plan::new(&ctx);
    let mut gather = Gather {
        scan: FastMap::default(),
        brute: Vec::new(),
        exfil: Vec::new(),
        long: Vec::new(),
        beacon: Vec::new(),
        by_key: FastMap::default(),
    };
    let mut scanners: Vec<(AddrId, scan::Scanner)> = scan.finish().into_iter().collect();
    scanners.sort_by_key(|(a, _)| *a);
    for (addr, found) in scanners {
        plan.address(addr);
        gather
            .scan
            .insert(addr, scan::ScanEvidence::new(addr, found));
    }
    let mut want = |key: u128, target: Target| gather.by_key.entry(key).or_default().push(target);
    for (i, b) in brute.finish().into_iter().enumerate() {
        plan.prefix_pair(&ctx, b.src, b.dst);
        want(u128::from(b.dst.0), Target::Brute(i));
        gather.brute.push(brute::BruteEvidence::new(&ctx, b));
    }
    for (i, e) in exfils.found.iter().cloned().enumerate() {
        plan.pair(e.asset, e.dst);
        want(pair_key(e.asset, e.dst), Target::Exfil(i));
        gather.exfil.push(exfil::ExfilEvidence::new(e));
    }
    for (i, s) in long.finish().into_iter().enumerate() {
        plan.pair(s.src, s.dst);
        want(pair_key(s.src, s.dst), Target::Long(i));
        gather.long.push(long::LongEvidence::new(s));
    }
    for (i, b) in beacon.finish(&ctx).into_iter().enumerate() {
        plan.pair(b.src, b.dst);
        want(pair_key(b.src, b.dst), Target::Beacon(i));
        gather.beacon.push(beacon::BeaconEvidence::new(b));
    }
    if !plan.is_empty() {
        stitch(&ctx, &order, |row| plan.keeps(&ctx, row), &mut gather);
    }
    let mut scans: Vec<(AddrId, scan::ScanEvidence)> = gather.scan.into_iter().collect();
    scans.sort_by_key(|(a, _)| *a);
    for (_, e) in scans {
        findings.extend(e.finish(&ctx));
    }
    for e in gather.brute {
        findings.extend(e.finish(&ctx));
    }
    for e in gather.exfil {
        findings.extend(e.finish(&ctx, &exfils));
    }
    for e in gather.long {
        findings.push(e.finish(&ctx));
    }
    for e in gather.beacon {
        findings.push(e.finish(&ctx));
    }
    let (findings, totals) = rank(findings, options.max_per_kind);
    Hunt {
        input: HuntInput {
            records,
            sessions,
            records_with_tcp_flags: ctx.rows_with_flags,
            window_secs: ctx.window_secs,
            window_inferred: ctx.window_inferred,
            from: ctx.data_start,
            to: ctx.data_end,
        },
        findings,
        totals,
        limits: limits(&ctx, records),
    }
}

/// Ranks `findings` and keeps `max_per_kind` of each kind; the totals per kind.
fn rank(mut findings: Vec<Finding>, max_per_kind: usize) -> (Vec<Finding>, Vec<KindTotal>) {
    findings.sort_by(Finding::rank_cmp);
    let mut totals: Vec<KindTotal> = Kind::ALL
        .iter()
        .map(|&kind| KindTotal {
            kind,
            total: 0,
            listed: 0,
            high: 0,
            medium: 0,
        })
        .collect();
    findings.retain(|f| {
        let Some(t) = totals.iter_mut().find(|t| t.kind == f.kind) else {
            return false;
        };
        t.total += 1;
        t.high += u64::from(f.severity == Severity::High);
        t.medium += u64::from(f.severity == Severity::Medium);
        let keep = (t.listed as usize) < max_per_kind;
        t.listed += u64::from(keep);
        keep
    });
    (findings, totals)
}

/// What the data could not show.
fn limits(ctx: &Context, records: u64) -> Vec<String> {
    let mut out = Vec::new();
    if ctx.rows_with_flags == 0 {
        out.push("The records have no tcp-flags (the default version-2 format): sessions are split by time gaps only, so two connections reusing one 5-tuple within the gap count as one; the initiator is taken from the ports (the lower port is the service); a reset cannot be told from an answer except by its size (one packet of at most 40 bytes).".to_string());
    } else if ctx.rows_with_flags < records {
        out.push(format!(
            "{} of {} records have tcp-flags; the others are stitched by time gaps and ports only.",
            crate::analysis::units::int(ctx.rows_with_flags),
            crate::analysis::units::int(records)
        ));
    }
    if ctx.window_inferred {
        out.push(format!(
            "The aggregation window was taken to be {} s from the records' durations.",
            ctx.window_secs
        ));
    }
    out.push(format!(
        "Beacons with a period of {} s or less over one kept connection are not visible: the records are per window.",
        ctx.window_secs
    ));
    out.push("Flow logs carry no DNS to the Amazon resolver, no host names, no TLS and no payload: C2 over DNS, domain fronting and what a session said cannot be seen.".to_string());
    out
}

/// The canonical key of an address pair.
fn pair_key(a: AddrId, b: AddrId) -> u128 {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    1 << 100 | u128::from(x.0) << 32 | u128::from(y.0)
}

/// Who in pass 2 wants a pair's sessions.
#[derive(Clone, Copy, Debug)]
enum Target {
    Brute(usize),
    Exfil(usize),
    Long(usize),
    Beacon(usize),
}

/// The rows pass 2 stitches: those of a followed address (both directions), and those
/// between two addresses of a followed pair.
struct Plan {
    /// Bit 1: followed address; bit 2: member of a followed pair.
    marks: Vec<u8>,
    pairs: FastMap<u128, ()>,
}

impl Plan {
    fn new(ctx: &Context) -> Plan {
        Plan {
            marks: vec![0; ctx.addr_count()],
            pairs: FastMap::default(),
        }
    }

    fn is_empty(&self) -> bool {
        self.pairs.is_empty() && !self.marks.iter().any(|&m| m & 1 != 0)
    }

    fn mark(&mut self, a: AddrId, bit: u8) {
        if let Some(m) = self.marks.get_mut(a.index()) {
            *m |= bit;
        }
    }

    fn address(&mut self, a: AddrId) {
        self.mark(a, 1);
    }

    fn pair(&mut self, a: AddrId, b: AddrId) {
        self.mark(a, 2);
        self.mark(b, 2);
        self.pairs.insert(pair_key(a, b), ());
    }

    /// Every address of `src`'s /24 (/64) paired with `dst`.
    fn prefix_pair(&mut self, ctx: &Context, src: AddrId, dst: AddrId) {
        let prefix = ctx.prefix(src);
        let members: Vec<AddrId> = ctx
            .table
            .addrs
            .iter()
            .map(|(id, _)| id)
            .filter(|&id| id == src || (prefix.is_some() && ctx.prefix(id) == prefix))
            .collect();
        for m in members {
            self.pair(m, dst);
        }
    }

    #[inline]
    fn keeps(&self, ctx: &Context, row: usize) -> bool {
        let (s, d) = (ctx.table.srcaddr(row), ctx.table.dstaddr(row));
        let (ms, md) = (
            self.marks.get(s.index()).copied().unwrap_or(0),
            self.marks.get(d.index()).copied().unwrap_or(0),
        );
        (ms | md) & 1 != 0 || (ms & md & 2 != 0 && self.pairs.contains_key(&pair_key(s, d)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(start: u32) -> Session {
        Session {
            src: AddrId(1),
            dst: AddrId(2),
            srcport: 40_000,
            dstport: 22,
            protocol: 6,
            start,
            end: start,
            bytes_out: 0,
            bytes_back: 0,
            packets_out: 0,
            packets_back: 0,
            flags_out: 0,
            flags_back: 0,
            actions: 0,
            records: 1,
            first_row: start,
            rule: session::InitiatorRule::Port,
        }
    }

    /// Room for sessions grows from one, up to the most held before a trim; the
    /// earliest are kept, and every session is counted.
    #[test]
    fn evidence_sessions_take_the_room_they_need() {
        let mut e = EvidenceSessions::earliest(EVIDENCE_SESSIONS);
        e.push(&session(500));
        assert_eq!(e.sessions.capacity(), 1);
        e.push(&session(499));
        e.push(&session(498));
        assert_eq!(e.sessions.capacity(), 4);
        for start in (0..497).rev() {
            e.push(&session(start));
            assert!(e.sessions.capacity() <= 2 * EVIDENCE_SESSIONS);
        }
        assert_eq!((e.total, e.records), (500, 500));
        e.trim();
        let kept: Vec<u32> = e.sessions.iter().map(|s| s.start).collect();
        assert_eq!(kept, (0..EVIDENCE_SESSIONS as u32).collect::<Vec<_>>());
    }
}
