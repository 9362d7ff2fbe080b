//! `brute_force` and `first_success`.
//!
//! Attempts are the answered sessions of one (source, destination, destination port).
//! They are counted in 30-minute windows that slide by 15 minutes; a window is
//! brute-force-like when it holds ≥ 30 attempts (Zeek's `detect-bruteforcing.zeek`: 30
//! failed logins in 30 minutes), their median duration is ≤ 30 s, their replies
//! (responder → source bytes) are narrow — 1.4826·MAD ≤ 5 % of the median + 32 bytes —
//! and ≥ 80 % of them lie in the failure band median ± 3·spread, where spread =
//! max(1.4826·MAD, floor) and floor = max(32 bytes, 2 % of the median): failed logins
//! get near-identical replies, so the MAD alone can be 0–2 bytes. Busy legitimate
//! clients (many short queries) fail the narrowness test: their replies vary.
//!
//! The first success is the first session from the source, or from its /24 (/64 for
//! IPv6), to the same service, from the first attempt until 24 hours after the last,
//! whose reply lies far outside the band (|robust z| ≥ 5) or whose duration does
//! (z ≥ 5 against the attempts' median and max(1.4826·MAD, 5 s)).

use super::context::Context;
use super::finding::{
    BruteForceDetail, Detail, Evidence, Finding, FirstSuccessDetail, Kind, Severity,
};
use super::hashing::MixMap as FastMap;
use super::session::Session;
use super::{strength, EvidenceSessions, EVIDENCE_SESSIONS};
use crate::analysis::stats::median_mad_in_place;
use crate::analysis::units;
use crate::flow::AddrId;
use crate::time::format_rfc3339;

/// Attempts in a window (Zeek's password-guessing threshold).
pub const MIN_ATTEMPTS: usize = 30;
/// The window's length.
pub const WINDOW_SECS: u32 = 1800;
/// The slide (half a window).
const SLOT_SECS: u32 = WINDOW_SECS / 2;
/// Median duration of an attempt at most.
pub const MAX_MEDIAN_DURATION_SECS: f64 = 30.0;
/// Share of a window's attempts in the band at least.
pub const MIN_FAILURE_SHARE: f64 = 0.8;
/// Robust z of a success at least.
pub const SUCCESS_Z: f64 = 5.0;
/// How long after the last attempt a success is looked for.
pub const SUCCESS_HORIZON_SECS: u32 = 86_400;
/// Replies sampled for a quick look at a big window.
const SAMPLE: usize = 63;
/// Reply values kept per source for the band.
const BAND_SAMPLE: usize = 65_536;

/// The scale that makes the MAD of normal data its standard deviation.
pub const MAD_SCALE: f64 = 1.4826;

/// The floor of the reply spread.
pub fn bytes_floor(median: f64) -> f64 {
    (0.02 * median).max(32.0)
}

/// The floor of the duration spread.
pub const DURATION_FLOOR_SECS: f64 = 5.0;

#[derive(Clone, Copy, Debug)]
struct Attempt {
    start: u32,
    duration: u32,
    reply: u64,
}

struct Slot {
    index: u32,
    attempts: Few<Attempt>,
    in_burst: bool,
}

/// A list that holds one item without allocating: most groups are a scanner's one
/// attempt, and millions of scanners must not cost millions of allocations.
#[derive(Default)]
enum Few<T> {
    #[default]
    Empty,
    One(T),
    Many(Vec<T>),
}

impl<T> Few<T> {
    fn push(&mut self, item: T) {
        match self {
            Few::Many(v) => v.push(item),
            Few::Empty => *self = Few::One(item),
            Few::One(_) => {
                if let Few::One(first) = std::mem::take(self) {
                    *self = Few::Many(vec![first, item]);
                }
            }
        }
    }

