//! The page's one state and the actions that change it (the root `use_reducer`).
//!
//! The reducer is pure: it never talks to the worker. What to ask the worker follows
//! from the state ([`State::request`]); the root component's effects send it when it
//! changes. An analysis is current when the request it answers equals the request the
//! state asks for now; that is what `data-state="ready"` means.

use std::rc::Rc;

use yew::Reducible;

use super::components::sources_table::SourcesPageView;
use super::protocol::{
    Analysis, AnalyzeRequest, ExportKind, Findings, HuntRequest, Progress, Summary,
};
use crate::share::{self, ViewParams, ViewRange};
use flowlens_core::flow::Cidr;
use flowlens_core::hunt::{Finding, Kind};

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// The worker said it is ready.
    pub worker_ready: bool,
    /// The worker stopped for good (a panic, or it failed to load): nothing more can
    /// be read or analysed until the page is reloaded.
    pub worker_stopped: bool,
    /// Files are being read.
    pub reading: bool,
    /// Reading progress.
    pub progress: Progress,
    /// The data set, as last reported by the worker.
    pub summary: Option<Rc<Summary>>,
    /// The range the answers cover.
    pub range: ViewRange,
    /// The address the user clicked; `None` follows the top of the ranking.
    pub selected: Option<String>,
    /// The service port typed in (empty: detect it).
    pub service_port_text: String,
    /// Its value when valid.
    pub service_port: Option<u16>,
    /// k typed in.
    pub k_text: String,
    /// Its value (the last valid one).
    pub k: f64,
    /// The known-networks box, as typed.
    pub known_text: String,
    /// The last analysis received.
    pub analysis: Option<Rc<Analysis>>,
    /// The last page of the sources table received.
    pub sources_page: Option<Rc<SourcesPageView>>,
    /// The export under way: its id and what it is.
    pub exporting: Option<(u32, ExportKind)>,
    /// The id the next export gets.
    pub next_export_id: u32,
    /// An error for the banner.
    pub error: Option<String>,
    /// A range asked for by the URL fragment, kept until the files read have it.
    pub wanted_range: Option<ViewRange>,
    /// An address asked for by the URL fragment, kept until an analysis shows the
    /// files read have it.
    pub wanted_addr: Option<String>,
    /// What of the URL fragment was ignored, and why.
    pub view_notices: Vec<String>,
    /// The hunt's findings last received.
    pub findings: Option<Rc<Findings>>,
    /// The finding opened (its index in the findings), whose evidence is shown.
    pub opened: Option<usize>,
}

impl State {
    /// The state of a page just opened, with the known networks remembered from the
    /// last visit.
    pub fn new(known_text: String) -> State {
        State {
            worker_ready: false,
            worker_stopped: false,
            reading: false,
            progress: Progress::default(),
            summary: None,
            range: ViewRange::All,
            selected: None,
            service_port_text: String::new(),
            service_port: None,
            k_text: "3".to_string(),
            k: 3.0,
            known_text,
            analysis: None,
            sources_page: None,
            exporting: None,
            next_export_id: 1,
            error: None,
            wanted_range: None,
            wanted_addr: None,
            view_notices: Vec::new(),
            findings: None,
            opened: None,
        }
    }

    /// The URL fragment of the view (range, address, service port, k), or `None`
    /// while no data is loaded. Values the fragment asked for that wait for the
    /// data stand in for the current ones, so a reload keeps them.
    pub fn view_fragment(&self) -> Option<String> {
        self.summary.as_ref().filter(|s| s.files > 0)?;
        let range = self.wanted_range.unwrap_or(self.range);
        let addr = self.wanted_addr.clone().or_else(|| self.shown_addr());
        Some(share::format(&ViewParams {
            range: Some(range),
            addr: addr.and_then(|a| a.parse().ok()),
            port: self.service_port,
            k: Some(self.k),
        }))
    }

