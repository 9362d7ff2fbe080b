//! The messages between the page and its worker.
//!
//! The worker holds the data set; the page holds only what it shows. Every message is
//! one `postMessage` of a two-element array `[json, files]`: `json` is a [`Request`] or
//! [`Response`] as JSON text, and `files` is an array of `File` objects (a read request
//! only; `null` otherwise). `File` objects are posted as they are: structured clone
//! hands the worker a reference to the file on disk, not a copy of its bytes.
//!
//! The worker turns the core's [`flowlens_core::analysis::Report`] into an [`AnalysisView`]:
//! exactly what the panels draw, plus the report itself as the JSON text that the
//! "Download report" button saves (the same bytes as `flowlens analyze --json`).

use serde::{Deserialize, Serialize};

use flowlens_core::geo::{Geo, GeoDatabase};

/// A request from the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    /// Read the files posted beside it and add them to the data set; `names` are their
    /// paths (folder-relative where known), in the same order.
    Read {
        /// One name per posted file.
        names: Vec<String>,
        /// More `Read` batches of the same drop follow: the page posts a big drop in
        /// batches (one structured clone of a thousand `File`s blocks the page), and
        /// the worker must not report the end of reading between them.
        #[serde(default)]
        more: bool,
        /// The record format for files without a header line (CloudWatch Logs,
        /// Firehose), as the user typed it in the format box; `None`: the default.
        #[serde(default)]
        format: Option<String>,
    },
    /// Generate the example week inside the worker and read it.
    Example,
    /// Stop reading; what was read so far is kept.
    Cancel,
    /// Forget everything read.
    Clear,
    /// Analyse the data set.
    Analyze(AnalyzeRequest),
    /// Tests only (`?flowlens-test-panic=worker`): panic on purpose while reading the
    /// next file, to show that a worker panic reaches the user.
    ArmTestPanic,
    /// Where the address table is (an absolute URL on the page's own origin; the
    /// worker, started from a `blob:` URL, cannot resolve a relative one). Sent once,
    /// when the worker is ready; the worker fetches it only when the first files
    /// are given (or the first analysis is asked for).
    GeoSource {
        /// The table's URL.
        url: String,
    },
}

/// Which records the answers cover.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "start_secs", rename_all = "snake_case")]
pub enum RangeChoice {
    /// Every record.
    #[default]
    All,
    /// The UTC day starting at this second.
    Day(u32),
    /// The 10-minute aggregation window starting at this second.
    Window(u32),
}

/// One analysis: everything the page's controls set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalyzeRequest {
    /// The data set it is for ([`Summary::data_version`]); the worker ignores
    /// requests for data it no longer has.
    pub data_version: u32,
    /// The range.
    pub range: RangeChoice,
    /// The selected address; `None` lets the analysis pick the top of the ranking.
    pub suspect: Option<String>,
    /// The protected service's port; `None` detects it.
    pub service_port: Option<u16>,
    /// Threshold = mean + k·σ.
    pub k: f64,
    /// The user's own networks (CIDR text, each already checked by the page).
    pub known: Vec<String>,
}

/// A message from the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    /// The worker is loaded and takes requests.
    Ready,
    /// Reading is under way.
    Progress(Progress),
    /// Reading stopped (all read, cancelled or cleared): the data set as it now is.
    Read(Summary),
    /// The answer to an [`AnalyzeRequest`].
    Analysis(Box<AnalysisView>),
    /// Something the worker could not do (a request it could not understand); shown
    /// in the error banner.
    Failed {
        /// Words for the user.
        message: String,
    },
    /// The worker panicked: it takes no more requests until the page is reloaded.
    Stopped {
        /// Words for the user, with what to do.
        message: String,
    },
}

