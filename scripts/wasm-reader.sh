#!/usr/bin/env bash
# The core reader's throughput natively and inside WebAssembly in headless Chromium, on
# the same .log.gz files (issue 5). A benchmark, not a test: run it by hand.
#
#   bash scripts/wasm-reader.sh [--data DIR] [--scale N] [--runs N] [--reserve N|auto]
#                               [--files N] [--opt L] [--opt-params "FLAGS"]
#                               [--name NAME] [--against A,B] [--build-only]
#                               [--wasm-only] [--native-only]
#
#   --data DIR     a directory of *.log.gz (default: .cache/reader-speed-N, the example
#                  week at scale N written once by flowlens-reader-speed --write)
#   --files N      the first N files of the data only
#   --scale N      scale of the default data (default 2: ~31 MB of text, 1008 files)
#   --runs N       runs of each side (default 3; each wasm run in a fresh Web Worker)
#   --reserve N    records to reserve in the table before each read; auto = the count
#   --opt L, --opt-params "FLAGS"   wasm-opt level and flags instead of index.html's
#                  (--opt 0: no wasm-opt)
#   --name NAME    keep this wasm build as target/reader-speed/NAME (default: current)
#   --build-only   build (and keep) the wasm, run nothing
#   --against A,B  also run the builds kept as A, B (target/reader-speed/A ...) in the
#                  same workers, alternating task by task, and print their speed
#                  relative to this build
#
# RUSTFLAGS and CARGO_TARGET_DIR are passed to cargo as usual (to try other settings
# without disturbing the page's build, give such a run its own CARGO_TARGET_DIR).
#
# Prints MB/s of text for: the reader on text in memory, the reader on gzip (flate2
# inside), flate2 inflating alone, and in Chromium also DecompressionStream alone and
# DecompressionStream feeding the reader (scripts/compare/wasm-reader.mjs says more),
# and the milliseconds of the page's first two analyses (the whole data, the 02:00
# window) on the same data, natively and in Chromium.
# The wasm is built as the page's is: the rustflags of .cargo/config.toml, wasm-bindgen,
# then wasm-opt with the worker's data-wasm-opt / data-wasm-opt-params from index.html.
#
# Needs what scripts/setup.sh installs (wasm32 target, wasm-bindgen, wasm-opt in
# scripts/tools/node_modules, Chromium) and node with npm: the npm packages of
# scripts/compare (playwright-core) are installed from its lock when missing.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

data=""
scale=2
runs=3
reserve=""
wasm=1
native=1
opt_level=""
opt_params=""
opt_given=0
name=current
against=""
build_only=0
say() { printf 'wasm-reader: %s\n' "$*" >&2; }
die() {
    printf 'wasm-reader: error: %s\n' "$*" >&2
    exit 2
}
while (($#)); do
    case "$1" in
    --data) data="${2:-}"; shift 2 || die "--data needs a value" ;;
    --scale) scale="${2:-}"; shift 2 || die "--scale needs a value" ;;
    --files) export FILES="${2:-}"; shift 2 || die "--files needs a value" ;;
    --runs) runs="${2:-}"; shift 2 || die "--runs needs a value" ;;
    --reserve) reserve="${2:-}"; shift 2 || die "--reserve needs a value" ;;
    --opt) opt_level="${2-}"; opt_given=1; shift 2 || die "--opt needs a value" ;;
    --opt-params) opt_params="${2-}"; opt_given=1; shift 2 || die "--opt-params needs a value" ;;
    --name) name="${2:-}"; shift 2 || die "--name needs a value" ;;
    --against) against="${2:-}"; shift 2 || die "--against needs a value" ;;
    --build-only) build_only=1; native=0; shift ;;
    --wasm-only) native=0; shift ;;
    --native-only) wasm=0; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
done

target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
bin="$target_dir/release/flowlens-reader-speed"
build_native() {
    say "building flowlens-reader-speed (native, release)"
    cargo build --release --quiet -p flowlens-bench --bin flowlens-reader-speed
}
((native)) && build_native
if [[ -z "$data" ]]; then
    data="$ROOT/.cache/reader-speed-$scale"
    if [[ ! -d "$data" ]]; then
        ((native)) || build_native
        say "writing the example week at scale $scale to $data"
        "$bin" --write "$data.tmp" --scale "$scale" >/dev/null
        mv "$data.tmp" "$data"
    fi
fi
[[ -d "$data" ]] || die "no directory $data"

if ((native)); then
    "$bin" --data "$data" --runs "$runs" ${reserve:+--reserve "$reserve"} ${FILES:+--files "$FILES"}
fi
((wasm)) || exit 0

command -v wasm-bindgen >/dev/null || die "wasm-bindgen is missing: run bash scripts/setup.sh"
command -v wasm-opt >/dev/null || die "wasm-opt is missing: run bash scripts/setup.sh"
say "building flowlens-reader-speed (wasm32, release)"
cargo build --release --quiet --target wasm32-unknown-unknown -p flowlens-bench --bin flowlens-reader-speed
pkg="$ROOT/target/reader-speed/$name"
rm -rf "$pkg" && mkdir -p "$pkg"
wasm-bindgen --target web --no-typescript --out-dir "$pkg" \
    "$target_dir/wasm32-unknown-unknown/release/flowlens-reader-speed.wasm"
# The worker's wasm-opt settings in index.html (Trunk's default level is -O).
worker_link="$(tr '\n' ' ' <index.html | grep -o '<link [^>]*data-bin="flowlens-worker"[^>]*>' || true)"
level="$(sed -nE 's/.*data-wasm-opt="([^"]*)".*/\1/p' <<<"$worker_link")"
params="$(sed -nE 's/.*data-wasm-opt-params="([^"]*)".*/\1/p' <<<"$worker_link")"
if ((opt_given)); then
    level="$opt_level"
    params="$opt_params"
fi
if [[ "$level" != "0" ]]; then
    # shellcheck disable=SC2086 # the params are a list of flags
    wasm-opt "-O$level" $params "$pkg/flowlens-reader-speed_bg.wasm" -o "$pkg/opt.wasm"
    mv "$pkg/opt.wasm" "$pkg/flowlens-reader-speed_bg.wasm"
fi
say "wasm-opt -O$level $params: $(stat -c %s "$pkg/flowlens-reader-speed_bg.wasm") bytes"
((build_only)) && exit 0

if [[ ! -f scripts/compare/node_modules/playwright-core/package.json ]]; then
    say "installing npm packages in scripts/compare (npm ci)"
    npm ci --prefix scripts/compare --ignore-scripts --no-audit --no-fund >/dev/null
fi
pkgs="$pkg"
if [[ -n "$against" ]]; then
    IFS=, read -ra others <<<"$against"
    for other in "${others[@]}"; do
        [[ -f "$ROOT/target/reader-speed/$other/flowlens-reader-speed.js" ]] ||
            die "no build kept as $other (run with --name $other first)"
        pkgs="$pkgs,$ROOT/target/reader-speed/$other"
    done
fi
node scripts/compare/wasm-reader.mjs "$pkgs" "$data" "$runs" ${reserve:+"$reserve"}
