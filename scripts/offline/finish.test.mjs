// Tests of the build's last step (finish.mjs) on a made-up staging folder shaped like
// Trunk's, and of its parts: hashed names, strict replacements, the single file's
// policy and blocks, the service worker's list, the icon's PNG.
//
//   node --test scripts/offline/finish.test.mjs

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import {
  PRECACHE_MARK,
  SINGLE_FILE,
  cspHash,
  encodeBlock,
  finish,
  hashedName,
  megabytes,
  precache,
  replaceOnce,
  singleFile,
  singleFilePolicy,
} from './finish.mjs';
import { crc32, iconPng } from './icon.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

test('hashed names follow Trunk: the hash before the extension, before _bg for wasm', () => {
  const cases = [
    ['boot.js', 'boot-abc.js'],
    ['flowlens-worker.js', 'flowlens-worker-abc.js'],
    ['flowlens-worker_bg.wasm', 'flowlens-worker-abc_bg.wasm'],
    ['flowlens-worker_loader.js', 'flowlens-worker_loader-abc.js'],
    ['manifest.webmanifest', 'manifest-abc.webmanifest'],
    ['icon-192.png', 'icon-192-abc.png'],
    ['LICENSE', 'LICENSE-abc'],
  ];
  for (const [name, want] of cases) assert.equal(hashedName(name, 'abc'), want, name);
});

test('replaceOnce takes its replacement literally and refuses zero or several matches', () => {
  // `$&` and `$'` would be patterns to String.replace; boot.js holds `${…}`.
  assert.equal(replaceOnce('a</body>', '</body>', "$& $' ${x}</body>", 'end'), "a$& $' ${x}</body>");
  assert.equal(replaceOnce('src="./boot.js"', /(src=")\.\/boot\.js"/g, (_, head) => `${head}b-1.js"`, 'boot'), 'src="b-1.js"');
  assert.throws(() => replaceOnce('none here', 'x', 'y', 'the x'), /the x: expected exactly one match, found 0/);
  assert.throws(() => replaceOnce('x x', 'x', 'y', 'the x'), /found 2/);
});

test('the single file policy allows exactly its script and style, by hash, and no destination', () => {
  const policy = singleFilePolicy('run();', 'body{}');
  const hash = (t) => `'sha256-${crypto.createHash('sha256').update(t).digest('base64')}'`;
  assert.equal(cspHash('run();'), hash('run();'));
  assert.match(policy, new RegExp(`script-src ${hash('run();').replace(/[+/]/g, '\\$&')} blob: 'wasm-unsafe-eval'`));
  assert.ok(policy.includes(`style-src ${hash('body{}')}`));
  assert.ok(!/'self'|https?:|\*|unsafe-inline/.test(policy), policy);
  assert.ok(policy.startsWith("default-src 'none'"));
});

test('blocks decode back to their bytes', () => {
  const bytes = crypto.randomBytes(5000);
  assert.deepEqual(zlib.gunzipSync(Buffer.from(encodeBlock(bytes, 'gzip-base64'), 'base64')), bytes);
  assert.deepEqual(Buffer.from(encodeBlock(bytes, 'base64'), 'base64'), bytes);
  assert.throws(() => encodeBlock(bytes, 'rot13'), /unknown block encoding/);
});

test('megabytes are 10^6 bytes, one decimal', () => {
  assert.equal(megabytes(6_932_259), '6.9 MB');
  assert.equal(megabytes(950_000), '0.9 MB');
});

test('singleFile refuses text that would end its element early', () => {
  const html = fs.readFileSync(path.join(ROOT, 'index.html'), 'utf8');
  assert.throws(() => singleFile({ html, css: 'a{}</style>', boot: '', blocks: [] }), /stylesheet holds/);
  assert.throws(() => singleFile({ html, css: '', boot: 'x = "</SCRIPT>"', blocks: [] }), /boot\.js holds/);
});

test('the icon is a valid PNG of the asked size (CRC-32 of known input, chunk CRCs)', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  for (const size of [192, 512]) {
    const png = iconPng(size);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), size);
    assert.equal(png.readUInt32BE(20), size);
    // Every chunk's CRC covers its type and data.
    let at = 8;
    const types = [];
    while (at < png.length) {
      const length = png.readUInt32BE(at);
      const typeAndData = png.subarray(at + 4, at + 8 + length);
      assert.equal(png.readUInt32BE(at + 8 + length), crc32(typeAndData));
      types.push(typeAndData.subarray(0, 4).toString('latin1'));
      at += 12 + length;
    }
    assert.deepEqual(types, ['IHDR', 'IDAT', 'IEND']);
    const rows = zlib.inflateSync(png.subarray(41, 41 + png.readUInt32BE(33)));
    assert.equal(rows.length, size * (1 + size * 4));
    // A corner is transparent (the rounded square), the centre line is opaque.
    assert.equal(rows[1 + 3], 0);
    const mid = (size / 2) * (1 + size * 4);
    assert.equal(rows[mid + 1 + (size / 2) * 4 + 3], 255);
  }
});

