#!/usr/bin/env bash
# Fuzzes the flow-log reader: runs the cargo-fuzz target `reader` (fuzz/) for SECONDS
# (default 600) with one job, then prints how many inputs ran and what crashed.
#
#   scripts/fuzz.sh [SECONDS]
#
# Installs cargo-fuzz when it is missing. Copies the committed seeds (fuzz/seeds/) into
# the working corpus (fuzz/corpus/reader/, not committed), which keeps growing from run
# to run. Crashing inputs land in fuzz/artifacts/reader/; to replay one:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -a -s none reader fuzz/artifacts/reader/crash-…
# Inputs of bugs found earlier are kept in fuzz/regressions/ and replayed first.
#
# NOTE: cargo-fuzz passes nightly-only flags (-Zsanitizer, -Cpasses=sancov-module, …)
# to rustc and only stable rustc is installed here; RUSTC_BOOTSTRAP=1 lets stable rustc
# accept them. `-s none` (no AddressSanitizer): the crate has no `unsafe`, a panic is
# what we look for, and ASan costs a third of the executions (it does build and run
# here too, with `-s address`). `-a`: debug assertions and overflow checks on.
#
# Environment: FUZZ_JOBS (default 1; the machine has 2 cores), FUZZ_MAX_LEN (default
# 8192, bytes per input).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SECONDS_TO_RUN="${1:-600}"
if ! [[ "$SECONDS_TO_RUN" =~ ^[0-9]+$ ]] || ((SECONDS_TO_RUN == 0)); then
    echo "fuzz.sh: SECONDS must be a positive number, got '$SECONDS_TO_RUN'" >&2
    exit 2
fi
JOBS="${FUZZ_JOBS:-1}"
MAX_LEN="${FUZZ_MAX_LEN:-8192}"
TARGET=reader

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz (cargo install, ~2 min on 2 cores)" >&2
    cargo install cargo-fuzz --locked
fi

FUZZ_FLAGS=(-a -s none)
CORPUS="fuzz/corpus/$TARGET"
ARTIFACTS="fuzz/artifacts/$TARGET"
mkdir -p "$CORPUS" "$ARTIFACTS"
cp -n fuzz/seeds/* "$CORPUS"/

cargo fuzz build "${FUZZ_FLAGS[@]}" "$TARGET"

# Bugs found before must stay fixed: each saved input runs once. A failure here is
# reported at the end and the run goes on.
regressions_failed=()
for input in fuzz/regressions/*; do
    [[ -f "$input" ]] || continue
    if ! cargo fuzz run "${FUZZ_FLAGS[@]}" "$TARGET" "$input" >/dev/null 2>&1; then
        regressions_failed+=("$input")
    fi
done

LOG="fuzz/artifacts/$TARGET/fuzz-$(date -u +%Y%m%dT%H%M%SZ).log"
STARTED="$ARTIFACTS/.started"
touch "$STARTED"
crashes_before="$(find "$ARTIFACTS" -maxdepth 1 -type f ! -name '*.log' ! -name '.started' | wc -l)"
status=0
# -timeout: an input that takes 30 s is a hang (an endless loop in a decoder), saved as
# a crash. -print_final_stats: the executions line below. cargo-fuzz itself sends
# crashes to fuzz/artifacts/reader/ and new inputs to the corpus directory given.
cargo fuzz run "${FUZZ_FLAGS[@]}" --jobs "$JOBS" "$TARGET" "$CORPUS" -- \
    -max_total_time="$SECONDS_TO_RUN" -max_len="$MAX_LEN" -timeout=30 \
    -print_final_stats=1 2>&1 | tee "$LOG" || status=$?

crashes_after="$(find "$ARTIFACTS" -maxdepth 1 -type f ! -name '*.log' ! -name '.started' | wc -l)"
{
    printf '\n==> fuzz.sh summary (%s s, %s job(s), log %s)\n' "$SECONDS_TO_RUN" "$JOBS" "$LOG"
    grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec|^stat::peak_rss_mb' "$LOG" || true
    grep -E '^#[0-9]+' "$LOG" | tail -n 1 || true
    printf 'corpus: %s inputs in %s\n' "$(find "$CORPUS" -type f | wc -l)" "$CORPUS"
    printf 'crashes: %s new (%s in %s)\n' "$((crashes_after - crashes_before))" "$crashes_after" "$ARTIFACTS"
    find "$ARTIFACTS" -maxdepth 1 -type f ! -name '*.log' ! -name '.started' -newer "$STARTED" -printf '  %p\n' || true
    if ((${#regressions_failed[@]})); then
        printf 'regressions still failing: %s\n' "${regressions_failed[*]}"
    fi
}
exit "$status"
