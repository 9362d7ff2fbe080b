// The hunt in the page (issue 15) in real headless Chromium: the Findings panel after
// "What was read", its incident timeline and steps, the ranked list, and opening a
// finding from the keyboard (its evidence shows, the range and address follow it).
//
// The expected findings are the CLI's (`flowlens hunt --json`, native code) on the same
// records: the example week (the page's Example button and `flowlens example` make the
// same week), and a week made with other knobs (seed, scanner addresses, days) dropped
// as files — data the hunt was not designed on.
// Waits only on DOM state, never on time; prints the time to the answer and to the
// findings (figures, not asserts). Prints `N passed, N failed` last.
//
// Environment: see lib.mjs (FLOWLENS_DIST, CHROMIUM_PATH).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  ROOT,
  SUSPECT,
  assert,
  cliPath,
  dropFiles,
  downloadReport,
  launch,
  makeRunner,
  networkRequests,
  openPage,
  run,
  serveDist,
  waitAnalysis,
  waitState,
  walk,
} from './lib.mjs';

const { test, finish } = makeRunner();

const FINDINGS_TIMEOUT_MS = 240_000;
/** 2020-09-16T02:00:00Z, the window the suspect logged in (02:01:27). */
const CASE_WINDOW = 1600221600;

/** Waits until the findings panel has the findings of the data shown. */
function waitFindings(page) {
  return page.waitForSelector('.app[data-findings="ready"] [data-testid="findings"][data-state="ready"]', {
    timeout: FINDINGS_TIMEOUT_MS,
  });
}

/** The ranked list's rows as the page shows them. */
function rows(page) {
  return page.$$eval('[data-testid="findings-table"] tbody tr', (trs) =>
    trs.map((tr) => ({
      kind: tr.dataset.kind,
      src: tr.dataset.src,
      first: Number(tr.dataset.first),
      severity: tr.querySelector('.severity').textContent,
    })),
  );
}

/** The CLI's findings, as the page lists them (the first 200). */
function expected(hunt) {
  return hunt.findings.slice(0, 200).map((f) => ({ kind: f.kind, src: f.src, first: f.first, severity: f.severity }));
}

function assertSameRows(got, want, what) {
  assert(got.length === want.length, `${what}: ${got.length} rows, the CLI lists ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i], want[i]];
    assert(
      g.kind === w.kind && g.src === w.src && g.first === w.first && g.severity === w.severity,
      `${what}: row ${i + 1} is ${JSON.stringify(g)}, the CLI's is ${JSON.stringify(w)}`,
    );
  }
}

