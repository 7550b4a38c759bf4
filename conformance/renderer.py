"""The SSR renderer the conformance servers run as a subprocess.

Reads a context bundle (JSON) on stdin and writes a small HTML page on
stdout; a board numbered 666 makes it fail, so that a broken renderer can
be probed too.
"""

from __future__ import annotations

import html
import json
import sys


def main() -> int:
    raw = sys.stdin.buffer.read()
    bundle = json.loads(raw)
    if bundle.get("params", {}).get("board_id") == "666":
        sys.stderr.write("refusing board 666\n")
        return 3
    page = (f"<!doctype html><title>{html.escape(bundle['context'])}</title>"
            f"<pre>{html.escape(raw.decode('utf-8'))}</pre>\n")
    sys.stdout.buffer.write(page.encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
