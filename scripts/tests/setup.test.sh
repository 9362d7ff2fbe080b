#!/usr/bin/env bash
# Tests of the detection helpers in scripts/lib.sh that scripts/setup.sh decides with:
# each must answer "not installed" (an empty string) for a tool or package that is
# missing, unknown, broken or of the wrong version, and must not end a caller running
# under `set -euo pipefail` (a failing command substitution did, on a machine without
# Chromium: `dpkg-query -W` exits 1 for a package it does not know).
#
#   bash scripts/tests/setup.test.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

failures=0
checks=0
# expect NAME WANT GOT compares two values.
expect() {
    checks=$((checks + 1))
    if [[ "$2" != "$3" ]]; then
        printf 'FAIL %s: want "%s", got "%s"\n' "$1" "$2" "$3" >&2
        failures=$((failures + 1))
    fi
}

# check NAME WANT CMD... runs CMD as setup.sh does, `value="$(CMD)"` under
# `set -euo pipefail`, and expects it to succeed and print WANT.
check() {
    local name=$1 want=$2 got status=0
    shift 2
    got="$("$@")" || status=$?
    expect "$name: exit status" 0 "$status"
    expect "$name" "$want" "$got"
}

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
stubs="$scratch/bin"
mkdir -p "$stubs"
# stub NAME BODY writes an executable NAME into the stub folder.
stub() {
    printf '#!/bin/sh\n%s\n' "$2" >"$stubs/$1"
    chmod +x "$stubs/$1"
}

# --- package_version ---------------------------------------------------------------
# A package dpkg has never heard of (the real dpkg-query, when there is one).
check "package_version: a package dpkg does not know" "" package_version flowlens-no-such-package-xyz
# dpkg-query knows it but it is not installed (config-files / not-installed states).
stub dpkg-query 'echo "config-files 1.2.3"; exit 0'
PATH="$stubs:$PATH" check "package_version: removed, config files left" "" package_version chromium
stub dpkg-query 'echo "not-installed "; exit 1'
PATH="$stubs:$PATH" check "package_version: not installed, exit 1" "" package_version chromium
stub dpkg-query 'echo "installed 156.0.8078.73-1~deb12u1"'
PATH="$stubs:$PATH" check "package_version: installed" "156.0.8078.73-1~deb12u1" package_version chromium
# No dpkg at all (not Debian): PATH holding only the stubs folder, without dpkg-query.
rm -f "$stubs/dpkg-query"
stub awk 'exec /usr/bin/awk "$@"'
PATH="$stubs" check "package_version: no dpkg-query" "" package_version chromium

# --- tool_version --------------------------------------------------------------------
check "tool_version: missing tool" "" tool_version flowlens-no-such-tool-xyz
stub trunk 'echo "trunk 0.20.3"'
PATH="$stubs:$PATH" check "tool_version: the version it prints" "0.20.3" tool_version trunk
stub trunk 'echo "error: broken install" >&2; exit 101'
PATH="$stubs:$PATH" check "tool_version: a tool that fails on --version" "" tool_version trunk
stub trunk 'exit 0'
PATH="$stubs:$PATH" check "tool_version: a tool that prints nothing" "" tool_version trunk

# --- node_major --------------------------------------------------------------------------
stub node 'echo 18'
PATH="$stubs:$PATH" check "node_major: an old node" "18" node_major
stub node 'exit 1'
PATH="$stubs:$PATH" check "node_major: a broken node" "" node_major
rm -f "$stubs/node"
PATH="$stubs" check "node_major: no node" "" node_major

# --- npm_package_version -------------------------------------------------------------
mkdir -p "$scratch/pkg/node_modules/binaryen"
check "npm_package_version: no node_modules entry" "" npm_package_version "$scratch/pkg" playwright-core
check "npm_package_version: a folder with no manifest" "" npm_package_version "$scratch/pkg" binaryen
printf '{\n  "name": "binaryen",\n  "version": "108.0.0"\n}\n' >"$scratch/pkg/node_modules/binaryen/package.json"
check "npm_package_version: an old version" "108.0.0" npm_package_version "$scratch/pkg" binaryen

# --- python_module_version -----------------------------------------------------------
check "python_module_version: no such python" "" python_module_version "$scratch/no/python" duckdb
check "python_module_version: no such module" "" python_module_version "$(command -v python3)" flowlens_no_such_module

# --- setup.sh itself, on a machine missing a tool it needs ----------------------------
# A PATH with every command of this machine but node: setup must stop with a message
# naming it, not die on an ERR-trap line.
nonode="$scratch/no-node"
mkdir -p "$nonode"
IFS=: read -ra path_dirs <<<"$PATH"
for dir in "${path_dirs[@]}"; do
    [[ -d "$dir" ]] || continue
    for cmd in "$dir"/*; do
        name="${cmd##*/}"
        [[ "$name" == node || -e "$nonode/$name" || ! -x "$cmd" ]] && continue
        ln -s "$cmd" "$nonode/$name"
    done
done
status=0
message="$(PATH="$nonode" bash "$ROOT/scripts/setup.sh" page 2>&1)" || status=$?
expect "setup.sh without node: exit status" "1" "$status"
case "$message" in
*"node is not installed"*) expect "setup.sh without node: says so" ok ok ;;
*) expect "setup.sh without node: says so" "…node is not installed…" "$message" ;;
esac
status=0
message="$(PATH="$nonode" bash "$ROOT/scripts/setup.sh" nonsense 2>&1)" || status=$?
expect "setup.sh with an unknown mode: exit status" "1" "$status"

if ((failures)); then
    printf 'setup.test.sh: %d of %d checks failed\n' "$failures" "$checks" >&2
    exit 1
fi
printf 'setup.test.sh: %d checks passed\n' "$checks"
