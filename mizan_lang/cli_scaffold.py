"""`mizan-lang scaffold`: create the user's implementation module, once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cli_check import Paths
from .cli_common import usage_error, write_stderr
from .cli_gen import TargetName, load_plan, resolve_target, target_help

SCAFFOLD_EPILOG = """\
Writes a module with a class implementing the generated service interface,
every method raising NotImplementedError. The file is yours: scaffold never
overwrites it (when it exists, nothing is written and the exit code is 0).
--package is the import path of the package `gen` wrote.

Examples:

  mizan-lang gen examples/shop --target fastapi --out shop_api

  mizan-lang scaffold examples/shop --target fastapi --package shop_api --out shop_impl.py
"""


def register(app: typer.Typer) -> None:
    @app.command(epilog=SCAFFOLD_EPILOG)
    def scaffold(
        paths: Paths,
        target: Annotated[TargetName, typer.Option(  # type: ignore[valid-type]
            "--target", "-t", help=target_help(), show_default=False)],
        out: Annotated[Path, typer.Option(
            "--out", "-o", dir_okay=False, help="The module to create.", show_default=False)],
        package: Annotated[str, typer.Option(
            "--package", "-p", help="Import path of the generated package.")] = "api",
    ) -> None:
        """Create the implementation module of the service (never overwritten)."""
        if not all(part.isidentifier() for part in package.split(".")):
            raise usage_error(f"--package '{package}' is not a Python import path")
        chosen = resolve_target(target.value)
        if out.exists():
            write_stderr(f"{out} exists: left unchanged (scaffold never overwrites)\n")
            raise typer.Exit(0)
        plan = load_plan(paths)
        file = chosen.scaffold(plan, package=package, path=out.name)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("xb") as handle:  # "x": never replace a file created meanwhile
                handle.write(file.data)
        except FileExistsError:
            write_stderr(f"{out} exists: left unchanged (scaffold never overwrites)\n")
            raise typer.Exit(0) from None
        except OSError as err:
            write_stderr(f"mizan-lang: error: cannot write '{out}': {err.strerror}\n")
            raise typer.Exit(1) from None
        write_stderr(f"created {out}\n")
        raise typer.Exit(0)
