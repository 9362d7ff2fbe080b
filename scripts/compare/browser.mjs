// The browser half of the comparison: the flowlens page against DuckDB-WASM, both in the
// same headless Chromium, on the same files, served from 127.0.0.1. Run by
// scripts/compare.sh --mode browser; compare.py prints and checks what this writes.
//
// - flowlens: dist/ served under /flowlens/; each run a fresh page; the files are given
//   to `[data-testid=file-input]` with setInputFiles and the time runs from the input's
//   change event to the app root's data-state="ready" (both taken inside the page). Then
//   the 02:00 window is picked in the range selectors (question 1) and timed too. The
//   reports of the last run are downloaded for the checks.
// - DuckDB-WASM: web/bench.html from the same server, DuckDB-WASM's bundles under
//   /duckdb/; each run a fresh page; the same files given to its file input, timed from
//   the change event to the last answer (see web/bench.js).
// - While each run goes, the resident memory of all Chromium processes is summed every
//   100 ms (its peak over-counts shared pages, but the same way for both), and the CPU
//   time they used is taken (less sensitive than wall time to other load on the machine).
//
// Usage: node browser.mjs --dir DIR --out RESULT.json [--dist DIST] [--runs N]
//          [--chromium PATH] [--bundle eh|mvp|coi|auto] [--input buffer|handle]
//          [--cli FLOWLENS] [--skip-page]
// Defaults: the eh bundle (one thread; the threaded coi bundle, which `auto` picks on this
// cross-origin isolated page, was 2-3 times slower on 2 cores) and in-memory buffers.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataFiles, launchChromium } from './common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const SUSPECT = '201.48.16.81';
const WINDOW_FROM = 1600221600; // 2020-09-16T02:00:00Z
const PARAMS = { suspect: SUSPECT, port: '3306', from: String(WINDOW_FROM), to: String(WINDOW_FROM + 600), k: '3.0' };
// Only bounds a hang: DuckDB-WASM on one thread takes minutes at scale 60.
const RUN_TIMEOUT_MS = 30 * 60_000;

function parseArgs(argv) {
  const args = {
    dir: null,
    out: null,
    dist: path.join(ROOT, 'dist'),
    runs: 3,
    chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    bundle: 'eh',
    input: 'buffer',
    cli: null,
    skipPage: false,
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--dir') args.dir = value();
    else if (a === '--out') args.out = value();
    else if (a === '--dist') args.dist = value();
    else if (a === '--runs') args.runs = Number(value());
    else if (a === '--chromium') args.chromium = value();
    else if (a === '--bundle') args.bundle = value();
    else if (a === '--input') args.input = value();
    else if (a === '--cli') args.cli = value();
    else if (a === '--skip-page') args.skipPage = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.dir || !args.out) throw new Error('usage: browser.mjs --dir DIR --out RESULT.json [...]');
  args.dist = path.resolve(args.dist);
  return args;
}

const log = (...a) => console.log('browser:', ...a);
const loadAvg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// ---------------------------------------------------------------------------------------
// The server: 127.0.0.1 only, four roots.

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.sql': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

function serve(dist) {
  const roots = [
    ['/flowlens/', dist],
    ['/bench/queries.sql', path.join(HERE, 'queries.sql')],
    ['/bench/', path.join(HERE, 'web')],
    ['/duckdb/', path.join(HERE, 'node_modules', '@duckdb', 'duckdb-wasm', 'dist')],
    ['/npm/', path.join(HERE, 'node_modules')],
  ];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let file = null;
    for (const [prefix, base] of roots) {
      if (url.pathname === prefix) {
        file = prefix.endsWith('/') ? path.join(base, 'index.html') : base;
        break;
      }
      if (prefix.endsWith('/') && url.pathname.startsWith(prefix)) {
        const rel = decodeURIComponent(url.pathname.slice(prefix.length));
        const candidate = path.resolve(base, rel);
        if (candidate.startsWith(base + path.sep)) file = candidate;
        break;
      }
    }
    if (!file || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    const headers = {
      'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
      'Cache-Control': 'no-store',
    };
    // DuckDB-WASM's threaded bundle (coi) needs a cross-origin isolated page; the
    // flowlens page is served as any static host would serve it.
    if (!url.pathname.startsWith('/flowlens/')) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---------------------------------------------------------------------------------------
// Resident memory of every process below this one (Chromium and its helpers).

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** Every process below this one: pid -> { rss bytes, cpu secs (user + system) }. */
function descendants() {
  const stats = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command: state ppid ... utime (14th) stime (15th) ... rss (24th).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(name), {
        ppid: Number(f[1]),
        cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK,
        rss: Number(f[21]) * 4096,
      });
    } catch {
      // The process ended meanwhile.
    }
  }
  const out = new Map();
  for (const [pid, st] of stats) {
    let p = st.ppid;
    for (let depth = 0; p && depth < 20; depth++) {
      if (p === process.pid) {
        out.set(pid, st);
        break;
      }
      p = stats.get(p)?.ppid;
    }
  }
  return out;
}

