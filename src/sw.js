// The service worker: keeps a copy of the page's own files in this browser, so that the
// page opens and works with the network gone, and serves them from that copy.
//
// - Its list of files (PRECACHE: each file's URL relative to this script, SHA-256, size
//   and type) is written into this file by the build (scripts/offline/finish.mjs); the
//   list's hash is the version, and the cache is named after it (`flowlens-<version>`).
// - Install: fetches every listed file, checks its SHA-256 (a stale copy from an HTTP
//   cache, or a deploy caught half-way, fails the check; the file is asked for again past
//   the HTTP cache, then the install gives up and the version in use stays), and stores
//   it. It asks for nothing else, ever: no analytics, no update polling (the browser
//   itself checks this script when the page is opened).
// - Fetch: answers requests for the listed files, and navigations to the page (any query
//   string), from the cache. Any other request is left to the browser untouched: the
//   service worker never reads it. The user's files are never requests at all: the page
//   reads them from disk, and its reports are `blob:` URLs, which service workers do
//   not see.
// - A new version waits until the page asks it to take over ("flowlens:activate", sent
//   when the user presses Reload in the update notice, see boot.js); on activation it
//   deletes every older flowlens cache.
// Everything is relative to this script's own URL, so the page works from any sub-path.

const PRECACHE = "@FLOWLENS_PRECACHE@";

const CACHE_PREFIX = 'flowlens-';
const ACTIVATE_MESSAGE = 'flowlens:activate';

const { version, files } = typeof PRECACHE === 'string' ? { version: null, files: [] } : PRECACHE;
const CACHE = `${CACHE_PREFIX}${version}`;
const BASE = new URL('./', self.location.href);
const urlOf = (relative) => new URL(relative, BASE).href;
const INDEX = urlOf('index.html');
/** Listed files by absolute URL. */
const LISTED = new Map(files.map((file) => [urlOf(file.url), file]));

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The listed file `file` from the server, checked against its SHA-256. */
async function fetchChecked(url, file) {
  // The HTTP cache first (the names are content-hashed, so a cached copy is usually
  // right); on a mismatch, once more past it.
  for (const cache of ['default', 'reload']) {
    const response = await fetch(url, { cache, credentials: 'same-origin', redirect: 'follow' });
    if (!response.ok) throw new Error(`${file.url}: HTTP ${response.status}`);
    const body = await response.arrayBuffer();
    if (hex(await crypto.subtle.digest('SHA-256', body)) === file.sha256) {
      return new Response(body, { headers: { 'Content-Type': file.type } });
    }
  }
  throw new Error(`${file.url}: the server's copy is not the one version ${version} lists`);
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      if (!version) throw new Error('sw.js was not filled in by the build (scripts/offline/finish.mjs)');
      const cache = await caches.open(CACHE);
      await Promise.all(
        [...LISTED].map(async ([url, file]) => {
          // Kept from an install of this version that stopped half-way.
          if (await cache.match(url)) return;
          await cache.put(url, await fetchChecked(url, file));
        }),
      );
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE).map((n) => caches.delete(n)),
      );
      // Pages opened before the first install are served from the cache from now on.
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === ACTIVATE_MESSAGE) self.skipWaiting();
});

/** The cache key for `request`, or null when it is not one of the page's own files. */
function keyOf(request) {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  url.hash = '';
  if (request.mode === 'navigate') {
    // The page, whatever its query string (?flowlens-parsers=…) says.
    url.search = '';
    return url.href === BASE.href || url.href === INDEX ? INDEX : null;
  }
  return LISTED.has(url.href) ? url.href : null;
}

self.addEventListener('fetch', (event) => {
  const key = keyOf(event.request);
  if (!key) return; // not ours: the browser fetches it as if there were no service worker
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      // Missing only if the browser evicted the cache: then the network, as without us.
      return (await cache.match(key)) || fetch(event.request);
    })(),
  );
});
