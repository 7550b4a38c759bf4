"""`mizan-lang lsp`: run the language server on stdin/stdout."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("lsp")
    def lsp_command(
        stdio: bool = typer.Option(True, "--stdio/--no-stdio",
                                   help="Speak LSP over stdin/stdout (the only transport)."),
    ) -> None:
        """Run the language server (LSP over stdio) for editors.

        VS Code, Neovim and other LSP clients start it as `mizan-lang lsp`.
        """
        from mizan_lang.lsp.server import main

        main()
