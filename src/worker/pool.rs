//! The parse workers, seen from the reading worker: a few instances of this same
//! worker code, started as [`super::parse`] workers, that read and parse files in
//! parallel on the machine's other cores.
//!
//! The reading worker hands out files one by one ([`Pool::submit`]) to whichever parse
//! worker has the fewest waiting ([`PER_WORKER`] at most, so that each has its next
//! files queued when it finishes one); each file comes back as its data set in the
//! [`flowlens_core::flow::wire`] encoding ([`Pool::take`]), which the reading worker decodes
//! and appends in file order. A parse worker that fails (it cannot load, or panics)
//! takes no more files; the files it had come back as [`Outcome::Lost`], for the
//! reading worker to read itself. Dropping the pool stops every parse worker.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use js_sys::{ArrayBuffer, Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, File, Worker};

use super::parse::{ParseAnswer, ParseRequest};
use crate::blob_worker::{spawn_blob_worker, BlobWorker, ScriptUrl};
use crate::boot::WorkerCode;
use crate::channel;

/// Files a parse worker may have waiting: the one it reads and the next ones, which
/// it asks the browser for a few at a time (see `BATCH_FILES` in [`super::parse`]).
pub const PER_WORKER: usize = 8;

/// What became of a file handed out.
pub enum Outcome {
    /// Its data set, encoded, and which parse worker sent it (to give the buffer back
    /// to: [`Pool::give_back`]).
    Parsed(Uint8Array, usize),
    /// The parse worker failed before sending it: read it without the pool.
    Lost,
}

/// One parse worker as the pool sees it.
struct Slot {
    worker: Worker,
    /// It said it takes files.
    ready: Cell<bool>,
    /// It failed: it takes no more files.
    broken: Cell<bool>,
    /// Ids of the files it has and has not sent back yet.
    waiting: RefCell<Vec<u32>>,
    /// It has parsed a file since [`Pool::reset_used`].
    used: Cell<bool>,
}

/// What the parse workers sent that the reading worker has not taken yet.
#[derive(Default)]
struct Inbox {
    outcomes: HashMap<u32, Outcome>,
    /// Files no longer wanted (a cancelled reading): dropped when they come.
    abandoned: HashSet<u32>,
    /// Resolves the reading worker's wait for the next message.
    wake: Option<Function>,
}

