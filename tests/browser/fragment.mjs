// The shareable view (issue 6, part 4) in real headless Chromium: the page's range,
// selected address, service port and k live in the URL fragment.
//
// - a page opened with a fragment applies it once the example week is loaded (the
//   range and address only exist then), and its controls show it;
// - changing the address or the range in the UI rewrites the fragment with
//   history.replaceState (no new history entry, no reload, no request);
// - editing the fragment by hand (hashchange) changes the view;
// - bad or absent values are ignored with a notice, never an error;
// - the URL never holds anything but those four parameters.
// Waits only on DOM state, never on time. Prints `N passed, N failed` last.
//
// Environment: see lib.mjs (FLOWLENS_DIST, CHROMIUM_PATH).

import fs from 'node:fs';
import path from 'node:path';

import {
  DIST,
  SUSPECT,
  assert,
  launch,
  makeRunner,
  networkRequests,
  openPage,
  serveDist,
  waitAnalysis,
} from './lib.mjs';

const { test, finish } = makeRunner();

/** 2020-09-16T00:00:00Z and its 02:00 window, the case's. */
const CASE_DAY = 1600214400;
const CASE_WINDOW = 1600221600;
const ALLOWED_KEYS = ['range', 'addr', 'port', 'k'];
const READ_TIMEOUT_MS = 240_000;

