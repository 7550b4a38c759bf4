"""The `mizan-lang` command: a typer app whose commands live in `cli_*.py`.

Each command module has a `register(app)` function and keeps its heavy
imports (parser, checker, IR) inside the command body, so `--help` and every
command start quickly. To add a command (gen, lsp, scaffold, ...), write
`cli_<name>.py` with `register(app)` and add its module name to COMMANDS.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer

from . import __version__
from .cli_common import silence_stdout

# Order here is the order in `--help`.
COMMANDS = ("cli_init", "cli_check", "cli_ir", "cli_fmt", "cli_gen", "cli_review",
            "cli_scaffold", "cli_lsp")

HELP = """\
Authoring toolchain for Mizan API specs (.mizan files, KDL v2 syntax).

Check specs, print their canonical IR, format them, and generate servers.

Exit codes: 0 success (warnings allowed), 1 errors found (or, with
`fmt --check`, files need formatting), 2 usage error (bad option, missing path).
"""

EPILOG = """\
Examples:

  mizan-lang check examples/shop

  mizan-lang ir examples/shop/main.mizan --format json --out shop.ir.json

  mizan-lang fmt --check .

  mizan-lang gen examples/shop --target fastapi --out shop_api --check
"""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mizan-lang {__version__}")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="mizan-lang",
        help=HELP,
        epilog=EPILOG,
        no_args_is_help=True,
        add_completion=True,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _root(
        version: Annotated[bool, typer.Option(
            "--version", "-V", callback=_version, is_eager=True,
            help="Print the version and exit.")] = False,
    ) -> None:
        """Authoring toolchain for Mizan API specs."""

    for name in COMMANDS:
        importlib.import_module(f"{__package__}.{name}").register(app)
    return app


def run(args: list[str]) -> int:
    """Run the app on `args` and return the exit code instead of exiting."""
    app = build_app()
    try:
        app(args=args, prog_name="mizan-lang")
    except SystemExit as stop:
        code = stop.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        sys.stderr.write(f"{code}\n")
        return 1
    except BrokenPipeError:
        # `mizan-lang check . | head`: the reader left; not our error.
        silence_stdout()
        return 1
    return 0
