//! The root component: the one `use_reducer`, the worker, and the page laid out in
//! the order of the investigation (load → what was read → range → who → when → what →
//! is it abnormal).
//!
//! Effects, not the reducer, talk to the outside: one starts the worker and turns its
//! messages into actions; one sends the analysis the state asks for whenever that
//! request changes; one remembers the known networks in localStorage.

use std::cell::RefCell;
use std::rc::Rc;

use web_sys::DragEvent;
use yew::prelude::*;

use super::bridge::WorkerBridge;
use super::components::download_button::{file_name, DownloadButton};
use super::components::drop_zone::DropZone;
use super::components::error_banner::ErrorBanner;
use super::components::findings::FindingsPanel;
use super::components::geo_footer::GeoFooter;
use super::components::histogram::HistogramPanel;
use super::components::known_networks::KnownNetworks;
use super::components::progress_bar::ProgressBar;
use super::components::range_select::RangeSelect;
use super::components::ranking::RankingTable;
use super::components::sources_table::{self, SourcesTable};
use super::components::sql_panel::SqlPanel;
use super::components::summary::SummaryPanel;
use super::components::timeline::TimelinePanel;
use super::components::verdict::VerdictPanel;
use super::download;
use super::files::{self, Picked};
use super::protocol::{ExportKind, ExportRequest, Request, Response, SourcesPageRequest};
use super::state::{known_entries, Action, State};
use super::view_link::use_view_link;

/// localStorage key of the known-networks box.
const KNOWN_KEY: &str = "flowlens.known-cidrs";

/// Files posted to the worker per message: the structured clone of one message blocks
/// the page, about 0.2 ms a `File`, so a drop of a thousand files goes in batches.
const FILES_PER_BATCH: usize = 64;

/// The query parameter of the browser tests' panic trigger: `page` panics once the
/// page has rendered, `worker` makes the worker panic on the first file it reads.
const TEST_PANIC_PARAM: &str = "flowlens-test-panic";

type Bridge = Rc<RefCell<Option<WorkerBridge>>>;

/// An export being streamed in: its file name, MIME type and the chunks so far (JS
/// `ArrayBuffer`s, joined by the browser into the file's `Blob`).
struct Incoming {
    id: u32,
    file_name: String,
    mime: &'static str,
    parts: js_sys::Array,
}

type Exports = Rc<RefCell<Option<Incoming>>>;

/// The query parameter that sets how many parse workers the worker starts (the
/// browser tests compare 0, the worker reading alone, with several).
const PARSERS_PARAM: &str = "flowlens-parsers";

/// The query parameter that sets the worker's memory budget in bytes (the browser
/// tests make a small week pass a small one).
const MEMORY_BUDGET_PARAM: &str = "flowlens-memory-budget";

/// The value of `?flowlens-test-panic=…` in the page's URL, if any.
fn test_panic_param() -> Option<String> {
    query_param(TEST_PANIC_PARAM)
}

/// The value of `?{key}=…` in the page's URL, if any.
fn query_param(key: &str) -> Option<String> {
    let url = web_sys::window()?.document()?.url().ok()?;
    let search = web_sys::Url::new(&url).ok()?.search();
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, value)| value.to_string())
}

