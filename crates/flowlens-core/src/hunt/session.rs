//! Sessions: flow-log records stitched into conversations before anything is judged.
//!
//! A record counts one direction of one 5-tuple in one aggregation interval. The
//! [`Stitcher`] takes records in start order and:
//! - pairs each with its reverse (one key for both directions);
//! - joins consecutive intervals of the same 5-tuple;
//! - starts a new session on a bare SYN (`tcp-flags & 18 == 2`) when the open one
//!   already had its opening, or after a gap longer than the window + 60 s;
//! - ends a session on FIN or RST (a later record more than 60 s after it starts a
//!   new one), or on that gap;
//! - names the initiator: the side that sent the bare SYN, else the side that did not
//!   answer with SYN-ACK, else the only side that sent anything, else the side whose
//!   port is not the lower one (the lower port is taken as the service).
//!
//! Without `tcp-flags` (the default version-2 format) only the gap splits sessions and
//! the ports name the initiator: two connections that reuse one 5-tuple within the gap
//! become one session, and a client on a port below its server's is taken for the
//! server. Without stitching, one keep-alive connection looks like a perfect beacon and
//! durations are wrong.

use super::flags::{is_bare_syn, is_closing, is_syn_ack, KNOWN};
use super::hashing::MixMap as FastMap;
use crate::flow::{Action, AddrId};

/// A later record this long after a FIN or RST starts a new session (Linux keeps a
/// closed 5-tuple in TIME_WAIT for 60 s, and AWS may log a packet's time up to 60 s
/// late).
pub const CLOSE_SLACK_SECS: u32 = 60;
/// Added to the window for the gap that ends a session (issue 15: window + 60 s).
pub const GAP_SLACK_SECS: u32 = 60;

/// One record as the stitcher needs it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// Table row.
    pub row: u32,
    /// Source.
    pub srcaddr: AddrId,
    /// Destination.
    pub dstaddr: AddrId,
    /// Source port (0 when none).
    pub srcport: u16,
    /// Destination port.
    pub dstport: u16,
    /// Protocol.
    pub protocol: u8,
    /// Start.
    pub start: u32,
    /// End (the start when missing).
    pub end: u32,
    /// Bytes.
    pub bytes: u64,
    /// Packets.
    pub packets: u64,
    /// `tcp-flags` byte ([`super::flags`]): 0 when unknown.
    pub flags: u8,
    /// ACCEPT / REJECT.
    pub action: Option<Action>,
}

/// How the initiator was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitiatorRule {
    /// It sent the bare SYN.
    Syn,
    /// The other side answered with SYN-ACK.
    SynAck,
    /// Only it sent anything.
    OneWay,
    /// Its port is the higher one (the other is the service).
    Port,
}

/// Action bits of a session.
pub mod actions {
    /// Initiator's records accepted.
    pub const OUT_ACCEPT: u8 = 1;
    /// Initiator's records rejected.
    pub const OUT_REJECT: u8 = 2;
    /// Responder's records accepted.
    pub const BACK_ACCEPT: u8 = 4;
    /// Responder's records rejected.
    pub const BACK_REJECT: u8 = 8;
}

/// A stitched session: `src` initiated it, `_out` counts `src → dst`, `_back` the
/// reverse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    /// Initiator.
    pub src: AddrId,
    /// Responder.
    pub dst: AddrId,
    /// Initiator's port.
    pub srcport: u16,
    /// Responder's port.
    pub dstport: u16,
    /// Protocol.
    pub protocol: u8,
    /// First packet.
    pub start: u32,
    /// Last packet.
    pub end: u32,
    /// Bytes src → dst.
    pub bytes_out: u64,
    /// Bytes dst → src.
    pub bytes_back: u64,
    /// Packets src → dst.
    pub packets_out: u64,
    /// Packets dst → src.
    pub packets_back: u64,
    /// OR of src's flags ([`KNOWN`] set when any record had flags).
    pub flags_out: u8,
    /// OR of dst's flags.
    pub flags_back: u8,
    /// [`actions`] bits.
    pub actions: u8,
    /// Records stitched.
    pub records: u32,
    /// Row of its first record.
    pub first_row: u32,
    /// How `src` was found.
    pub rule: InitiatorRule,
}