/** A staging folder shaped like Trunk's output for index.html. */
function fakeStage() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlens-finish-'));
  const write = (name, text) => fs.writeFileSync(path.join(dir, name), text);
  let html = fs.readFileSync(path.join(ROOT, 'index.html'), 'utf8');
  // What Trunk does to index.html: its data-trunk links become these tags.
  html = html
    .replace(/<link data-trunk rel="css"[^>]*>/, '<link rel="stylesheet" href="./main-1111.css" integrity="sha384-x"/>')
    .replace(
      /<link data-trunk rel="rust"[^>]*data-bin="flowlens-page"[^>]*>/,
      '<script type="module" src="./boot.js" data-flowlens-js="./flowlens-page-2222.js" data-flowlens-wasm="./flowlens-page-2222_bg.wasm" data-flowlens-worker="./flowlens-worker_loader.js" data-flowlens-geo="./flowlens-geo.bin"></script>',
    )
    .replace(/<link data-trunk[^>]*>/g, '')
    .replace('</head>', '<link rel="modulepreload" href="./flowlens-page-2222.js"><link rel="preload" href="./flowlens-page-2222_bg.wasm" as="fetch"></head>');
  write('index.html', html);
  write('main-1111.css', 'body { color: red; }\n');
  write('flowlens-page-2222.js', 'export default async function init() {}\n');
  write('flowlens-page-2222_bg.wasm', Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
  write('flowlens-worker.js', 'export default async function init() {}\n');
  write('flowlens-worker_bg.wasm', Buffer.from([0, 97, 115, 109, 1, 0, 0, 0, 9]));
  write('flowlens-geo.bin', crypto.randomBytes(3000));
  write('boot.js', fs.readFileSync(path.join(ROOT, 'src', 'boot.js')));
  write('sw.js', fs.readFileSync(path.join(ROOT, 'src', 'sw.js')));
  write('manifest.webmanifest', fs.readFileSync(path.join(ROOT, 'src', 'manifest.webmanifest')));
  return dir;
}