/** Starts sampling Chromium's memory every 100 ms; the returned function stops and gives
 * the peak of the summed RSS and the CPU time all its processes used meanwhile. */
function resourceSampler() {
  const before = descendants();
  let peak = 0;
  const sum = (m) => [...m.values()].reduce((n, st) => n + st.rss, 0);
  const timer = setInterval(() => {
    peak = Math.max(peak, sum(descendants()));
  }, 100);
  return () => {
    clearInterval(timer);
    const after = descendants();
    let cpu = 0;
    for (const [pid, st] of after) cpu += st.cpu - (before.get(pid)?.cpu ?? 0);
    return { rss: Math.max(peak, sum(after)), cpu };
  };
}

// ---------------------------------------------------------------------------------------
// The flowlens page.

async function pageRun(browser, base, files, { download }) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  try {
    await page.goto(`${base}/flowlens/`, { waitUntil: 'load' });
    await page.waitForSelector('.app[data-state="empty"]', { timeout: 60_000 });
    // In-page clocks: the files given (the input's input/change event, caught first on
    // window) and the app root turning ready.
    await page.evaluate(() => {
      const mark = { t0: null, ready: null };
      window.__compare = mark;
      const given = () => {
        if (mark.t0 === null) mark.t0 = performance.now();
      };
      window.addEventListener('input', given, true);
      window.addEventListener('change', given, true);
      new MutationObserver(() => {
        const app = document.querySelector('.app');
        if (mark.t0 !== null && mark.ready === null && app && app.dataset.state === 'ready') {
          mark.ready = performance.now();
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    });
    const stopSampler = resourceSampler();
    const started = performance.now();
    let used;
    try {
      await page.setInputFiles('[data-testid="file-input"]', files);
      // `stopped`: the page's worker died (out of memory, a panic): no point waiting.
      await page.waitForSelector('.app[data-state="ready"], .app[data-state="stopped"]', { timeout: RUN_TIMEOUT_MS });
    } finally {
      used = stopSampler();
    }
    const nodeSecs = (performance.now() - started) / 1000;
    if (await page.$('.app[data-state="stopped"]')) {
      const banner = await page.$eval('body', (b) => b.innerText.slice(0, 500));
      throw new Error(`the page stopped (data-state="stopped") instead of getting ready: ${banner}`);
    }
    const mark = await page.evaluate(() => window.__compare);
    const run = {
      ready_secs: (mark.ready - mark.t0) / 1000,
      node_secs: nodeSecs,
      chromium_rss_peak: used.rss,
      chromium_cpu_secs: used.cpu,
      window_secs: null,
    };
    const out = { run, report: null, windowReport: null, errors };
    if (download) out.report = await downloadReport(page);
    // Question 1: the 02:00 window, picked in the range selector (an error here is
    // recorded, not fatal: the timing above stands).
    try {
      const t = performance.now();
      await pickWindow(page);
      run.window_secs = (performance.now() - t) / 1000;
      if (download) out.windowReport = await downloadReport(page);
    } catch (error) {
      run.window_error = String(error && error.message ? error.message : error).split('\n')[0];
    }
    return out;
  } finally {
    await context.close();
  }
}

/** Picks the 02:00 window of 2020-09-16 and waits for its analysis. The page lists the
 * days in `range-select` and the chosen day's windows in `window-select`; an older page
 * listed the windows in `range-select` itself: both are handled. */
async function pickWindow(page) {
  const window = `window:${WINDOW_FROM}`;
  const inRange = await page.$(`[data-testid="range-select"] option[value="${window}"]`);
  if (inRange) {
    await page.selectOption('[data-testid="range-select"]', window);
  } else {
    await page.selectOption('[data-testid="range-select"]', `day:${WINDOW_FROM - (WINDOW_FROM % 86400)}`);
    await page.waitForSelector(`[data-testid="window-select"] option[value="${window}"]`, { state: 'attached' });
    await page.selectOption('[data-testid="window-select"]', window);
  }
  await page.waitForFunction(
    (range) => {
      const app = document.querySelector('.app');
      return app && app.dataset.state === 'ready' && app.dataset.analysisRange === range;
    },
    window,
    { timeout: RUN_TIMEOUT_MS },
  );
}

async function downloadReport(page) {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    page.click('[data-testid="download-report"]'),
  ]);
  return JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
}

// ---------------------------------------------------------------------------------------
// DuckDB-WASM.

