// End-to-end tests of the built page (dist/) in real headless Chromium.
//
// What it does:
// - serves dist/ under the sub-path /flowlens/ from 127.0.0.1 (a tiny server here, with
//   the right MIME types), logging every request;
// - writes the example week with the CLI (`flowlens example DIR`) and gets the CLI's
//   reports (`flowlens analyze --json`) for the comparisons;
// - gives the files to the page through a DataTransfer drop on the drop zone, the file
//   input and the folder input; loads the example with its button, cancels, clears;
// - reads the example week with two parse workers and with none (?flowlens-parsers=0:
//   the reading worker alone), and checks that both were used as asked and that the
//   downloaded reports are the same bytes;
// - checks the sources table, the verdict, the charts' pixels, the downloaded report
//   (same numbers as the CLI), the downloaded Markdown summary and CSVs (the same bytes
//   as `flowlens analyze --output md|csv|flows-csv`), the printable summary (and takes
//   a screenshot of it), the range selector and selecting an address;
// - checks the "Run this at scale" panel: its parameters, every engine's SQL, Copy, and
//   that its DuckDB SQL, run by the PyPI `duckdb` package (scripts/sql_check.py, with
//   the Python of FLOWLENS_PYTHON or .cache/compare/venv), gives the page's numbers;
// - checks the country and AS of the suspect (sources table, ranking, timeline heading,
//   verdict, report), against a linear scan of the ip-location-db CSV files themselves;
//   and that without the address table the page still works and says so;
// - on every page: no console error, no uncaught exception, and no request once the
//   page has loaded (files are read from disk, the report is a blob: URL) except the
//   one for the page's own address table, made when the first files are given.
// Waits only on real DOM state (data-state, data attributes), never on time.
// Prints `N passed, N failed` last and exits non-zero when anything failed.
//
// Environment: FLOWLENS_DIST (default <repo>/dist), CHROMIUM_PATH (default
// /usr/bin/chromium), FLOWLENS_CLI (a built flowlens binary; default: built here
// with cargo).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  DIST,
  GEO_FILE,
  ROOT,
  SUB_PATH,
  SUSPECT,
  assert,
  assertSameReport,
  cliPath,
  differences,
  downloadReport,
  dropFiles,
  isGeoTable,
  launch,
  makeRunner,
  openPage,
  run,
  serveDist,
  waitAnalysis,
  waitState,
  walk,
} from './lib.mjs';

// 2020-09-16T02:00:00Z, the window of the case.
const CASE_WINDOW = 1600221600;
const GEO_PACKAGES = path.join(ROOT, 'scripts', 'geo', 'node_modules', '@ip-location-db');
// Reading and analysing the week takes seconds; this only bounds a hang.
const READ_TIMEOUT_MS = 240_000;

const log = console.log;
const { test, finish } = makeRunner(log);

/** Clicks Cancel, waits for the reading to stop and checks the summary says so. */
async function cancelReading(page) {
  await page.click('[data-testid="cancel"]');
  await page.waitForFunction(
    () => ['ready', 'empty'].includes(document.querySelector('.app').dataset.state),
    null,
    { timeout: READ_TIMEOUT_MS },
  );
  const text = await page.$eval('[data-testid="summary"]', (e) => e.textContent);
  assert(/cancelled/.test(text), `summary: ${text}`);
}

/**
 * Waits until the sources table shows the rows of its current sort and filter: it shows
 * rows only once their page has come from the worker (none while it is asked for), and
 * says how many sources match (`data-matching`). `sorted`: [aria-sort, column label] of
 * the column it must be sorted by. Fails after READ_TIMEOUT_MS.
 */
function waitSourceRows(page, { matching, sorted = null }) {
  return page.waitForFunction(
    ({ matching, sorted }) => {
      const sources = document.querySelector('[data-testid="sources"]');
      if (!sources || sources.dataset.matching !== String(matching)) return false;
      if (sorted) {
        const th = sources.querySelector(`th[aria-sort="${sorted[0]}"]`);
        if (!th || !th.textContent.startsWith(sorted[1])) return false;
      }
      return sources.querySelectorAll('[data-testid="sources-table"] tr[data-addr]').length > 0;
    },
    { matching, sorted },
    { timeout: READ_TIMEOUT_MS },
  );
}

/** Pixels of a canvas: how many are not white, and how many are the evidence red. */
function canvasPixels(page, testid) {
  return page.evaluate((testid) => {
    const el = document.querySelector(`[data-testid="${testid}"]`);
    const canvas = el && (el.tagName === 'CANVAS' ? el : el.querySelector('canvas'));
    if (!canvas || !canvas.width || !canvas.height) return { inked: 0, red: 0, width: 0 };
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    let red = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r < 245 || g < 245 || b < 245) inked++;
      if (r > 150 && g < 110 && b < 110) red++;
    }
    return { inked, red, width: canvas.width };
  }, testid);
}

/** Clicks the button `testid` and returns the downloaded file's name and text. */
async function downloadText(page, testid) {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }),
    page.click(`[data-testid="${testid}"]`),
  ]);
  const file = await download.path();
  return { name: download.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
}

