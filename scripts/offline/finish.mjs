// The last step of the page's build: Trunk runs it (the post_build hook in Trunk.toml)
// on its staging folder, which then becomes dist/. Node only, no npm package, no network.
//
// 1. Content-hashed names for what Trunk leaves unhashed: the worker's JS and wasm
//    (Trunk names a worker by its bin), the worker's loader (written here: it imports
//    the hashed JS and starts it with the hashed wasm), boot.js, the web app manifest
//    (its icons, drawn by icon.mjs, inside it as data: URLs); the address table keeps
//    its name and gets its hash as `?v=`. index.html's attributes are rewritten to match. A browser cache then
//    never mixes two versions: a changed file is a new name.
// 2. flowlens-offline.html: the whole page as one file that opens from disk (file://)
//    with no server: the styles inline, the page's and the worker's JS and wasm gzipped
//    and the address table as base64 text in data blocks, and boot.js inline; its own
//    Content-Security-Policy allows exactly that inline script and style by their hashes
//    (see docs/offline.md). index.html's download link gets its size.
// 3. sw.js: the service worker's list of files (every file here but sw.js and the single
//    file), each with its SHA-256, size and type, and the version (a hash of that list)
//    that names its cache.
//
//   node scripts/offline/finish.mjs [DIR]    # DIR defaults to $TRUNK_STAGING_DIR

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { iconPng } from './icon.mjs';

/** Hex digits of a content hash in a file name. */
export const HASH_LENGTH = 16;
/** The single file's name. */
export const SINGLE_FILE = 'flowlens-offline.html';
/** The service worker's name (fixed: the browser checks this URL for updates). */
export const SERVICE_WORKER = 'sw.js';
/** What sw.js holds until this step fills it in. */
export const PRECACHE_MARK = '"@FLOWLENS_PRECACHE@"';
/** What index.html holds until the single file's size is known. */
export const SIZE_MARK = '@SIZE@';
/** Icon sizes for the manifest (Chromium installs with 192 and 512). */
export const ICON_SIZES = [192, 512];

/** Content types of the page's files, for the service worker's cached copies. */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
  '.bin': 'application/octet-stream',
};

export function sha256Hex(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** The short hash that goes into a file name. */
export function contentHash(bytes) {
  return sha256Hex(bytes).slice(0, HASH_LENGTH);
}

/** A CSP source allowing exactly this inline script or style text. */
export function cspHash(text) {
  return `'sha256-${crypto.createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * `name` with `hash` before its extension, Trunk's way: `boot.js` -> `boot-H.js`,
 * `flowlens-worker_bg.wasm` -> `flowlens-worker-H_bg.wasm`.
 */
export function hashedName(name, hash) {
  const bg = name.match(/^(.*)(_bg\.wasm)$/);
  if (bg) return `${bg[1]}-${hash}${bg[2]}`;
  const dot = name.indexOf('.');
  if (dot <= 0) return `${name}-${hash}`;
  return `${name.slice(0, dot)}-${hash}${name.slice(dot)}`;
}

/** Replaces the one match of `pattern` (a RegExp with the g flag, or a string) by
 * `replacement` (a string, taken literally: no `$` patterns, or a function of the
 * match and its groups); throws when it matches zero or several times, naming `what`. */
export function replaceOnce(text, pattern, replacement, what) {
  const regex = typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern), 'g') : pattern;
  const count = (text.match(regex) || []).length;
  if (count !== 1) throw new Error(`${what}: expected exactly one match, found ${count}`);
  return text.replace(regex, typeof replacement === 'function' ? replacement : () => replacement);
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The value of attribute `name` of the element matched by `tagPattern` (a RegExp). */
export function attribute(html, tagPattern, name, what) {
  const tags = html.match(new RegExp(tagPattern.source, 'g')) || [];
  if (tags.length !== 1) throw new Error(`${what}: expected one tag, found ${tags.length}`);
  const value = tags[0].match(new RegExp(`\\s${escapeRegExp(name)}="([^"]*)"`));
  if (!value) throw new Error(`${what}: the tag has no ${name}`);
  return value[1];
}

/** `1.23 MB` (10^6 bytes, as file managers show sizes). */
export function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The worker's loader: imports the worker's JS and starts it with its wasm (both by
 * their hashed names, relative to the loader). */
export function loaderSource(jsName, wasmName) {
  return (
    `import init from './${jsName}';\n` +
    `await init({ module_or_path: new URL('./${wasmName}', import.meta.url) });\n`
  );
}