    /// Applies the fragment's waiting range and address once files are read: the
    /// range when the data set has it (else a notice), the address as the selection
    /// (checked when its analysis arrives).
    fn apply_wanted(&mut self) {
        let Some(summary) = self.summary.clone().filter(|s| s.files > 0) else {
            return;
        };
        if self.reading {
            return;
        }
        if let Some(range) = self.wanted_range.take() {
            if range_present(&summary, range) {
                self.range = range;
            } else {
                self.view_notices.push(format!(
                    "Link: the files read have no range {}; showing {}.",
                    range.encode(),
                    self.range.encode()
                ));
            }
        }
        if let Some(addr) = &self.wanted_addr {
            self.selected = Some(addr.clone());
        }
    }

    /// The analysis the page needs now (`None` while there is nothing to analyse).
    pub fn request(&self) -> Option<AnalyzeRequest> {
        if !self.accepts_requests() || self.reading {
            return None;
        }
        let summary = self.summary.as_ref()?;
        if summary.files == 0 {
            return None;
        }
        Some(AnalyzeRequest {
            data_version: summary.data_version,
            range: self.range,
            suspect: self.selected.clone(),
            service_port: self.service_port,
            k: self.k,
            known: known_entries(&self.known_text).0,
        })
    }

    /// The hunt the page needs: once the first answer for the data is shown (an
    /// analysis and its first page of sources), so that the answer does not wait for
    /// the hunt. It does not change with the range, so the hunt runs once per data set
    /// and known networks.
    pub fn hunt_request(&self) -> Option<HuntRequest> {
        if !self.accepts_requests() || self.reading {
            return None;
        }
        let summary = self.summary.as_ref().filter(|s| s.files > 0)?;
        let data_version = summary.data_version;
        let analysis = self
            .analysis
            .as_ref()
            .filter(|a| a.request.data_version == data_version)?;
        let shown = analysis.report.sources.total == 0
            || self
                .sources_page
                .as_ref()
                .is_some_and(|page| page.0.analysis.data_version == data_version);
        shown.then(|| HuntRequest {
            data_version,
            known: known_entries(&self.known_text).0,
        })
    }

    /// The root element's `data-findings`: `none` (nothing to hunt yet), `hunting`,
    /// or `ready` (the findings shown are those of the data and networks now).
    pub fn findings_state(&self) -> &'static str {
        match (self.hunt_request(), &self.findings) {
            (None, _) => "none",
            (Some(request), Some(f)) if f.request == request => "ready",
            (Some(_), _) => "hunting",
        }
    }

    /// The finding opened, when it belongs to the findings shown.
    pub fn opened_finding(&self) -> Option<&Finding> {
        self.findings.as_ref()?.hunt.findings.get(self.opened?)
    }

    /// True when the analysis shown answers [`State::request`].
    pub fn analysis_current(&self) -> bool {
        match (&self.analysis, self.request()) {
            (Some(analysis), Some(request)) => analysis.request == request,
            _ => false,
        }
    }

    /// True when the sources table shows rows of the current analysis (or it has
    /// none to show).
    pub fn sources_current(&self) -> bool {
        let Some(analysis) = &self.analysis else {
            return false;
        };
        analysis.report.sources.total == 0
            || self
                .sources_page
                .as_ref()
                .is_some_and(|page| page.0.analysis == analysis.request)
    }

    /// True when the worker is running and takes requests.
    pub fn accepts_requests(&self) -> bool {
        self.worker_ready && !self.worker_stopped
    }

    /// The root element's `data-state`: `starting`, `stopped`, `empty`, `reading`,
    /// `analysing` or `ready` (the analysis and its first page of sources are here).
    pub fn data_state(&self) -> &'static str {
        if self.worker_stopped {
            "stopped"
        } else if !self.worker_ready {
            "starting"
        } else if self.reading {
            "reading"
        } else if self.summary.as_ref().is_none_or(|s| s.files == 0) {
            "empty"
        } else if self.analysis_current() && self.sources_current() {
            "ready"
        } else {
            "analysing"
        }
    }

    /// The address the panels explain: the one clicked, else the analysis's pick.
    pub fn shown_addr(&self) -> Option<String> {
        self.selected.clone().or_else(|| {
            self.analysis
                .as_ref()
                .and_then(|a| a.report.suspect.clone())
        })
    }
}

