#!/usr/bin/env bash
# The one test command: installs what is missing, then formatting, lints (native and
# wasm32), native tests, the wasm build, the page build (dist/) and, when present, the
# browser tests. Every check runs even after another one failed; the exit status is
# non-zero if any failed, and the summary at the end names them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh

export PATH="$ROOT/tests/browser/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
# CI builds from a fresh clone once: incremental-compilation data would only cost time.
if [[ -n "${CI:-}" ]]; then
    export CARGO_INCREMENTAL=0
fi
# For tests/browser/run.mjs: the built page and the browser to drive.
export FLOWLENS_DIST="$ROOT/dist"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

failed=()
summary=()

# step NAME CMD... runs one check, timing it and recording a failure without stopping.
step() {
    local name=$1
    shift
    local started=$SECONDS status=0
    printf '\n==> %s\n' "$name"
    "$@" || status=$?
    local took=$((SECONDS - started))
    if ((status == 0)); then
        summary+=("ok      ${took}s  $name")
    else
        summary+=("FAILED  ${took}s  $name (exit $status)")
        failed+=("$name")
    fi
    return 0
}

# Integration-test files holding in-browser wasm-bindgen tests (none until someone
# writes `wasm_bindgen_test_configure!(run_in_browser)` in tests/*.rs).
browser_test_args() {
    local file
    for file in tests/*.rs; do
        [[ -f "$file" ]] || continue
        if grep -q 'run_in_browser' "$file"; then
            printf -- '--test\n%s\n' "$(basename "$file" .rs)"
        fi
    done
}

step "cargo fmt --check" cargo fmt --all --check
step "cargo clippy (native, all targets)" cargo clippy --all-targets -- -D warnings
step "cargo clippy (wasm32 lib)" cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings
step "cargo test (native)" cargo test
step "cargo build (wasm32 lib)" cargo build --lib --target wasm32-unknown-unknown

# In-browser unit tests (wasm-bindgen-test-runner drives headless Chromium), only when
# some exist: the lib's, and those integration tests that ask for a browser.
if grep -rqs --include='*.rs' 'run_in_browser' src tests; then
    mapfile -t wasm_test_args < <(browser_test_args)
    step "cargo test (wasm32, in Chromium)" \
        cargo test --target wasm32-unknown-unknown --lib "${wasm_test_args[@]}"
fi

step "trunk build --release (dist/)" trunk build --release

if [[ -f tests/browser/run.mjs ]]; then
    if [[ " ${failed[*]} " == *"trunk build"* ]]; then
        summary+=("SKIPPED     browser end-to-end tests (no page: trunk build failed)")
        failed+=("browser end-to-end tests")
    else
        step "browser end-to-end tests (node tests/browser/run.mjs)" node tests/browser/run.mjs
    fi
fi

if [[ -f tests/browser/hostile.mjs ]]; then
    if [[ " ${failed[*]} " == *"trunk build"* ]]; then
        summary+=("SKIPPED     browser hostile-input tests (no page: trunk build failed)")
        failed+=("browser hostile-input tests")
    else
        step "browser hostile-input tests (node tests/browser/hostile.mjs)" node tests/browser/hostile.mjs
    fi
fi

if [[ -f tests/browser/fragment.mjs ]]; then
    if [[ " ${failed[*]} " == *"trunk build"* ]]; then
        summary+=("SKIPPED     browser shareable-view tests (no page: trunk build failed)")
        failed+=("browser shareable-view tests")
    else
        step "browser shareable-view tests (node tests/browser/fragment.mjs)" node tests/browser/fragment.mjs
    fi
fi

printf '\n==> summary\n'
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]})); then
    printf 'test.sh: %d check(s) failed:\n' "${#failed[@]}" >&2
    printf '  - %s\n' "${failed[@]}" >&2
    exit 1
fi
printf 'test.sh: all checks passed\n'
