// The core reader inside WebAssembly, in headless Chromium (the page's V8), on the
// same .log.gz files as the native run (issue 5). Each run starts a fresh Web Worker
// (fresh wasm memory, as the page's reading worker), which fetches the files (untimed)
// and then times with performance.now():
//   text      the reader on the inflated text, already in wasm memory (the first read
//             is "cold": wasm memory and the table's columns still growing, after a
//             warm-up on one file; then "warm" repeats)
//   gzip      the reader on the gzip bytes (it inflates with flate2 itself)
//   inflate   flate2 inflating alone, no parsing
//   ds        Chromium's DecompressionStream on the same gzip files (output MB/s; it
//             runs on the worker's own thread, so this is per core)
//   ds+text   DecompressionStream, each chunk pushed into the reader (the page's path
//             on one thread)
//   analysis  the analyses the page runs first, on the text read once: the whole data
//             and the 02:00 window (ms; what is faster natively is not always faster
//             here, so analysis changes are worth timing in V8 too)
// MB/s are of text (uncompressed bytes), as the median and the best of all timings (on
// a busy machine the best is nearer what the code can do). With several builds
// (PKG,PKG2,...), each worker loads all of them and alternates between them task by
// task, so that their ratio is measured back to back under the same load.
//
//   node scripts/compare/wasm-reader.mjs PKG[,PKG2...] DATA [RUNS] [RESERVE]
//
// PKG: wasm-bindgen --target web output of the flowlens-reader-speed binary (built by
// scripts/wasm-reader.sh). DATA: a directory of *.log.gz (FILES=N in the environment:
// the first N only; WARM=N: timed repeats per run, default 4). RESERVE: records to
// reserve before each read ("auto" = the record count, found by a first run). Needs
// playwright-core (scripts/compare's npm packages) and Chromium at $CHROMIUM_PATH.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { dataFiles, launchChromium } from './common.mjs';

const [pkgArg, data, runsArg, reserveArg] = process.argv.slice(2);
if (!pkgArg || !data) {
  console.error('usage: node scripts/compare/wasm-reader.mjs PKG[,PKG2...] DATA [RUNS] [RESERVE]');
  process.exit(2);
}
const pkgs = pkgArg.split(',').map((p) => path.resolve(p));
const labels = pkgs.map((p) => path.basename(p));
const runs = Number(runsArg || 3);
const warm = Number(process.env.WARM || 4);
const limit = Number(process.env.FILES || 0);
const files = dataFiles(data, ['.log.gz']).slice(0, limit > 0 ? limit : undefined).map((p) => {
  const gz = fs.readFileSync(p);
  return { name: path.relative(data, p), gz, text: zlib.gunzipSync(gz) };
});
const gzBytes = files.reduce((n, f) => n + f.gz.length, 0);
const textBytes = files.reduce((n, f) => n + f.text.length, 0);
console.log(`wasm: ${files.length} files, ${(textBytes / 1e6).toFixed(1)} MB text, ${(gzBytes / 1e6).toFixed(1)} MB gzip, ${runs} runs × ${warm}; builds ${labels.join(', ')}`);

