//! Varied incidents, for testing the hunt on traffic it was not designed on: a small
//! VPC (a database, a web server, an SSH bastion, internal clients) with ordinary
//! background — internal queries with varied replies, internet users of the web server,
//! internal hosts browsing the internet at irregular times, internet scanners — and any
//! number of attack stages whose sizes, periods, jitter, timing and addresses are
//! parameters.
//!
//! [`Scenario::files`] writes flow-log text (one file per aggregation window, the
//! default format, or with `tcp-flags` when asked) that tests read through the real
//! reader. Deterministic for a seed; std only.

use super::rng::Rng;

/// 2021-03-01T00:00:00Z: the scenarios' clock starts here.
pub const START_SECS: u32 = 1_614_556_800;
/// The database (MySQL on 3306).
pub const DATABASE: [u8; 4] = [10, 0, 1, 10];
/// The web server (HTTPS on 443), reachable from the internet.
pub const WEB: [u8; 4] = [10, 0, 1, 20];
/// The SSH bastion (22), reachable from the internet.
pub const BASTION: [u8; 4] = [10, 0, 1, 30];

/// One stage of an attack.
#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    /// `src` probes `ports` ports on each of `hosts` hosts (10.0.3.1 …, then the three
    /// servers first) in `duration_secs` from `start_secs`; `open` of the ports answer.
    Scan {
        /// The scanner.
        src: [u8; 4],
        /// When it starts.
        start_secs: u32,
        /// Over how long.
        duration_secs: u32,
        /// Ports per host (from 1 up, 3306 and 22 among them when ≥ 2).
        ports: u32,
        /// Hosts.
        hosts: u32,
    },
    /// `src` guesses passwords on `server`:`port`: `attempts` connections, one every
    /// `interval_secs` ± `jitter_secs`; replies of `reply_bytes` ± `reply_jitter_bytes`.
    /// Then, after `success_after_secs`, a session from `success_src` whose reply is
    /// `success_reply_bytes` and which lasts `success_secs` (none when `None`).
    BruteForce {
        /// The guesser.
        src: [u8; 4],
        /// The service's host.
        server: [u8; 4],
        /// The service's port.
        port: u16,
        /// First attempt.
        start_secs: u32,
        /// How many.
        attempts: u32,
        /// Mean time between attempts.
        interval_secs: u32,
        /// ± uniform.
        jitter_secs: u32,
        /// Reply size of a failure.
        reply_bytes: u32,
        /// ± uniform.
        reply_jitter_bytes: u32,
        /// The success: (source, seconds after the last attempt, reply bytes, duration).
        success: Option<([u8; 4], u32, u32, u32)>,
    },
    /// `asset` sends `bytes` to `dst` over `connections` connections within
    /// `duration_secs` from `start_secs` (from the asset's `asset_port`).
    Exfiltration {
        /// The internal asset.
        asset: [u8; 4],
        /// Its port (the service the data leaves by).
        asset_port: u16,
        /// The outside destination.
        dst: [u8; 4],
        /// First byte.
        start_secs: u32,
        /// Over how long.
        duration_secs: u32,
        /// Bytes in all.
        bytes: u64,
        /// Connections.
        connections: u32,
    },
    /// `src` opens a connection to `dst`:`port` every `period_secs` ± `jitter` (a
    /// fraction of the period, uniform), `count` times, sending `bytes` ± 2 %.
    Beacon {
        /// The beaconing host (internal).
        src: [u8; 4],
        /// The C2 host.
        dst: [u8; 4],
        /// Its port.
        port: u16,
        /// First call.
        start_secs: u32,
        /// The period.
        period_secs: u32,
        /// Jitter as a fraction of the period (0.1 = ±10 %).
        jitter: f64,
        /// Calls.
        count: u32,
        /// Bytes per call.
        bytes: u32,
    },
    /// One connection from `src` to `dst`:`port` that stays open `duration_secs`.
    LongConnection {
        /// The initiator.
        src: [u8; 4],
        /// The other end.
        dst: [u8; 4],
        /// Its port.
        port: u16,
        /// Open.
        start_secs: u32,
        /// For how long.
        duration_secs: u32,
    },
    /// A server (`src`, which only answered so far) downloads `bytes` from `dst`:`port`.
    Download {
        /// The server.
        src: [u8; 4],
        /// The outside host.
        dst: [u8; 4],
        /// Its port.
        port: u16,
        /// When.
        start_secs: u32,
        /// Bytes.
        bytes: u64,
    },
}