/// The address a finding puts in the panels: the outside party the investigation
/// follows (the scanner, the guesser, the one that got in; the destination of data,
/// beacons and calls out), else the side that acted.
pub fn finding_addr(f: &Finding) -> String {
    match f.kind {
        Kind::Scan | Kind::ProbeAccepted | Kind::BruteForce | Kind::FirstSuccess => f.src.clone(),
        Kind::Exfiltration | Kind::LongConnection | Kind::RoleInversion | Kind::Beacon => {
            f.dst.clone().unwrap_or_else(|| f.src.clone())
        }
    }
}

/// The range a finding puts in the panels: the 10-minute window it began in, else
/// its day, else everything (whichever the data set has).
pub fn finding_range(summary: &Summary, f: &Finding) -> ViewRange {
    let window = ViewRange::Window(f.first - f.first % flowlens_core::analysis::WINDOW_SECS);
    let day = ViewRange::Day(f.first - f.first % share::DAY_SECS);
    [window, day]
        .into_iter()
        .find(|r| range_present(summary, *r))
        .unwrap_or(ViewRange::All)
}

/// True when the data set has `range`.
fn range_present(summary: &Summary, range: ViewRange) -> bool {
    match range {
        ViewRange::All => true,
        ViewRange::Day(d) => summary.days.contains(&d),
        ViewRange::Window(w) => summary.windows.contains(&w),
    }
}

/// The entries of the known-networks box (split on whitespace and commas): the valid
/// ones, and one message per invalid one.
pub fn known_entries(text: &str) -> (Vec<String>, Vec<String>) {
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    for entry in text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|e| !e.is_empty())
    {
        match Cidr::parse(entry) {
            Ok(_) => valid.push(entry.to_string()),
            Err(err) => errors.push(err),
        }
    }
    (valid, errors)
}