    fn as_slice(&self) -> &[T] {
        match self {
            Few::Empty => &[],
            Few::One(x) => std::slice::from_ref(x),
            Few::Many(v) => v,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        match self {
            Few::Empty => &mut [],
            Few::One(x) => std::slice::from_mut(x),
            Few::Many(v) => v,
        }
    }

    fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// Removes and returns the first item.
    fn take_first(&mut self) -> Option<T> {
        match std::mem::take(self) {
            Few::Empty => None,
            Few::One(x) => Some(x),
            Few::Many(mut v) => {
                let first = (!v.is_empty()).then(|| v.remove(0));
                *self = Few::Many(v);
                first
            }
        }
    }
}

#[derive(Default)]
struct Burst {
    attempts: u64,
    max_window: u64,
    first: u32,
    last: u32,
    replies: Vec<u64>,
    durations: Vec<u64>,
}

#[derive(Default)]
struct Group {
    /// Slots by index, ascending.
    slots: Few<Slot>,
    burst: Option<Burst>,
}

/// Pass 1 of the brute-force detector.
#[derive(Default)]
pub struct BrutePass {
    groups: FastMap<(AddrId, AddrId, u16), Group>,
    /// Attempts that came after their slot was counted.
    pub late: u64,
}

/// A brute force found in pass 1.
#[derive(Clone, Debug)]
pub struct Brute {
    /// The guesser.
    pub src: AddrId,
    /// The service's host.
    pub dst: AddrId,
    /// The service's port.
    pub port: u16,
    /// Attempts in its brute-force-like windows.
    pub attempts: u64,
    /// Most attempts in one window.
    pub max_window: u64,
    /// First attempt.
    pub first: u32,
    /// Last attempt.
    pub last: u32,
    /// The band: median, MAD and spread of the replies.
    pub median: f64,
    /// MAD (unscaled).
    pub mad: f64,
    /// max(1.4826·MAD, floor).
    pub spread: f64,
    /// Share of the attempts in the band.
    pub share: f64,
    /// Median duration.
    pub duration_median: f64,
    /// Duration spread.
    pub duration_spread: f64,
}

/// The band of a set of replies: (median, MAD, spread).
pub fn band(replies: &mut [u64]) -> (f64, f64, f64) {
    let (median, mad) = median_mad_in_place(replies);
    (median, mad, (MAD_SCALE * mad).max(bytes_floor(median)))
}

/// True when a window's attempts (its two halves' together) look like failed guesses.
fn brute_like(halves: [&[Attempt]; 2]) -> bool {
    let count = halves[0].len() + halves[1].len();
    if count < MIN_ATTEMPTS {
        return false;
    }
    let all = || halves[0].iter().chain(halves[1]);
    // A busy legitimate client has thousands of attempts a window: a sample of 63 tells
    // most of them apart (their replies are far from narrow) before the full count.
    if count > 4 * SAMPLE {
        let step = count / SAMPLE;
        let mut sample: Vec<u64> = all().step_by(step).map(|a| a.reply).collect();
        let (median, mad, _) = band(&mut sample);
        if MAD_SCALE * mad > 2.0 * (0.05 * median + 32.0) {
            return false;
        }
    }
    let mut replies: Vec<u64> = all().map(|a| a.reply).collect();
    let (median, mad, spread) = band(&mut replies);
    if MAD_SCALE * mad > 0.05 * median + 32.0 {
        return false;
    }
    let inside = all()
        .filter(|a| (a.reply as f64 - median).abs() <= 3.0 * spread)
        .count();
    if (inside as f64) < MIN_FAILURE_SHARE * count as f64 {
        return false;
    }
    let mut durations: Vec<u64> = all().map(|a| u64::from(a.duration)).collect();
    let (duration_median, _) = median_mad_in_place(&mut durations);
    duration_median <= MAX_MEDIAN_DURATION_SECS
}

impl BrutePass {
    /// Takes one session.
    pub fn session(&mut self, s: &Session) {
        if !s.accepted() || s.packets_out == 0 {
            return;
        }
        let index = s.start / SLOT_SECS;
        let group = self.groups.entry((s.src, s.dst, s.dstport)).or_default();
        let attempt = Attempt {
            start: s.start,
            duration: s.duration_secs(),
            reply: s.bytes_back,
        };
        if let Some(slot) = group
            .slots
            .as_mut_slice()
            .iter_mut()
            .find(|x| x.index == index)
        {
            slot.attempts.push(attempt);
        } else if group
            .slots
            .as_slice()
            .first()
            .is_none_or(|x| x.index < index)
        {
            let mut attempts = Few::default();
            attempts.push(attempt);
            group.slots.push(Slot {
                index,
                attempts,
                in_burst: false,
            });
            group.slots.as_mut_slice().sort_by_key(|x| x.index);
        } else {
            self.late += 1;
        }
    }

    /// Sessions that ended before `watermark` have all been seen: windows over by
    /// then are judged.
    pub fn watermark(&mut self, watermark: u32) {
        let done = watermark / SLOT_SECS;
        self.groups.retain(|_, g| {
            judge(g, done);
            !g.slots.is_empty() || g.burst.is_some()
        });
    }