/// How far reading has got, over every file queued since reading started.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Files finished.
    pub files_done: u64,
    /// Files queued.
    pub files_total: u64,
    /// Input bytes read (compressed bytes for gzip files).
    pub bytes_read: u64,
    /// Input bytes queued.
    pub bytes_total: u64,
    /// Records in the data set.
    pub records: u64,
    /// The file being read.
    pub current: String,
}

/// The data set as read so far: the summary panel, diagnostics and range choices.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Changes whenever the data set does.
    pub data_version: u32,
    /// Files read.
    pub files: u64,
    /// Records kept.
    pub records: u64,
    /// NODATA records.
    pub nodata: u64,
    /// SKIPDATA records.
    pub skipdata: u64,
    /// Input bytes read.
    pub bytes_read: u64,
    /// Bytes of text after decompression.
    pub text_bytes: u64,
    /// Earliest record start.
    pub first_start: Option<u32>,
    /// Latest record end.
    pub last_end: Option<u32>,
    /// Diagnostics as `file:line: message`, the first [`Summary::MAX_DIAGNOSTICS`].
    pub diagnostics: Vec<String>,
    /// Every diagnostic, counted.
    pub diagnostics_total: u64,
    /// Starts of the 10-minute windows present.
    pub windows: Vec<u32>,
    /// Starts (UTC midnight) of the days present.
    pub days: Vec<u32>,
    /// True when the last reading was cancelled before its end.
    pub cancelled: bool,
    /// The record limit the page keeps, when reading stopped there.
    pub record_limit: Option<u64>,
    /// Parse workers that read files in the last reading (0: the worker read them
    /// all itself).
    #[serde(default)]
    pub parse_workers: u32,
    /// What was read per form (S3 text, Parquet, CloudWatch export, …): files,
    /// records, and files whose format was assumed.
    #[serde(default)]
    pub forms: Vec<flowlens_core::flow::FormCount>,
}

impl Summary {
    /// Diagnostics sent to the page one by one; the report has them all.
    pub const MAX_DIAGNOSTICS: usize = 1000;
}

/// One row of the sources table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceRow {
    /// The address.
    pub addr: String,
    /// `private`, `known` or `public`.
    pub class: String,
    /// Records it sent.
    pub flows: u64,
    /// Packets it sent.
    pub packets: u64,
    /// Bytes it sent.
    pub bytes_sent: u64,
    /// Bytes it received.
    pub bytes_received: u64,
    /// Earliest start.
    pub first_start: Option<u32>,
    /// Latest end.
    pub last_end: Option<u32>,
    /// Country and autonomous system, when the address table knows the address.
    #[serde(default)]
    pub geo: Option<Geo>,
}

/// One flow of the selected address on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowMark {
    /// Start (Unix seconds).
    pub start: u32,
    /// End (Unix seconds).
    pub end: u32,
    /// Bytes.
    pub bytes: u64,
    /// True when the address sent it.
    pub outbound: bool,
}

/// One session of the selected address.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    /// Start of its first flow.
    pub start: u32,
    /// Latest end.
    pub end: u32,
    /// Records in it.
    pub flows: u64,
    /// Bytes in it.
    pub bytes: u64,
}

/// When the selected address was there (questions 2 and 3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpanView {
    /// Earliest start over all data.
    pub first_start: u32,
    /// Latest end over all data.
    pub last_end: u32,
    /// Their difference.
    pub duration_secs: u32,
    /// The same within the range: `(first_start, last_end, duration_secs)`.
    pub in_range: Option<(u32, u32, u32)>,
    /// Gap that separates sessions.
    pub session_gap_secs: u32,
    /// Sessions, in time order.
    pub sessions: Vec<SessionView>,
}

/// One bin of the histogram: flows with `lo <= bytes < hi`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BinView {
    /// Lower bound.
    pub lo: u64,
    /// Upper bound (exclusive).
    pub hi: u64,
    /// Flows in it.
    pub count: u64,
}

