//! Who talks to the honeypot database during the example week, as records before
//! they are written out: the developers' sessions, the internet scanners, the
//! suspect, and the few NODATA / SKIPDATA markers.
//!
//! Everything is derived from the seed by independent streams (one per developer
//! session, one per window for the scanners, one fixed stream for the suspect), so
//! the week can be produced window by window in time order without holding it all,
//! and produced twice (once to measure the baseline responses, once to write them)
//! with identical results.

use super::rng::{derive, Rng};
use super::story::story_records;
use super::{
    ExampleOptions, Scanners, BURST_BYTES, BURST_START_SECS, DATABASE_PORT, START_SECS,
    SUSPECT_FIRST_START_SECS, SUSPECT_LAST_END_SECS, WINDOWS_PER_DAY, WINDOW_SECS,
};

/// 172.30.2.47, [`super::DATABASE`].
pub(crate) const DATABASE_IP: u32 = u32::from_be_bytes([172, 30, 2, 47]);
/// [`super::DEVELOPERS`].
pub(crate) const DEVELOPER_IPS: [u32; 3] = [
    u32::from_be_bytes([172, 30, 0, 18]),
    u32::from_be_bytes([172, 30, 1, 105]),
    u32::from_be_bytes([172, 30, 3, 62]),
];
/// 201.48.16.81, [`super::SUSPECT`].
pub(crate) const SUSPECT_IP: u32 = u32::from_be_bytes([201, 48, 16, 81]);

/// Total windows of the week.
/// The window (index from the week's start) at 2020-09-16T02:00Z: the developers'
/// night session and the suspect's arrival; no scanner shows up in it.
pub(crate) const NIGHT_WINDOW: usize = 12;
/// Quiet night windows in which nothing at all happened: their file holds one
/// NODATA record (Thu 07:30, Sat 05:40, Sun 03:00, Tue 08:10).
pub(crate) const NODATA_WINDOWS: [usize; 4] = [
    WINDOWS_PER_DAY + 45,
    3 * WINDOWS_PER_DAY + 34,
    4 * WINDOWS_PER_DAY + 18,
    6 * WINDOWS_PER_DAY + 49,
];
/// The one quiet window (Sun 04:30) whose file also carries a SKIPDATA record.
pub(crate) const SKIPDATA_WINDOW: usize = 4 * WINDOWS_PER_DAY + 27;

/// Linux's default ephemeral port range, used by every client.
const EPHEMERAL_PORTS: (u32, u32) = (32_768, 60_999);
/// Developers' short connections per second of a session at scale 1 (before the
/// session's own intensity factor): sets the size of the week.
const DEVELOPER_CONNECTIONS_PER_SEC: f64 = 1.85;
/// Working hours (UTC) in which the daytime sessions fall: 13:00–22:00, i.e. 9–18
/// in the developers' US east coast time.
const WORK_HOURS_SECS: (u32, u32) = (13 * 3600, 22 * 3600);
/// Which days (Wed 16 … Tue 22, then again week after week) each developer works.
const WORKDAYS: [[bool; 7]; 3] = [
    [true, true, true, true, false, true, true],
    [true, true, true, false, false, true, true],
    [true, true, false, false, false, true, true],
];
/// Baseline responses are a normal shape cut at ±2.8 standard deviations, so after
/// calibration no background response reaches mean + 3σ.
pub(crate) const TRUNCATION: f64 = 2.8;
/// Ports other than MySQL that scanners probe; the security group rejects them.
const PROBED_PORTS: [u16; 12] = [
    22, 23, 80, 443, 445, 1433, 3389, 5432, 5900, 6379, 8080, 27017,
];
/// How many distinct scanner addresses roam the week by default.
pub(crate) const SCANNER_COUNT: u32 = 180;
/// Never used (the pool is never empty); keeps `pick` total.
const FALLBACK_SCANNER_IP: u32 = u32::from_be_bytes([45, 155, 205, 233]);
/// Labels of the independent random streams.
const STREAM_SESSIONS: u64 = 1;
const STREAM_SCANNER_POOL: u64 = 2;
const STREAM_SCANNERS: u64 = 1 << 32;
/// The suspect's stream does not depend on the seed: same facts for every seed.
const SUSPECT_STREAM: u64 = 0x5eed_0201_0048_1681;