impl Session {
    /// Seconds from first to last packet.
    pub fn duration_secs(&self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    /// True when the responder sent packets that were accepted.
    pub fn answered(&self) -> bool {
        self.packets_back > 0 && self.actions & actions::BACK_REJECT == 0
    }

    /// True when something of it was rejected.
    pub fn rejected(&self) -> bool {
        self.actions & (actions::OUT_REJECT | actions::BACK_REJECT) != 0
    }

    /// True when the initiator's records were all accepted and the responder answered.
    pub fn accepted(&self) -> bool {
        !self.rejected() && self.answered()
    }

    /// A failed attempt, as a scan counts it: rejected, unanswered, or answered by a
    /// reset (with flags: RST without SYN-ACK; without flags: one packet of at most 40
    /// bytes, the size of a bare RST).
    pub fn failed(&self) -> bool {
        if self.rejected() || !self.answered() {
            return true;
        }
        if self.flags_back & KNOWN != 0 {
            return self.flags_back & super::flags::RST != 0
                && !is_syn_ack(self.flags_back)
                && self.bytes_back <= 40 * self.packets_back;
        }
        self.packets_back == 1 && self.bytes_back <= 40
    }

    /// True when either side sent more than headers (60 bytes a packet for IPv4, 80 for
    /// IPv6, i.e. TCP with options): a handshake alone carries no payload.
    pub fn carries_payload(&self, ipv6: bool) -> bool {
        let header = if ipv6 { 80 } else { 60 };
        self.bytes_out > header * self.packets_out || self.bytes_back > header * self.packets_back
    }

    /// `ACCEPT`, `REJECT` or `MIXED`.
    pub fn action_str(&self) -> &'static str {
        let accept = self.actions & (actions::OUT_ACCEPT | actions::BACK_ACCEPT) != 0;
        match (accept, self.rejected()) {
            (true, true) => "MIXED",
            (_, true) => "REJECT",
            _ => "ACCEPT",
        }
    }
}

/// The two ends of a key, `a` < `b` by (address id, port).
fn key(r: &Record) -> (u128, bool) {
    let here = (r.srcaddr.0, r.srcport);
    let there = (r.dstaddr.0, r.dstport);
    let (a, b, forward) = if here <= there {
        (here, there, true)
    } else {
        (there, here, false)
    };
    let k = u128::from(a.0)
        | u128::from(b.0) << 32
        | u128::from(a.1) << 64
        | u128::from(b.1) << 80
        | u128::from(r.protocol) << 96;
    (k, forward)
}

/// A session still open, by direction: 0 is `a → b`, 1 is `b → a`.
#[derive(Clone, Copy, Debug)]
struct Open {
    a: AddrId,
    b: AddrId,
    port_a: u16,
    port_b: u16,
    protocol: u8,
    start: u32,
    end: u32,
    bytes: [u64; 2],
    packets: [u64; 2],
    flags: [u8; 2],
    /// Action bits per direction: 1 accept, 2 reject.
    action: [u8; 2],
    records: u32,
    first_row: u32,
    /// Direction of the first record.
    first_dir: u8,
    /// End of the record that carried FIN or RST (0: none yet).
    closed_at: u32,
}

impl Open {
    fn new(r: &Record, forward: bool) -> Open {
        let (a, b, port_a, port_b) = if forward {
            (r.srcaddr, r.dstaddr, r.srcport, r.dstport)
        } else {
            (r.dstaddr, r.srcaddr, r.dstport, r.srcport)
        };
        let mut open = Open {
            a,
            b,
            port_a,
            port_b,
            protocol: r.protocol,
            start: r.start,
            end: r.end,
            bytes: [0; 2],
            packets: [0; 2],
            flags: [0; 2],
            action: [0; 2],
            records: 0,
            first_row: r.row,
            first_dir: u8::from(!forward),
            closed_at: 0,
        };
        open.add(r, forward);
        open
    }

    fn add(&mut self, r: &Record, forward: bool) {
        let d = usize::from(!forward);
        self.start = self.start.min(r.start);
        self.end = self.end.max(r.end);
        self.bytes[d] = self.bytes[d].saturating_add(r.bytes);
        self.packets[d] = self.packets[d].saturating_add(r.packets);
        self.flags[d] |= r.flags;
        self.action[d] |= match r.action {
            Some(Action::Accept) => 1,
            Some(Action::Reject) => 2,
            None => 0,
        };
        self.records += 1;
        if is_closing(r.flags) {
            self.closed_at = self.closed_at.max(r.end);
        }
    }

