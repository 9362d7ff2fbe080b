// Offline use, installing, and use by everyone, on the built page (dist/) in headless
// Chromium. What it checks, and how:
//
// - the build (scripts/offline/finish.mjs): the files it names by content hash have
//   that hash; sw.js lists every file of dist/ but itself and the single file, each
//   with its SHA-256 and size, computed here again; index.html names only files that
//   exist; the single file names no other file, and its Content-Security-Policy allows
//   exactly its inline script and style (their hashes computed here again);
// - hosted, first visit: the service worker takes control, fetches exactly its listed
//   files from the page's own site and nothing else, and its cache holds exactly them;
//   the page can be installed (Chromium's own installability check, over CDP);
// - hosted, offline (the browser context's offline mode) after that first visit: a
//   reload opens the page, the example week analyses to the CLI's report, a drop of the
//   week's 1,008 files with two parse workers too; the server sees no request, and the
//   cache still holds exactly the listed files (no user file);
// - the single file, copied alone into an empty folder and opened from file://: the
//   example week and a drop of the week (two parse workers) analyse to the CLI's report,
//   with the address table; no request but the file itself; the hosted page's download
//   link gives this file and states its size;
// - a new deployment (a changed build written over the served folder): the notice
//   appears, the page still runs the old version until Reload, Reload serves the new
//   one, the old cache is gone; a deployment caught half-way (a file that is not the one
//   its sw.js lists) is not installed and the version in use stays;
// - axe-core on the loaded example, light and dark scheme, every <details> open and the
//   update notice shown: no serious or critical violation; the dark scheme applies;
// - the keyboard: Tab reaches the file picker inside the drop zone (its focus is drawn),
//   Enter opens the chooser, and the chosen week analyses; the range and window
//   selectors change the analysis with the arrow keys;
// - the charts' text alternatives: each canvas is an image described by a list of the
//   numbers it draws; the histogram's equal the report's bins, the timeline's the
//   report's flows to the suspect, and Chromium's accessibility tree gives them to a
//   screen reader as the canvas's description.
// Only Chromium is driven here (Debian's); the single file in Firefox: scripts/firefox-offline.sh
// (tests/firefox/offline.py, run by hand).
// Prints `N passed, N failed` last and exits non-zero when anything failed.
//
// Environment: as lib.mjs (FLOWLENS_DIST, CHROMIUM_PATH, FLOWLENS_CLI).

import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  DIST,
  ROOT,
  SUSPECT,
  assert,
  assertSameReport,
  cliPath,
  distFile,
  downloadReport,
  dropFiles,
  launch,
  makeRunner,
  run,
  serveDist,
  waitAnalysis,
  waitState,
  walk,
} from './lib.mjs';
import {
  attribute,
  contentHash,
  hashedName,
  megabytes,
  precache,
  serviceWorkerSource,
} from '../../scripts/offline/finish.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SINGLE_FILE = 'flowlens-offline.html';
const GEO_FILE = 'flowlens-geo.bin';
const READ_TIMEOUT_MS = 240_000;
const { test, finish, results } = makeRunner();

// ---------------------------------------------------------------------------
// Helpers.

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** sw.js's list of files, read from the built file. */
function swList(dir) {
  const text = fs.readFileSync(path.join(dir, 'sw.js'), 'utf8');
  const m = text.match(/^const PRECACHE = (\{.*\});$/m);
  assert(m, 'sw.js has no filled-in PRECACHE line');
  return JSON.parse(m[1]);
}

/** A fresh context that keeps a service worker, records every request and errors. */
async function watched(browser, options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1366, height: 900 }, ...options });
  const page = await context.newPage();
  const watch = { context, page, requests: [], errors: [] };
  context.on('request', (r) => watch.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => watch.errors.push(`page error: ${e.message}`));
  return watch;
}

/** Waits until a service worker controls the page and says which cache it fills. */
async function waitControlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 120_000 });
  return page.evaluate(async () => {
    const names = await caches.keys();
    const entries = {};
    for (const name of names) entries[name] = (await (await caches.open(name)).keys()).map((r) => r.url).sort();
    return entries;
  });
}

/** Clicks the example button and waits for the analysis of the suspect. */
async function analyseExample(page) {
  await page.click('[data-testid="example-button"]');
  await waitAnalysis(page, { addr: SUSPECT }, READ_TIMEOUT_MS);
}

/** The cache's contents, { name: [urls] }. */
function cacheContents(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => r.url).sort();
    return out;
  });
}

