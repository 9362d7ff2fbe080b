# Shared by the scripts in scripts/: the project root, the tools on PATH, and small
# helpers. Source it (`source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"`); it defines
# functions and variables only and runs nothing else.
#
# Every detection helper here answers "not installed" with an empty string and status 0,
# never with a failure: callers use them inside `$(...)` under `set -euo pipefail`, where
# a failing command substitution would end the script (scripts/tests/setup.test.sh checks
# each for a tool or package that is missing, unknown or of the wrong version).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# npm-installed tools: wasm-opt (scripts/tools) for Trunk; cargo-installed: trunk and
# wasm-bindgen.
export PATH="$ROOT/scripts/tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Trunk must not ask the network for its latest version.
export TRUNK_SKIP_VERSION_CHECK=true

# The name the messages start with (the calling script's, without .sh).
LIB_NAME="${LIB_NAME:-$(basename "${BASH_SOURCE[1]:-flowlens}" .sh)}"

say() { printf '%s: %s\n' "$LIB_NAME" "$*" >&2; }
die() {
    printf '%s: error: %s\n' "$LIB_NAME" "$*" >&2
    exit 1
}

# run_quiet WHAT CMD... runs CMD with its output kept in a log; on failure prints the
# command and the end of the log, and exits.
run_quiet() {
    local what=$1
    shift
    local log
    log="$(mktemp)"
    if ! "$@" >"$log" 2>&1; then
        printf '%s: error: %s failed\n  command: %s\n  ---- last 60 lines of its output ----\n' \
            "$LIB_NAME" "$what" "$*" >&2
        tail -n 60 "$log" | sed 's/^/  /' >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
}

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# tool_version CMD prints the second word of `CMD --version` ("trunk 0.21.14" -> 0.21.14),
# or nothing when CMD is missing or broken.
tool_version() {
    command -v "$1" >/dev/null 2>&1 || return 0
    { "$1" --version 2>/dev/null || true; } | awk 'NR == 1 { print $2 }'
}

# package_version PKG prints the installed version of the Debian package PKG, or nothing
# when dpkg does not know it, knows it but it is not installed, or dpkg is missing.
# (`dpkg-query -W` exits 1 for an unknown package.)
package_version() {
    command -v dpkg-query >/dev/null 2>&1 || return 0
    { dpkg-query -W -f='${db:Status-Status} ${Version}\n' "$1" 2>/dev/null || true; } |
        awk '$1 == "installed" { print $2 }'
}

# npm_package_version DIR NAME prints the version of the npm package NAME installed in
# DIR/node_modules, or nothing.
npm_package_version() {
    local manifest="$1/node_modules/$2/package.json"
    [[ -f "$manifest" ]] || return 0
    sed -nE 's/^[[:space:]]*"version":[[:space:]]*"([^"]+)".*/\1/p' "$manifest" | head -n 1
}

# node_major prints the major version of node, or nothing when node is missing.
node_major() {
    command -v node >/dev/null 2>&1 || return 0
    { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; } | head -n 1
}

# python_module_version PYTHON MODULE prints MODULE.__version__ as PYTHON sees it, or
# nothing (no such python, no such module).
python_module_version() {
    [[ -x "$1" ]] || return 0
    "$1" -c "import $2; print($2.__version__)" 2>/dev/null || true
}

# pip_pinned VENV MODULE VERSION makes VENV (a Python venv, created when missing) hold
# MODULE at exactly VERSION, installing it with pip only when it is not there.
pip_pinned() {
    local venv=$1 module=$2 version=$3
    if [[ ! -x "$venv/bin/python" ]]; then
        say "creating a Python venv in ${venv#"$ROOT"/}"
        run_quiet "python3 -m venv" python3 -m venv "$venv" ||
            die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
    fi
    if [[ "$(python_module_version "$venv/bin/python" "$module")" != "$version" ]]; then
        say "installing $module $version (pip, into ${venv#"$ROOT"/})"
        run_quiet "pip install $module" "$venv/bin/python" -m pip install \
            --disable-pip-version-check -q "$module==$version"
    fi
}

# lock_hash FILE... prints one hash of the files' contents (a stamp of an npm install).
lock_hash() {
    cat "$@" | sha256sum | awk '{ print $1 }'
}

# npm_ci_if_changed DIR WHAT ensures DIR/node_modules holds exactly DIR's package-lock:
# `npm ci` when the lock changed since the last install (a stamp records its hash) or a
# package named in package.json is missing.
npm_ci_if_changed() {
    local dir=$1 what=$2
    [[ -f "$dir/package-lock.json" ]] || die "$dir/package-lock.json is missing (run npm install there and commit it)"
    local hash stamp="$dir/node_modules/.flowlens-install-stamp" name missing=0
    hash="$(lock_hash "$dir/package.json" "$dir/package-lock.json")"
    for name in $(node -e 'for (const n of Object.keys(require(process.argv[1]).dependencies || {})) console.log(n)' "$dir/package.json"); do
        [[ -n "$(npm_package_version "$dir" "$name")" ]] || missing=1
    done
    if [[ "$(cat "$stamp" 2>/dev/null || true)" != "$hash" ]] || ((missing)); then
        say "installing $what (npm ci in ${dir#"$ROOT"/})"
        # --ignore-scripts: nothing may download a browser; no package here needs a script.
        run_quiet "npm ci (in ${dir#"$ROOT"/})" npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund
        printf '%s\n' "$hash" >"$stamp"
    fi
}