    /// True when `r` (in direction `forward`) belongs to a new session.
    fn splits(&self, r: &Record, forward: bool, gap_secs: u32) -> bool {
        if r.start > self.end.saturating_add(gap_secs) {
            return true;
        }
        if self.closed_at != 0 && r.start > self.closed_at.saturating_add(CLOSE_SLACK_SECS) {
            return true;
        }
        if is_bare_syn(r.flags) {
            let d = usize::from(!forward);
            let had_syn = is_bare_syn(self.flags[d]);
            return had_syn || r.start > self.start.saturating_add(CLOSE_SLACK_SECS);
        }
        false
    }

    fn session(&self) -> Session {
        let syn = [is_bare_syn(self.flags[0]), is_bare_syn(self.flags[1])];
        let syn_ack = [is_syn_ack(self.flags[0]), is_syn_ack(self.flags[1])];
        // `Some(0)`: a initiated; `Some(1)`: b did.
        let (initiator, rule) = if syn[0] != syn[1] {
            (usize::from(syn[1]), InitiatorRule::Syn)
        } else if syn_ack[0] != syn_ack[1] {
            (usize::from(syn_ack[0]), InitiatorRule::SynAck)
        } else if (self.packets[0] == 0) != (self.packets[1] == 0) && self.records > 0 {
            (usize::from(self.packets[0] == 0), InitiatorRule::OneWay)
        } else if self.port_a != self.port_b {
            // The lower port is the service: the other side initiated.
            (usize::from(self.port_a < self.port_b), InitiatorRule::Port)
        } else {
            (usize::from(self.first_dir), InitiatorRule::Port)
        };
        let (i, r) = (initiator, 1 - initiator);
        let ends = [(self.a, self.port_a), (self.b, self.port_b)];
        let bits = |d: usize| -> u8 {
            let a = self.action[d];
            let (accept, reject) = if d == i {
                (actions::OUT_ACCEPT, actions::OUT_REJECT)
            } else {
                (actions::BACK_ACCEPT, actions::BACK_REJECT)
            };
            (if a & 1 != 0 { accept } else { 0 }) | (if a & 2 != 0 { reject } else { 0 })
        };
        Session {
            src: ends[i].0,
            dst: ends[r].0,
            srcport: ends[i].1,
            dstport: ends[r].1,
            protocol: self.protocol,
            start: self.start,
            end: self.end,
            bytes_out: self.bytes[i],
            bytes_back: self.bytes[r],
            packets_out: self.packets[i],
            packets_back: self.packets[r],
            flags_out: self.flags[i],
            flags_back: self.flags[r],
            actions: bits(0) | bits(1),
            records: self.records,
            first_row: self.first_row,
            rule,
        }
    }
}

/// Stitches records given in start order into sessions, handing each to a sink when
/// it can no longer grow. Holds only the sessions open in the last window + 60 s.
pub struct Stitcher {
    gap_secs: u32,
    sweep_secs: u32,
    open: FastMap<u128, Open>,
    last_sweep: u32,
    now: u32,
}

impl Stitcher {
    /// A stitcher for records of `window_secs` aggregation intervals.
    pub fn new(window_secs: u32) -> Stitcher {
        let gap_secs = window_secs.max(1) + GAP_SLACK_SECS;
        Stitcher {
            gap_secs,
            sweep_secs: (gap_secs / 2).max(30),
            open: FastMap::default(),
            last_sweep: 0,
            now: 0,
        }
    }

    /// The gap that ends a session.
    pub fn gap_secs(&self) -> u32 {
        self.gap_secs
    }

    /// Sessions that ended before this time have all been handed out (longer ones that
    /// started earlier may still be open).
    pub fn watermark(&self) -> u32 {
        self.last_sweep.saturating_sub(self.gap_secs)
    }

    /// Takes the next record (starts must not decrease); returns true when it swept
    /// the open sessions (the watermark moved).
    pub fn push(&mut self, r: &Record, sink: &mut impl FnMut(&Session)) -> bool {
        self.now = self.now.max(r.start);
        let swept = if self.now >= self.last_sweep.saturating_add(self.sweep_secs) {
            self.sweep(sink);
            true
        } else {
            false
        };
        let (k, forward) = key(r);
        match self.open.get_mut(&k) {
            Some(open) if !open.splits(r, forward, self.gap_secs) => open.add(r, forward),
            Some(open) => {
                sink(&open.session());
                *open = Open::new(r, forward);
            }
            None => {
                self.open.insert(k, Open::new(r, forward));
            }
        }
        swept
    }

