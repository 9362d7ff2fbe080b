// Hostile input in the built page (dist/), in real headless Chromium (issue 4: items 1,
// 3, 4 and 7). Runs in CI after run.mjs.
//
// 1. Damaged and wrong files dropped beside three good example files: each gets its
//    diagnostic (file, line where there is one, reason), nothing throws, the good data
//    is still analysed, and the downloaded report equals `flowlens analyze --json` on
//    the same files.
// 2. Markup in fields and in file names is shown as text and never runs.
// 3. A panic is caught and shown with advice (through the page's test trigger,
//    `?flowlens-test-panic=page|worker`).
// 4. No way out: the Content-Security-Policy blocks requests attempted from the page
//    and from its worker, and nothing goes over the network while files are read and
//    analysed.
// Waits only on real DOM state and events, never on time. Prints `N passed, N failed`
// last and exits non-zero when anything failed.
//
// Environment: see lib.mjs (FLOWLENS_DIST, CHROMIUM_PATH, FLOWLENS_CLI).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  DIST,
  SUSPECT,
  assert,
  assertSameReport,
  cliPath,
  diagnosticLines,
  downloadReport,
  dropFiles,
  isGeoTable,
  launch,
  makeRunner,
  networkRequests,
  openPage,
  run,
  serveDist,
  serveTrap,
  sourceAddrs,
  waitState,
  walk,
} from './lib.mjs';

const { test, finish, results } = makeRunner();

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
/** The three windows of the case whose files are dropped as the good data. */
const GOOD_WINDOWS = ['20200916T0200Z', '20200916T0210Z', '20200916T0220Z'];
/** The window whose file is cut in half. */
const CUT_WINDOW = '20200916T0230Z';
/** The test trigger the page is asked to have for item 4 (see the report). */
const PANIC_PARAM = 'flowlens-test-panic';

// ---------------------------------------------------------------------------
// The files.

/** One valid record from `addr`, inside the case's 02:00 window. */
function record(addr, n, { iface = 'eni-0hostile0000000001', dst = '172.30.2.99', packets = '2', action = 'ACCEPT', status = 'OK' } = {}) {
  const start = 1600221700 + n;
  return `2 123456789012 ${iface} ${addr} ${dst} ${40000 + n} 443 6 ${packets} 100 ${start} ${start + 10} ${action} ${status}`;
}

/** Deterministic bytes that are neither gzip, ZIP nor Parquet. */
function noise(length, seed) {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  out[0] = 0x00; // never a magic number
  return out;
}

/**
 * The damaged and odd files of item 1. Each: its name, its bytes, the diagnostics it
 * must give (line or null, and a pattern for the message) and the addresses of its
 * good records, which must be read.
 */
