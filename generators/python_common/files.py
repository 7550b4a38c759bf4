"""Render the shared modules of a Python server target."""

from __future__ import annotations

import json

from mizan_lang.gen.files import GeneratedFile
from mizan_lang.gen.header import header_lines
from mizan_lang.gen.openapi import build_openapi
from mizan_lang.gen.templates import render_file
from mizan_lang.plan import Plan

from . import views

PACKAGE = __name__.rsplit(".", 1)[0]
# The header label of the shared modules: the same bytes whichever Python
# target writes them, so several targets can share one output package.
LABEL = "python"
# The mizan-runtime versions the generated code is written for: checked
# when the package is imported (`mizan_runtime.require`).
RUNTIME_RANGE = ">=0.1.0,<0.2.0"


def common_files(plan: Plan) -> list[GeneratedFile]:
    target = LABEL
    files = [
        render_file(PACKAGE, "__init__.py.j2",
                    {"range": RUNTIME_RANGE, "range_literal": json.dumps(RUNTIME_RANGE)},
                    path="__init__.py", target=target, syntax="python"),
        render_file(PACKAGE, "models.py.j2", views.models_view(plan), path="models.py",
                    target=target, syntax="python"),
        render_file(PACKAGE, "service.py.j2", views.service_view(plan), path="service.py",
                    target=target, syntax="python"),
        render_file(PACKAGE, "registry.py.j2", views.registry_view(plan), path="registry.py",
                    target=target, syntax="python"),
        render_file(PACKAGE, "spec.py.j2", views.spec_view(plan), path="spec.py",
                    target=target, syntax="python"),
        render_file(PACKAGE, "forms.py.j2", views.forms_view(plan), path="forms.py",
                    target=target, syntax="python"),
    ]
    files.append(manifest_file(plan))
    # One line per path and per schema: readable diffs, a third of the bytes.
    files.append(json_file("openapi.json", build_openapi(plan), "x-generated", review=True))
    return sorted(files, key=lambda f: f.path)


def manifest_file(plan: Plan) -> GeneratedFile:
    """`manifest.json`: the edge manifest of `GET manifest/` (default prefix)
    for edges configured at deploy time (readers ignore `_` members)."""
    return json_file("manifest.json", plan.manifest, "_generated")


def json_file(path: str, value: object, note_key: str, review: bool = False) -> GeneratedFile:
    """A JSON file. JSON has no comments, so the do-not-edit header is the
    first member, `note_key`, on the first line, where the writer looks for
    its marker (`x-generated` in OpenAPI, whose readers ignore `x-` members)."""
    note = " ".join(header_lines(LABEL))
    if not review:
        body = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)
    else:
        body = views.review_json(value).rstrip("\n")
    first = "{" + json.dumps(note_key) + ": " + json.dumps(note) + ","
    if body == "{}":
        return GeneratedFile(path, first[:-1] + "}\n")
    return GeneratedFile(path, first + body[1:] + "\n")


def scaffold_file(plan: Plan, *, package: str, path: str) -> GeneratedFile:
    """The user's implementation module: a class with every method raising
    NotImplementedError. Owned by the user from the moment it exists."""
    return render_file(PACKAGE, "impl.py.j2", views.scaffold_view(plan, package),
                       path=path, target="", syntax="python", owner="user")
