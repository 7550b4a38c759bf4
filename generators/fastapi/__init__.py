"""The FastAPI server target.

Writes the shared Python server modules (`generators/python_common`),
`fastapi_app.py`, whose `create_app(service, secret=...)` serves the
protocol's routes with FastAPI, and, when the spec has models, `orm.py`
(SQLAlchemy 2 models) and `shapes.py` (the shapes as SQLAlchemy loads).
"""

from __future__ import annotations

from mizan_lang.gen.files import GeneratedFile
from mizan_lang.gen.templates import render_file
from mizan_lang.plan import Plan

from ..python_common import LABEL, common_files, scaffold_file
from .orm_view import orm_view, shapes_view
from .view import app_view


class FastApiTarget:
    name = "fastapi"
    description = "FastAPI server package (pydantic models, service interface, app factory)"
    # Header labels of the files this target writes (its own and the shared ones).
    labels = ("fastapi", LABEL)

    def generate(self, plan: Plan) -> list[GeneratedFile]:
        files = [render_file(__name__, "fastapi_app.py.j2", app_view(plan),
                             path="fastapi_app.py", target=self.name, syntax="python")]
        if plan.ir.models:  # SQLAlchemy models, and the shapes loaded from them
            files.append(render_file(__name__, "orm.py.j2", orm_view(plan), path="orm.py",
                                     target=self.name, syntax="python"))
            files.append(render_file(__name__, "shapes.py.j2", shapes_view(plan),
                                     path="shapes.py", target=self.name, syntax="python"))
        return sorted([*common_files(plan), *files], key=lambda f: f.path)

    def scaffold(self, plan: Plan, *, package: str, path: str) -> GeneratedFile:
        return scaffold_file(plan, package=package, path=path)


TARGET = FastApiTarget()
