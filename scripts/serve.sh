#!/usr/bin/env bash
# The run command: installs what building the page needs (scripts/setup.sh page), builds
# the page (release) into dist/ and serves it on this machine only, at
# http://127.0.0.1:8080/ (FLOWLENS_PORT=NNNN picks another port).
set -euo pipefail
LIB_NAME=serve
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PORT="${FLOWLENS_PORT:-8080}"
[[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT > 0 && PORT < 65536)) ||
    die "FLOWLENS_PORT must be a port number, got '$PORT'"

bash scripts/setup.sh page

say "building the page (trunk build --release)"
trunk build --release

say "flowlens is at http://127.0.0.1:$PORT/ (press Load the example week)"
exec python3 -m http.server --bind 127.0.0.1 "$PORT" --directory dist
