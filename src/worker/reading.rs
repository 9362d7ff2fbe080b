//! Reading inside the worker: a `File` as a stream, and the generated example week.
//!
//! Each file is read into a data set of its own and appended to the worker's when it
//! is complete (as the CLI does), so an analysis never sees half a file and a
//! cancelled file leaves nothing behind but a diagnostic.
//!
//! The same code reads files in the parse workers ([`super::parse`], [`read_into`]
//! without a reading worker): there a file's data set is sent back rather than
//! appended.
//!
//! A parse worker reads each file whole and gives it to the core's reader, which
//! recognises gzip by its first two bytes and inflates it itself (zlib-rs, in wasm).
//! Without parse workers, gzip (recognised by its first two bytes, or by a `.gz` name
//! where the first bytes are not at hand, not otherwise by the name) is decompressed by
//! the browser's native `DecompressionStream`: in the inflater worker
//! ([`super::inflate`]) while this one parses, or here when there is no inflater.
//! When the browser's decompressor fails (a damaged file, or one it does not accept),
//! what was read of the file is thrown away and the file is read again through the
//! core's own gzip decoder: that is what the CLI does, so the records kept and the
//! diagnostic are the CLI's.

use std::rc::Rc;

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, ReadableStream, ReadableStreamDefaultReader, ReadableWritablePair};

use super::inflate::{Inflater, Piece};
use super::Worker;
use flowlens_core::example::{generate, ExampleOptions};
use flowlens_core::flow::{
    wire, Dataset, Diagnostic, DiagnosticKind, FileReader, MemoryBudget, ReadOptions,
};

/// Records the page keeps at most (the page's [`MemoryBudget`]; its bytes are the
/// other limit). Larger data sets are for the CLI. Reading stops there with a
/// diagnostic.
pub const MAX_RECORDS: u64 = MemoryBudget::PAGE.records;

/// Yield to the event loop (for messages such as Cancel) at least this often.
const YIELD_EVERY_MS: f64 = 50.0;
/// Post progress at most this often.
const PROGRESS_EVERY_MS: f64 = 100.0;

#[wasm_bindgen]
extern "C" {
    // NOTE: web-sys has DecompressionStream only behind `web_sys_unstable_apis`; these
    // few bindings avoid that build flag.
    /// The browser's native decompressor (a transform stream).
    type DecompressionStream;

    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;

    #[wasm_bindgen(method, getter)]
    fn readable(this: &DecompressionStream) -> ReadableStream;

    #[wasm_bindgen(method, getter)]
    fn writable(this: &DecompressionStream) -> web_sys::WritableStream;
}

/// How a stream read ended.
enum Ended {
    /// The stream ended.
    Done,
    /// The reader stopped taking input (unreadable content).
    Stopped,
    /// Cancel or Clear.
    Cancelled,
    /// The stream failed, with the browser's words.
    Failed(String),
}

/// Where a file's bytes come from.
enum Source {
    /// gzip, decompressed by the inflater: its first piece, then the rest by id.
    Inflated(Piece),
    /// gzip, to be decompressed here.
    Gzip,
    /// Anything else: the core's reader sniffs it.
    Plain,
    /// Anything else, its bytes sent by the inflater.
    InflatedPlain,
    /// Anything else, read whole at once (a parse worker, a file of bounded size).
    Whole,
}

/// A parse worker reads a file whole when it is at most this large.
const WHOLE_MAX_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// Bytes given to the reader at a time from a file read whole (as a `File`'s stream
/// gives them), so that where reading stops is the same either way.
const WHOLE_SLICE_BYTES: usize = 64 * 1024;

/// A file asked of the inflater: the inflater and the file's id there.
pub(super) type Asked = (Rc<Inflater>, u32);

/// Reads `file` (named `name`) and appends it to the worker's data set; `asked` is
/// set when the inflater was asked for it. False when reading was cancelled in it.
pub(super) async fn read_file(
    worker: &Rc<Worker>,
    file: &File,
    name: &str,
    asked: Option<Asked>,
) -> bool {
    worker.progress.borrow_mut().current = name.to_string();
    if worker.test_panic.replace(false) {
        // NOTE: on purpose, for the browser tests (`?flowlens-test-panic=worker`).
        panic!("test panic while reading {name} (asked for by ?flowlens-test-panic=worker)");
    }
    let size = file.size() as u64;
    let (dataset, options) = fresh(worker);
    let read = read_into(Some(worker), dataset, &options, file, name, asked.as_ref()).await;
    if let Some((inflater, id)) = &asked {
        inflater.close(*id);
    }
    match read {
        Some(dataset) => {
            file_done(worker, dataset, size);
            true
        }
        None => {
            cancelled(worker, name);
            false
        }
    }
}