// ---------------------------------------------------------------------------
// The address table's answer, found without flowlens: a linear scan of the CSV text
// of the packages it was built from (the last row that holds the address answers).

/** The fields of one CSV line (quotes as in RFC 4180). */
function csvFields(line) {
  const out = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** The last row of `file` (start,end,…) whose range holds the IPv4 `addr`. */
function scanCsv(file, addr) {
  const n = BigInt(addr.split('.').reduce((a, o) => a * 256 + Number(o), 0));
  let found = null;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const comma = line.indexOf(',');
    if (comma < 0) continue;
    const second = line.indexOf(',', comma + 1);
    if (BigInt(line.slice(0, comma)) <= n && n <= BigInt(line.slice(comma + 1, second))) {
      found = csvFields(line);
    }
  }
  return found;
}

/** { country, asn, as_org } of an IPv4 address by the packages' CSV files. */
function geoFromCsv(addr) {
  const c = scanCsv(path.join(GEO_PACKAGES, 'geo-whois-asn-country', 'geo-whois-asn-country-ipv4-num.csv'), addr);
  const a = scanCsv(path.join(GEO_PACKAGES, 'asn', 'asn-ipv4-num.csv'), addr);
  return { country: c ? c[2] : null, asn: a ? Number(a[2]) : null, as_org: a ? a[3] : null };
}

/** The page's words for it (Geo::label): `BR · AS16735 ALGAR TELECOM S/A`. */
function geoLabel(geo) {
  return [geo.country, geo.asn !== null ? `AS${geo.asn} ${geo.as_org}` : null].filter(Boolean).join(' · ');
}

// ---------------------------------------------------------------------------
// Checks shared by the ways in.

