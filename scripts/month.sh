#!/usr/bin/env bash
# The month in a tab (issue 16 item 4; a benchmark, not in .ci/run: it writes ~5.5 GB of
# text as ~0.5 GB of gzip and reads it for minutes): the example at --scale 80 over 30
# days (~50 million records, 4,320 .log.gz files, 50,000 scanner addresses) given to the
# built page in headless Chromium, through tests/browser/scale.mjs. Prints time to ready,
# the longest main-thread task and the tab's peak memory, and checks the month's goals:
# every record read, ready in <= 60 s, the tab's peak <= 2 GiB.
#
#   bash scripts/month.sh                       # builds the page and the CLI, then runs
#   FLOWLENS_MONTH_SCALE=40 bash scripts/month.sh   # a smaller month (~25 M records)
#   FLOWLENS_SKIP_BUILD=1 FLOWLENS_DIST=/some/dist bash scripts/month.sh
#
# The month is written once to $TMPDIR/flowlens-scale-<scale>-30d-50000 and reused.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export FLOWLENS_SCALE="${FLOWLENS_MONTH_SCALE:-80}"
export FLOWLENS_SCALE_DAYS=30
export FLOWLENS_SCALE_SCANNERS="${FLOWLENS_SCALE_SCANNERS:-50000}"
export FLOWLENS_SCALE_LIMIT=0
exec bash "$ROOT/scripts/scale.sh"