/// Appends the data set of `file` that a parse worker sent (`bytes`, in the
/// [`wire`] encoding). False, and nothing appended, when the file must be read here
/// instead: the bytes cannot be decoded, or the memory budget (its records, or the
/// records its bytes left hold) falls in or before it (the parse worker read it
/// whole; here it is read with what is left, as when reading alone).
pub(super) fn append_parsed(worker: &Rc<Worker>, file: &File, bytes: &Uint8Array) -> bool {
    let (left, spent) = {
        let dataset = worker.dataset.borrow();
        (
            worker.budget.get().records_left(&dataset),
            dataset.limit_reached,
        )
    };
    let dataset = match wire::decode(&bytes.to_vec()) {
        Ok(dataset) => dataset,
        Err(err) => {
            web_sys::console::warn_1(&format!("flowlens: a parse worker's answer: {err}").into());
            return false;
        }
    };
    if spent || dataset.limit_reached || dataset.records() > left {
        return false;
    }
    file_done(worker, dataset, file.size() as u64);
    true
}

/// Reads `file` (named `name`) into `dataset` (a fresh one, for this file alone) and
/// gives it back; `None` when reading was cancelled. `worker` is the reading worker
/// (for Cancel, progress and yielding; `None` in a parse worker, which is stopped
/// rather than cancelled); `asked` is set when the inflater was asked for the file.
/// A read that failed is noted in the data set's diagnostics.
pub(super) async fn read_into(
    worker: Option<&Rc<Worker>>,
    mut dataset: Dataset,
    options: &ReadOptions,
    file: &File,
    name: &str,
    asked: Option<&Asked>,
) -> Option<Dataset> {
    let spent = dataset.limit_reached;
    let size = file.size() as u64;
    let first = match asked {
        Some((inflater, id)) => inflater.next(*id).await,
        None => Piece::Unavailable,
    };
    let source = match first {
        Piece::Plain => Source::InflatedPlain,
        // In a parse worker, read at once: one round trip to the browser for the
        // file's bytes, no first bytes first (the core's reader sniffs them and
        // inflates gzip itself: zlib-rs in wasm inflates about twice as fast as the
        // browser's `DecompressionStream` on files of 1 MB, and far faster on small
        // ones, where the stream costs about 1 ms a file).
        Piece::Unavailable if worker.is_none() && read_at_once(file) => Source::Whole,
        // Named gzip: taken at its word, without reading its first bytes first (a
        // slice of a `File` costs a round trip to the browser, about 1 ms). If it is
        // not gzip after all, the decompressor fails at once and the file is read
        // again by the core's reader, which sniffs the content, as below.
        Piece::Unavailable if size > 0 && name.ends_with(".gz") => Source::Gzip,
        Piece::Unavailable => match first_bytes(file).await {
            Ok(head) if head.starts_with(&[0x1f, 0x8b]) => Source::Gzip,
            Ok(_) => Source::Plain,
            Err(message) => {
                let reader = FileReader::new(&mut dataset, name, options);
                let message = format!("cannot be read: {message}");
                dataset.diagnostics.push(Diagnostic::new(
                    DiagnosticKind::Unreadable,
                    name,
                    message,
                ));
                reader.finish(&mut dataset);
                return Some(dataset);
            }
        },
        piece => Source::Inflated(piece),
    };
    let ended = match (source, asked) {
        (Source::InflatedPlain, Some((inflater, id))) => {
            let mut reader = FileReader::new(&mut dataset, name, options);
            let first = inflater.next(*id).await;
            let ended = pump_inflated(worker, inflater, *id, first, |bytes| {
                reader.push(&mut dataset, bytes);
                !reader.is_stopped()
            })
            .await;
            reader.finish(&mut dataset);
            ended
        }
        (Source::Whole, _) => {
            read_whole(&mut dataset, options, name, read_bytes(file).await);
            Ended::Done
        }
        (Source::Plain | Source::InflatedPlain, _) => {
            read_raw(worker, &mut dataset, file, name, options).await
        }
        (source, _) => {
            let mut reader = FileReader::new_text(&mut dataset, name, options);
            reader.count_input_bytes(&mut dataset, size);
            let push = |text: &[u8]| {
                reader.push_text(&mut dataset, text);
                !reader.is_stopped()
            };
            let ended = match (source, asked) {
                (Source::Inflated(first), Some((inflater, id))) => {
                    pump_inflated(worker, inflater, *id, first, push).await
                }
                _ => match decompressed(file) {
                    Ok(text) => pump(worker, text, push).await,
                    Err(message) => Ended::Failed(message),
                },
            };
            reader.finish(&mut dataset);
            if let Ended::Failed(_) = ended {
                // Read it again with the core's decoder, which reports the damage as
                // the CLI does and keeps what came before it. (Chunks went to the
                // reader as they came, cut lines and all: what was read is dropped.)
                dataset = Dataset::default();
                dataset.limit_reached = spent;
                read_raw(worker, &mut dataset, file, name, options).await
            } else {
                ended
            }
        }
    };
    match ended {
        Ended::Cancelled => None,
        Ended::Failed(message) => {
            let message = format!("read failed: {message}; records before it were kept");
            dataset
                .diagnostics
                .push(Diagnostic::new(DiagnosticKind::Unreadable, name, message));
            Some(dataset)
        }
        Ended::Done | Ended::Stopped => Some(dataset),
    }
}