async function checkCase(watch, cliReport, how, cliOutputs = null, expectedGeo = null) {
  const { page } = watch;
  if (expectedGeo) {
    const label = geoLabel(expectedGeo);
    await test(`${how}: ${SUSPECT} shown as ${label} (sources, ranking, timeline, verdict)`, async () => {
      const cell = (table) =>
        page.$eval(`[data-testid="${table}"] tr[data-addr="${SUSPECT}"] td.geo`, (td) => td.textContent);
      const sources = await cell('sources-table');
      assert(sources === label, `sources table: ${JSON.stringify(sources)}`);
      const ranking = await page.$eval(`[data-testid="ranking"] tr[data-addr="${SUSPECT}"] td.geo`, (td) => ({
        text: td.textContent,
        title: td.title,
      }));
      const short = `${expectedGeo.country} · AS${expectedGeo.asn}`;
      assert(ranking.text === short && ranking.title === label, `ranking: ${JSON.stringify(ranking)}`);
      const heading = await page.$eval('.timeline h2', (h) => h.textContent);
      assert(heading.includes(`${SUSPECT} · ${label}`), `timeline heading: ${heading}`);
      const sentence = await page.$eval('[data-testid="verdict-summary"]', (p) => p.textContent);
      assert(sentence.includes(`${SUSPECT} (${label})`), `verdict sentence: ${sentence}`);
      const outcome = await page.$eval('[data-testid="verdict-geo"]', (p) => p.textContent);
      assert(outcome.includes(label), `verdict line: ${outcome}`);
    });
    await test(`${how}: the footer names the address table and its licences`, async () => {
      const footer = await page.$eval('[data-testid="geo-database"]', (el) => ({
        state: el.dataset.state,
        text: el.textContent,
      }));
      assert(footer.state === 'loaded', `footer state ${footer.state}: ${footer.text}`);
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'geo', 'package.json'), 'utf8'));
      for (const [name, version] of Object.entries(pkg.dependencies)) {
        assert(footer.text.includes(`${name} ${version}`), `footer lacks ${name} ${version}: ${footer.text}`);
      }
      const attribution = await page.$eval('footer .geo-attribution', (el) => el.textContent);
      assert(/CC BY 4\.0/.test(attribution) && /CC0/.test(attribution) && /DB-IP/.test(attribution), attribution);
    });
  }
  await test(`${how}: sources table lists ${SUSPECT}`, async () => {
    const row = await page.$(`[data-testid="sources-table"] tr[data-addr="${SUSPECT}"]`);
    assert(row, `no row for ${SUSPECT}`);
  });
  await test(`${how}: verdict is exfiltration_suspected for ${SUSPECT}`, async () => {
    const verdict = await page.$eval('[data-testid="verdict"]', (el) => ({
      outcome: el.dataset.outcome,
      addr: el.dataset.addr,
    }));
    assert(verdict.outcome === 'exfiltration_suspected', `outcome ${verdict.outcome}`);
    assert(verdict.addr === SUSPECT, `addr ${verdict.addr}`);
  });
  await test(`${how}: the top of the ranking is ${SUSPECT}`, async () => {
    const first = await page.$eval('[data-testid="ranking"] tr[data-addr]', (el) => el.dataset.addr);
    assert(first === SUSPECT, `first ranked ${first}`);
  });
  await test(`${how}: timeline and histogram canvases are drawn`, async () => {
    for (const id of ['timeline', 'histogram']) {
      const px = await canvasPixels(page, id);
      assert(px.inked > 2000, `${id}: only ${px.inked} inked pixels`);
      assert(px.red > 50, `${id}: only ${px.red} pixels of the flows' red`);
    }
  });
  await test(`${how}: first/last/duration written in UTC`, async () => {
    const text = await page.$eval('[data-testid="span"]', (el) => el.textContent);
    assert(text.includes('2020-09-16 02:01:27 UTC'), `span text: ${text}`);
    assert(text.includes('2020-09-16 02:25:13 UTC'), `span text: ${text}`);
  });
  if (cliReport) {
    await test(`${how}: downloaded report has the CLI's numbers`, async () => {
      const report = await downloadReport(page);
      assertSameReport(report, cliReport, 'whole data set');
    });
  }
  if (cliOutputs) {
    await test(`${how}: summary (.md) and both CSVs are the CLI's bytes`, async () => {
      const suffix = SUSPECT.replace(/\./g, '-');
      for (const [testid, key, name] of [
        ['download-md', 'md', `flowlens-summary-${suffix}.md`],
        ['download-sources-csv', 'csv', `flowlens-sources-${suffix}.csv`],
        ['download-flows-csv', 'flowsCsv', `flowlens-flows-to-suspect-${suffix}.csv`],
      ]) {
        const got = await downloadText(page, testid);
        assert(got.name === name, `${testid}: file name ${got.name}`);
        const want = cliOutputs[key];
        if (got.text !== want) {
          let at = 0;
          while (at < want.length && got.text[at] === want[at]) at++;
          throw new Error(
            `${testid}: differs from the CLI's --output at byte ${at} of ${want.length}: ` +
              `page ${JSON.stringify(got.text.slice(Math.max(0, at - 40), at + 40))} vs ` +
              `CLI ${JSON.stringify(want.slice(Math.max(0, at - 40), at + 40))}`,
          );
        }
      }
    });
    await test(`${how}: the printable summary shows the verdict, both charts and the evidence`, async () => {
      await page.click('[data-testid="open-printable"]');
      await page.waitForSelector('[data-testid="printable"]');
      try {
        // Both chart images decoded (they are the canvases as data: URLs).
        await page.waitForFunction(() =>
          ['printable-timeline', 'printable-histogram'].every((id) => {
            const img = document.querySelector(`[data-testid="${id}"]`);
            return img && img.complete && img.naturalWidth > 300 && img.src.startsWith('data:image/png');
          }),
        );
        const seen = await page.$eval('[data-testid="printable"]', (el) => ({
          verdict: el.querySelector('[data-testid="printable-verdict"]')?.textContent || '',
          numbers: el.querySelectorAll('[data-testid="printable-numbers"] tr').length,
          evidence: el.querySelectorAll('[data-testid="printable-evidence"] tbody tr').length,
          span: el.querySelector('[data-testid="printable-span"]')?.textContent || '',
          who: el.querySelector('[data-testid="printable-who"]')?.textContent || '',
        }));
        if (expectedGeo) {
          assert(seen.who.includes(`201.48.16.81 — ${geoLabel(expectedGeo)}`), `who: ${seen.who}`);
        }
        assert(seen.verdict.startsWith('Exfiltration suspected: 14 of 201.48.16.81'), `verdict: ${seen.verdict}`);
        assert(seen.numbers === 15, `${seen.numbers} number rows`);
        const flows = cliOutputs.flowsCsv.trim().split('\n').length - 1;
        assert(seen.evidence === Math.min(flows, 100), `${seen.evidence} evidence rows, CLI has ${flows}`);
        assert(seen.span.includes('2020-09-16 02:01:27 UTC') && seen.span.includes('23 min 46 s'), seen.span);
        const shot = process.env.FLOWLENS_SCREENSHOT || path.join(os.tmpdir(), 'flowlens-printable.png');
        await page.screenshot({ path: shot, fullPage: false });
        log(`     screenshot of the printable summary: ${shot}`);
        // Print media: the view alone, without its buttons.
        await page.emulateMedia({ media: 'print' });
        let printed;
        try {
          // The whole summary as it prints (only the view is laid out).
          await page.screenshot({ path: shot.replace(/\.png$/, '-print.png'), fullPage: true });
          printed = await page.evaluate(() => {
            const shown = (sel) => document.querySelector(sel)?.getClientRects().length > 0;
            return {
              drop: shown('[data-testid="drop-zone"]'),
              sources: shown('[data-testid="sources-table"]'),
              buttons: shown('[data-testid="print"]'),
              view: shown('[data-testid="printable"]'),
              evidence: shown('[data-testid="printable-evidence"]'),
            };
          });
        } finally {
          await page.emulateMedia({ media: 'screen' });
        }
        assert(
          !printed.drop && !printed.sources && !printed.buttons && printed.view && printed.evidence,
          `printed: ${JSON.stringify(printed)}`,
        );
      } finally {
        // Closed even when a check failed: the view covers the page.
        if (await page.$('[data-testid="printable"]')) await page.click('[data-testid="close-printable"]');
      }
      await page.waitForSelector('[data-testid="printable"]', { state: 'detached' });
    });
  }
}

