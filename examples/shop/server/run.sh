#!/usr/bin/env bash
# The shop, from a fresh checkout, in one command: `bash examples/shop/server/run.sh`.
#
# Installs mizan-lang and the runtime in a virtualenv (.venv, or $VENV), generates
# the shop's FastAPI server, starts it on SQLite with sample data, asks it for a
# product page's context bundle, and stops it. docs/tutorial.md explains each step.
# MIZAN_SKIP_INSTALL=1 reuses $VENV as it is (the test suite does).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
WORK="${WORK:-$(mktemp -d)}"
PORT="${PORT:-8765}"

if [ "${MIZAN_SKIP_INSTALL:-0}" != 1 ]; then
    echo "== installing mizan-lang and mizan-runtime[fastapi] into $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "$ROOT" "$ROOT/runtimes/python[fastapi]"
fi

echo "== generating the shop's server into $WORK/shop_api"
"$VENV/bin/python" -m mizan_lang gen "$ROOT/examples/shop" --target fastapi --out "$WORK/shop_api"
cp "$ROOT/examples/shop/server/app.py" "$ROOT/examples/shop/server/shop_impl.py" "$WORK/"

echo "== starting it on http://127.0.0.1:$PORT (SQLite in memory, sample data)"
(cd "$WORK" && exec "$VENV/bin/python" -m uvicorn app:app --host 127.0.0.1 --port "$PORT" \
    --log-level warning) &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT

fetch() {  # curl when there is one, else Python's urllib
    if command -v curl >/dev/null 2>&1; then
        curl --silent --show-error --fail "$1"
    else
        "$VENV/bin/python" -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' "$1"
    fi
}

for _ in $(seq 100); do
    fetch "http://127.0.0.1:$PORT/api/mizan/manifest/" >/dev/null 2>&1 && break
    sleep 0.1
done

echo "== curl http://127.0.0.1:$PORT/api/mizan/ctx/product/?product_id=1"
fetch "http://127.0.0.1:$PORT/api/mizan/ctx/product/?product_id=1"
echo
echo "== stopping the server (serve it yourself: cd $WORK && $VENV/bin/uvicorn app:app)"