/// True when a parse worker reads `file` whole ([`read_whole`]) rather than as a
/// stream.
pub(super) fn read_at_once(file: &File) -> bool {
    file.size() <= WHOLE_MAX_BYTES
}

/// The bytes of `file`, asked of the browser with one `arrayBuffer()` call.
pub(super) async fn read_bytes(file: &File) -> Result<Uint8Array, JsValue> {
    JsFuture::from(file.array_buffer())
        .await
        .map(|buffer| Uint8Array::new(&buffer))
}

/// Reads a file's bytes, read whole (`bytes`: its bytes, or why they could not be
/// had), into `dataset`; the core's reader sniffs and inflates them.
pub(super) fn read_whole(
    dataset: &mut Dataset,
    options: &ReadOptions,
    name: &str,
    bytes: Result<Uint8Array, JsValue>,
) {
    let mut reader = FileReader::new(dataset, name, options);
    match bytes {
        Ok(bytes) => {
            let bytes = bytes.to_vec();
            for chunk in bytes.chunks(WHOLE_SLICE_BYTES) {
                reader.push(dataset, chunk);
                if reader.is_stopped() {
                    break;
                }
            }
        }
        Err(err) => dataset.diagnostics.push(Diagnostic::new(
            DiagnosticKind::Unreadable,
            name,
            format!("cannot be read: {}", describe(&err)),
        )),
    };
    reader.finish(dataset);
}

/// Reads the file's bytes as they are; the core's reader sniffs gzip itself.
async fn read_raw(
    worker: Option<&Rc<Worker>>,
    dataset: &mut Dataset,
    file: &File,
    name: &str,
    options: &ReadOptions,
) -> Ended {
    let mut reader = FileReader::new(dataset, name, options);
    let ended = pump(worker, file.stream(), |bytes| {
        reader.push(dataset, bytes);
        !reader.is_stopped()
    })
    .await;
    reader.finish(dataset);
    ended
}

/// The text of a gzip file, decompressed in this worker by `DecompressionStream`.
fn decompressed(file: &File) -> Result<ReadableStream, String> {
    let decompressor = DecompressionStream::new("gzip").map_err(|err| describe(&err))?;
    let pair = ReadableWritablePair::new(&decompressor.readable(), &decompressor.writable());
    Ok(file.stream().pipe_through(&pair))
}

/// Feeds the inflater's chunks of file `id`, from `piece` on, to `push` (which
/// returns false to stop), yielding to the event loop and posting progress as it goes.
async fn pump_inflated(
    worker: Option<&Rc<Worker>>,
    inflater: &Inflater,
    id: u32,
    mut piece: Piece,
    mut push: impl FnMut(&[u8]) -> bool,
) -> Ended {
    let mut chunk = Vec::new();
    loop {
        if worker.is_some_and(|w| w.cancelling()) {
            return Ended::Cancelled;
        }
        match piece {
            Piece::Chunk(text) => {
                inflater.take(&text, &mut chunk);
                if !push(&chunk) {
                    return Ended::Stopped;
                }
                if let Some(worker) = worker {
                    breathe(worker).await;
                }
            }
            Piece::End => return Ended::Done,
            Piece::Failed(message) => return Ended::Failed(message),
            Piece::Plain | Piece::Unavailable => {
                return Ended::Failed("the decompressing worker stopped".to_string())
            }
        }
        piece = inflater.next(id).await;
    }
}

/// Feeds every chunk of `stream` to `push` (which returns false to stop), yielding
/// to the event loop and posting progress as it goes.
async fn pump(
    worker: Option<&Rc<Worker>>,
    stream: ReadableStream,
    mut push: impl FnMut(&[u8]) -> bool,
) -> Ended {
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut chunk = Vec::new();
    loop {
        if worker.is_some_and(|w| w.cancelling()) {
            // The promise only reports the cancellation; nothing to wait for.
            let _ = reader.cancel();
            return Ended::Cancelled;
        }
        let result = match JsFuture::from(reader.read()).await {
            Ok(result) => result,
            Err(err) => return Ended::Failed(describe(&err)),
        };
        let done = Reflect::get(&result, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return Ended::Done;
        }
        let Some(value) = Reflect::get(&result, &"value".into())
            .ok()
            .and_then(|v| v.dyn_into::<Uint8Array>().ok())
        else {
            return Ended::Failed("the stream gave something other than bytes".to_string());
        };
        chunk.resize(value.length() as usize, 0);
        value.copy_to(&mut chunk);
        if !push(&chunk) {
            let _ = reader.cancel();
            return Ended::Stopped;
        }
        if let Some(worker) = worker {
            breathe(worker).await;
        }
    }
}

