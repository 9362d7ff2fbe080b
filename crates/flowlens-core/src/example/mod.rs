//! The example week: a deterministic, generated copy of the honeypot case that
//! defines flowlens (see `docs/investigation.md`), so a newcomer sees the product work in
//! one click ("Load the example week" on the page, `flowlens example OUT` on the
//! command line).
//!
//! A MySQL database (RDS, [`DATABASE`]:[`DATABASE_PORT`]) is reachable from the
//! internet. Flow logs of its one network interface, in the default format with 10-minute
//! aggregation, fill 7 × 144 = [`file_count`] S3 objects from 2020-09-16T00:00Z.
//! Three [`DEVELOPERS`] use the database in short sessions in working hours (and
//! once at 02:00 on the first night); internet scanners probe it now and then. On
//! 2020-09-16 the [`SUSPECT`] connects from 02:01:27 to 02:25:13 and, in its last
//! three minutes, pulls [`BURST_BYTES`] — almost 1 GB — through 14 parallel
//! connections. All database responses except the suspect's make the baseline:
//! mean [`BASELINE_MEAN_BYTES`], sample standard deviation [`BASELINE_STD_DEV_BYTES`].
//!
//! Why generated, not shipped: the week is ~17 MB of text at scale 1 and can be
//! made as large as wanted ([`ExampleOptions::scale`]) for load tests. Generation
//! uses std only (its own PRNG, no clock, no threads, no I/O, no transcendental
//! floating point), so the CLI and the WebAssembly page produce the same bytes
//! (checked: identical digests natively and in wasm32), and it streams: one
//! window's file at a time goes to the caller's sink.
//!
//! The baseline numbers are exact by construction: the week is drawn twice from the
//! same streams — once to measure the raw background responses, once to write them
//! after an affine correction that puts the sample mean and σ of every port-3306 flow
//! not to the suspect (the background's and the few fixed ones of the [`story`]) on the
//! targets.
//!
//! Around the suspect the week tells the whole incident ([`story`]): a neighbour of the
//! suspect scans the database and guesses MySQL passwords before the suspect logs in;
//! after the dump the database downloads a tool, beacons to a C2 host and keeps a
//! reverse shell open. [`ExampleOptions::incident`] `false` leaves all of it out (the
//! background alone, for false-alarm tests). The knobs of [`ExampleOptions`] also make
//! the large weeks of load tests: millions of distinct scanner addresses, a month.

pub mod incident;
mod rng;
pub mod story;
mod traffic;

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use traffic::{Record, Status, Volume, Week, DATABASE_IP, SUSPECT_IP};

/// The suspect's public address (placed in Brazil by the investigation).
pub const SUSPECT: &str = "201.48.16.81";
/// The database's private address: every record has it as srcaddr or dstaddr.
pub const DATABASE: &str = "172.30.2.47";
/// MySQL.
pub const DATABASE_PORT: u16 = 3306;
/// The three developers' addresses (reached through the VPN into the VPC).
pub const DEVELOPERS: [&str; 3] = ["172.30.0.18", "172.30.1.105", "172.30.3.62"];
/// Start of the week, 2020-09-16T00:00:00Z (Unix seconds).
pub const START_SECS: u32 = 1_600_214_400;
/// Aggregation interval and file window.
pub const WINDOW_SECS: u32 = 600;
/// Days in the week.
pub const DAYS: usize = 7;
/// Windows (files) per day.
pub const WINDOWS_PER_DAY: usize = 144;
/// The AWS account that owns the interface and the bucket.
pub const ACCOUNT_ID: &str = "123456789012";
/// The region in the S3 keys.
pub const REGION: &str = "us-east-1";
/// The database's network interface (the only one logged).
pub const INTERFACE_ID: &str = "eni-07b3d2f1e4a5c6980";
/// The flow log's id in the S3 keys.
pub const FLOW_LOG_ID: &str = "fl-0a1b2c3d4e5f60718";
/// The header line of every file (default format, version 2), without line end.
pub const HEADER: &str =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
/// The suspect's first record start: 2020-09-16T02:01:27Z.
pub const SUSPECT_FIRST_START_SECS: u32 = 1_600_221_687;
/// The suspect's last record end: 2020-09-16T02:25:13Z.
pub const SUSPECT_LAST_END_SECS: u32 = 1_600_223_113;
/// Start of the exfiltration burst, 2020-09-16T02:22:13Z (three minutes before the end).
pub const BURST_START_SECS: u32 = 1_600_222_933;
/// Bytes of the burst's database → suspect flows, in order of connection: mean
/// exactly 68,040,000 (68.04 MB), max 73,048,215, total 952,560,000.
pub const BURST_BYTES: [u64; 14] = [
    69_767_974, 72_288_044, 68_263_134, 66_481_771, 64_324_305, 73_048_215, 65_122_994, 62_107_962,
    67_763_196, 67_676_160, 70_435_283, 69_779_956, 72_145_162, 63_355_844,
];
/// Sample mean of the baseline: bytes of every srcport-3306 record not to the suspect.
pub const BASELINE_MEAN_BYTES: f64 = 5614.02;
/// Sample standard deviation of the baseline.
pub const BASELINE_STD_DEV_BYTES: f64 = 712.74;

