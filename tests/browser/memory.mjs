// The memory budget (issue 16, item 2) in real headless Chromium: a week made to pass
// a small budget (`?flowlens-memory-budget=BYTES`) stops reading there, says how much
// was read and what to do, and what was read stays usable (data-state ready, a
// verdict, more files given are noted, not read).
//
// The figures the page shows (files, records, bytes of text) are checked against the
// files themselves, inflated here with node's zlib and counted line by line: every
// file before the last read whole, the last one up to the line the page says it
// stopped at. With parse workers and without (`?flowlens-parsers=0`), the figures
// must be the same. Waits only on DOM state, never on time. Prints
// `N passed, N failed` last.
//
// Environment: see lib.mjs (FLOWLENS_DIST, CHROMIUM_PATH, FLOWLENS_CLI).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { assert, cliPath, diagnosticLines, dropFiles, launch, makeRunner, openPage, run, serveDist, waitAnalysis, walk } from './lib.mjs';

const { test, finish } = makeRunner();

/** The week: 2 days of the example at 3× its background, ~290 files, ~22 MB of text. */
const WEEK_ARGS = ['--scale', '3', '--days', '2'];
/** The budget: about a third of what the week needs (and another, larger one). */
const BUDGET_BYTES = 3_000_000;
const OTHER_BUDGET_BYTES = 4_200_000;
const READ_TIMEOUT_MS = 240_000;
/** A small file given after the stop. */
const EXTRA = {
  name: 'later.log',
  text:
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n' +
    '2 1 eni-9 198.51.100.7 10.0.0.2 40000 22 6 1 60 1600300000 1600300030 REJECT OK\n',
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlens-memory-'));
run(cliPath(), ['example', ...WEEK_ARGS, dir]);
// In the page's order: by file name (the example's names sort by time).
const files = walk(dir)
  .filter((f) => f.endsWith('.log.gz'))
  .sort((a, b) => (path.basename(a) < path.basename(b) ? -1 : path.basename(a) > path.basename(b) ? 1 : 0));

/** Per file: its records (lines after the header) and its lines' byte offsets. */
const counted = files.map((file) => {
  const text = zlib.gunzipSync(fs.readFileSync(file));
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === 10 && i + 1 < text.length) starts.push(i + 1);
  return { name: path.basename(file), textBytes: text.length, lines: starts.length, starts };
});
const weekRecords = counted.reduce((n, f) => n + f.lines - 1, 0);

/** What the page should say it read: `read` files, the last one up to line `stoppedAt` (1-based, not read) when given. */
function expected(read, stoppedAt) {
  let records = 0;
  let textBytes = 0;
  counted.slice(0, read).forEach((f, i) => {
    if (i === read - 1 && stoppedAt) {
      records += stoppedAt - 2; // line 1 is the header
      textBytes += f.starts[stoppedAt - 1];
    } else {
      records += f.lines - 1;
      textBytes += f.textBytes;
    }
  });
  return { records, textBytes };
}

/** The stop as the page shows it, and the diagnostics. */
async function shown(page) {
  const stop = await page.$eval('[data-testid="reading-stop"]', (p) => ({
    text: p.textContent,
    files: Number(p.dataset.files),
    records: Number(p.dataset.records),
    textBytes: Number(p.dataset.textBytes),
    heldBytes: Number(p.dataset.heldBytes),
    budgetBytes: Number(p.dataset.budgetBytes),
  }));
  const records = await page.$eval('[data-field="records"]', (d) => Number(d.textContent.replace(/,/g, '')));
  return { stop, records, diagnostics: await diagnosticLines(page) };
}