    /// Judges the last windows; the brute forces found.
    pub fn finish(mut self) -> Vec<Brute> {
        let mut out = Vec::new();
        for (&(src, dst, port), g) in self.groups.iter_mut() {
            judge(g, u32::MAX);
            let Some(b) = g.burst.take() else { continue };
            let mut replies = b.replies.clone();
            let (median, mad, spread) = band(&mut replies);
            let inside = b
                .replies
                .iter()
                .filter(|&&r| (r as f64 - median).abs() <= 3.0 * spread)
                .count();
            let mut durations = b.durations;
            let (duration_median, duration_mad) = median_mad_in_place(&mut durations);
            out.push(Brute {
                src,
                dst,
                port,
                attempts: b.attempts,
                max_window: b.max_window,
                first: b.first,
                last: b.last,
                median,
                mad,
                spread,
                share: inside as f64 / b.replies.len().max(1) as f64,
                duration_median,
                duration_spread: (MAD_SCALE * duration_mad).max(DURATION_FLOOR_SECS),
            });
        }
        out.sort_by_key(|b| (b.first, b.src, b.dst, b.port));
        out
    }
}

/// Judges every window of `g` whose second half is before slot `done`, and drops the
/// slots no window needs any more.
fn judge(g: &mut Group, done: u32) {
    while let Some(first) = g.slots.as_slice().first() {
        let next_index = first.index + 1;
        if next_index >= done && done != u32::MAX {
            break;
        }
        let next = g.slots.as_slice().get(1).filter(|x| x.index == next_index);
        let halves = [
            first.attempts.as_slice(),
            next.map_or(&[][..], |n| n.attempts.as_slice()),
        ];
        let count = halves[0].len() + halves[1].len();
        // Fewer than 30 attempts in the window: nothing to judge (most groups).
        if count >= MIN_ATTEMPTS && brute_like(halves) {
            let slots = g.slots.as_mut_slice();
            if let Some(s) = slots.get_mut(0) {
                s.in_burst = true;
            }
            if let Some(n) = slots.get_mut(1).filter(|x| x.index == next_index) {
                n.in_burst = true;
            }
            let b = g.burst.get_or_insert_with(Burst::default);
            b.max_window = b.max_window.max(count as u64);
        }
        let Some(slot) = g.slots.take_first() else {
            break;
        };
        if slot.in_burst {
            let b = g.burst.get_or_insert_with(Burst::default);
            for a in slot.attempts.as_slice() {
                if b.attempts == 0 {
                    b.first = a.start;
                }
                b.attempts += 1;
                b.first = b.first.min(a.start);
                b.last = b.last.max(a.start);
                if b.replies.len() < BAND_SAMPLE {
                    b.replies.push(a.reply);
                    b.durations.push(u64::from(a.duration));
                }
            }
        }
    }
}

/// Pass 2 for one brute force: its attempts, and the sessions of its /24 to the same
/// service for the first success.
pub struct BruteEvidence {
    /// What pass 1 found.
    pub brute: Brute,
    prefix: Option<u128>,
    attempts: EvidenceSessions,
    attempt_starts: Vec<u32>,
    success: Option<(Session, f64, f64)>,
}

impl BruteEvidence {
    /// Gathers the evidence of `brute`.
    pub fn new(ctx: &Context, brute: Brute) -> BruteEvidence {
        BruteEvidence {
            prefix: ctx.prefix(brute.src),
            brute,
            attempts: EvidenceSessions::earliest(EVIDENCE_SESSIONS),
            attempt_starts: Vec::new(),
            success: None,
        }
    }

    /// Takes a session between the prefix and the service's host.
    pub fn session(&mut self, ctx: &Context, s: &Session) {
        let b = &self.brute;
        if s.dst != b.dst || s.dstport != b.port {
            return;
        }
        if s.src == b.src && s.start >= b.first && s.start <= b.last {
            self.attempts.push(s);
            if self.attempt_starts.len() < 1 << 22 {
                self.attempt_starts.push(s.start);
            }
        }
        let same = s.src == b.src || (self.prefix.is_some() && ctx.prefix(s.src) == self.prefix);
        if !same
            || !s.accepted()
            || s.start < b.first
            || s.start > b.last.saturating_add(SUCCESS_HORIZON_SECS)
        {
            return;
        }
        let z_bytes = (s.bytes_back as f64 - b.median) / b.spread;
        let z_duration = (f64::from(s.duration_secs()) - b.duration_median) / b.duration_spread;
        if z_bytes.abs() < SUCCESS_Z && z_duration < SUCCESS_Z {
            return;
        }
        let earlier = self
            .success
            .as_ref()
            .is_none_or(|(x, _, _)| (s.start, s.first_row) < (x.start, x.first_row));
        if earlier {
            self.success = Some((*s, z_bytes, z_duration));
        }
    }

