// The page alone, for working on its speed (issue 5): the built page (DIST) is given
// every *.log.gz, *.log, *.parquet and *.zip file under DATA, RUNS times in fresh pages
// of one headless Chromium; prints the time from the file input's change event to
// data-state="ready" and the CPU time of each Chromium thread meanwhile (from /proc:
// the reading worker and the inflater show as W<tid>), which is steadier than wall time
// on a shared machine. Given uncompressed .log files it measures the page's reader
// throughput (text bytes / time): to the end of reading (data-state leaves "reading")
// and to "ready" (analysis included). With PROFILE.json, the first run is also recorded
// as a Chromium trace with V8 CPU samples (open it in the Performance panel of
// DevTools; build the page with data-wasm-opt-params="-g" for wasm function names).
//
//   node scripts/compare/page.mjs DIST DATA [RUNS] [PROFILE.json]
//
// Needs the npm packages of scripts/compare (bash scripts/compare.sh --mode browser
// installs them) and Chromium at $CHROMIUM_PATH (default /usr/bin/chromium).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { dataFiles, launchChromium } from './common.mjs';
const [dist, data, runsArg, profOut] = process.argv.slice(2);
const files = dataFiles(data, ['.gz', '.log', '.parquet', '.zip']);
const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
console.log(`${files.length} files, ${(bytes / 1e6).toFixed(1)} MB as given`);
const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x'); let f = path.join(dist, decodeURIComponent(u.pathname));
  if (f.endsWith('/')) f += 'index.html';
  if (!fs.existsSync(f)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'Content-Type': MIME[path.extname(f)] || 'application/octet-stream' }); fs.createReadStream(f).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchChromium();
const times = [];
const reads = [];
function threadCpu() {
  const out = new Map();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let cmd = ''; try { cmd = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { continue; }
    if (!/chrom/.test(cmd)) continue;
    let tids = []; try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tids) {
      try {
        const st = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid}`, { name, cpu: (Number(f[11]) + Number(f[12])) / 100 });
      } catch {}
    }
  }
  return out;
}
function cpuDiff(a, b) {
  const by = new Map(); let total = 0;
  for (const [k, v] of b) { const d = v.cpu - (a.get(k)?.cpu ?? 0); if (d <= 0) continue; total += d; const n = v.name.startsWith('DedicatedWorker') ? `W${k.split('/')[1]}` : v.name.replace(/[0-9]+$/, ''); by.set(n, (by.get(n) || 0) + d); }
  return { total, top: [...by].sort((x, y) => y[1] - x[1]).slice(0, 5).map(([n, d]) => `${n}=${d.toFixed(2)}`).join(' ') };
}
for (let i = 0; i < Number(runsArg || 1); i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => { if (m.text().startsWith('flowlens-timing')) console.log(m.text()); });
  await page.goto(base + (process.env.QS || ''), { waitUntil: 'load' });
  await page.waitForSelector('.app[data-state="empty"]', { timeout: 60000 });
  await page.evaluate(() => {
    const mark = { t0: null, read: null, ready: null }; window.__m = mark;
    window.addEventListener('change', () => { if (mark.t0 === null) mark.t0 = performance.now(); }, true);
    new MutationObserver(() => { const app = document.querySelector('.app'); if (mark.t0 === null || !app) return; const state = app.dataset.state; if (mark.read === null && (state === 'analysing' || state === 'ready')) mark.read = performance.now(); if (mark.ready === null && state === 'ready') mark.ready = performance.now(); })
      .observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  });
  let tracing = false;
  if (profOut && i === 0) { await browser.startTracing(page, { path: profOut, categories: ['disabled-by-default-v8.cpu_profiler', 'v8', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink', 'disabled-by-default-v8.cpu_profiler.hires'] }); tracing = true; }
  const cpu0 = threadCpu();
  await page.setInputFiles('[data-testid="file-input"]', files);
  await page.waitForSelector('.app[data-state="ready"], .app[data-state="stopped"]', { timeout: 600000 });
  const cpu1 = threadCpu();
  if (tracing) await browser.stopTracing();
  const m = await page.evaluate(() => window.__m);
  const t = (m.ready - m.t0) / 1000; times.push(t);
  const read = (m.read - m.t0) / 1000; reads.push(read);
  const cd = cpuDiff(cpu0, cpu1);
  console.log(`run ${i + 1}: read ${read.toFixed(2)} s, ready ${t.toFixed(2)} s cpu ${cd.total.toFixed(2)} [${cd.top}] load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  await context.close();
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const [readMedian, readyMedian] = [median(reads), median(times)];
console.log(`median read ${readMedian.toFixed(2)} s: ${(bytes / 1e6 / readMedian).toFixed(0)} MB/s of input as given, read`);
console.log(`median ready ${readyMedian.toFixed(2)} s: ${(bytes / 1e6 / readyMedian).toFixed(0)} MB/s of input as given, read and analysed`);
await browser.close(); server.close();