/// How many bytes and packets a record counts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Volume {
    /// Known counters.
    Fixed { packets: u64, bytes: u64 },
    /// A background database response: its bytes are the baseline distribution's
    /// value at `z` (standard units), fixed once the whole week's `z`s are known.
    Baseline { z: f64, bytes_per_packet: u32 },
}

/// `action` and `log-status` together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Accept,
    Reject,
    NoData,
    SkipData,
}

/// One flow-log record (addresses and ports unused for NODATA / SKIPDATA).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record {
    pub(crate) start_secs: u32,
    pub(crate) end_secs: u32,
    pub(crate) srcaddr: u32,
    pub(crate) dstaddr: u32,
    pub(crate) srcport: u16,
    pub(crate) dstport: u16,
    pub(crate) volume: Volume,
    pub(crate) status: Status,
}

/// Unix seconds at which window `window` starts.
pub(crate) fn window_start_secs(window: usize) -> u32 {
    START_SECS + (window as u32) * WINDOW_SECS
}

/// Start of the window holding `secs` (not before the week's start).
pub(crate) fn window_start_of(secs: u32) -> u32 {
    let offset = secs.saturating_sub(START_SECS);
    START_SECS + offset - offset % WINDOW_SECS
}

/// A developer's session: a client tool connected for the whole session plus many
/// short connections (queries, scripts).
#[derive(Debug, Clone)]
struct Session {
    developer: usize,
    start_secs: u32,
    end_secs: u32,
    stream: u64,
    intensity: f64,
}

/// The plan of the week: what does not depend on the window.
pub(crate) struct Week {
    scale: u32,
    seed: u64,
    windows: usize,
    sessions: Vec<Session>,
    /// The scanners' addresses; empty when every event has its own.
    scanners: Vec<u32>,
    /// Scanner events per window (`None`: 1–4 per scale unit).
    scanner_events: Option<u32>,
    /// The suspect's records and the rest of the incident (empty without it).
    suspect: Vec<Record>,
}

impl Week {
    pub(crate) fn new(options: &ExampleOptions) -> Self {
        let seed = options.seed;
        let days = options.days.max(1) as usize;
        let (suspect, scanners) = (
            if options.incident {
                let mut records = suspect_records();
                records.extend(story_records());
                records
            } else {
                Vec::new()
            },
            match options.scanners {
                Scanners::Pool(n) => scanner_pool(seed, n.max(1)),
                Scanners::Unique => Vec::new(),
            },
        );
        Week {
            scale: options.scale.max(1),
            seed,
            windows: days * WINDOWS_PER_DAY,
            sessions: plan_sessions(seed, days),
            scanners,
            scanner_events: options.scanner_events,
            suspect,
        }
    }

    /// Calls `f` with each window's index and its records (unsorted), in window order.
    pub(crate) fn for_each_window(&self, mut f: impl FnMut(usize, &mut Vec<Record>)) {
        // Records of sessions that started but are not yet fully handed out.
        let mut active: Vec<Vec<Record>> = Vec::new();
        let mut next_session = 0;
        let mut records = Vec::new();
        for window in 0..self.windows {
            records.clear();
            let start_secs = window_start_secs(window);
            let end_secs = start_secs + WINDOW_SECS;
            while let Some(session) = self.sessions.get(next_session) {
                if session.start_secs >= end_secs {
                    break;
                }
                let mut session_records = Vec::new();
                session.generate(self.scale, &mut session_records);
                active.push(session_records);
                next_session += 1;
            }
            for session_records in &mut active {
                session_records.retain(|record| {
                    let in_window = record.start_secs < end_secs;
                    if in_window {
                        records.push(*record);
                    }
                    !in_window
                });
            }
            active.retain(|session_records| !session_records.is_empty());
            records.extend(
                self.suspect
                    .iter()
                    .filter(|r| (start_secs..end_secs).contains(&r.start_secs)),
            );
            if NODATA_WINDOWS.contains(&window) {
                records.push(marker(start_secs, Status::NoData));
            } else if window != NIGHT_WINDOW {
                self.scanner_records(window, &mut records);
            }
            if window == SKIPDATA_WINDOW {
                records.push(marker(start_secs, Status::SkipData));
            }
            f(window, &mut records);
        }
    }

