//! The messages between the page and its worker.
//!
//! The worker holds the data set and every full table; the page holds only what it
//! shows, and asks for the rest: an [`Analysis`] (the core's bounded
//! [`flowlens_core::analysis::Report`], sent as it is, plus the timeline), a page of
//! the sources table ([`Request::SourcesPage`]), or an export streamed in chunks
//! ([`Request::Export`]). Nothing sent between the two grows with the number of
//! distinct addresses, files or records.
//!
//! Every message is encoded one way ([`crate::channel`]): the typed value as a plain
//! JS object (serde-wasm-bindgen), and beside it the `File`s of a read request or the
//! bytes of an export chunk (transferred, not copied).

use serde::{Deserialize, Serialize};

use crate::share::ViewRange;
use flowlens_core::analysis::sources::{SourceFilter, SourcePage, SourceSort};
use flowlens_core::analysis::{FlowPoint, Query, Report};
use flowlens_core::flow::Diagnostic;
use flowlens_core::geo::GeoDatabase;
use flowlens_core::hunt::{Hunt, HuntOptions};

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
    /// One page of the sources table of an analysis.
    SourcesPage(SourcesPageRequest),
    /// Stream an export of an analysis (answered by [`Response::ExportChunk`]s).
    Export(ExportRequest),
    /// Hunt the data set for the whole incident (answered by [`Response::Findings`]).
    /// The page asks once the first answer for the data is shown: the findings do not
    /// depend on the range, and the first answer should not wait for them.
    Hunt(HuntRequest),
    /// Tests only (`?flowlens-test-panic=worker`): panic on purpose while reading the
    /// next file, to show that a worker panic reaches the user.
    ArmTestPanic,
    /// Tests only (`?flowlens-memory-budget=BYTES`): the bytes of records the worker
    /// may hold, instead of the page's budget, so that a small week passes it.
    MemoryBudget {
        /// Bytes held at most.
        bytes: u64,
    },
    /// Where the address table is (an absolute URL on the page's own origin; the
    /// worker, started from a `blob:` URL, cannot resolve a relative one). Sent once,
    /// when the worker is ready; the worker fetches it only when the first files
    /// are given (or the first analysis is asked for).
    GeoSource {
        /// The table's URL.
        url: String,
    },
}

/// One analysis: everything the page's controls set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalyzeRequest {
    /// The data set it is for ([`Summary::data_version`]); the worker ignores
    /// requests for data it no longer has.
    pub data_version: u32,
    /// The range.
    pub range: ViewRange,
    /// The selected address; `None` lets the analysis pick the top of the ranking.
    pub suspect: Option<String>,
    /// The protected service's port; `None` detects it.
    pub service_port: Option<u16>,
    /// Threshold = mean + k·σ.
    pub k: f64,
    /// The user's own networks (CIDR text, each already checked by the page).
    pub known: Vec<String>,
}

impl AnalyzeRequest {
    /// The core's query (entries of `known` that do not parse are left out: the page
    /// only sends valid ones).
    pub fn query(&self) -> Query {
        Query {
            range: self.range.time_range(),
            suspect: self.suspect.as_deref().and_then(|s| s.parse().ok()),
            service_port: self.service_port,
            k: self.k,
            known: self
                .known
                .iter()
                .filter_map(|c| flowlens_core::flow::Cidr::parse(c).ok())
                .collect(),
            ..Query::default()
        }
    }
}

/// A page of the sources table: which analysis (its range and known networks), the
/// sort, the filter and the rows wanted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourcesPageRequest {
    /// The analysis whose sources these are.
    pub analysis: AnalyzeRequest,
    /// The column sorted by.
    pub sort: SourceSort,
    /// Largest first.
    pub descending: bool,
    /// Which rows.
    pub filter: SourceFilter,
    /// Index of the first row wanted among those that pass the filter.
    pub offset: u64,
    /// Rows wanted (the worker sends at most [`SourcesPageRequest::MAX_ROWS`]).
    pub limit: u32,
}

impl SourcesPageRequest {
    /// Rows in one page at most.
    pub const MAX_ROWS: u32 = 500;
}

/// What an export holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// The report as `flowlens analyze --json` prints it (bounded lists).
    ReportJson,
    /// The one-page summary, as `flowlens analyze --output md`.
    SummaryMd,
    /// Every source of the range, as `flowlens analyze --output csv`.
    SourcesCsv,
    /// Every flow to the suspect over its stay, as `--output flows-csv`.
    FlowsCsv,
}

impl ExportKind {
    /// The file name the page saves it as.
    pub fn file_name(self) -> &'static str {
        match self {
            ExportKind::ReportJson => "flowlens-report.json",
            ExportKind::SummaryMd => "flowlens-summary.md",
            ExportKind::SourcesCsv => "flowlens-sources.csv",
            ExportKind::FlowsCsv => "flowlens-flows-to-suspect.csv",
        }
    }

    /// Its MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            ExportKind::ReportJson => "application/json",
            ExportKind::SummaryMd => "text/markdown;charset=utf-8",
            ExportKind::SourcesCsv | ExportKind::FlowsCsv => "text/csv;charset=utf-8",
        }
    }
}