/// Where the internet scanners' addresses come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scanners {
    /// A pool of this many addresses, each event picking one (the default: 180).
    Pool(u32),
    /// A new address for every event.
    Unique,
}

/// How to generate the week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleOptions {
    /// ≥ 1 (0 counts as 1): multiplies the background (developers and scanners)
    /// about `scale`-fold; the suspect never changes. Scale 1 is ~150,000 records
    /// (~17 MB of text); scale 60 is ~1 GB (~9 million records).
    pub scale: u32,
    /// Seeds the background; the suspect's records are the same for every seed.
    pub seed: u64,
    /// True (the default): the suspect and the rest of the [`story`]. False: the
    /// background alone.
    pub incident: bool,
    /// The scanners' addresses.
    pub scanners: Scanners,
    /// Scanner events per 10-minute window (±25 %); `None`: 1–4 per scale unit. An
    /// event is a MySQL login attempt (2 records) or a rejected probe (1).
    pub scanner_events: Option<u32>,
    /// Days (≥ 1) from 2020-09-16; the working week repeats.
    pub days: u32,
}

impl Default for ExampleOptions {
    fn default() -> Self {
        ExampleOptions {
            scale: 1,
            seed: 1,
            incident: true,
            scanners: Scanners::Pool(traffic::SCANNER_COUNT),
            scanner_events: None,
            days: DAYS as u32,
        }
    }
}

impl ExampleOptions {
    /// How many files [`generate`] makes: 144 ten-minute windows a day.
    pub fn file_count(&self) -> usize {
        self.days.max(1) as usize * WINDOWS_PER_DAY
    }
}

/// One flow-log object of the week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFile {
    /// Its S3 key, relative: `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/
    /// <account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz`,
    /// the time stamp being the window's start.
    pub path: String,
    /// The uncompressed content: [`HEADER`] then the records, each line ending in `\n`.
    /// [`gzip`] makes the `.log.gz` bytes.
    pub text: Vec<u8>,
}

/// Generates the week and calls `sink` once per file, in time order. Streaming:
/// only one window's records (and the developer sessions running across it) are
/// held at a time. Same options ⇒ byte-identical files, on every platform.
pub fn generate(options: &ExampleOptions, mut sink: impl FnMut(ExampleFile)) {
    let week = Week::new(options);
    let mut moments = Moments::default();
    week.for_each_window(|_, records| {
        for record in records.iter() {
            match record.volume {
                Volume::Baseline { z, .. } => moments.add(z),
                Volume::Fixed { bytes, .. } if in_baseline(record) => moments.add_fixed(bytes),
                Volume::Fixed { .. } => {}
            }
        }
    });
    let calibration = Calibration::new(&moments);
    let prefix = line_prefix();
    week.for_each_window(|window, records| {
        records.sort_by_key(|r| (r.start_secs, r.end_secs));
        let mut text = Vec::with_capacity(HEADER.len() + 1 + records.len() * 120);
        text.extend_from_slice(HEADER.as_bytes());
        text.push(b'\n');
        for record in records.iter() {
            push_record(&mut text, prefix.as_bytes(), record, &calibration);
        }
        sink(ExampleFile {
            path: file_path(window),
            text,
        });
    });
}