async function checkClean(watch, how) {
  await test(`${how}: no console errors`, async () => {
    assert(watch.errors.length === 0, watch.errors.join('\n'));
  });
  await test(`${how}: no request after the page loaded but its address table, once`, async () => {
    const network = watch.requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:'));
    const others = network.filter((u) => !isGeoTable(u));
    assert(others.length === 0, `requests: ${others.slice(0, 10).join(', ')}`);
    const geo = network.filter(isGeoTable);
    assert(geo.length <= 1, `the address table was fetched ${geo.length} times`);
  });
}

/** The Python with the pinned `duckdb` (scripts/setup.sh installs it). */
function duckdbPython() {
  return process.env.FLOWLENS_PYTHON || path.join(ROOT, '.cache', 'compare', 'venv', 'bin', 'python');
}

/**
 * "Run this at scale": the panel carries the analysis's parameters, every engine's SQL
 * is shown, Copy copies it, and the DuckDB SQL, run by the PyPI `duckdb` package on the
 * same files (scripts/sql_check.py), gives every number of the page's downloaded report.
 */
async function checkSqlPanel(watch, weekDir, tmp, how, want) {
  const { page } = watch;
  await test(`${how}: the SQL panel carries the analysis's parameters, for every engine`, async () => {
    const panel = await page.$eval('[data-testid="sql-panel"]', (el) => ({ ...el.dataset }));
    assert(panel.suspect === want.suspect, `suspect ${panel.suspect}, want ${want.suspect}`);
    assert(panel.port === '3306' && panel.k === '3', `port ${panel.port}, k ${panel.k}`);
    assert(panel.baseline === 'without-suspect', `baseline ${panel.baseline}`);
    assert((panel.rangeFrom || null) === want.from && (panel.rangeTo || null) === want.to,
      `range ${panel.rangeFrom}..${panel.rangeTo}`);
    const marks = { athena: 'CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs`', dremio: 'PERCENTILE_CONT(0.5)', duckdb: 'read_csv(' };
    for (const [engine, mark] of Object.entries(marks)) {
      await page.click(`[data-testid="sql-engine-${engine}"]`);
      await page.waitForSelector(`[data-testid="sql-panel"][data-engine="${engine}"]`);
      const sql = await page.$eval('[data-testid="sql-text"]', (t) => t.value);
      assert(sql.includes(mark), `${engine}: no ${mark}`);
      assert(sql.includes(`dstaddr = '${want.suspect}'`), `${engine}: not about ${want.suspect}`);
    }
  });
  await test(`${how}: Copy puts the DuckDB SQL on the clipboard`, async () => {
    await watch.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.click('[data-testid="sql-copy"]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="sql-copy-status"]').textContent === 'Copied.',
      null,
      { timeout: 10_000 },
    );
    const [copied, shown] = await Promise.all([
      page.evaluate(() => navigator.clipboard.readText()),
      page.$eval('[data-testid="sql-text"]', (t) => t.value),
    ]);
    assert(copied === shown, 'the clipboard differs from the SQL shown');
  });
  await test(`${how}: the page's DuckDB SQL, run by duckdb, gives the page's numbers`, async () => {
    const python = duckdbPython();
    assert(fs.existsSync(python), `${python} is missing: run bash scripts/setup.sh`);
    const sql = await page.$eval('[data-testid="sql-text"]', (t) => t.value);
    const report = await downloadReport(page);
    const dir = fs.mkdtempSync(path.join(tmp, 'sql-'));
    // The SQL reads flow-logs/**/*.log.gz (the panel's default), relative to where it runs.
    fs.symlinkSync(weekDir, path.join(dir, 'flow-logs'));
    fs.writeFileSync(path.join(dir, 'page.sql'), sql);
    fs.writeFileSync(path.join(dir, 'page-report.json'), JSON.stringify(report));
    const out = run(python, [path.join(ROOT, 'scripts', 'sql_check.py'), 'page.sql', 'page-report.json'], { cwd: dir });
    log(out.trim().split('\n').map((l) => `     ${l}`).join('\n'));
  });
}

