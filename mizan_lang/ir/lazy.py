"""A check's IR as plain data (`plain.py`), each declaration built when asked.

A comparison (`review`) needs every declaration's name, the IR of the few
declarations that differ between its two sides, and the auth and version.
Building all of them costs ~0.2 s a side at 10,000 functions; most are
declared in files the sides share, with the same inputs on both, so their IR
is the same (what the memo of `build_ir` relies on to take them as built):
`unchanged` tells those apart without building them.
"""

from __future__ import annotations

from operator import attrgetter

from . import plain
from .build import SECTIONS, _Builder

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from typing import Any

    from ..check.result import CheckResult


class LazyIr:
    def __init__(self, result: CheckResult, memo: dict[object, tuple] | None = None,
                 texts: dict[str, str] | None = None) -> None:
        self.builder = _Builder(result, plain, memo)
        self.texts = texts  # path -> the text of the file (see `_source`)
        self._names: dict[str, dict[str, Any]] = {}
        self._built: dict[str, dict[str, Any]] = {section: {} for section in SECTIONS}
        self._kinds: dict[str, str] | None = None
        # Section -> (the other side, the names `unchanged_names` found).
        self._unchanged: dict[str, tuple[LazyIr, set[str]]] = {}

    def head(self) -> dict[str, Any]:
        return {"auth": self.builder.auth(), "version": self.builder.version()}

    def names(self, section: str) -> dict[str, Any]:
        """Name -> declaration, sorted by name (as the IR lists them)."""
        found = self._names.get(section)
        if found is None:
            namespace, kind = SECTIONS[section]
            table = self.builder.symbols.get(namespace, {})
            ordered = sorted(table)
            symbols = map(table.__getitem__, ordered)
            if kind is None:  # made in C: ~10,000 functions at 10,000
                found = dict(zip(ordered, map(_DECL, symbols)))
            else:  # the type namespace holds types, enums and shapes
                found = {name: symbol.decl for name, symbol in zip(ordered, symbols)
                         if symbol.kind == kind}
            self._names[section] = found
        return found

    def item(self, section: str, name: str) -> Any:
        """The IR of one declaration (KeyError when there is none)."""
        built = self._built[section]
        found = built.get(name)
        if found is None:
            found = built[name] = self.builder.build(section, self.names(section)[name])
        return found

    def data(self) -> dict[str, Any]:
        """The whole IR, as `build_ir(result, plain=True)` gives it."""
        return plain.Workspace(**self.head(), **{
            section: [self.item(section, name) for name in self.names(section)]
            for section in SECTIONS})

    def kinds(self) -> dict[str, str]:
        if self._kinds is None:
            self._kinds = {name: symbol.kind
                           for name, symbol in self.builder.symbols.get("type", {}).items()}
        return self._kinds

    def unchanged(self, other: LazyIr, section: str, name: str) -> bool:
        """Whether the IR of `name` is the same here and in `other`, known
        without building it (see `unchanged_names`)."""
        return name in self.unchanged_names(other, section)

    def unchanged_names(self, other: LazyIr, section: str) -> set[str]:
        """The names of `section` whose IR is the same here and in `other`,
        known without building it: the very same declaration (from a file the
        sides share) with the same inputs (what the builder reads besides the
        declaration), every type name having the same kind on both sides (a
        type's spelling then resolves alike) where the IR holds types. What
        `build_ir`'s memo takes as built, plus contexts, shapes and forms."""
        found = self._unchanged.get(section)
        if found is not None and found[0] is other:
            return found[1]
        mine, theirs = self.names(section), other.names(section)
        names = {name for name, decl in mine.items() if theirs.get(name) is decl}
        if self.texts is not None and other.texts is not None:  # files edited on one side
            for name in mine.keys() & theirs.keys() - names:
                source = self._source(section, name)
                if source is not None and source == other._source(section, name):
                    names.add(name)
        alike = self.kinds() == other.kinds()
        if section == "functions":
            names = self._same_functions(other, names, alike)
        elif section != "enums" and not alike:  # the others read types as they resolve
            names = set()
        elif section == "contexts":
            names = {name for name in names if self._same_context(other, name)}
        elif section == "shapes":
            models, others = (side.builder.symbols.get("model", {}) for side in (self, other))
            names = {name for name in names if _decl(models, mine[name].model) is _decl(
                others, mine[name].model)}
        self._unchanged[section] = (other, names)
        return names

    def _source(self, section: str, name: str) -> str | None:
        """The text of a declaration. Lowering reads a declaration's node
        alone, and the IR holds no positions: two declarations written alike
        (in files edited elsewhere) are the same declaration to the builder."""
        symbol = self.builder.symbols[SECTIONS[section][0]][name]
        text = self.texts.get(self.builder.result.path_of(symbol))
        span = symbol.decl.span
        return None if text is None else text[span.start:span.end]

    def _same_functions(self, other: LazyIr, names: set[str], alike: bool) -> set[str]:
        """Those of `names` (functions declared alike on both sides) that
        `_Builder._function` builds alike: the same kind, effective auth and
        invalidations (`function_inputs`), and types."""
        mine, theirs = self.builder, other.builder
        # ~10,000 names: those whose kind or auth differ are found by the
        # tables (in C), not name by name.
        differ = _differing(mine.result.function_kinds, theirs.result.function_kinds)
        differ.update(key[3:] for key in _differing(
            mine.result.effective_auth, theirs.result.effective_auth) if key.startswith("fn:"))
        scoped, their_scoped = mine.scopings_of_fn, theirs.scopings_of_fn
        for name in scoped.keys() | their_scoped.keys():  # the mutations
            if scoped.get(name) != their_scoped.get(name) and (  # equal records: equal inputs
                    mine.function_inputs(name) != theirs.function_inputs(name)):
                differ.add(name)
        same = names - differ
        if alike:
            return same
        decls = self.names("functions")
        return {name for name in same if all(mine.type_ref(ref) == theirs.type_ref(ref) for ref in (
            [decls[name].returns] if decls[name].returns is not None else [])
            + [p.type for p in decls[name].params])}

    def _same_context(self, other: LazyIr, name: str) -> bool:
        """What `_Builder.context` reads besides the declaration: its members,
        the mutations that invalidate it, its effective auth."""
        mine, theirs = self.builder, other.builder
        key = f"ctx:{name}"
        return (mine.members.get(name) == theirs.members.get(name)
                and mine.result.effective_auth.get(key) == theirs.result.effective_auth.get(key)
                and {s.mutation for s in mine.scopings_of_ctx.get(name, ())}
                == {s.mutation for s in theirs.scopings_of_ctx.get(name, ())})


_DECL = attrgetter("decl")


def _differing(mine: dict, theirs: dict) -> set:
    """The keys whose values differ between two tables of hashable values
    (or that only one holds)."""
    if mine == theirs:
        return set()
    return {key for key, _ in mine.items() ^ theirs.items()}


def _decl(table: dict[str, Any], name: Any) -> Any:
    """The declaration a name (a `Name` or None) refers to in a symbol table."""
    symbol = table.get(name.text) if name is not None else None
    return symbol.decl if symbol is not None else None
