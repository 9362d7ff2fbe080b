// The example page of flowlens's embeddable API: read the picked files, analyse them,
// show the verdict and the whole report (the same JSON as `flowlens analyze --json`).
import init, { Flowlens } from './flowlens.js';

const status = document.getElementById('status');
const out = document.getElementById('report');

await init();
const fl = new Flowlens();
status.textContent = 'Ready: pick files.';
document.body.dataset.state = 'ready';

document.getElementById('analyze').addEventListener('click', async () => {
  document.body.dataset.state = 'busy';
  try {
    fl.clear();
    const summary = await fl.read(document.getElementById('files').files);
    const window = document.getElementById('window').value.trim();
    const report = fl.analyze(window ? { window } : {});
    const verdict = report.verdict;
    status.textContent = `${summary.files} files, ${summary.records} records; ` +
      (verdict ? `${verdict.addr}: ${verdict.outcome}` : 'no suspect');
    out.textContent = JSON.stringify(report, null, 2);
    document.body.dataset.state = 'done';
  } catch (error) {
    status.textContent = String(error.message || error);
    document.body.dataset.state = 'failed';
  }
});