/// The first bytes of `file` (enough to tell gzip).
async fn first_bytes(file: &File) -> Result<Vec<u8>, String> {
    let head = file
        .slice_with_i32_and_i32(0, 4)
        .map_err(|e| describe(&e))?;
    let buffer = JsFuture::from(head.array_buffer())
        .await
        .map_err(|e| describe(&e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Generates the example week and reads each of its files.
pub(super) async fn read_example(worker: &Rc<Worker>) {
    let mut files = Vec::new();
    generate(&ExampleOptions::default(), |file| files.push(file));
    for file in files {
        if worker.cancelling() {
            cancelled(worker, &file.path);
            return;
        }
        worker.progress.borrow_mut().current = file.path.clone();
        let (mut dataset, options) = fresh(worker);
        let mut reader = FileReader::new(&mut dataset, &file.path, &options);
        reader.push(&mut dataset, &file.text);
        reader.finish(&mut dataset);
        file_done(worker, dataset, 0);
        breathe(worker).await;
    }
}

/// An empty data set for the next file, and the options to read it with: the
/// records the memory budget has left, and whether it is spent already.
fn fresh(worker: &Rc<Worker>) -> (Dataset, ReadOptions) {
    let (left, spent) = {
        let dataset = worker.dataset.borrow();
        (
            worker.budget.get().records_left(&dataset),
            dataset.limit_reached,
        )
    };
    let mut dataset = Dataset::default();
    dataset.limit_reached = spent;
    let options = ReadOptions {
        max_records: Some(left),
        format: worker.read_format(),
    };
    (dataset, options)
}

/// Appends a finished file's data set, within the memory budget, and counts it.
fn file_done(worker: &Rc<Worker>, dataset: Dataset, input_bytes: u64) {
    let mut progress = worker.progress.borrow_mut();
    progress.files_done += 1;
    progress.bytes_read += input_bytes;
    let budget = worker.budget.get();
    let mut all = worker.dataset.borrow_mut();
    let needed = all.table.len() + dataset.table.len();
    if all.table.capacity() < needed && progress.bytes_read < progress.bytes_total {
        // Room for the records of every file queued, estimated from the input bytes
        // read so far: the columns grow a few times rather than by a quarter each
        // time (each growth copies them all). Room not used is given back when
        // reading ends (`shrink_to_fit`, in place). Never more than the budget
        // holds, and room that cannot be had is not an error (the columns grow as
        // they go, within the budget).
        let estimate =
            needed as f64 * progress.bytes_total as f64 / progress.bytes_read.max(1) as f64 * 1.05;
        let fits = all.table.len() as u64 + budget.records_left(&all);
        let rows = estimate.min(fits as f64) as usize;
        if rows > needed {
            let _ = all.table.try_reserve_rows(rows);
        }
    }
    all.append_within(dataset, &budget);
}

/// Notes in the data set that reading stopped at `name`.
pub(super) fn cancelled(worker: &Rc<Worker>, name: &str) {
    worker
        .dataset
        .borrow_mut()
        .diagnostics
        .push(Diagnostic::new(
            DiagnosticKind::Cancelled,
            name,
            "reading was cancelled here: this file and the ones after it were not read",
        ));
}

/// Posts progress and yields to the event loop when it is time to.
pub(super) async fn breathe(worker: &Rc<Worker>) {
    let now = js_sys::Date::now();
    if now - worker.last_progress_ms.get() >= PROGRESS_EVERY_MS {
        worker.last_progress_ms.set(now);
        worker.post_progress();
    }
    if now - worker.last_yield_ms.get() >= YIELD_EVERY_MS {
        yield_to_event_loop(worker).await;
        worker.last_yield_ms.set(js_sys::Date::now());
    }
}

/// Lets queued messages (Cancel, Clear, Analyze) run: a zero timeout is a new task,
/// unlike a resolved promise, which runs before any message.
pub(super) async fn yield_to_event_loop(worker: &Rc<Worker>) {
    let scope = worker.scope.clone();
    let promise = Promise::new(&mut |resolve, _reject| {
        if scope
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .is_err()
        {
            // No timer: go on at once rather than hang.
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The message of a JS error (or whatever was thrown), for a diagnostic.
pub(super) fn describe(err: &JsValue) -> String {
    if let Some(error) = err.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    err.as_string()
        .unwrap_or_else(|| "unknown browser error".to_string())
}
