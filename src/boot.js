// Starts the page, in one of two ways, and tells the Rust side how to start its worker
// and where the address table is (`globalThis.flowlensBoot`, read by src/boot.rs):
//
// - hosted (index.html): imports the page's wasm-bindgen module and instantiates its
//   wasm, both named (hashed) in this script's own tag by Trunk (`pattern_script` in
//   Trunk.toml) and scripts/offline/finish.mjs; a worker's start script imports the
//   worker's loader. All URLs are relative to the page, so it works from any sub-path.
//   Then it registers the service worker (sw.js, offline use) and shows the update
//   notice when a new version is ready.
// - from disk (flowlens-offline.html, which holds this script inline): the page's and
//   the worker's JS and wasm are in data blocks in the file (gzip, base64), and the
//   address table too (base64). A file:// page has an opaque origin: no fetch of files
//   beside it, no module worker, and a worker cannot use a blob: URL another context
//   made. So the page's module is imported from a blob: URL made here, each worker is a
//   classic worker whose start script carries the worker's code as text (it makes its
//   own blob: URL to import it), and the table is a data: URL.
//
// NOTE: a file rather than Trunk's default inline start script, so that the hosted
// page's Content-Security-Policy can allow only its own files (no 'unsafe-inline');
// the single file allows this script by its hash.

/** Where the start script's failure is shown (index.html's static banner). */
function fail(error) {
  const banner = document.getElementById('fatal');
  if (banner) {
    banner.textContent = `flowlens could not start in this browser: ${error}`;
    banner.hidden = false;
  }
  console.error(error);
}

/** Base64 text to bytes, and gzip bytes to bytes. Also runs inside workers: it is
 * passed to them as source text, so it uses nothing from this module's scope. */
function decoders() {
  const bytes = (base64) => {
    if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(base64.trim());
    const text = atob(base64.trim());
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  };
  const gunzip = async (gz) => {
    const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  };
  return { bytes, gunzip };
}

/** A worker's code when the page runs from disk: a classic worker runs this, given the
 * decoders and the worker's JS and wasm (gzip, base64). Passed as source text, so it
 * uses nothing from this module's scope. A failure is thrown from a task of its own, so
 * that it reaches the worker's `error` event, as a failing module worker's would. */
function startWorkerFromDisk(decode, jsGzip64, wasmGzip64) {
  (async () => {
    const js = new TextDecoder().decode(await decode.gunzip(decode.bytes(jsGzip64)));
    const wasm = await decode.gunzip(decode.bytes(wasmGzip64));
    const url = URL.createObjectURL(new Blob([js], { type: 'text/javascript' }));
    try {
      const bindings = await import(url);
      await bindings.default({ module_or_path: wasm });
    } finally {
      URL.revokeObjectURL(url);
    }
  })().catch((error) => {
    setTimeout(() => {
      throw error;
    });
  });
}

/** The text of data block `id` of the single file. */
function block(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the file is incomplete (no ${id})`);
  return element.textContent;
}

/** Starts the page from the data blocks of the single file. */
async function startFromDisk() {
  const decode = decoders();
  const worker = `(${startWorkerFromDisk})((${decoders})(), ${JSON.stringify(block('flowlens-worker-js'))}, ${JSON.stringify(block('flowlens-worker-wasm'))});`;
  globalThis.flowlensBoot = {
    worker: { type: 'classic', source: worker },
    geo: `data:application/octet-stream;base64,${block('flowlens-geo').trim()}`,
  };
  const js = new TextDecoder().decode(await decode.gunzip(decode.bytes(block('flowlens-page-js'))));
  const wasm = await decode.gunzip(decode.bytes(block('flowlens-page-wasm')));
  // The blocks are copied into strings above: the elements can go.
  for (const id of ['flowlens-page-js', 'flowlens-page-wasm', 'flowlens-worker-js', 'flowlens-worker-wasm', 'flowlens-geo']) {
    document.getElementById(id).remove();
  }
  const url = URL.createObjectURL(new Blob([js], { type: 'text/javascript' }));
  try {
    const page = await import(url);
    await page.default({ module_or_path: wasm });
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Starts the hosted page from the files its tag names. */
function startHosted(tag) {
  const url = (name) => new URL(tag.dataset[name], document.baseURI).href;
  globalThis.flowlensBoot = {
    worker: { type: 'module', source: `await import(${JSON.stringify(url('flowlensWorker'))});` },
    geo: url('flowlensGeo'),
  };
  import(url('flowlensJs'))
    .then((page) => page.default({ module_or_path: url('flowlensWasm') }))
    .catch(fail);
  if (document.readyState === 'complete') registerServiceWorker();
  else window.addEventListener('load', registerServiceWorker, { once: true });
}

/** Registers sw.js (beside the page; its scope is the page's folder) and offers a new
 * version when one is ready. Only on http(s): a page from disk has no service worker,
 * and browsers allow one only on https or this machine. */
function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !/^https?:$/.test(location.protocol)) return;
  const container = navigator.serviceWorker;
  // The page was already served by a service worker (not its first visit).
  const hadController = Boolean(container.controller);
  let asked = false;
  const notice = document.getElementById('update');
  const offer = (waiting) => {
    if (!notice) return;
    notice.hidden = false;
    notice.querySelector('button').onclick = () => {
      asked = true;
      // The waiting version takes over (sw.js), then `controllerchange` reloads; with
      // none waiting (another tab already switched), reload now.
      if (waiting) waiting.postMessage('flowlens:activate');
      else location.reload();
    };
  };
  container.addEventListener('controllerchange', () => {
    if (asked) location.reload();
    // Another tab started a new version: this one still runs the old; say so.
    else if (hadController) offer(null);
  });
  container
    .register(new URL('sw.js', document.baseURI).href)
    .then((registration) => {
      if (registration.waiting && container.controller) offer(registration.waiting);
      registration.addEventListener('updatefound', () => {
        const installing = registration.installing;
        if (!installing) return;
        installing.addEventListener('statechange', () => {
          if (installing.state === 'installed' && container.controller) offer(installing);
        });
      });
    })
    .catch((error) => console.warn(`flowlens: no offline copy (service worker): ${error}`));
}

if (document.getElementById('flowlens-page-wasm')) {
  startFromDisk().catch(fail);
} else {
  const tag = document.querySelector('script[data-flowlens-js]');
  if (tag) startHosted(tag);
  else fail('the page is incomplete (no start script tag)');
}
