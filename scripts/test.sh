#!/usr/bin/env bash
# The one test command: installs what is missing (scripts/setup.sh test), then
# formatting, lints (native and wasm32), the native tests of every crate, the tests of
# the build's last step (scripts/offline) and of the inflater's script, the page build
# (dist/) and the browser tests
# (offline.mjs: offline use, the single file, updates, accessibility). Every check runs
# even after another one failed; the exit status is non-zero if any failed, and the
# summary at the end names them.
set -euo pipefail
LIB_NAME=test
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh test

# CI builds from a fresh clone once: incremental-compilation data would only cost time.
if [[ -n "${CI:-}" ]]; then
    export CARGO_INCREMENTAL=0
fi
# For the browser tests: the built page and the browser to drive.
export FLOWLENS_DIST="$ROOT/dist"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
# The geo tests must find the real table here (bare `cargo test` skips them without it).
export FLOWLENS_REQUIRE_GEO=1

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

step "setup.sh detection (scripts/tests/setup.test.sh)" bash scripts/tests/setup.test.sh
step "cargo fmt --check" cargo fmt --all --check
step "cargo clippy (native, every crate and target)" cargo clippy --workspace --all-targets -- -D warnings
step "cargo clippy (wasm32: core, page, embeddable module, bench tools)" cargo clippy --target wasm32-unknown-unknown \
    -p flowlens-core -p flowlens-web -p flowlens-js -p flowlens-bench --lib --bins -- -D warnings
step "cargo test (native: core, CLI, the page's logic)" cargo test --workspace
step "the build's last step (node --test scripts/offline/finish.test.mjs)" node --test scripts/offline/finish.test.mjs
step "the inflater's script (node --test src/worker/inflate.test.mjs)" node --test src/worker/inflate.test.mjs
# has_failed NAME: whether the step of exactly that name failed.
has_failed() {
    local name
    for name in "${failed[@]}"; do
        [[ $name == "$1" ]] && return 0
    done
    return 1
}

page_build="trunk build --release (dist/)"
embed_build="embeddable module (scripts/build-js.sh: dist/embed/)"
step "$page_build" trunk build --release
if ! has_failed "$page_build"; then
    step "$embed_build" bash scripts/build-js.sh
fi

# The browser suites: each drives the built page in headless Chromium.
for suite in run hostile fragment embed offline forms findings memory; do
    [[ -f "tests/browser/$suite.mjs" ]] || continue
    if has_failed "$page_build"; then
        summary+=("SKIPPED     browser tests $suite.mjs (no page: the trunk build failed)")
        failed+=("browser tests $suite.mjs")
    elif [[ $suite == embed ]] && has_failed "$embed_build"; then
        summary+=("SKIPPED     browser tests $suite.mjs (no module: build-js.sh failed)")
        failed+=("browser tests $suite.mjs")
    else
        step "browser tests (node tests/browser/$suite.mjs)" node "tests/browser/$suite.mjs"
    fi
done

printf '\n==> summary\n'
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]})); then
    printf 'test.sh: %d check(s) failed:\n' "${#failed[@]}" >&2
    printf '  - %s\n' "${failed[@]}" >&2
    exit 1
fi
printf 'test.sh: all checks passed\n'