async function duckdbRun(browser, base, files, bundle, input) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  try {
    await page.goto(`${base}/bench/bench.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.bench !== undefined, null, { timeout: 60_000 });
    const info = await page.evaluate(
      ({ bundle, params, input }) => window.bench.init({ bundle, params, input }),
      { bundle, params: PARAMS, input },
    );
    const stopSampler = resourceSampler();
    const started = performance.now();
    let used;
    try {
      await page.setInputFiles('#files', files);
      await page.waitForFunction(() => window.bench.result !== null || window.bench.error !== null, null, {
        timeout: RUN_TIMEOUT_MS,
        polling: 100,
      });
    } finally {
      used = stopSampler();
    }
    const nodeSecs = (performance.now() - started) / 1000;
    const { result, error } = await page.evaluate(() => ({ result: window.bench.result, error: window.bench.error }));
    if (error) throw new Error(`DuckDB-WASM: ${error}`);
    const { results, ...times } = result;
    return {
      info,
      run: { ...times, node_secs: nodeSecs, chromium_rss_peak: used.rss, chromium_cpu_secs: used.cpu },
      results,
      errors,
    };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------

function cliReports(cli, dir) {
  const run = (args) => {
    const r = spawnSync(cli, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`${cli} ${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  return {
    whole: run(['analyze', '--json', dir]),
    window: run(['analyze', '--json', '--window', '2020-09-16T02:00:00Z', '--suspect', SUSPECT, dir]),
  };
}

async function main() {
  const args = parseArgs(process.argv);
  const files = dataFiles(path.resolve(args.dir), ['.log.gz']);
  if (!files.length) throw new Error(`no *.log.gz under ${args.dir}`);
  const compressed = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  // Read once so both sides find the files in the page cache.
  for (const f of files) fs.readFileSync(f);

  const result = {
    files: files.length,
    compressed_bytes: compressed,
    load_start: loadAvg(),
    page: { runs: [] },
    duckdb: { runs: [] },
  };
  const havePage = !args.skipPage && fs.existsSync(path.join(args.dist, 'index.html'));
  if (!havePage) {
    result.page.skipped = args.skipPage
      ? '--skip-page'
      : `${args.dist}/index.html is missing (build it: bash scripts/test.sh, or trunk build --release)`;
    log(`flowlens page skipped: ${result.page.skipped}`);
  }

  const server = await serve(args.dist);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium(args.chromium);
  result.chromium = browser.version();
  // A side that fails is recorded and not run again; the other side goes on.
  let pageOn = havePage;
  let duckdbOn = true;
  try {
    for (let i = 0; i < args.runs; i++) {
      // Alternate which side goes first, so a burst of load elsewhere hits both.
      const order = i % 2 === 0 ? ['page', 'duckdb'] : ['duckdb', 'page'];
      for (const what of order) {
        if (what === 'page' && pageOn) {
          log(`run ${i + 1}/${args.runs}: flowlens page (load ${loadAvg()})`);
          try {
            const r = await pageRun(browser, base, files, { download: i === args.runs - 1 });
            const win =
              r.run.window_secs === null ? `not picked (${r.run.window_error})` : `${r.run.window_secs.toFixed(2)} s`;
            log(`  ready after ${r.run.ready_secs.toFixed(2)} s; the 02:00 window then: ${win}`);
            result.page.runs.push(r.run);
            if (r.report) result.page.report = r.report;
            if (r.windowReport) result.page.window_report = r.windowReport;
            if (r.errors.length) result.page.errors = r.errors;
          } catch (error) {
            result.page.error = String(error && error.stack ? error.stack : error);
            log(`  FAILED: ${result.page.error}`);
            pageOn = false;
          }
        } else if (what === 'duckdb' && duckdbOn) {
          log(`run ${i + 1}/${args.runs}: DuckDB-WASM (load ${loadAvg()})`);
          try {
            const r = await duckdbRun(browser, base, files, args.bundle, args.input);
            log(`  last answer after ${r.run.total_secs.toFixed(2)} s (${r.info.bundle} bundle, ${r.info.threads} threads)`);
            result.duckdb.runs.push(r.run);
            result.duckdb.results = r.results;
            result.duckdb.version = `${r.info.package} (DuckDB ${r.info.version})`;
            result.duckdb.bundle = `${r.info.bundle}, ${r.info.threads} thread(s), files as ${r.info.input}s`;
            if (r.errors.length) result.duckdb.errors = r.errors;
          } catch (error) {
            result.duckdb.error = String(error && error.stack ? error.stack : error);
            log(`  FAILED: ${result.duckdb.error}`);
            duckdbOn = false;
          }
        }
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  if (!result.page.report && args.cli) {
    log('no page: the CLI answers instead, for the checks');
    const r = cliReports(args.cli, path.resolve(args.dir));
    result.native_report = r.whole;
    result.native_window_report = r.window;
  }
  result.load_end = loadAvg();
  fs.writeFileSync(args.out, JSON.stringify(result));
  log(`wrote ${args.out}`);
  process.exit(result.page.error || result.duckdb.error ? 1 : 0);
}

main().catch((error) => {
  console.error(`browser: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
