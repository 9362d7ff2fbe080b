#!/usr/bin/env bash
# Reading a week whose files overlap in time, against the same week without overlaps.
# AWS cuts files by delivery window, and a record's interval can cross it: a file then
# starts before the previous one ends, and every such pair is checked for records both
# hold (`input.folded`). The example week's files never overlap, so this benchmark
# makes a copy where each does. A benchmark, not a test: run it by hand.
#
#   bash scripts/overlap-bench.sh [--scale N] [--runs N] [--cli PATH]
#
#   --scale N    the example week's size (default 10: ~170 MB of text, ~1.5 M records)
#   --runs N     timed runs of each side, alternating (default 5; medians compared)
#   --cli PATH   time this flowlens binary instead of a fresh release build (an older
#                build, to compare before and after a change)
#
# The overlapping copy: in every file, its first record once more with start and end
# 120 s earlier (so its times reach into the previous file's), kept as the file's
# first line. Times `flowlens analyze --json --no-geo --no-hunt` on both weeks and
# checks that the copy reads one more record per file changed and folds none.
#
# Figures (2-core machine, scale 10, 1,008 files, median of 5, --no-hunt): before the
# fold keyed only the records inside both files' times (and hashed their fields
# directly), apart 0.48 s, overlapping 3.50 s (7.3x); after, 0.46 s and 0.49 s (1.07x).
set -euo pipefail
LIB_NAME=overlap-bench
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

scale=10
runs=5
cli=""
while (($#)); do
    case "$1" in
    --scale) scale="${2:-}"; shift 2 || die "--scale needs a value" ;;
    --runs) runs="${2:-}"; shift 2 || die "--runs needs a value" ;;
    --cli) cli="${2:-}"; shift 2 || die "--cli needs a value" ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
done
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (apt-get install time)"

if [[ -z "$cli" ]]; then
    say "building the CLI (release)"
    run_quiet "cargo build" cargo build --release -p flowlens-cli --bin flowlens
    cli="$ROOT/target/release/flowlens"
fi

dir="$ROOT/.cache/overlap-bench/scale-$scale"
if [[ ! -f "$dir/.done" ]]; then
    say "writing the example week at scale $scale and its overlapping copy to $dir"
    rm -rf "$dir"
    "$cli" example --scale "$scale" "$dir/plain" >/dev/null
    cp -r "$dir/plain" "$dir/overlap"
    python3 - "$dir/overlap" <<'EOF'
import gzip, pathlib, sys
changed = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.log.gz")):
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    if len(lines) < 2:
        continue
    fields = lines[1].split(" ")
    # start and end are the 11th and 12th fields of the default format
    fields[10] = str(int(fields[10]) - 120)
    fields[11] = str(int(fields[11]) - 120)
    lines.insert(1, " ".join(fields))
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6))
    changed += 1
(pathlib.Path(sys.argv[1]) / ".changed").write_text(str(changed))
EOF
    touch "$dir/.done"
fi

# time_one DIR prints "seconds peak_kb" of one run and keeps its report in DIR.json.
time_one() {
    local out
    out="$(mktemp)"
    /usr/bin/time -f '%e %M' -o "$out" "$cli" analyze --json --no-geo --no-hunt "$1" >"$1.json" 2>/dev/null
    tail -n 1 "$out"
    rm -f "$out"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

plain=()
overlap=()
for ((i = 1; i <= runs; i++)); do
    read -r a akb < <(time_one "$dir/plain")
    read -r b bkb < <(time_one "$dir/overlap")
    plain+=("$a")
    overlap+=("$b")
    say "run $i: plain $a s (${akb} KB), overlapping $b s (${bkb} KB)"
done
python3 - "$dir/plain.json" "$dir/overlap.json" "$dir/overlap/.changed" <<'EOF'
import json, sys
plain, overlap = (json.load(open(p))["input"] for p in sys.argv[1:3])
want = plain["records"] + int(open(sys.argv[3]).read())
ok = overlap["records"] == want and overlap["folded"] == 0
print(f"records: plain {plain['records']}, overlapping {overlap['records']} "
      f"(expected {want}), folded {overlap['folded']}: {'ok' if ok else 'WRONG'}")
sys.exit(0 if ok else 1)
EOF
mp=$(printf '%s\n' "${plain[@]}" | median)
mo=$(printf '%s\n' "${overlap[@]}" | median)
printf '\nscale %s, %s runs each, alternating\n' "$scale" "$runs"
printf '  files apart:       median %s s\n' "$mp"
printf '  files overlapping: median %s s\n' "$mo"
awk -v a="$mo" -v b="$mp" 'BEGIN { printf "  overlapping / apart: %.2f\n", a / b }'