/// What can happen.
#[derive(Debug)]
pub enum Action {
    /// The worker is ready.
    WorkerReady,
    /// Files (or the example) were handed to the worker.
    ReadRequested,
    /// The worker reports progress.
    Progress(Progress),
    /// The worker stopped reading; this is the data set now.
    Read(Box<Summary>),
    /// Clear was pressed.
    ClearRequested,
    /// An analysis arrived.
    Analysis(Box<Analysis>),
    /// A page of the sources table arrived.
    SourcesPage(Box<SourcesPageView>),
    /// An export button was pressed: the export gets the id the state had ready.
    ExportStarted(ExportKind),
    /// An export ended (saved, or with why not).
    ExportEnded {
        /// Its id.
        id: u32,
        /// Why it failed, if it did.
        error: Option<String>,
    },
    /// Something failed; the banner shows it, and reading (if any) is over.
    Failed(String),
    /// The worker stopped for good; the banner shows why and what to do.
    WorkerStopped(String),
    /// The banner was closed.
    DismissError,
    /// A range was chosen.
    SetRange(ViewRange),
    /// An address was clicked.
    Select(String),
    /// The service port box changed.
    SetServicePort(String),
    /// The k box changed.
    SetK(String),
    /// The known-networks box changed.
    SetKnown(String),
    /// The URL fragment, read when the page opens and on `hashchange`.
    ViewLink(String),
    /// The hunt's findings arrived.
    Findings(Box<Findings>),
    /// A finding was opened (its index): its evidence shows, and the range and
    /// address are set to it so the other panels show it.
    OpenFinding(usize),
    /// The opened finding was closed.
    CloseFinding,
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::WorkerReady => next.worker_ready = true,
            Action::ReadRequested => {
                next.reading = true;
                next.progress = Progress::default();
            }
            Action::Progress(progress) => next.progress = progress,
            Action::Read(summary) => {
                next.reading = false;
                if !range_present(&summary, next.range) {
                    next.range = ViewRange::All;
                }
                if summary.files == 0 {
                    next.selected = None;
                    next.analysis = None;
                }
                // A page of the old data is of no use; nor is an export or a hunt of it.
                next.sources_page = None;
                next.exporting = None;
                next.findings = None;
                next.opened = None;
                next.summary = Some(Rc::from(summary));
                next.apply_wanted();
            }
            Action::ClearRequested => {
                next.range = ViewRange::All;
                next.selected = None;
                next.analysis = None;
                next.sources_page = None;
                next.exporting = None;
                next.findings = None;
                next.opened = None;
            }
            Action::Analysis(view) => {
                // The fragment's address is kept when the data has flows of it.
                if next.wanted_addr.is_some() && view.request.suspect == next.wanted_addr {
                    if view.report.span.is_none() {
                        next.view_notices.push(format!(
                            "Link: the files read have no flow of {}; showing the top of the ranking.",
                            view.request.suspect.as_deref().unwrap_or_default()
                        ));
                        if next.selected == next.wanted_addr {
                            next.selected = None;
                        }
                    }
                    next.wanted_addr = None;
                }
                next.analysis = Some(Rc::from(view));
            }
            Action::SourcesPage(page) => next.sources_page = Some(Rc::from(page)),
            Action::ExportStarted(kind) => {
                if next.exporting.is_none() {
                    next.exporting = Some((next.next_export_id, kind));
                    next.next_export_id = next.next_export_id.wrapping_add(1);
                }
            }
            Action::ExportEnded { id, error } => {
                if next.exporting.is_some_and(|(current, _)| current == id) {
                    next.exporting = None;
                    if let Some(error) = error {
                        next.error = Some(format!("The file could not be made: {error}"));
                    }
                }
            }
            Action::Failed(message) => {
                next.reading = false;
                // After the worker stopped, later failures are its consequences: the
                // banner keeps the first message, which says what to do.
                if !next.worker_stopped {
                    next.error = Some(message);
                }
            }
            Action::WorkerStopped(message) => {
                next.reading = false;
                if !next.worker_stopped {
                    next.worker_stopped = true;
                    next.error = Some(message);
                }
            }
            Action::DismissError => next.error = None,
            Action::SetRange(range) => {
                next.wanted_range = None;
                next.range = range;
            }
            Action::Select(addr) => {
                next.wanted_addr = None;
                next.selected = Some(addr);
            }
            Action::ViewLink(fragment) => {
                let (params, notices) = share::parse(&fragment);
                next.view_notices = notices;
                if let Some(range) = params.range {
                    next.wanted_range = Some(range);
                }
                if let Some(addr) = params.addr {
                    next.wanted_addr = Some(addr.to_string());
                }
                if let Some(port) = params.port {
                    next.service_port = Some(port);
                    next.service_port_text = port.to_string();
                }
                if let Some(k) = params.k {
                    next.k = k;
                    next.k_text = k.to_string();
                }
                next.apply_wanted();
            }
            Action::SetServicePort(text) => {
                let trimmed = text.trim();
                if trimmed.is_empty() {
                    next.service_port = None;
                } else if let Ok(port) = trimmed.parse::<u16>() {
                    next.service_port = Some(port);
                }
                next.service_port_text = text;
            }
            Action::SetK(text) => {
                if let Ok(k) = text.trim().parse::<f64>() {
                    if share::valid_k(k) {
                        next.k = k;
                    }
                }
                next.k_text = text;
            }
            Action::SetKnown(text) => next.known_text = text,
            Action::Findings(findings) => {
                // Only the findings of the data shown (a hunt of older data is dropped).
                let current = next
                    .summary
                    .as_ref()
                    .is_some_and(|s| s.data_version == findings.request.data_version);
                if current {
                    if next.findings.as_ref().map(|f| &f.request) != Some(&findings.request) {
                        next.opened = None;
                    }
                    next.findings = Some(Rc::from(findings));
                }
            }
            Action::OpenFinding(index) => {
                let target = next.summary.clone().zip(
                    next.findings
                        .as_ref()
                        .and_then(|f| f.hunt.findings.get(index))
                        .cloned(),
                );
                if let Some((summary, finding)) = target {
                    next.opened = Some(index);
                    next.wanted_range = None;
                    next.wanted_addr = None;
                    next.range = finding_range(&summary, &finding);
                    next.selected = Some(finding_addr(&finding));
                }
            }
            Action::CloseFinding => next.opened = None,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{GeoStatus, Timeline};
    use flowlens_core::flow::{read_bytes, Dataset, ReadOptions};

    const DAY: u32 = 1_600_214_400;
    const WINDOW: u32 = 1_600_221_600;

