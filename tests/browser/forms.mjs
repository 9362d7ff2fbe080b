// Every form of the example week in the built page (dist/), in real headless Chromium
// (issue 14): the CLI writes the week as S3 text and in each other form
// (`flowlens example --form …`); each form is dropped on a fresh page and the
// downloaded report must equal the CLI's report on the text form, answer for answer,
// with the same records read. Waits only on real DOM state and events, never on time.
// Prints `N passed, N failed` last and exits non-zero when anything failed.
//
// Environment: see lib.mjs (FLOWLENS_DIST, CHROMIUM_PATH, FLOWLENS_CLI).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DIST,
  assert,
  cliPath,
  differences,
  downloadReport,
  dropFiles,
  launch,
  makeRunner,
  normalise,
  openPage,
  run,
  serveDist,
  waitState,
  walk,
} from './lib.mjs';

const { test, finish } = makeRunner();

/** The forms written by `flowlens example --form`, with the form the report names. */
const FORMS = [
  ['parquet', 'parquet'],
  ['cloudwatch-export', 'cloudwatch_export'],
  ['firehose', 'firehose_cloudwatch'],
  ['zip', 's3_text'],
];

/** The answers of a report: everything but what was read, compared as lib.mjs's
 * `normalise` says (which leaves out what the page does not compute yet). */
function answers(report) {
  const copy = normalise(report);
  delete copy.input;
  return copy;
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.log(`no page: ${DIST}/index.html is missing (run trunk build --release first)`);
    finish(1);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlens-forms-'));
  const cli = cliPath();
  let text = null;
  await test('setup: the CLI writes the example week in every form and analyses the text', async () => {
    run(cli, ['example', path.join(tmp, 'text')]);
    for (const [form] of FORMS) run(cli, ['example', '--form', form, path.join(tmp, form)]);
    text = JSON.parse(run(cli, ['analyze', '--json', path.join(tmp, 'text')]));
    assert(text.input.records > 100000, `records ${text.input.records}`);
  });
  const site = await serveDist();
  const browser = await launch();
  try {
    for (const [form, name] of FORMS) {
      if (!text) break;
      const watch = await openPage(browser, site.base);
      const { page } = watch;
      await test(`${form}: dropped, read and analysed like the text form`, async () => {
        await dropFiles(page, walk(path.join(tmp, form)));
        await waitState(page, 'ready');
        const report = await downloadReport(page);
        assert(report.input.records === text.input.records, `records ${report.input.records}, text ${text.input.records}`);
        const counted = report.input.forms.find((f) => f.form === name);
        assert(counted && counted.records === text.input.records, `forms ${JSON.stringify(report.input.forms)}`);
        const diff = differences(answers(report), answers(text));
        assert(diff.length === 0, `${form}: the page's answers differ from the text form's:\n${diff.join('\n')}`);
        assert(watch.errors.length === 0, watch.errors.join('\n'));
      });
      await watch.context.close();
    }
  } finally {
    await browser.close();
    await site.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  finish();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