const server = await serveDist();
const browser = await launch();
const seen = {};
try {
  for (const [how, query, budget] of [
    ['parse workers', '', BUDGET_BYTES],
    ['the worker alone', '&flowlens-parsers=0', BUDGET_BYTES],
    [`a budget of ${OTHER_BUDGET_BYTES} bytes`, '', OTHER_BUDGET_BYTES],
  ]) {
    const watch = await openPage(browser, `${server.base}?flowlens-memory-budget=${budget}${query}`);
    const { page } = watch;
    await test(`${how}: the week passes the budget; reading stops and the analysis runs on what was read`, async () => {
      await dropFiles(page, files);
      await waitAnalysis(page, {}, READ_TIMEOUT_MS);
      const verdict = await page.$eval('[data-testid="verdict-summary"]', (p) => p.textContent);
      assert(verdict.trim().length > 0, 'no verdict');
      const { stop, records, diagnostics } = await shown(page);
      seen[how] = { stop, diagnostics };
      assert(stop.budgetBytes === budget, `budget ${stop.budgetBytes}`);
      assert(records === stop.records, `the summary holds ${records} records, the stop says ${stop.records}`);
      assert(stop.records < weekRecords * 0.8, `${stop.records} of ${weekRecords} records read: the budget did not stop it`);
      assert(stop.heldBytes <= budget, `held ${stop.heldBytes} > budget ${budget}`);
      // The budget is used, not left half empty.
      assert(stop.heldBytes > budget * 0.6, `held ${stop.heldBytes}: reading stopped far below the budget`);
      for (const words of [
        'Reading stopped at the memory budget',
        `${stop.files.toLocaleString('en-US')} files read`,
        `${stop.records.toLocaleString('en-US')} records`,
        'narrower range of files',
        'flowlens command line',
        'SQL panel',
      ]) {
        assert(stop.text.includes(words), `the message lacks "${words}": ${stop.text}`);
      }
    });

    await test(`${how}: the figures shown are the files' own, counted here`, async () => {
      const { stop, diagnostics } = seen[how];
      const last = counted[stop.files - 1];
      const cut = diagnostics.map((d) => d.match(/^(.*?): stopped at line (\d+)/)).find(Boolean);
      let stoppedAt = null;
      if (cut) {
        const file = cut[1];
        stoppedAt = Number(cut[2]);
        assert(file.endsWith(last.name), `stopped in ${file}, but the last file read is ${last.name}`);
      } else {
        // Stopped between files: the next one is named as not read.
        const next = counted[stop.files].name;
        assert(
          diagnostics.some((d) => d.includes(next) && /not read/.test(d)),
          `no diagnostic says ${next} was not read:\n${diagnostics.slice(0, 5).join('\n')}`,
        );
      }
      const want = expected(stop.files, stoppedAt);
      console.log(
        `     ${how}: ${stop.files} of ${counted.length} files, ${stop.records} of ${weekRecords} records, ` +
          `${stop.textBytes} bytes of text, ${stop.heldBytes} bytes held of ${stop.budgetBytes}` +
          (stoppedAt ? `, stopped at line ${stoppedAt} of ${last.name}` : ', stopped between files'),
      );
      assert(stop.records === want.records, `records ${stop.records}, counted ${want.records} (stopped at ${stoppedAt})`);
      assert(stop.textBytes === want.textBytes, `text bytes ${stop.textBytes}, counted ${want.textBytes}`);
      // Every file after it is noted as not read.
      const unread = counted.slice(stop.files).map((f) => f.name);
      const noted = unread.filter((name) => diagnostics.some((d) => d.startsWith(`${name}: not read`)));
      assert(unread.length > 0 && noted.length === unread.length, `${noted.length} of ${unread.length} later files noted`);
    });

    await test(`${how}: the page keeps working: a file given later is noted, not read`, async () => {
      const before = seen[how].stop.records;
      await dropFiles(page, [{ name: EXTRA.name, mimeType: 'text/plain', buffer: Buffer.from(EXTRA.text) }]);
      await page.waitForFunction(
        (name) =>
          [...document.querySelectorAll('[data-testid="diagnostics"] li')].some((li) =>
            li.textContent.startsWith(`${name}: not read`),
          ),
        EXTRA.name,
        { timeout: READ_TIMEOUT_MS },
      );
      await waitAnalysis(page, {}, READ_TIMEOUT_MS);
      const { stop, records } = await shown(page);
      assert(records === before && stop.records === before, `records ${records} (stop ${stop.records}), were ${before}`);
      const verdict = await page.$eval('[data-testid="verdict-summary"]', (p) => p.textContent);
      assert(verdict.trim().length > 0, 'no verdict after the second drop');
      assert(watch.errors.length === 0, `errors: ${watch.errors.join('\n')}`);
    });
    await watch.context.close();
  }

  await test('with and without parse workers, the same figures', async () => {
    const [a, b] = [seen['parse workers'], seen['the worker alone']];
    assert(a && b, 'a run is missing');
    for (const key of ['files', 'records', 'textBytes']) {
      assert(a.stop[key] === b.stop[key], `${key}: ${a.stop[key]} with parse workers, ${b.stop[key]} without`);
    }
  });
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
finish();
