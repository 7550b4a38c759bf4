"""Where a change is in a spec: location keys -> `path:line:col`.

The IR has no spans, so each side keeps its check result; a key like
`("function", "adjust_stock", "param", "delta")` is looked up in the checker's
symbol tables and the declaration's own spans. A key that cannot be found
(a saved IR has no sources) falls back to its owner, then to nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from ..source import LineIndex, Span

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:  # the checker is loaded only when a side is checked
    from ..check.result import CheckResult
    from ..decls import FileDecls
    from ..workspace import SourceFile

Key = tuple[str, ...]


class Locator:
    def __init__(self, result: CheckResult, indexes: dict[str, LineIndex],
                 shown: Callable[[str], str] = lambda path: path) -> None:
        self.symbols = result.symbols
        self.path_of = result.path_of
        self.files = result.files
        self.indexes = indexes
        self.shown = shown

    def __call__(self, key: Key) -> tuple[str, int, int] | None:
        for size in range(len(key), 1, -1):
            found = self._span(key[:size])
            if found is not None:
                path, span = found
                index = self.indexes.get(path)
                if index is None:
                    return (self.shown(path), 0, 0)
                where = index.position(span.start)
                return (self.shown(path), where.line + 1, where.column + 1)
        return None

    def _span(self, key: Key) -> tuple[str, Span] | None:
        kind, name = key[0], key[1]
        if kind == "auth":
            for path in sorted(self.files):
                for block in self.files[path].auth:
                    if block.jwt is not None:
                        return path, block.jwt.span
            return None
        symbol = self.symbols.get(kind, {}).get(name)
        if symbol is None:
            return None
        if len(key) == 2:
            return self.path_of(symbol), symbol.span
        span = _member(symbol.decl, key[2:])
        return None if span is None else (self.path_of(symbol), span)


class StoredLocator(Locator):
    """The locator of a side answered from the result cache: it knows which
    file declares each name (stored with the IR) and parses and lowers a file
    only when a change is located in it."""

    def __init__(self, paths: dict[str, dict[str, str]], texts: dict[str, str],
                 shown: Callable[[str], str] = lambda path: path,
                 loaded: dict[str, SourceFile] | None = None) -> None:
        self.paths = paths  # namespace -> name -> declaring file
        self.texts = texts
        self.shown = shown
        self.symbols = {}
        # `loaded`: the files already parsed and lowered (all of `texts`).
        self.files: dict[str, FileDecls] = {
            path: source.decls for path, source in (loaded or {}).items()}
        self.indexes = {path: loaded[path].index if loaded else LineIndex(text)
                        for path, text in texts.items()}

    def _lowered(self, path: str) -> FileDecls:
        if path not in self.files:
            from ..kdl import parse
            from ..lower import lower

            self.files[path] = lower(parse(self.texts[path]).document, path)[0]
        return self.files[path]

    def _span(self, key: Key) -> tuple[str, Span] | None:
        kind, name = key[0], key[1]
        if kind == "auth":
            for path in self.texts:
                self._lowered(path)
            return super()._span(key)
        path = self.paths.get(kind, {}).get(name)
        decl = None if path is None or path not in self.texts else _declared(
            self._lowered(path), kind, name)
        if decl is None:
            return None
        if len(key) == 2:
            return path, decl.name.span
        span = _member(decl, key[2:])
        return None if span is None else (path, span)


def symbol_paths(result: CheckResult) -> dict[str, dict[str, str]]:
    """What `StoredLocator` needs of a check result: the file of every name."""
    path_of = result.path_of
    return {kind: {name: path_of(symbol) for name, symbol in table.items()}
            for kind, table in result.symbols.items()}


def _declared(decls: FileDecls, namespace: str, name: str) -> object | None:
    from ..check.tables import TOP_LEVEL

    if namespace == "guard":
        candidates = [guard for block in decls.auth for guard in block.guards]
    else:
        candidates = [decl for attr, space, _ in TOP_LEVEL if space == namespace
                      for decl in getattr(decls, attr)]
    return next((decl for decl in candidates if decl.name.text == name), None)


def _named(items: list, name: str) -> Span | None:
    for item in items:
        if item.name.text == name:
            return item.name.span
    return None


def _member(decl: object, rest: Key) -> Span | None:
    what = rest[0]
    if len(rest) == 2:
        name = rest[1]
        if what == "param":
            return _named(getattr(decl, "params", []), name)
        if what == "field":
            return _named(getattr(decl, "fields", []), name)
        if what == "member":
            return _named(getattr(decl, "members", []), name)
        if what == "column":
            return _named(getattr(decl, "columns", []), name)
        if what == "relation":
            return _named(getattr(decl, "relations", []), name)
        return None
    if what == "param":  # a context's key: its first param
        params = getattr(decl, "params", [])
        return params[0].name.span if params else None
    if what == "affects":
        affects = getattr(decl, "affects", [])
        return affects[0].span if affects else None
    if what == "websocket":
        value = getattr(decl, "websocket", None)
        return value.span if value is not None else None
    if what in ("auth", "returns", "context", "kind", "table", "cache"):
        value = getattr(decl, what, None)
        return value.span if value is not None else None
    return None