// ---------------------------------------------------------------------------

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    log(`no page: ${DIST}/index.html is missing (run trunk build --release first)`);
    log('0 passed, 1 failed');
    process.exit(1);
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlens-e2e-'));
  const weekDir = path.join(tmp, 'week');
  let cli = null;
  let cliReport = null;
  let cliWindowReport = null;
  let cliOutputs = null;
  let files = [];
  let expectedGeo = null;
  await test(`the address table's packages give ${SUSPECT} a country and an AS`, async () => {
    assert(fs.existsSync(GEO_PACKAGES), `${GEO_PACKAGES} is missing: run scripts/geo.sh (scripts/setup.sh does)`);
    assert(fs.existsSync(path.join(DIST, GEO_FILE)), `${DIST}/${GEO_FILE} is missing: build the table, then the page`);
    expectedGeo = geoFromCsv(SUSPECT);
    assert(expectedGeo.country && expectedGeo.asn && expectedGeo.as_org, JSON.stringify(expectedGeo));
  });
  await test('the CLI writes the example week and its reports', async () => {
    cli = cliPath();
    run(cli, ['example', weekDir]);
    files = walk(weekDir);
    assert(files.length > 1000, `only ${files.length} files`);
    cliReport = JSON.parse(run(cli, ['analyze', '--json', weekDir]));
    cliOutputs = {
      md: run(cli, ['analyze', '--output', 'md', weekDir]),
      csv: run(cli, ['analyze', '--output', 'csv', weekDir]),
      flowsCsv: run(cli, ['analyze', '--output', 'flows-csv', weekDir]),
    };
    assert(cliReport.geo_database, 'the CLI found no address table (run scripts/geo.sh)');
    assert(
      JSON.stringify(cliReport.verdict.geo) === JSON.stringify(expectedGeo),
      `CLI verdict geo ${JSON.stringify(cliReport.verdict.geo)}, CSV says ${JSON.stringify(expectedGeo)}`,
    );
    cliWindowReport = JSON.parse(
      run(cli, ['analyze', '--json', '--window', new Date(CASE_WINDOW * 1000).toISOString().replace('.000', ''), weekDir]),
    );
  });

  // Files with problems: a bad line, gzip in two members, gzip cut short, not a log.
  const badDir = path.join(tmp, 'bad');
  let badFiles = [];
  let cliBadReport = null;
  await test('the CLI reads the files with problems', async () => {
    assert(files.length, 'no example files');
    const text = zlib.gunzipSync(fs.readFileSync(files[130])).toString('utf8');
    const lines = text.split('\n').filter(Boolean);
    assert(lines.length > 40, `only ${lines.length} lines`);
    fs.mkdirSync(badDir);
    const half = Math.floor(lines.length / 2);
    fs.writeFileSync(
      path.join(badDir, 'bad-line.log'),
      [...lines.slice(0, 5), 'this is not a flow record', ...lines.slice(5, 12)].join('\n') + '\n',
    );
    fs.writeFileSync(
      path.join(badDir, 'two-members.log.gz'),
      Buffer.concat([
        zlib.gzipSync(lines.slice(0, half).join('\n') + '\n'),
        zlib.gzipSync(lines.slice(half).join('\n') + '\n'),
      ]),
    );
    const whole = zlib.gzipSync(text);
    fs.writeFileSync(path.join(badDir, 'cut-short.log.gz'), whole.subarray(0, Math.floor(whole.length * 0.6)));
    fs.writeFileSync(path.join(badDir, 'notes.txt'), 'not a flow log\n');
    badFiles = walk(badDir);
    cliBadReport = JSON.parse(run(cli, ['analyze', '--json', badDir]));
    assert(cliBadReport.input.diagnostics.total >= 3, 'the CLI found too few problems');
  });

  const { server, hits, base } = await serveDist();
  const browser = await launch();

  try {
    // 1. Drop on the drop zone.
    if (files.length) {
      const watch = await openPage(browser, base);
      const { page } = watch;
      await test('page: Content-Security-Policy allows only its own origin', async () => {
        const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
        assert(/default-src 'none'/.test(csp) && /script-src 'self' 'wasm-unsafe-eval'/.test(csp), csp);
        assert(!/unsafe-inline|\*|https?:/.test(csp), `too loose: ${csp}`);
        const inline = await page.$$eval('script:not([src])', (s) => s.length);
        assert(inline === 0, `${inline} inline scripts`);
      });
      const hitsBefore = hits.length;
      await test('drop: the address table is not fetched before files are given', async () => {
        const early = hits.filter((h) => h.url === `${SUB_PATH}${GEO_FILE}`);
        assert(early.length === 0, 'fetched at load');
        const state = await page.$eval('[data-testid="geo-database"]', (el) => el.dataset.state);
        assert(state === 'idle', `footer state ${state}`);
      });
      await test('drop: the example week read through a DataTransfer drop', async () => {
        await dropFiles(page, files);
        await waitState(page);
        const records = await page.$eval('[data-testid="summary"] [data-field="records"]', (e) => e.textContent);
        assert(records.replace(/,/g, '') === String(cliReport.input.records), `records ${records}`);
      });
      await checkCase(watch, cliReport, 'drop', cliOutputs, expectedGeo);
      await checkSqlPanel(watch, weekDir, tmp, 'drop, whole data', { suspect: SUSPECT, from: null, to: null });
      await test('drop: the 02:00 window of 2020-09-16 gives the CLI --window numbers', async () => {
        // The day first; its windows are in a second select.
        await page.selectOption('[data-testid="range-select"]', `day:${CASE_WINDOW - (CASE_WINDOW % 86400)}`);
        await page.selectOption('[data-testid="window-select"]', `window:${CASE_WINDOW}`);
        await waitAnalysis(page, { range: `window:${CASE_WINDOW}` });
        const addrs = await page.$$eval('[data-testid="sources-table"] tr[data-addr]', (rows) =>
          rows.map((r) => r.dataset.addr),
        );
        assert(addrs.includes(SUSPECT), `sources: ${addrs}`);
        const report = await downloadReport(page);
        assertSameReport(report, cliWindowReport, 'window');
      });
      await test('drop: at 1280 px every table fits its panel or scrolls inside it', async () => {
        await page.setViewportSize({ width: 1280, height: 900 });
        try {
          const problems = await page.evaluate(() => {
            const out = [];
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth > width) {
              out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
            }
            const tables = [...document.querySelectorAll('table')].filter((t) => t.offsetParent !== null);
            if (tables.length < 3) out.push(`only ${tables.length} tables shown`);
            for (const table of tables) {
              const panel = table.closest('.panel');
              const name = panel ? panel.className : 'no panel';
              // What shows the table: itself, or the nearest box that scrolls sideways.
              let box = table;
              for (let el = table.parentElement; el && el !== panel; el = el.parentElement) {
                if (['auto', 'scroll'].includes(getComputedStyle(el).overflowX)) {
                  box = el;
                  break;
                }
              }
              box.scrollIntoView({ block: 'center' });
              const shown = box.getBoundingClientRect();
              const limit = panel ? panel.getBoundingClientRect() : { left: 0, right: width };
              if (shown.right > limit.right + 1 || shown.left < limit.left - 1 || shown.right > width + 1) {
                out.push(`${name}: table shown from ${shown.left} to ${shown.right}, panel ${limit.left}-${limit.right}`);
              }
              // Nothing else drawn over the table's visible part.
              const y = Math.min(shown.top + 10, shown.bottom - 1);
              for (const x of [shown.left + 2, (shown.left + shown.right) / 2, shown.right - 2]) {
                if (y < 0 || y >= window.innerHeight) continue;
                const hit = document.elementFromPoint(x, y);
                if (hit && !box.contains(hit)) out.push(`${name}: at (${x}, ${y}) ${hit.tagName}.${hit.className} covers it`);
              }
            }
            return out;
          });
          assert(problems.length === 0, problems.join('; '));
        } finally {
          await page.setViewportSize({ width: 1366, height: 900 });
        }
      });
      let selectedInWindow = null;
      await test('drop: clicking an address selects it everywhere', async () => {
        const other = await page.$eval(
          `[data-testid="sources-table"] tr[data-addr]:not([data-addr="${SUSPECT}"])`,
          (r) => r.dataset.addr,
        );
        await page.click(`[data-testid="sources-table"] tr[data-addr="${other}"] td.addr button`);
        await waitAnalysis(page, { addr: other });
        const verdictAddr = await page.$eval('[data-testid="verdict"]', (el) => el.dataset.addr);
        assert(verdictAddr === other, `verdict addr ${verdictAddr}, clicked ${other}`);
        const selected = await page.$eval('[data-testid="sources-table"] tr.selected', (r) => r.dataset.addr);
        assert(selected === other, `selected row ${selected}`);
        selectedInWindow = other;
      });
      if (selectedInWindow) {
        await checkSqlPanel(watch, weekDir, tmp, 'drop, 02:00 window, a clicked address', {
          suspect: selectedInWindow,
          from: String(CASE_WINDOW),
          to: String(CASE_WINDOW + 600),
        });
      }
      await test('drop: sources sort by a column and filter by class', async () => {
        // The window's sources, by the CLI: all of them, and the public ones.
        const { total, totals } = cliWindowReport.sources;
        await page.click('[data-testid="sources-table"] thead button.sort >> text=Address');
        await waitSourceRows(page, { matching: total, sorted: ['ascending', 'Address'] });
        const addrs = await page.$$eval('[data-testid="sources-table"] tr[data-addr]', (rows) =>
          rows.map((r) => r.dataset.addr),
        );
        const key = (a) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
        for (let i = 1; i < addrs.length; i++) {
          assert(key(addrs[i - 1]) <= key(addrs[i]), `not ascending at ${addrs[i - 1]}, ${addrs[i]}`);
        }
        await page.selectOption('[data-testid="class-filter"]', 'public');
        await waitSourceRows(page, { matching: totals.public });
        const classes = await page.$$eval('[data-testid="sources-table"] tr[data-addr]', (rows) =>
          rows.map((r) => r.className),
        );
        assert(classes.length > 0 && classes.every((c) => c.includes('class-public')), `classes: ${classes}`);
        await page.selectOption('[data-testid="class-filter"]', 'all');
      });
      await test('drop: a known network reclassifies and is remembered', async () => {
        await page.fill('[data-testid="known-cidrs"]', '201.48.16.0/24');
        await page.waitForSelector(`[data-testid="sources-table"] tr.class-known[data-addr="${SUSPECT}"]`, {
          timeout: READ_TIMEOUT_MS,
        });
        const stored = await page.evaluate(() => localStorage.getItem('flowlens.known-cidrs'));
        assert(stored === '201.48.16.0/24', `localStorage: ${stored}`);
        await page.fill('[data-testid="known-cidrs"]', '');
        await page.waitForSelector(`[data-testid="sources-table"] tr.class-public[data-addr="${SUSPECT}"]`, {
          timeout: READ_TIMEOUT_MS,
        });
      });
      await test('drop: Clear starts over', async () => {
        await page.click('[data-testid="clear"]');
        await page.waitForSelector('.app[data-state="empty"]', { timeout: 30_000 });
        assert(!(await page.$('[data-testid="sources-table"]')), 'sources table still shown');
      });
      await test('drop: the server saw no request after load but the address table, once', async () => {
        const after = hits.slice(hitsBefore).map((h) => h.url);
        const others = after.filter((u) => u !== `${SUB_PATH}${GEO_FILE}`);
        assert(others.length === 0, `server requests: ${others.join(', ')}`);
        assert(after.length === 1, `the address table was fetched ${after.length} times`);
      });
      await checkClean(watch, 'drop');
      await page.screenshot({ path: path.join(tmp, 'after-clear.png') });
      await watch.context.close();
    }

    // 2. The file input.
    if (files.length) {
      const watch = await openPage(browser, base);
      await test('file input: the example week read through the file picker', async () => {
        await watch.page.setInputFiles('[data-testid="file-input"]', files);
        await waitState(watch.page);
      });
      await checkCase(watch, cliReport, 'file input', null, expectedGeo);
      await checkClean(watch, 'file input');
      await watch.context.close();
    }

    // 2b. Parse workers: two read the drop in parallel (each file parsed in one of them
    // and appended in file order by the reading worker); the report is the same bytes
    // as when the reading worker reads every file alone (?flowlens-parsers=0).
    if (files.length) {
      const reports = {};
      for (const count of [2, 0]) {
        const how = `parse workers ${count}`;
        const watch = await openPage(browser, `${base}?flowlens-parsers=${count}`);
        await test(`${how}: the example week read ${count ? 'in parallel' : 'by the worker alone'}`, async () => {
          await watch.page.setInputFiles('[data-testid="file-input"]', files);
          await waitState(watch.page);
          const used = await watch.page.$eval('[data-testid="summary"]', (e) => Number(e.dataset.parseWorkers));
          assert(count ? used >= 2 : used === 0, `parse workers used: ${used}`);
          reports[count] = (await downloadText(watch.page, 'download-report')).text;
        });
        if (count) {
          await test(`${how}: Cancel in a drop keeps what was read; the next drop reads it all again`, async () => {
            const { page } = watch;
            await page.click('[data-testid="clear"]');
            await page.waitForSelector('.app[data-state="empty"]', { timeout: 30_000 });
            await page.setInputFiles('[data-testid="file-input"]', files);
            await cancelReading(page);
            const read = await page.$eval('[data-testid="summary"] [data-field="files"]', (e) => e.textContent);
            assert(Number(read.replace(/,/g, '')) < files.length, `files read ${read} of ${files.length}`);
            await page.click('[data-testid="clear"]');
            await page.waitForSelector('.app[data-state="empty"]', { timeout: 30_000 });
            await page.setInputFiles('[data-testid="file-input"]', files);
            await waitState(page);
            const again = (await downloadText(page, 'download-report')).text;
            assert(again === reports[count], 'the report after a cancelled drop differs');
          });
        }
        await checkClean(watch, how);
        await watch.context.close();
      }
      // Parse workers that cannot load (their requests for the worker's code fail):
      // the page is still loaded, and the reading worker reads everything alone.
      {
        const how = 'parse workers that cannot load';
        let loads = 0;
        const watch = await openPage(browser, `${base}?flowlens-parsers=2`, {
          setup: (context) =>
            context.route('**/flowlens-worker_loader-*.js', (route) => (loads++ === 0 ? route.continue() : route.abort())),
        });
        await test(`${how}: the worker reads the example week alone, with the same report`, async () => {
          assert(loads === 3, `the worker code was asked for ${loads} times, not 3 (the worker, two parse workers)`);
          await watch.page.setInputFiles('[data-testid="file-input"]', files);
          await waitState(watch.page);
          const used = await watch.page.$eval('[data-testid="summary"]', (e) => Number(e.dataset.parseWorkers));
          assert(used === 0, `parse workers used: ${used}`);
          const report = (await downloadText(watch.page, 'download-report')).text;
          assert(report === reports[0], 'the report differs from the one read without parse workers');
        });
        await watch.context.close();
      }
      await test('parse workers: the report is the same bytes with two parse workers as with none', async () => {
        assert(reports[2] && reports[0], 'a report is missing');
        assert(reports[2] === reports[0], `the reports differ:\n${differences(JSON.parse(reports[2]), JSON.parse(reports[0])).slice(0, 10).join('\n')}`);
      });
    }

    // 3. The folder input.
    if (files.length) {
      const watch = await openPage(browser, base);
      await test('folder input: the example week read through the folder picker', async () => {
        await watch.page.setInputFiles('[data-testid="folder-input"]', weekDir);
        await waitState(watch.page);
        const files = await watch.page.$eval('[data-testid="summary"] [data-field="files"]', (e) => e.textContent);
        assert(files.replace(/,/g, '') === String(cliReport.input.files), `files ${files}`);
      });
      await checkCase(watch, cliReport, 'folder input');
      await checkClean(watch, 'folder input');
      await watch.context.close();
    }

    // 4. Bad files do not spoil good ones.
    if (badFiles.length) {
      const watch = await openPage(browser, base);
      const { page } = watch;
      await test('problems: every problem listed as file:line, the rest read as the CLI does', async () => {
        await dropFiles(page, badFiles);
        await page.waitForSelector('.app[data-state="ready"], .app[data-state="analysing"]', {
          timeout: READ_TIMEOUT_MS,
        });
        await page.waitForSelector('[data-testid="diagnostics"] li', { timeout: READ_TIMEOUT_MS });
        const listed = await page.$$eval('[data-testid="diagnostics"] li', (li) => li.map((l) => l.textContent));
        assert(
          listed.some((l) => l.startsWith('bad-line.log:6: ')),
          `no bad-line.log:6 diagnostic in:\n${listed.join('\n')}`,
        );
        assert(listed.some((l) => l.startsWith('cut-short.log.gz: ')), `no cut-short diagnostic`);
        await waitState(page);
        const report = await downloadReport(page);
        assertSameReport(report, cliBadReport, 'files with problems');
      });
      await checkClean(watch, 'problems');
      await watch.context.close();
    }

    // 5. The example button, Cancel, Clear.
    {
      const watch = await openPage(browser, base);
      const { page } = watch;
      await test('example: Cancel stops reading and keeps what was read', async () => {
        // NOTE: the example week (17 MB) can be read whole before the click lands on a
        // busy machine; then Clear and try again (three tries: a Cancel that never
        // stops reading still fails).
        for (let attempt = 1; ; attempt++) {
          await page.click('[data-testid="example-button"]');
          try {
            await cancelReading(page);
            break;
          } catch (error) {
            if (attempt === 3) throw error;
            await page.click('[data-testid="clear"]');
            await page.waitForSelector('.app[data-state="empty"]', { timeout: 30_000 });
          }
        }
      });
      await test('example: Clear, then the example week in one click', async () => {
        await page.click('[data-testid="clear"]');
        await page.waitForSelector('.app[data-state="empty"]', { timeout: 30_000 });
        await page.click('[data-testid="example-button"]');
        await waitState(page);
      });
      await checkCase(watch, null, 'example', null, expectedGeo);
      await page.screenshot({ path: path.join(tmp, 'example.png'), fullPage: true });
      await checkClean(watch, 'example');
      await watch.context.close();
    }
    // 6. Without a usable address table (missing, or damaged: cut in half, so it
    //    inflates short) the page still works, and says why.
    const tableCases = [
      { how: 'no table', expect: /could not be loaded.*404/, write: () => {} },
      {
        how: 'damaged table',
        expect: /unusable/,
        write: (dir) => {
          const whole = fs.readFileSync(path.join(DIST, GEO_FILE));
          fs.writeFileSync(path.join(dir, GEO_FILE), whole.subarray(0, Math.floor(whole.length / 2)));
        },
      },
    ];
    for (const { how, expect, write } of tableCases) {
      const dir = path.join(tmp, `dist-${how.replace(/ /g, '-')}`);
      fs.cpSync(DIST, dir, { recursive: true, filter: (src) => path.basename(src) !== GEO_FILE });
      write(dir);
      const other = await serveDist(dir);
      try {
        const watch = await openPage(browser, other.base);
        const { page } = watch;
        await test(`${how}: the example week is still judged, geo unavailable is said`, async () => {
          await page.click('[data-testid="example-button"]');
          await waitState(page);
          const outcome = await page.$eval('[data-testid="verdict"]', (el) => el.dataset.outcome);
          assert(outcome === 'exfiltration_suspected', `outcome ${outcome}`);
          const note = await page.$eval('[data-testid="geo-unavailable"]', (el) => el.textContent);
          assert(/unavailable/.test(note) && expect.test(note), `note: ${note}`);
          const footer = await page.$eval('[data-testid="geo-database"]', (el) => el.dataset.state);
          assert(footer === 'unavailable', `footer state ${footer}`);
          const cell = await page.$eval(`[data-testid="sources-table"] tr[data-addr="${SUSPECT}"] td.geo`, (td) => td.textContent);
          assert(cell === '', `geo cell ${JSON.stringify(cell)}`);
          assert(!(await page.$('[data-testid="verdict-geo"]')), 'verdict shows a country');
          const report = await downloadReport(page);
          assert(report.geo_database === null, `geo_database ${JSON.stringify(report.geo_database)}`);
          assert(report.verdict.geo === null, `verdict geo ${JSON.stringify(report.verdict.geo)}`);
          assert(report.sources.rows.every((s) => s.geo === null), 'a source has geo');
          assert(report.ranking.rows.every((r) => r.geo === null), 'a ranked address has geo');
        });
        // The browser reports a 404 itself; nothing else may fail.
        watch.errors = watch.errors.filter((e) => !/Failed to load resource.*404/.test(e));
        await checkClean(watch, how);
        await watch.context.close();
      } finally {
        other.server.close();
      }
    }
  } finally {
    await browser.close();
    server.close();
  }

  log(`screenshots and files: ${tmp}`);
  finish();
}

main().catch((error) => {
  log(`FAIL the test run itself: ${error && error.stack ? error.stack : error}`);
  finish(1);
});
