// Starts the page: imports the wasm-bindgen module of the `flowlens-page` bin and
// instantiates its wasm. Trunk writes both names (hashed for caching) into this
// script's own tag (`pattern_script` in Trunk.toml); both are relative, so the page
// works from any sub-path.
// NOTE: a file rather than Trunk's default inline start script, so that the
// Content-Security-Policy can allow only the page's own files (no 'unsafe-inline').
const tag = document.querySelector('script[data-flowlens-js]');

function fail(error) {
  const banner = document.getElementById('fatal');
  if (banner) {
    banner.textContent = `flowlens could not start in this browser: ${error}`;
    banner.hidden = false;
  }
  console.error(error);
}

if (!tag) {
  fail('the page is incomplete (no start script tag)');
} else {
  const base = document.baseURI;
  const js = new URL(tag.dataset.flowlensJs, base).href;
  const wasm = new URL(tag.dataset.flowlensWasm, base).href;
  import(js)
    .then((module) => module.default({ module_or_path: wasm }))
    .catch(fail);
}
