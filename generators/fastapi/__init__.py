"""The FastAPI server target.

Writes the shared Python server modules (`generators/python_common`) and
`fastapi_app.py`, whose `create_app(service, secret=...)` serves the
protocol's routes with FastAPI.
"""

from __future__ import annotations

from mizan_lang.gen.files import GeneratedFile
from mizan_lang.gen.templates import render_file
from mizan_lang.plan import Plan

from ..python_common import LABEL, common_files, scaffold_file
from .view import app_view


class FastApiTarget:
    name = "fastapi"
    description = "FastAPI server package (pydantic models, service interface, app factory)"
    # Header labels of the files this target writes (its own and the shared ones).
    labels = ("fastapi", LABEL)

    def generate(self, plan: Plan) -> list[GeneratedFile]:
        app = render_file(__name__, "fastapi_app.py.j2", app_view(plan), path="fastapi_app.py",
                          target=self.name, syntax="python")
        return sorted([*common_files(plan), app], key=lambda f: f.path)

    def scaffold(self, plan: Plan, *, package: str, path: str) -> GeneratedFile:
        return scaffold_file(plan, package=package, path=path)


TARGET = FastApiTarget()
