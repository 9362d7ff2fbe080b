#!/usr/bin/env bash
# flowlens against DuckDB on the five questions, on the example week: wall times, ratios,
# peak memory, and a check that both give the same answers (issue 5). A benchmark, not a
# test: run it by hand on a quiet machine.
#
#   bash scripts/compare.sh [--scale N] [--mode native|browser|both] [--runs N] [--regen]
#
#   --scale N   size of the example week (default 60: ~1 GB uncompressed, ~8.8 M records,
#               1008 gzip files); written once to .cache/compare-week-N
#   --mode      native (default): `flowlens analyze --json` against DuckDB's Python package;
#               browser: the page (dist/) against DuckDB-WASM in headless Chromium;
#               both: one, then the other
#   --runs N    timed runs of each side (default 3; the medians are compared)
#   --scanner-addresses unique|N   the week's internet scanners come from N addresses, or a
#               new one each (~2.5 M at scale 60; the example's own default otherwise);
#               written once to .cache/compare-week-N-<this>
#   --regen     write the example week again (after the generator changed)
#   --wasm-bundle eh|coi|mvp   DuckDB-WASM bundle (default eh: one thread; coi, threaded,
#               was 2-3x slower on 2 cores)
#   --wasm-input buffer|handle how DuckDB-WASM takes the files (default buffer: faster)
#
# Installs what it needs, and nothing twice: the `time` and Chromium Debian packages when
# missing, DuckDB (PyPI `duckdb`) in a venv under .cache/compare/venv, and for the browser
# mode the npm packages of scripts/compare (DuckDB-WASM, playwright-core). Builds flowlens
# (release). The browser mode measures the page that is in dist/ (bash scripts/test.sh or
# trunk build --release builds it); without it, it says so and times DuckDB-WASM alone.
#
# Needs: Debian 12, cargo, python3 (with venv), node >= 20 with npm for the browser mode.
# Exit status: non-zero when a check failed (the two engines disagree) or a step failed.
set -euo pipefail

LIB_NAME=compare
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
HERE="$ROOT/scripts/compare"
CACHE="$ROOT/.cache/compare"

readonly DUCKDB_VERSION="2.0.1"

scale=60
scanners=
mode=native
runs=3
regen=0
wasm_bundle=eh
wasm_input=buffer

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while (($#)); do
    case "$1" in
    --scale) scale="${2:-}"; shift 2 || die "--scale needs a value" ;;
    --scale=*) scale="${1#*=}"; shift ;;
    --scanner-addresses) scanners="${2:-}"; shift 2 || die "--scanner-addresses needs a value" ;;
    --scanner-addresses=*) scanners="${1#*=}"; shift ;;
    --mode) mode="${2:-}"; shift 2 || die "--mode needs a value" ;;
    --mode=*) mode="${1#*=}"; shift ;;
    --runs) runs="${2:-}"; shift 2 || die "--runs needs a value" ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --regen) regen=1; shift ;;
    --wasm-bundle) wasm_bundle="${2:-}"; shift 2 || die "--wasm-bundle needs a value" ;;
    --wasm-input) wasm_input="${2:-}"; shift 2 || die "--wasm-input needs a value" ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[[ "$scale" =~ ^[0-9]+$ ]] && ((scale > 0)) || die "--scale must be a positive whole number, got '$scale'"
[[ -z "$scanners" || "$scanners" == unique || "$scanners" =~ ^[1-9][0-9]*$ ]] ||
    die "--scanner-addresses must be unique or a positive whole number, got '$scanners'"
[[ "$runs" =~ ^[0-9]+$ ]] && ((runs > 0)) || die "--runs must be a positive whole number, got '$runs'"
case "$mode" in native | browser | both) ;; *) die "--mode must be native, browser or both, got '$mode'" ;; esac
case "$wasm_bundle" in eh | coi | mvp | auto) ;; *) die "--wasm-bundle must be eh, coi, mvp or auto" ;; esac
case "$wasm_input" in buffer | handle) ;; *) die "--wasm-input must be buffer or handle" ;; esac

want_native=0 want_browser=0
[[ "$mode" == native || "$mode" == both ]] && want_native=1
[[ "$mode" == browser || "$mode" == both ]] && want_browser=1

mkdir -p "$CACHE"
apt_updated=0
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if ((!apt_updated)); then
        run_quiet "apt-get update" as_root apt-get update
        apt_updated=1
    fi
    run_quiet "apt-get install $*" as_root apt-get install -y "$@"
}

