//! The Web Worker: it owns the data set, reads files into it and answers analyses.
//!
//! Life of the worker (entry point [`start`], built by Trunk as the `flowlens-worker`
//! bin and started by the page from a `blob:` URL of a prelude and the start script
//! the page's boot.js gives, see [`crate::boot`], so that it runs under the page's CSP):
//! 1. it installs its panic hook and message handler, starts its parse workers
//!    ([`pool`]; the page says from where and how many, in the global
//!    [`crate::bridge::PARSE_CONFIG`]), then posts [`Response::Ready`] once they
//!    are running too (or have failed; messages posted before the wasm module is
//!    running would be lost, and the page is not loaded until its workers are);
//! 2. [`Request::Read`] and [`Request::Example`] queue a job; one job runs at a time, in
//!    an async task that yields to the event loop between chunks, so `Cancel`, `Clear`
//!    and progress keep flowing; [`Response::Progress`] is posted every few chunks and
//!    [`Response::Read`] when the queue is empty and no more batches of a drop are
//!    announced (`Read { more: true }`). With parse workers, a job's files (and the
//!    batches queued behind it) are handed out to them as they become free and their
//!    data sets appended here in file order ([`Worker::read_parallel`]); without,
//!    this worker reads them itself ([`Worker::read_sequential`]);
//! 3. [`Request::Analyze`] runs the analysis ([`analysis`]) at once on the data set as
//!    it is and posts [`Response::Analysis`]; [`Request::SourcesPage`] answers a page of
//!    the range's full sources table, which the worker keeps ([`analysis::Cache`]);
//!    [`Request::Export`] streams an export in [`Response::ExportChunk`]s, its bytes
//!    transferred; [`Request::Hunt`] runs the hunt once per data version (kept in the
//!    same cache) and posts [`Response::Findings`]. The address table is fetched from
//!    the URL of [`Request::GeoSource`] ([`geo`]) when the first job is queued (so
//!    that it loads while the files are read), or else with the first analysis;
//!    analyses asked for while it loads wait, and the latest runs when the table is
//!    there (or is not).
//!
//! The state sits in one `Rc<Worker>` shared by the message handler and the job task;
//! no `RefCell` borrow is ever held across an `.await`. Where reading stands is one
//! [`Phase`].

pub mod analysis;
mod geo;
mod inflate;
mod parse;
mod pool;
mod reading;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use super::boot::WorkerCode;
use super::bridge::PARSE_CONFIG;
use super::channel;
use super::protocol::{ExportRequest, Progress, Request, Response, Summary};
use flowlens_core::analysis::report::SeverityCounts;
use flowlens_core::analysis::windows;
use flowlens_core::analysis::windows::days_of;
use flowlens_core::flow::{Dataset, Diagnostic, DiagnosticKind, Format, MemoryBudget};

/// How long this worker waits for its parse workers to start (ms).
const PARSE_START_WAIT_MS: f64 = 10_000.0;

/// A reading that leaves the data set holding at least 1/`STOP_PARSERS_FROM` of the
/// memory budget's bytes stops the parse workers (see [`Worker::run_jobs`]).
const STOP_PARSERS_FROM: u64 = 4;

/// Parse workers at most.
const MAX_PARSE_WORKERS: usize = 4;

/// Files handed out or waiting to be appended at most (bounds the parsed data sets
/// held here before their turn).
const PARSE_WINDOW: usize = 16;

/// Parse workers when the page does not say: one a core, 2 to [`MAX_PARSE_WORKERS`];
/// none on one core (a parse worker would only add copies there).
fn default_parse_workers() -> usize {
    let cores = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"hardwareConcurrency".into()))
        .ok()
        .and_then(|c| c.as_f64())
        .unwrap_or(1.0);
    if cores < 2.0 {
        0
    } else {
        (cores as usize).min(MAX_PARSE_WORKERS)
    }
}

/// Files larger than this are read by the reading worker itself: a parse worker's
/// answer is the whole file's records, held twice more on their way here. gzip
/// (by its name) holds about ten times its size of text.
fn parallel_limit(name: &str) -> f64 {
    if name.ends_with(".gz") {
        16.0 * 1024.0 * 1024.0
    } else {
        64.0 * 1024.0 * 1024.0
    }
}

/// One unit of reading work.
enum Job {
    /// Files posted by the page, with their names.
    Files(Vec<(File, String)>),
    /// The built-in example week.
    Example,
}

