#!/usr/bin/env bash
# The run command: builds the page (release) into dist/ and serves it on this machine
# only, at http://127.0.0.1:8080/ (FLOWLENS_PORT=NNNN picks another port).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PORT="${FLOWLENS_PORT:-8080}"
[[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT > 0 && PORT < 65536)) ||
    { echo "serve.sh: FLOWLENS_PORT must be a port number, got '$PORT'" >&2; exit 2; }

bash scripts/setup.sh

export PATH="$ROOT/tests/browser/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

trunk build --release

echo "flowlens is at http://127.0.0.1:$PORT/"
exec python3 -m http.server --bind 127.0.0.1 "$PORT" --directory dist
