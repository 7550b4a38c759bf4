"""Every place a name is declared or used, for navigation, hover and rename.

Built from a CheckResult: the declarations of every file of a workspace.
An occurrence's `key` identifies what it names, the same for a declaration
and all its uses: ("type", "Profile"), ("param", "fn:update_profile", "name"),
("column", "User", "email"), ...
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass

from ..check.result import CheckResult
from ..decls import FileDecls, FunctionDecl, Literal, Name, TypeRef
from ..source import Span, anchored

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


class FileIndex:
    """The occurrences of one file, sorted by position on first use."""

    __slots__ = ("_by_key", "_occurrences", "_sorted", "_starts")

    def __init__(self, occurrences: list[Occurrence]) -> None:
        self._occurrences = occurrences
        self._sorted = False
        self._starts: list[int] = []
        self._by_key: dict[Key, list[Occurrence]] | None = None

    @property
    def occurrences(self) -> list[Occurrence]:
        if not self._sorted:
            self._occurrences.sort(key=lambda o: (o.span.start, o.span.end))
            self._starts = [o.span.start for o in self._occurrences]
            self._sorted = True
        return self._occurrences

    def at(self, offset: int) -> Occurrence | None:
        occurrences = self.occurrences
        i = bisect.bisect_right(self._starts, offset) - 1
        for j in (i, i - 1):
            if 0 <= j < len(occurrences):
                o = occurrences[j]
                if o.span.start <= offset <= o.span.end:
                    return o
        return None

    def by_key(self) -> dict[Key, list[Occurrence]]:
        if self._by_key is None:
            found: dict[Key, list[Occurrence]] = defaultdict(list)
            for o in self.occurrences:
                found[o.key].append(o)
            self._by_key = found
        return self._by_key


class Index:
    """Occurrences of every file of an analysis; each file's part is cached by its decls."""

    def __init__(self, files: dict[str, FileIndex]) -> None:
        self.files = files

    @property
    def by_file(self) -> dict[str, list[Occurrence]]:
        return {path: part.occurrences for path, part in self.files.items()}

    def at(self, path: str, offset: int) -> Occurrence | None:
        """The occurrence under `offset` (its end counts: the cursor just after a name)."""
        part = self.files.get(path)
        return part.at(offset) if part is not None else None

    def references(self, key: Key) -> list[Occurrence]:
        found: list[Occurrence] = []
        for part in self.files.values():
            found.extend(part.by_key().get(key, ()))
        return found

    def definitions(self, key: Key) -> list[Occurrence]:
        return [o for o in self.references(key) if o.is_definition]


