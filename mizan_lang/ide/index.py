"""Every place a name is declared or used, for navigation, hover and rename.

Built from a CheckResult: the declarations of every file of a workspace.
An occurrence's `key` identifies what it names, the same for a declaration
and all its uses: ("type", "Profile"), ("param", "fn:update_profile", "name"),
("column", "User", "email"), ...
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field

from ..check.result import CheckResult
from ..decls import FileDecls, FunctionDecl, Name, TypeRef
from ..source import Span

# Symbol namespace in CheckResult.symbols for each declaration kind.
NAMESPACE = {"type": "type", "enum": "type", "shape": "type", "context": "context",
             "function": "function", "model": "model", "form": "form", "guard": "guard"}
AUTH_LEVELS = ("public", "user")

Key = tuple[str, ...]


@dataclass(slots=True)
class Occurrence:
    key: Key
    path: str
    span: Span
    is_definition: bool
    # What the name is, in words, for outlines and hovers ("function", "param", ...).
    role: str


@dataclass(slots=True)
class Index:
    by_file: dict[str, list[Occurrence]] = field(default_factory=lambda: defaultdict(list))
    by_key: dict[Key, list[Occurrence]] = field(default_factory=lambda: defaultdict(list))
    _starts: dict[str, list[int]] = field(default_factory=dict)

    def add(self, key: Key, path: str, name: Name | None, is_definition: bool, role: str) -> None:
        if name is None or not name.text:
            return
        occurrence = Occurrence(key, path, name.span, is_definition, role)
        self.by_file[path].append(occurrence)
        self.by_key[key].append(occurrence)

    def finish(self) -> None:
        for path, occurrences in self.by_file.items():
            occurrences.sort(key=lambda o: (o.span.start, o.span.end))
            self._starts[path] = [o.span.start for o in occurrences]

    def at(self, path: str, offset: int) -> Occurrence | None:
        """The occurrence under `offset` (its end counts: the cursor just after a name)."""
        occurrences = self.by_file.get(path)
        if not occurrences:
            return None
        i = bisect.bisect_right(self._starts[path], offset) - 1
        for j in (i, i - 1):
            if 0 <= j < len(occurrences):
                o = occurrences[j]
                if o.span.start <= offset <= o.span.end:
                    return o
        return None

    def definitions(self, key: Key) -> list[Occurrence]:
        return [o for o in self.by_key.get(key, ()) if o.is_definition]

    def references(self, key: Key) -> list[Occurrence]:
        return list(self.by_key.get(key, ()))


def _type_names(ref: TypeRef | None):
    """(name, span) of every named type inside a type expression."""
    if ref is None or ref.expr is None:
        return
    for node in ref.expr.walk():
        if node.kind == "named":
            yield node.name, node.span


def build_index(result: CheckResult) -> Index:
    index = Index()
    for path, decls in result.files.items():
        _index_file(index, path, decls, result)
    index.finish()
    return index


def _index_file(index: Index, path: str, d: FileDecls, result: CheckResult) -> None:
    add = index.add

    def types(ref: TypeRef | None) -> None:
        for name, span in _type_names(ref):
            add(("type", name), path, Name(name, span), False, "type")

    def auth(name: Name | None) -> None:
        if name is not None and name.text not in AUTH_LEVELS:
            add(("guard", name.text), path, name, False, "guard")

    for block in d.auth:
        for guard in block.guards:
            add(("guard", guard.name.text), path, guard.name, True, "guard")
        auth(block.default)
    for enum in d.enums:
        add(("type", enum.name.text), path, enum.name, True, "enum")
        for member in enum.members:
            add(("member", enum.name.text, member.name.text), path, member.name, True, "member")
    for decl in d.types:
        add(("type", decl.name.text), path, decl.name, True, "type")
        for f in decl.fields:
            add(("field", decl.name.text, f.name.text), path, f.name, True, "field")
            types(f.type)
    for ctx in d.contexts:
        owner = "ctx:" + ctx.name.text
        add(("context", ctx.name.text), path, ctx.name, True, "context")
        auth(ctx.auth)
        for p in ctx.params:
            add(("param", owner, p.name.text), path, p.name, True, "key param")
            types(p.type)
    for fn in d.functions:
        _index_function(index, path, fn, types, auth)
    for model in d.models:
        add(("model", model.name.text), path, model.name, True, "model")
        for column in model.columns:
            add(("column", model.name.text, column.name.text), path, column.name, True, "column")
            types(column.type)
        for rel in model.relations:
            add(("column", model.name.text, rel.name.text), path, rel.name, True, "relation")
            add(("model", rel.target.text), path, rel.target, False, "model")
    for shape in d.shapes:
        add(("type", shape.name.text), path, shape.name, True, "shape")
        model = shape.model.text if shape.model is not None else ""
        if shape.model is not None:
            add(("model", model), path, shape.model, False, "model")
        for f in shape.fields:
            add(("column", model, f.name.text), path, f.name, False, "column")
            if f.shape is not None:
                add(("type", f.shape.text), path, f.shape, False, "shape")
    for form in d.forms:
        add(("form", form.name.text), path, form.name, True, "form")
        submit = form.submit.text if form.submit is not None else ""
        if form.submit is not None:
            add(("function", submit), path, form.submit, False, "function")
        for f in form.fields:
            add(("param", "fn:" + submit, f.name.text), path, f.name, False, "form field")
            types(f.type)


def _index_function(index: Index, path: str, fn: FunctionDecl, types, auth) -> None:
    add = index.add
    owner = "fn:" + fn.name.text
    add(("function", fn.name.text), path, fn.name, True, "function")
    for p in fn.params:
        add(("param", owner, p.name.text), path, p.name, True, "param")
        types(p.type)
    types(fn.returns)
    auth(fn.auth)
    if fn.context is not None:
        add(("context", fn.context.text), path, fn.context, False, "context")
    for affect in fn.affects:
        add(("context", affect.context.text), path, affect.context, False, "context")
        for binding in affect.by or ():
            if binding.key is not None:
                add(("param", "ctx:" + affect.context.text, binding.key.text), path, binding.key,
                    False, "key param")
            add(("param", owner, binding.param.text), path, binding.param, False, "param")
