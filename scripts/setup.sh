#!/usr/bin/env bash
# Installs everything flowlens needs to build, test and serve, and nothing twice.
#
# Idempotent: each piece is checked (by version, not just by presence) and only installed
# when missing or wrong. Silent when there is nothing to do; one line per install; on a
# failure, the failing command and the end of its output.
#
# Needs: Debian 12, root (or sudo) for apt, rustup, node >= 20 with npm, python3.
# Installs: the wasm32-unknown-unknown target, rustfmt + clippy, Trunk, wasm-bindgen-cli
# (the Cargo.lock version), Debian's chromium + chromium-driver, the npm packages in
# tests/browser (playwright-core, binaryen for wasm-opt) and the crate's dependencies.
# Also duckdb (PyPI, pinned) in .cache/compare/venv for the SQL check of the browser test.
# Then builds the offline address table (scripts/geo.sh: npm packages in scripts/geo).
#
# Scripts that build must put the tools on PATH themselves (setup.sh cannot change its
# caller's environment):
#   export PATH="$ROOT/tests/browser/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

readonly TRUNK_VERSION="0.21.14" # 0.22 needs a newer rustc than 1.95
readonly WASM_BINDGEN_FALLBACK="0.2.130"
readonly BINARYEN_MAJOR="132"
readonly NODE_MIN_MAJOR="20"
readonly BROWSER_DIR="$ROOT/tests/browser"

export PATH="$BROWSER_DIR/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

trap 'printf "setup: error: line %s: \"%s\" failed\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

WORK_DIR="$(mktemp -d)"
trap 'rm -rf "$WORK_DIR"' EXIT

say() { printf 'setup: %s\n' "$*" >&2; }
die() {
    printf 'setup: error: %s\n' "$*" >&2
    exit 1
}

# run_quiet WHAT CMD... runs CMD with its output kept in a log; on failure prints the
# command and the end of the log, and exits.
run_quiet() {
    local what=$1
    shift
    local log="$WORK_DIR/output.log"
    if ! "$@" >"$log" 2>&1; then
        printf 'setup: error: %s failed\n  command: %s\n  ---- last 60 lines of its output ----\n' \
            "$what" "$*" >&2
        tail -n 60 "$log" | sed 's/^/  /' >&2
        exit 1
    fi
}

# tool_version CMD prints the second word of `CMD --version` ("trunk 0.21.14" -> 0.21.14),
# or nothing when CMD is missing or broken.
tool_version() {
    command -v "$1" >/dev/null 2>&1 || return 0
    "$1" --version 2>/dev/null | awk 'NR == 1 { print $2 }' || true
}

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# --- what a fresh machine must already have -------------------------------------------
for cmd in rustup cargo rustc node npm python3; do
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd is not installed (needs: rustup, node >= $NODE_MIN_MAJOR with npm, python3)"
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= NODE_MIN_MAJOR)) || die "node $(node --version) is too old: need >= $NODE_MIN_MAJOR"

# --- Rust target and components -------------------------------------------------------
if ! rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
    say "adding the wasm32-unknown-unknown target"
    run_quiet "rustup target add" rustup target add wasm32-unknown-unknown
fi

installed_components="$(rustup component list --installed)"
missing_components=()
for component in rustfmt clippy; do
    grep -q "^$component" <<<"$installed_components" || missing_components+=("$component")