/// Lets the browser run other tasks (input, rendering) before going on.
async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let scheduled = web_sys::window().is_some_and(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                .is_ok()
        });
        if !scheduled {
            // No timer: go on at once rather than hang.
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn load_known() -> String {
    local_storage()
        .and_then(|s| s.get_item(KNOWN_KEY).ok().flatten())
        .unwrap_or_default()
}

fn save_known(text: &str) {
    if let Some(storage) = local_storage() {
        // Storage may be full or disabled (private mode): the box still works.
        let _ = storage.set_item(KNOWN_KEY, text);
    }
}

/// Posts `request` to the worker; a failure goes to the banner.
fn send(
    bridge: &Bridge,
    dispatcher: &UseReducerDispatcher<State>,
    request: &Request,
    files: Option<&js_sys::Array>,
) {
    let result = match bridge.borrow().as_ref() {
        Some(worker) => worker.send(request, files),
        None => Err("The worker is not running.".to_string()),
    };
    if let Err(message) = result {
        dispatcher.dispatch(Action::Failed(message));
    }
}

/// One chunk of the export `id`: kept, and on the last one the file is offered; the
/// action to dispatch when the export ended (`None` while it goes on).
fn export_chunk(
    exports: &Exports,
    id: u32,
    done: bool,
    error: Option<String>,
    bytes: wasm_bindgen::JsValue,
) -> Option<Action> {
    let mut slot = exports.borrow_mut();
    let incoming = slot.as_ref().filter(|e| e.id == id)?;
    if !bytes.is_null() && !bytes.is_undefined() {
        incoming.parts.push(&bytes);
    }
    if !done {
        return None;
    }
    let finished = slot.take()?;
    let error = error.or_else(|| {
        download::save_parts(&finished.file_name, finished.mime, &finished.parts).err()
    });
    Some(Action::ExportEnded { id, error })
}

/// The page.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| State::new(load_known()));
    let bridge: Bridge = use_mut_ref(|| None);
    let exports: Exports = use_mut_ref(|| None);
    let dragging = use_state(|| false);

    // The worker: started once, stopped with the page.
    {
        let bridge = bridge.clone();
        let exports = exports.clone();
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let to_actions = dispatcher.clone();
            let to_worker = bridge.clone();
            let parse_workers = query_param(PARSERS_PARAM).and_then(|c| c.parse().ok());
            let spawned = WorkerBridge::spawn(parse_workers, move |response, extra| {
                to_actions.dispatch(match response {
                    Response::Ready => {
                        // The address table's absolute URL (the worker runs from a
                        // `blob:` URL and cannot resolve a relative one); the worker
                        // fetches it when the first files are given.
                        if let Some(url) = super::boot::geo_url() {
                            send(&to_worker, &to_actions, &Request::GeoSource { url }, None);
                        }
                        let budget = query_param(MEMORY_BUDGET_PARAM).and_then(|b| b.parse().ok());
                        if let Some(bytes) = budget {
                            send(
                                &to_worker,
                                &to_actions,
                                &Request::MemoryBudget { bytes },
                                None,
                            );
                        }
                        if test_panic_param().as_deref() == Some("worker") {
                            send(&to_worker, &to_actions, &Request::ArmTestPanic, None);
                        }
                        Action::WorkerReady
                    }
                    Response::Progress(p) => Action::Progress(p),
                    Response::Read(summary) => Action::Read(summary),
                    Response::Analysis(view) => Action::Analysis(view),
                    Response::Findings(findings) => Action::Findings(findings),
                    Response::SourcesPage { request, page } => {
                        Action::SourcesPage(Box::new((request, page)))
                    }
                    Response::ExportChunk { id, done, error } => {
                        match export_chunk(&exports, id, done, error, extra) {
                            Some(action) => action,
                            None => return,
                        }
                    }
                    Response::Failed { message } => Action::Failed(message),
                    Response::Stopped { message } => Action::WorkerStopped(message),
                })
            });
            match spawned {
                Ok(worker) => *bridge.borrow_mut() = Some(worker),
                Err(message) => dispatcher.dispatch(Action::WorkerStopped(format!(
                    "{message}. Reload the page to start again."
                ))),
            }
            if test_panic_param().as_deref() == Some("page") {
                // NOTE: on purpose, for the browser tests; effects run after the render.
                panic!("test panic (asked for by ?{TEST_PANIC_PARAM}=page)");
            }
            move || drop(bridge.borrow_mut().take())
        });
    }

    // The analysis the state asks for, sent whenever it changes.
    {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        use_effect_with(state.request(), move |request| {
            if let Some(request) = request {
                send(
                    &bridge,
                    &dispatcher,
                    &Request::Analyze(request.clone()),
                    None,
                );
                // The table's first page, answered right after the analysis (the
                // table asks for it itself when it shows another order or filter).
                let first = sources_table::first_page(request);
                send(&bridge, &dispatcher, &Request::SourcesPage(first), None);
            }
        });
    }

    // The hunt, asked for once the first answer for the data is shown.
    {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        use_effect_with(state.hunt_request(), move |request| {
            if let Some(request) = request {
                send(&bridge, &dispatcher, &Request::Hunt(request.clone()), None);
            }
        });
    }

    // The view (range, address, port, k) in the URL fragment, both ways.
    use_view_link(&state);

    // The known networks, remembered in this browser.
    use_effect_with(state.known_text.clone(), |text| save_known(text));

    // Bumped by Cancel and Clear: a drop still being posted in batches stops there.
    let read_generation = use_mut_ref(|| 0_u64);
    let read_files = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        let read_generation = read_generation.clone();
        Callback::from(move |picked: Vec<Picked>| {
            dispatcher.dispatch(Action::ReadRequested);
            let bridge = bridge.clone();
            let dispatcher = dispatcher.clone();
            let read_generation = read_generation.clone();
            let generation = *read_generation.borrow();
            wasm_bindgen_futures::spawn_local(async move {
                let batches = picked.chunks(FILES_PER_BATCH).count();
                for (index, batch) in picked.chunks(FILES_PER_BATCH).enumerate() {
                    if index > 0 {
                        // Each batch in its own task: the page stays responsive.
                        next_task().await;
                        if *read_generation.borrow() != generation {
                            return;
                        }
                    }
                    let (array, names) = files::to_post(batch);
                    let more = index + 1 < batches;
                    let format = files::remembered_format();
                    let request = Request::Read {
                        names,
                        more,
                        format,
                    };
                    let result = match bridge.borrow().as_ref() {
                        Some(worker) => worker.send(&request, Some(&array)),
                        None => Err("The worker is not running.".to_string()),
                    };
                    if let Err(message) = result {
                        dispatcher.dispatch(Action::Failed(message));
                        if more {
                            // Don't leave the worker waiting for the rest.
                            send(&bridge, &dispatcher, &Request::Cancel, None);
                        }
                        return;
                    }
                }
            });
        })
    };
    let on_example = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |()| {
            dispatcher.dispatch(Action::ReadRequested);
            send(&bridge, &dispatcher, &Request::Example, None);
        })
    };
    let on_cancel = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        let read_generation = read_generation.clone();
        Callback::from(move |()| {
            *read_generation.borrow_mut() += 1;
            send(&bridge, &dispatcher, &Request::Cancel, None);
        })
    };
    let on_clear = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |()| {
            *read_generation.borrow_mut() += 1;
            dispatcher.dispatch(Action::ClearRequested);
            send(&bridge, &dispatcher, &Request::Clear, None);
        })
    };

    // Drops anywhere on the page (the drop zone is where the eye goes).
    let on_dragover = {
        let dragging = dragging.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            if !*dragging {
                dragging.set(true);
            }
        })
    };
    let on_dragleave = {
        let dragging = dragging.clone();
        Callback::from(move |event: DragEvent| {
            // Only leaving the page counts (no element under the pointer any more).
            if event.related_target().is_none() {
                dragging.set(false);
            }
        })
    };
    let on_drop = {
        let dragging = dragging.clone();
        let read_files = read_files.clone();
        let dispatcher = state.dispatcher();
        let ready = state.accepts_requests();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            dragging.set(false);
            if !ready {
                return;
            }
            let Some(transfer) = event.data_transfer() else {
                return;
            };
            let dropped = files::take_drop(&transfer);
            let read_files = read_files.clone();
            let dispatcher = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let (picked, problems) = files::walk(dropped).await;
                if !problems.is_empty() {
                    dispatcher.dispatch(Action::Failed(problems.join("\n")));
                }
                if picked.is_empty() {
                    if problems.is_empty() {
                        dispatcher.dispatch(Action::Failed("The drop held no files.".to_string()));
                    }
                } else {
                    read_files.emit(picked);
                }
            });
        })
    };

    let dispatch = |f: fn(String) -> Action| {
        let dispatcher = state.dispatcher();
        Callback::from(move |value: String| dispatcher.dispatch(f(value)))
    };
    let on_select = dispatch(Action::Select);
    let on_service_port = dispatch(Action::SetServicePort);
    let on_k = dispatch(Action::SetK);
    let on_known = dispatch(Action::SetKnown);
    let on_range = {
        let dispatcher = state.dispatcher();
        Callback::from(move |range| dispatcher.dispatch(Action::SetRange(range)))
    };
    let on_dismiss = {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(Action::DismissError))
    };
    // An export: the worker streams it, `export_chunk` joins and saves it.
    let on_export = {
        let bridge = bridge.clone();
        let exports = exports.clone();
        let dispatcher = state.dispatcher();
        let analysis = state.analysis.clone();
        let id = state.next_export_id;
        let busy = state.exporting.is_some();
        Callback::from(move |kind: ExportKind| {
            let Some(analysis) = analysis.clone().filter(|_| !busy) else {
                return;
            };
            *exports.borrow_mut() = Some(Incoming {
                id,
                file_name: file_name(kind, &analysis),
                mime: kind.mime(),
                parts: js_sys::Array::new(),
            });
            dispatcher.dispatch(Action::ExportStarted(kind));
            let request = Request::Export(ExportRequest {
                id,
                analysis: analysis.request.clone(),
                form: kind,
            });
            send(&bridge, &dispatcher, &request, None);
        })
    };
    let on_open_finding = {
        let dispatcher = state.dispatcher();
        Callback::from(move |index| dispatcher.dispatch(Action::OpenFinding(index)))
    };
    let on_close_finding = {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(Action::CloseFinding))
    };
    let on_sources_request = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |request: SourcesPageRequest| {
            send(&bridge, &dispatcher, &Request::SourcesPage(request), None);
        })
    };

    let has_data = state.summary.as_ref().is_some_and(|s| s.files > 0);
    let shown = state.shown_addr();
    let known_errors = known_entries(&state.known_text).1;
    html! {
        <div class="app" data-state={state.data_state()} data-findings={state.findings_state()}
            data-analysis-range={state.analysis.as_ref().map(|a| a.request.range.encode())}
            data-analysis-addr={state.analysis.as_ref().and_then(|a| a.report.suspect.clone())}
            ondragover={on_dragover} ondragleave={on_dragleave} ondrop={on_drop}>
            <header class="top">
                <h1>{ "flowlens" }</h1>
                <p class="tagline">
                    { "Find data exfiltration in AWS VPC flow logs. Everything happens in this tab: no byte of your data leaves your machine." }
                </p>
            </header>
            if let Some(message) = &state.error {
                <ErrorBanner message={message.clone()} on_dismiss={on_dismiss} />
            }
            if !state.view_notices.is_empty() {
                <ul class="view-notices" data-testid="view-notices" aria-live="polite">
                    for n in state.view_notices.iter() { <li>{ n }</li> }
                </ul>
            }
            <section class="load">
                <DropZone enabled={state.accepts_requests() && !state.reading} dragging={*dragging}
                    on_files={read_files} on_example={on_example} />
                <ProgressBar reading={state.reading} progress={state.progress.clone()} has_data={has_data}
                    on_cancel={on_cancel} on_clear={on_clear} />
            </section>
            if let Some(summary) = state.summary.clone().filter(|s| s.files > 0) {
                <SummaryPanel summary={summary.clone()} />
                if state.findings_state() != "none" {
                    <FindingsPanel findings={state.findings.clone()} state={state.findings_state()}
                        opened={state.opened} on_open={on_open_finding} on_close={on_close_finding} />
                }
                <section class="panel controls">
                    <RangeSelect summary={summary} value={state.range} on_change={on_range} />
                    <DownloadButton analysis={state.analysis.clone()} exporting={state.exporting.map(|(_, k)| k)}
                        on_export={on_export} />
                    <span class="status" aria-live="polite">
                        { if state.analysis_current() { "" } else if state.reading { "Reading…" } else { "Analysing…" } }
                    </span>
                </section>
            }
            if let Some(analysis) = state.analysis.clone().filter(|_| has_data) {
                <div class="row">
                    <section class="panel sources-panel">
                        <h2>{ "1. Who talked to it?" }</h2>
                        <KnownNetworks text={state.known_text.clone()} errors={known_errors} on_change={on_known} />
                        <SourcesTable analysis={analysis.clone()} page={state.sources_page.clone()}
                            selected={shown.clone()} on_select={on_select.clone()} on_request={on_sources_request} />
                    </section>
                    <RankingTable analysis={analysis.clone()} selected={shown.clone()} on_select={on_select} />
                </div>
                <TimelinePanel analysis={analysis.clone()} />
                <HistogramPanel analysis={analysis.clone()} />
                <VerdictPanel analysis={analysis.clone()} service_port_text={state.service_port_text.clone()}
                    k_text={state.k_text.clone()} on_service_port={on_service_port} on_k={on_k} />
                <SqlPanel analysis={analysis} finding={state.opened_finding().cloned()} />
            }
            <footer>
                <p>{ "flowlens reads the files with your browser, in this tab, and sends nothing anywhere. It asks its own site for its own files only: once, to keep a copy in this browser for use offline, and for its address table when you give it files." }</p>
                <GeoFooter status={state.analysis.as_ref().map(|a| a.geo.clone())} />
            </footer>
        </div>
    }
}