/// The flows to the selected address (question 4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowsToView {
    /// Flows with a byte count.
    pub count: u64,
    /// Their bytes.
    pub bytes_total: u64,
    /// The largest.
    pub bytes_max: u64,
    /// Histogram bins.
    pub bins: Vec<BinView>,
}

/// The verdict (question 5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerdictView {
    /// The address judged.
    pub addr: String,
    /// `exfiltration_suspected`, `normal` or `insufficient_baseline`.
    pub outcome: String,
    /// The sentence with the evidence.
    pub summary: String,
    /// Service port used.
    pub service_port: Option<u16>,
    /// True when it was detected.
    pub service_port_detected: bool,
    /// k.
    pub k: f64,
    /// Baseline flows.
    pub baseline_flows: u64,
    /// Baseline mean bytes.
    pub mean: f64,
    /// Baseline σ.
    pub stddev: f64,
    /// mean + kσ.
    pub threshold: f64,
    /// True when the suspect's own flows were left out of the baseline.
    pub excludes_suspect: bool,
    /// Baseline median.
    pub median: f64,
    /// Baseline MAD.
    pub mad: f64,
    /// Baseline p99.
    pub p99: f64,
    /// Baseline flows above the threshold.
    pub baseline_flows_above: u64,
    /// The suspect's flows from the service port in the range.
    pub suspect_flows: u64,
    /// Those above the threshold.
    pub above_flows: u64,
    /// Their bytes.
    pub above_bytes_total: u64,
    /// Their mean.
    pub above_bytes_avg: f64,
    /// The judged address's country and autonomous system, when known.
    #[serde(default)]
    pub geo: Option<Geo>,
}

/// One row of the ranking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankRow {
    /// The address.
    pub addr: String,
    /// Its class.
    pub class: String,
    /// Score.
    pub score: f64,
    /// Flows from the service port.
    pub flows: u64,
    /// Their bytes.
    pub bytes_out: u64,
    /// Flows above the threshold.
    pub flows_above: u64,
    /// Country and autonomous system, when known.
    #[serde(default)]
    pub geo: Option<Geo>,
}

/// Whether the address table answered this analysis.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GeoStatus {
    /// No table was asked for (the worker was given no URL).
    #[default]
    None,
    /// The table answered: which one (packages, versions, attribution).
    Loaded {
        /// The table's sources.
        database: GeoDatabase,
    },
    /// The table could not be had; the analysis went on without it.
    Unavailable {
        /// Why, in words for the user.
        reason: String,
    },
}

/// Everything the panels show for one analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisView {
    /// The request answered.
    pub request: AnalyzeRequest,
    /// The range covered, as the report states it.
    pub range_from: Option<u32>,
    /// End of the range (exclusive).
    pub range_to: Option<u32>,
    /// Question 1.
    pub sources: Vec<SourceRow>,
    /// The address explained (given, or the top of the ranking).
    pub suspect: Option<String>,
    /// Its country and autonomous system, when known.
    #[serde(default)]
    pub suspect_geo: Option<Geo>,
    /// Whether the address table answered.
    #[serde(default)]
    pub geo: GeoStatus,
    /// Questions 2–3.
    pub span: Option<SpanView>,
    /// The suspect's flows in the range, both directions, by start.
    pub flows: Vec<FlowMark>,
    /// Question 4.
    pub flows_to: Option<FlowsToView>,
    /// Question 5.
    pub verdict: Option<VerdictView>,
    /// Most suspicious first.
    pub ranking: Vec<RankRow>,
    /// Invalid known-network entries the worker rejected.
    pub known_errors: Vec<String>,
    /// The report, as `flowlens analyze --json` prints it.
    pub report_json: String,
    /// The one-page summary, as `flowlens analyze --output md` prints it.
    pub report_md: String,
    /// The sources table, as `flowlens analyze --output csv` prints it.
    pub sources_csv: String,
    /// The flows to the suspect, as `flowlens analyze --output flows-csv` prints it.
    pub flows_csv: String,
}
