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

# The starter's method bodies, put into the scaffolded implementation.
BODIES = {
    "list_todos": "return [TODOS[key] for key in sorted(TODOS)]",
    "add_todo": ("todo = models.Todo(id=len(TODOS) + 1, title=title, done=False)\n"
                 "TODOS[todo.id] = todo\n"
                 "return todo"),
    "complete_todo": ("if id not in TODOS:\n"
                      "    raise MizanError(\"not_found\", {\"id\": id})\n"
                      "TODOS[id] = TODOS[id].model_copy(update={\"done\": True})\n"
                      "return TODOS[id]"),
}
STORE = ("# The starter keeps its to-dos in memory: replace with your database.\n"
         "TODOS: dict[int, models.Todo] = {}\n\n\n")


def implementation(scaffolded: str) -> str:
    """The scaffolded module with the starter's bodies instead of NotImplementedError."""
    text = scaffolded.replace("import Caller\n", "import Caller, MizanError\n", 1)
    text = text.replace("class Implementation(", STORE + "class Implementation(", 1)
    for name, body in BODIES.items():
        stub = f'        raise NotImplementedError("{name}")\n'
        indented = "".join(f"        {line}\n" for line in body.splitlines())
        if stub not in text:
            raise ValueError(f"the scaffold has no stub for {name}")
        text = text.replace(stub, indented, 1)
    return text


APP = '''\
"""The app: `uvicorn app:app --reload`.

Set MIZAN_SECRET (32+ random bytes) in production; without it a fresh secret
is made at each start, so sessions and tokens do not survive a restart.
"""

from __future__ import annotations

import os
import secrets

from api.fastapi_app import create_app
from impl import Implementation

SECRET = os.environ.get("MIZAN_SECRET") or secrets.token_urlsafe(32)

app = create_app(Implementation(), secret=SECRET)
'''

README = """\
# My API

Made with `mizan-lang init`. The spec is `spec/main.mizan`; `api/` is
generated from it (do not edit), `impl.py` is yours.

    pip install mizan-lang 'mizan-runtime[fastapi]'
    uvicorn app:app --reload          # run it
    mizan-lang check                  # check the spec (add --watch while editing)
    mizan-lang gen                    # regenerate api/ after editing the spec
    mizan-lang gen --check            # in CI: fails when api/ is stale
"""

FILES = (("mizan.toml", CONFIG), ("spec/main.mizan", SPEC), ("app.py", APP),
         ("README.md", README))


def starter_files() -> list[tuple[str, str]]:
    """Every starter file: the fixed ones and impl.py, scaffolded from the starter spec."""
    from .gen.targets import get_target
    from .plan import build_plan
    from .review.sides import from_texts

    side = from_texts({"spec/main.mizan": SPEC}, "init")
    assert side.model is not None  # checked just now
    plan = build_plan(side.model)
    scaffolded = get_target("fastapi").scaffold(plan, package="api", path="impl.py")
    return [*FILES[:2], ("impl.py", implementation(scaffolded.data.decode("utf-8"))),
            *FILES[2:]]


def create(folder: Path) -> tuple[list[str], list[str]]:
    """Write the starter files that do not exist yet: (created, kept)."""
    created, kept = [], []
    for name, text in starter_files():
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