/// A scenario: background plus stages.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Seeds the background and the jitter.
    pub seed: u64,
    /// The aggregation window (60 or 600).
    pub window_secs: u32,
    /// Write `tcp-flags` (version 3 fields) or not (the default format).
    pub tcp_flags: bool,
    /// Hours of data from [`START_SECS`].
    pub hours: u32,
    /// Multiplies the background's volume.
    pub background: u32,
    /// The attack.
    pub stages: Vec<Stage>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            seed: 1,
            window_secs: 600,
            tcp_flags: false,
            hours: 48,
            background: 1,
            stages: Vec::new(),
        }
    }
}

/// One record before it is written.
#[derive(Clone, Copy, Debug)]
struct Rec {
    start: u32,
    end: u32,
    src: u32,
    dst: u32,
    srcport: u16,
    dstport: u16,
    packets: u64,
    bytes: u64,
    flags: u8,
    reject: bool,
}

const FIN: u8 = 1;
const SYN: u8 = 2;
const SYN_ACK: u8 = 18;

fn ip(a: [u8; 4]) -> u32 {
    u32::from_be_bytes(a)
}

/// A connection's records: one per direction per window it spans.
struct Conn {
    client: (u32, u16),
    server: (u32, u16),
    start: u32,
    end: u32,
    /// Bytes client → server and back, spread over the windows.
    bytes: (u64, u64),
}