const WORKER = `
onmessage = async ({ data: { reserve, warm, count } }) => {
  const list = await (await fetch('./data/list.json')).json();
  const gzJs = [], textJs = [];
  for (let i = 0; i < list.length; i++) {
    gzJs.push(new Uint8Array(await (await fetch('./data/gz/' + i)).arrayBuffer()));
    textJs.push(new Uint8Array(await (await fetch('./data/text/' + i)).arrayBuffer()));
  }
  const time = (f) => { const t = performance.now(); const r = f(); return [performance.now() - t, r]; };
  // Every build: its own module instance and memory, the files copied in.
  const builds = [];
  for (let b = 0; b < count; b++) {
    const mod = await import('./pkg/' + b + '/flowlens-reader-speed.js');
    const wasm = await mod.default({ module_or_path: './pkg/' + b + '/flowlens-reader-speed_bg.wasm' });
    const text = new mod.Corpus(), gz = new mod.Corpus(), first = new mod.Corpus();
    for (let i = 0; i < list.length; i++) { gz.add(list[i], gzJs[i]); text.add(list[i].replace(/\\.gz$/, ''), textJs[i]); }
    // Warm-up on the first file alone, so that V8 has tiered the hot code up before
    // the cold read (which then shows what growing memory and columns costs).
    first.add(list[0], textJs[0]);
    for (let i = 0; i < 20; i++) first.read(0);
    first.free();
    builds.push({ mod, wasm, text, gz, out: { memStart: wasm.memory.buffer.byteLength, text: [], gzip: [], inflate: [], dsText: [], whole: [], window: [] } });
  }
  for (const { wasm, text, out } of builds) {
    const [ms, r] = time(() => text.read(reserve));
    Object.assign(out, { textCold: ms, records: r[0], textBytes: r[1], heap: r[2], memAfterCold: wasm.memory.buffer.byteLength });
  }
  const ds = async (mod) => {
    const t = performance.now(); let n = 0; const p = mod ? new mod.Pushed() : null; let records = 0;
    for (let i = 0; i < gzJs.length; i++) {
      if (p) p.open_text(list[i]);
      const rd = new Blob([gzJs[i]]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
      for (;;) { const { done, value } = await rd.read(); if (done) break; n += value.length; if (p) p.push(value); }
    }
    if (p) { p.close(); records = p.records(); p.free(); }
    return [performance.now() - t, n, records];
  };
  for (const b of builds) b.loaded = b.text.load();
  const dsOut = { ds: [] };
  for (let i = 0; i < warm; i++) {
    for (const { loaded, out } of builds) { const [ms, n] = time(() => loaded.analyze(false)); out.whole.push(ms); out.sources = n; }
    for (const { loaded, out } of builds) { const [ms, n] = time(() => loaded.analyze(true)); out.window.push(ms); out.windowSources = n; }
    for (const { text, out } of builds) out.text.push(time(() => text.read(reserve))[0]);
    for (const { gz, out } of builds) { const [ms, r] = time(() => gz.read(reserve)); out.gzip.push(ms); out.gzipRecords = r[0]; }
    for (const { gz, out } of builds) { const [ms, r] = time(() => gz.inflate()); out.inflate.push(ms); out.inflated = r; }
    const [ms, n] = await ds(null); dsOut.ds.push(ms); dsOut.dsBytes = n;
    for (const { mod, out } of builds) { const [ms, , rec] = await ds(mod); out.dsText.push(ms); out.dsRecords = rec; }
  }
  for (const { wasm, out } of builds) out.memEnd = wasm.memory.buffer.byteLength;
  postMessage({ builds: builds.map((b) => b.out), ...dsOut });
};
`;
const HTML = '<!doctype html><meta charset="utf-8"><title>wasm reader</title><body>wasm reader</body>';
const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x').pathname;
  const send = (type, body) => { res.writeHead(200, { 'Content-Type': type }); res.end(body); };
  if (u === '/' || u === '/index.html') return send('text/html', HTML);
  if (u === '/favicon.ico') { res.writeHead(204); return res.end(); }
  if (u === '/worker.js') return send('text/javascript', WORKER);
  if (u === '/data/list.json') return send('application/json', JSON.stringify(files.map((f) => f.name)));
  let m = /^\/data\/(gz|text)\/(\d+)$/.exec(u);
  if (m && files[Number(m[2])]) return send('application/octet-stream', files[Number(m[2])][m[1]]);
  m = /^\/pkg\/(\d+)\/([\w.-]+)$/.exec(u);
  const dir = m && pkgs[Number(m[1])];
  if (dir && fs.existsSync(path.join(dir, m[2]))) {
    return send(m[2].endsWith('.wasm') ? 'application/wasm' : 'text/javascript', fs.readFileSync(path.join(dir, m[2])));
  }
  res.writeHead(404); res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchChromium();