/// Where reading stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No job runs; `cancelled` when the last reading was cancelled before its end.
    Idle {
        /// The last reading was cancelled.
        cancelled: bool,
    },
    /// The job task runs; `more_coming` while the page has said that more batches of
    /// the same drop follow (the task waits for them).
    Reading {
        /// More `Read` batches are announced.
        more_coming: bool,
    },
    /// Cancel or Clear was asked while the job task runs: it stops at its next check;
    /// `clear` empties the data set once it has.
    Stopping {
        /// Clear, not Cancel.
        clear: bool,
    },
}

/// The inflater, as far as it was started.
enum InflaterSlot {
    /// Not needed yet.
    NotStarted,
    /// Running.
    Running(Rc<inflate::Inflater>),
    /// It cannot run here (or failed): this worker decompresses itself.
    Unavailable,
}

/// Everything the worker holds.
struct Worker {
    scope: DedicatedWorkerGlobalScope,
    /// The record format the user gave for files without a header (the format box),
    /// as typed; files are read with it from the next one on.
    format: RefCell<Option<String>>,
    dataset: RefCell<Dataset>,
    /// Bumped whenever the data set changes (end of reading, clear).
    data_version: Cell<u32>,
    queue: RefCell<VecDeque<Job>>,
    /// Where reading stands.
    phase: Cell<Phase>,
    progress: RefCell<Progress>,
    /// When progress was last posted (ms, `Date.now()`).
    last_progress_ms: Cell<f64>,
    /// When the job task last yielded to the event loop.
    last_yield_ms: Cell<f64>,
    /// Tests only: panic when the next file is read (`Request::ArmTestPanic`).
    test_panic: Cell<bool>,
    /// The address table.
    geo: RefCell<geo::GeoState>,
    /// Requests that wait for the address table while it is fetched (the latest
    /// analysis, and pages or exports, which need it for their rows).
    waiting_for_geo: RefCell<Vec<Request>>,
    /// The range's full sources table and its sort orders.
    cache: RefCell<analysis::Cache>,
    /// The worker that decompresses ahead of this one (started with the first files).
    inflater: RefCell<InflaterSlot>,
    /// The parse workers ([`pool`]), started with this worker; `None` when there are
    /// none (or none left): this worker parses every file itself, or when a reading
    /// stopped them (`pool_stopped`).
    pool: RefCell<Option<Rc<pool::Pool>>>,
    /// A reading stopped the parse workers: the next starts them again
    /// ([`Worker::pool`]).
    pool_stopped: Cell<bool>,
    /// Parse workers that parsed files in the current (or last) reading.
    parse_workers_used: Cell<u32>,
    /// What the data set may hold; reading stops there ([`MemoryBudget::PAGE`] unless
    /// the page says otherwise: [`Request::MemoryBudget`]).
    budget: Cell<MemoryBudget>,
}

/// Starts the worker (called from the `flowlens-worker` bin's `main`).
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    if scope.name() == parse::NAME {
        parse::start(scope);
        return;
    }
    install_panic_hook(scope.clone());
    let worker = Rc::new(Worker {
        scope: scope.clone(),
        dataset: RefCell::new(Dataset::default()),
        format: RefCell::new(None),
        data_version: Cell::new(0),
        queue: RefCell::new(VecDeque::new()),
        phase: Cell::new(Phase::Idle { cancelled: false }),
        progress: RefCell::new(Progress::default()),
        last_progress_ms: Cell::new(0.0),
        last_yield_ms: Cell::new(0.0),
        test_panic: Cell::new(false),
        geo: RefCell::new(geo::GeoState::default()),
        waiting_for_geo: RefCell::new(Vec::new()),
        cache: RefCell::new(analysis::Cache::default()),
        inflater: RefCell::new(InflaterSlot::NotStarted),
        pool: RefCell::new(start_parse_workers()),
        pool_stopped: Cell::new(false),
        parse_workers_used: Cell::new(0),
        budget: Cell::new(MemoryBudget::PAGE),
    });
    let pool = worker.pool.borrow().clone();
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        Worker::on_message(&worker, &event);
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // NOTE: the handler lives as long as the worker; leaking it is the intent.
    handler.forget();
    match pool {
        Some(pool) => wasm_bindgen_futures::spawn_local(async move {
            // The page is loaded when its parse workers are (they fetch this same
            // code).
            settle(&scope, &pool).await;
            post(&scope, &Response::Ready, None);
        }),
        None => post(&scope, &Response::Ready, None),
    }
}