async function main() {
  const cli = cliPath();
  if (!fs.existsSync(cli)) {
    console.error(`no CLI at ${cli}: run cargo build first`);
    finish(1);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlens-findings-'));
  const exampleDir = path.join(tmp, 'example');
  run(cli, ['example', exampleDir]);
  const exampleHunt = JSON.parse(run(cli, ['hunt', '--json', exampleDir]));
  // Another week: another seed, 3,000 scanner addresses, three days.
  const otherDir = path.join(tmp, 'other');
  run(cli, ['example', otherDir, '--seed', '7', '--scanner-addresses', '3000', '--days', '3']);
  const otherHunt = JSON.parse(run(cli, ['hunt', '--json', otherDir]));

  const served = await serveDist();
  const browser = await launch();
  try {
    const watch = await openPage(browser, served.base);
    const { page } = watch;
    let started = 0;
    await test('example: the answer comes first, then the findings, after "What was read"', async () => {
      started = Date.now();
      await page.click('[data-testid="example-button"]');
      await waitState(page, 'ready');
      const answered = Date.now();
      await waitFindings(page);
      const found = Date.now();
      console.log(
        `     example week: answer in ${((answered - started) / 1000).toFixed(1)} s, findings ${((found - answered) / 1000).toFixed(1)} s later`,
      );
      const order = await page.$$eval('.app > section, .app > .row', (els) =>
        els.map((e) => e.dataset.testid || e.className),
      );
      const summary = order.findIndex((c) => /summary/.test(c));
      const findings = order.indexOf('findings');
      assert(summary >= 0 && findings === summary + 1, `panels in order: ${order.join(', ')}`);
    });
    await test('example: the ranked list is the CLI hunt\'s', async () => {
      assertSameRows(await rows(page), expected(exampleHunt), 'example');
    });
    await test('example: the steps tell the story in order, each with its source and time', async () => {
      const steps = await page.$$eval('[data-testid="incident-steps"] li', (lis) =>
        lis.map((li) => ({ kind: li.dataset.kind, text: li.textContent })),
      );
      const kinds = steps.map((s) => s.kind);
      for (const k of ['scan', 'probe_accepted', 'brute_force', 'first_success', 'exfiltration', 'role_inversion', 'beacon', 'long_connection']) {
        assert(kinds.includes(k), `no step ${k} in ${kinds.join(', ')}`);
      }
      const at = (k) => kinds.indexOf(k);
      assert(at('scan') < at('brute_force') && at('brute_force') < at('first_success'), `order ${kinds.join(', ')}`);
      const success = steps[at('first_success')].text;
      assert(success.includes('2020-09-16 02:01:27 UTC') && success.includes(`${SUSPECT} →`), success);
      const label = await page.getAttribute('[data-testid="incident-chart"]', 'aria-label');
      assert(/Incident timeline of \d+ findings/.test(label || ''), `chart label ${label}`);
    });
    await test('example: a finding opens from the keyboard and the panels follow it', async () => {
      const index = exampleHunt.findings.findIndex((f) => f.kind === 'first_success');
      assert(index >= 0, 'the CLI found no first success');
      // One Tab stop for the list (the first row's button), the arrow keys within it.
      const tabbable = await page.$$eval('button.open-finding', (bs) => bs.filter((b) => b.tabIndex === 0).map((b) => b.dataset.row));
      assert(tabbable.length === 1 && tabbable[0] === '0', `buttons in the Tab order: ${tabbable.join(', ')}`);
      await page.focus('button.open-finding[data-row="0"]');
      for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown');
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.dataset.row);
      assert(focused === String(index), `focus on row ${focused}, wanted ${index}`);
      await page.keyboard.press('Enter');
      const button = page.locator(`button.open-finding[data-row="${index}"]`);
      await waitAnalysis(page, { range: `window:${CASE_WINDOW}`, addr: SUSPECT });
      const evidence = await page.$eval('[data-testid="evidence"]', (e) => ({
        kind: e.dataset.kind,
        sessions: e.querySelectorAll('[data-testid="evidence-sessions"] tbody tr').length,
        figures: e.querySelectorAll('[data-testid="evidence-figures"] tr').length,
      }));
      const cliFinding = exampleHunt.findings[index];
      assert(evidence.kind === 'first_success', `evidence of ${evidence.kind}`);
      assert(evidence.sessions === cliFinding.evidence.sessions.length, `${evidence.sessions} sessions shown, the CLI has ${cliFinding.evidence.sessions.length}`);
      const detail = cliFinding.evidence.first_success;
      assert(evidence.figures === Object.keys(detail).length, `${evidence.figures} figures, the CLI has ${Object.keys(detail).length}`);
      assert((await button.getAttribute('aria-pressed')) === 'true', 'the button is not pressed');
      // The seed's own path: the suspect's stay decides the verdict.
      const report = await downloadReport(page);
      assert(report.verdict && report.verdict.outcome === 'exfiltration_suspected', `verdict ${report.verdict && report.verdict.outcome}`);
      assert(report.findings.length === exampleHunt.findings.length, `${report.findings.length} findings in the report`);
      const sql = await page.$eval('[data-testid="sql-finding"]', (t) => t.value);
      assert(sql.includes('first success') && sql.includes('Caveat'), sql.slice(0, 200));
    });
    await test('example: no request while hunting, no console error', async () => {
      const net = networkRequests(watch);
      assert(net.length === 0, `requests: ${net.join(' ')}`);
      assert(watch.errors.length === 0, watch.errors.join('\n'));
    });
    await test('another week (seed 7, 3,000 scanners, 3 days) dropped as files: the CLI hunt\'s list', async () => {
      await page.click('[data-testid="clear"]');
      await waitState(page, 'empty');
      await dropFiles(page, walk(otherDir));
      await waitState(page, 'ready');
      await waitFindings(page);
      assertSameRows(await rows(page), expected(otherHunt), 'other week');
      const high = otherHunt.findings.filter((f) => f.severity === 'high').length;
      assert(high > 0, 'the other week has no high finding (its incident was not found)');
    });
    await test('the seed week: the 02:00 window picks the suspect, its whole stay decides: exfiltration, 15 above, 68.04 MB', async () => {
      await page.click('[data-testid="clear"]');
      await waitState(page, 'empty');
      await dropFiles(page, walk(path.join(ROOT, 'tests/fixtures/seed-week')));
      await waitState(page, 'ready');
      await page.selectOption('[data-testid="range-select"]', `day:${CASE_WINDOW - (CASE_WINDOW % 86400)}`);
      await page.selectOption('[data-testid="window-select"]', `window:${CASE_WINDOW}`);
      await waitAnalysis(page, { range: `window:${CASE_WINDOW}`, addr: SUSPECT });
      const report = await downloadReport(page);
      const v = report.verdict;
      const f = report.flows_to_suspect;
      // The seed's figures (tests/fixtures/seed_week.py writes them): 33 flows over the
      // stay 02:01:27-02:25:13, 1.02 GB, 15 above the threshold, 68.04 MB on average.
      assert(f.count === 33 && f.from === 1600221687 && f.to >= 1600223113, `flows ${f.count} ${f.from}..${f.to}`);
      assert(v.outcome === 'exfiltration_suspected' && v.above.flows === 15, `${v.outcome}, ${v.above.flows} above`);
      assert((v.above.bytes_avg / 1e6).toFixed(2) === '68.04', `average ${v.above.bytes_avg}`);
    });
    await watch.context.close();
  } finally {
    await browser.close();
    served.close();
  }
  finish();
}

main().catch((error) => {
  console.error(error);
  finish(1);
});
