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
//! 3. [`Request::Analyze`] runs [`flowlens_core::analysis::analyze`] at once on the data set
//!    as it is and posts [`Response::Analysis`]. The address table is fetched from
//!    the URL of [`Request::GeoSource`] ([`geo`]) when the first job is queued (so
//!    that it loads while the files are read), or else with the first analysis;
//!    analyses asked for while it loads wait, and the latest runs when the table is
//!    there (or is not).
//!
//! The state sits in one `Rc<Worker>` shared by the message handler and the job task;
//! no `RefCell` borrow is ever held across an `.await`.

mod geo;
mod inflate;
mod parse;
mod pool;
mod reading;
pub(crate) mod view;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use super::boot::WorkerCode;
use super::bridge::PARSE_CONFIG;
use super::protocol::{AnalyzeRequest, Progress, Request, Response, Summary};
use flowlens_core::analysis::{days, windows};
use flowlens_core::flow::Dataset;

/// How long the page waits for its parse workers to start (ms).
const PARSE_START_WAIT_MS: f64 = 10_000.0;

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

/// Everything the worker holds.
struct Worker {
    scope: DedicatedWorkerGlobalScope,
    dataset: RefCell<Dataset>,
    /// Bumped whenever the data set changes (end of reading, clear).
    data_version: Cell<u32>,
    queue: RefCell<VecDeque<Job>>,
    /// True while the job task runs.
    running: Cell<bool>,
    /// Set by Cancel/Clear; the job task stops at its next check.
    cancel: Cell<bool>,
    /// Set by Clear while a job runs: empty the data set once it has stopped.
    clear_pending: Cell<bool>,
    /// True when the last run was cancelled.
    cancelled: Cell<bool>,
    progress: RefCell<Progress>,
    /// When progress was last posted (ms, `Date.now()`).
    last_progress_ms: Cell<f64>,
    /// When the job task last yielded to the event loop.
    last_yield_ms: Cell<f64>,
    /// The last `Read` batch said more follow: the job task waits for them.
    more_coming: Cell<bool>,
    /// Tests only: panic when the next file is read (`Request::ArmTestPanic`).
    test_panic: Cell<bool>,
    /// The address table.
    geo: RefCell<geo::GeoState>,
    /// The latest analysis asked for while the table was being fetched.
    pending_analysis: RefCell<Option<AnalyzeRequest>>,
    /// The worker that decompresses ahead of this one (started with the first files).
    inflater: RefCell<Option<Rc<inflate::Inflater>>>,
    /// The inflater could not be started: this worker decompresses itself.
    no_inflater: Cell<bool>,
    /// The parse workers ([`pool`]), started with this worker; `None` when there are
    /// none (or none left): this worker parses every file itself.
    pool: RefCell<Option<Rc<pool::Pool>>>,
    /// Parse workers that parsed files in the current (or last) reading.
    parse_workers_used: Cell<u32>,
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
        data_version: Cell::new(0),
        queue: RefCell::new(VecDeque::new()),
        running: Cell::new(false),
        cancel: Cell::new(false),
        clear_pending: Cell::new(false),
        cancelled: Cell::new(false),
        progress: RefCell::new(Progress::default()),
        last_progress_ms: Cell::new(0.0),
        last_yield_ms: Cell::new(0.0),
        more_coming: Cell::new(false),
        test_panic: Cell::new(false),
        geo: RefCell::new(geo::GeoState::default()),
        pending_analysis: RefCell::new(None),
        inflater: RefCell::new(None),
        no_inflater: Cell::new(false),
        pool: RefCell::new(start_parse_workers()),
        parse_workers_used: Cell::new(0),
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
            // code); one that takes too long is not waited for.
            let since = js_sys::Date::now();
            while !pool.settled() && js_sys::Date::now() - since < PARSE_START_WAIT_MS {
                pool.wait(&scope, 100).await;
            }
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

/// Posts `response` to the page as `[json, transfer]`.
fn post(scope: &DedicatedWorkerGlobalScope, response: &Response, extra: Option<&JsValue>) {
    let json = match serde_json::to_string(response) {
        Ok(json) => json,
        Err(err) => {
            web_sys::console::error_1(&format!("flowlens worker: {err}").into());
            return;
        }
    };
    let message = Array::of2(&json.into(), extra.unwrap_or(&JsValue::NULL));
    if let Err(err) = scope.post_message(&message) {
        web_sys::console::error_2(&"flowlens worker: postMessage failed".into(), &err);
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

impl Worker {
    fn on_message(this: &Rc<Worker>, event: &MessageEvent) {
        let data = Array::from(&event.data());
        let request = data
            .get(0)
            .as_string()
            .ok_or_else(|| "message without a request".to_string())
            .and_then(|json| serde_json::from_str::<Request>(&json).map_err(|e| e.to_string()));
        let request = match request {
            Ok(request) => request,
            Err(err) => {
                this.post(&Response::Failed {
                    message: format!("The worker got a request it does not understand: {err}"),
                });
                return;
            }
        };
        match request {
            Request::Read { names, more } => {
                this.more_coming.set(more);
                let files = Array::from(&data.get(1));
                let jobs: Vec<(File, String)> = files
                    .iter()
                    .zip(names)
                    .filter_map(|(file, name)| file.dyn_into::<File>().ok().map(|f| (f, name)))
                    .collect();
                this.enqueue(Job::Files(jobs));
            }
            Request::Example => this.enqueue(Job::Example),
            Request::ArmTestPanic => this.test_panic.set(true),
            Request::Cancel => {
                this.more_coming.set(false);
                if this.running.get() {
                    this.cancel.set(true);
                    this.queue.borrow_mut().clear();
                    this.wake_pool();
                }
            }
            Request::Clear => {
                this.more_coming.set(false);
                this.queue.borrow_mut().clear();
                if this.running.get() {
                    this.cancel.set(true);
                    this.clear_pending.set(true);
                    this.wake_pool();
                } else {
                    this.clear();
                    this.post_summary();
                }
            }
            Request::GeoSource { url } => {
                let mut geo = this.geo.borrow_mut();
                if matches!(*geo, geo::GeoState::NoSource) {
                    *geo = geo::GeoState::Idle(url);
                }
            }
            Request::Analyze(request) => {
                if request.data_version != this.data_version.get() {
                    return; // stale: the page will ask again for the new data
                }
                this.fetch_geo();
                if matches!(*this.geo.borrow(), geo::GeoState::Loading) {
                    *this.pending_analysis.borrow_mut() = Some(request);
                } else {
                    this.analyze(request);
                }
            }
        }
    }

    /// Starts fetching the address table when it has not been asked for yet: with the
    /// first files (so that it arrives while they are read, not after) or else the
    /// first analysis. Once it is there (or is not), the analysis asked for meanwhile
    /// runs.
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
            let pending = this.pending_analysis.borrow_mut().take();
            if let Some(request) = pending {
                if request.data_version == this.data_version.get() {
                    this.analyze(request);
                }
            }
        });
    }