function hostileFiles(weekFiles) {
  const a = (n) => `198.51.100.${n}`;
  const lines = (...l) => l.join('\n') + '\n';
  const cutSource = weekFiles.find((f) => f.includes(CUT_WINDOW));
  const whole = fs.readFileSync(cutSource);
  // A bigger gzip of one address per 40 records, cut in half: the first addresses
  // are before the cut, the last one after it.
  const big = [HEADER];
  for (let i = 0; i < 4000; i++) big.push(record(`198.51.101.${Math.floor(i / 40)}`, i % 500));
  const bigGzip = zlib.gzipSync(big.join('\n') + '\n', { level: 1 });
  const longLine = record(a(30), 30).replace(' 100 ', ` ${'9'.repeat(5 * 1024 * 1024)} `);
  return [
    {
      name: 'cut-in-half.log.gz',
      bytes: whole.subarray(0, Math.floor(whole.length / 2)),
      diagnostics: [{ line: null, re: /gzip data ends early .*records before the cut were kept/ }],
      addrs: [],
    },
    {
      name: 'cut-large.log.gz',
      bytes: bigGzip.subarray(0, Math.floor(bigGzip.length / 2)),
      diagnostics: [{ line: null, re: /gzip data ends early .*records before the cut were kept/ }],
      addrs: ['198.51.101.0', '198.51.101.1'],
      absent: ['198.51.101.99'],
    },
    {
      name: 'random.bin',
      bytes: noise(64 * 1024, 0x5eed),
      diagnostics: [{ line: null, re: /binary data, not flow-log text/ }],
      addrs: [],
    },
    { name: 'empty.log', bytes: Buffer.alloc(0), diagnostics: [{ line: null, re: /empty file/ }], addrs: [] },
    {
      name: 'header-only.log',
      bytes: Buffer.from(lines(HEADER)),
      diagnostics: [{ line: null, re: /header line but no records/ }],
      addrs: [],
    },
    {
      name: 'long-line.log',
      bytes: Buffer.from(lines(HEADER, record(a(29), 29), longLine, record(a(31), 31))),
      diagnostics: [{ line: 3, re: /longer than 64 KiB/ }],
      addrs: [a(29), a(31)],
    },
    {
      name: 'too-few-fields.log',
      bytes: Buffer.from(lines(HEADER, record(a(1), 1), `2 123456789012 eni-0hostile0000000001 ${a(99)}`, record(a(2), 2))),
      diagnostics: [{ line: 3, re: /expected 14 fields .*found 4/ }],
      addrs: [a(1), a(2)],
    },
    {
      name: 'too-many-fields.log',
      bytes: Buffer.from(lines(HEADER, record(a(3), 3), `${record(a(98), 98)} extra`, record(a(4), 4))),
      diagnostics: [{ line: 3, re: /expected 14 fields .*found 15/ }],
      addrs: [a(3), a(4)],
    },
    {
      name: 'non-numeric.log',
      bytes: Buffer.from(lines(HEADER, record(a(5), 5), record(a(97), 97, { packets: 'lots' }))),
      diagnostics: [{ line: 3, re: /packets.*`lots` is not a number/ }],
      addrs: [a(5)],
    },
    {
      name: 'bad-addresses.log',
      bytes: Buffer.from(lines(HEADER, record('999.1.2.3', 6), record(a(7), 7), record('not-an-ip', 8), record(a(9), 9))),
      diagnostics: [
        { line: 2, re: /`999\.1\.2\.3` is not an IP address/ },
        { line: 4, re: /`not-an-ip` is not an IP address/ },
      ],
      addrs: [a(7), a(9)],
    },
    {
      name: 'plain-text.log.gz',
      bytes: Buffer.from(lines(HEADER, record(a(10), 10))),
      diagnostics: [],
      addrs: [a(10)],
    },
    {
      name: 'gzip-inside.log',
      bytes: zlib.gzipSync(lines(HEADER, record(a(11), 11))),
      diagnostics: [],
      addrs: [a(11)],
    },
    {
      name: 'crlf.log',
      bytes: Buffer.from([HEADER, record(a(12), 12), record(a(13), 13)].join('\r\n') + '\r\n'),
      diagnostics: [],
      addrs: [a(12), a(13)],
    },
    {
      name: 'bom.log',
      bytes: Buffer.from('\ufeff' + lines(HEADER, record(a(14), 14))),
      diagnostics: [],
      addrs: [a(14)],
    },
    {
      name: 'repeated-headers.log',
      bytes: Buffer.from(lines(HEADER, record(a(15), 15), HEADER, record(a(16), 16), HEADER)),
      diagnostics: [],
      addrs: [a(15), a(16)],
    },
    {
      name: 'blank-lines.log',
      bytes: Buffer.from('\n\n' + lines(HEADER, '', record(a(17), 17), '', '', record(a(18), 18), '')),
      diagnostics: [],
      addrs: [a(17), a(18)],
    },
    {
      name: 'export.zip',
      bytes: Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), noise(2048, 7)]),
      diagnostics: [{ line: null, re: /is a damaged ZIP archive/ }],
      addrs: [],
    },
    {
      name: 'export.parquet',
      bytes: Buffer.concat([Buffer.from('PAR1'), noise(2048, 9), Buffer.from('PAR1')]),
      diagnostics: [{ line: null, re: /is a damaged Parquet file/ }],
      addrs: [],
    },
  ];
}

