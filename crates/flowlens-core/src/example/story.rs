//! The rest of the incident around the suspect's dump, so that the example week tells
//! the whole story a hunt looks for (all times 2020-09-16 UTC unless said):
//! 1. 00:31:05 — [`GUESSER`] (201.48.16.77, in the suspect's /24) SYN-scans 300 ports
//!    of the database in two and a half minutes; the security group rejects all but
//!    3306, which answers the handshake (no payload).
//! 2. 01:14:50–01:44:30 — the same address guesses MySQL passwords: one short
//!    connection every 8–12 s, each answered by a near-identical "Access denied"
//!    (356 bytes plus the user name's length). Its first attempt is the probed port
//!    accepted with payload.
//! 3. 02:01:27 — the suspect, its neighbour, logs in and stays (the first success),
//!    then dumps the database from 02:22:13 (the seed's records, unchanged).
//! 4. 02:27:40 — the database, which had only ever answered, downloads 2.46 MB from
//!    [`TOOL_HOST`] (a role inversion).
//! 5. 02:31 until 2020-09-17 06:00 — it calls [`C2`]:443 every 300 ± 30 s, a new
//!    connection each time (a beacon); from 02:33:12 to 15:04:50 it also keeps a
//!    connection to [`C2`]:4444 open (a reverse shell: a long connection).
//!
//! The attacker's other hosts are in 203.0.113.0/24 (TEST-NET-3, a documentation
//! range): no real party is implicated. Nothing here talks in the 02:00 window, and the
//! beacon stops before the first NODATA window (Thursday 07:30). Like the suspect's,
//! these records come from a fixed stream: the same for every seed and scale.

use super::rng::Rng;
use super::traffic::{
    ephemeral_port, fixed, pick, push_conversation, Record, Status, Volume, DATABASE_IP,
};
use super::DATABASE_PORT;

/// The scanner and password guesser, a neighbour of the suspect.
pub const GUESSER: &str = "201.48.16.77";
/// The host the database downloads a tool from.
pub const TOOL_HOST: &str = "203.0.113.80";
/// The command-and-control host the database calls.
pub const C2: &str = "203.0.113.45";
/// Start of the port scan, 00:31:05.
pub const SCAN_START_SECS: u32 = 1_600_216_265;
/// Ports scanned (3306 among them).
pub const SCAN_PORTS: u32 = 300;
/// First password guess, 01:14:50.
pub const BRUTE_START_SECS: u32 = 1_600_218_890;
/// No guess starts after this, 01:44:30.
pub const BRUTE_END_SECS: u32 = 1_600_220_670;
/// The tool download, 02:27:40.
pub const DOWNLOAD_SECS: u32 = 1_600_223_260;
/// Bytes downloaded.
pub const DOWNLOAD_BYTES: u64 = 2_462_311;
/// First beacon, 02:31:00.
pub const BEACON_START_SECS: u32 = 1_600_223_460;
/// No beacon starts after this, 2020-09-17T06:00:00Z.
pub const BEACON_END_SECS: u32 = 1_600_322_400;
/// The beacon's period and jitter (uniform ±).
pub const BEACON_PERIOD_SECS: (u32, u32) = (300, 30);
/// The reverse shell, 02:33:12 to 15:04:50.
pub const SHELL_SECS: (u32, u32) = (1_600_223_592, 1_600_268_690);
/// The C2 ports: the beacon's and the shell's.
pub const C2_PORTS: (u16, u16) = (443, 4444);

const GUESSER_IP: u32 = u32::from_be_bytes([201, 48, 16, 77]);
const TOOL_HOST_IP: u32 = u32::from_be_bytes([203, 0, 113, 80]);
const C2_IP: u32 = u32::from_be_bytes([203, 0, 113, 45]);
/// The story's stream does not depend on the seed.
const STORY_STREAM: u64 = 0x5eed_0201_0048_1677;
/// User names the guesser tries.
const USERS: [&str; 7] = [
    "root", "admin", "mysql", "test", "user", "dbadmin", "backup",
];