/// How many files [`generate`] makes for the default week: 7 days × 144 ten-minute
/// windows = 1008 ([`ExampleOptions::file_count`] for others).
pub fn file_count() -> usize {
    ExampleOptions::default().file_count()
}

/// True for a record the verdict's baseline counts: a flow from port 3306 not to the
/// suspect.
fn in_baseline(record: &Record) -> bool {
    record.srcaddr == DATABASE_IP
        && record.srcport == DATABASE_PORT
        && record.dstaddr != SUSPECT_IP
        && matches!(record.status, Status::Accept | Status::Reject)
}

/// The S3 key of the file of window `window` (0 = 2020-09-16T00:00Z).
pub fn file_path(window: usize) -> String {
    let start = i64::from(START_SECS) + window as i64 * i64::from(WINDOW_SECS);
    let (year, month, day) = crate::time::civil_from_days(start.div_euclid(86_400));
    let secs_of_day = start.rem_euclid(86_400);
    let (hour, minute) = (secs_of_day / 3600, secs_of_day % 3600 / 60);
    // The hash part of real keys is opaque; this one is fixed per window.
    let hash = rng::mix64(window as u64 ^ 0x00c0_ffee_f10e_1005) as u32;
    format!(
        "AWSLogs/{ACCOUNT_ID}/vpcflowlogs/{REGION}/{year:04}/{month:02}/{day:02}/\
         {ACCOUNT_ID}_vpcflowlogs_{REGION}_{FLOW_LOG_ID}_\
         {year:04}{month:02}{day:02}T{hour:02}{minute:02}Z_{hash:08x}.log.gz"
    )
}

/// Gzip-compresses `text` at a fast level (what the CLI writes as `.log.gz`).
pub fn gzip(text: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(text.len() / 5 + 64), Compression::fast());
    // NOTE: writing into a Vec cannot fail; the default only keeps this function
    // free of a panic path.
    encoder
        .write_all(text)
        .and_then(|()| encoder.finish())
        .unwrap_or_default()
}

/// Sums of the raw background responses (standard units), and of the fixed byte
/// counts that share their baseline.
#[derive(Debug, Default)]
struct Moments {
    count: u64,
    sum: f64,
    sum_sq: f64,
    fixed_count: u64,
    fixed_sum: f64,
    /// Σ (bytes − target mean)².
    fixed_sq_dev: f64,
}

impl Moments {
    fn add(&mut self, z: f64) {
        self.count += 1;
        self.sum += z;
        self.sum_sq += z * z;
    }

    fn add_fixed(&mut self, bytes: u64) {
        let b = bytes as f64;
        self.fixed_count += 1;
        self.fixed_sum += b;
        self.fixed_sq_dev += (b - BASELINE_MEAN_BYTES) * (b - BASELINE_MEAN_BYTES);
    }
}

/// The affine map from raw `z` to bytes that gives the baseline — the background
/// responses with the fixed byte counts beside them — exactly the target sample mean
/// and standard deviation.
///
/// With n responses `mean + b·(z − z̄)` and m fixed counts F (N = n + m): the mean is
/// the target μ when `mean = (N·μ − ΣF) / n`; the sample variance is the target s² when
/// `b² = ((N − 1)·s² − Σ(F − μ)² − n·(mean − μ)²) / Σ(z − z̄)²`.
#[derive(Debug)]
struct Calibration {
    mean_z: f64,
    mean_bytes: f64,
    bytes_per_z: f64,
}

impl Calibration {
    fn new(moments: &Moments) -> Self {
        if moments.count < 2 {
            return Calibration {
                mean_z: 0.0,
                mean_bytes: BASELINE_MEAN_BYTES,
                bytes_per_z: BASELINE_STD_DEV_BYTES,
            };
        }
        let n = moments.count as f64;
        let total = n + moments.fixed_count as f64;
        let mean_z = moments.sum / n;
        let mean_bytes = (total * BASELINE_MEAN_BYTES - moments.fixed_sum) / n;
        let szz = moments.sum_sq - n * mean_z * mean_z;
        let shift = mean_bytes - BASELINE_MEAN_BYTES;
        let target = (total - 1.0) * BASELINE_STD_DEV_BYTES * BASELINE_STD_DEV_BYTES
            - moments.fixed_sq_dev
            - n * shift * shift;
        let bytes_per_z = if szz > 0.0 && target > 0.0 {
            (target / szz).sqrt()
        } else {
            BASELINE_STD_DEV_BYTES
        };
        Calibration {
            mean_z,
            mean_bytes,
            bytes_per_z,
        }
    }