/** Markup planted in fields and file names (item 3). */
const IMG = '<img src=x onerror=alert(1)>';
const IMG_NO_SPACE = '<img/src/onerror=alert(2)>';
const SCRIPT = '<script>alert(3)</script>';
const SVG = '<svg/onload=alert(4)>';
const ATTR = '"><svg onload=alert(5)>';

function markupFiles() {
  const a = (n) => `198.51.100.${n}`;
  const lines = (...l) => l.join('\n') + '\n';
  return [
    {
      // Line 2: a good record with markup as its interface-id (kept: interface-id is text).
      // Line 3: the interface-id of the issue, whose spaces make it five fields.
      // Lines 4-6: markup where an address / action / log status must be.
      name: 'markup.log',
      bytes: Buffer.from(
        lines(
          HEADER,
          record(a(40), 40, { iface: IMG_NO_SPACE }),
          record(a(41), 41, { iface: IMG }),
          record(IMG_NO_SPACE, 42),
          record(a(43), 43, { dst: SCRIPT }),
          record(a(44), 44, { action: SVG }),
          record(a(45), 45),
        ),
      ),
      expect: [
        { line: 3, text: 'expected 14 fields' },
        { line: 4, text: `\`${IMG_NO_SPACE}\` is not an IP address` },
        { line: 5, text: `\`${SCRIPT}\` is not an IP address` },
        { line: 6, text: `\`${SVG}\` is not ACCEPT or REJECT` },
      ],
      addrs: [a(40), a(45)],
    },
    // File names are shown in diagnostics and in the progress line (and its title).
    { name: `${IMG}.log`, bytes: Buffer.from(lines(HEADER)), expect: [{ line: null, text: 'header line but no records' }], addrs: [] },
    { name: `${ATTR}.log`, bytes: Buffer.alloc(0), expect: [{ line: null, text: 'empty file' }], addrs: [] },
  ];
}

function writeFiles(dir, files) {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.bytes);
}

/** `name:line: ` as the diagnostics panel starts a line. */
function prefix(name, line) {
  return line === null ? `${name}: ` : `${name}:${line}: `;
}

function assertClean(watch, what) {
  assert(watch.errors.length === 0, `${what}: errors on the page:\n${watch.errors.join('\n')}`);
  assert(watch.dialogs.length === 0, `${what}: dialogs opened: ${watch.dialogs.join(', ')}`);
}

