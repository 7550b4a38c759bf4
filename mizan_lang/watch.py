"""`--watch`: run a command once, then again each time a `.mizan` file under
the watched folders changes (watchfiles: native file events, not polling).
The project config is read once, when the command starts."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from .cli_common import write_stderr

WATCHED = (".mizan",)


def folders(paths: Iterable[str]) -> list[str]:
    """The folders to watch: each folder path, the parent of each file path."""
    found: dict[str, None] = {}
    for path in paths:
        folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
        found[os.path.abspath(folder)] = None
    return list(found)


def _relevant(_change: object, path: str) -> bool:
    return path.endswith(WATCHED)


def watch(paths: Iterable[str], run: Callable[[], int]) -> int:
    """Call `run` now and after every batch of changes; return on Ctrl-C."""
    from watchfiles import watch as changes_of

    run()
    roots = folders(paths)
    write_stderr(f"watching {', '.join(roots)} (Ctrl-C to stop)\n")
    for changes in changes_of(*roots, watch_filter=_relevant, raise_interrupt=False):
        names = sorted({os.path.basename(path) for _, path in changes})
        write_stderr(f"\n-- changed: {', '.join(names)}\n")
        try:
            run()
        except SystemExit:  # a command's usage error: keep watching
            pass
    return 0
