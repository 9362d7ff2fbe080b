// Tests of the inflater's script (inflate.js) on its own, in Node (which has the
// browser's File, DecompressionStream and streams): the script runs with a stand-in
// `self` that records what it posts, and is driven with the messages the reading worker
// sends (src/worker/inflate.rs). Texts are compared with Node's own zlib's.
//
//   node --test src/worker/inflate.test.mjs

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import zlib from 'node:zlib';

const SOURCE = fs.readFileSync(new URL('./inflate.js', import.meta.url), 'utf8');

/** The script running in a fresh scope; `answers` fills as it posts. */
function inflater() {
  const answers = [];
  let waiting = null;
  const self = {
    onmessage: null,
    postMessage(message, transfer = []) {
      assert.ok(Array.isArray(message) && message.length === 2, `not [value, extra]: ${message}`);
      const [value, extra] = message;
      if (extra !== null) assert.deepEqual(transfer, [extra], 'the bytes beside are transferred');
      answers.push({ value, extra });
      if (waiting) waiting();
    },
  };
  new Function('self', SOURCE)(self);
  const send = (value, extra = null) => self.onmessage({ data: [value, extra] });
  /** Waits until `done(answers)` holds (the script works asynchronously). */
  const until = async (done) => {
    while (!done(answers)) await new Promise((resolve) => { waiting = resolve; setTimeout(resolve, 50); });
    waiting = null;
  };
  return { answers, send, until };
}

/** A File of `bytes`. */
const file = (bytes, name = 'f') => new File([bytes], name);

/** Lines of flow-log-like text, `n` of them. */
function text(n) {
  const lines = ['version account-id interface-id srcaddr dstaddr'];
  for (let i = 0; i < n; i++) lines.push(`2 123456789012 eni-${i.toString(16)} 10.0.${i % 256}.${i % 7} 10.1.0.1`);
  return Buffer.from(lines.join('\n') + '\n');
}

/** Takes every chunk of file `id` (acknowledging each, its buffer given back) until the
 * file's last answer; returns the kinds in order and the bytes. */
async function readAll(inf, id) {
  const kinds = [];
  const parts = [];
  let seen = 0;
  for (;;) {
    await inf.until((a) => a.length > seen);
    const { value, extra } = inf.answers[seen++];
    if (value.id !== id) {
      // Another file's (closed) chunk: its credit goes back, as inflate.rs does.
      if (value.kind === 'chunk') inf.send({ kind: 'ack' }, extra);
      continue;
    }
    kinds.push(value.kind);
    if (value.kind === 'chunk') {
      parts.push(Buffer.from(new Uint8Array(extra, 0, value.length)));
      inf.send({ kind: 'ack' }, extra);
    }
    if (['end', 'failed', 'unavailable'].includes(value.kind)) break;
  }
  return { kinds, bytes: Buffer.concat(parts), lengths: parts.map((p) => p.length) };
}

test('gzip comes out as its text, in chunks of the size given, then end', async () => {
  for (const [lines, chunk] of [[3000, 4096], [10, 4096], [5000, 1000], [1, 7]]) {
    const plain = text(lines);
    const inf = inflater();
    inf.send({ kind: 'start', chunk_bytes: chunk, credits: 2 });
    inf.send({ kind: 'open', id: 7 }, file(zlib.gzipSync(plain)));
    const got = await readAll(inf, 7);
    assert.equal(got.bytes.compare(plain), 0, `${lines} lines, chunks of ${chunk}`);
    assert.equal(got.kinds.at(-1), 'end');
    assert.ok(!got.kinds.includes('plain'));
    assert.equal(got.lengths.length, Math.ceil(plain.length / chunk));
    assert.ok(got.lengths.slice(0, -1).every((l) => l === chunk), `${got.lengths}`);
  }
});