# --- what a fresh machine must already have -------------------------------------------
for cmd in cargo python3; do
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd is not installed"
done
if ((want_browser)); then
    for cmd in node npm; do
        command -v "$cmd" >/dev/null 2>&1 || die "$cmd is not installed (the browser mode needs node >= 20 with npm)"
    done
    (($(node -p 'process.versions.node.split(".")[0]') >= 20)) || die "node $(node --version) is too old: need >= 20"
fi

# --- Debian packages ------------------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time (apt-get), for the peak RSS"
    apt_install time
fi
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if ((want_browser)) && [[ ! -x "$CHROMIUM" ]]; then
    say "installing chromium (apt-get)"
    apt_install chromium
fi

# --- DuckDB for Python, in a venv -----------------------------------------------------
VENV="$CACHE/venv"
PY="$VENV/bin/python"
if ((want_native)); then
    pip_pinned "$VENV" duckdb "$DUCKDB_VERSION"
fi

# --- DuckDB-WASM and playwright-core, from the committed lock -------------------------
if ((want_browser)); then
    lock_hash="$(cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | awk '{ print $1 }')"
    stamp="$HERE/node_modules/.compare-install-stamp"
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ||
        ! -f "$HERE/node_modules/@duckdb/duckdb-wasm/dist/duckdb-eh.wasm" ||
        ! -f "$HERE/node_modules/playwright-core/package.json" ]]; then
        say "installing npm packages in scripts/compare (npm ci)"
        # --ignore-scripts: nothing may download a browser.
        run_quiet "npm ci (in scripts/compare)" npm ci --prefix "$HERE" --ignore-scripts --no-audit --no-fund
        printf '%s\n' "$lock_hash" >"$stamp"
    fi
fi

# --- flowlens -------------------------------------------------------------------------
say "building flowlens (cargo build --release)"
run_quiet "cargo build --release" cargo build --release -p flowlens-cli --bin flowlens
FLOWLENS="$ROOT/target/release/flowlens"

# --- the data -------------------------------------------------------------------------
WEEK="$scale${scanners:+-$scanners}"
DATA="$ROOT/.cache/compare-week-$WEEK"
if ((regen)); then
    rm -rf "$DATA"
fi
if [[ ! -d "$DATA" ]]; then
    say "writing the example week at scale $scale to ${DATA#"$ROOT"/} (flowlens example)"
    rm -rf "$DATA.partial"
    run_quiet "flowlens example" "$FLOWLENS" example "$DATA.partial" --scale "$scale" ${scanners:+--scanner-addresses "$scanners"}
    mv "$DATA.partial" "$DATA"
else
    say "using the example week in ${DATA#"$ROOT"/} (--regen writes it again)"
fi

# --- the comparisons ------------------------------------------------------------------
say "machine: $(nproc) cores; $(uptime | sed 's/^ *//')"
status=0
if ((want_native)); then
    printf '\n==> native: flowlens CLI vs DuckDB (Python), scale %s\n' "$WEEK"
    python3 "$HERE/compare.py" native "$DATA" --flowlens "$FLOWLENS" --python "$PY" --runs "$runs" \
        --json-out "$CACHE/native-$WEEK.json" || status=1
fi
if ((want_browser)); then
    printf '\n==> browser: flowlens page vs DuckDB-WASM, headless Chromium, scale %s\n' "$WEEK"
    page_args=()
    if [[ ! -f "$ROOT/dist/index.html" ]]; then
        say "no page: dist/index.html is missing (build it: bash scripts/test.sh, or trunk build --release); timing DuckDB-WASM alone"
        page_args+=(--skip-page)
    fi
    browser_status=0
    rm -f "$CACHE/browser-$WEEK.json"
    node "$HERE/browser.mjs" --dir "$DATA" --out "$CACHE/browser-$WEEK.json" --dist "$ROOT/dist" \
        --runs "$runs" --chromium "$CHROMIUM" --cli "$FLOWLENS" --bundle "$wasm_bundle" --input "$wasm_input" \
        "${page_args[@]}" || browser_status=1
    if [[ -f "$CACHE/browser-$WEEK.json" ]]; then
        python3 "$HERE/compare.py" browser "$CACHE/browser-$WEEK.json" || status=1
    fi
    ((browser_status == 0)) || status=1
fi
say "done; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