/// An export of one analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportRequest {
    /// Chosen by the page, echoed on every chunk.
    pub id: u32,
    /// The analysis exported.
    pub analysis: AnalyzeRequest,
    /// What to export (not `kind`: that is the message's tag).
    pub form: ExportKind,
}

/// A hunt: which data, and which networks are the user's own (internal).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HuntRequest {
    /// The data set it is for ([`Summary::data_version`]).
    pub data_version: u32,
    /// The user's own networks (CIDR text, each already checked by the page).
    pub known: Vec<String>,
}

impl HuntRequest {
    /// The core's options, the same as `flowlens analyze` and `flowlens hunt` use
    /// (so the page's exports hold the CLI's findings).
    pub fn options(&self) -> HuntOptions {
        HuntOptions {
            known: self
                .known
                .iter()
                .filter_map(|c| flowlens_core::flow::Cidr::parse(c).ok())
                .collect(),
            ..HuntOptions::default()
        }
    }
}

/// The hunt's findings for one data set: bounded (at most
/// [`HuntOptions::max_per_kind`] per kind, each with at most
/// [`flowlens_core::hunt::EVIDENCE_SESSIONS`] sessions), with totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Findings {
    /// The request answered.
    pub request: HuntRequest,
    /// The hunt.
    pub hunt: Hunt,
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
    Read(Box<Summary>),
    /// The answer to an [`AnalyzeRequest`].
    Analysis(Box<Analysis>),
    /// The answer to a [`SourcesPageRequest`].
    SourcesPage {
        /// The request answered.
        request: SourcesPageRequest,
        /// The page, or why there is none (a malformed CIDR, say).
        page: Result<SourcePage, String>,
    },
    /// The answer to a [`HuntRequest`].
    Findings(Box<Findings>),
    /// A part of an export; its bytes travel beside the message. The last one has
    /// `done` (and `error` when the export failed).
    ExportChunk {
        /// The export's id.
        id: u32,
        /// True on the last chunk.
        done: bool,
        /// Why the export stopped, when it failed.
        error: Option<String>,
    },
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
    /// The first [`Summary::MAX_DIAGNOSTICS`] problems (errors and warnings), in the
    /// order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Every diagnostic, counted by severity.
    #[serde(default)]
    pub severities: flowlens_core::analysis::report::SeverityCounts,
    /// The first [`Summary::MAX_DIAGNOSTICS`] notes (empty and header-only files, files
    /// given twice): normal, shown folded away.
    #[serde(default)]
    pub notes: Vec<Diagnostic>,
    /// Starts of the 10-minute windows present.
    pub windows: Vec<u32>,
    /// Starts (UTC midnight) of the days present.
    pub days: Vec<u32>,
    /// True when the last reading was cancelled before its end.
    pub cancelled: bool,
    /// The record limit the page keeps, when reading stopped there.
    pub record_limit: Option<u64>,
    /// How much was read when reading stopped at the memory budget.
    #[serde(default)]
    pub reading_stop: Option<flowlens_core::flow::ReadingStop>,
    /// Parse workers that read files in the last reading (0: the worker read them
    /// all itself).
    #[serde(default)]
    pub parse_workers: u32,
    /// Bytes the worker holds for the data set (records, addresses, text columns).
    #[serde(default)]
    pub held_bytes: u64,
    /// What was read per form (S3 text, Parquet, CloudWatch export, …): files,
    /// records, and files whose format was assumed.
    #[serde(default)]
    pub forms: Vec<flowlens_core::flow::FormCount>,
    /// Records left out as repeats of records in other files (counted once).
    #[serde(default)]
    pub folded: u64,
}

impl Summary {
    /// Problems, and notes, sent to the page one by one; the report counts them all.
    pub const MAX_DIAGNOSTICS: usize = 1000;
}

/// The suspect's flows for the timeline, both directions, by start: every one, or,
/// past [`Timeline::MAX_POINTS`], merged into that many time slices per direction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The points (a merged slice spans its flows' first start to last end and sums
    /// their bytes).
    pub points: Vec<FlowPoint>,
    /// Flows behind them.
    pub flows: u64,
}

impl Timeline {
    /// Points sent at most.
    pub const MAX_POINTS: usize = 4000;