test('finish: hashed names, a coherent index.html, a full list in sw.js, and the single file', () => {
  const dir = fakeStage();
  try {
    const geo = fs.readFileSync(path.join(dir, 'flowlens-geo.bin'));
    const workerJs = fs.readFileSync(path.join(dir, 'flowlens-worker.js'));
    const { version, files, singleBytes } = finish(dir);
    const names = fs.readdirSync(dir).sort();
    const workerName = `flowlens-worker-${sha256(workerJs).slice(0, 16)}.js`;
    assert.ok(names.includes(workerName), names.join(' '));
    for (const gone of ['flowlens-worker.js', 'flowlens-worker_bg.wasm', 'boot.js', 'manifest.webmanifest']) {
      assert.ok(!names.includes(gone), `${gone} left`);
    }
    const loader = names.find((n) => n.startsWith('flowlens-worker_loader-'));
    const loaderText = fs.readFileSync(path.join(dir, loader), 'utf8');
    assert.ok(loaderText.includes(`'./${workerName}'`), loaderText);
    assert.equal(loader, `flowlens-worker_loader-${sha256(loaderText).slice(0, 16)}.js`);
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    assert.ok(html.includes(`data-flowlens-worker="./${loader}"`));
    assert.ok(html.includes(`data-flowlens-geo="./flowlens-geo.bin?v=${sha256(geo).slice(0, 16)}"`));
    assert.ok(!html.includes('@SIZE@') && html.includes(`>${megabytes(singleBytes)}<`));
    for (const m of html.matchAll(/(?:src|href|data-flowlens-[a-z]+)="\.?\/?([^"?:]+)(\?[^"]*)?"/g)) {
      if (m[1] === ',' || m[1].startsWith('data')) continue;
      assert.ok(fs.existsSync(path.join(dir, m[1])), `index.html names ${m[1]}`);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, names.find((n) => n.startsWith('manifest-'))), 'utf8'));
    assert.deepEqual(manifest.icons.map((i) => i.sizes), ['192x192', '512x512']);
    for (const icon of manifest.icons) {
      const png = Buffer.from(icon.src.replace(/^data:image\/png;base64,/, ''), 'base64');
      assert.equal(png.readUInt32BE(16), Number(icon.sizes.split('x')[0]), 'the icon is not its size');
    }
    // sw.js: every file but itself and the single file, with the right hash; filled in.
    const sw = fs.readFileSync(path.join(dir, 'sw.js'), 'utf8');
    assert.ok(!sw.includes(PRECACHE_MARK));
    const list = JSON.parse(sw.match(/^const PRECACHE = (\{.*\});$/m)[1]);
    assert.equal(list.version, version);
    assert.equal(list.files.length, files);
    assert.deepEqual(
      list.files.map((f) => f.url.replace(/\?.*/, '')).sort(),
      names.filter((n) => n !== 'sw.js' && n !== SINGLE_FILE),
    );
    for (const f of list.files) {
      assert.equal(f.sha256, sha256(fs.readFileSync(path.join(dir, f.url.replace(/\?.*/, '')))), f.url);
    }
    // The single file: blocks that decode to the files, no reference to another file.
    const single = fs.readFileSync(path.join(dir, SINGLE_FILE), 'utf8');
    assert.equal(Buffer.byteLength(single), singleBytes);
    const block = (id) => single.match(new RegExp(`<script type="application/x-flowlens" id="${id}" data-encoding="[^"]*">([^<]*)</script>`))[1];
    assert.deepEqual(Buffer.from(block('flowlens-geo'), 'base64'), geo);
    assert.deepEqual(zlib.gunzipSync(Buffer.from(block('flowlens-worker-js'), 'base64')), workerJs);
    assert.ok(!/\s(?:src|href)="(?!data:)/.test(single), 'the single file names a file');
    assert.ok(!/id="update"|id="offline-copy"|rel="manifest"|modulepreload/.test(single));
    assert.ok(single.includes('<style>body { color: red; }\n</style>'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('finish: the version changes with any file, and only then', () => {
  const a = fakeStage();
  const b = fakeStage();
  try {
    // Same inputs (but the random table): make the tables equal, then compare.
    fs.copyFileSync(path.join(a, 'flowlens-geo.bin'), path.join(b, 'flowlens-geo.bin'));
    const same = [finish(a).version, finish(b).version];
    assert.equal(same[0], same[1]);
    const before = precache(a).version;
    fs.appendFileSync(path.join(a, fs.readdirSync(a).find((n) => n.startsWith('main-'))), '/* changed */');
    assert.notEqual(precache(a).version, before);
  } finally {
    fs.rmSync(a, { recursive: true, force: true });
    fs.rmSync(b, { recursive: true, force: true });
  }
});

test('finish: a staging folder without the expected files fails, naming what is missing', () => {
  const dir = fakeStage();
  try {
    fs.rmSync(path.join(dir, 'flowlens-worker.js'));
    assert.throws(() => finish(dir), /flowlens-worker\.js/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