    fn summary(version: u32) -> Box<Summary> {
        Box::new(Summary {
            data_version: version,
            files: 2,
            records: 10,
            windows: vec![WINDOW],
            days: vec![DAY],
            ..Summary::default()
        })
    }

    /// The analysis the worker would send for `request`, on a small data set where
    /// 203.0.113.7 is the suspect.
    fn analysis(request: AnalyzeRequest) -> Box<Analysis> {
        let mut body = String::from("srcaddr dstaddr srcport dstport bytes start end\n");
        for i in 0..40 {
            body.push_str(&format!("10.0.0.1 10.0.0.9 3306 40000 1000 {i} {i}\n"));
        }
        body.push_str("10.0.0.1 203.0.113.7 3306 51000 90000000 1600221700 1600221800\n");
        let mut ds = Dataset::default();
        read_bytes(&mut ds, "a.log", body.as_bytes(), &ReadOptions::default());
        let report = flowlens_core::analysis::analyze(&ds, &request.query());
        Box::new(Analysis {
            request,
            report,
            timeline: Timeline::default(),
            geo: GeoStatus::None,
        })
    }

    fn reduce(state: Rc<State>, actions: Vec<Action>) -> Rc<State> {
        actions.into_iter().fold(state, |s, a| s.reduce(a))
    }

    fn loaded() -> Rc<State> {
        reduce(
            Rc::new(State::new(String::new())),
            vec![
                Action::WorkerReady,
                Action::ReadRequested,
                Action::Read(summary(7)),
            ],
        )
    }

    #[test]
    fn the_page_goes_from_starting_to_ready() {
        let fresh = Rc::new(State::new(String::new()));
        assert_eq!(fresh.data_state(), "starting");
        assert_eq!(fresh.request(), None);
        let ready = fresh.reduce(Action::WorkerReady);
        assert_eq!(ready.data_state(), "empty");
        let reading = ready.reduce(Action::ReadRequested);
        assert_eq!((reading.data_state(), reading.request()), ("reading", None));
        let read = reading.reduce(Action::Read(summary(7)));
        assert_eq!(read.data_state(), "analysing");
        let request = read.request().unwrap();
        assert_eq!(
            (request.data_version, request.range, request.k),
            (7, ViewRange::All, 3.0)
        );
        let answered = read.reduce(Action::Analysis(analysis(request.clone())));
        // Ready once the sources table has its first page too.
        assert_eq!(answered.data_state(), "analysing");
        let page = crate::protocol::SourcesPageRequest {
            analysis: request.clone(),
            sort: Default::default(),
            descending: true,
            filter: Default::default(),
            offset: 0,
            limit: 160,
        };
        let answered = answered.reduce(Action::SourcesPage(Box::new((page, Err("x".into())))));
        assert_eq!(answered.data_state(), "ready");
        assert_eq!(answered.shown_addr().as_deref(), Some("203.0.113.7"));
        // A new range makes the analysis stale until its answer comes.
        let window = answered.reduce(Action::SetRange(ViewRange::Window(WINDOW)));
        assert_eq!(window.data_state(), "analysing");
        assert_eq!(window.request().unwrap().range, ViewRange::Window(WINDOW));
    }

    #[test]
    fn a_link_waits_for_the_files_and_says_what_it_could_not_use() {
        let state = reduce(
            Rc::new(State::new(String::new())),
            vec![
                Action::WorkerReady,
                Action::ViewLink(format!(
                    "#range=window:{WINDOW}&addr=198.51.100.1&k=2.5&port=3306"
                )),
            ],
        );
        // Nothing read yet: the range waits, port and k apply at once.
        assert_eq!(state.range, ViewRange::All);
        assert_eq!((state.service_port, state.k), (Some(3306), 2.5));
        let read = reduce(state, vec![Action::ReadRequested, Action::Read(summary(1))]);
        assert_eq!(read.range, ViewRange::Window(WINDOW));
        assert_eq!(read.selected.as_deref(), Some("198.51.100.1"));
        // The files have no flow of that address: a notice, and the ranking's pick.
        let request = read.request().unwrap();
        let answered = read.reduce(Action::Analysis(analysis(request)));
        assert_eq!(answered.selected, None);
        assert!(
            answered
                .view_notices
                .iter()
                .any(|n| n.contains("no flow of 198.51.100.1")),
            "{:?}",
            answered.view_notices
        );
        // A day the files do not have is refused with a notice.
        let other = reduce(
            Rc::new(State::new(String::new())),
            vec![
                Action::WorkerReady,
                Action::ViewLink("#range=day:86400".into()),
                Action::ReadRequested,
                Action::Read(summary(1)),
            ],
        );
        assert_eq!(other.range, ViewRange::All);
        assert!(other
            .view_notices
            .iter()
            .any(|n| n.contains("no range day:86400")));
    }