    /// Internet scanners in one window: MySQL probes (accepted: a login attempt and
    /// its error responses) and probes of other ports (rejected).
    fn scanner_records(&self, window: usize, out: &mut Vec<Record>) {
        let mut rng = Rng::new(derive(self.seed, STREAM_SCANNERS + window as u64));
        let window_start = window_start_secs(window);
        let window_last = window_start + WINDOW_SECS - 1;
        // 1–4 events per window and scale unit: never an empty window.
        let events: u32 = match self.scanner_events {
            None => (0..self.scale).map(|_| rng.range(1, 4)).sum(),
            Some(n) => rng.range(n - n / 4, n + n / 4),
        };
        for event in 0..events {
            let scanner = if self.scanners.is_empty() {
                match unique_scanner(window, event) {
                    Some(addr) => addr,
                    None => continue,
                }
            } else {
                pick(&mut rng, &self.scanners).unwrap_or(FALLBACK_SCANNER_IP)
            };
            let srcport = ephemeral_port(&mut rng);
            let start = window_start + rng.below(WINDOW_SECS - 10);
            if rng.chance(0.55) {
                let end = start + rng.below((window_last - start).min(30) + 1);
                push_connection(
                    out,
                    &mut rng,
                    (scanner, srcport),
                    (start, end),
                    |rng| {
                        let packets = rng.range(3, 24);
                        fixed(packets, packets * rng.range(40, 96))
                    },
                    baseline_response,
                );
            } else {
                let end = start + rng.below((window_last - start).min(2) + 1);
                let dstport = pick(&mut rng, &PROBED_PORTS).unwrap_or(22);
                let packets = rng.range(1, 3);
                let bytes_per_packet = pick(&mut rng, &[40, 44, 60]).unwrap_or(44);
                out.push(Record {
                    start_secs: start,
                    end_secs: end,
                    srcaddr: scanner,
                    dstaddr: DATABASE_IP,
                    srcport,
                    dstport,
                    volume: fixed(packets, packets * bytes_per_packet),
                    status: Status::Reject,
                });
            }
        }
    }
}

impl Session {
    /// All records of the session, in the order they are drawn.
    fn generate(&self, scale: u32, out: &mut Vec<Record>) {
        let mut rng = Rng::new(self.stream);
        let client = DEVELOPER_IPS
            .get(self.developer)
            .copied()
            .unwrap_or(DEVELOPER_IPS[0]);
        let mut port = rng.range(EPHEMERAL_PORTS.0, EPHEMERAL_PORTS.1);
        let mut next_port = |rng: &mut Rng| {
            port += rng.range(1, 3);
            if port > EPHEMERAL_PORTS.1 {
                port -= EPHEMERAL_PORTS.1 - EPHEMERAL_PORTS.0 + 1;
            }
            port as u16
        };
        // The client tool (IDE, mysql shell) stays connected for the whole session.
        let tool_port = next_port(&mut rng);
        push_connection(
            out,
            &mut rng,
            (client, tool_port),
            (self.start_secs, self.end_secs),
            developer_request,
            baseline_response,
        );
        let rate = DEVELOPER_CONNECTIONS_PER_SEC * f64::from(scale) * self.intensity;
        for second in self.start_secs..self.end_secs {
            // floor(2·rate·U + U') has mean `rate`.
            let count = (2.0 * rate * rng.unit() + rng.unit()) as u32;
            for _ in 0..count {
                let duration = if rng.chance(0.8) {
                    rng.below(3)
                } else {
                    rng.range(3, 45)
                };
                let end = (second + duration).min(self.end_secs);
                let port = next_port(&mut rng);
                push_connection(
                    out,
                    &mut rng,
                    (client, port),
                    (second, end),
                    developer_request,
                    baseline_response,
                );
            }
        }
    }
}