done
if ((${#missing_components[@]})); then
    say "adding rustup components: ${missing_components[*]}"
    run_quiet "rustup component add" rustup component add "${missing_components[@]}"
fi

# --- Trunk ----------------------------------------------------------------------------
if [[ "$(tool_version trunk)" != "$TRUNK_VERSION" ]]; then
    say "installing trunk $TRUNK_VERSION (cargo install, ~6 min on 2 cores)"
    run_quiet "cargo install trunk" cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi

# --- the crate's dependencies ---------------------------------------------------------
# Trunk runs cargo with --offline, so everything must be downloaded first. This also
# creates Cargo.lock when it is missing, which the wasm-bindgen version is read from.
run_quiet "cargo fetch" cargo fetch

# --- wasm-bindgen-cli, exactly the version of the wasm-bindgen crate ------------------
# The CLI must match the crate byte for byte or the generated glue is rejected.
lock_versions="$(awk '
    $0 == "name = \"wasm-bindgen\"" { in_pkg = 1; next }
    in_pkg && $1 == "version" { gsub(/"/, "", $3); print $3; in_pkg = 0 }
    /^$/ { in_pkg = 0 }
' Cargo.lock | sort -u)"
if [[ -z "$lock_versions" ]]; then
    wasm_bindgen_version="$WASM_BINDGEN_FALLBACK"
elif [[ "$(wc -l <<<"$lock_versions")" -gt 1 ]]; then
    die "Cargo.lock has several wasm-bindgen versions ($(tr '\n' ' ' <<<"$lock_versions")); pin one with wasm-bindgen = \"=X.Y.Z\""
else
    wasm_bindgen_version="$lock_versions"
fi

trunk_pin="$(sed -nE 's/^[[:space:]]*wasm_bindgen[[:space:]]*=[[:space:]]*"([^"]+)".*/\1/p' Trunk.toml 2>/dev/null | head -n 1 || true)"
if [[ "$trunk_pin" != "$wasm_bindgen_version" ]]; then
    die "Trunk.toml pins [tools] wasm_bindgen = \"${trunk_pin:-<unset>}\" but the wasm-bindgen crate is $wasm_bindgen_version (Cargo.lock); make them equal"
fi

if [[ "$(tool_version wasm-bindgen)" != "$wasm_bindgen_version" ||
    "$(tool_version wasm-bindgen-test-runner)" != "$wasm_bindgen_version" ]]; then
    say "installing wasm-bindgen-cli $wasm_bindgen_version (cargo install, ~2 min on 2 cores)"
    # NOTE: no --locked: the 0.2.130 lock file pins a crate version the registry mirror lacks.
    run_quiet "cargo install wasm-bindgen-cli" \
        cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

# --- Chromium and its driver (Debian's; same version for both) ------------------------
package_version() {
    dpkg-query -W -f='${db:Status-Status} ${Version}\n' "$1" 2>/dev/null |
        awk '$1 == "installed" { print $2 }'
}
chromium_version="$(package_version chromium)"
driver_version="$(package_version chromium-driver)"
if [[ -z "$chromium_version" || "$chromium_version" != "$driver_version" ]]; then
    say "installing chromium and chromium-driver (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    run_quiet "apt-get update" as_root apt-get update
    run_quiet "apt-get install chromium chromium-driver" \
        as_root apt-get install -y chromium chromium-driver
fi

# --- npm packages for the browser tests and wasm-opt ----------------------------------
# Reinstalled from the committed lock whenever package.json or the lock changed since
# the last install (a stamp in node_modules records their hash).
[[ -f "$BROWSER_DIR/package-lock.json" ]] || die "tests/browser/package-lock.json is missing (run npm install there and commit it)"
lock_hash="$(cat "$BROWSER_DIR/package.json" "$BROWSER_DIR/package-lock.json" | sha256sum | awk '{ print $1 }')"
stamp="$BROWSER_DIR/node_modules/.flowlens-install-stamp"
binaryen_version="$(sed -nE 's/^[[:space:]]*"version":[[:space:]]*"([^"]+)".*/\1/p' \
    "$BROWSER_DIR/node_modules/binaryen/package.json" 2>/dev/null | head -n 1 || true)"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ||
    "${binaryen_version%%.*}" != "$BINARYEN_MAJOR" ||
    ! -x "$BROWSER_DIR/node_modules/.bin/wasm-opt" ||
    ! -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ]]; then
    say "installing npm packages in tests/browser (npm ci)"
    # --ignore-scripts: nothing may download a browser; neither package needs a script.
    run_quiet "npm ci (in tests/browser)" npm ci --prefix "$BROWSER_DIR" --ignore-scripts --no-audit --no-fund
    printf '%s\n' "$lock_hash" >"$stamp"
fi

# --- DuckDB for Python (the browser test runs the page's DuckDB SQL with it) ----------
# The same venv and pinned version as scripts/compare.sh, so neither installs it twice.
readonly DUCKDB_VERSION="2.0.1"
SQL_VENV="$ROOT/.cache/compare/venv"
if [[ ! -x "$SQL_VENV/bin/python" ]]; then
    say "creating a Python venv in .cache/compare/venv"
    python3 -m venv "$SQL_VENV" >/dev/null 2>&1 ||
        die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
fi
if [[ "$("$SQL_VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)' 2>/dev/null || true)" != "$DUCKDB_VERSION" ]]; then
    say "installing duckdb $DUCKDB_VERSION (pip, into .cache/compare/venv)"
    run_quiet "pip install duckdb" "$SQL_VENV/bin/python" -m pip install \
        --disable-pip-version-check -q "duckdb==$DUCKDB_VERSION"
fi

# --- the offline address table (IP -> country, AS) ------------------------------------
# npm packages pinned in scripts/geo, compacted into target/geo/flowlens-geo.bin;
# skipped when the table is newer than the lock.
bash "$ROOT/scripts/geo.sh"