    #[test]
    fn one_export_at_a_time_and_only_its_own_end_counts() {
        let state = loaded();
        let first_id = state.next_export_id;
        let exporting = reduce(
            state,
            vec![
                Action::ExportStarted(ExportKind::SourcesCsv),
                Action::ExportStarted(ExportKind::ReportJson),
            ],
        );
        assert_eq!(
            exporting.exporting,
            Some((first_id, ExportKind::SourcesCsv))
        );
        let other = exporting.clone().reduce(Action::ExportEnded {
            id: first_id + 5,
            error: None,
        });
        assert!(other.exporting.is_some());
        let failed = exporting.reduce(Action::ExportEnded {
            id: first_id,
            error: Some("quota".into()),
        });
        assert_eq!(failed.exporting, None);
        assert_eq!(
            failed.error.as_deref(),
            Some("The file could not be made: quota")
        );
    }

    #[test]
    fn inputs_keep_their_last_valid_value_and_clear_forgets_the_view() {
        let state = reduce(
            loaded(),
            vec![
                Action::SetK("0.5".into()),
                Action::SetK("-1".into()),
                Action::SetServicePort("70000".into()),
                Action::SetKnown("10.0.0.0/8, nonsense".into()),
            ],
        );
        assert_eq!((state.k, state.k_text.as_str()), (0.5, "-1"));
        assert_eq!(state.service_port, None);
        assert_eq!(
            state.request().unwrap().known,
            vec!["10.0.0.0/8".to_string()]
        );
        assert_eq!(known_entries(&state.known_text).1.len(), 1);
        let selected = state.reduce(Action::Select("203.0.113.7".into()));
        let cleared = selected.reduce(Action::ClearRequested);
        assert_eq!(
            (cleared.selected.clone(), cleared.range),
            (None, ViewRange::All)
        );
        assert!(cleared.analysis.is_none() && cleared.sources_page.is_none());
    }

    #[test]
    fn after_the_worker_stopped_the_first_message_stays() {
        let state = reduce(
            loaded(),
            vec![
                Action::WorkerStopped("It stopped. Reload.".into()),
                Action::Failed("later consequence".into()),
            ],
        );
        assert_eq!(state.data_state(), "stopped");
        assert_eq!(state.error.as_deref(), Some("It stopped. Reload."));
        assert_eq!(state.request(), None);
    }

    fn finding(kind: Kind, first: u32) -> Finding {
        use flowlens_core::hunt::{Detail, Evidence, LongConnectionDetail, Severity};
        Finding {
            kind,
            severity: Severity::High,
            src: "10.0.0.1".into(),
            dst: Some("203.0.113.7".into()),
            dst_port: Some(51000),
            first,
            last: first + 100,
            score: 0.9,
            summary: "s".into(),
            evidence: Evidence {
                detail: Detail::LongConnection(LongConnectionDetail {
                    duration_secs: 100,
                    grade_hours: 1,
                    bytes_out: 1,
                    bytes_back: 1,
                    pair_duration_secs: 100,
                    internal_only: false,
                }),
                sessions: Vec::new(),
                sessions_total: 1,
                records_total: 1,
            },
        }
    }

    fn findings(request: HuntRequest, findings: Vec<Finding>) -> Box<Findings> {
        Box::new(Findings {
            request,
            hunt: flowlens_core::hunt::Hunt {
                input: flowlens_core::hunt::HuntInput {
                    records: 41,
                    sessions: 41,
                    records_with_tcp_flags: 0,
                    window_secs: 600,
                    window_inferred: true,
                    from: 0,
                    to: WINDOW + 200,
                },
                findings,
                totals: Vec::new(),
                limits: Vec::new(),
            },
        })
    }

