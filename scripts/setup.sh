#!/usr/bin/env bash
# Installs what flowlens needs, and nothing twice.
#
#   bash scripts/setup.sh page   # what building and serving the page needs (serve.sh)
#   bash scripts/setup.sh test   # that, plus what the tests need (test.sh)
#
# page: the wasm32-unknown-unknown target, Trunk, wasm-bindgen-cli (the Cargo.lock
#       version), wasm-opt (npm binaryen in scripts/tools), the crate's dependencies
#       (cargo fetch: Trunk builds offline) and the offline address table (scripts/geo.sh).
# test: also rustfmt + clippy, Debian's chromium (apt-get, as root or through sudo), the
#       npm packages of tests/browser (playwright-core, axe-core) and DuckDB (PyPI, pinned)
#       in .cache/compare/venv for the SQL check.
#
# Idempotent: each piece is checked by version, not just by presence, and only installed
# when missing or wrong. Silent when there is nothing to do; one line per install; on a
# failure, the failing command and the end of its output.
#
# Needs: Debian 12, rustup, node >= 20 with npm, python3 (with venv for `test`).
set -euo pipefail
LIB_NAME=setup
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

readonly TRUNK_VERSION="0.21.14" # 0.22 needs a newer rustc than 1.95
readonly BINARYEN_MAJOR="132"
readonly NODE_MIN_MAJOR="20"
readonly DUCKDB_VERSION="2.0.1"

mode="${1:-test}"
case "$mode" in page | test) ;; *) die "usage: setup.sh page|test (got '$mode')" ;; esac

trap 'printf "setup: error: line %s: \"%s\" failed\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

# --- what the machine must already have -----------------------------------------------
for cmd in rustup cargo rustc node npm python3; do
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd is not installed (needs: rustup, node >= $NODE_MIN_MAJOR with npm, python3)"
done
major="$(node_major)"
[[ "$major" =~ ^[0-9]+$ ]] && ((major >= NODE_MIN_MAJOR)) ||
    die "node $(node --version 2>/dev/null || echo '?') is too old: need >= $NODE_MIN_MAJOR"

# --- what is missing, said before the long part starts ----------------------------------
wasm_bindgen_version="$(sed -nE 's/^[[:space:]]*wasm_bindgen[[:space:]]*=[[:space:]]*"([^"]+)".*/\1/p' Trunk.toml | head -n 1)"
[[ -n "$wasm_bindgen_version" ]] || die "Trunk.toml has no [tools] wasm_bindgen = \"X.Y.Z\""
lock_wasm_bindgen="$(awk '
    $0 == "name = \"wasm-bindgen\"" { in_pkg = 1; next }
    in_pkg && $1 == "version" { gsub(/"/, "", $3); print $3; in_pkg = 0 }
    /^$/ { in_pkg = 0 }
' Cargo.lock 2>/dev/null | sort -u | tr '\n' ' ')"
if [[ -n "$lock_wasm_bindgen" && "$lock_wasm_bindgen" != "$wasm_bindgen_version " ]]; then
    die "Trunk.toml pins [tools] wasm_bindgen = \"$wasm_bindgen_version\" but Cargo.lock has wasm-bindgen ${lock_wasm_bindgen% }; make them equal"
fi

need_target=0 need_trunk=0 need_bindgen=0 need_chromium=0
rustup target list --installed 2>/dev/null | grep -qx 'wasm32-unknown-unknown' || need_target=1
[[ "$(tool_version trunk)" == "$TRUNK_VERSION" ]] || need_trunk=1
[[ "$(tool_version wasm-bindgen)" == "$wasm_bindgen_version" ]] || need_bindgen=1
if [[ "$mode" == test && -z "$(package_version chromium)" ]]; then
    need_chromium=1
fi
plan=()
minutes=0
((need_target)) && plan+=("the wasm32 target (seconds)")
((need_trunk)) && { plan+=("Trunk $TRUNK_VERSION (cargo install, ~6 min)"); minutes=$((minutes + 6)); }
((need_bindgen)) && { plan+=("wasm-bindgen-cli $wasm_bindgen_version (cargo install, ~2 min)"); minutes=$((minutes + 2)); }
((need_chromium)) && plan+=("Debian's chromium (apt-get, ~1 min)")
if [[ ! -f "${FLOWLENS_GEO_OUT:-$ROOT/target/geo/flowlens-geo.bin}" ]]; then
    plan+=("the address table (npm packages, then a release build of the CLI, ~3 min)")
    minutes=$((minutes + 3))
fi
if ((${#plan[@]})); then
    say "first run: installing ${plan[*]/%/;}"
    say "then the first build of the page (~2 min); about $((minutes + 3)) min in all on 2 cores. Later runs skip all of it."
fi

# --- Rust target and components -------------------------------------------------------
if ((need_target)); then
    say "adding the wasm32-unknown-unknown target"
    run_quiet "rustup target add" rustup target add wasm32-unknown-unknown
fi
if [[ "$mode" == test ]]; then
    installed_components="$(rustup component list --installed 2>/dev/null || true)"
    missing_components=()
    for component in rustfmt clippy; do
        grep -q "^$component" <<<"$installed_components" || missing_components+=("$component")
    done
    if ((${#missing_components[@]})); then
        say "adding rustup components: ${missing_components[*]}"
        run_quiet "rustup component add" rustup component add "${missing_components[@]}"
    fi
fi

# --- Trunk and wasm-bindgen-cli -----------------------------------------------------------
if ((need_trunk)); then
    say "installing trunk $TRUNK_VERSION (cargo install, ~6 min on 2 cores)"
    run_quiet "cargo install trunk" cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi
if ((need_bindgen)); then
    say "installing wasm-bindgen-cli $wasm_bindgen_version (cargo install, ~2 min on 2 cores)"
    # NOTE: no --locked: the 0.2.130 lock file pins a crate version the registry mirror lacks.
    run_quiet "cargo install wasm-bindgen-cli" \
        cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

# --- the crate's dependencies ---------------------------------------------------------
# Trunk runs cargo with --offline, so everything must be downloaded first.
run_quiet "cargo fetch" cargo fetch

# --- wasm-opt (npm binaryen; Debian's is too old) ---------------------------------------
npm_ci_if_changed "$ROOT/scripts/tools" "wasm-opt (npm binaryen)"
binaryen_version="$(npm_package_version "$ROOT/scripts/tools" binaryen)"
[[ "${binaryen_version%%.*}" == "$BINARYEN_MAJOR" ]] ||
    die "scripts/tools has binaryen ${binaryen_version:-<none>}, need $BINARYEN_MAJOR.x"

# --- the offline address table (IP -> country, AS) ------------------------------------
# Skipped when the table is newer than what makes it.
bash "$ROOT/scripts/geo.sh"

[[ "$mode" == test ]] || exit 0

# --- Chromium (Debian's) for the browser tests ---------------------------------------
if ((need_chromium)); then
    say "installing chromium (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    run_quiet "apt-get update" as_root apt-get update
    run_quiet "apt-get install chromium" as_root apt-get install -y --no-install-recommends chromium
fi

# --- npm packages for the browser tests --------------------------------------------------
npm_ci_if_changed "$ROOT/tests/browser" "the browser tests' npm packages"

# --- DuckDB for Python (the browser test runs the page's DuckDB SQL with it) ----------
# The same venv and pinned version as scripts/compare.sh, so neither installs it twice.
pip_pinned "$ROOT/.cache/compare/venv" duckdb "$DUCKDB_VERSION"