/// The developers' sessions of the week, sorted by start: on each working day 5–9
/// sessions of 2–9 minutes in working hours, and on the first night one session each
/// in the 02:00–02:10 window (a late deployment).
fn plan_sessions(seed: u64, days: usize) -> Vec<Session> {
    let mut rng = Rng::new(derive(seed, STREAM_SESSIONS));
    let mut sessions = Vec::new();
    let night_start = window_start_secs(NIGHT_WINDOW);
    for developer in 0..DEVELOPER_IPS.len() {
        let start_secs = night_start + rng.range(5, 90);
        let end_secs = start_secs + rng.range(180, 360);
        sessions.push(Session {
            developer,
            start_secs,
            end_secs,
            stream: rng.next_u64(),
            intensity: 0.5 + rng.unit(),
        });
    }
    for day in 0..days {
        let day_start = START_SECS + (day as u32) * 86_400;
        for (developer, workdays) in WORKDAYS.iter().enumerate() {
            if !workdays.get(day % 7).copied().unwrap_or(false) {
                continue;
            }
            let count = rng.range(5, 9);
            let slot_secs = (WORK_HOURS_SECS.1 - WORK_HOURS_SECS.0) / count;
            for slot in 0..count {
                let duration = rng.range(120, 540);
                let slot_start = day_start + WORK_HOURS_SECS.0 + slot * slot_secs;
                let start_secs = slot_start + rng.below(slot_secs - duration);
                sessions.push(Session {
                    developer,
                    start_secs,
                    end_secs: start_secs + duration,
                    stream: rng.next_u64(),
                    intensity: 0.5 + rng.unit(),
                });
            }
        }
    }
    sessions.sort_by_key(|s| (s.start_secs, s.developer));
    sessions
}

/// `count` public IPv4 addresses of scanners, none in the suspect's 201.48.0.0/16.
fn scanner_pool(seed: u64, count: u32) -> Vec<u32> {
    let mut rng = Rng::new(derive(seed, STREAM_SCANNER_POOL));
    let mut pool = Vec::with_capacity(count as usize);
    let mut seen = std::collections::HashSet::with_capacity(count as usize);
    while pool.len() < count as usize {
        let addr = (rng.next_u64() >> 32) as u32;
        if is_public(addr) && addr >> 16 != SUSPECT_IP >> 16 && seen.insert(addr) {
            pool.push(addr);
        }
    }
    pool
}

/// The address of scanner event `event` of window `window` when every event has its
/// own: a bijection of the event's index (so no two events share an address while
/// windows < 8,192, 56 days, and events < 65,536 a window), redrawn up to seven times
/// until public and outside the suspect's /16 (none left: the event is skipped, about
/// once in four million).
fn unique_scanner(window: usize, event: u32) -> Option<u32> {
    let index = (window as u32 & 0x1fff) << 16 | (event & 0xffff);
    (0u32..8)
        .map(|k| permute32(index | k << 29))
        .find(|&addr| is_public(addr) && addr >> 16 != SUSPECT_IP >> 16)
}

/// An invertible mix of 32 bits (each step is a bijection: xor-shift, odd multiply).
fn permute32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

/// False for private, shared, loopback, link-local, documentation, benchmark,
/// multicast and reserved IPv4 ranges.
pub(crate) fn is_public(addr: u32) -> bool {
    const NOT_PUBLIC: [(u32, u32); 13] = [
        (0x0000_0000, 8),  // 0.0.0.0/8
        (0x0a00_0000, 8),  // 10.0.0.0/8
        (0x6440_0000, 10), // 100.64.0.0/10
        (0x7f00_0000, 8),  // 127.0.0.0/8
        (0xa9fe_0000, 16), // 169.254.0.0/16
        (0xac10_0000, 12), // 172.16.0.0/12
        (0xc000_0000, 24), // 192.0.0.0/24
        (0xc000_0200, 24), // 192.0.2.0/24
        (0xc0a8_0000, 16), // 192.168.0.0/16
        (0xc612_0000, 15), // 198.18.0.0/15
        (0xc633_6400, 24), // 198.51.100.0/24
        (0xcb00_7100, 24), // 203.0.113.0/24
        (0xe000_0000, 3),  // 224.0.0.0/3: multicast and reserved
    ];
    NOT_PUBLIC
        .iter()
        .all(|&(network, bits)| (addr ^ network) >> (32 - bits) != 0)
}

