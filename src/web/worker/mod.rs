//! The Web Worker: it owns the data set, reads files into it and answers analyses.
//!
//! Life of the worker (entry point [`start`], built by Trunk as the `flowlens-worker`
//! bin and started by the page from a `blob:` module that imports
//! `flowlens-worker_loader.js`, so that it runs under the page's CSP):
//! 1. it installs its panic hook and message handler, then posts [`Response::Ready`]
//!    (messages posted before the wasm module is running would be lost);
//! 2. [`Request::Read`] and [`Request::Example`] queue a job; one job runs at a time, in
//!    an async task that yields to the event loop between chunks, so `Cancel`, `Clear`
//!    and progress keep flowing; [`Response::Progress`] is posted every few chunks and
//!    [`Response::Read`] when the queue is empty and no more batches of a drop are
//!    announced (`Read { more: true }`);
//! 3. [`Request::Analyze`] runs [`crate::analysis::analyze`] at once on the data set
//!    as it is and posts [`Response::Analysis`]. The first one first fetches the
//!    address table from the URL of [`Request::GeoSource`] ([`geo`]); analyses asked
//!    for meanwhile wait, and the latest runs when the table is there (or is not).
//!
//! The state sits in one `Rc<Worker>` shared by the message handler and the job task;
//! no `RefCell` borrow is ever held across an `.await`.

mod geo;
mod inflate;
mod reading;
pub(crate) mod view;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use super::protocol::{AnalyzeRequest, Progress, Request, Response, Summary};
use crate::analysis::{days, windows};
use crate::flow::Dataset;

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
}

/// Starts the worker (called from the `flowlens-worker` bin's `main`).
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
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
    });
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        Worker::on_message(&worker, &event);
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // NOTE: the handler lives as long as the worker; leaking it is the intent.
    handler.forget();
    post(&scope, &Response::Ready, None);
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
                }
            }
            Request::Clear => {
                this.more_coming.set(false);
                this.queue.borrow_mut().clear();
                if this.running.get() {
                    this.cancel.set(true);
                    this.clear_pending.set(true);
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
                let url = match &*this.geo.borrow() {
                    geo::GeoState::Loading => None,
                    geo::GeoState::Idle(url) => Some(url.clone()),
                    _ => {
                        this.analyze(request);
                        return;
                    }
                };
                *this.pending_analysis.borrow_mut() = Some(request);
                if let Some(url) = url {
                    *this.geo.borrow_mut() = geo::GeoState::Loading;
                    let this = Rc::clone(this);
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
            }
        }
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
        {
            let mut progress = self.progress.borrow_mut();
            if !self.running.get() {
                *progress = Progress::default();
            }
            match &job {
                Job::Files(files) => {
                    progress.files_total += files.len() as u64;
                    progress.bytes_total += files.iter().map(|(f, _)| f.size() as u64).sum::<u64>();
                }
                Job::Example => progress.files_total += crate::example::file_count() as u64,
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
                Job::Files(files) => {
                    // The inflater opens each file a few files ahead of the parsing.
                    let mut asked = VecDeque::new();
                    for (index, (file, name)) in files.iter().enumerate() {
                        if self.cancel.get() {
                            break;
                        }
                        let ahead = (index + asked.len()..=index + inflate::AHEAD)
                            .filter_map(|i| files.get(i));
                        for (file, _) in ahead {
                            let inflater = self.inflater();
                            asked.push_back(inflater.map(|i| {
                                let id = i.open(file);
                                (i, id)
                            }));
                        }
                        let asked = asked.pop_front().flatten();
                        reading::read_file(&self, file, name, asked).await;
                    }
                    // What was asked for and not read (after a cancel) is given back.
                    for (inflater, id) in asked.into_iter().flatten() {
                        inflater.close(id);
                    }
                }
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
        );
        self.post(&Response::Read(summary));
    }
}

/// The summary of `dataset` for the page.
fn summary(dataset: &Dataset, data_version: u32, cancelled: bool) -> Summary {
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
    }
}
