// Helpers shared by the browser scripts (run.mjs, hostile.mjs, scale.mjs, …): the CLI, a static
// server for dist/ under a sub-path, Chromium, watched pages, drops, downloads and
// report comparison. Everything waits on real DOM state, never on time.
//
// Environment: FLOWLENS_DIST (default <repo>/dist), CHROMIUM_PATH (default
// /usr/bin/chromium), FLOWLENS_CLI (a built flowlens binary; default: built here with
// cargo, debug or release as the caller asks).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './chromium-args.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const DIST = path.resolve(process.env.FLOWLENS_DIST || path.join(ROOT, 'dist'));
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SUB_PATH = '/flowlens/';
/** The address of the example week's case. */
export const SUSPECT = '201.48.16.81';

// ---------------------------------------------------------------------------
// Test bookkeeping: `test(name, fn)` records a result; `finish()` prints
// `N passed, N failed` last and exits non-zero on any failure.

export function makeRunner(log = console.log) {
  const results = [];
  async function test(name, fn) {
    const started = Date.now();
    try {
      await fn();
      results.push({ name, ok: true });
      log(`ok   ${name} (${Date.now() - started} ms)`);
      return true;
    } catch (error) {
      results.push({ name, ok: false, error });
      log(`FAIL ${name}\n     ${String(error && error.stack ? error.stack : error).split('\n').join('\n     ')}`);
      return false;
    }
  }
  function finish(extraFailures = 0) {
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed + extraFailures;
    log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  }
  return { test, finish, results };
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// ---------------------------------------------------------------------------
// The CLI.

export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30, ...options });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr || ''}${r.error || ''}`);
  }
  return r.stdout;
}

/** A flowlens binary: $FLOWLENS_CLI, else built here (`profile` 'debug' or 'release'). */
export function cliPath(profile = 'debug') {
  if (process.env.FLOWLENS_CLI) return process.env.FLOWLENS_CLI;
  const args = ['build', '--quiet', '--bin', 'flowlens'];
  if (profile === 'release') args.push('--release');
  run('cargo', args, { stdio: ['ignore', 'inherit', 'inherit'] });
  return path.join(ROOT, 'target', profile, 'flowlens');
}

/** The one file of `dir` (default the built page) whose name matches `pattern`: the
 * build names most files by their content hash (scripts/offline/finish.mjs). */
export function distFile(pattern, dir = DIST) {
  const names = fs.readdirSync(dir).filter((name) => pattern.test(name));
  if (names.length !== 1) throw new Error(`${dir}: ${names.length} files match ${pattern}, not one`);
  return names[0];
}

/** Every file under `dir`, sorted. */
export function walk(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out.sort();
}

// ---------------------------------------------------------------------------
// The server: `dist` under `subPath`, on 127.0.0.1 only, logging every request.

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Serves `dist` under `subPath`; resolves to { server, hits, port, base, close }. */
export function serveDist(dist = DIST, subPath = SUB_PATH) {
  const hits = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    hits.push({ at: Date.now(), url: url.pathname });
    if (url.pathname === subPath.slice(0, -1)) {
      res.writeHead(301, { Location: subPath });
      res.end();
      return;
    }
    if (!url.pathname.startsWith(subPath)) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    const rel = decodeURIComponent(url.pathname.slice(subPath.length)) || 'index.html';
    const file = path.resolve(dist, rel);
    if (!file.startsWith(dist + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
      'Cache-Control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  return listen(server, hits, (port) => `http://127.0.0.1:${port}${subPath}`);
}

/** A server that must never be reached: it counts whatever arrives. */
export function serveTrap() {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push({ at: Date.now(), url: req.url, method: req.method });
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*' });
    res.end('reached');
  });
  return listen(server, hits, (port) => `http://127.0.0.1:${port}/`);
}

function listen(server, hits, baseOf) {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = server.address().port;
      resolve({ server, hits, port, base: baseOf(port), close: () => new Promise((r) => server.close(r)) });
    });
  });
}

// ---------------------------------------------------------------------------
// Chromium.

export { CHROMIUM_ARGS };

