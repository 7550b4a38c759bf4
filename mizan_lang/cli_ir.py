"""`mizan-lang ir`: print the canonical IR of a workspace (KDL or JSON)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .cli_check import NoCache, Paths, check_paths, report
from .cli_common import OutputFormat, write_stderr, write_stdout

if TYPE_CHECKING:
    from .cli_check import Checked

IR_EPILOG = """\
The IR is the resolved, canonical model every generator starts from; its
bytes are deterministic. When the workspace has errors, their diagnostics
go to stderr (formatted like `check`), nothing is written and the exit
code is 1. Warnings are shown on stderr and do not stop the IR.

Examples:

  mizan-lang ir examples/shop

  mizan-lang ir examples/shop --format json --out shop.ir.json
"""


class IrFormat(str, enum.Enum):
    kdl = "kdl"
    json = "json"


def _ir_text(checked: Checked, output: IrFormat, *, cache: bool) -> str:
    """The IR in `output`'s format: from the result cache, else built from the
    fresh check (and remembered in the cache)."""
    from . import result_cache

    if checked.entry is not None:
        return checked.entry.ir[output.value]
    assert checked.result is not None
    from .ir import build_ir, to_json, to_kdl

    model = build_ir(checked.result)
    text = to_json(model) if output == IrFormat.json else to_kdl(model)
    if cache:
        entry = result_cache.lookup(checked.roots)  # the entry check_paths just stored
        if entry is not None:
            result_cache.add_ir(entry, output.value, text)
    return text


def register(app: typer.Typer) -> None:
    @app.command(epilog=IR_EPILOG)
    def ir(
        paths: Paths,
        output: Annotated[IrFormat, typer.Option(
            "--format", "-f", help="Emit the IR as KDL or as JSON.")] = IrFormat.kdl,
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", dir_okay=False, help="Write the IR to this file instead of stdout.")
        ] = None,
        no_excerpt: Annotated[bool, typer.Option(
            "--no-excerpt", help="Show diagnostics without source excerpts.")] = False,
        no_cache: NoCache = False,
    ) -> None:
        """Print the canonical IR (the resolved model) of .mizan files."""
        checked = check_paths(paths, cache=not no_cache)
        if checked.entry is not None and output.value not in checked.entry.ir:
            # Cached diagnostics but not this IR: check afresh to build it.
            checked = check_paths(paths, cache=not no_cache, reuse=False)
        if checked.diagnostics:
            failed = report(checked, checked.lookup, checked.file_count,
                            output=OutputFormat.text, excerpt=not no_excerpt, to_stderr=True)
            if failed:
                raise typer.Exit(1)
        text = _ir_text(checked, output, cache=not no_cache)
        if out is None:
            write_stdout(text)
        else:
            try:
                out.write_bytes(text.encode("utf-8"))
            except OSError as err:
                write_stderr(f"mizan-lang: error: cannot write '{out}': {err.strerror}\n")
                raise typer.Exit(1) from None
        raise typer.Exit(0)