/// The parse workers the page asked for (see [`crate::bridge::PARSE_CONFIG`]).
fn start_parse_workers() -> Option<Rc<pool::Pool>> {
    let config = js_sys::Reflect::get(&js_sys::global(), &PARSE_CONFIG.into()).ok()?;
    let code = WorkerCode::from_js(&js_sys::Reflect::get(&config, &"code".into()).ok()?)?;
    let count = js_sys::Reflect::get(&config, &"count".into())
        .ok()
        .and_then(|c| c.as_f64())
        .map_or_else(default_parse_workers, |c| c.clamp(0.0, 64.0) as usize)
        .min(MAX_PARSE_WORKERS);
    if count == 0 {
        return None;
    }
    pool::Pool::spawn(&code, count).map(Rc::new)
}

/// Waits until every parse worker of `pool` runs or failed; one that takes too long
/// is not waited for.
async fn settle(scope: &DedicatedWorkerGlobalScope, pool: &pool::Pool) {
    let since = js_sys::Date::now();
    while !pool.settled() && js_sys::Date::now() - since < PARSE_START_WAIT_MS {
        pool.wait(scope, 100).await;
    }
}

/// Posts `response` to the page, with `bytes` beside it (transferred) when given.
fn post(scope: &DedicatedWorkerGlobalScope, response: &Response, bytes: Option<&Uint8Array>) {
    let buffer = bytes.map(|b| JsValue::from(b.buffer()));
    let transfer = buffer.as_ref().map(Array::of1);
    if let Err(err) = channel::post(scope, response, buffer.as_ref(), transfer.as_ref()) {
        web_sys::console::error_1(&format!("flowlens worker: {err}").into());
    }
}

/// Panics become a [`Response::Stopped`] for the page's error banner (and the console):
/// a panic in WebAssembly leaves the worker unusable, so the message says what to do.
fn install_panic_hook(scope: DedicatedWorkerGlobalScope) {
    std::panic::set_hook(Box::new(move |info| {
        let message = format!(
            "The worker stopped on an internal error: {info}. Reload the page to start again."
        );
        web_sys::console::error_1(&message.clone().into());
        post(&scope, &Response::Stopped { message }, None);
    }));
}

/// `future` boxed behind a `dyn`, so that its code stays a function of its own
/// instead of becoming part of the awaiting function's.
// NOTE: V8 compiles a wasm function a second time, optimised, once it has run a while,
// and it compiles the whole function. The reading loop (run once a file) had the
// sequential and example readers and the one-file fallback in it: 44 KB that took
// ~0.3 s of compiling a page load, for code that mostly never runs.
fn apart<'a, T>(future: impl Future<Output = T> + 'a) -> Pin<Box<dyn Future<Output = T> + 'a>> {
    Box::pin(future)
}

impl Worker {
    fn on_message(this: &Rc<Worker>, event: &MessageEvent) {
        let (request, extra) = match channel::receive::<Request>(event) {
            Ok(received) => received,
            Err(err) => {
                this.post(&Response::Failed {
                    message: format!("The worker got a request it does not understand: {err}"),
                });
                return;
            }
        };
        match request {
            Request::Read {
                names,
                more,
                format,
            } => {
                this.set_format(format.as_deref());
                let files = Array::from(&extra);
                let jobs: Vec<(File, String)> = files
                    .iter()
                    .zip(names)
                    .filter_map(|(file, name)| file.dyn_into::<File>().ok().map(|f| (f, name)))
                    .collect();
                this.enqueue(Job::Files(jobs), more);
            }
            Request::Example => this.enqueue(Job::Example, false),
            Request::ArmTestPanic => this.test_panic.set(true),
            Request::MemoryBudget { bytes } => this.budget.set(MemoryBudget::with_bytes(bytes)),
            Request::Cancel => {
                if let Phase::Reading { .. } = this.phase.get() {
                    this.phase.set(Phase::Stopping { clear: false });
                    this.queue.borrow_mut().clear();
                    this.wake_pool();
                }
            }
            Request::Clear => {
                this.queue.borrow_mut().clear();
                match this.phase.get() {
                    Phase::Reading { .. } | Phase::Stopping { .. } => {
                        this.phase.set(Phase::Stopping { clear: true });
                        this.wake_pool();
                    }
                    Phase::Idle { .. } => {
                        this.clear();
                        this.post_summary();
                    }
                }
            }
            Request::GeoSource { url } => {
                let mut geo = this.geo.borrow_mut();
                if matches!(*geo, geo::GeoState::NoSource) {
                    *geo = geo::GeoState::Idle(url);
                }
            }
            request @ (Request::Analyze(_)
            | Request::SourcesPage(_)
            | Request::Export(_)
            | Request::Hunt(_)) => {
                this.fetch_geo();
                if matches!(*this.geo.borrow(), geo::GeoState::Loading) {
                    let mut waiting = this.waiting_for_geo.borrow_mut();
                    if let Request::Analyze(_) = request {
                        // Only the latest analysis is worth running.
                        waiting.retain(|r| !matches!(r, Request::Analyze(_)));
                    }
                    waiting.push(request);
                } else {
                    this.answer(request);
                }
            }
        }
    }