// ---------------------------------------------------------------------------

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.log(`no page: ${DIST}/index.html is missing (run trunk build --release first)`);
    finish(1);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlens-hostile-'));
  const hostileDir = path.join(tmp, 'hostile');
  const markupDir = path.join(tmp, 'markup');
  let cli = null;
  let goodFiles = [];
  let hostile = [];
  let cliHostile = null;
  let markup = [];
  let cliMarkup = null;

  await test('setup: the CLI writes the example week and reads the hostile files', async () => {
    cli = cliPath();
    const weekDir = path.join(tmp, 'week');
    run(cli, ['example', weekDir]);
    const week = walk(weekDir);
    goodFiles = GOOD_WINDOWS.map((w) => week.find((f) => f.includes(w)));
    assert(goodFiles.every(Boolean), `example files missing: ${GOOD_WINDOWS}`);
    hostile = hostileFiles(week);
    writeFiles(hostileDir, hostile);
    for (const f of goodFiles) fs.copyFileSync(f, path.join(hostileDir, path.basename(f)));
    cliHostile = JSON.parse(run(cli, ['analyze', '--json', hostileDir]));
    markup = markupFiles();
    writeFiles(markupDir, markup);
    for (const f of goodFiles) fs.copyFileSync(f, path.join(markupDir, path.basename(f)));
    cliMarkup = JSON.parse(run(cli, ['analyze', '--json', markupDir]));
  });

  const site = await serveDist();
  const trap = await serveTrap();
  const browser = await launch();
  try {
    // -----------------------------------------------------------------------
    // 1. Hostile files beside good ones.
    if (cliHostile) {
      const watch = await openPage(browser, site.base);
      const { page } = watch;
      const hitsBefore = site.hits.length;
      let listed = [];
      await test('hostile: dropped with 3 good files, the page reads everything and is ready', async () => {
        await dropFiles(page, walk(hostileDir));
        await waitState(page, 'ready');
        listed = await diagnosticLines(page);
        const files = await page.$eval('[data-testid="summary"] [data-field="files"]', (e) => e.textContent);
        assert(files.replace(/,/g, '') === String(cliHostile.input.files), `files ${files}, CLI ${cliHostile.input.files}`);
      });
      await test('hostile: no uncaught error, console error or dialog', async () => assertClean(watch, 'hostile'));
      for (const f of hostile) {
        if (f.diagnostics.length) {
          await test(`hostile: ${f.name} is listed in diagnostics (${f.diagnostics.map((d) => d.line ?? 'file').join(', ')})`, async () => {
            for (const d of f.diagnostics) {
              const found = listed.some((l) => l.startsWith(prefix(f.name, d.line)) && d.re.test(l));
              assert(found, `no ${prefix(f.name, d.line)}${d.re} in:\n${listed.join('\n')}`);
            }
          });
        } else {
          await test(`hostile: ${f.name} reads without a diagnostic`, async () => {
            const about = listed.filter((l) => l.startsWith(`${f.name}:`));
            assert(about.length === 0, about.join('\n'));
          });
        }
      }
      await test('hostile: good records of damaged and odd files are in the sources table', async () => {
        const addrs = new Set(await sourceAddrs(page));
        const missing = hostile.flatMap((f) => f.addrs.filter((a) => !addrs.has(a)).map((a) => `${a} (${f.name})`));
        assert(missing.length === 0, `missing: ${missing.join(', ')}`);
        const extra = hostile.flatMap((f) => (f.absent || []).filter((a) => addrs.has(a)));
        assert(extra.length === 0, `read though after the cut: ${extra.join(', ')}`);
      });
      await test(`hostile: the good files are analysed (${SUSPECT} listed, verdict on it)`, async () => {
        const row = await page.$(`[data-testid="sources-table"] tr[data-addr="${SUSPECT}"]`);
        assert(row, `no row for ${SUSPECT}`);
        const verdict = await page.$eval('[data-testid="verdict"]', (el) => ({ outcome: el.dataset.outcome, addr: el.dataset.addr }));
        assert(verdict.addr === SUSPECT, `verdict addr ${verdict.addr}`);
        const cliVerdict = cliHostile.verdict && cliHostile.verdict.outcome;
        if (cliVerdict) assert(verdict.outcome === cliVerdict, `outcome ${verdict.outcome}, CLI ${cliVerdict}`);
      });
      await test('hostile: downloaded report equals the CLI on the same files', async () => {
        const report = await downloadReport(page);
        assertSameReport(report, cliHostile, 'hostile files');
      });
      await test('hostile: no request while reading and analysing', async () => {
        const sent = networkRequests(watch);
        assert(sent.length === 0, `requests: ${sent.slice(0, 10).join(', ')}`);
        const served = site.hits.slice(hitsBefore).map((h) => h.url).filter((u) => !isGeoTable(u));
        assert(served.length === 0, `server requests: ${served.join(', ')}`);
      });
      await test('hostile: still no error after the download', async () => assertClean(watch, 'hostile'));
      await watch.context.close();
    }

    // -----------------------------------------------------------------------
    // 1b. A file that is gone by the time it is read (deleted after it was given):
    // parse workers ask for a few files' bytes at a time, and such a batch fails as a
    // whole; each of its files is then read alone, so that only the lost one is
    // reported and the others are read.
    if (cli) {
      const goneDir = path.join(tmp, 'gone');
      fs.cpSync(path.join(tmp, 'week'), goneDir, { recursive: true });
      const given = walk(goneDir);
      const lost = given[Math.floor(given.length * 0.9)];
      const watch = await openPage(browser, site.base);
      const { page } = watch;
      let listed = [];
      await test('gone: a file deleted after it was given is reported, the rest is read', async () => {
        await dropFiles(page, given);
        fs.rmSync(lost);
        await waitState(page, 'ready');
        listed = await diagnosticLines(page);
        const name = path.basename(lost);
        assert(listed.some((l) => l.startsWith(`${name}: cannot be read`)), `for ${name}:\n${listed.join('\n')}`);
        const others = listed.filter((l) => !l.startsWith(`${name}:`));
        assert(others.length === 0, `about other files:\n${others.join('\n')}`);
        const rest = JSON.parse(run(cli, ['analyze', '--json', goneDir]));
        const records = await page.$eval('[data-testid="summary"] [data-field="records"]', (e) => e.textContent);
        assert(records.replace(/,/g, '') === String(rest.input.records), `records ${records}, CLI on the rest ${rest.input.records}`);
      });
      await test('gone: no uncaught error, console error or dialog', async () => assertClean(watch, 'gone'));
      await watch.context.close();
    }

    // -----------------------------------------------------------------------
    // 2. Markup in fields and file names.
    if (cliMarkup) {
      const watch = await openPage(browser, site.base);
      const { page } = watch;
      // Count elements the payloads would create, from the first byte on.
      await page.evaluate(() => {
        window.__planted = [];
        new MutationObserver((records) => {
          for (const r of records) {
            for (const node of r.addedNodes) {
              if (node.nodeType !== 1) continue;
              const all = [node, ...node.querySelectorAll('*')];
              for (const el of all) {
                const tag = el.tagName.toLowerCase();
                const handler = [...el.attributes].some((a) => a.name.startsWith('on'));
                if (['img', 'svg', 'script', 'iframe', 'object', 'embed'].includes(tag) || handler) {
                  window.__planted.push(el.outerHTML.slice(0, 120));
                }
              }
            }
          }
        }).observe(document, { subtree: true, childList: true });
      });
      await test('markup: files with markup in fields and names are read', async () => {
        await dropFiles(page, walk(markupDir));
        await waitState(page, 'ready');
      });
      await test('markup: no dialog, no error, no element created from the markup', async () => {
        assertClean(watch, 'markup');
        const planted = await page.evaluate(() => window.__planted);
        assert(planted.length === 0, `elements created: ${planted.join(' | ')}`);
        const live = await page.$$eval('img, svg, iframe, object, embed, script:not([src])', (els) => els.map((e) => e.outerHTML.slice(0, 120)));
        assert(live.length === 0, `elements in the page: ${live.join(' | ')}`);
        const handlers = await page.evaluate(() =>
          [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
        );
        assert(handlers === 0, `${handlers} elements with on* attributes`);
      });
      const listed = await diagnosticLines(page);
      for (const f of markup) {
        for (const e of f.expect) {
          await test(`markup: ${JSON.stringify(prefix(f.name, e.line) + e.text)} shown as text`, async () => {
            const found = listed.some((l) => l.startsWith(prefix(f.name, e.line)) && l.includes(e.text));
            assert(found, `not found in:\n${listed.join('\n')}`);
          });
        }
      }
      await test('markup: the literal markup is in the diagnostics panel text', async () => {
        // The problems and the notes (a file whose name is markup may hold no record).
        const text = await page.$$eval('[data-testid="diagnostics"], [data-testid="notes"]', (els) =>
          els.map((el) => el.textContent).join('\n'),
        );
        for (const s of [IMG, IMG_NO_SPACE, SCRIPT, SVG, ATTR]) assert(text.includes(s), `missing ${s}`);
      });
      await test('markup: the records around the markup are read, the report equals the CLI', async () => {
        const addrs = new Set(await sourceAddrs(page));
        for (const a of markup.flatMap((f) => f.addrs)) assert(addrs.has(a), `no row for ${a}`);
        assert(addrs.has(SUSPECT), `no row for ${SUSPECT}`);
        const report = await downloadReport(page);
        assertSameReport(report, cliMarkup, 'markup files');
      });
      await test('markup: no request while reading and analysing', async () => {
        const sent = networkRequests(watch);
        assert(sent.length === 0, `requests: ${sent.slice(0, 10).join(', ')}`);
      });
      await watch.context.close();
    }

    // -----------------------------------------------------------------------
    // 3. A panic is caught and shown with what to do.
    {
      const watch = await openPage(browser, site.base);
      await test('panic: the page has its static error banner (#fatal, role=alert, hidden)', async () => {
        const banner = await watch.page.$eval('#fatal', (el) => ({ role: el.getAttribute('role'), hidden: el.hidden }));
        assert(banner.role === 'alert' && banner.hidden, JSON.stringify(banner));
      });
      await watch.context.close();
    }
    const builtWith = (needle) =>
      fs
        .readdirSync(DIST)
        .filter((f) => /\.(wasm|js)$/.test(f))
        .some((f) => fs.readFileSync(path.join(DIST, f)).includes(needle));
    const hasTrigger = builtWith(PANIC_PARAM);
    // The trigger (asked of the page): `?flowlens-test-panic=page` panics in the page
    // once it has rendered; `?flowlens-test-panic=worker` makes the worker panic while
    // it reads the first file it is given.
    const gap =
      `page gap: no panic trigger for tests: the built page has no "${PANIC_PARAM}" ` +
      `(expected ?${PANIC_PARAM}=page|worker to panic on purpose)`;
    await test('panic (page): caught and shown in #fatal with what to do', async () => {
      assert(hasTrigger, gap);
      const watch = await openPage(browser, `${site.base}?${PANIC_PARAM}=page`, { waitState: null });
      try {
        const banner = await watch.page.waitForSelector('#fatal:not([hidden])', { timeout: 60_000 });
        const text = await banner.textContent();
        assert(/reload/i.test(text), `no advice in: ${text}`);
        assert(!/\bundefined\b|\[object /.test(text), `garbled: ${text}`);
      } finally {
        await watch.context.close();
      }
    });
    await test('panic (worker): caught, shown with what to do, the page leaves "reading"', async () => {
      assert(hasTrigger, gap);
      const watch = await openPage(browser, `${site.base}?${PANIC_PARAM}=worker`);
      const { page } = watch;
      try {
        await dropFiles(page, goodFiles);
        const banner = await page.waitForSelector('#fatal:not([hidden]), [data-testid="error"]', { timeout: 60_000 });
        const text = await banner.textContent();
        assert(/reload|start again|try again/i.test(text), `no advice in: ${text}`);
        assert(!/\bundefined\b|\[object /.test(text), `garbled: ${text}`);
        // Not left spinning: the page stops saying it is reading.
        await page.waitForFunction(() => document.querySelector('.app').dataset.state !== 'reading', null, {
          timeout: 30_000,
        });
      } finally {
        await watch.context.close();
      }
    });

    // -----------------------------------------------------------------------
    // 4. No way out.
    {
      const watch = await openPage(browser, site.base);
      const { page } = watch;
      const hitsBefore = site.hits.length;
      await test('no way out: a Content-Security-Policy meta tag forbids other destinations', async () => {
        const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
        assert(/default-src 'none'/.test(csp), csp);
        assert(/connect-src 'self'/.test(csp) && !/connect-src[^;]*(\*|https?:|ws)/.test(csp), csp);
        assert(!/img-src[^;]*(\*|https?:|'self')/.test(csp), csp);
      });
      await test('no way out: reading and analysing three example files sends nothing', async () => {
        await dropFiles(page, goodFiles);
        await waitState(page, 'ready');
        assert(await page.$(`[data-testid="sources-table"] tr[data-addr="${SUSPECT}"]`), `no row for ${SUSPECT}`);
        const sent = networkRequests(watch);
        assert(sent.length === 0, `requests: ${sent.join(', ')}`);
        const served = site.hits.slice(hitsBefore).map((h) => h.url).filter((u) => !isGeoTable(u));
        assert(served.length === 0, `server requests: ${served.join(', ')}`);
        assertClean(watch, 'reading');
      });
      await test('no way out: fetch, XHR, beacon, WebSocket and <img> from the page are blocked', async () => {
        const outcome = await page.evaluate(async (trapBase) => {
          const violations = [];
          document.addEventListener('securitypolicyviolation', (e) =>
            violations.push(`${e.effectiveDirective} ${e.blockedURI}`),
          );
          const tryFetch = (url) => fetch(url, { mode: 'no-cors' }).then(() => 'sent', () => 'blocked');
          const tryXhr = (url) =>
            new Promise((resolve) => {
              const xhr = new XMLHttpRequest();
              xhr.onload = () => resolve('sent');
              xhr.onerror = () => resolve('blocked');
              try {
                xhr.open('GET', url);
                xhr.send();
              } catch {
                resolve('blocked');
              }
            });
          const tryImg = (url) =>
            new Promise((resolve) => {
              const img = document.createElement('img');
              img.onload = () => resolve('sent');
              img.onerror = () => resolve('blocked');
              img.src = url;
              document.body.append(img);
            });
          const trySocket = (url) =>
            new Promise((resolve) => {
              try {
                const ws = new WebSocket(url);
                ws.onopen = () => resolve('sent');
                ws.onerror = () => resolve('blocked');
              } catch {
                resolve('blocked');
              }
            });
          const results = {
            'fetch 127.0.0.1:1': await tryFetch('http://127.0.0.1:1/x'),
            'fetch trap': await tryFetch(`${trapBase}fetch`),
            'xhr trap': await tryXhr(`${trapBase}xhr`),
            'img 127.0.0.1:1': await tryImg('http://127.0.0.1:1/y'),
            'img trap': await tryImg(`${trapBase}img`),
            'websocket trap': await trySocket(trapBase.replace('http', 'ws') + 'ws'),
          };
          let beacon;
          try {
            beacon = navigator.sendBeacon(`${trapBase}beacon`, 'x') ? 'queued' : 'blocked';
          } catch {
            beacon = 'blocked';
          }
          results['beacon trap'] = beacon;
          // Violation events are queued as tasks: wait until one per attempt arrived.
          const expected = 7;
          for (let turn = 0; violations.length < expected && turn < 200; turn++) {
            await new Promise((r) => requestAnimationFrame(r));
          }
          return { results, violations };
        }, trap.base);
        const sent = Object.entries(outcome.results).filter(([, r]) => r === 'sent');
        assert(sent.length === 0, `not blocked: ${sent.map(([k]) => k).join(', ')}`);
        const directives = outcome.violations.join('\n');
        assert(/connect-src http:\/\/127\.0\.0\.1:1/.test(directives), `no connect-src violation for 127.0.0.1:1:\n${directives}`);
        assert(/img-src http:\/\/127\.0\.0\.1:1/.test(directives), `no img-src violation for 127.0.0.1:1:\n${directives}`);
        assert(outcome.violations.length >= 6, `only ${outcome.violations.length} violations:\n${directives}`);
        assert(trap.hits.length === 0, `the trap server was reached: ${trap.hits.map((h) => h.url).join(', ')}`);
      });
      await test('no way out: a request from the worker is blocked too', async () => {
        const workers = page.workers();
        assert(workers.length > 0, 'no worker to ask');
        const before = trap.hits.length;
        const results = [];
        for (const worker of workers) {
          results.push(
            await worker.evaluate(
              (url) => fetch(url, { mode: 'no-cors' }).then(() => 'sent', (e) => `blocked (${e.message})`),
              `${trap.base}from-worker`,
            ),
          );
        }
        const reached = trap.hits.slice(before).map((h) => h.url);
        assert(
          reached.length === 0 && results.every((r) => r.startsWith('blocked')),
          `page gap: the worker is not under the CSP (a meta tag does not reach workers): ` +
            `fetch from the worker ${results.join(', ')}; trap server saw ${reached.join(', ') || 'nothing'}`,
        );
      });
      await test('no way out: no page error from the attempts', async () => {
        const thrown = watch.errors.filter((e) => e.startsWith('page error'));
        assert(thrown.length === 0, thrown.join('\n'));
      });
      await watch.context.close();
    }
  } finally {
    await browser.close();
    await site.close();
    await trap.close();
  }
  // Kept for a look when something failed; removed otherwise.
  const failed = results.some((r) => !r.ok);
  if (failed) console.log(`files: ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
  finish();
}

main().catch((error) => {
  console.log(`FAIL the test run itself: ${error && error.stack ? error.stack : error}`);
  finish(1);
});
