// What the browser-side benchmark scripts share: finding the data files and starting
// headless Chromium the way this machine needs it.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../tests/browser/chromium-args.mjs';

// Files under `dir` (recursively) whose names end with one of `suffixes`, sorted.
export function dataFiles(dir, suffixes) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...dataFiles(p, suffixes));
    else if (suffixes.some((s) => entry.name.endsWith(s))) out.push(p);
  }
  return out.sort();
}

// Headless Chromium at `executablePath` ($CHROMIUM_PATH, else /usr/bin/chromium), with
// the browser tests' flags (background networking off: this machine refuses those
// connections).
// $FLOWLENS_CHROMIUM_EXTRA adds flags, separated by spaces, to look into the browser
// (e.g. --js-flags=--trace-wasm-compilation-times, with DEBUG=pw:browser to see its
// output).
export function launchChromium(executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium') {
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, ...(process.env.FLOWLENS_CHROMIUM_EXTRA ? process.env.FLOWLENS_CHROMIUM_EXTRA.split(' ') : [])] });
}