    /// The brute-force finding, and the first success when there was one.
    pub fn finish(self, ctx: &Context) -> Vec<Finding> {
        let b = &self.brute;
        let src = ctx.addr(b.src);
        let dst = ctx.addr(b.dst);
        let outside = !ctx.internal(b.src);
        let (low, high) = (b.median - 3.0 * b.spread, b.median + 3.0 * b.spread);
        let (sessions, total, records) = self.attempts.finish(ctx);
        let mut out = vec![Finding {
            kind: Kind::BruteForce,
            severity: if outside {
                Severity::High
            } else {
                Severity::Medium
            },
            src: src.clone(),
            dst: Some(dst.clone()),
            dst_port: Some(b.port),
            first: b.first,
            last: b.last,
            score: strength(b.max_window as f64 / MIN_ATTEMPTS as f64),
            summary: format!(
                "{src} made {} short attempts on {dst}:{} from {} to {} (up to {} in 30 minutes); {:.0} % of the replies were {}–{} bytes (median {}).",
                units::int(b.attempts),
                b.port,
                format_rfc3339(i64::from(b.first)),
                format_rfc3339(i64::from(b.last)),
                units::int(b.max_window),
                100.0 * b.share,
                units::int(low.max(0.0).round() as u64),
                units::int(high.round() as u64),
                units::int(b.median.round() as u64)
            ),
            evidence: Evidence {
                detail: Detail::BruteForce(BruteForceDetail {
                    attempts: b.attempts,
                    max_attempts_30min: b.max_window,
                    failure_like_share: b.share,
                    reply_bytes_median: b.median,
                    reply_bytes_mad: b.mad,
                    reply_bytes_spread: b.spread,
                    band_low_bytes: low,
                    band_high_bytes: high,
                    duration_median_secs: b.duration_median,
                    duration_spread_secs: b.duration_spread,
                }),
                sessions,
                sessions_total: total.max(b.attempts),
                records_total: records,
            },
        }];
        if let Some((s, z_bytes, z_duration)) = self.success {
            let before = self.attempt_starts.iter().filter(|&&t| t < s.start).count() as u64;
            let who = ctx.addr(s.src);
            let same = s.src == b.src;
            let how = if z_bytes.abs() >= SUCCESS_Z {
                format!(
                    "its reply of {} bytes is {:.1} spreads from the failures' median of {} bytes",
                    units::int(s.bytes_back),
                    z_bytes,
                    units::int(b.median.round() as u64)
                )
            } else {
                format!(
                    "it lasted {}, {:.1} spreads beyond the failures' median of {:.0} s",
                    crate::units::duration(s.duration_secs()),
                    z_duration,
                    b.duration_median
                )
            };
            out.push(Finding {
                kind: Kind::FirstSuccess,
                severity: Severity::High,
                src: who.clone(),
                dst: Some(dst.clone()),
                dst_port: Some(b.port),
                first: s.start,
                last: s.end,
                score: strength(z_bytes.abs().max(z_duration) / SUCCESS_Z),
                summary: format!(
                    "At {} {who}{} got in on {dst}:{}: after {} failed attempts, {how}.",
                    format_rfc3339(i64::from(s.start)),
                    if same {
                        String::new()
                    } else {
                        format!(" (same network as the guesser {src})")
                    },
                    b.port,
                    units::int(before),
                ),
                evidence: Evidence {
                    detail: Detail::FirstSuccess(FirstSuccessDetail {
                        brute_force_src: src,
                        same_source: same,
                        reply_bytes: s.bytes_back,
                        duration_secs: s.duration_secs(),
                        z_bytes,
                        z_duration,
                        band_low_bytes: low,
                        band_high_bytes: high,
                        attempts_before: before,
                        secs_after_first_attempt: s.start.saturating_sub(b.first),
                    }),
                    sessions: vec![ctx.session_out(&s)],
                    sessions_total: 1,
                    records_total: u64::from(s.records),
                },
            });
        }
        out
    }
}
