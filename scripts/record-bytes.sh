#!/usr/bin/env bash
# Bytes per record the page's worker holds (issue 16 item 3: at most 40), at a base
# commit and in the working tree, side by side in one run. A benchmark, not a test.
#
#   bash scripts/record-bytes.sh [BASE] [--divide D]
#
#   BASE        the commit to compare with (default HEAD); it must have the bench
#               (crates/flowlens-bench/src/bin/flowlens-record-bytes.rs)
#   --divide D  the busy weeks' scale and scanner events divided by D (default 1: the
#               weeks of issue 16, ~9 M records each; 6 runs in seconds)
#
# Builds flowlens-record-bytes (release) at BASE in a temporary git worktree (its own
# target directory under target/record-bytes-base) and here, runs both, and prints
# both tables: the example week, the week with 50,000 scanner addresses and the week
# with a new address for every scanner event (~2.5 M), bytes per record of each part.
set -euo pipefail
LIB_NAME=record-bytes
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

base=HEAD
args=()
while (($#)); do
    case "$1" in
    --divide) args+=(--divide "${2:-}"); shift 2 || die "--divide needs a value" ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) base=$1; shift ;;
    esac
done
commit="$(git rev-parse --verify "$base^{commit}")" || die "no commit $base"

tree="$(mktemp -d)"
trap 'git worktree remove --force "$tree" >/dev/null 2>&1 || true; rm -rf "$tree"' EXIT
git worktree add --detach "$tree" "$commit" >/dev/null 2>&1 || die "cannot check out $base"
[[ -f "$tree/crates/flowlens-bench/src/bin/flowlens-record-bytes.rs" ]] ||
    die "$base has no flowlens-record-bytes"

say "building at $base ($commit)"
(cd "$tree" && CARGO_TARGET_DIR="$ROOT/target/record-bytes-base" run_quiet "the build at $base" \
    cargo build --release -p flowlens-bench --bin flowlens-record-bytes)
say "building the working tree"
run_quiet "the build here" cargo build --release -p flowlens-bench --bin flowlens-record-bytes

echo "== before: $base (${commit:0:10})"
"$ROOT/target/record-bytes-base/release/flowlens-record-bytes" "${args[@]}"
echo
echo "== after: the working tree"
"$ROOT/target/release/flowlens-record-bytes" "${args[@]}"