impl Scenario {
    /// The scenario's files: (name, text), one per window, in time order.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut records = Vec::new();
        let mut rng = Rng::new(self.seed ^ 0x1ac1_de47);
        self.background(&mut rng, &mut records);
        for stage in &self.stages {
            self.stage(&mut rng, stage, &mut records);
        }
        let window = self.window_secs.max(1);
        records.sort_by_key(|r| (r.start / window, r.start, r.end, r.src, r.srcport));
        let header = if self.tcp_flags {
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags\n"
        } else {
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
        };
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut current = u32::MAX;
        for r in &records {
            let w = r.start / window;
            if w != current {
                current = w;
                files.push((format!("w{w:010}.log"), header.as_bytes().to_vec()));
            }
            if let Some((_, text)) = files.last_mut() {
                let line = format!(
                    "{} 123456789012 eni-0a1b2c3d {} {} {} {} 6 {} {} {} {} {} OK{}\n",
                    if self.tcp_flags { 3 } else { 2 },
                    std::net::Ipv4Addr::from(r.src),
                    std::net::Ipv4Addr::from(r.dst),
                    r.srcport,
                    r.dstport,
                    r.packets.max(1),
                    r.bytes,
                    r.start,
                    r.end,
                    if r.reject { "REJECT" } else { "ACCEPT" },
                    if self.tcp_flags {
                        format!(" {}", r.flags)
                    } else {
                        String::new()
                    }
                );
                text.extend_from_slice(line.as_bytes());
            }
        }
        files
    }

    fn end_secs(&self) -> u32 {
        START_SECS + self.hours * 3600
    }

    /// Splits a connection into records, window by window, with flags.
    fn push(&self, conn: &Conn, out: &mut Vec<Rec>) {
        let window = self.window_secs.max(1);
        let mut pieces = Vec::new();
        let mut at = conn.start;
        loop {
            let last = at - at % window + window - 1;
            if conn.end <= last {
                pieces.push((at, conn.end));
                break;
            }
            pieces.push((at, last));
            at = last + 1;
        }
        let n = pieces.len() as u64;
        for (i, &(start, end)) in pieces.iter().enumerate() {
            let first = i == 0;
            let closing = i + 1 == pieces.len();
            let share = |total: u64| total / n + if (i as u64) < total % n { 1 } else { 0 };
            let (up, down) = (share(conn.bytes.0), share(conn.bytes.1));
            let fin = if closing { FIN } else { 0 };
            out.push(Rec {
                start,
                end,
                src: conn.client.0,
                dst: conn.server.0,
                srcport: conn.client.1,
                dstport: conn.server.1,
                packets: up.div_ceil(1200).max(1) + u64::from(first) + u64::from(closing),
                bytes: up.max(40),
                flags: if first { SYN } else { 0 } | fin,
                reject: false,
            });
            out.push(Rec {
                start,
                end,
                src: conn.server.0,
                dst: conn.client.0,
                srcport: conn.server.1,
                dstport: conn.client.1,
                packets: down.div_ceil(1400).max(1) + u64::from(first) + u64::from(closing),
                bytes: down.max(40),
                flags: if first { SYN_ACK } else { 0 } | fin,
                reject: false,
            });
        }
    }

    /// A probe the security group rejects (one record, no answer).
    fn rejected(
        &self,
        src: u32,
        dst: u32,
        srcport: u16,
        dstport: u16,
        at: u32,
        out: &mut Vec<Rec>,
    ) {
        out.push(Rec {
            start: at,
            end: at,
            src,
            dst,
            srcport,
            dstport,
            packets: 1,
            bytes: 44,
            flags: SYN,
            reject: true,
        });
    }

    fn background(&self, rng: &mut Rng, out: &mut Vec<Rec>) {
        let (from, to) = (START_SECS, self.end_secs());
        let scale = self.background.max(1);
        let clients: Vec<u32> = (1..=12).map(|i| ip([10, 0, 2, i])).collect();
        let mut port = 40_000u32;
        let mut next_port = |rng: &mut Rng| {
            port = if port > 60_000 {
                32_768
            } else {
                port + rng.range(1, 7)
            };
            port as u16
        };
        // Internal clients query the database and the web server in working hours
        // (08–18 UTC), replies of very varied size.
        let mut t = from;
        while t < to {
            let hour = (t - START_SECS) / 3600 % 24;
            let busy = (8..18).contains(&hour);
            let gap = if busy {
                30 / scale.min(30)
            } else {
                600 / scale.min(600)
            };
            t += rng.range(1, gap.max(2) * 2);
            if t >= to {
                break;
            }
            let client = clients[rng.below(clients.len() as u32) as usize];
            let (server, sport) = if rng.chance(0.7) {
                (ip(DATABASE), 3306)
            } else {
                (ip(WEB), 443)
            };
            let reply = 300 + (rng.unit() * rng.unit() * 400_000.0) as u64;
            let start = t;
            let end = (start + rng.range(0, 20)).min(to - 1);
            self.push(
                &Conn {
                    client: (client, next_port(rng)),
                    server: (server, sport),
                    start,
                    end,
                    bytes: (u64::from(rng.range(200, 4000)), reply),
                },
                out,
            );
        }
        // Internet users of the web site: a few hundred addresses, at any hour.
        let users: Vec<u32> = (0..300).map(|_| public(rng)).collect();
        let mut t = from;
        while t < to {
            t += rng.range(1, 240 / scale.min(240)).max(1);
            if t >= to {
                break;
            }
            let user = users[rng.below(users.len() as u32) as usize];
            let end = (t + rng.range(0, 40)).min(to - 1);
            self.push(
                &Conn {
                    client: (user, next_port(rng)),
                    server: (ip(WEB), 443),
                    start: t,
                    end,
                    bytes: (
                        u64::from(rng.range(400, 3000)),
                        u64::from(rng.range(2_000, 900_000)),
                    ),
                },
                out,
            );
        }
        // Internal clients on the internet (updates, APIs): irregular, many
        // destinations, a few popular ones.
        let sites: Vec<u32> = (0..60).map(|_| public(rng)).collect();
        let mut t = from;
        while t < to {
            t += rng.range(1, 180 / scale.min(180)).max(1);
            if t >= to {
                break;
            }
            let client = clients[rng.below(clients.len() as u32) as usize];
            let popular = rng.chance(0.6);
            let site = if popular {
                sites[rng.below(6) as usize]
            } else {
                sites[rng.below(sites.len() as u32) as usize]
            };
            let end = (t + rng.range(0, 60)).min(to - 1);
            self.push(
                &Conn {
                    client: (client, next_port(rng)),
                    server: (site, 443),
                    start: t,
                    end,
                    bytes: (
                        u64::from(rng.range(500, 20_000)),
                        u64::from(rng.range(1_000, 3_000_000)),
                    ),
                },
                out,
            );
        }
        // Internet scanners: a few probes each, now and then, to any host.
        let scanners: Vec<u32> = (0..80).map(|_| public(rng)).collect();
        let hosts = [ip(DATABASE), ip(WEB), ip(BASTION)];
        let mut t = from;
        while t < to {
            t += rng.range(30, 600);
            if t >= to {
                break;
            }
            let scanner = scanners[rng.below(scanners.len() as u32) as usize];
            let host = hosts[rng.below(3) as usize];
            let port = [22u16, 23, 80, 445, 3389, 5432, 6379, 8080][rng.below(8) as usize];
            if host == ip(BASTION) && port == 22 || host == ip(WEB) && port == 80 {
                let end = (t + rng.range(0, 3)).min(to - 1);
                self.push(
                    &Conn {
                        client: (scanner, next_port(rng)),
                        server: (host, port),
                        start: t,
                        end,
                        bytes: (
                            u64::from(rng.range(300, 900)),
                            u64::from(rng.range(600, 2000)),
                        ),
                    },
                    out,
                );
            } else {
                self.rejected(scanner, host, next_port(rng), port, t, out);
            }
        }
    }

    fn stage(&self, rng: &mut Rng, stage: &Stage, out: &mut Vec<Rec>) {
        match *stage {
            Stage::Scan {
                src,
                start_secs,
                duration_secs,
                ports,
                hosts,
            } => {
                let mut targets: Vec<u32> = vec![ip(DATABASE), ip(WEB), ip(BASTION)];
                targets.extend(
                    (1..=hosts.saturating_sub(3))
                        .map(|i| ip([10, 0, 3, (i % 250) as u8 + 1]) + (i / 250) * 256),
                );
                targets.truncate(hosts.max(1) as usize);
                let mut list: Vec<u16> = vec![3306, 22];
                list.extend((1..=ports as u16).filter(|p| *p != 22));
                list.truncate(ports.max(1) as usize);
                let total = (targets.len() * list.len()).max(1) as u64;
                let srcport = 50_123;
                let mut k = 0u64;
                for &host in &targets {
                    for &port in &list {
                        let at = start_secs + (u64::from(duration_secs) * k / total) as u32;
                        k += 1;
                        let open = (host == ip(DATABASE) && port == 3306)
                            || (host == ip(BASTION) && port == 22)
                            || (host == ip(WEB) && port == 443);
                        if open {
                            self.push(
                                &Conn {
                                    client: (ip(src), srcport),
                                    server: (host, port),
                                    start: at,
                                    end: at,
                                    bytes: (84, 44),
                                },
                                out,
                            );
                        } else {
                            self.rejected(ip(src), host, srcport, port, at, out);
                        }
                    }
                }
            }
            Stage::BruteForce {
                src,
                server,
                port,
                start_secs,
                attempts,
                interval_secs,
                jitter_secs,
                reply_bytes,
                reply_jitter_bytes,
                success,
            } => {
                let mut t = start_secs;
                let mut cport = 33_000u16;
                for _ in 0..attempts {
                    cport = if cport > 60_000 { 33_000 } else { cport + 1 };
                    let reply = u64::from(reply_bytes - reply_jitter_bytes.min(reply_bytes))
                        + u64::from(rng.range(0, 2 * reply_jitter_bytes));
                    self.push(
                        &Conn {
                            client: (ip(src), cport),
                            server: (ip(server), port),
                            start: t,
                            end: t + rng.range(0, 1),
                            bytes: (u64::from(rng.range(300, 340)), reply),
                        },
                        out,
                    );
                    t += interval_secs.saturating_sub(jitter_secs).max(1)
                        + rng.range(0, 2 * jitter_secs);
                }
                if let Some((who, after, reply, duration)) = success {
                    let at = t + after;
                    self.push(
                        &Conn {
                            client: (ip(who), 55_555),
                            server: (ip(server), port),
                            start: at,
                            end: at + duration,
                            bytes: (4_000, u64::from(reply)),
                        },
                        out,
                    );
                }
            }
            Stage::Exfiltration {
                asset,
                asset_port,
                dst,
                start_secs,
                duration_secs,
                bytes,
                connections,
            } => {
                let n = connections.max(1);
                for i in 0..n {
                    let start = start_secs + duration_secs * i / n;
                    let end = (start + duration_secs / n).max(start);
                    self.push(
                        &Conn {
                            client: (ip(dst), 44_000 + i as u16),
                            server: (ip(asset), asset_port),
                            start,
                            end,
                            bytes: (2_000, bytes / u64::from(n)),
                        },
                        out,
                    );
                }
            }
            Stage::Beacon {
                src,
                dst,
                port,
                start_secs,
                period_secs,
                jitter,
                count,
                bytes,
            } => {
                let mut cport = 45_000u16;
                for i in 0..count {
                    let offset = (rng.unit() * 2.0 - 1.0) * jitter * f64::from(period_secs);
                    let at = (i64::from(start_secs)
                        + i64::from(i) * i64::from(period_secs)
                        + offset as i64)
                        .max(0) as u32;
                    cport = if cport > 60_000 { 45_000 } else { cport + 1 };
                    let size = u64::from(bytes) * u64::from(rng.range(98, 102)) / 100;
                    self.push(
                        &Conn {
                            client: (ip(src), cport),
                            server: (ip(dst), port),
                            start: at,
                            end: at + rng.range(0, 2),
                            bytes: (size, u64::from(rng.range(200, 260))),
                        },
                        out,
                    );
                }
            }
            Stage::LongConnection {
                src,
                dst,
                port,
                start_secs,
                duration_secs,
            } => {
                let windows = u64::from(duration_secs / self.window_secs.max(1) + 1);
                self.push(
                    &Conn {
                        client: (ip(src), 41_414),
                        server: (ip(dst), port),
                        start: start_secs,
                        end: start_secs + duration_secs,
                        bytes: (windows * 900, windows * 400),
                    },
                    out,
                );
            }
            Stage::Download {
                src,
                dst,
                port,
                start_secs,
                bytes,
            } => {
                self.push(
                    &Conn {
                        client: (ip(src), 39_999),
                        server: (ip(dst), port),
                        start: start_secs,
                        end: start_secs + 5,
                        bytes: (700, bytes),
                    },
                    out,
                );
            }
        }
    }
}