    /// `points` (sorted by start), merged into at most [`Timeline::MAX_POINTS`].
    pub fn of(points: Vec<FlowPoint>) -> Timeline {
        let flows = points.len() as u64;
        if points.len() <= Self::MAX_POINTS {
            return Timeline { points, flows };
        }
        let (Some(first), Some(last)) = (
            points.iter().map(|p| p.start).min(),
            points.iter().map(|p| p.start).max(),
        ) else {
            return Timeline::default();
        };
        // At most MAX_POINTS / 2 slices a direction: indexes 0..=span/width.
        let slices = (Self::MAX_POINTS / 2 - 1) as u64;
        let width = u64::from(last - first).div_ceil(slices).max(1);
        let mut merged: Vec<FlowPoint> = Vec::with_capacity(Self::MAX_POINTS);
        for outbound in [true, false] {
            let mut current: Option<(u64, FlowPoint)> = None;
            for p in points.iter().filter(|p| p.outbound == outbound) {
                let slice = u64::from(p.start - first) / width;
                match current.as_mut() {
                    Some((s, m)) if *s == slice => {
                        m.end = m.end.max(p.end);
                        m.bytes = m.bytes.saturating_add(p.bytes);
                    }
                    _ => {
                        merged.extend(current.take().map(|(_, m)| m));
                        current = Some((slice, *p));
                    }
                }
            }
            merged.extend(current.map(|(_, m)| m));
        }
        merged.sort_by_key(|p| (p.start, p.end));
        Timeline {
            points: merged,
            flows,
        }
    }
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

/// Everything the panels show for one analysis: the core's report as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The request answered.
    pub request: AnalyzeRequest,
    /// The report (bounded: the top rows of each list, with totals).
    pub report: Report,
    /// The suspect's flows over its stay, for the timeline.
    pub timeline: Timeline,
    /// Whether the address table answered.
    pub geo: GeoStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(start: u32, bytes: u64, outbound: bool) -> FlowPoint {
        FlowPoint {
            start,
            end: start + 10,
            bytes,
            outbound,
        }
    }

    /// Every message survives its encoding: an internally tagged enum must not have a
    /// field named like its tag (an export's `kind` once made every export request
    /// unreadable by the worker).
    #[test]
    fn every_message_round_trips() {
        let analysis = AnalyzeRequest {
            data_version: 3,
            range: ViewRange::Window(1_600_221_600),
            suspect: Some("201.48.16.81".into()),
            service_port: Some(3306),
            k: 2.5,
            known: vec!["10.0.0.0/8".into()],
        };
        let requests = vec![
            Request::Read {
                names: vec!["a.log.gz".into()],
                more: true,
                format: Some("srcaddr dstaddr bytes".into()),
            },
            Request::Example,
            Request::Cancel,
            Request::Clear,
            Request::Analyze(analysis.clone()),
            Request::SourcesPage(SourcesPageRequest {
                analysis: analysis.clone(),
                sort: SourceSort::FirstStart,
                descending: false,
                filter: SourceFilter {
                    class: Some(flowlens_core::flow::addr::AddrClass::Public),
                    text: Some("201.".into()),
                    cidr: Some("201.48.16.0/24".into()),
                },
                offset: 40,
                limit: 160,
            }),
            Request::Export(ExportRequest {
                id: 9,
                analysis,
                form: ExportKind::FlowsCsv,
            }),
            Request::ArmTestPanic,
            Request::MemoryBudget { bytes: 8_000_000 },
            Request::GeoSource {
                url: "http://127.0.0.1/flowlens-geo.bin".into(),
            },
        ];
        for request in requests {
            let json = serde_json::to_string(&request).unwrap();
            assert_eq!(
                serde_json::from_str::<Request>(&json).unwrap(),
                request,
                "{json}"
            );
        }
        let responses = vec![
            Response::Ready,
            Response::Progress(Progress::default()),
            Response::Read(Box::default()),
            Response::ExportChunk {
                id: 9,
                done: true,
                error: Some("no".into()),
            },
            Response::Failed {
                message: "m".into(),
            },
            Response::Stopped {
                message: "m".into(),
            },
        ];
        for response in responses {
            let json = serde_json::to_string(&response).unwrap();
            assert_eq!(
                serde_json::from_str::<Response>(&json).unwrap(),
                response,
                "{json}"
            );
        }
    }

    #[test]
    fn a_short_timeline_is_sent_as_it_is() {
        let points: Vec<FlowPoint> = (0..100).map(|i| point(i * 60, 100, i % 2 == 0)).collect();
        let t = Timeline::of(points.clone());
        assert_eq!((t.points, t.flows), (points, 100));
    }

    #[test]
    fn a_long_timeline_is_merged_into_slices_that_keep_every_byte() {
        // 10,000 flows a minute apart, alternating direction, 1..=10,000 bytes.
        let points: Vec<FlowPoint> = (0..10_000u32)
            .map(|i| point(1_000_000 + i * 60, u64::from(i) + 1, i % 2 == 0))
            .collect();
        let t = Timeline::of(points);
        assert_eq!(t.flows, 10_000);
        assert!(t.points.len() <= Timeline::MAX_POINTS, "{}", t.points.len());
        let total: u64 = t.points.iter().map(|p| p.bytes).sum();
        assert_eq!(total, 10_000 * 10_001 / 2);
        let out: u64 = t
            .points
            .iter()
            .filter(|p| p.outbound)
            .map(|p| p.bytes)
            .sum();
        // Outbound flows are the even i: bytes 1, 3, 5, … 9,999.
        assert_eq!(out, 5000 * 5000);
        assert!(t.points.windows(2).all(|w| w[0].start <= w[1].start));
        assert_eq!(t.points.first().map(|p| p.start), Some(1_000_000));
        assert_eq!(
            t.points.last().map(|p| p.end),
            Some(1_000_000 + 9_999 * 60 + 10)
        );
    }
}