    fn bytes(&self, z: f64) -> u64 {
        let bytes = self.mean_bytes + (z - self.mean_z) * self.bytes_per_z;
        bytes.round().max(1.0) as u64
    }
}

/// The constant start of every line: version, account-id, interface-id.
fn line_prefix() -> String {
    format!("2 {ACCOUNT_ID} {INTERFACE_ID} ")
}

fn push_record(text: &mut Vec<u8>, prefix: &[u8], record: &Record, calibration: &Calibration) {
    text.extend_from_slice(prefix);
    let no_traffic_status = match record.status {
        Status::NoData => Some("NODATA"),
        Status::SkipData => Some("SKIPDATA"),
        Status::Accept | Status::Reject => None,
    };
    if let Some(status) = no_traffic_status {
        text.extend_from_slice(b"- - - - - - - ");
        push_u64(text, u64::from(record.start_secs));
        text.push(b' ');
        push_u64(text, u64::from(record.end_secs));
        text.extend_from_slice(b" - ");
        text.extend_from_slice(status.as_bytes());
        text.push(b'\n');
        return;
    }
    let (packets, bytes) = match record.volume {
        Volume::Fixed { packets, bytes } => (packets, bytes),
        Volume::Baseline {
            z,
            bytes_per_packet,
        } => {
            let bytes = calibration.bytes(z);
            (bytes.div_ceil(u64::from(bytes_per_packet.max(1))), bytes)
        }
    };
    push_ipv4(text, record.srcaddr);
    text.push(b' ');
    push_ipv4(text, record.dstaddr);
    text.push(b' ');
    push_u64(text, u64::from(record.srcport));
    text.push(b' ');
    push_u64(text, u64::from(record.dstport));
    text.extend_from_slice(b" 6 ");
    push_u64(text, packets);
    text.push(b' ');
    push_u64(text, bytes);
    text.push(b' ');
    push_u64(text, u64::from(record.start_secs));
    text.push(b' ');
    push_u64(text, u64::from(record.end_secs));
    text.extend_from_slice(if record.status == Status::Reject {
        b" REJECT OK\n"
    } else {
        b" ACCEPT OK\n"
    });
}

/// Decimal digits of `value` (a hot path: ~1 billion digits at scale 60).
fn push_u64(text: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(digit) = digits.get_mut(at) {
            *digit = b'0' + (value % 10) as u8;
        }
        value /= 10;
        if value == 0 || at == 0 {
            break;
        }
    }
    text.extend_from_slice(digits.get(at..).unwrap_or_default());
}