/// A public IPv4 address outside 203.0.113.0/24 and 198.51.100.0/24 (kept for the
/// attackers of the tests).
fn public(rng: &mut Rng) -> u32 {
    loop {
        let a = (rng.next_u64() >> 32) as u32;
        let first = a >> 24;
        let private = first == 10
            || first == 127
            || first == 0
            || first >= 224
            || a >> 20 == 0xac1
            || a >> 16 == 0xc0a8
            || a >> 16 == 0xa9fe
            || a >> 22 == 0x191
            || a >> 8 == 0xcb0071
            || a >> 8 == 0xc63364;
        if !private {
            return a;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_per_window_sorted_and_well_formed() {
        let s = Scenario {
            hours: 6,
            tcp_flags: true,
            stages: vec![Stage::LongConnection {
                src: [10, 0, 1, 10],
                dst: [203, 0, 113, 9],
                port: 4444,
                start_secs: START_SECS + 600,
                duration_secs: 7200,
            }],
            ..Scenario::default()
        };
        let files = s.files();
        assert!(files.len() >= 30, "{}", files.len());
        let mut last = 0;
        let mut long_records = 0;
        for (_, text) in &files {
            let text = std::str::from_utf8(text).unwrap();
            for line in text.lines().skip(1) {
                let f: Vec<&str> = line.split(' ').collect();
                assert_eq!(f.len(), 15, "{line}");
                let start: u32 = f[10].parse().unwrap();
                let end: u32 = f[11].parse().unwrap();
                assert!(start <= end && start / 600 == end / 600, "{line}");
                assert!(start >= last);
                last = start;
                if f[6] == "4444" || f[5] == "4444" {
                    long_records += 1;
                }
            }
        }
        // 7,200 s from 00:10 spans windows 00:10 … 02:10: 13 windows, two directions.
        assert_eq!(long_records, 26);
    }
}