    /// Starts fetching the address table when it has not been asked for yet: with the
    /// first files (so that it arrives while they are read, not after) or else the
    /// first analysis. Once it is there (or is not), the requests that waited for it
    /// are answered.
    fn fetch_geo(self: &Rc<Self>) {
        let url = match &*self.geo.borrow() {
            geo::GeoState::Idle(url) => url.clone(),
            _ => return,
        };
        *self.geo.borrow_mut() = geo::GeoState::Loading;
        let this = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            let state = geo::fetch(&this.scope, &url).await;
            *this.geo.borrow_mut() = state;
            let waiting = std::mem::take(&mut *this.waiting_for_geo.borrow_mut());
            for request in waiting {
                this.answer(request);
            }
        });
    }

    /// True once Cancel or Clear asked the job task to stop.
    fn cancelling(&self) -> bool {
        matches!(self.phase.get(), Phase::Stopping { .. })
    }

    /// Answers an analysis, a sources page or an export, with the address table as it
    /// stands; requests for data the worker no longer has are dropped (the page asks
    /// again for the new data).
    fn answer(&self, request: Request) {
        let version = self.data_version.get();
        let (db, status) = self.geo.borrow().answer();
        let dataset = self.dataset.borrow();
        let mut cache = self.cache.borrow_mut();
        match request {
            Request::Analyze(request) if request.data_version == version => {
                let analysis =
                    analysis::analyze(&dataset, request, db.as_deref(), status, &mut cache);
                self.post(&Response::Analysis(Box::new(analysis)));
            }
            Request::Hunt(request) if request.data_version == version => {
                let findings = analysis::findings(&dataset, request, &mut cache);
                self.post(&Response::Findings(Box::new(findings)));
            }
            Request::SourcesPage(request) if request.analysis.data_version == version => {
                let page = analysis::sources_page(&dataset, &request, db.as_deref(), &mut cache);
                self.post(&Response::SourcesPage { request, page });
            }
            Request::Export(ExportRequest { id, analysis, form }) => {
                let chunk = |bytes: Vec<u8>| {
                    let array = Uint8Array::new_with_length(bytes.len() as u32);
                    array.copy_from(&bytes);
                    let done = Response::ExportChunk {
                        id,
                        done: false,
                        error: None,
                    };
                    post(&self.scope, &done, Some(&array));
                };
                let result = if analysis.data_version == version {
                    analysis::export(&dataset, &analysis, form, db.as_deref(), &mut cache, &mut {
                        chunk
                    })
                    .map_err(|e| e.to_string())
                } else {
                    Err("the files changed since this analysis; try again".to_string())
                };
                self.post(&Response::ExportChunk {
                    id,
                    done: true,
                    error: result.err(),
                });
            }
            _ => {}
        }
    }

    fn post(&self, response: &Response) {
        post(&self.scope, response, None);
    }

    /// Queues a job and starts the job task when it is idle; `more` when the page has
    /// said more batches of the same drop follow.
    fn enqueue(self: &Rc<Self>, job: Job, more: bool) {
        self.fetch_geo();
        let idle = matches!(self.phase.get(), Phase::Idle { .. });
        {
            let mut progress = self.progress.borrow_mut();
            if idle {
                *progress = Progress::default();
                self.parse_workers_used.set(0);
                if let Some(pool) = self.pool.borrow().as_ref() {
                    pool.reset_used();
                }
            }
            match &job {
                Job::Files(files) => {
                    progress.files_total += files.len() as u64;
                    progress.bytes_total += files.iter().map(|(f, _)| f.size() as u64).sum::<u64>();
                }
                Job::Example => progress.files_total += flowlens_core::example::file_count() as u64,
            }
            progress.records = self.dataset.borrow().records();
        }
        self.queue.borrow_mut().push_back(job);
        self.post(&Response::Progress(self.progress.borrow().clone()));
        match self.phase.get() {
            Phase::Idle { .. } => {
                self.phase.set(Phase::Reading { more_coming: more });
                let this = Rc::clone(self);
                wasm_bindgen_futures::spawn_local(async move { this.run_jobs().await });
            }
            Phase::Reading { .. } => self.phase.set(Phase::Reading { more_coming: more }),
            // A job queued while stopping is dropped with the rest of the queue.
            Phase::Stopping { .. } => {}
        }
    }

    /// Runs queued jobs until the queue is empty (and no more batches are announced)
    /// or reading is cancelled.
    async fn run_jobs(self: Rc<Self>) {
        loop {
            let job = self.queue.borrow_mut().pop_front();
            let Some(job) = job else {
                if self.phase.get() == (Phase::Reading { more_coming: true }) {
                    // The next batch of the drop is on its way: let its message in.
                    reading::yield_to_event_loop(&self).await;
                    continue;
                }
                break;
            };
            match job {
                Job::Files(files) => match self.pool().await {
                    Some(pool) => apart(self.read_parallel(pool, files)).await,
                    None => apart(self.read_sequential(files)).await,
                },
                Job::Example => apart(reading::read_example(&self)).await,
            }
            if self.cancelling() {
                break;
            }
        }
        let stopped = self.phase.get();
        if let Phase::Stopping { .. } = stopped {
            // Stops decompressing what will not be read.
            *self.inflater.borrow_mut() = InflaterSlot::NotStarted;
        }
        if stopped == (Phase::Stopping { clear: true }) {
            self.clear();
        }
        self.phase.set(Phase::Idle {
            cancelled: stopped == (Phase::Stopping { clear: false }),
        });
        self.queue.borrow_mut().clear();
        // NOTE: a parse worker keeps the memory its largest file took (tens of MB
        // of wasm memory) and the files' bytes its JavaScript has not collected yet.
        // When the data set is large, they are stopped now, so that this is given back
        // before the data is analysed (the month of `scripts/month.sh`: the tab's peak
        // ~150 MiB lower). The next reading starts them again, which loads their code
        // again (from the browser's cache, or the service worker's offline); below,
        // they are kept.
        let large = {
            let held = self.dataset.borrow().used_bytes();
            held.saturating_mul(STOP_PARSERS_FROM) >= self.budget.get().bytes
        };
        if large && self.pool.borrow_mut().take().is_some() {
            self.pool_stopped.set(true);
        }
        self.dataset.borrow_mut().table.shrink_to_fit();
        self.data_version
            .set(self.data_version.get().wrapping_add(1));
        self.cache.borrow_mut().clear();
        self.post_summary();
    }

    /// Reads `files` in this worker, in order, the inflater decompressing ahead.
    async fn read_sequential(self: &Rc<Self>, files: Vec<(File, String)>) {
        // The inflater opens each file a few files ahead of the parsing.
        let mut asked = VecDeque::new();
        for (index, (file, name)) in files.iter().enumerate() {
            if self.cancelling() {
                break;
            }
            let ahead = (index + asked.len()..=index + inflate::AHEAD).filter_map(|i| files.get(i));
            for (file, _) in ahead {
                let inflater = self.inflater();
                asked.push_back(inflater.map(|i| {
                    let id = i.open(file);
                    (i, id)
                }));
            }
            let asked = asked.pop_front().flatten();
            reading::read_file(self, file, name, asked).await;
        }
        // What was asked for and not read (after a cancel) is given back.
        for (inflater, id) in asked.into_iter().flatten() {
            inflater.close(id);
        }
    }

    /// Reads `files` (and the batches of the same drop that are already queued) with
    /// the parse workers: files are handed out as workers become free, and their data
    /// sets appended here in file order, so the result is the same as
    /// [`Worker::read_sequential`]'s. A file too large to send back and forth, one
    /// that comes when no parse worker can take it and nothing else is under way, or
    /// one whose parse worker failed, is read here. The record limit is applied here,
    /// in file order: a file that would pass it is read again here with what is left.
    async fn read_parallel(self: &Rc<Self>, pool: Rc<pool::Pool>, files: Vec<(File, String)>) {
        /// A file handed out or to be read here (`id` `None`).
        struct Entry {
            file: File,
            name: String,
            id: Option<u32>,
        }
        let mut files: VecDeque<(File, String)> = files.into();
        let mut ahead: VecDeque<Entry> = VecDeque::new();
        let window = PARSE_WINDOW;
        // Reading was cancelled in a file read here, which noted it.
        let mut noted = false;
        loop {
            if self.cancelling() {
                break;
            }
            if pool.is_broken() && ahead.is_empty() {
                // No parse worker left: the rest is read here.
                apart(self.read_sequential(files.drain(..).collect())).await;
                break;
            }
            // Hand files out while there is room.
            while ahead.len() < window {
                if files.is_empty() {
                    // The next batch of the same drop, when it is here already.
                    let next = {
                        let mut queue = self.queue.borrow_mut();
                        match queue.front() {
                            Some(Job::Files(_)) => queue.pop_front(),
                            _ => None,
                        }
                    };
                    match next {
                        Some(Job::Files(more)) => files.extend(more),
                        _ => break,
                    }
                }
                let Some((file, name)) = files.pop_front() else {
                    break;
                };
                // Past the record limit a file is only noted, here.
                let small =
                    file.size() <= parallel_limit(&name) && !self.dataset.borrow().limit_reached;
                let id = if small {
                    let format = self.format.borrow().clone();
                    pool.submit(&file, &name, format.as_deref())
                } else {
                    None
                };
                if id.is_none() && small && !ahead.is_empty() {
                    // Every parse worker is busy: wait for one.
                    files.push_front((file, name));
                    break;
                }
                ahead.push_back(Entry { file, name, id });
            }
            let Some(front) = ahead.front() else {
                break;
            };
            self.progress.borrow_mut().current = front.name.clone();
            if self.test_panic.replace(false) {
                // NOTE: on purpose, for the browser tests (`?flowlens-test-panic=worker`).
                panic!(
                    "test panic while reading {} (asked for by ?flowlens-test-panic=worker)",
                    front.name
                );
            }
            let parsed = match front.id {
                None => None,
                Some(id) => match pool.take(id) {
                    None => {
                        pool.wait(&self.scope, 200).await;
                        continue;
                    }
                    Some(pool::Outcome::Parsed(bytes, from)) => Some((bytes, from)),
                    Some(pool::Outcome::Lost) => None,
                },
            };
            let Some(Entry { file, name, .. }) = ahead.pop_front() else {
                break;
            };
            let appended = match parsed {
                Some((bytes, from)) => {
                    let appended = reading::append_parsed(self, &file, &bytes);
                    pool.give_back(from, &bytes);
                    appended
                }
                None => false,
            };
            if !appended {
                let asked = self.inflater().map(|i| {
                    let id = i.open(&file);
                    (i, id)
                });
                if !apart(reading::read_file(self, &file, &name, asked)).await {
                    // Cancelled in that file: it is noted, and so is what follows.
                    noted = true;
                    break;
                }
            }
            reading::breathe(self).await;
        }
        // Files handed out and not appended (after a cancel) are dropped when they come.
        pool.abandon(ahead.iter().filter_map(|e| e.id));
        let unread = ahead
            .front()
            .map(|e| &e.name)
            .or(files.front().map(|f| &f.1));
        if let (false, Some(name)) = (noted, unread) {
            reading::cancelled(self, name);
        }
        self.parse_workers_used
            .set(self.parse_workers_used.get().max(pool.used()));
    }

    /// Ends the job task's wait for the parse workers (Cancel, Clear). They are not
    /// stopped here (the end of a large reading stops them): what they have is dropped.
    fn wake_pool(&self) {
        if let Some(pool) = self.pool.borrow().as_ref() {
            pool.wake();
        }
    }

    /// The parse workers, started again (and waited for) when the last reading
    /// stopped them; `None` when there are none, or none left.
    async fn pool(&self) -> Option<Rc<pool::Pool>> {
        if self.pool_stopped.replace(false) {
            let pool = start_parse_workers();
            if let Some(pool) = &pool {
                settle(&self.scope, pool).await;
            }
            *self.pool.borrow_mut() = pool;
        }
        let mut slot = self.pool.borrow_mut();
        if slot.as_ref().is_some_and(|p| p.is_broken()) {
            *slot = None;
        }
        slot.clone()
    }

    /// The inflater, started when first needed; `None` when it cannot run here.
    fn inflater(&self) -> Option<Rc<inflate::Inflater>> {
        let mut slot = self.inflater.borrow_mut();
        match &*slot {
            InflaterSlot::Unavailable => return None,
            InflaterSlot::Running(i) if !i.is_broken() => return Some(Rc::clone(i)),
            InflaterSlot::Running(_) => {
                *slot = InflaterSlot::Unavailable;
                return None;
            }
            InflaterSlot::NotStarted => {}
        }
        match inflate::Inflater::spawn().map(Rc::new) {
            Some(i) => {
                *slot = InflaterSlot::Running(Rc::clone(&i));
                Some(i)
            }
            None => {
                *slot = InflaterSlot::Unavailable;
                None
            }
        }
    }

    /// Empties the data set.
    fn clear(&self) {
        *self.dataset.borrow_mut() = Dataset::default();
        self.cache.borrow_mut().clear();
        self.data_version
            .set(self.data_version.get().wrapping_add(1));
    }

    /// Posts the progress counters, with `records` refreshed.
    fn post_progress(&self) {
        let records = self.dataset.borrow().records();
        let progress = {
            let mut progress = self.progress.borrow_mut();
            progress.records = records;
            progress.clone()
        };
        self.post(&Response::Progress(progress));
    }

    /// Takes the format box's text for the files of this read: empty is none; one
    /// that does not parse is reported once (files are then read as if none was
    /// given).
    fn set_format(&self, format: Option<&str>) {
        let format = format.map(str::trim).filter(|f| !f.is_empty());
        if let Some(text) = format {
            if let Err(err) = Format::parse_user(text) {
                let message = format!("the record format given is not used: {err}");
                self.dataset.borrow_mut().diagnostics.push(Diagnostic::new(
                    DiagnosticKind::Unsupported,
                    "format box",
                    message,
                ));
            }
        }
        *self.format.borrow_mut() = format.map(str::to_string);
    }

    /// The reading options' format: the format box's, when it parses.
    fn read_format(&self) -> Option<Format> {
        self.format
            .borrow()
            .as_deref()
            .and_then(|f| Format::parse_user(f).ok())
    }

    fn post_summary(&self) {
        let summary = summary(
            &self.dataset.borrow(),
            self.data_version.get(),
            self.phase.get() == (Phase::Idle { cancelled: true }),
            self.parse_workers_used.get(),
            &self.budget.get(),
        );
        self.post(&Response::Read(Box::new(summary)));
    }
}