    fn post(&self, response: &Response) {
        post(&self.scope, response, None);
    }

    /// Runs one analysis with the address table as it stands, and posts it.
    fn analyze(&self, request: AnalyzeRequest) {
        let (db, status) = self.geo.borrow().answer();
        let view = view::analysis(&self.dataset.borrow(), request, db.as_deref(), status);
        self.post(&Response::Analysis(Box::new(view)));
    }

    /// Queues a job and starts the job task when it is idle.
    fn enqueue(self: &Rc<Self>, job: Job) {
        self.fetch_geo();
        {
            let mut progress = self.progress.borrow_mut();
            if !self.running.get() {
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
        if !self.running.get() {
            self.running.set(true);
            self.cancel.set(false);
            self.cancelled.set(false);
            let this = Rc::clone(self);
            wasm_bindgen_futures::spawn_local(async move { this.run_jobs().await });
        }
    }

    /// Runs queued jobs until the queue is empty (and no more batches are announced)
    /// or reading is cancelled.
    async fn run_jobs(self: Rc<Self>) {
        loop {
            let job = self.queue.borrow_mut().pop_front();
            let Some(job) = job else {
                if self.more_coming.get() && !self.cancel.get() {
                    // The next batch of the drop is on its way: let its message in.
                    reading::yield_to_event_loop(&self).await;
                    continue;
                }
                break;
            };
            match job {
                Job::Files(files) => match self.pool() {
                    Some(pool) => self.read_parallel(pool, files).await,
                    None => self.read_sequential(files).await,
                },
                Job::Example => reading::read_example(&self).await,
            }
            if self.cancel.get() {
                break;
            }
        }
        if self.cancel.get() {
            // Stops decompressing what will not be read.
            self.inflater.borrow_mut().take();
        }
        self.cancelled
            .set(self.cancel.get() && !self.clear_pending.get());
        if self.clear_pending.get() {
            self.clear();
        }
        self.running.set(false);
        self.cancel.set(false);
        self.queue.borrow_mut().clear();
        self.dataset.borrow_mut().table.shrink_to_fit();
        self.data_version
            .set(self.data_version.get().wrapping_add(1));
        self.post_summary();
    }

    /// Reads `files` in this worker, in order, the inflater decompressing ahead.
    async fn read_sequential(self: &Rc<Self>, files: Vec<(File, String)>) {
        // The inflater opens each file a few files ahead of the parsing.
        let mut asked = VecDeque::new();
        for (index, (file, name)) in files.iter().enumerate() {
            if self.cancel.get() {
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
            if self.cancel.get() {
                break;
            }
            if pool.is_broken() && ahead.is_empty() {
                // No parse worker left: the rest is read here.
                self.read_sequential(files.drain(..).collect()).await;
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
                    pool.submit(&file, &name)
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
                    Some(pool::Outcome::Parsed(bytes)) => Some(bytes),
                    Some(pool::Outcome::Lost) => None,
                },
            };
            let Some(Entry { file, name, .. }) = ahead.pop_front() else {
                break;
            };
            let appended = match parsed {
                Some(bytes) => reading::append_parsed(self, &file, &bytes),
                None => false,
            };
            if !appended {
                let asked = self.inflater().map(|i| {
                    let id = i.open(&file);
                    (i, id)
                });
                if !reading::read_file(self, &file, &name, asked).await {
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
    /// stopped: they finish the file or two they have, which is dropped.
    fn wake_pool(&self) {
        if let Some(pool) = self.pool.borrow().as_ref() {
            pool.wake();
        }
    }

    /// The parse workers; `None` when there are none, or none left.
    fn pool(&self) -> Option<Rc<pool::Pool>> {
        let mut slot = self.pool.borrow_mut();
        if slot.as_ref().is_some_and(|p| p.is_broken()) {
            *slot = None;
        }
        slot.clone()
    }

    /// The inflater, started when first needed; `None` when it cannot run here.
    fn inflater(&self) -> Option<Rc<inflate::Inflater>> {
        if self.no_inflater.get() {
            return None;
        }
        let mut slot = self.inflater.borrow_mut();
        if slot.as_ref().is_some_and(|i| i.is_broken()) {
            *slot = None;
            self.no_inflater.set(true);
            return None;
        }
        if slot.is_none() {
            *slot = inflate::Inflater::spawn().map(Rc::new);
            self.no_inflater.set(slot.is_none());
        }
        slot.clone()
    }

    /// Empties the data set.
    fn clear(&self) {
        *self.dataset.borrow_mut() = Dataset::default();
        self.clear_pending.set(false);
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

    fn post_summary(&self) {
        let summary = summary(
            &self.dataset.borrow(),
            self.data_version.get(),
            self.cancelled.get(),
            self.parse_workers_used.get(),
        );
        self.post(&Response::Read(summary));
    }
}

/// The summary of `dataset` for the page.
fn summary(dataset: &Dataset, data_version: u32, cancelled: bool, parse_workers: u32) -> Summary {
    let table = &dataset.table;
    let first_start = (0..table.len()).filter_map(|r| table.start_secs(r)).min();
    let last_end = (0..table.len())
        .filter_map(|r| table.end_secs(r).or(table.start_secs(r)))
        .max();
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
            .take(Summary::MAX_DIAGNOSTICS)
            .map(ToString::to_string)
            .collect(),
        diagnostics_total: dataset.diagnostics.len() as u64,
        windows: windows(dataset),
        days: days(dataset),
        cancelled,
        record_limit: dataset.limit_reached.then_some(reading::MAX_RECORDS),
        parse_workers,
    }
}