/** The listed files' absolute URLs under `base`. */
function listedUrls(list, base) {
  return list.files.map((f) => new URL(f.url, base).href).sort();
}

/**
 * A changed build over `dir` (a copy of dist/), as a deploy would leave it: the
 * stylesheet changed (so renamed by its new hash, with its new integrity), a marker in
 * index.html, and sw.js's list and version made again for the new files.
 */
function writeChangedBuild(dir, marker) {
  const indexPath = path.join(dir, 'index.html');
  let html = fs.readFileSync(indexPath, 'utf8');
  const oldCss = distFile(/^main-[0-9a-f]+\.css$/, dir);
  const css = `${fs.readFileSync(path.join(dir, oldCss), 'utf8')}\n/* build ${marker} */\n`;
  const newCss = hashedName('main.css', contentHash(css));
  fs.rmSync(path.join(dir, oldCss));
  fs.writeFileSync(path.join(dir, newCss), css);
  const integrity = `sha384-${crypto.createHash('sha384').update(css).digest('base64')}`;
  html = html
    .replace(oldCss, newCss)
    .replace(/(<link rel="stylesheet" [^>]*integrity=")[^"]*"/, `$1${integrity}"`)
    .replace(/<meta name="flowlens-test-build"[^>]*>\n?/, '')
    .replace('<meta charset="utf-8" />', `<meta charset="utf-8" />\n<meta name="flowlens-test-build" content="${marker}" />`);
  fs.writeFileSync(indexPath, html);
  const geoUrl = attribute(html, /<script type="module" src="[^"]*"[^>]*>/, 'data-flowlens-geo', 'boot tag').replace(/^\.\//, '');
  const template = fs.readFileSync(path.join(ROOT, 'src', 'sw.js'), 'utf8');
  fs.writeFileSync(path.join(dir, 'sw.js'), serviceWorkerSource(template, precache(dir, { [GEO_FILE]: geoUrl })));
  return { css: newCss };
}

/** The marker of the build the page runs (null: the build as made). */
function buildMarker(page) {
  return page.evaluate(() => document.querySelector('meta[name="flowlens-test-build"]')?.content ?? null);
}

/** Asks the browser for the service worker again; resolves to the new one's last
 * state ('installed', 'redundant', …) or 'none' when sw.js did not change. */
function checkForUpdate(page) {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    const found = new Promise((resolve) => {
      registration.addEventListener('updatefound', () => {
        const worker = registration.installing;
        const settle = () => {
          if (['installed', 'activated', 'redundant'].includes(worker.state)) resolve(worker.state);
        };
        worker.addEventListener('statechange', settle);
        settle();
      });
    });
    await registration.update().catch(() => {});
    return Promise.race([found, new Promise((resolve) => setTimeout(() => resolve('none'), 30_000))]);
  });
}

/** axe-core's serious and critical violations on the page as it is. */
async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`);
  });
}

/** Presses Tab (Shift+Tab with `back`) until `selector` has the focus, at most `max`
 * times. */
async function tabTo(page, selector, { max = 40, back = false } = {}) {
  const key = back ? 'Shift+Tab' : 'Tab';
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return i;
    await page.keyboard.press(key);
  }
  throw new Error(`${selector} never got the focus in ${max} presses of ${key}`);
}

/** The canvas `testid`'s role, label, the text that describes it, and the rows of its
 * table of numbers (`[data-testid=<testid>-numbers]`). */
function chartAlternative(page, testid) {
  return page.$eval(`canvas[data-testid="${testid}"]`, (canvas, testid) => {
    const described = document.getElementById(canvas.getAttribute('aria-describedby') || '');
    const table = document.querySelector(`[data-testid="${testid}-numbers"]`);
    return {
      role: canvas.getAttribute('role'),
      label: canvas.getAttribute('aria-label'),
      describedBy: canvas.getAttribute('aria-describedby'),
      text: described ? described.textContent : null,
      rows: table ? [...table.querySelectorAll('tbody tr')].map((tr) => ({ ...tr.dataset })) : null,
    };
  }, testid);
}

/** Chromium's accessible description of the canvas `testid` (what a screen reader reads). */
async function axDescription(page, testid) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Accessibility.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: `canvas[data-testid="${testid}"]` });
    const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
    const node = nodes[0];
    return { role: node.role?.value, name: node.name?.value, description: node.description?.value ?? '' };
  } finally {
    await cdp.detach();
  }
}

