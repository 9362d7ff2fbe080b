#!/usr/bin/env bash
# Builds the offline address table (IP -> country, autonomous system) that the CLI and
# the page use: target/geo/flowlens-geo.bin.
#
# Sources: the npm packages @ip-location-db/geo-whois-asn-country (CC0) and
# @ip-location-db/asn (CC BY 4.0), pinned in scripts/geo/package.json and its lock.
# `npm ci` installs exactly those (from the npm cache or registry; nothing else is
# downloaded), then `flowlens geo-build` compacts their CSV files into one binary range
# table (same inputs, same bytes).
#
# Idempotent: does nothing when the table is newer than the lock file and the flowlens
# sources that make it (crates/flowlens-core/src/geo, crates/flowlens-cli/src/geo.rs, Cargo.lock). Called by scripts/setup.sh.
# Override the output with FLOWLENS_GEO_OUT.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

readonly GEO_DIR="$ROOT/scripts/geo"
readonly OUT="${FLOWLENS_GEO_OUT:-$ROOT/target/geo/flowlens-geo.bin}"
readonly PACKAGES="$GEO_DIR/node_modules/@ip-location-db"

say() { printf 'geo: %s\n' "$*" >&2; }

up_to_date() {
    [[ -f "$OUT" ]] || return 1
    local input
    # Cargo.lock too: the flate2 backend it pins decides the deflated bytes.
    for input in "$GEO_DIR/package.json" "$GEO_DIR/package-lock.json" crates/flowlens-core/src/geo/*.rs crates/flowlens-cli/src/geo.rs Cargo.lock; do
        [[ "$OUT" -nt "$input" ]] || return 1
    done
}

if up_to_date; then
    exit 0
fi

# The packages, exactly as locked (reinstalled when the lock changed).
stamp="$GEO_DIR/node_modules/.flowlens-install-stamp"
lock_hash="$(cat "$GEO_DIR/package.json" "$GEO_DIR/package-lock.json" | sha256sum | awk '{ print $1 }')"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ||
    ! -f "$PACKAGES/asn/asn-ipv4-num.csv" ||
    ! -f "$PACKAGES/geo-whois-asn-country/geo-whois-asn-country-ipv4-num.csv" ]]; then
    say "installing the ip-location-db packages (npm ci in scripts/geo)"
    npm ci --prefix "$GEO_DIR" --ignore-scripts --no-audit --no-fund >/dev/null
    printf '%s\n' "$lock_hash" >"$stamp"
fi

say "building $OUT"
cargo run --release --quiet -p flowlens-cli --bin flowlens -- geo-build "$PACKAGES" -o "$OUT"
