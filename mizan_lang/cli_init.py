"""`mizan-lang init [DIR]`: a working starter project, never overwriting anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cli_common import write_stderr

INIT_EPILOG = """\
Creates, in DIR (default: the current folder): mizan.toml (the spec root
and the FastAPI target), spec/main.mizan (a small to-do list API), the
generated package api/, impl.py (the implementation of the service, yours
to edit), app.py (the app) and README.md (how to run it). A file that
already exists is left as it is and named on stderr.

Then:

  cd DIR && uvicorn app:app --reload
"""

CONFIG = """\
# The mizan-lang project: `mizan-lang check`, `mizan-lang gen` (and
# `gen --check` in CI) read it from this folder or any folder below.

roots = ["spec"]

[targets.fastapi]
out = "api"

# More targets, each with its output folder:
# [targets.ts]
# out = "web/src/api"
"""

SPEC = """\
mizan 1

// A starter spec: a shared to-do list. Edit it, then run `mizan-lang gen`.

type Todo {
    field id int
    field title str
    field done bool
}

context todos auth=public {
    doc "The list every visitor sees."
}

fn list_todos context=todos returns=list<Todo>

fn add_todo affects=todos returns=Todo {
    param title str
}

fn complete_todo affects=todos returns=Todo {
    param id int
}
"""

IMPLEMENTATION = '''\
"""The implementation of the service: yours to edit (in memory here).

`mizan-lang gen` rewrites the package api/ from spec/; this file is never
regenerated. When the spec gains a function, add its method here (the app
refuses to start without it); `mizan-lang scaffold` shows every signature.
"""

from __future__ import annotations

from api import models
from api.dispatch import Caller, MizanError
from api.service import Service


class Implementation(Service):
    def __init__(self) -> None:
        self.todos: dict[int, models.Todo] = {}

    def list_todos(self, caller: Caller) -> list[models.Todo]:
        return [self.todos[key] for key in sorted(self.todos)]

    def add_todo(self, caller: Caller, *, title: str) -> models.Todo:
        todo = models.Todo(id=len(self.todos) + 1, title=title, done=False)
        self.todos[todo.id] = todo
        return todo

    def complete_todo(self, caller: Caller, *, id: int) -> models.Todo:
        if id not in self.todos:
            raise MizanError("not_found", {"id": id})
        todo = self.todos[id].model_copy(update={"done": True})
        self.todos[id] = todo
        return todo
'''

APP = '''\
"""The app: `uvicorn app:app --reload`. Set MIZAN_SECRET in production."""

from __future__ import annotations

import os

from api.fastapi_app import create_app
from impl import Implementation

app = create_app(Implementation(), secret=os.environ.get("MIZAN_SECRET", "dev-only-secret"))
'''

README = """\
# My API

Made with `mizan-lang init`. The spec is `spec/main.mizan`; `api/` is
generated from it (do not edit), `impl.py` is yours.

    pip install mizan-lang fastapi uvicorn pyjwt python-multipart
    uvicorn app:app --reload          # run it
    mizan-lang check                  # check the spec (add --watch while editing)
    mizan-lang gen                    # regenerate api/ after editing the spec
    mizan-lang gen --check            # in CI: fails when api/ is stale
"""

FILES = (("mizan.toml", CONFIG), ("spec/main.mizan", SPEC), ("impl.py", IMPLEMENTATION),
         ("app.py", APP), ("README.md", README))


def create(folder: Path) -> tuple[list[str], list[str]]:
    """Write the starter files that do not exist yet: (created, kept)."""
    created, kept = [], []
    for name, text in FILES:
        path = folder / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except FileExistsError:
            kept.append(name)
            continue
        created.append(name)
    return created, kept


def register(app: typer.Typer) -> None:
    @app.command(epilog=INIT_EPILOG)
    def init(
        folder: Annotated[Path, typer.Argument(
            metavar="[DIR]", help="Where to create the project (created if missing).")
        ] = Path("."),
    ) -> None:
        """Create a starter project: config, spec, generated API and implementation."""
        from . import config as project
        from .cli_gen import generate_configured

        if folder.exists() and not folder.is_dir():
            write_stderr(f"mizan-lang: error: '{folder}' is not a folder\n")
            raise typer.Exit(1)
        try:
            created, kept = create(folder)
        except OSError as err:
            write_stderr(f"mizan-lang: error: cannot write under '{folder}': {err.strerror}\n")
            raise typer.Exit(1) from None
        for name in created:
            write_stderr(f"created {(folder / name).as_posix()}\n")
        for name in kept:
            write_stderr(f"{(folder / name).as_posix()} exists: left unchanged\n")
        config = project.load(str(folder / project.FILENAME))
        if not config.ok:
            write_stderr("mizan-lang: error: the existing mizan.toml has problems; "
                         "run `mizan-lang check` there\n")
            raise typer.Exit(1)
        code = generate_configured(config, paths=None, check=False, diff=False)
        if code == 0:
            where = "" if folder == Path(".") else f"cd {folder.as_posix()} && "
            write_stderr(f"\nrun it: {where}uvicorn app:app --reload\n")
        raise typer.Exit(code)