/** The fragment's parameters as an object, and the URL's other parts. */
async function urlParts(page) {
  return page.evaluate(() => {
    const url = new URL(location.href);
    const params = {};
    for (const part of url.hash.replace(/^#/, '').split('&').filter(Boolean)) {
      const [key, value = ''] = part.split('=');
      params[key] = decodeURIComponent(value);
    }
    return { hash: url.hash, search: url.search, pathname: url.pathname, params, history: history.length };
  });
}

function assertOnlyViewParams(parts, base) {
  const keys = Object.keys(parts.params);
  assert(keys.every((k) => ALLOWED_KEYS.includes(k)), `fragment keys ${keys.join(',')}: ${parts.hash}`);
  assert(parts.search === '', `query string ${parts.search}`);
  assert(parts.pathname === new URL(base).pathname, `path ${parts.pathname}`);
  assert(parts.hash.length < 120, `fragment too long (${parts.hash.length}): ${parts.hash}`);
}

/** The view the controls show. */
function controls(page) {
  return page.evaluate(() => {
    const value = (id) => document.querySelector(`[data-testid="${id}"]`)?.value ?? null;
    return {
      range: value('range-select'),
      window: value('window-select'),
      port: value('service-port'),
      k: value('k'),
      verdictAddr: document.querySelector('[data-testid="verdict"]')?.dataset.addr ?? null,
      selectedRow: document.querySelector('[data-testid="sources-table"] tr.selected')?.dataset.addr ?? null,
      notices: [...document.querySelectorAll('[data-testid="view-notices"] li')].map((li) => li.textContent),
    };
  });
}

async function loadExample(page) {
  await page.click('[data-testid="example-button"]');
  await page.waitForSelector('.app[data-state="ready"]', { timeout: READ_TIMEOUT_MS });
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.log(`no page: ${DIST}/index.html is missing (run trunk build --release first)`);
    finish(1);
  }
  const served = await serveDist();
  const browser = await launch();
  try {
    // 1. A shared link: the case's window, the suspect, port 3306, k 2.5.
    {
      const link = `range=window:${CASE_WINDOW}&addr=${SUSPECT}&port=3306&k=2.5`;
      const watch = await openPage(browser, `${served.base}#${link}`);
      const { page } = watch;
      await test('link: the fragment waits for the data (no notice, URL untouched)', async () => {
        const c = await controls(page);
        assert(c.notices.length === 0, `notices: ${c.notices}`);
        const parts = await urlParts(page);
        assert(parts.hash === `#${link}`, `hash ${parts.hash}`);
      });
      await test('link: after the example loads, the view is the fragment', async () => {
        await loadExample(page);
        await waitAnalysis(page, { range: `window:${CASE_WINDOW}`, addr: SUSPECT });
        const c = await controls(page);
        assert(c.range === `day:${CASE_DAY}`, `range select ${c.range}`);
        assert(c.window === `window:${CASE_WINDOW}`, `window select ${c.window}`);
        assert(c.port === '3306', `port box ${c.port}`);
        assert(c.k === '2.5', `k box ${c.k}`);
        assert(c.verdictAddr === SUSPECT, `verdict for ${c.verdictAddr}`);
        assert(c.selectedRow === SUSPECT, `selected row ${c.selectedRow}`);
        assert(c.notices.length === 0, `notices: ${c.notices}`);
        const parts = await urlParts(page);
        assert(parts.hash === `#${link}`, `hash ${parts.hash}`);
        assertOnlyViewParams(parts, served.base);
      });
      let historyBefore = 0;
      await test('link: choosing another address rewrites the fragment, no history entry', async () => {
        historyBefore = (await urlParts(page)).history;
        const other = await page.$eval(
          `[data-testid="sources-table"] tr[data-addr]:not([data-addr="${SUSPECT}"])`,
          (r) => r.dataset.addr,
        );
        await page.click(`[data-testid="sources-table"] tr[data-addr="${other}"] td.addr button`);
        await waitAnalysis(page, { addr: other });
        await page.waitForFunction((other) => location.hash.includes(`addr=${other}&`), other, { timeout: 30_000 });
        const parts = await urlParts(page);
        assert(parts.params.addr === other, `addr ${parts.params.addr}, clicked ${other}`);
        assert(parts.params.range === `window:${CASE_WINDOW}`, `range ${parts.params.range}`);
        assert(parts.params.port === '3306' && parts.params.k === '2.5', `port/k ${parts.hash}`);
        assert(parts.history === historyBefore, `history grew ${historyBefore} -> ${parts.history}`);
        assertOnlyViewParams(parts, served.base);
      });
      await test('link: choosing the whole day rewrites the range, no history entry', async () => {
        await page.selectOption('[data-testid="window-select"]', `day:${CASE_DAY}`);
        await waitAnalysis(page, { range: `day:${CASE_DAY}` });
        await page.waitForFunction((r) => location.hash.startsWith(`#range=${r}&`), `day:${CASE_DAY}`, {
          timeout: 30_000,
        });
        const parts = await urlParts(page);
        assert(parts.history === historyBefore, `history grew ${historyBefore} -> ${parts.history}`);
        assertOnlyViewParams(parts, served.base);
      });
      await test('link: editing the fragment (hashchange) changes the view', async () => {
        await page.evaluate((s) => {
          location.hash = `#range=all&addr=${s}&k=3`;
        }, SUSPECT);
        await waitAnalysis(page, { range: 'all', addr: SUSPECT });
        const c = await controls(page);
        assert(c.range === 'all' && c.window === null, `range ${c.range} window ${c.window}`);
        assert(c.k === '3', `k box ${c.k}`);
        assert(c.verdictAddr === SUSPECT, `verdict for ${c.verdictAddr}`);
        const parts = await urlParts(page);
        assertOnlyViewParams(parts, served.base);
      });
      await test('link: no console error, no request after load', async () => {
        assert(watch.errors.length === 0, watch.errors.join('\n'));
        const requests = networkRequests(watch);
        assert(requests.length === 0, `requests: ${requests.slice(0, 5).join(', ')}`);
      });
      await watch.context.close();
    }

    // 2. A bad link: every bad part ignored with a notice, the page works.
    {
      const link = 'range=day:123&addr=not-an-address&k=-1&port=3306&records=1,2,3';
      const watch = await openPage(browser, `${served.base}#${link}`);
      const { page } = watch;
      await test('bad link: each bad part is named in a notice, the good port applies', async () => {
        const c = await controls(page);
        assert(c.notices.length === 4, `notices: ${JSON.stringify(c.notices)}`);
        await loadExample(page);
        await waitAnalysis(page, { range: 'all', addr: SUSPECT });
        const after = await controls(page);
        assert(after.port === '3306' && after.k === '3', `port ${after.port} k ${after.k}`);
        const parts = await urlParts(page);
        assert(parts.hash === `#range=all&addr=${SUSPECT}&port=3306&k=3`, `hash ${parts.hash}`);
        assertOnlyViewParams(parts, served.base);
      });
      await test('bad link: a range and an address the files do not have are dropped with a notice', async () => {
        await page.evaluate(() => {
          location.hash = '#range=day:86400&addr=192.0.2.1';
        });
        await page.waitForFunction(
          () => document.querySelectorAll('[data-testid="view-notices"] li').length === 2,
          null,
          { timeout: READ_TIMEOUT_MS },
        );
        await waitAnalysis(page, { range: 'all', addr: SUSPECT });
        const c = await controls(page);
        assert(c.notices.some((n) => n.includes('day:86400')), `notices: ${c.notices}`);
        assert(c.notices.some((n) => n.includes('192.0.2.1')), `notices: ${c.notices}`);
        assert(c.verdictAddr === SUSPECT, `verdict for ${c.verdictAddr}`);
        await page.waitForFunction((s) => location.hash.includes(`addr=${s}`), SUSPECT, { timeout: 30_000 });
      });
      await test('bad link: no console error, no request after load', async () => {
        assert(watch.errors.length === 0, watch.errors.join('\n'));
        const requests = networkRequests(watch);
        assert(requests.length === 0, `requests: ${requests.slice(0, 5).join(', ')}`);
      });
      await watch.context.close();
    }
  } finally {
    await browser.close();
    await served.close();
  }
  finish();
}

main().catch((error) => {
  console.log(`FAIL the test run itself: ${error && error.stack ? error.stack : error}`);
  finish(1);
});
