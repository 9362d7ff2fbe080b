#!/usr/bin/env bash
# Builds flowlens's embeddable ES module (crates/flowlens-js) into dist/embed/:
# flowlens.js and flowlens_bg.wasm (wasm-bindgen --target web, then wasm-opt as the
# page's), with the example page beside them (index.html, example.js).
#
#   bash scripts/build-js.sh [OUT_DIR]     # default dist/embed
#
# Needs what `scripts/setup.sh page` installs (wasm32 target, wasm-bindgen, wasm-opt).
set -euo pipefail
LIB_NAME=build-js
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

out="${1:-$ROOT/dist/embed}"
command -v wasm-bindgen >/dev/null || die "wasm-bindgen is missing: run bash scripts/setup.sh page"
command -v wasm-opt >/dev/null || die "wasm-opt is missing: run bash scripts/setup.sh page"

say "building crates/flowlens-js (wasm32, release)"
cargo build --release --quiet --target wasm32-unknown-unknown -p flowlens-js
target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name flowlens \
    "$target_dir/wasm32-unknown-unknown/release/flowlens_js.wasm"
# The same optimisation as the page's (index.html): SIMD is on in .cargo/config.toml.
wasm-opt -O --enable-simd "$out/flowlens_bg.wasm" -o "$out/flowlens_bg.opt.wasm"
mv "$out/flowlens_bg.opt.wasm" "$out/flowlens_bg.wasm"
cp crates/flowlens-js/example/index.html crates/flowlens-js/example/example.js "$out/"
say "wrote $out: flowlens.js, flowlens_bg.wasm ($(stat -c %s "$out/flowlens_bg.wasm") bytes), the example page"