    /// Hands out every session that can no longer grow.
    fn sweep(&mut self, sink: &mut impl FnMut(&Session)) {
        let (now, gap) = (self.now, self.gap_secs);
        self.open.retain(|_, open| {
            let idle = now > open.end.saturating_add(gap);
            let closed =
                open.closed_at != 0 && now > open.closed_at.saturating_add(CLOSE_SLACK_SECS);
            if idle || closed {
                sink(&open.session());
            }
            !(idle || closed)
        });
        self.last_sweep = now;
    }

    /// Hands out every session still open, in start order.
    pub fn finish(mut self, sink: &mut impl FnMut(&Session)) {
        let mut rest: Vec<Session> = self.open.drain().map(|(_, o)| o.session()).collect();
        rest.sort_by_key(|s| (s.start, s.first_row));
        for s in &rest {
            sink(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hunt::flags::{FIN, RST, SYN, SYN_ACK};

    const C: AddrId = AddrId(1);
    const S: AddrId = AddrId(2);

    /// A record `from` → `to` (C is the client on 50000, S the server on 3306).
    fn rec(from_client: bool, start: u32, end: u32, bytes: u64, flags: Option<u8>) -> Record {
        let (srcaddr, dstaddr, srcport, dstport) = if from_client {
            (C, S, 50_000, 3306)
        } else {
            (S, C, 3306, 50_000)
        };
        Record {
            row: start,
            srcaddr,
            dstaddr,
            srcport,
            dstport,
            protocol: 6,
            start,
            end,
            bytes,
            packets: bytes.div_ceil(1000).max(1),
            flags: flags.map_or(0, |f| f | KNOWN),
            action: Some(Action::Accept),
        }
    }

    fn stitch(window: u32, records: &[Record]) -> Vec<Session> {
        let mut out = Vec::new();
        let mut st = Stitcher::new(window);
        let mut sink = |s: &Session| out.push(*s);
        for r in records {
            st.push(r, &mut sink);
        }
        st.finish(&mut sink);
        out.sort_by_key(|s| s.start);
        out
    }

    #[test]
    fn stitching_cases() {
        struct Case {
            name: &'static str,
            records: Vec<Record>,
            /// (start, end, bytes_out, bytes_back, records, client initiated)
            expected: Vec<(u32, u32, u64, u64, u32, bool)>,
        }
        let cases = [
            Case {
                name: "reverse pair is one session, the client initiated by ports",
                records: vec![
                    rec(true, 100, 110, 300, None),
                    rec(false, 100, 111, 5000, None),
                ],
                expected: vec![(100, 111, 300, 5000, 2, true)],
            },
            Case {
                name: "the server's record first: still one session, client by SYN",
                records: vec![
                    rec(false, 100, 110, 5000, Some(SYN_ACK | FIN)),
                    rec(true, 100, 110, 300, Some(SYN | FIN)),
                ],
                expected: vec![(100, 110, 300, 5000, 2, true)],
            },
            Case {
                name: "consecutive windows join",
                records: vec![
                    rec(true, 100, 597, 300, None),
                    rec(false, 100, 598, 5000, None),
                    rec(true, 601, 1197, 300, None),
                    rec(false, 601, 1198, 5000, None),
                    rec(true, 1201, 1500, 300, None),
                ],
                expected: vec![(100, 1500, 900, 10_000, 5, true)],
            },
            Case {
                name: "a gap longer than window + 60 s splits",
                records: vec![
                    rec(true, 100, 200, 300, None),
                    rec(true, 861, 900, 300, None),
                ],
                expected: vec![(100, 200, 300, 0, 1, true), (861, 900, 300, 0, 1, true)],
            },
            Case {
                name: "a gap of exactly window + 60 s does not",
                records: vec![
                    rec(true, 100, 200, 300, None),
                    rec(true, 860, 900, 300, None),
                ],
                expected: vec![(100, 900, 600, 0, 2, true)],
            },
            Case {
                name: "a bare SYN after the opening starts a new session",
                records: vec![
                    rec(true, 100, 105, 300, Some(SYN)),
                    rec(false, 100, 105, 500, Some(SYN_ACK)),
                    rec(true, 300, 305, 300, Some(SYN)),
                    rec(false, 300, 305, 500, Some(SYN_ACK)),
                ],
                expected: vec![(100, 105, 300, 500, 2, true), (300, 305, 300, 500, 2, true)],
            },
            Case {
                name: "FIN ends it: a record 61 s later is a new session",
                records: vec![
                    rec(true, 100, 105, 300, Some(FIN)),
                    rec(false, 100, 106, 500, Some(FIN)),
                    rec(true, 167, 170, 300, None),
                ],
                expected: vec![(100, 106, 300, 500, 2, true), (167, 170, 300, 0, 1, true)],
            },
            Case {
                name: "RST ends it too",
                records: vec![
                    rec(true, 100, 105, 44, Some(SYN)),
                    rec(false, 100, 105, 40, Some(RST)),
                    rec(true, 400, 405, 44, None),
                ],
                expected: vec![(100, 105, 44, 40, 2, true), (400, 405, 44, 0, 1, true)],
            },
            Case {
                name: "one way only: its sender initiated, whatever the ports",
                records: vec![rec(false, 100, 100, 44, None)],
                expected: vec![(100, 100, 44, 0, 1, false)],
            },
        ];
        for case in cases {
            let got: Vec<(u32, u32, u64, u64, u32, bool)> = stitch(600, &case.records)
                .iter()
                .map(|s| {
                    (
                        s.start,
                        s.end,
                        s.bytes_out,
                        s.bytes_back,
                        s.records,
                        s.src == C,
                    )
                })
                .collect();
            assert_eq!(got, case.expected, "{}", case.name);
        }
    }

    #[test]
    fn initiator_rules() {
        let s = stitch(
            600,
            &[rec(true, 1, 2, 300, None), rec(false, 1, 2, 300, None)],
        );
        assert_eq!(s[0].rule, InitiatorRule::Port);
        let s = stitch(
            600,
            &[
                rec(true, 1, 2, 300, Some(SYN)),
                rec(false, 1, 2, 300, Some(SYN_ACK)),
            ],
        );
        assert_eq!(s[0].rule, InitiatorRule::Syn);
        // A client on a lower port than its server: the flags still tell.
        let mut a = rec(true, 1, 2, 300, Some(SYN));
        a.srcport = 80;
        let mut b = rec(false, 1, 2, 300, Some(SYN_ACK));
        b.dstport = 80;
        let s = stitch(600, &[b, a]);
        assert_eq!((s[0].src, s[0].srcport, s[0].dstport), (C, 80, 3306));
        let s = stitch(
            600,
            &[
                rec(false, 1, 2, 300, Some(SYN_ACK)),
                rec(true, 1, 2, 300, Some(0)),
            ],
        );
        assert_eq!((s[0].src, s[0].rule), (C, InitiatorRule::SynAck));
    }

    #[test]
    fn failure_payload_and_action() {
        let mut reject = rec(true, 1, 1, 44, None);
        reject.action = Some(Action::Reject);
        let s = stitch(600, &[reject]);
        assert!(s[0].failed() && s[0].rejected() && !s[0].carries_payload(false));
        assert_eq!(s[0].action_str(), "REJECT");
        // A reset without flags: one 40-byte packet back.
        let s = stitch(
            600,
            &[rec(true, 1, 1, 44, None), rec(false, 1, 1, 40, None)],
        );
        assert!(s[0].failed() && !s[0].carries_payload(false));
        // A SYN-ACK answer (flags) is not a failure, and a handshake is no payload.
        let s = stitch(
            600,
            &[
                rec(true, 1, 1, 44, Some(SYN)),
                rec(false, 1, 1, 44, Some(SYN_ACK)),
            ],
        );
        assert!(!s[0].failed() && !s[0].carries_payload(false));
        // A login: payload.
        let s = stitch(
            600,
            &[rec(true, 1, 3, 300, None), rec(false, 1, 3, 900, None)],
        );
        assert!(!s[0].failed() && s[0].carries_payload(false) && s[0].accepted());
        assert_eq!(s[0].action_str(), "ACCEPT");
    }

    #[test]
    fn sessions_are_handed_out_as_they_close_and_the_watermark_moves() {
        let mut st = Stitcher::new(60);
        let mut out = Vec::new();
        st.push(&rec(true, 0, 10, 1, None), &mut |s: &Session| {
            out.push(s.start)
        });
        for t in (100..1000).step_by(100) {
            let mut r = rec(true, t, t + 1, 1, None);
            r.srcport = t as u16;
            st.push(&r, &mut |s: &Session| out.push(s.start));
        }
        // Sessions idle for more than 120 s are out before the end.
        assert!(out.contains(&0) && out.len() >= 6, "{out:?}");
        assert!(st.watermark() >= 600, "{}", st.watermark());
        st.finish(&mut |s: &Session| out.push(s.start));
        assert_eq!(out.len(), 10);
    }
}
