// The embeddable API (crates/flowlens-js) in Chromium: its example page, built by
// scripts/build-js.sh into dist/embed/, reads the seed week picked in a file input and
// analyses its 02:00 window; the report it shows must equal `flowlens analyze --json`
// on the same files, key for key. Also: bad options are thrown as an Error with words,
// and nothing is requested after the page loaded.
//
//   node tests/browser/embed.mjs     (after trunk build and scripts/build-js.sh)
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, DIST, assert, assertSameReport, cliPath, launch, makeRunner, openPage, run, serveDist, walk,
} from './lib.mjs';

const { test, finish } = makeRunner();
const EMBED = path.join(DIST, 'embed');
const WEEK = path.join(ROOT, 'tests/fixtures/seed-week');
const WINDOW = '2020-09-16T02:00:00Z';

assert(fs.existsSync(path.join(EMBED, 'flowlens.js')), `${EMBED}/flowlens.js is missing: run bash scripts/build-js.sh`);
const files = walk(WEEK);
const cli = JSON.parse(run(cliPath(), ['analyze', '--json', '--no-geo', '--window', WINDOW, WEEK]));

const server = await serveDist(EMBED);
const browser = await launch();
try {
  const watch = await openPage(browser, server.base, { waitState: null });
  const { page } = watch;
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });

  await test('embed: the example page reads the seed week and gives the CLI\'s report', async () => {
    await page.setInputFiles('#files', files);
    await page.fill('#window', WINDOW);
    await page.click('#analyze');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    const report = JSON.parse(await page.$eval('#report', (e) => e.textContent));
    assert(report.verdict.outcome === 'exfiltration_suspected', report.verdict.outcome);
    assert(report.verdict.above.flows === 15, `${report.verdict.above.flows} flows above`);
    assertSameReport(report, cli, 'embed');
  });

  await test('embed: bad options are an Error that says what is wrong', async () => {
    const message = await page.evaluate(async () => {
      const { Flowlens } = await import('./flowlens.js');
      const fl = new Flowlens();
      try {
        fl.analyze({ k: -1 });
        return 'no error';
      } catch (e) {
        return `${e instanceof Error}: ${e.message}`;
      }
    });
    assert(message.startsWith('true: flowlens: bad options: k must be'), message);
    const unknown = await page.evaluate(async () => {
      const { Flowlens } = await import('./flowlens.js');
      try { new Flowlens().analyze({ windw: 'x' }); return 'no error'; } catch (e) { return e.message; }
    });
    assert(/unknown field `windw`/.test(unknown), unknown);
  });

  await test('embed: bytes objects read the same as File objects; no request after load', async () => {
    const summary = await page.evaluate(async () => {
      const { Flowlens } = await import('./flowlens.js');
      const fl = new Flowlens();
      const text = 'srcaddr dstaddr bytes start end\n10.0.0.1 203.0.113.9 100 1 2\nnot a record\n';
      return fl.read([{ name: 'a.log', bytes: new TextEncoder().encode(text) }]);
    });
    assert(summary.records === 1, JSON.stringify(summary));
    assert(summary.diagnostics_total === 1 && summary.diagnostics[0].line === 3, JSON.stringify(summary));
    assert(watch.requests.length === 0, `requests: ${watch.requests}`);
    assert(watch.errors.length === 0, `errors: ${watch.errors}`);
  });
} finally {
  await browser.close();
  await server.close();
}
finish();