/// The suspect's 24 minutes, the same for every seed: one interactive connection
/// from 02:01:27 to 02:25:13, scripted connections with small answers (mostly
/// ~2,100 bytes) until 02:22, then from 02:22:13 the parallel dump of
/// [`BURST_BYTES`].
fn suspect_records() -> Vec<Record> {
    let mut rng = Rng::new(SUSPECT_STREAM);
    let mut out = Vec::new();
    let mut port = rng.range(EPHEMERAL_PORTS.0, 50_000);
    push_connection(
        &mut out,
        &mut rng,
        (SUSPECT_IP, port as u16),
        (SUSPECT_FIRST_START_SECS, SUSPECT_LAST_END_SECS),
        suspect_request,
        suspect_small_response,
    );
    let mut start = SUSPECT_FIRST_START_SECS + rng.range(8, 20);
    while start < BURST_START_SECS - 60 {
        port += rng.range(1, 4);
        let end = start + rng.range(1, 25);
        push_connection(
            &mut out,
            &mut rng,
            (SUSPECT_IP, port as u16),
            (start, end),
            suspect_request,
            suspect_small_response,
        );
        start += rng.range(10, 45);
    }
    for (i, &bytes) in BURST_BYTES.iter().enumerate() {
        port += rng.range(1, 4);
        let start = BURST_START_SECS + if i == 0 { 0 } else { rng.range(1, 30) };
        let end = SUSPECT_LAST_END_SECS - rng.range(1, 40);
        let response_packets = bytes.div_ceil(u64::from(rng.range(1380, 1448)));
        let request_packets = response_packets / 2 + u64::from(rng.range(0, 64));
        push_connection(
            &mut out,
            &mut rng,
            (SUSPECT_IP, port as u16),
            (start, end),
            |rng| Volume::Fixed {
                packets: request_packets,
                bytes: request_packets * 52 + u64::from(rng.range(150, 900)),
            },
            |_| Volume::Fixed {
                packets: response_packets,
                bytes,
            },
        );
    }
    out
}

/// The two records (request client → database, response database → client) of
/// each window a TCP connection to MySQL spans between `span.0` and `span.1`.
fn push_connection(
    out: &mut Vec<Record>,
    rng: &mut Rng,
    client: (u32, u16),
    span: (u32, u32),
    request: impl FnMut(&mut Rng) -> Volume,
    response: impl FnMut(&mut Rng) -> Volume,
) {
    push_conversation(
        out,
        rng,
        client,
        (DATABASE_IP, DATABASE_PORT),
        span,
        request,
        response,
    );
}

/// The two records (request client → server, response server → client) of each
/// window a TCP connection spans between `span.0` and `span.1`, both accepted.
pub(crate) fn push_conversation(
    out: &mut Vec<Record>,
    rng: &mut Rng,
    (client, client_port): (u32, u16),
    (server, server_port): (u32, u16),
    (start, end): (u32, u32),
    mut request: impl FnMut(&mut Rng) -> Volume,
    mut response: impl FnMut(&mut Rng) -> Volume,
) {
    let mut piece_start = start;
    loop {
        let window_last = window_start_of(piece_start) + WINDOW_SECS - 1;
        let last_piece = end <= window_last;
        let piece_end = if last_piece {
            end.max(piece_start)
        } else {
            // The last packet of the interval came a moment before its end.
            (window_last - rng.below(3)).max(piece_start)
        };
        let request = request(rng);
        let response = response(rng);
        out.push(Record {
            start_secs: piece_start,
            end_secs: piece_end,
            srcaddr: client,
            dstaddr: server,
            srcport: client_port,
            dstport: server_port,
            volume: request,
            status: Status::Accept,
        });
        out.push(Record {
            start_secs: piece_start,
            end_secs: piece_end,
            srcaddr: server,
            dstaddr: client,
            srcport: server_port,
            dstport: client_port,
            volume: response,
            status: Status::Accept,
        });
        if last_piece {
            return;
        }
        piece_start = (window_last + 1 + rng.below(3)).min(end);
    }
}