/// Every record of the story, in no particular order.
pub(crate) fn story_records() -> Vec<Record> {
    let mut rng = Rng::new(STORY_STREAM);
    let mut out = Vec::new();
    scan(&mut rng, &mut out);
    brute_force(&mut rng, &mut out);
    let db = |rng: &mut Rng| (DATABASE_IP, ephemeral_port(rng));
    // The tool download.
    let client = db(&mut rng);
    push_conversation(
        &mut out,
        &mut rng,
        client,
        (TOOL_HOST_IP, 443),
        (DOWNLOAD_SECS, DOWNLOAD_SECS + 7),
        |_| fixed(41, 41 * 52 + 517 + 180),
        |_| Volume::Fixed {
            packets: 1_712,
            bytes: DOWNLOAD_BYTES,
        },
    );
    // The beacon: a new connection every 300 ± 30 s.
    let mut start = BEACON_START_SECS;
    while start <= BEACON_END_SECS {
        let client = db(&mut rng);
        let end = start + rng.range(0, 2);
        push_conversation(
            &mut out,
            &mut rng,
            client,
            (C2_IP, C2_PORTS.0),
            (start, end),
            |rng| fixed(7, 6 * 52 + 517 + rng.range(0, 8)),
            |rng| fixed(6, 1_380 + rng.range(0, 16)),
        );
        let (period, jitter) = BEACON_PERIOD_SECS;
        start += period - jitter + rng.range(0, 2 * jitter);
    }
    // The reverse shell, one connection for twelve and a half hours.
    let client = db(&mut rng);
    push_conversation(
        &mut out,
        &mut rng,
        client,
        (C2_IP, C2_PORTS.1),
        SHELL_SECS,
        |rng| {
            let packets = rng.range(4, 40);
            fixed(packets, packets * rng.range(60, 400))
        },
        |rng| {
            let packets = rng.range(2, 12);
            fixed(packets, packets * rng.range(52, 120))
        },
    );
    out
}

/// A SYN scan of 300 ports from one source port: rejected, except 3306, which answers
/// SYN-ACK and gets a reset (no payload).
fn scan(rng: &mut Rng, out: &mut Vec<Record>) {
    let mut ports: Vec<u16> = (1..SCAN_PORTS as u16).chain([DATABASE_PORT]).collect();
    for i in (1..ports.len()).rev() {
        let j = rng.below(i as u32 + 1) as usize;
        ports.swap(i, j);
    }
    let srcport = ephemeral_port(rng);
    for (i, &port) in ports.iter().enumerate() {
        let start = SCAN_START_SECS + i as u32 / 2;
        let probe = |volume, status| Record {
            start_secs: start,
            end_secs: start,
            srcaddr: GUESSER_IP,
            dstaddr: DATABASE_IP,
            srcport,
            dstport: port,
            volume,
            status,
        };
        if port == DATABASE_PORT {
            out.push(probe(fixed(2, 84), Status::Accept));
            out.push(Record {
                srcaddr: DATABASE_IP,
                dstaddr: GUESSER_IP,
                srcport: port,
                dstport: srcport,
                ..probe(fixed(1, 44), Status::Accept)
            });
        } else {
            let packets = rng.range(1, 2);
            out.push(probe(fixed(packets, packets * 44), Status::Reject));
        }
    }
}

/// One short connection a guess, each answered by "Access denied".
fn brute_force(rng: &mut Rng, out: &mut Vec<Record>) {
    let mut port = u32::from(ephemeral_port(rng));
    let mut start = BRUTE_START_SECS;
    while start <= BRUTE_END_SECS {
        port = if port >= 60_990 {
            32_768
        } else {
            port + rng.range(1, 3)
        };
        let user = pick(rng, &USERS).unwrap_or("root").len() as u32;
        let end = start + rng.range(0, 1);
        push_conversation(
            out,
            rng,
            (GUESSER_IP, port as u16),
            (DATABASE_IP, DATABASE_PORT),
            (start, end),
            |rng| fixed(5, 5 * 52 + 88 + user + rng.range(8, 24)),
            |_| fixed(4, 356 + user),
        );
        start += rng.range(8, 12);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_times_agree_with_their_constants() {
        let dotted = |a: u32| std::net::Ipv4Addr::from(a).to_string();
        assert_eq!(dotted(GUESSER_IP), GUESSER);
        assert_eq!(dotted(TOOL_HOST_IP), TOOL_HOST);
        assert_eq!(dotted(C2_IP), C2);
        let records = story_records();
        let night = (1_600_221_600, 1_600_222_200);
        assert!(records
            .iter()
            .all(|r| r.end_secs < night.0 || r.start_secs >= night.1));
        let first = records.iter().map(|r| r.start_secs).min().unwrap();
        let last = records.iter().map(|r| r.end_secs).max().unwrap();
        assert_eq!(first, SCAN_START_SECS);
        assert!(last <= BEACON_END_SECS + 60, "{last}");
        // 299 rejected probes, one answered handshake.
        let rejected = records
            .iter()
            .filter(|r| r.status == Status::Reject)
            .count();
        assert_eq!(rejected, 299);
    }
}
