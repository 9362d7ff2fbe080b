// What the browser alone costs to hand files to the page (issue 5): every *.log.gz and
// *.log under DATA is given to a file input in headless Chromium and read by WORKERS
// plain Web Workers, split between them, doing nothing with the bytes; prints the time
// from the input's change event until every worker has every byte, and the CPU time of
// all Chromium processes meanwhile. It is the ceiling of the page's reader throughput
// on this machine: the page reads its files this way (parse workers read each file with
// `File.arrayBuffer()`), then parses them.
//
//   node scripts/compare/files.mjs DATA [WORKERS] [MODE] [RUNS]
//
// WORKERS: default 2. MODE: `buffer` (File.arrayBuffer() a file at a time; default),
// `batch` (sixteen files a call, through a Blob made of them; the page's parse workers
// read four a call), `sync` (FileReaderSync), `stream` (File.stream()) or `page` (read
// on the page's thread sixteen files at a time, each sixteen transferred to a worker
// in turn). RUNS: default 2, each in a fresh page. Needs the npm packages of scripts/compare (bash scripts/compare.sh --mode
// browser installs them) and Chromium at $CHROMIUM_PATH (default /usr/bin/chromium).
import fs from 'node:fs';
import http from 'node:http';
import { dataFiles, launchChromium } from './common.mjs';

const [data, workersArg, modeArg, runsArg] = process.argv.slice(2);
if (!data) {
  console.error('usage: node scripts/compare/files.mjs DATA [WORKERS] [buffer|batch|sync|stream|page] [RUNS]');
  process.exit(2);
}
const workers = Number(workersArg || 2);
const mode = modeArg || 'buffer';
if (!['buffer', 'batch', 'sync', 'stream', 'page'].includes(mode)) {
  console.error(`unknown mode ${mode}: buffer, sync or stream`);
  process.exit(2);
}
const files = dataFiles(data, ['.gz', '.log']);
const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
console.log(`${files.length} files, ${(bytes / 1e6).toFixed(1)} MB; ${workers} workers, ${mode}`);

// The worker: reads the files it is given, one after another, and says how many bytes.
const workerSource = `onmessage = async (event) => {
  const [files, mode] = event.data;
  let n = 0;
  if (mode === 'batch') {
    for (let i = 0; i < files.length; i += 16) n += (await new Blob(files.slice(i, i + 16)).arrayBuffer()).byteLength;
    postMessage(n);
    return;
  }
  if (mode === 'page') {
    for (const buffer of files) n += buffer.byteLength;
    postMessage(n);
    return;
  }
  for (const file of files) {
    if (mode === 'buffer') n += (await file.arrayBuffer()).byteLength;
    else if (mode === 'sync') n += new FileReaderSync().readAsArrayBuffer(file).byteLength;
    else {
      const reader = file.stream().getReader();
      for (;;) { const { done, value } = await reader.read(); if (done) break; n += value.length; }
    }
  }
  postMessage(n);
};`;
const html = `<!doctype html><input type="file" multiple id="files"><script>
const url = URL.createObjectURL(new Blob([${JSON.stringify(workerSource)}], { type: 'text/javascript' }));
document.getElementById('files').addEventListener('change', (event) => {
  const all = [...event.target.files];
  const t0 = performance.now();
  if (${JSON.stringify(mode)} === 'page') {
    // Each worker gets every other sixteen files' bytes, one message each.
    const ws = Array.from({ length: ${workers} }, () => new Worker(url));
    let total = 0, answers = 0, messages = 0, posted = false;
    for (const w of ws) w.onmessage = (m) => { total += m.data; if (++answers === messages && posted) window.done = [total, performance.now() - t0]; };
    (async () => {
      for (let i = 0; i < all.length; i += 16) {
        const buffers = await Promise.all(all.slice(i, i + 16).map((f) => f.arrayBuffer()));
        ws[messages++ % ws.length].postMessage([buffers, 'page'], buffers);
      }
      posted = true;
      if (answers === messages) window.done = [total, performance.now() - t0];
    })();
    return;
  }
  let left = ${workers}, total = 0;
  for (let i = 0; i < ${workers}; i++) {
    const worker = new Worker(url);
    worker.onmessage = (m) => { total += m.data; if (--left === 0) window.done = [total, performance.now() - t0]; };
    worker.postMessage([all.filter((_, j) => j % ${workers} === i), ${JSON.stringify(mode)}]);
  }
});
</script>`;
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html' });
  res.end(html);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await launchChromium();
// CPU seconds of every Chromium process so far.
function chromiumCpu() {
  let total = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!/chrom/.test(fs.readFileSync(`/proc/${pid}/comm`, 'utf8'))) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / 100;
    } catch {}
  }
  return total;
}
const rates = [];
for (let i = 0; i < Number(runsArg || 2); i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const cpu0 = chromiumCpu();
  await page.setInputFiles('#files', files);
  await page.waitForFunction(() => window.done, null, { timeout: 600000, polling: 50 });
  const [n, ms] = await page.evaluate(() => window.done);
  const cpu = chromiumCpu() - cpu0;
  if (n !== bytes) console.log(`workers got ${n} bytes, not ${bytes}`);
  const rate = n / 1e6 / (ms / 1000);
  rates.push(rate);
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`run ${i + 1}: ${(ms / 1000).toFixed(2)} s, ${rate.toFixed(0)} MB/s; Chromium CPU ${cpu.toFixed(2)} s (from setInputFiles); load ${load}`);
  await context.close();
}
rates.sort((a, b) => a - b);
console.log(`median ${rates[Math.floor(rates.length / 2)].toFixed(0)} MB/s handed to the workers`);
await browser.close();
server.close();
