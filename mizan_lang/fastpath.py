"""`mizan-lang check` without typer, for the common plain command lines.

typer and click cost ~40 ms of imports and parsing on every run, a third of a
cached check. `check PATH... [--format text|json] [-f ...] [--no-excerpt]
[--no-cache]` with existing paths is read here; anything else (help, an
unknown option, a missing path, no path) goes to typer, which words the
errors and the usage the same way as for every other command.
"""

from __future__ import annotations

import os
from pathlib import Path

FORMATS = ("text", "json")  # `--format github` and the rest: typer


def check_command(args: list[str]) -> int | None:
    """Run `check` with these arguments (those after `check`) and return the exit
    code; None when typer should read them instead."""
    paths: list[str] = []
    output, excerpt, cache = "text", True, True
    items = iter(args)
    for arg in items:
        if arg == "--no-excerpt":
            excerpt = False
        elif arg == "--no-cache":
            cache = False
        elif arg in ("--format", "-f") or arg.startswith("--format="):
            value = arg.partition("=")[2] if "=" in arg else next(items, None)
            if value not in FORMATS:
                return None
            output = value
        elif arg.startswith("-") or not arg:
            return None
        else:
            paths.append(arg)
    if not paths or not all(os.path.exists(path) for path in paths):
        return None
    from .checked import check_paths, report
    from .cli_common import OutputFormat, silence_stdout

    try:
        checked = check_paths([Path(path) for path in paths], cache=cache)
        failed = report(checked, checked.lookup, checked.file_count,
                        output=OutputFormat(output), excerpt=excerpt)
    except BrokenPipeError:
        silence_stdout()
        return 1
    return 1 if failed else 0
