#!/usr/bin/env bash
# The scale benchmark (issue 4, items 5 and 6; too slow for every CI run): the example
# week at --scale 60 (~1 GB of text, ~8.8 million records) given to the built page in
# headless Chromium. Prints time to ready, the longest main-thread task, the tab's peak
# memory and the comparison with `flowlens analyze --json`, then adds the week again
# until the page's record limit is passed and checks what it says.
#
#   bash scripts/scale.sh                      # builds the page and the CLI, then runs
#   FLOWLENS_SCALE=20 bash scripts/scale.sh    # a smaller week
#   FLOWLENS_SCALE_LIMIT=0 bash scripts/scale.sh   # skip the record-limit rounds
#   FLOWLENS_SKIP_BUILD=1 FLOWLENS_DIST=/some/dist bash scripts/scale.sh
#
# The week is written once to $FLOWLENS_SCALE_DIR (default $TMPDIR/flowlens-scale-<N>)
# and reused. Figures also go to $TMPDIR/flowlens-scale-<N>-figures.json.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh test

export FLOWLENS_DIST="${FLOWLENS_DIST:-$ROOT/dist}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [[ "${FLOWLENS_SKIP_BUILD:-0}" != 1 ]]; then
    trunk build --release --dist "$FLOWLENS_DIST"
    cargo build --release -p flowlens-cli --bin flowlens
fi
export FLOWLENS_CLI="${FLOWLENS_CLI:-$ROOT/target/release/flowlens}"

exec node tests/browser/scale.mjs