export function launch(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * Opens `url` in a fresh context and watches it: console errors, uncaught exceptions,
 * dialogs (dismissed and recorded) and every request after the page loaded (the
 * context's, so a worker's requests count too). `setup(context)` runs before the page
 * opens (routes, permissions).
 */
export async function openPage(browser, url, { waitState = 'empty', timeout = 60_000, setup = null } = {}) {
  // No service worker: its first install fetches the page's own files after load, which
  // the request checks here would count; tests/browser/offline.mjs tests it.
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1366, height: 900 },
    serviceWorkers: 'block',
  });
  if (setup) await setup(context);
  const page = await context.newPage();
  const watch = { errors: [], dialogs: [], requests: [], loaded: false, context, page };
  page.on('console', (msg) => {
    if (msg.type() === 'error') watch.errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (error) => watch.errors.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  context.on('request', (request) => {
    if (watch.loaded) watch.requests.push(request.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  if (waitState) await page.waitForSelector(`.app[data-state="${waitState}"]`, { timeout });
  watch.loaded = true;
  return watch;
}

/** The page's address table (beside it in dist/), fetched once when the first files are given. */
export const GEO_FILE = 'flowlens-geo.bin';

/** True for a request (URL or server path) for the page's own address table. */
export function isGeoTable(url) {
  return new URL(url, 'http://127.0.0.1').pathname.endsWith(`/${GEO_FILE}`);
}

/** Requests that went (or tried to go) over the network: not blob: or data:, and not
 * the page's own address table (asked for once, from its own site). */
export function networkRequests(watch) {
  return watch.requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && !isGeoTable(u));
}

/** Waits until the app's data-state is `state` (default ready). */
export function waitState(page, state = 'ready', timeout = 240_000) {
  return page.waitForSelector(`.app[data-state="${state}"]`, { timeout });
}

/** Waits for `data-state="ready"` with an analysis answering `range` (and `addr`). */
export function waitAnalysis(page, { range, addr } = {}, timeout = 240_000) {
  return page.waitForFunction(
    ({ range, addr }) => {
      const app = document.querySelector('.app');
      if (!app || app.dataset.state !== 'ready') return false;
      if (range && app.dataset.analysisRange !== range) return false;
      if (addr && app.dataset.analysisAddr !== addr) return false;
      return true;
    },
    { range: range || null, addr: addr || null },
    { timeout },
  );
}

/**
 * Drops files on the drop zone as a user would: a DataTransfer of real File objects,
 * then dragenter, dragover and drop (bubbling, cancelable). `files` are paths on disk
 * or Playwright file payloads ({ name, mimeType, buffer }); a hidden helper input
 * turns them into File objects inside the page (no network).
 */
export async function dropFiles(page, files) {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.id = 'test-helper-input';
    input.hidden = true;
    document.body.append(input);
  });
  await page.setInputFiles('#test-helper-input', files);
  await page.evaluate(() => {
    const input = document.getElementById('test-helper-input');
    const transfer = new DataTransfer();
    for (const file of input.files) transfer.items.add(file);
    input.remove();
    const zone = document.querySelector('[data-testid="drop-zone"]');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    }
  });
}

/** Clicks Download report and parses the saved JSON. */
export async function downloadReport(page, timeout = 60_000) {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout }),
    page.click('[data-testid="download-report"]'),
  ]);
  const file = await download.path();
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The diagnostics panel's lines (`file:line: message`). */
export function diagnosticLines(page) {
  // The problems, then the notes (empty and header-only files, folded away).
  return page.$$eval('[data-testid="diagnostics"] li, [data-testid="notes"] li.note', (items) =>
    items.map((li) => li.textContent),
  );
}

/** The addresses of the sources table's rows. */
export function sourceAddrs(page) {
  return page.$$eval('[data-testid="sources-table"] tr[data-addr]', (rows) => rows.map((r) => r.dataset.addr));
}

// ---------------------------------------------------------------------------
// Comparing reports.

/** The report without what legitimately differs: the folders in diagnostics' file
 * names (the CLI names files by their path, the page by the name it was given). */
export function normalise(report) {
  const copy = structuredClone(report);
  if (copy.input) {
    const diagnostics = copy.input.diagnostics || { total: 0, rows: [] };
    copy.input.diagnostics = {
      total: diagnostics.total,
      rows: diagnostics.rows.map((d) => `${path.basename(d.file)}:${d.line ?? ''}: ${d.message}`),
    };
  }
  return copy;
}

/** Paths where `a` and `b` differ (numbers compared to 1e-9 relative). */
export function differences(a, b, at = '$', out = []) {
  if (out.length > 20) return out;
  if (typeof a === 'number' && typeof b === 'number') {
    const scale = Math.max(Math.abs(a), Math.abs(b), 1);
    if (Math.abs(a - b) / scale > 1e-9) out.push(`${at}: ${a} != ${b}`);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${at}: length ${a.length} != ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) differences(a[i], b[i], `${at}[${i}]`, out);
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      differences(a[key], b[key], `${at}.${key}`, out);
    }
  } else if (a !== b) {
    out.push(`${at}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
  }
  return out;
}

/** Throws when the page's report differs from the CLI's (after `normalise`). */
export function assertSameReport(pageReport, cliReport, what) {
  const diff = differences(normalise(pageReport), normalise(cliReport));
  assert(diff.length === 0, `${what}: the page's report differs from the CLI's:\n${diff.join('\n')}`);
}
