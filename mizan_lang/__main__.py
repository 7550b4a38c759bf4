"""`mizan-lang` / `python -m mizan_lang`: the command-line entry point.

`--version` is answered here, before typer or anything heavy is imported,
so that it (and shell completion probes) return in a few milliseconds.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (None: this process's own, which then ends
    with the command: a plain `check`, `diff` or `breaking` exits as soon as its
    output is written)."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args in (["--version"], ["-V"]):
        from . import __version__

        sys.stdout.write(f"mizan-lang {__version__}\n")
        return 0
    if args in (["lsp"], ["lsp", "--stdio"]):
        # The language server answers `initialize` before its heavy imports
        # (lsp_boot); `mizan-lang lsp --help` and other options go through typer.
        from .lsp_boot import main as serve

        return serve()
    # A command runs once and exits: the cycle collector would only re-scan
    # the spec's many small objects (reference counting frees what is freed).
    # The long-running language server switches it back on.
    import gc

    from .ahead import seed

    gc.disable()
    seed()  # the regular expressions, compiled ahead
    if args[:1] == ["check"]:
        from .fastpath import check_command

        code = check_command(args[1:], exit_when_done=argv is None)
        if code is not None:
            return code
    if args[:1] in (["breaking"], ["diff"]):
        from .fastpath import review_command

        code = review_command(args[0], args[1:], exit_when_done=argv is None)
        if code is not None:
            return code
    from .cli import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