impl Inbox {
    fn wake(&mut self) {
        if let Some(wake) = self.wake.take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

/// The running parse workers; dropping the pool stops them.
pub struct Pool {
    slots: Vec<Rc<Slot>>,
    /// The workers themselves (stopped when dropped).
    _workers: Vec<BlobWorker>,
    inbox: Rc<RefCell<Inbox>>,
    next_id: Cell<u32>,
}

impl Pool {
    /// Starts `count` parse workers from the worker's code as the page gave it (each
    /// from a `blob:` URL, as the reading worker was: see [`crate::blob_worker`]);
    /// `None` when none can be started here.
    pub fn spawn(code: &WorkerCode, count: usize) -> Option<Pool> {
        let script = ScriptUrl::new(&code.script("")).ok()?;
        let inbox: Rc<RefCell<Inbox>> = Rc::default();
        let mut slots = Vec::new();
        let mut workers = Vec::new();
        for index in 0..count {
            let options = code.options();
            options.set_name(super::parse::NAME);
            let Ok(mut worker) = spawn_blob_worker(&script, &options) else {
                break;
            };
            let slot = Rc::new(Slot {
                worker: worker.worker().clone(),
                ready: Cell::new(false),
                broken: Cell::new(false),
                waiting: RefCell::new(Vec::new()),
                used: Cell::new(false),
            });
            let on_message = {
                let slot = Rc::clone(&slot);
                let inbox = Rc::clone(&inbox);
                move |received: Result<(ParseAnswer, JsValue), String>| {
                    match received {
                        Ok((ParseAnswer::Ready, _)) => slot.ready.set(true),
                        Ok((ParseAnswer::Parsed { id, bytes: len }, bytes)) => {
                            slot.waiting.borrow_mut().retain(|&w| w != id);
                            slot.used.set(true);
                            let outcome = match bytes.dyn_into::<ArrayBuffer>() {
                                Ok(buffer) if buffer.byte_length() >= len => Outcome::Parsed(
                                    Uint8Array::new_with_byte_offset_and_length(&buffer, 0, len),
                                    index,
                                ),
                                _ => Outcome::Lost,
                            };
                            let mut inbox = inbox.borrow_mut();
                            if !inbox.abandoned.remove(&id) {
                                inbox.outcomes.insert(id, outcome);
                            }
                        }
                        Ok((ParseAnswer::Panic { .. }, _)) => fail(&slot, &inbox),
                        Err(err) => {
                            web_sys::console::error_1(
                                &format!("flowlens: a parse worker's message: {err}").into(),
                            );
                            fail(&slot, &inbox);
                        }
                    }
                    inbox.borrow_mut().wake();
                }
            };
            let on_error = {
                let slot = Rc::clone(&slot);
                let inbox = Rc::clone(&inbox);
                move |message: Option<String>| {
                    let message = message.as_deref().unwrap_or("its code did not load");
                    web_sys::console::warn_1(
                        &format!("flowlens: a parse worker failed: {message}").into(),
                    );
                    fail(&slot, &inbox);
                }
            };
            worker.listen(on_message, on_error);
            slots.push(slot);
            workers.push(worker);
        }
        if slots.is_empty() {
            return None;
        }
        Some(Pool {
            slots,
            _workers: workers,
            inbox,
            next_id: Cell::new(0),
        })
    }

    /// True when every parse worker is running or has failed.
    pub fn settled(&self) -> bool {
        self.slots.iter().all(|s| s.ready.get() || s.broken.get())
    }

    /// Files `ids` are no longer wanted: what came of them is dropped, now or when it
    /// comes.
    pub fn abandon(&self, ids: impl Iterator<Item = u32>) {
        let mut inbox = self.inbox.borrow_mut();
        for id in ids {
            if inbox.outcomes.remove(&id).is_none() {
                inbox.abandoned.insert(id);
            }
        }
    }

    /// True when every parse worker failed.
    pub fn is_broken(&self) -> bool {
        self.slots.iter().all(|s| s.broken.get())
    }

    /// Hands `file` (named `name`) to the ready parse worker with the fewest files
    /// waiting; its id, or `None` when none can take it now.
    pub fn submit(&self, file: &File, name: &str, format: Option<&str>) -> Option<u32> {
        let slot = self
            .slots
            .iter()
            .filter(|s| s.ready.get() && !s.broken.get())
            .filter(|s| s.waiting.borrow().len() < PER_WORKER)
            .min_by_key(|s| s.waiting.borrow().len())?;
        let id = self.next_id.get();
        let request = ParseRequest::Parse {
            id,
            name: name.to_string(),
            format: format.map(str::to_string),
        };
        channel::post(&slot.worker, &request, Some(file), None).ok()?;
        self.next_id.set(id.wrapping_add(1));
        slot.waiting.borrow_mut().push(id);
        Some(id)
    }

    /// What became of file `id`, if anything yet.
    pub fn take(&self, id: u32) -> Option<Outcome> {
        self.inbox.borrow_mut().outcomes.remove(&id)
    }

    /// Waits until a parse worker says something (or [`Pool::wake`], or `max_ms`).
    pub async fn wait(&self, scope: &DedicatedWorkerGlobalScope, max_ms: i32) {
        let promise = {
            let mut inbox = self.inbox.borrow_mut();
            let mut wake = None;
            let promise = Promise::new(&mut |resolve, _reject| wake = Some(resolve));
            if let Some(resolve) = &wake {
                // A timer too, so that a wait never hangs on a lost message.
                let _ =
                    scope.set_timeout_with_callback_and_timeout_and_arguments_0(resolve, max_ms);
            }
            inbox.wake = wake;
            promise
        };
        let _ = JsFuture::from(promise).await;
    }

    /// Ends a [`Pool::wait`] now (Cancel, Clear).
    pub fn wake(&self) {
        self.inbox.borrow_mut().wake();
    }

    /// Gives the buffer of `bytes`, a data set parse worker `from` sent and that was
    /// read, back to it, to send the next one in (see `SPARES` in [`super::parse`]).
    pub fn give_back(&self, from: usize, bytes: &Uint8Array) {
        let Some(slot) = self.slots.get(from).filter(|s| !s.broken.get()) else {
            return;
        };
        let buffer = JsValue::from(bytes.buffer());
        let transfer = js_sys::Array::of1(&buffer);
        let _ = channel::post(
            &slot.worker,
            &ParseRequest::Spare,
            Some(&buffer),
            Some(&transfer),
        );
    }

    /// Forgets which parse workers were used.
    pub fn reset_used(&self) {
        for slot in &self.slots {
            slot.used.set(false);
        }
    }

    /// Parse workers that sent a file back since [`Pool::reset_used`].
    pub fn used(&self) -> u32 {
        self.slots.iter().filter(|s| s.used.get()).count() as u32
    }
}

/// A parse worker failed: it takes no more files, and the ones it had are lost.
fn fail(slot: &Slot, inbox: &RefCell<Inbox>) {
    slot.broken.set(true);
    slot.worker.terminate();
    let lost = std::mem::take(&mut *slot.waiting.borrow_mut());
    let mut inbox = inbox.borrow_mut();
    for id in lost {
        if !inbox.abandoned.remove(&id) {
            inbox.outcomes.insert(id, Outcome::Lost);
        }
    }
    inbox.wake();
}

impl Drop for Pool {
    fn drop(&mut self) {
        // The workers stop as they are dropped; whoever waits goes on without them.
        self.inbox.borrow_mut().wake();
    }
}
