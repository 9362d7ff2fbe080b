// What moving bytes between the page's threads costs, transferred or copied: the figures
// behind the one place where a message between flowlens's threads carries an
// `ArrayBuffer` beside its typed value (src/channel.rs) instead of a serde field, which
// `postMessage` would copy (structured clone).
//
// In headless Chromium, a blob: worker that answers each message at once:
// - `dataset`: one buffer the size of a parse worker's answer (a file's data set in the
//   wire encoding), sent to the worker and back; transferred, or copied each way;
// - `chunks`: 256 buffers of 1 MiB (the inflater's chunks: 256 MiB of text), sent one
//   by one; transferred and given back to be filled again (as the inflater does), or
//   copied into a new buffer each time.
// Each case runs RUNS times; the median is printed (ms). On this machine (2 cores,
// Chromium 156 headless), 64 MiB: 7 ms transferred, 362 ms copied; 256 chunks: 43 ms
// transferred, 895 ms copied.
//
//   node scripts/transfer-bench.mjs [MB=64] [RUNS=5]    # CHROMIUM_PATH picks the browser

import { launch } from '../tests/browser/lib.mjs';

const MB = Number(process.argv[2] || 64);
const RUNS = Number(process.argv[3] || 5);

const WORKER = `
self.onmessage = (event) => {
  const [kind, buffer] = event.data;
  // Touch the bytes, as a reader would.
  new Uint8Array(buffer)[0] = 1;
  if (kind === 'transfer') self.postMessage(buffer, [buffer]);
  else self.postMessage(buffer);
};`;

async function bench(page, mb, runs) {
  return page.evaluate(
    async ({ source, mb, runs }) => {
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const worker = new Worker(url);
      const roundTrip = (kind, buffer) =>
        new Promise((resolve) => {
          worker.onmessage = (event) => resolve(event.data);
          if (kind === 'transfer') worker.postMessage([kind, buffer], [buffer]);
          else worker.postMessage([kind, buffer]);
        });
      const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const out = {};
      for (const kind of ['transfer', 'copy']) {
        const dataset = [];
        const chunks = [];
        for (let r = 0; r < runs; r++) {
          let buffer = new Uint8Array(mb * 1024 * 1024).fill(7).buffer;
          let t = performance.now();
          buffer = await roundTrip(kind, buffer);
          dataset.push(performance.now() - t);
          let chunk = new ArrayBuffer(1 << 20);
          t = performance.now();
          for (let i = 0; i < 256; i++) {
            new Uint8Array(chunk).fill(i);
            chunk = await roundTrip(kind, chunk);
          }
          chunks.push(performance.now() - t);
        }
        out[kind] = { dataset: median(dataset), chunks: median(chunks) };
      }
      worker.terminate();
      URL.revokeObjectURL(url);
      return out;
    },
    { source: WORKER, mb, runs },
  );
}

const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto('about:blank');
  const result = await bench(page, MB, RUNS);
  console.log(`median of ${RUNS} runs, ms        transferred   copied`);
  console.log(
    `one ${MB} MiB data set, there and back  ${result.transfer.dataset.toFixed(1).padStart(9)}  ${result.copy.dataset.toFixed(1).padStart(7)}`,
  );
  console.log(
    `256 chunks of 1 MiB, each and back    ${result.transfer.chunks.toFixed(1).padStart(9)}  ${result.copy.chunks.toFixed(1).padStart(7)}`,
  );
} finally {
  await browser.close();
}