test('gzip in several members comes out whole', async () => {
  const a = text(400);
  const b = text(900);
  const inf = inflater();
  inf.send({ kind: 'start', chunk_bytes: 2048, credits: 3 });
  inf.send({ kind: 'open', id: 0 }, file(Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(b)])));
  const got = await readAll(inf, 0);
  assert.equal(got.bytes.compare(Buffer.concat([a, b])), 0);
  assert.equal(got.kinds.at(-1), 'end');
});

test('a file that is not gzip is said to be plain and sent as it is', async () => {
  for (const bytes of [text(700), Buffer.from([0x1f]), Buffer.alloc(0), Buffer.from([0x1f, 0x8c, 1, 2])]) {
    const inf = inflater();
    inf.send({ kind: 'start', chunk_bytes: 1000, credits: 6 });
    inf.send({ kind: 'open', id: 1 }, file(bytes));
    const got = await readAll(inf, 1);
    assert.equal(got.kinds[0], 'plain');
    assert.equal(got.kinds.at(-1), 'end');
    assert.equal(got.bytes.compare(bytes), 0);
  }
});

test('gzip cut short ends with failed and the browser words, after the text it had', async () => {
  const plain = text(4000);
  const whole = zlib.gzipSync(plain);
  const inf = inflater();
  inf.send({ kind: 'start', chunk_bytes: 1 << 16, credits: 6 });
  inf.send({ kind: 'open', id: 2 }, file(whole.subarray(0, Math.floor(whole.length * 0.6))));
  const got = await readAll(inf, 2);
  assert.equal(got.kinds.at(-1), 'failed');
  const failed = inf.answers.at(-1).value;
  assert.ok(typeof failed.message === 'string' && failed.message.length > 0, JSON.stringify(failed));
  // What came before the damage is the start of the text.
  assert.equal(got.bytes.compare(plain.subarray(0, got.bytes.length)), 0);
});

test('no more chunks than the credits until they are acknowledged', async () => {
  const inf = inflater();
  inf.send({ kind: 'start', chunk_bytes: 1000, credits: 3 });
  inf.send({ kind: 'open', id: 4 }, file(zlib.gzipSync(text(3000))));
  await inf.until((a) => a.filter((m) => m.value.kind === 'chunk').length === 3);
  // Give it time to run ahead if it would.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(inf.answers.filter((m) => m.value.kind === 'chunk').length, 3);
  // One credit back: one more chunk (the one filled while it waited).
  const [first, second] = inf.answers;
  inf.send({ kind: 'ack' }, first.extra);
  await inf.until((a) => a.filter((m) => m.value.kind === 'chunk').length === 4);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(inf.answers.filter((m) => m.value.kind === 'chunk').length, 4);
  // The next one is filled in the buffer given back.
  inf.send({ kind: 'ack' }, second.extra);
  await inf.until((a) => a.filter((m) => m.value.kind === 'chunk').length === 5);
  assert.equal(inf.answers.filter((m) => m.value.kind === 'chunk')[4].extra, first.extra);
});

test('a closed file stops, and the next file is read', async () => {
  const inf = inflater();
  inf.send({ kind: 'start', chunk_bytes: 1000, credits: 2 });
  inf.send({ kind: 'open', id: 5 }, file(zlib.gzipSync(text(3000))));
  const second = text(50);
  inf.send({ kind: 'open', id: 6 }, file(zlib.gzipSync(second)));
  await inf.until((a) => a.filter((m) => m.value.kind === 'chunk').length === 2);
  inf.send({ kind: 'close', id: 5 });
  for (const m of inf.answers) inf.send({ kind: 'ack' }, m.extra);
  const got = await readAll(inf, 6);
  assert.equal(got.bytes.compare(second), 0);
  assert.deepEqual(
    inf.answers.filter((m) => m.value.id === 5).map((m) => m.value.kind),
    ['chunk', 'chunk'],
    'the closed file was sent on',
  );
});

test('a file opened before start is unavailable, not a hang', async () => {
  const inf = inflater();
  inf.send({ kind: 'open', id: 9 }, file(zlib.gzipSync(text(10))));
  const got = await readAll(inf, 9);
  assert.deepEqual(got.kinds, ['unavailable']);
});