/** The single file's Content-Security-Policy: only this inline script (boot.js) and
 * this inline style, the workers and modules it makes from `blob:` URLs, wasm, and the
 * address table read from a `data:` URL; no destination at all. */
export function singleFilePolicy(bootText, cssText) {
  return [
    "default-src 'none'",
    `script-src ${cspHash(bootText)} blob: 'wasm-unsafe-eval'`,
    'worker-src blob:',
    'connect-src data:',
    `style-src ${cspHash(cssText)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Encodes a data block's bytes: `gzip-base64` (gzip, then base64) or `base64`. */
export function encodeBlock(bytes, encoding) {
  if (encoding === 'gzip-base64') return zlib.gzipSync(bytes, { level: 9 }).toString('base64');
  if (encoding === 'base64') return Buffer.from(bytes).toString('base64');
  throw new Error(`unknown block encoding ${encoding}`);
}

/** Throws when `text` cannot sit inside a <script> or <style> element as is. */
function assertInlineSafe(text, element, what) {
  const bad = element === 'script' ? /<\/script|<!--/i : /<\/style/i;
  if (bad.test(text)) throw new Error(`${what} holds ${bad.source} and cannot be inlined in <${element}>`);
}

/**
 * The single file, from the finished index.html: the stylesheet inline, no preload,
 * manifest, boot script tag, update notice or download link; the data blocks and
 * boot.js inline at the end of the body; its own CSP.
 * `blocks`: [{ id, encoding, bytes }].
 */
export function singleFile({ html, css, boot, blocks }) {
  assertInlineSafe(css, 'style', 'the stylesheet');
  assertInlineSafe(boot, 'script', 'boot.js');
  let out = html;
  out = replaceOnce(
    out,
    /<meta http-equiv="Content-Security-Policy"\s+content="[^"]*"\s*\/?>/g,
    `<meta http-equiv="Content-Security-Policy" content="${singleFilePolicy(boot, css)}" />`,
    'the Content-Security-Policy',
  );
  out = replaceOnce(out, /<link rel="stylesheet" [^>]*>/g, `<style>${css}</style>`, 'the stylesheet link');
  out = replaceOnce(out, /<script type="module" src="[^"]*"[^>]*><\/script>/g, '', 'the boot script tag');
  out = replaceOnce(out, /<link rel="manifest" [^>]*>/g, '', 'the manifest link');
  out = out.replace(/<link rel="(?:modulepreload|preload)" [^>]*>/g, '');
  out = replaceOnce(out, /<div id="update"[\s\S]*?<\/div>/g, '', 'the update notice');
  out = replaceOnce(out, /<footer class="offline-copy"[\s\S]*?<\/footer>/g, '', 'the download link');
  out = out.replace(/\n\s*<!--[\s\S]*?-->/g, '');
  const data = blocks
    .map(({ id, encoding, bytes }) => {
      const text = encodeBlock(bytes, encoding);
      return `<script type="application/x-flowlens" id="${id}" data-encoding="${encoding}">${text}</script>`;
    })
    .join('\n');
  return replaceOnce(out, '</body>', `${data}\n<script type="module">${boot}</script>\n</body>`, 'the end of the body');
}

/** Every file under `dir` (relative, with `/`), sorted. */
export function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * The service worker's list: every file in `dir` but sw.js and the single file, with
 * its SHA-256, size and type; `urls` maps a file to the URL the page asks for (the
 * address table's `?v=`). The version hashes the whole list.
 */
export function precache(dir, urls = {}) {
  const files = listFiles(dir)
    .filter((f) => f !== SERVICE_WORKER && f !== SINGLE_FILE)
    .map((f) => {
      const bytes = fs.readFileSync(path.join(dir, f));
      return {
        url: urls[f] || f,
        sha256: sha256Hex(bytes),
        bytes: bytes.length,
        type: TYPES[path.extname(f)] || 'application/octet-stream',
      };
    });
  return { version: contentHash(JSON.stringify(files)), files };
}

/** sw.js with its list filled in. */
export function serviceWorkerSource(template, list) {
  return replaceOnce(template, PRECACHE_MARK, JSON.stringify(list), 'sw.js precache mark');
}

/** Renames `dir/name` to its hashed name; returns the new name. */
function renameHashed(dir, name) {
  const bytes = fs.readFileSync(path.join(dir, name));
  const renamed = hashedName(name, contentHash(bytes));
  fs.renameSync(path.join(dir, name), path.join(dir, renamed));
  return renamed;
}

/** Writes `bytes` under its hashed name; returns the name. */
function writeHashed(dir, name, bytes) {
  const named = hashedName(name, contentHash(bytes));
  fs.writeFileSync(path.join(dir, named), bytes);
  return named;
}

/** Runs the whole step on `dir` (Trunk's staging folder); returns what it wrote. */
export function finish(dir) {
  const read = (name) => fs.readFileSync(path.join(dir, name));
  let html = read('index.html').toString('utf8');
  const bootTag = /<script type="module" src="[^"]*boot\.js"[^>]*>/;
  const pageJs = attribute(html, bootTag, 'data-flowlens-js', 'the boot script tag').replace(/^\.\//, '');
  const pageWasm = attribute(html, bootTag, 'data-flowlens-wasm', 'the boot script tag').replace(/^\.\//, '');
  const cssName = attribute(html, /<link rel="stylesheet" [^>]*>/, 'href', 'the stylesheet link').replace(/^\.\//, '');

  // 1. Hashed names.
  const workerJs = renameHashed(dir, 'flowlens-worker.js');
  const workerWasm = renameHashed(dir, 'flowlens-worker_bg.wasm');
  const loader = writeHashed(dir, 'flowlens-worker_loader.js', Buffer.from(loaderSource(workerJs, workerWasm)));
  const boot = renameHashed(dir, 'boot.js');
  const geoName = 'flowlens-geo.bin';
  const geoUrl = `${geoName}?v=${contentHash(read(geoName))}`;
  // The icons inside the manifest as data: URLs: Chromium checks manifest icons against
  // the page's img-src, which allows data: only (see index.html).
  const icons = ICON_SIZES.map((size) => ({
    src: `data:image/png;base64,${iconPng(size).toString('base64')}`,
    sizes: `${size}x${size}`,
    type: 'image/png',
    purpose: 'any',
  }));
  const manifest = JSON.parse(read('manifest.webmanifest').toString('utf8'));
  manifest.icons = icons;
  fs.rmSync(path.join(dir, 'manifest.webmanifest'));
  const manifestName = writeHashed(dir, 'manifest.webmanifest', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));

  html = replaceOnce(html, /(src="(?:\.\/)?)boot\.js"/g, (_, head) => `${head}${boot}"`, 'boot.js in index.html');
  html = replaceOnce(
    html,
    /(data-flowlens-worker="(?:\.\/)?)flowlens-worker_loader\.js"/g,
    (_, head) => `${head}${loader}"`,
    'the loader in index.html',
  );
  html = replaceOnce(
    html,
    /(data-flowlens-geo="(?:\.\/)?)flowlens-geo\.bin"/g,
    (_, head) => `${head}${geoUrl}"`,
    'the address table in index.html',
  );
  html = replaceOnce(html, /href="manifest\.webmanifest"/g, `href="${manifestName}"`, 'the manifest link');

  // 2. The single file.
  const single = singleFile({
    html,
    css: read(cssName).toString('utf8'),
    boot: read(boot).toString('utf8'),
    blocks: [
      { id: 'flowlens-page-js', encoding: 'gzip-base64', bytes: read(pageJs) },
      { id: 'flowlens-page-wasm', encoding: 'gzip-base64', bytes: read(pageWasm) },
      { id: 'flowlens-worker-js', encoding: 'gzip-base64', bytes: read(workerJs) },
      { id: 'flowlens-worker-wasm', encoding: 'gzip-base64', bytes: read(workerWasm) },
      { id: 'flowlens-geo', encoding: 'base64', bytes: read(geoName) },
    ],
  });
  fs.writeFileSync(path.join(dir, SINGLE_FILE), single);
  const singleBytes = Buffer.byteLength(single);
  html = replaceOnce(html, SIZE_MARK, megabytes(singleBytes), 'the single file size mark');
  fs.writeFileSync(path.join(dir, 'index.html'), html);

  // 3. The service worker's list (index.html is final now).
  const list = precache(dir, { [geoName]: geoUrl });
  const sw = serviceWorkerSource(read(SERVICE_WORKER).toString('utf8'), list);
  fs.writeFileSync(path.join(dir, SERVICE_WORKER), sw);
  return { singleBytes, version: list.version, files: list.files.length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
  if (!dir) {
    console.error('finish: error: give the folder (or run from Trunk, which sets TRUNK_STAGING_DIR)');
    process.exit(1);
  }
  try {
    const { singleBytes, version, files } = finish(path.resolve(dir));
    console.log(
      `finish: ${SINGLE_FILE} ${singleBytes} bytes (${megabytes(singleBytes)}); ` +
        `service worker version ${version}, ${files} files`,
    );
  } catch (error) {
    console.error(`finish: error: ${error.message}`);
    process.exit(1);
  }
}
