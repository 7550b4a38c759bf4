"""`mizan-lang fmt`: rewrite .mizan files in the canonical style."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import SourceCache, emit_diagnostics, expand_paths, write_stderr, write_stdout

FMT_EPILOG = """\
The style: 4-space indent, one node per line, single spaces, arguments
before properties (each in source order), strings bare when they can be,
numbers as written, at most one blank line in a row. Every comment and
slashdashed part is kept in place. Files with syntax errors are left alone
and their diagnostics shown (exit 1). `-` formats stdin to stdout.

Exit codes: 0 done (or nothing to change), 1 syntax errors, or files that
need formatting with --check, 2 usage error.

Examples:

  mizan-lang fmt examples/shop

  mizan-lang fmt --check .          # CI: list files that need formatting

  mizan-lang fmt --diff api/main.mizan
"""


def register(app: typer.Typer) -> None:
    @app.command(epilog=FMT_EPILOG)
    def fmt(
        paths: Annotated[list[Path], typer.Argument(
            show_default=False, metavar="PATH",
            help="Files or folders (every *.mizan under a folder); `-` for stdin.")],
        check: Annotated[bool, typer.Option(
            "--check", help="Write nothing; list files that would change and exit 1 if any.")
        ] = False,
        diff: Annotated[bool, typer.Option(
            "--diff", help="Write nothing; print a unified diff of the changes.")] = False,
    ) -> None:
        """Format .mizan files in the canonical style (comments kept)."""
        if [str(p) for p in paths] == ["-"]:
            raise typer.Exit(_format_stdin(check=check, diff=diff))
        files = expand_paths(paths)
        failed = changed = 0
        for path in files:
            outcome = _format_file(path, check=check, diff=diff)
            failed += outcome == "failed"
            changed += outcome == "changed"
        _summary(changed, len(files) - changed - failed, failed, dry=check or diff)
        raise typer.Exit(1 if failed or (check and changed) else 0)


def _format_file(path: str, *, check: bool, diff: bool) -> str:
    """Format one file; returns "changed", "unchanged" or "failed"."""
    from .fmt import format_source
    from .source import decode_source

    try:
        data = Path(path).read_bytes()
    except OSError as err:
        write_stderr(f"mizan-lang: error: cannot read '{path}': {err.strerror}\n")
        return "failed"
    text, problems = decode_source(data)
    if problems:
        _report_decode(path, text, problems)
        return "failed"
    result = format_source(text)
    if result.text is None:
        if result.problem:
            write_stderr(f"mizan-lang: internal error: {path}: {result.problem}; "
                         "file left unchanged\n")
        else:
            for diag in result.diagnostics:
                diag.path = diag.path or path
            emit_diagnostics(result.diagnostics, SourceCache({path: text}), to_stderr=True)
        return "failed"
    if result.text == text:
        return "unchanged"
    if diff:
        write_stdout(_unified_diff(path, text, result.text))
    if check:
        write_stdout(path + "\n")
    if not (check or diff):
        try:
            Path(path).write_bytes(result.text.encode("utf-8"))
        except OSError as err:
            write_stderr(f"mizan-lang: error: cannot write '{path}': {err.strerror}\n")
            return "failed"
        write_stderr(f"reformatted {path}\n")
    return "changed"


def _format_stdin(*, check: bool, diff: bool) -> int:
    from .fmt import format_source
    from .source import decode_source

    text, problems = decode_source(sys.stdin.buffer.read())
    if problems:
        _report_decode("<stdin>", text, problems)
        return 1
    result = format_source(text)
    if result.text is None:
        if result.problem:
            write_stderr(f"mizan-lang: internal error: <stdin>: {result.problem}\n")
        for diag in result.diagnostics:
            diag.path = diag.path or "<stdin>"
        emit_diagnostics(result.diagnostics, SourceCache({"<stdin>": text}), to_stderr=True)
        return 1
    if diff:
        write_stdout(_unified_diff("<stdin>", text, result.text))
    elif not check:
        write_stdout(result.text)
    return 1 if check and result.text != text else 0


def _report_decode(path: str, text: str, problems: list[tuple[int, str]]) -> None:
    from .diagnostics import make
    from .source import Span

    diags = [make("K001", Span(at, at + 1), path=path, detail=what) for at, what in problems]
    emit_diagnostics(diags, SourceCache({path: text}), to_stderr=True)


def _unified_diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _summary(changed: int, unchanged: int, failed: int, *, dry: bool) -> None:
    def files(count: int) -> str:
        return f"{count} file" if count == 1 else f"{count} files"

    parts = [f"{files(changed)} {'would be reformatted' if dry else 'reformatted'}",
             f"{files(unchanged)} already formatted"]
    if failed:
        parts.append(f"{files(failed)} not formatted (errors)")
    write_stderr(", ".join(parts) + "\n")
