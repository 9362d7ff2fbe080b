#!/usr/bin/env bash
# What the hunt adds to `flowlens analyze` (issue 15: at most 30 % on the ~1 GB week). A
# benchmark, not a test: run it by hand on a quiet machine.
#
#   bash scripts/hunt-bench.sh [--scale N] [--runs N] [--unique-scanners]
#
#   --scale N            the example week's size (default 60: ~1 GB of text, ~9 M records)
#   --runs N             timed runs of each side (default 5; medians compared)
#   --unique-scanners    the week of issue 16 instead: --scale 36 --scanner-addresses
#                        unique --scanner-events 2480 (~9 M records, ~2.5 M scanners)
#
# Builds the CLI (release), writes the week once under .cache/hunt-bench/, then times,
# alternating in one run, `analyze --json --no-geo --no-hunt` (before: the five
# questions) and `analyze --json --no-geo` (after: the same, with the hunt beside the
# analysis on the second core), wall time and peak memory of each; then the hunt alone
# (`flowlens hunt`, its own time from FLOWLENS_TIMING). Prints the medians and the ratio.
set -euo pipefail
LIB_NAME=hunt-bench
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

scale=60
runs=5
unique=0
while (($#)); do
    case "$1" in
    --scale) scale="${2:-}"; shift 2 || die "--scale needs a value" ;;
    --runs) runs="${2:-}"; shift 2 || die "--runs needs a value" ;;
    --unique-scanners) unique=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
done
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (apt-get install time)"

say "building the CLI (release)"
run_quiet "cargo build" cargo build --release -p flowlens-cli --bin flowlens
cli="$ROOT/target/release/flowlens"

if ((unique)); then
    week="$ROOT/.cache/hunt-bench/unique-scanners"
    example_args=(--scale 36 --scanner-addresses unique --scanner-events 2480)
else
    week="$ROOT/.cache/hunt-bench/scale-$scale"
    example_args=(--scale "$scale")
fi
# The generator changes now and then: the week is written again when the CLI is newer.
if [[ ! -f "$week/.done" || "$cli" -nt "$week/.done" ]]; then
    say "writing the example week (${example_args[*]}) to $week"
    rm -rf "$week"
    "$cli" example "${example_args[@]}" "$week"
    touch "$week/.done"
fi

# time_one ARGS... prints "seconds peak_kb" of one run of the CLI.
time_one() {
    local out
    out="$(mktemp)"
    /usr/bin/time -f '%e %M' -o "$out" "$cli" "$@" >/dev/null 2>&1
    tail -n 1 "$out"
    rm -f "$out"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

before=()
after=()
before_kb=()
after_kb=()
for ((i = 1; i <= runs; i++)); do
    read -r s kb < <(time_one analyze --json --no-geo --no-hunt "$week")
    before+=("$s")
    before_kb+=("$kb")
    read -r s2 kb2 < <(time_one analyze --json --no-geo "$week")
    after+=("$s2")
    after_kb+=("$kb2")
    say "run $i: before $s s (${kb} KB), after $s2 s (${kb2} KB)"
done
hunt_secs=()
for ((i = 1; i <= runs; i++)); do
    line="$(FLOWLENS_TIMING=1 "$cli" hunt "$week" --top 1 2>&1 >/dev/null | grep '^timing:' || true)"
    hunt_secs+=("$(sed -n 's/.*hunt \([0-9.]*\) s.*/\1/p' <<<"$line")")
done

mb=$(printf '%s\n' "${before[@]}" | median)
ma=$(printf '%s\n' "${after[@]}" | median)
mbk=$(printf '%s\n' "${before_kb[@]}" | median)
mak=$(printf '%s\n' "${after_kb[@]}" | median)
mh=$(printf '%s\n' "${hunt_secs[@]}" | median)
printf '\nweek: %s (%s runs each, alternating)\n' "${example_args[*]}" "$runs"
printf '  analyze --json, no hunt (before): median %s s, peak %s KB\n' "$mb" "$mbk"
printf '  analyze --json, with hunt (after): median %s s, peak %s KB\n' "$ma" "$mak"
printf '  the hunt alone (its own time):     median %s s\n' "$mh"
awk -v a="$ma" -v b="$mb" 'BEGIN { printf "  after / before: %.3f (the hunt adds %.1f %%; the goal is at most 30 %%)\n", a / b, 100 * (a / b - 1) }'
