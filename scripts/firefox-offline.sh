#!/usr/bin/env bash
# The single file (dist/flowlens-offline.html) opened from disk in headless Firefox: what
# tests/browser/offline.mjs proves in Chromium, proved in Firefox ESR (issue 18, item 2).
# A check run by hand, not part of scripts/test.sh: it installs a second browser.
#
#   bash scripts/firefox-offline.sh                  # builds the page and the CLI, then runs
#   FLOWLENS_SKIP_BUILD=1 bash scripts/firefox-offline.sh   # the dist/ and CLI already built
#   bash scripts/firefox-offline.sh --keep           # keep the profile, downloads and log
#
# What it checks: tests/firefox/offline.py (its header says). It drives Firefox through
# Marionette, the remote protocol built into Firefox, with the PyPI package
# marionette_driver: no geckodriver and no Playwright build of Firefox (playwright-core's
# firefox.launch cannot drive a stock Firefox: it needs Playwright's patched build, and a
# stock Firefox given its -juggler-pipe flag just exits).
#
# Installs what it needs, and nothing twice: Debian's firefox-esr (apt-get, as root or
# through sudo) when missing or older than $FIREFOX_MIN_MAJOR, and marionette_driver
# (pinned) in a venv under .cache/firefox/venv (git-ignored) when missing or of another
# version. Building uses scripts/setup.sh page.
#
# Environment: FIREFOX_PATH (default /usr/bin/firefox-esr), FLOWLENS_DIST (default
# dist/), FLOWLENS_CLI (default target/debug/flowlens).
# Prints `N passed, N failed` last; exit status non-zero when a check or a step failed.
set -euo pipefail
LIB_NAME=firefox-offline
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

readonly FIREFOX_MIN_MAJOR="128" # writes MarionetteActivePort; DecompressionStream
readonly MARIONETTE_DRIVER_VERSION="3.7.1"
readonly VENV="$ROOT/.cache/firefox/venv"

export FIREFOX_PATH="${FIREFOX_PATH:-/usr/bin/firefox-esr}"
export FLOWLENS_DIST="${FLOWLENS_DIST:-$ROOT/dist}"
export FLOWLENS_CLI="${FLOWLENS_CLI:-$ROOT/target/debug/flowlens}"

# --- Firefox ESR (Debian's) ----------------------------------------------------------
firefox_version="$(package_version firefox-esr)"
if [[ "$FIREFOX_PATH" == /usr/bin/firefox-esr ]] &&
    { [[ -z "$firefox_version" ]] || ((${firefox_version%%.*} < FIREFOX_MIN_MAJOR)); }; then
    say "installing firefox-esr (apt-get, ~1 min; installed: ${firefox_version:-none})"
    export DEBIAN_FRONTEND=noninteractive
    run_quiet "apt-get update" as_root apt-get update
    run_quiet "apt-get install firefox-esr" as_root apt-get install -y --no-install-recommends firefox-esr
fi
[[ -x "$FIREFOX_PATH" ]] || die "no Firefox at $FIREFOX_PATH"

# --- marionette_driver in a venv ----------------------------------------------------------
pip_pinned "$VENV" marionette_driver "$MARIONETTE_DRIVER_VERSION"

# --- the page and the CLI ----------------------------------------------------------------
if [[ "${FLOWLENS_SKIP_BUILD:-0}" != 1 ]]; then
    bash scripts/setup.sh page
    say "building the page (trunk build --release) and the CLI (debug)"
    run_quiet "trunk build --release" trunk build --release --dist "$FLOWLENS_DIST"
    run_quiet "cargo build --bin flowlens" cargo build --quiet --bin flowlens
fi

exec "$VENV/bin/python" tests/firefox/offline.py --firefox "$FIREFOX_PATH" \
    --dist "$FLOWLENS_DIST" --cli "$FLOWLENS_CLI" "$@"
