// The DuckDB-WASM side of the browser comparison (bench.html), driven by browser.mjs.
//
// `window.bench.init({ bundle, params })` starts DuckDB-WASM from the local bundles and
// fetches queries.sql (not timed: the flowlens page has loaded its wasm before the files
// are given, too). Then files given to `#files` are timed from the input's `change`
// event to the last answer: each File read into an ArrayBuffer, registered as an
// in-memory buffer (`registerFileBuffer`, the faster of DuckDB-WASM's ways in on these
// machines; `input: 'handle'` registers the File objects instead), `read_csv` of them all
// into a table, then the queries of queries.sql.
// The outcome lands in `window.bench.result` (or `window.bench.error`).

import * as duckdb from '/duckdb/duckdb-browser.mjs';

const BUNDLES = {
  mvp: {
    mainModule: new URL('/duckdb/duckdb-mvp.wasm', location.href).href,
    mainWorker: new URL('/duckdb/duckdb-browser-mvp.worker.js', location.href).href,
  },
  eh: {
    mainModule: new URL('/duckdb/duckdb-eh.wasm', location.href).href,
    mainWorker: new URL('/duckdb/duckdb-browser-eh.worker.js', location.href).href,
  },
  coi: {
    mainModule: new URL('/duckdb/duckdb-coi.wasm', location.href).href,
    mainWorker: new URL('/duckdb/duckdb-browser-coi.worker.js', location.href).href,
    pthreadWorker: new URL('/duckdb/duckdb-browser-coi.pthread.worker.js', location.href).href,
  },
};

// The queries, in the order they run (as duckdb_run.py).
const QUESTION_QUERIES = ['records', 'sources', 'span', 'flows_to', 'flows_to_total', 'histogram', 'baseline', 'above'];

const status = (text) => {
  document.getElementById('status').textContent = text;
};

/** queries.sql split into sections; same rules as sqlfile.py. */
function parseQueries(text) {
  const sections = {};
  let current = null;
  for (const line of text.split('\n')) {
    const m = /^--\s*name:\s*(\w+)\s*$/.exec(line);
    if (m) {
      current = m[1];
      sections[current] = [];
    } else if (line.trimStart().startsWith('--')) {
      continue;
    } else if (current !== null) {
      sections[current].push(line);
    }
  }
  return Object.fromEntries(Object.entries(sections).map(([k, v]) => [k, v.join('\n').trim()]));
}

function render(sql, queries, params) {
  let out = sql.split('{flow}').join(`(${queries.flow})`);
  for (const [key, value] of Object.entries(params)) out = out.split(`{${key}}`).join(value);
  return out;
}

const quote = (text) => `'${text.replace(/'/g, "''")}'`;

/** Arrow rows as plain JSON objects (BigInt made Number: every value here is < 2^53). */
function plainRows(table) {
  return table.toArray().map((row) => {
    const obj = row.toJSON();
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'bigint') obj[k] = Number(v);
    }
    return obj;
  });
}

const bench = {
  db: null,
  queries: null,
  params: null,
  info: null,
  result: null,
  error: null,

  input: 'buffer',

  async init({ bundle: wanted = 'auto', params, input = 'buffer' }) {
    this.input = input;
    const bundle = wanted === 'auto' ? await duckdb.selectBundle(BUNDLES) : BUNDLES[wanted];
    if (!bundle) throw new Error(`no DuckDB-WASM bundle ${wanted}`);
    const worker = new Worker(bundle.mainWorker);
    const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
    await db.open({ query: { castBigIntToDouble: true, castDecimalToDouble: true } });
    this.db = db;
    this.queries = parseQueries(await (await fetch('./queries.sql', { cache: 'no-store' })).text());
    this.params = params;
    const conn = await db.connect();
    const threads = plainRows(await conn.query("SELECT current_setting('threads') AS t"))[0].t;
    await conn.close();
    const name = Object.keys(BUNDLES).find((k) => BUNDLES[k].mainModule === bundle.mainModule);
    this.info = {
      version: await db.getVersion(),
      package: `${duckdb.PACKAGE_NAME}@${duckdb.PACKAGE_VERSION}`,
      bundle: name,
      threads: Number(threads),
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      input,
    };
    status(`ready: ${JSON.stringify(this.info)}`);
    return this.info;
  },

  async run(files, t0) {
    const db = this.db;
    const times = {};
    // Unique names that keep the .gz ending, so read_csv knows to inflate them.
    const names = files.map((f, i) => `f${String(i).padStart(5, '0')}_${f.name}`);
    let bytes = 0;
    if (this.input === 'handle') {
      // The other way in: DuckDB-WASM reads the File objects itself when it needs them.
      times.read = performance.now();
      for (let i = 0; i < files.length; i++) {
        await db.registerFileHandle(names[i], files[i], duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true);
        bytes += files[i].size;
      }
    } else {
      // Every file into memory (all at once: the browser reads them in parallel).
      const buffers = await Promise.all(files.map((f) => f.arrayBuffer()));
      times.read = performance.now();
      for (let i = 0; i < buffers.length; i++) {
        bytes += buffers[i].byteLength;
        await db.registerFileBuffer(names[i], new Uint8Array(buffers[i]));
      }
    }
    times.register = performance.now();
    const conn = await db.connect();
    const params = { ...this.params, files: `[${names.map(quote).join(', ')}]` };
    await conn.query(render(this.queries.load, this.queries, params));
    times.load = performance.now();
    const results = {};
    for (const q of QUESTION_QUERIES) {
      results[q] = plainRows(await conn.query(render(this.queries[q], this.queries, params)));
    }
    times.done = performance.now();
    await conn.close();
    return {
      files: names.length,
      input: this.input,
      bytes,
      read_secs: (times.read - t0) / 1000,
      register_secs: (times.register - times.read) / 1000,
      load_secs: (times.load - times.register) / 1000,
      query_secs: (times.done - times.load) / 1000,
      total_secs: (times.done - t0) / 1000,
      results,
    };
  },
};

window.bench = bench;

document.getElementById('files').addEventListener('change', (event) => {
  const t0 = performance.now();
  const files = Array.from(event.target.files);
  bench.result = null;
  bench.error = null;
  status(`running on ${files.length} files…`);
  bench.run(files, t0).then(
    (result) => {
      bench.result = result;
      status(`done in ${result.total_secs.toFixed(2)} s`);
    },
    (error) => {
      bench.error = String(error && error.stack ? error.stack : error);
      status(`error: ${bench.error}`);
    },
  );
});

status('loaded');
