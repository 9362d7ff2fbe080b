//! The page's one state and the actions that change it (the root `use_reducer`).
//!
//! The reducer is pure: it never talks to the worker. What to ask the worker follows
//! from the state ([`State::request`]); the root component's effects send it when it
//! changes. An analysis is current when the request it answers equals the request the
//! state asks for now; that is what `data-state="ready"` means.

use std::rc::Rc;

use yew::Reducible;

use super::protocol::{AnalysisView, AnalyzeRequest, Progress, RangeChoice, Summary};
use crate::share::{self, ViewParams, ViewRange};
use flowlens_core::flow::Cidr;

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
    pub range: RangeChoice,
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
    pub analysis: Option<Rc<AnalysisView>>,
    /// An error for the banner.
    pub error: Option<String>,
    /// A range asked for by the URL fragment, kept until the files read have it.
    pub wanted_range: Option<RangeChoice>,
    /// An address asked for by the URL fragment, kept until an analysis shows the
    /// files read have it.
    pub wanted_addr: Option<String>,
    /// What of the URL fragment was ignored, and why.
    pub view_notices: Vec<String>,
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
            range: RangeChoice::All,
            selected: None,
            service_port_text: String::new(),
            service_port: None,
            k_text: "3".to_string(),
            k: 3.0,
            known_text,
            analysis: None,
            error: None,
            wanted_range: None,
            wanted_addr: None,
            view_notices: Vec::new(),
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
            range: Some(match range {
                RangeChoice::All => ViewRange::All,
                RangeChoice::Day(d) => ViewRange::Day(d),
                RangeChoice::Window(w) => ViewRange::Window(w),
            }),
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
                    encode_range(range),
                    encode_range(self.range)
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

    /// True when the analysis shown answers [`State::request`].
    pub fn analysis_current(&self) -> bool {
        match (&self.analysis, self.request()) {
            (Some(analysis), Some(request)) => analysis.request == request,
            _ => false,
        }
    }

    /// True when the worker is running and takes requests.
    pub fn accepts_requests(&self) -> bool {
        self.worker_ready && !self.worker_stopped
    }

    /// The root element's `data-state`: `starting`, `stopped`, `empty`, `reading`,
    /// `analysing` or `ready`.
    pub fn data_state(&self) -> &'static str {
        if self.worker_stopped {
            "stopped"
        } else if !self.worker_ready {
            "starting"
        } else if self.reading {
            "reading"
        } else if self.summary.as_ref().is_none_or(|s| s.files == 0) {
            "empty"
        } else if self.analysis_current() {
            "ready"
        } else {
            "analysing"
        }
    }

    /// The address the panels explain: the one clicked, else the analysis's pick.
    pub fn shown_addr(&self) -> Option<String> {
        self.selected
            .clone()
            .or_else(|| self.analysis.as_ref().and_then(|a| a.suspect.clone()))
    }
}

/// True when the data set has `range`.
fn range_present(summary: &Summary, range: RangeChoice) -> bool {
    match range {
        RangeChoice::All => true,
        RangeChoice::Day(d) => summary.days.contains(&d),
        RangeChoice::Window(w) => summary.windows.contains(&w),
    }
}

/// `all`, `day:SECS`, `window:SECS`.
fn encode_range(range: RangeChoice) -> String {
    match range {
        RangeChoice::All => ViewRange::All.encode(),
        RangeChoice::Day(d) => ViewRange::Day(d).encode(),
        RangeChoice::Window(w) => ViewRange::Window(w).encode(),
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
    Read(Summary),
    /// Clear was pressed.
    ClearRequested,
    /// An analysis arrived.
    Analysis(Box<AnalysisView>),
    /// Something failed; the banner shows it, and reading (if any) is over.
    Failed(String),
    /// The worker stopped for good; the banner shows why and what to do.
    WorkerStopped(String),
    /// The banner was closed.
    DismissError,
    /// A range was chosen.
    SetRange(RangeChoice),
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
                    next.range = RangeChoice::All;
                }
                if summary.files == 0 {
                    next.selected = None;
                    next.analysis = None;
                }
                next.summary = Some(Rc::new(summary));
                next.apply_wanted();
            }
            Action::ClearRequested => {
                next.range = RangeChoice::All;
                next.selected = None;
                next.analysis = None;
            }
            Action::Analysis(view) => {
                // The fragment's address is kept when the data has flows of it.
                if next.wanted_addr.is_some() && view.request.suspect == next.wanted_addr {
                    if view.span.is_none() {
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
                    next.wanted_range = Some(match range {
                        ViewRange::All => RangeChoice::All,
                        ViewRange::Day(d) => RangeChoice::Day(d),
                        ViewRange::Window(w) => RangeChoice::Window(w),
                    });
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
                    if k.is_finite() && k > 0.0 {
                        next.k = k;
                    }
                }
                next.k_text = text;
            }
            Action::SetKnown(text) => next.known_text = text,
        }
        Rc::new(next)
    }
}