/// A NODATA or SKIPDATA record covering most of the window starting at `start`.
fn marker(start: u32, status: Status) -> Record {
    Record {
        start_secs: start + 3,
        end_secs: start + WINDOW_SECS - 5,
        srcaddr: 0,
        dstaddr: 0,
        srcport: 0,
        dstport: 0,
        volume: Volume::Fixed {
            packets: 0,
            bytes: 0,
        },
        status,
    }
}

pub(crate) fn fixed(packets: u32, bytes: u32) -> Volume {
    Volume::Fixed {
        packets: u64::from(packets),
        bytes: u64::from(bytes),
    }
}

fn baseline_response(rng: &mut Rng) -> Volume {
    Volume::Baseline {
        z: rng.truncated_normal(TRUNCATION),
        bytes_per_packet: rng.range(420, 1400),
    }
}

fn developer_request(rng: &mut Rng) -> Volume {
    let packets = rng.range(3, 14);
    fixed(packets, packets * rng.range(52, 260))
}

fn suspect_request(rng: &mut Rng) -> Volume {
    let packets = rng.range(3, 12);
    fixed(packets, packets * rng.range(60, 200))
}

/// 1,200–5,700 bytes, typically ~2,100 (query results, error messages, schema).
fn suspect_small_response(rng: &mut Rng) -> Volume {
    let roll = rng.unit();
    let bytes = if roll < 0.7 {
        (2100.0 + 260.0 * rng.truncated_normal(TRUNCATION)).round() as u32
    } else if roll < 0.85 {
        rng.range(1200, 1700)
    } else {
        rng.range(2900, 5700)
    };
    let packets = bytes.div_ceil(rng.range(300, 1400));
    fixed(packets, bytes)
}

pub(crate) fn ephemeral_port(rng: &mut Rng) -> u16 {
    rng.range(EPHEMERAL_PORTS.0, EPHEMERAL_PORTS.1) as u16
}

pub(crate) fn pick<T: Copy>(rng: &mut Rng, items: &[T]) -> Option<T> {
    items.get(rng.below(items.len() as u32) as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses() {
        let cases = [
            ([8, 8, 8, 8], true),
            ([201, 48, 16, 81], true),
            ([10, 1, 2, 3], false),
            ([172, 30, 2, 47], false),
            ([172, 32, 0, 1], true),
            ([192, 168, 1, 1], false),
            ([100, 127, 0, 1], false),
            ([100, 128, 0, 1], true),
            ([169, 254, 169, 254], false),
            ([224, 0, 0, 1], false),
            ([255, 255, 255, 255], false),
            ([0, 1, 2, 3], false),
        ];
        for (octets, expected) in cases {
            assert_eq!(
                is_public(u32::from_be_bytes(octets)),
                expected,
                "{octets:?}"
            );
        }
    }

    #[test]
    fn unique_scanners_never_repeat_and_are_public() {
        let mut seen = std::collections::HashSet::new();
        for window in [0usize, 1, 500, 1007] {
            for event in 0..5000 {
                let addr = unique_scanner(window, event).unwrap();
                assert!(is_public(addr) && addr >> 16 != SUSPECT_IP >> 16);
                assert!(seen.insert(addr), "{window} {event}");
            }
        }
        // The default pool is the same as before the pool grew a size.
        assert_eq!(scanner_pool(1, 180).len(), 180);
        assert_eq!(scanner_pool(1, 5)[..], scanner_pool(1, 180)[..5]);
    }

    #[test]
    fn sessions_stay_in_their_hours() {
        for seed in [1, 2, 99] {
            for session in plan_sessions(seed, 7) {
                let night = window_start_secs(NIGHT_WINDOW);
                let day_secs = (session.start_secs - START_SECS) % 86_400;
                let in_night =
                    session.start_secs >= night && session.end_secs < night + WINDOW_SECS;
                let in_work_hours = day_secs >= WORK_HOURS_SECS.0
                    && day_secs + (session.end_secs - session.start_secs) <= WORK_HOURS_SECS.1;
                assert!(in_night || in_work_hours, "{session:?}");
            }
        }
    }
}