// ---------------------------------------------------------------------------

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.log(`no page: ${DIST}/index.html is missing (run trunk build --release first)`);
    finish(1);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlens-offline-'));
  const weekDir = path.join(tmp, 'week');
  let week = [];
  let cliReport = null;
  let weekTextBytes = 0;
  await test('setup: the CLI writes the example week and its report', async () => {
    const cli = cliPath();
    run(cli, ['example', weekDir]);
    week = walk(weekDir);
    assert(week.length === 1008, `${week.length} files`);
    weekTextBytes = week.reduce((n, f) => n + zlib.gunzipSync(fs.readFileSync(f)).length, 0);
    cliReport = JSON.parse(run(cli, ['analyze', '--json', weekDir]));
    assert(cliReport.suspect === SUSPECT, `CLI suspect ${JSON.stringify(cliReport.suspect)}`);
  });
  // The page's report against the CLI's on the same week. The example button makes the
  // week in memory: its bytes read are the text's, where the CLI read the .log.gz files.
  const sameAsCli = async (page, what, { example = false } = {}) => {
    assert(cliReport, 'no CLI report');
    const report = await downloadReport(page);
    if (example) {
      assert(report.input.bytes_read === weekTextBytes, `example: ${report.input.bytes_read} bytes read, the week has ${weekTextBytes} of text`);
      report.input.bytes_read = cliReport.input.bytes_read;
    }
    assertSameReport(report, cliReport, what);
  };

  // -------------------------------------------------------------------------
  // 1. What the build wrote.
  const list = swList(DIST);
  await test('build: the worker, its loader, boot.js and the manifest are named by their content hashes', async () => {
    const hashed = fs.readdirSync(DIST).filter((f) => /-[0-9a-f]{16}(_bg)?\.[a-z]+$/.test(f));
    for (const pattern of [/^flowlens-worker-/, /^flowlens-worker_loader-/, /^boot-/, /^manifest-/]) {
      assert(hashed.some((f) => pattern.test(f)), `no hashed file matches ${pattern}`);
    }
    for (const name of hashed) {
      const hash = name.match(/-([0-9a-f]{16})(_bg)?\.[a-z]+$/)[1];
      // Trunk hashes its own files (the page, the stylesheet) differently; ours are sha256.
      if (/^(flowlens-page|main)-/.test(name)) continue;
      const bytes = fs.readFileSync(path.join(DIST, name));
      assert(sha256(bytes).startsWith(hash), `${name}: content hash ${sha256(bytes).slice(0, 16)}`);
    }
    for (const stale of ['flowlens-worker.js', 'flowlens-worker_bg.wasm', 'flowlens-worker_loader.js', 'boot.js', 'manifest.webmanifest']) {
      assert(!fs.existsSync(path.join(DIST, stale)), `${stale} is still there, unhashed`);
    }
  });
  await test('build: sw.js lists every file but itself and the single file, with its SHA-256, size and type', async () => {
    // dist/embed/ is the embeddable module (scripts/build-js.sh, after Trunk), not the page.
    const onDisk = walk(DIST)
      .map((f) => path.relative(DIST, f).split(path.sep).join('/'))
      .filter((f) => f !== 'sw.js' && f !== SINGLE_FILE && !f.startsWith('embed/'));
    const listed = list.files.map((f) => f.url.replace(/\?.*$/, ''));
    assert(JSON.stringify(listed.slice().sort()) === JSON.stringify(onDisk.slice().sort()), `listed ${listed} vs on disk ${onDisk}`);
    for (const f of list.files) {
      const bytes = fs.readFileSync(path.join(DIST, f.url.replace(/\?.*$/, '')));
      assert(f.sha256 === sha256(bytes), `${f.url}: listed ${f.sha256}, file ${sha256(bytes)}`);
      assert(f.bytes === bytes.length, `${f.url}: listed ${f.bytes} bytes, file ${bytes.length}`);
    }
    const wasm = list.files.filter((f) => f.url.endsWith('.wasm'));
    assert(wasm.length === 2 && wasm.every((f) => f.type === 'application/wasm'), JSON.stringify(wasm));
    const geo = list.files.find((f) => f.url.startsWith(`${GEO_FILE}?v=`));
    assert(geo && geo.url === `${GEO_FILE}?v=${geo.sha256.slice(0, 16)}`, `address table entry ${JSON.stringify(geo)}`);
    assert(/^[0-9a-f]{16}$/.test(list.version), `version ${list.version}`);
  });
  await test('build: index.html names only files that exist', async () => {
    const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
    const named = [...html.matchAll(/(?:src|href|data-flowlens-[a-z]+)="([^"]+)"/g)]
      .map((m) => m[1])
      .filter((u) => !u.startsWith('data:'));
    assert(named.length >= 8, `only ${named.length} references: ${named}`);
    for (const u of named) {
      const file = u.replace(/^\.\//, '').replace(/\?.*$/, '');
      assert(fs.existsSync(path.join(DIST, file)), `index.html names ${u}, which is not in dist/`);
    }
  });
  await test('build: the single file names no other file, and its CSP allows exactly its inline script and style', async () => {
    const html = fs.readFileSync(path.join(DIST, SINGLE_FILE), 'utf8');
    const refs = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]).filter((u) => !u.startsWith('data:'));
    assert(refs.length === 0, `references: ${refs}`);
    const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/)[1];
    assert(!/'self'|https?:|\*|unsafe-inline|unsafe-eval'/.test(csp.replace("'wasm-unsafe-eval'", '')), `too loose: ${csp}`);
    const hashOf = (text) => `'sha256-${crypto.createHash('sha256').update(text).digest('base64')}'`;
    const scripts = [...html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
    assert(scripts.length === 1 && styles.length === 1, `${scripts.length} inline scripts, ${styles.length} styles`);
    assert(csp.includes(`script-src ${hashOf(scripts[0])} blob: 'wasm-unsafe-eval'`), `script-src: ${csp}`);
    assert(csp.includes(`style-src ${hashOf(styles[0])};`), `style-src: ${csp}`);
    assert(csp.includes('connect-src data:;') && csp.includes('worker-src blob:;'), csp);
  });

  const site = await serveDist();
  const browser = await launch();
  try {
    // -----------------------------------------------------------------------
    // 2. Hosted: the first visit, then offline.
    {
      const watch = await watched(browser);
      const { page, context } = watch;
      await test('hosted: a service worker takes control and caches exactly its listed files', async () => {
        await page.goto(`${site.base}?flowlens-parsers=2`);
        await waitState(page, 'empty');
        const caches = await waitControlled(page);
        assert(Object.keys(caches).length === 1 && Object.keys(caches)[0] === `flowlens-${list.version}`, `caches ${Object.keys(caches)}`);
        const want = listedUrls(list, site.base);
        assert(JSON.stringify(Object.values(caches)[0]) === JSON.stringify(want), `cached ${Object.values(caches)[0]}\nlisted ${want}`);
      });
      await test('hosted: everything asked for is the page\'s own listed files (and sw.js), each file asked for', async () => {
        const listed = new Set(list.files.map((f) => `${new URL(site.base).pathname}${f.url.replace(/\?.*$/, '')}`));
        const served = site.hits.map((h) => h.url);
        const others = served.filter((u) => !listed.has(u) && u !== `${new URL(site.base).pathname}` && !u.endsWith('/sw.js'));
        assert(others.length === 0, `asked for: ${others}`);
        const missed = [...listed].filter((u) => !served.includes(u));
        assert(missed.length === 0, `never asked for: ${missed}`);
        const foreign = watch.requests.filter((u) => !u.startsWith(site.base) && !/^(blob|data):/.test(u));
        assert(foreign.length === 0, `requests elsewhere: ${foreign}`);
      });
      await test('hosted: the example week analyses online (the reference for offline)', async () => {
        await analyseExample(page);
        await sameAsCli(page, 'hosted, online', { example: true });
      });
      const hitsOnline = site.hits.length;
      await test('offline: a reload opens the page from the cache', async () => {
        await context.setOffline(true);
        await page.reload();
        await waitState(page, 'empty');
        assert((await buildMarker(page)) === null, 'not the built page');
      });
      await test('offline: the example week analyses, with the address table, to the CLI\'s report', async () => {
        await analyseExample(page);
        const state = await page.$eval('[data-testid="geo-database"]', (el) => el.dataset.state);
        assert(state === 'loaded', `address table: ${state}`);
        await sameAsCli(page, 'offline example', { example: true });
      });
      await test('offline: a drop of the week\'s 1,008 files reads with two parse workers, to the CLI\'s report', async () => {
        await page.click('[data-testid="clear"]');
        await waitState(page, 'empty');
        await dropFiles(page, week);
        await waitAnalysis(page, { addr: SUSPECT }, READ_TIMEOUT_MS);
        const used = await page.$eval('[data-testid="summary"]', (e) => Number(e.dataset.parseWorkers));
        assert(used === 2, `parse workers used: ${used}`);
        await sameAsCli(page, 'offline drop');
      });
      await test('offline: the server saw no request (but the browser\'s own check of sw.js), and the cache holds the listed files only', async () => {
        // NOTE: Chromium checks sw.js for a new version on each navigation from its own
        // process, which Playwright's offline mode does not cover; offline for real, that
        // check fails quietly.
        const asked = site.hits.slice(hitsOnline).map((h) => h.url).filter((u) => !u.endsWith('/sw.js'));
        assert(asked.length === 0, `server requests: ${asked}`);
        const caches = await cacheContents(page);
        assert(JSON.stringify(Object.values(caches)) === JSON.stringify([listedUrls(list, site.base)]), `caches: ${JSON.stringify(caches)}`);
      });
      await test('hosted and offline: no console error or uncaught exception', async () => {
        assert(watch.errors.length === 0, watch.errors.join('\n'));
      });
      await context.close();
    }

    // The page can be installed: Chromium's own check (a profile on disk: Chromium
    // never offers to install from an incognito context, which new contexts are).
    await test('hosted: Chromium finds the page installable (manifest, icons, service worker), img-src still data: only', async () => {
      const csp = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8').match(/content="(default-src[^"]*)"/)[1];
      assert(/img-src data:;/.test(csp) && /manifest-src 'self';/.test(csp), csp);
      const profile = fs.mkdtempSync(path.join(tmp, 'profile-'));
      const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      try {
        const page = await context.newPage();
        await page.goto(site.base);
        await waitState(page, 'empty');
        await waitControlled(page);
        const cdp = await context.newCDPSession(page);
        const manifest = await cdp.send('Page.getAppManifest');
        assert(manifest.errors.length === 0, `manifest errors: ${JSON.stringify(manifest.errors)}`);
        let errors = null;
        // Chromium fetches the icons on its own after the load: ask until it has.
        const until = Date.now() + 60_000;
        while (Date.now() < until) {
          ({ installabilityErrors: errors } = await cdp.send('Page.getInstallabilityErrors'));
          if (errors.length === 0) break;
          await page.waitForTimeout(250);
        }
        assert(errors.length === 0, `installability errors: ${JSON.stringify(errors)}`);
      } finally {
        await context.close();
      }
    });

    // -----------------------------------------------------------------------
    // 3. The single file, alone in a folder, from file://.
    {
      const alone = path.join(tmp, 'alone');
      fs.mkdirSync(alone);
      fs.copyFileSync(path.join(DIST, SINGLE_FILE), path.join(alone, SINGLE_FILE));
      const url = pathToFileURL(path.join(alone, SINGLE_FILE)).href;
      const watch = await watched(browser);
      const { page } = watch;
      await test('single file: it opens from file:// alone', async () => {
        await page.goto(`${url}?flowlens-parsers=2`);
        await waitState(page, 'empty');
      });
      await test('single file: the example week analyses, with the address table, to the CLI\'s report', async () => {
        await analyseExample(page);
        const state = await page.$eval('[data-testid="geo-database"]', (el) => el.dataset.state);
        assert(state === 'loaded', `address table: ${state}`);
        await sameAsCli(page, 'single file, example', { example: true });
      });
      await test('single file: a drop of the week reads with two parse workers, to the CLI\'s report', async () => {
        await page.click('[data-testid="clear"]');
        await waitState(page, 'empty');
        await dropFiles(page, week);
        await waitAnalysis(page, { addr: SUSPECT }, READ_TIMEOUT_MS);
        const used = await page.$eval('[data-testid="summary"]', (e) => Number(e.dataset.parseWorkers));
        assert(used === 2, `parse workers used: ${used}`);
        await sameAsCli(page, 'single file, drop');
      });
      await test('single file: no request but the file itself, no console error', async () => {
        const others = watch.requests.filter((u) => !/^(blob|data):/.test(u) && u.split('?')[0] !== url);
        assert(others.length === 0, `requests: ${others}`);
        assert(watch.errors.length === 0, watch.errors.join('\n'));
      });
      await test('single file: no update notice or download link in it', async () => {
        assert(!(await page.$('#update')) && !(await page.$('#offline-copy')), 'hosted-only parts present');
      });
      await watch.context.close();
    }
    await test('hosted: the download link gives the single file and states its size', async () => {
      const watch = await watched(browser, { serviceWorkers: 'block' });
      try {
        await watch.page.goto(site.base);
        await waitState(watch.page, 'empty');
        const size = await watch.page.$eval('#offline-size', (e) => e.textContent);
        const bytes = fs.statSync(path.join(DIST, SINGLE_FILE)).size;
        assert(size === megabytes(bytes), `says ${size}, the file has ${bytes} bytes`);
        const [download] = await Promise.all([watch.page.waitForEvent('download'), watch.page.click('#offline-copy a')]);
        assert(download.suggestedFilename() === SINGLE_FILE, download.suggestedFilename());
        const got = fs.readFileSync(await download.path());
        assert(sha256(got) === sha256(fs.readFileSync(path.join(DIST, SINGLE_FILE))), 'downloaded bytes differ');
        console.log(`     (${SINGLE_FILE}: ${bytes} bytes, ${megabytes(bytes)})`);
      } finally {
        await watch.context.close();
      }
    });

    // -----------------------------------------------------------------------
    // 4. A new deployment.
    {
      const siteDir = path.join(tmp, 'deployed');
      fs.cpSync(DIST, siteDir, { recursive: true });
      const deployed = await serveDist(siteDir);
      const watch = await watched(browser);
      const { page } = watch;
      let firstCache = null;
      let secondCache = null;
      try {
        await test('update: the first version is installed', async () => {
          await page.goto(deployed.base);
          await waitState(page, 'empty');
          firstCache = Object.keys(await waitControlled(page));
          assert(firstCache.length === 1, `caches ${firstCache}`);
        });
        let second = null;
        await test('update: after a new deployment, the notice appears and the old version still runs', async () => {
          second = writeChangedBuild(siteDir, 'two');
          assert(!(await page.isVisible('#update')), 'notice shown before any update');
          await page.reload();
          await waitState(page, 'empty');
          await page.waitForSelector('#update:not([hidden])', { timeout: 120_000 });
          assert((await buildMarker(page)) === null, 'already the new version before Reload');
          const text = await page.$eval('#update', (e) => e.textContent);
          assert(/new version/.test(text), text);
        });
        await test('update: Reload serves the new version, and the old cache is gone', async () => {
          await Promise.all([page.waitForEvent('load', { timeout: 120_000 }), page.click('#update-reload')]);
          await waitState(page, 'empty');
          assert((await buildMarker(page)) === 'two', `marker ${await buildMarker(page)}`);
          const css = await page.$eval('link[rel="stylesheet"]', (l) => l.getAttribute('href'));
          assert(css.endsWith(second.css), `stylesheet ${css}`);
          const caches = await cacheContents(page);
          secondCache = `flowlens-${swList(siteDir).version}`;
          assert(secondCache !== firstCache[0], 'the new build has the old version');
          assert(JSON.stringify(Object.keys(caches)) === JSON.stringify([secondCache]), `caches ${Object.keys(caches)}`);
          assert(!(await page.isVisible('#update')), 'notice still shown');
        });
        await test('update: the new version analyses the example week', async () => {
          await analyseExample(page);
          await sameAsCli(page, 'new version', { example: true });
        });
        let thirdCache = null;
        await test('update: a deployment caught half-way (a file not the one sw.js lists) is not installed', async () => {
          const third = writeChangedBuild(siteDir, 'three');
          thirdCache = `flowlens-${swList(siteDir).version}`;
          // The stylesheet the new list names, with other bytes (as if not yet copied).
          fs.appendFileSync(path.join(siteDir, third.css), '\n/* not the listed bytes */\n');
          const state = await checkForUpdate(page);
          assert(state === 'redundant', `the new service worker ended ${state}`);
          assert(!(await page.isVisible('#update')), 'notice shown for a broken version');
          // Its files that passed the check are kept for its next try; the bad one is not.
          const caches = await cacheContents(page);
          assert(JSON.stringify(Object.keys(caches).sort()) === JSON.stringify([secondCache, thirdCache].sort()), `caches ${Object.keys(caches)}`);
          assert(!caches[thirdCache].some((u) => u.endsWith(third.css)), 'the unlisted bytes were cached');
          await page.reload();
          await waitState(page, 'empty');
          assert((await buildMarker(page)) === 'two', `runs ${await buildMarker(page)}`);
        });
        await test('update: the next complete deployment installs, and both older caches go', async () => {
          writeChangedBuild(siteDir, 'four');
          await page.reload();
          await waitState(page, 'empty');
          await page.waitForSelector('#update:not([hidden])', { timeout: 120_000 });
          await Promise.all([page.waitForEvent('load', { timeout: 120_000 }), page.click('#update-reload')]);
          await waitState(page, 'empty');
          assert((await buildMarker(page)) === 'four', `marker ${await buildMarker(page)}`);
          const caches = Object.keys(await cacheContents(page));
          assert(JSON.stringify(caches) === JSON.stringify([`flowlens-${swList(siteDir).version}`]), `caches ${caches}`);
        });
        await test('update: no console error or uncaught exception', async () => {
          // The failed install above is reported by Chromium as a console error of the
          // service worker, not of the page; the page itself logged nothing.
          assert(watch.errors.length === 0, watch.errors.join('\n'));
        });
      } finally {
        await watch.context.close();
        await deployed.close();
      }
    }

    // -----------------------------------------------------------------------
    // 5. Everyone: axe-core, the dark scheme, the keyboard, the charts' text.
    for (const colorScheme of ['light', 'dark']) {
      const watch = await watched(browser, { colorScheme, serviceWorkers: 'block' });
      const { page } = watch;
      try {
        await test(`axe (${colorScheme}): no serious or critical violation on the loaded example`, async () => {
          await page.goto(site.base);
          await waitState(page, 'empty');
          await analyseExample(page);
          await page.evaluate(() => {
            for (const d of document.querySelectorAll('details')) d.open = true;
            document.getElementById('update').hidden = false;
          });
          const violations = await axeViolations(page);
          assert(violations.length === 0, violations.join('\n'));
        });
        await test(`${colorScheme} scheme: the page's colours follow it`, async () => {
          const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
          const want = colorScheme === 'dark' ? 'rgb(21, 24, 29)' : 'rgb(244, 245, 247)';
          assert(bg === want, `body background ${bg}, want ${want}`);
        });
      } finally {
        await watch.context.close();
      }
    }
    await test('single file: axe finds no serious or critical violation there either', async () => {
      const watch = await watched(browser);
      try {
        const url = pathToFileURL(path.join(DIST, SINGLE_FILE)).href;
        await watch.page.goto(url);
        await waitState(watch.page, 'empty');
        await analyseExample(watch.page);
        const violations = await axeViolations(watch.page);
        assert(violations.length === 0, violations.join('\n'));
      } finally {
        await watch.context.close();
      }
    });

    {
      const watch = await watched(browser, { serviceWorkers: 'block' });
      const { page } = watch;
      try {
        await page.goto(site.base);
        await waitState(page, 'empty');
        await test('keyboard: Tab reaches the file picker in the drop zone, its focus is drawn, Enter opens it', async () => {
          await tabTo(page, '[data-testid="file-input"]');
          const outline = await page.$eval('[data-testid="file-input"]', (input) => {
            const style = getComputedStyle(input.closest('label'));
            return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
          });
          assert(outline.style !== 'none' && outline.width >= 2, `focus outline ${JSON.stringify(outline)}`);
          const chosen = page.waitForEvent('filechooser', { timeout: 10_000 });
          // NOTE: Playwright starts catching the chooser with a message to Chromium when the
          // wait begins; a round trip on the same channel makes sure that message is in
          // before Enter (without it, Enter sometimes opened the chooser uncaught).
          await page.evaluate(() => 0);
          await page.keyboard.press('Enter');
          const chooser = await chosen;
          assert(chooser.isMultiple(), 'the chooser takes one file only');
          await chooser.setFiles(week);
          await waitAnalysis(page, { addr: SUSPECT }, READ_TIMEOUT_MS);
          await sameAsCli(page, 'keyboard, file chooser');
        });
        await test('keyboard: the range selector changes the analysis with the arrow keys', async () => {
          // From the example button (the test above may have failed: then the example
          // week is loaded with the keyboard first).
          await page.focus('[data-testid="example-button"]');
          if (!(await page.$('[data-testid="range-select"]'))) {
            await page.keyboard.press('Enter');
            await waitAnalysis(page, { addr: SUSPECT }, READ_TIMEOUT_MS);
            await page.focus('[data-testid="example-button"]');
          }
          await tabTo(page, '[data-testid="range-select"]');
          await page.keyboard.press('ArrowDown');
          const day = await page.$eval('[data-testid="range-select"]', (s) => s.value);
          assert(day.startsWith('day:'), `range ${day}`);
          await waitAnalysis(page, { range: day }, READ_TIMEOUT_MS);
          await tabTo(page, '[data-testid="window-select"]');
          await page.keyboard.press('ArrowDown');
          const windowValue = await page.$eval('[data-testid="window-select"]', (s) => s.value);
          assert(windowValue.startsWith('window:'), `window ${windowValue}`);
          await waitAnalysis(page, { range: windowValue }, READ_TIMEOUT_MS);
          await page.keyboard.press('ArrowUp');
          await waitAnalysis(page, { range: day }, READ_TIMEOUT_MS);
        });
        await test('keyboard: the histogram\'s table of numbers opens with Enter', async () => {
          await tabTo(page, '[data-testid="histogram-numbers"] > summary', { max: 400 });
          await page.keyboard.press('Enter');
          assert(await page.$eval('[data-testid="histogram-numbers"]', (d) => d.open), 'not opened');
        });
      } finally {
        await watch.context.close();
      }
    }

    {
      const watch = await watched(browser, { serviceWorkers: 'block' });
      const { page } = watch;
      try {
        await page.goto(site.base);
        await waitState(page, 'empty');
        await analyseExample(page);
        const report = await downloadReport(page);
        await test('charts: the histogram is an image described by the numbers of its bars, the report\'s bins', async () => {
          const alt = await chartAlternative(page, 'histogram');
          assert(alt.role === 'img' && alt.label && alt.describedBy === 'histogram-numbers', JSON.stringify(alt));
          const want = report.histogram.bins.filter((b) => b.count > 0).map((b) => ({ lo: String(b.lo), hi: String(b.hi), count: String(b.count) }));
          assert(want.length >= 3, `report bins ${JSON.stringify(report.histogram.bins)}`);
          assert(JSON.stringify(alt.rows) === JSON.stringify(want), `rows ${JSON.stringify(alt.rows)}\nwant ${JSON.stringify(want)}`);
          // The description names each bar's count, in order, and the threshold.
          const counts = [...alt.text.matchAll(/(\d[\d,]*) of /g)].map((m) => Number(m[1].replace(/,/g, '')));
          assert(JSON.stringify(counts) === JSON.stringify(want.map((b) => Number(b.count))), `description counts ${counts}: ${alt.text}`);
          assert(/threshold line: mean \+ 3\.00·σ/.test(alt.text), alt.text);
        });
        await test('charts: the timeline is an image described by its flows: counts, totals, the largest', async () => {
          const alt = await chartAlternative(page, 'timeline');
          assert(alt.role === 'img' && alt.label && alt.describedBy === 'timeline-numbers', JSON.stringify(alt));
          // The report's flows from the service to the suspect, written out on their own.
          const toSuspect = report.flows_to_suspect;
          const flows = toSuspect.flows;
          assert(flows.length === toSuspect.count && flows.length > 10, `report: ${flows.length} of ${toSuspect.count} flows`);
          const want = flows.map((f) => f.bytes).sort((a, b) => b - a).slice(0, 10);
          const rows = alt.rows.map((r) => Number(r.bytes));
          // The whole day's data: the ten largest flows are all to the suspect (data leaving).
          assert(JSON.stringify(rows) === JSON.stringify(want), `rows ${rows}
want ${want}`);
          const count = toSuspect.count.toLocaleString('en-US');
          assert(alt.text.includes(`Flows to ${SUSPECT} (data leaving): ${count},`), `text: ${alt.text}`);
        });
        await test('charts: Chromium gives a screen reader each canvas as an image with its numbers', async () => {
          const toSuspect = report.flows_to_suspect.count.toLocaleString('en-US');
          for (const [testid, needle] of [
            ['histogram', `${report.histogram.bins.find((b) => b.count > 0).count} of `],
            ['timeline', `Flows to ${SUSPECT} (data leaving): ${toSuspect},`],
          ]) {
            const ax = await axDescription(page, testid);
            assert(ax.role === 'image' || ax.role === 'img', `${testid}: role ${ax.role}`);
            assert(ax.name && ax.description.includes(needle), `${testid}: name ${ax.name}, description ${ax.description.slice(0, 300)}`);
          }
        });
      } finally {
        await watch.context.close();
      }
    }
  } finally {
    await browser.close();
    await site.close();
  }
  // Kept for a look when something failed; removed otherwise.
  if (results.some((r) => !r.ok)) console.log(`files: ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
  finish();
}

main().catch((error) => {
  console.log(`FAIL the test run itself: ${error && error.stack ? error.stack : error}`);
  finish(1);
});