class _Collector:
    """Collects occurrences; `add` is what the per-declaration indexers call."""

    __slots__ = ("out", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.out: list[Occurrence] = []

    def add(self, key: Key, path: str, name: Name | None, is_definition: bool, role: str) -> None:
        if name is None or not name.text:
            return
        self.out.append(Occurrence(key, path, name.span, is_definition, role))


# Occurrences are cached per file (by its FileDecls object) and, inside a
# file, per declaration object: an editor session re-lowers only the chunk
# an edit touched, so every other declaration object is reused as is, and so
# are its occurrences (their spans move with their chunk's anchor).
class IndexCache:
    __slots__ = ("decls", "files")

    def __init__(self) -> None:
        self.files: dict[int, tuple[FileDecls, FileIndex]] = {}
        self.decls: dict[int, tuple[object, list[Occurrence]]] = {}


def _type_names(ref: TypeRef | None):
    """(name, span) of every named type inside a type expression."""
    if ref is None or ref.expr is None:
        return
    for node in ref.expr.walk():
        if node.kind == "named":
            yield node.name, node.span


def _enum_default(ref: TypeRef | None, default: Literal | None) -> tuple[str, Name] | None:
    """(enum, member) when a string default sits on a named type: `default=member`.

    Whether the type is an enum is the checker's question; a key that names
    no declared member simply has no definition."""
    expr = ref.expr if ref is not None else None
    if expr is not None and expr.kind == "nullable":
        expr = expr.args[0]
    name = _literal_name(default)
    if expr is None or expr.kind != "named" or name is None:
        return None
    return expr.name, name


def _literal_name(literal: Literal | None) -> Name | None:
    """A string default as a Name spanning its text (quotes excluded).

    Escaped strings keep the whole literal's span: the text there is not the
    name, which tells rename to refuse rather than break the string."""
    if literal is None or not isinstance(literal.value, str) or not literal.value:
        return None
    anchor = literal.span.anchor
    if anchor is None:
        return _name_in(literal)
    with anchored(anchor):  # the new span must move with the literal's chunk
        return _name_in(literal)


def _name_in(literal: Literal) -> Name:
    value, raw, end = str(literal.value), literal.raw, literal.span.end
    hashes = len(raw) - len(raw.lstrip("#"))
    body = raw[hashes:len(raw) - hashes]
    if raw == value:
        return Name(value, Span(end - len(raw), end))
    if body == f'"{value}"':
        return Name(value, Span(end - hashes - 1 - len(value), end - hashes - 1))
    return Name(value, literal.span)


def build_index(result: CheckResult, cache: IndexCache | None = None) -> Index:
    cache = cache if cache is not None else IndexCache()
    files: dict[str, FileIndex] = {}
    new_files: dict[int, tuple[FileDecls, FileIndex]] = {}
    new_decls: dict[int, tuple[object, list[Occurrence]]] = {}
    for path, decls in result.files.items():
        cached = cache.files.get(id(decls))
        if cached is not None and cached[0] is decls:
            part = cached[1]
        else:
            part = FileIndex(_index_file(path, decls, cache.decls, new_decls))
        new_files[id(decls)] = (decls, part)
        files[path] = part
    # Keep only what this analysis used (the caches track the live workspace).
    if new_decls:
        cache.decls = new_decls
    cache.files = new_files
    return Index(files)


def _index_file(path: str, d: FileDecls, old_decls: dict, new_decls: dict) -> list[Occurrence]:
    out: list[Occurrence] = []
    for group in (d.auth, d.enums, d.types, d.contexts, d.functions, d.models, d.shapes,
                  d.forms):
        for decl in group:
            cached = old_decls.get(id(decl))
            if cached is None or cached[0] is not decl:
                collector = _Collector(path)
                _INDEXERS[type(decl).__name__](collector, path, decl)
                cached = (decl, collector.out)
            new_decls[id(decl)] = cached
            out.extend(cached[1])
    return out


def _types(add, path: str, ref: TypeRef | None, default: Literal | None = None) -> None:
    for name, span in _type_names(ref):
        add(("type", name), path, Name(name, span), False, "type")
    member = _enum_default(ref, default)
    if member is not None:
        add(("member", member[0], member[1].text), path, member[1], False, "member")


def _auth(add, path: str, name: Name | None) -> None:
    if name is not None and name.text not in AUTH_LEVELS:
        add(("guard", name.text), path, name, False, "guard")


def _index_auth(c: _Collector, path: str, block) -> None:
    for guard in block.guards:
        c.add(("guard", guard.name.text), path, guard.name, True, "guard")
    _auth(c.add, path, block.default)


def _index_enum(c: _Collector, path: str, enum) -> None:
    c.add(("type", enum.name.text), path, enum.name, True, "enum")
    for member in enum.members:
        c.add(("member", enum.name.text, member.name.text), path, member.name, True, "member")


def _index_type(c: _Collector, path: str, decl) -> None:
    c.add(("type", decl.name.text), path, decl.name, True, "type")
    for f in decl.fields:
        c.add(("field", decl.name.text, f.name.text), path, f.name, True, "field")
        _types(c.add, path, f.type, f.default)


def _index_context(c: _Collector, path: str, ctx) -> None:
    owner = "ctx:" + ctx.name.text
    c.add(("context", ctx.name.text), path, ctx.name, True, "context")
    _auth(c.add, path, ctx.auth)
    for p in ctx.params:
        c.add(("param", owner, p.name.text), path, p.name, True, "key param")
        _types(c.add, path, p.type, p.default)


def _index_model(c: _Collector, path: str, model) -> None:
    add = c.add
    add(("model", model.name.text), path, model.name, True, "model")
    for column in model.columns:
        add(("column", model.name.text, column.name.text), path, column.name, True, "column")
        _types(add, path, column.type)
    for rel in model.relations:
        add(("column", model.name.text, rel.name.text), path, rel.name, True, "relation")
        add(("model", rel.target.text), path, rel.target, False, "model")


def _index_shape(c: _Collector, path: str, shape) -> None:
    add = c.add
    add(("type", shape.name.text), path, shape.name, True, "shape")
    model = shape.model.text if shape.model is not None else ""
    if shape.model is not None:
        add(("model", model), path, shape.model, False, "model")
    for f in shape.fields:
        add(("column", model, f.name.text), path, f.name, False, "column")
        if f.shape is not None:
            add(("type", f.shape.text), path, f.shape, False, "shape")


def _index_form(c: _Collector, path: str, form) -> None:
    add = c.add
    add(("form", form.name.text), path, form.name, True, "form")
    submit = form.submit.text if form.submit is not None else ""
    if form.submit is not None:
        add(("function", submit), path, form.submit, False, "function")
    for f in form.fields:
        add(("param", "fn:" + submit, f.name.text), path, f.name, False, "form field")
        _types(add, path, f.type)


def _index_function(c: _Collector, path: str, fn: FunctionDecl) -> None:
    add = c.add
    owner = "fn:" + fn.name.text
    add(("function", fn.name.text), path, fn.name, True, "function")
    for p in fn.params:
        add(("param", owner, p.name.text), path, p.name, True, "param")
        _types(add, path, p.type, p.default)
    _types(add, path, fn.returns)
    _auth(add, path, fn.auth)
    if fn.context is not None:
        add(("context", fn.context.text), path, fn.context, False, "context")
    for affect in fn.affects:
        add(("context", affect.context.text), path, affect.context, False, "context")
        for binding in affect.by or ():
            if binding.key is not None:
                add(("param", "ctx:" + affect.context.text, binding.key.text), path, binding.key,
                    False, "key param")
            add(("param", owner, binding.param.text), path, binding.param, False, "param")


_INDEXERS = {
    "AuthBlock": _index_auth, "EnumDecl": _index_enum, "TypeDecl": _index_type,
    "ContextDecl": _index_context, "FunctionDecl": _index_function, "ModelDecl": _index_model,
    "ShapeDecl": _index_shape, "FormDecl": _index_form,
}