const page = await browser.newPage();
page.on('pageerror', (e) => console.error('page error:', e.message));
page.on('console', (m) => { if (m.type() === 'error') console.error('console:', m.text()); });
await page.goto(base);
let reserve = 0;
const results = [];
const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const ms = (xs) => xs.map((x) => x.toFixed(0)).join('/');
for (let i = 0; i < runs + (reserveArg === 'auto' ? 1 : 0); i++) {
  const out = await page.evaluate(async (msg) => {
    const w = new Worker('./worker.js', { type: 'module' });
    const r = await new Promise((resolve, reject) => { w.onmessage = (e) => resolve(e.data); w.onerror = (e) => reject(new Error(e.message)); w.postMessage(msg); });
    w.terminate();
    return r;
  }, { reserve, warm, count: pkgs.length });
  if (reserveArg === 'auto' && reserve === 0) { reserve = out.builds[0].records; continue; } // found the count
  if (reserveArg && reserveArg !== 'auto') reserve = Number(reserveArg);
  results.push(out);
  console.log(`run ${results.length} (load ${load()}): ds ${ms(out.ds)} ms`);
  out.builds.forEach((o, b) => console.log(`  ${labels[b]}: text cold ${o.textCold.toFixed(0)} warm ${ms(o.text)}; gzip ${ms(o.gzip)}; inflate ${ms(o.inflate)}; ds+text ${ms(o.dsText)} ms; analysis ${ms(o.whole)}, window ${ms(o.window)} ms; memory ${(o.memStart / 2 ** 20).toFixed(0)}→${(o.memAfterCold / 2 ** 20).toFixed(0)}→${(o.memEnd / 2 ** 20).toFixed(0)} MiB`));
}
await browser.close(); server.close();
let bad = false;
for (const r of results) {
  for (const o of r.builds) {
    if (o.records !== o.gzipRecords || o.records !== o.dsRecords || o.textBytes !== textBytes || o.inflated !== textBytes || r.dsBytes !== textBytes) {
      console.error(`mismatch: records text ${o.records} gzip ${o.gzipRecords} ds ${o.dsRecords}; bytes ${textBytes} read ${o.textBytes} inflated ${o.inflated} ds ${r.dsBytes}`);
      bad = true;
    }
  }
}
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const mb = (t) => (textBytes / 1e6 / (t / 1000)).toFixed(1);
const rate = (xs) => `${mb(med(xs))} MB/s (best ${mb(Math.min(...xs))})`;
const of = (b, k) => results.flatMap((r) => r.builds[b][k]);
labels.forEach((label, b) => {
  const o = results[0].builds[b];
  const tag = labels.length > 1 ? ` [${label}]` : '';
  console.log(`wasm text${tag}: ${rate(of(b, 'text'))} warm; cold ${rate(of(b, 'textCold'))} (first read in fresh memory; ${o.records} records, reserve ${reserve}, table ${(o.heap / 2 ** 20).toFixed(1)} MiB, memory ${(o.memStart / 2 ** 20).toFixed(0)}→${(o.memAfterCold / 2 ** 20).toFixed(0)} MiB)`);
  console.log(`wasm gzip${tag}: ${rate(of(b, 'gzip'))} of text`);
  console.log(`wasm inflate${tag}: ${rate(of(b, 'inflate'))} of text`);
  console.log(`DecompressionStream + wasm reader${tag}: ${rate(of(b, 'dsText'))} of text (one thread)`);
  const msOf = (xs) => `${med(xs).toFixed(1)} ms (best ${Math.min(...xs).toFixed(1)})`;
  console.log(`wasm analysis${tag}: whole data ${msOf(of(b, 'whole'))} (${o.sources} sources), 02:00 window ${msOf(of(b, 'window'))} (${o.windowSources} sources)`);
});
console.log(`DecompressionStream: ${rate(results.flatMap((r) => r.ds))} of text (one thread)`);
// Back-to-back ratios against the first build: the median of the per-pair ratios.
for (let b = 1; b < labels.length; b++) {
  const ratio = (k) => med(of(b, k).map((t, i) => of(0, k)[i] / t)).toFixed(2);
  console.log(`speed of ${labels[b]} / ${labels[0]} (median of back-to-back pairs): text ${ratio('text')}, cold ${ratio('textCold')}, gzip ${ratio('gzip')}, inflate ${ratio('inflate')}, ds+text ${ratio('dsText')}, analysis ${ratio('whole')}, window ${ratio('window')}`);
}
console.log(`load ${load()}`);
process.exit(bad ? 1 : 0);
