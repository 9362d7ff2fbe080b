// Chromium's flags on this machine: headless without a sandbox or GPU, and with
// background networking off (this machine refuses those connections). No imports, so
// that the benchmark scripts (scripts/compare, their own npm tree) share it too.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