/// Dotted-quad form of an IPv4 address.
fn push_ipv4(text: &mut Vec<u8>, addr: u32) {
    for (i, octet) in addr.to_be_bytes().into_iter().enumerate() {
        if i > 0 {
            text.push(b'.');
        }
        push_u64(text, u64::from(octet));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::io::Read;
    use std::sync::OnceLock;

    /// mean + 3σ of the intended baseline.
    const THRESHOLD_BYTES: f64 = 5614.02 + 3.0 * 712.74;
    const NIGHT_START: u64 = 1_600_221_600;

    /// What the tests check, read back from the generated text with an ad-hoc
    /// parser (independent of the generator's internals and of `crate::flow`).
    #[derive(Debug, Default)]
    struct Summary {
        paths: Vec<String>,
        /// FNV-1a over every path and text.
        digest: u64,
        records: usize,
        text_bytes: usize,
        /// Records not involving the suspect (and not NODATA / SKIPDATA).
        background_records: usize,
        suspect_lines: Vec<String>,
        suspect_first_start: u64,
        suspect_last_end: u64,
        /// Bytes of srcport-3306 records not to the suspect.
        baseline: Vec<f64>,
        /// (start, end, bytes) of database → suspect records.
        suspect_responses: Vec<(u64, u64, u64)>,
        night_sources: BTreeSet<String>,
        /// (file index, how many records that file has) of each NODATA record.
        nodata: Vec<(usize, usize)>,
        skipdata_files: Vec<usize>,
        problems: Vec<String>,
    }

    fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash
    }

    fn summarize(options: &ExampleOptions) -> Summary {
        let mut s = Summary {
            digest: 0xcbf2_9ce4_8422_2325,
            suspect_first_start: u64::MAX,
            ..Summary::default()
        };
        let mut index = 0usize;
        generate(options, |file| {
            s.digest = fnv(fnv(s.digest, file.path.as_bytes()), &file.text);
            s.text_bytes += file.text.len();
            check_file(&mut s, index, &file);
            s.paths.push(file.path);
            index += 1;
        });
        s
    }

    fn check_file(s: &mut Summary, index: usize, file: &ExampleFile) {
        let window_start = 1_600_214_400 + 600 * index as u64;
        let problem = |s: &mut Summary, what: String| {
            if s.problems.len() < 20 {
                s.problems.push(format!("{}: {what}", file.path));
            }
        };
        let expected_day = 16 + index / 144;
        let (hour, minute) = (index % 144 / 6, index % 6 * 10);
        let folder =
            format!("AWSLogs/123456789012/vpcflowlogs/us-east-1/2020/09/{expected_day:02}/");
        let stamp = format!("_2020-09-{expected_day:02}T{hour:02}{minute:02}Z_").replace('-', "");
        let name = file.path.strip_prefix(&folder).unwrap_or("");
        if !name.starts_with("123456789012_vpcflowlogs_us-east-1_fl-")
            || !name.contains(&stamp)
            || !name.ends_with(".log.gz")
        {
            problem(s, format!("name, expected {folder}…{stamp}…"));
        }
        let text = std::str::from_utf8(&file.text).expect("utf-8");
        assert!(text.ends_with('\n'));
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
        );
        let lines: Vec<&str> = lines.collect();
        for line in &lines {
            s.records += 1;
            let f: Vec<&str> = line.split(' ').collect();
            if f.len() != 14 || f[0] != "2" || f[1] != ACCOUNT_ID || f[2] != INTERFACE_ID {
                problem(s, format!("fields: {line}"));
                continue;
            }
            let start: u64 = f[10].parse().expect("start");
            let end: u64 = f[11].parse().expect("end");
            if !(window_start <= start && start <= end && end < window_start + 600) {
                problem(s, format!("time outside the window: {line}"));
            }
            if f[13] == "NODATA" || f[13] == "SKIPDATA" {
                if f[3..10].iter().any(|v| *v != "-") || f[12] != "-" {
                    problem(s, format!("marker: {line}"));
                }
                if f[13] == "NODATA" {
                    s.nodata.push((index, lines.len()));
                } else {
                    s.skipdata_files.push(index);
                }
                continue;
            }
            let (src, dst) = (f[3], f[4]);
            let srcport: u32 = f[5].parse().expect("srcport");
            let dstport: u32 = f[6].parse().expect("dstport");
            let packets: u64 = f[8].parse().expect("packets");
            let bytes: u64 = f[9].parse().expect("bytes");
            if f[13] != "OK"
                || f[7] != "6"
                || packets == 0
                || bytes < 40 * packets
                || bytes > 9001 * packets
            {
                problem(s, format!("counters: {line}"));
            }
            if src != DATABASE && dst != DATABASE {
                problem(s, format!("not the database: {line}"));
            }
            // One side is a server port, the other a client's ephemeral port.
            let (client_port, server_port) = (srcport.max(dstport), srcport.min(dstport));
            if !(32_768..=60_999).contains(&client_port) || server_port >= 32_768 {
                problem(s, format!("client port: {line}"));
            }
            let story_host = src.starts_with("203.0.113.") || dst.starts_with("203.0.113.");
            match f[12] {
                "ACCEPT" if srcport == 3306 || dstport == 3306 => {}
                "ACCEPT" if story_host => {}
                "REJECT" if src != DATABASE && dstport != 3306 => {}
                _ => problem(s, format!("action: {line}")),
            }
            if (NIGHT_START..NIGHT_START + 600).contains(&start) {
                s.night_sources.insert(src.to_string());
            }
            if src == SUSPECT || dst == SUSPECT {
                s.suspect_lines.push(line.to_string());
                s.suspect_first_start = s.suspect_first_start.min(start);
                s.suspect_last_end = s.suspect_last_end.max(end);
                if src == DATABASE {
                    s.suspect_responses.push((start, end, bytes));
                }
            } else {
                s.background_records += 1;
                if srcport == 3306 {
                    s.baseline.push(bytes as f64);
                }
            }
        }
    }

    fn default_week() -> &'static Summary {
        static WEEK: OnceLock<Summary> = OnceLock::new();
        WEEK.get_or_init(|| summarize(&ExampleOptions::default()))
    }

    /// Two-pass sample mean and standard deviation.
    fn mean_std(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var.sqrt())
    }

    #[test]
    fn every_file_and_record_is_well_formed() {
        let week = default_week();
        assert_eq!(file_count(), 1008);
        assert_eq!(week.paths.len(), 1008);
        let hash_part = week.paths[0]
            .strip_prefix("AWSLogs/123456789012/vpcflowlogs/us-east-1/2020/09/16/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_20200916T0000Z_")
            .and_then(|rest| rest.strip_suffix(".log.gz"))
            .expect("first key");
        assert!(hash_part.len() == 8 && hash_part.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(
            week.paths[1007].contains("/2020/09/22/")
                && week.paths[1007].contains("_20200922T2350Z_")
        );
        assert_eq!(
            week.paths.iter().collect::<BTreeSet<_>>().len(),
            1008,
            "distinct names"
        );
        assert!(week.problems.is_empty(), "{:#?}", week.problems);
        assert!(
            (50_000..300_000).contains(&week.records),
            "{} records",
            week.records
        );
    }

    #[test]
    fn constants_match_the_addresses_written() {
        use traffic::{DATABASE_IP, DEVELOPER_IPS, SUSPECT_IP};
        let dotted = |a: u32| std::net::Ipv4Addr::from(a).to_string();
        assert_eq!(dotted(DATABASE_IP), DATABASE);
        assert_eq!(dotted(SUSPECT_IP), SUSPECT);
        for (ip, text) in DEVELOPER_IPS.iter().zip(DEVELOPERS) {
            assert_eq!(dotted(*ip), text);
            assert!(text.starts_with("172.30."));
        }
        assert!(DATABASE.starts_with("172.30."));
        assert_eq!(BURST_BYTES.iter().sum::<u64>(), 14 * 68_040_000);
    }

    #[test]
    fn suspect_is_present_from_0201_27_to_0225_13() {
        let week = default_week();
        assert_eq!(week.suspect_first_start, 1_600_221_687);
        assert_eq!(week.suspect_last_end, 1_600_223_113);
        assert_eq!(
            u64::from(SUSPECT_FIRST_START_SECS),
            week.suspect_first_start
        );
        assert_eq!(u64::from(SUSPECT_LAST_END_SECS), week.suspect_last_end);
    }

    #[test]
    fn baseline_has_the_case_moments() {
        let week = default_week();
        let (mean, std) = mean_std(&week.baseline);
        assert!(week.baseline.len() >= 5000, "{}", week.baseline.len());
        assert!((mean / 5614.02 - 1.0).abs() < 0.01, "mean {mean}");
        assert!((std / 712.74 - 1.0).abs() < 0.01, "std {std}");
        let above = week
            .baseline
            .iter()
            .filter(|&&b| b > THRESHOLD_BYTES)
            .count();
        assert!(
            above <= week.baseline.len() / 1000,
            "{above} above mean + 3σ"
        );
    }

    #[test]
    fn suspect_takes_about_a_gigabyte_in_its_last_three_minutes() {
        let week = default_week();
        let (burst, small): (Vec<_>, Vec<_>) = week
            .suspect_responses
            .iter()
            .partition(|(_, _, bytes)| *bytes as f64 > THRESHOLD_BYTES);
        assert!(
            (12..=16).contains(&burst.len()),
            "{} burst flows",
            burst.len()
        );
        for (start, end, _) in &burst {
            assert!(*start >= 1_600_222_933 && *end <= 1_600_223_113);
        }
        let burst_bytes: Vec<f64> = burst.iter().map(|(_, _, b)| *b as f64).collect();
        let (mean, _) = mean_std(&burst_bytes);
        let max = burst_bytes.iter().cloned().fold(0.0, f64::max);
        let total: f64 = burst_bytes.iter().sum();
        assert!((mean / 68.04e6 - 1.0).abs() < 0.03, "burst mean {mean}");
        assert!((70e6..=75e6).contains(&max), "burst max {max}");
        assert!((0.9e9..=1.1e9).contains(&total), "burst total {total}");
        assert!(small.len() >= 20, "{} small responses", small.len());
        let mut small_bytes: Vec<u64> = small.iter().map(|(_, _, b)| *b).collect();
        small_bytes.sort_unstable();
        assert!(
            small_bytes.iter().all(|b| (1200..=5700).contains(b)),
            "{small_bytes:?}"
        );
        let median = small_bytes[small_bytes.len() / 2];
        assert!((1800..=2500).contains(&median), "median {median}");
    }

    #[test]
    fn night_window_sources_are_database_developers_and_suspect() {
        let mut expected: BTreeSet<String> = DEVELOPERS.iter().map(|d| d.to_string()).collect();
        expected.insert(DATABASE.to_string());
        expected.insert(SUSPECT.to_string());
        assert_eq!(default_week().night_sources, expected);
    }

    #[test]
    fn nodata_windows_are_empty_and_one_skipdata_comes_later() {
        let week = default_week();
        assert!((2..=10).contains(&week.nodata.len()), "{:?}", week.nodata);
        for (file, records) in &week.nodata {
            assert_eq!(*records, 1, "NODATA file {file} has other records");
        }
        assert_eq!(week.skipdata_files.len(), 1);
        assert!(week.skipdata_files[0] >= 144, "SKIPDATA on a later day");
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_background_same_suspect() {
        let week = default_week();
        let again = summarize(&ExampleOptions::default());
        assert_eq!(again.digest, week.digest);
        let other = summarize(&ExampleOptions {
            scale: 1,
            seed: 2,
            ..ExampleOptions::default()
        });
        assert_ne!(other.digest, week.digest);
        assert_eq!(other.suspect_lines, week.suspect_lines);
        assert!(other.problems.is_empty(), "{:#?}", other.problems);
        let (mean, std) = mean_std(&other.baseline);
        assert!((mean / 5614.02 - 1.0).abs() < 0.03 && (std / 712.74 - 1.0).abs() < 0.03);
        assert_eq!(other.night_sources, week.night_sources);
    }

    #[test]
    fn scale_multiplies_background_only() {
        let week = default_week();
        let double = summarize(&ExampleOptions {
            scale: 2,
            seed: 1,
            ..ExampleOptions::default()
        });
        let ratio = double.background_records as f64 / week.background_records as f64;
        assert!((1.8..=2.2).contains(&ratio), "ratio {ratio}");
        assert_eq!(double.suspect_lines, week.suspect_lines);
        let (mean, std) = mean_std(&double.baseline);
        assert!((mean / 5614.02 - 1.0).abs() < 0.03 && (std / 712.74 - 1.0).abs() < 0.03);
        assert!(double.problems.is_empty(), "{:#?}", double.problems);
        // Scale 0 is read as 1.
        assert_eq!(
            summarize(&ExampleOptions {
                scale: 0,
                seed: 1,
                ..ExampleOptions::default()
            })
            .digest,
            week.digest
        );
    }

    #[test]
    fn gzip_round_trips() {
        let mut first = None;
        generate(&ExampleOptions::default(), |file| {
            if first.is_none() {
                first = Some(file);
            }
        });
        let file = first.expect("a file");
        let compressed = gzip(&file.text);
        assert_eq!(&compressed[..2], &[0x1f, 0x8b]);
        assert!(compressed.len() < file.text.len());
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_end(&mut decoded)
            .expect("gunzip");
        assert_eq!(decoded, file.text);
    }
}
