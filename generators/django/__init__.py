"""The Django server target.

Writes the shared Python server modules (`generators/python_common`, the
same bytes the FastAPI target writes) and `django_app.py`, whose
`DjangoServer(service, secret=...)` serves the protocol's routes as Django
URL patterns (`.urls`) and Django's ASGI application (`.asgi_application()`),
and, when the spec has models, `django_models.py` (Django models) and
`django_shapes.py` (the shapes as django-readers specs).
"""

from __future__ import annotations

from mizan_lang.gen.files import GeneratedFile
from mizan_lang.gen.templates import render_file
from mizan_lang.plan import Plan

from ..python_common import LABEL, common_files, scaffold_file
from .forms_view import forms_view
from .orm_view import orm_view, shapes_view
from .view import app_view, apps_view


class DjangoTarget:
    name = "django"
    description = "Django server package (URL patterns, async views, ASGI application)"
    # Header labels of the files this target writes (its own and the shared ones).
    labels = ("django", LABEL)

    def generate(self, plan: Plan) -> list[GeneratedFile]:
        own = [
            render_file(__name__, "django_app.py.j2", app_view(plan), path="django_app.py",
                        target=self.name, syntax="python"),
            render_file(__name__, "django_forms.py.j2", forms_view(plan),
                        path="django_forms.py", target=self.name, syntax="python"),
        ]
        own.append(render_file(__name__, "apps.py.j2", apps_view(plan), path="apps.py",
                               target=self.name, syntax="python"))
        if plan.ir.models:  # Django models, and the shapes loaded from them
            own.append(render_file(__name__, "django_models.py.j2", orm_view(plan),
                                   path="django_models.py", target=self.name, syntax="python"))
            own.append(render_file(__name__, "django_shapes.py.j2", shapes_view(plan),
                                   path="django_shapes.py", target=self.name, syntax="python"))
        return sorted([*common_files(plan), *own], key=lambda f: f.path)

    def scaffold(self, plan: Plan, *, package: str, path: str) -> GeneratedFile:
        return scaffold_file(plan, package=package, path=path)


TARGET = DjangoTarget()
