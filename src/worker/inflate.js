// The inflater: a classic worker, plain JavaScript (no wasm), that opens the files the
// reading worker asks for and sends their text: gzip decompressed by the browser's
// DecompressionStream, anything else as it is. src/worker/inflate.rs starts it (from a
// blob: URL of this file's text, which the wasm carries: include_str!) and says what the
// messages mean; they are the ones of src/channel.rs: [value, extra], `value` the
// `{kind, ...}` object serde makes of InflateRequest / InflateAnswer, `extra` the File or
// ArrayBuffer beside it (or null).
//
// Flow control: at most `credits` chunks sent and not yet taken; each taken chunk's
// buffer comes back with an `ack` and is filled again.
"use strict";

/** Bytes a chunk holds, and chunks that may wait to be taken: set by `start`. */
let chunkBytes = 0;
let credits = 0;
/** Resolves the wait for a credit. */
let wake = null;
/** A file is being read (run() is under way). */
let busy = false;
/** Files asked for: [id, File]. */
const queue = [];
/** Ids of files closed before their end. */
const closed = new Set();
/** Buffers given back, to fill again. */
const spare = [];

const said = (err) => String((err && err.message) || err);
const post = (value, extra = null, transfer = []) => self.postMessage([value, extra], transfer);

self.onmessage = (event) => {
  const [m, extra] = event.data;
  if (m.kind === "start") {
    chunkBytes = m.chunk_bytes;
    credits = m.credits;
  } else if (m.kind === "open") {
    queue.push([m.id, extra]);
    if (!busy) run();
  } else if (m.kind === "ack") {
    credits++;
    if (extra) spare.push(extra);
    if (wake !== null) {
      const w = wake;
      wake = null;
      w();
    }
  } else if (m.kind === "close") {
    closed.add(m.id);
  }
};

/** Reads the files asked for, one at a time, in order. */
async function run() {
  busy = true;
  while (queue.length > 0) {
    const [id, file] = queue.shift();
    if (!closed.has(id)) await inflate(id, file);
    closed.delete(id);
  }
  busy = false;
}

/** Sends a chunk (its buffer transferred) once a credit allows, unless the file was
 * closed meanwhile (the buffer is then kept to fill again). */
async function send(id, buffer, n) {
  while (credits === 0) await new Promise((resolve) => { wake = resolve; });
  if (closed.has(id)) {
    spare.push(buffer);
    return;
  }
  credits--;
  post({ kind: "chunk", id, length: n }, buffer, [buffer]);
}

/** Sends the text of file `id` in chunks, then `end` (or `unavailable`, `failed`). */
async function inflate(id, file) {
  if (!(chunkBytes > 0)) {
    post({ kind: "unavailable", id, message: "the inflater was not started" });
    return;
  }
  let reader;
  try {
    const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
    if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
      reader = file.stream().getReader();
      post({ kind: "plain", id });
    } else {
      reader = file.stream().pipeThrough(new DecompressionStream("gzip")).getReader();
    }
  } catch (err) {
    post({ kind: "unavailable", id, message: said(err) });
    return;
  }
  let buf = null;
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (closed.has(id)) {
        reader.cancel().catch(() => {});
        return;
      }
      if (done) break;
      let at = 0;
      while (at < value.length) {
        if (buf === null) {
          buf = spare.length > 0 ? new Uint8Array(spare.pop()) : new Uint8Array(chunkBytes);
          n = 0;
        }
        const take = Math.min(buf.length - n, value.length - at);
        buf.set(value.subarray(at, at + take), n);
        n += take;
        at += take;
        if (n === buf.length) {
          await send(id, buf.buffer, n);
          buf = null;
          if (closed.has(id)) {
            reader.cancel().catch(() => {});
            return;
          }
        }
      }
    }
    if (buf !== null && n > 0) await send(id, buf.buffer, n);
    post({ kind: "end", id });
  } catch (err) {
    post({ kind: "failed", id, message: said(err) });
  }
}
