"""`mizan-lang check`, `diff` and `breaking` without typer, for the common
plain command lines.

typer and click cost ~40 ms of imports and parsing on every run, a third of a
cached check. `check PATH... [--format text|json] [-f ...] [--no-excerpt]
[--no-cache]` with existing paths, and `diff`/`breaking` with OLD NEW or
--against REV and their --format/--fail-on/--additions, are read here;
anything else (help, an unknown option, a missing path, no path) goes to
typer, which words the errors and the usage the same way as for every other
command.
"""

from __future__ import annotations

import os
import sys

FORMATS = ("text", "json")  # `--format github` and the rest: typer


def check_command(args: list[str], *, exit_when_done: bool = False) -> int | None:
    """Run `check` with these arguments (those after `check`) and return the exit
    code; None when typer should read them instead. With `exit_when_done` (the
    process runs just this command) the process ends here once the output is
    written (`exit_now`)."""
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
        # Strings, not Paths: pathlib (and urllib.parse, fnmatch, re through it)
        # costs ~6 ms of a cold check; the roots are normalised as keys anyway.
        checked = check_paths(paths, cache=cache)
        failed = report(checked, checked.lookup, checked.file_count,
                        output=OutputFormat(output), excerpt=excerpt)
    except BrokenPipeError:
        silence_stdout()
        return 1
    code = 1 if failed else 0
    return exit_now(code) if exit_when_done else code


def exit_now(code: int) -> int:
    """End the process with `code` while the check's objects are still held
    (the result, the workspace cache's files): freeing a large spec's objects
    one by one and tearing the interpreter down cost ~0.4 s at 10,000
    functions, and the OS frees it all at once.
    Returns `code` (the process then ends the usual way) only when the output
    cannot be flushed, so that the interpreter reports that as always."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return code
    os._exit(code)


def review_command(name: str, args: list[str], *, exit_when_done: bool = False) -> int | None:
    """Run `diff` or `breaking` (`name`) with the arguments after it; None when
    typer should read them (help, an unknown option or value, a usage error,
    a project config with problems to report). `exit_when_done`: as for
    `check_command`."""
    from .reviewed import FAIL_LEVELS, FORMATS

    paths: list[str] = []
    against: str | None = None
    output, fail_on, additions = "text", "none" if name == "diff" else "breaking", name == "diff"
    items = iter(args)
    for arg in items:
        option, equals, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if option in ("--against", "-a", "--format", "-f", "--fail-on"):
            value = inline if equals else next(items, None)
            if not value:
                return None
            if option in ("--against", "-a"):
                against = value
            elif option == "--fail-on":
                if value not in FAIL_LEVELS:
                    return None
                fail_on = value
            elif value not in FORMATS:
                return None
            else:
                output = value
        elif arg == "--additions" and name == "breaking":
            additions = True
        elif arg.startswith("-") or not arg:
            return None
        else:
            paths.append(arg)
    if (against is None and len(paths) != 2) or not all(os.path.exists(p) for p in paths):
        return None
    from . import config as project

    found = project.find()
    config = None
    if found is not None:
        config = project.load(found)
        if config.diagnostics:
            return None
    from .cli_common import silence_stdout
    from .reviewed import review_paths

    held: list = []  # the sides, alive until `exit_now` ends the process
    try:
        code = review_paths(paths, against, output, fail_on, additions=additions,
                            config=config, held=held)
    except BrokenPipeError:
        silence_stdout()
        return 1
    return exit_now(code) if exit_when_done else code