    /// A state with the data read, its analysis and its first sources page.
    fn answered() -> Rc<State> {
        let read = loaded();
        let request = read.request().unwrap();
        let page = crate::protocol::SourcesPageRequest {
            analysis: request.clone(),
            sort: Default::default(),
            descending: true,
            filter: Default::default(),
            offset: 0,
            limit: 160,
        };
        reduce(
            read,
            vec![
                Action::Analysis(analysis(request)),
                Action::SourcesPage(Box::new((page, Err("x".into())))),
            ],
        )
    }

    #[test]
    fn the_hunt_is_asked_for_once_the_first_answer_shows_and_not_again_for_a_range() {
        let read = loaded();
        assert_eq!((read.hunt_request(), read.findings_state()), (None, "none"));
        let request = read.request().unwrap();
        // The analysis alone is not enough: its sources page must be shown first.
        let analysed = read.reduce(Action::Analysis(analysis(request)));
        assert_eq!(analysed.hunt_request(), None);
        let state = answered();
        let hunt = state.hunt_request().unwrap();
        assert_eq!((hunt.data_version, hunt.known.len()), (7, 0));
        assert_eq!(state.findings_state(), "hunting");
        // Another range: the same hunt (the effect does not send it again).
        let window = state.reduce(Action::SetRange(ViewRange::Window(WINDOW)));
        assert_eq!(window.hunt_request(), Some(hunt.clone()));
        // Known networks are part of it: a new one asks again.
        let known = window.clone().reduce(Action::SetKnown("10.0.0.0/8".into()));
        assert_eq!(known.hunt_request().unwrap().known, vec!["10.0.0.0/8"]);
        // The answer makes it ready; an answer for other data is dropped.
        let stale = HuntRequest {
            data_version: 6,
            known: Vec::new(),
        };
        let dropped = window
            .clone()
            .reduce(Action::Findings(findings(stale, Vec::new())));
        assert_eq!(dropped.findings_state(), "hunting");
        let found = window.reduce(Action::Findings(findings(hunt, Vec::new())));
        assert_eq!(found.findings_state(), "ready");
        // New files forget the findings.
        let reread = found.reduce(Action::Read(summary(8)));
        assert_eq!(
            (reread.findings.is_none(), reread.findings_state()),
            (true, "none")
        );
    }

    #[test]
    fn opening_a_finding_sets_the_range_and_the_outside_address() {
        let state = answered();
        let hunt = state.hunt_request().unwrap();
        let list = vec![
            // Began at WINDOW + 90 s: its window is WINDOW, which the data has.
            finding(Kind::Exfiltration, WINDOW + 90),
            // A scan: the scanner (src) is followed.
            finding(Kind::Scan, WINDOW + 700),
            // Began on a day the data does not have: the whole data.
            finding(Kind::Beacon, DAY + 3 * 86_400),
        ];
        let found = state.reduce(Action::Findings(findings(hunt, list)));
        let opened = found.clone().reduce(Action::OpenFinding(0));
        assert_eq!(opened.opened, Some(0));
        assert_eq!(opened.range, ViewRange::Window(WINDOW));
        assert_eq!(opened.selected.as_deref(), Some("203.0.113.7"));
        assert_eq!(
            opened.opened_finding().map(|f| f.kind),
            Some(Kind::Exfiltration)
        );
        assert_eq!(opened.request().unwrap().range, ViewRange::Window(WINDOW));
        // The window after WINDOW is not in the data (summary has one window): its day.
        let scan = opened.clone().reduce(Action::OpenFinding(1));
        assert_eq!(scan.range, ViewRange::Day(DAY));
        assert_eq!(scan.selected.as_deref(), Some("10.0.0.1"));
        let beacon = scan.reduce(Action::OpenFinding(2));
        assert_eq!(beacon.range, ViewRange::All);
        // No such finding: nothing changes.
        let none = opened.clone().reduce(Action::OpenFinding(9));
        assert_eq!(none.opened, Some(0));
        let closed = opened.reduce(Action::CloseFinding);
        assert_eq!(
            (closed.opened, closed.range),
            (None, ViewRange::Window(WINDOW))
        );
    }
}