/// The summary of `dataset` for the page.
fn summary(
    dataset: &Dataset,
    data_version: u32,
    cancelled: bool,
    parse_workers: u32,
    budget: &MemoryBudget,
) -> Summary {
    let (first_start, last_end) = dataset.table.time_extent();
    let windows = windows(dataset);
    Summary {
        data_version,
        files: dataset.files.len() as u64,
        records: dataset.records(),
        nodata: dataset.nodata(),
        skipdata: dataset.skipdata(),
        bytes_read: dataset.bytes_read(),
        text_bytes: dataset.files.iter().map(|f| f.text_bytes).sum(),
        first_start,
        last_end,
        diagnostics: dataset
            .diagnostics
            .iter()
            .filter(|d| d.is_problem())
            .take(Summary::MAX_DIAGNOSTICS)
            .cloned()
            .collect(),
        severities: SeverityCounts::of(&dataset.diagnostics),
        notes: dataset
            .diagnostics
            .iter()
            .filter(|d| !d.is_problem())
            .take(Summary::MAX_DIAGNOSTICS)
            .cloned()
            .collect(),
        days: days_of(&windows),
        windows,
        cancelled,
        record_limit: dataset.limit_reached.then_some(budget.records),
        reading_stop: dataset.reading_stop.clone(),
        parse_workers,
        held_bytes: dataset.held_bytes(),
        forms: dataset.forms(),
        folded: dataset.folded,
    }
}
