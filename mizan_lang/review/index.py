"""A side's IR as one canonical text per declaration, read lazily.

Comparing two 10,000-function IRs as pydantic models costs more than a second
(validating ~13 MB of JSON on each side, then deep equality of every
declaration). Most declarations are unchanged, so a side is kept as the digest
of each declaration's canonical JSON text (sorted keys, no spaces): equal
digests are equal declarations and are skipped without building anything;
only a declaration whose digest differs is read from its text (`model`) for
the rules in `diff.py`; one on a single side needs only its name. The IR of a
saved file is validated first (pydantic); IR built here, or kept by the result
cache (its texts written here and checked by their hash), is valid already.

The texts come from the IR's JSON data (a fresh check's model dumped, a saved
IR file read) or from the result cache, which keeps the digests and the type
directions in its entry and the texts, one per line, in a blob read as bytes
and decoded line by line on demand: a cached side never parses the whole IR.
"""

from __future__ import annotations

import json
from collections.abc import Callable

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from typing import Any

    from ..ir.lazy import LazyIr

SECTIONS = ("enums", "types", "models", "shapes", "contexts", "functions", "forms")
# The model class of one declaration of each section (`mizan_lang.ir.model`).
_CLASSES = {"enums": "Enum", "types": "Record", "models": "Model", "shapes": "Shape",
            "contexts": "Context", "functions": "Function", "forms": "Form"}


class IrError(ValueError):
    """A declaration (or the whole document) is not valid IR: `where` is its
    location in the document (`functions.3.params.0.type`)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.message = message
        self.origin: str | None = None  # the file of the side it was found in


# `json.dumps` with these options makes an encoder per call (~15% of the time
# of the ~12,000 small texts of a 10,000-function side): one is kept instead.
canonical: Callable[[object], str] = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def digest(text: str) -> str:
    from ..result_cache import blake2b

    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class IrIndex:
    """One IR: the digest of each declaration's canonical text, by section
    and name; the texts themselves are read only for declarations compared."""

    __slots__ = (
        "_built",
        "_canonical",
        "_data",
        "_decls",
        "_directions",
        "_items",
        "_models",
        "_positions",
        "_texts",
        "head",
        "origin",
        "twin",
        "valid",
    )

    def __init__(self, head: str, decls: dict[str, dict[str, str]] | None,
                 texts: Callable[[str, str], str], *,
                 items: dict[str, dict[str, Any]] | None = None,
                 directions: dict[str, list[str]] | None = None,
                 data: dict[str, Any] | None = None,
                 positions: dict[str, dict[str, int]] | None = None,
                 valid: bool = True, built: LazyIr | None = None) -> None:
        self.valid = valid  # the declarations need no validation (see `model`)
        self.head = head  # {"auth": ..., "version": ...} as canonical text
        self._decls = decls  # section -> name -> digest of the canonical text
        self._items = items  # section -> name -> JSON data (a side read whole)
        self._built = built  # a side checked here: its IR built when read
        self._texts = texts  # (section, name) -> canonical text
        self._directions = directions
        self._data = data  # the whole IR as JSON data, when it was read whole
        self._positions = positions or {}  # section -> name -> index in the document
        self._models: dict[tuple[str, str], object] = {}
        self.origin: str | None = None  # the saved IR file it was read from
        # The other side of a comparison, built from the same declarations
        # where the sides share files: its texts are taken for those (`_digest_all`).
        self.twin: IrIndex | None = None
        self._canonical: dict[str, dict[str, str]] | None = None  # section -> name -> text

    @property
    def digested(self) -> bool:
        return self._decls is not None

    @property
    def decls(self) -> dict[str, dict[str, str]]:
        """Section -> name -> digest (of a side read whole: computed on first use)."""
        if self._decls is None:
            self._digest_all()
        return self._decls

    def _digest_all(self) -> list[str]:
        """Digest every declaration of a side read whole or built here; their
        canonical texts, in order (each made once: ~0.2 s at 10,000 functions,
        as much again to build them, for the texts a `twin` holds already)."""
        lines: list[str] = []
        self._decls = {}
        self._canonical = {}
        twin = self.twin
        if twin is None or twin._canonical is None or self._built is None or twin._built is None:
            twin = None
        for section in SECTIONS:
            table = self._decls[section] = {}
            texts = self._canonical[section] = {}
            if twin is not None:
                shared = self._built.unchanged_names(twin._built, section)
                their_digests, their_texts = twin._decls[section], twin._canonical[section]
            else:
                shared = ()
            for name in self.names(section):
                if name in shared:  # the very declaration, built alike: the same text
                    table[name], text = their_digests[name], their_texts[name]
                else:
                    text = self._texts(section, name)
                    table[name] = digest(text)
                texts[name] = text
                lines.append(text)
        return lines

    def names(self, section: str) -> dict[str, Any]:
        """The declarations of a section, by name (the values are not for use)."""
        if self._built is not None:
            return self._built.names(section)
        if self._items is not None:
            return self._items.get(section, {})
        return self.decls.get(section, {})

    def digests_only(self) -> bool:
        """Whether `names` maps each name to its digest."""
        return self._items is None and self._built is None

    def _item(self, section: str, name: str) -> Any:
        """The JSON data of a declaration of a side read whole or built here."""
        if self._built is not None:
            return self._built.item(section, name) if name in self.names(section) else None
        return self._items[section].get(name)

    def same(self, other: IrIndex, section: str, name: str) -> bool:
        """Whether both sides declare `name` in `section` identically."""
        if self._built is not None and other._built is not None and self._built.unchanged(
                other._built, section, name):
            return True  # not built (`LazyIr.unchanged`)
        if not self.digests_only() and not other.digests_only():
            # Both read whole or built: the JSON data compared as it is (in C),
            # no texts. `==` takes 1, 1.0 and true as equal, as the models' `==`
            # does; declarations equal as models give no change under any rule.
            return self._item(section, name) == other._item(section, name)
        return self.decls.get(section, {}).get(name) == other.decls.get(section, {}).get(name)

    def changed(self, other: IrIndex, section: str) -> list[str]:
        """The names both sides declare in `section`, not identically."""
        mine, theirs = self.names(section), other.names(section)
        both = mine.keys() & theirs.keys()
        if self.digests_only() and other.digests_only():  # names -> digests: compare at once
            return [name for name in both if mine[name] != theirs[name]]
        if self._items is not None and other._items is not None:  # as `same`, inline
            return [name for name in both if mine[name] != theirs[name]]
        if self._built is not None and other._built is not None:
            both -= self._built.unchanged_names(other._built, section)
        return [name for name in both if not self.same(other, section, name)]

    def auth(self) -> Any:
        """The auth as its model holds it (`view.py`); the head is always valid."""
        from .view import view

        return view(json.loads(self.head)["auth"])

    def model(self, section: str, name: str) -> Any:
        """One declaration as its model holds it (`view.py`), validated first
        unless the index is `valid` (raises `IrError`)."""
        found = self._models.get((section, name))
        if found is None:
            from .view import view

            if not self.valid:
                data = self._checked(section, name)
            elif not self.digests_only():
                data = self._item(section, name)
            else:
                data = json.loads(self._texts(section, name))
            found = self._models[(section, name)] = view(data)
        return found

    def _checked(self, section: str, name: str) -> object:
        """A declaration validated as its model, as JSON data."""
        from ..ir import model as ir

        position = self._positions.get(section, {}).get(name)
        where = section if position is None else f"{section}.{position}"
        cls = getattr(ir, _CLASSES[section])
        try:
            model = _validated(cls, self._texts(section, name), where)
        except IrError as err:
            err.origin = self.origin
            raise
        return json.loads(model.model_dump_json())

    def directions(self) -> dict[str, list[str]]:
        """Type name -> the directions it travels in ("in", "out")."""
        if self._directions is None:
            if self._data is None and self._built is not None:
                self._data = self._built.data()
            self._directions = directions(self._data or {})
        return self._directions

    def stored(self) -> tuple[dict[str, Any], bytes]:
        """What the result cache keeps (`from_stored` reads it back): the
        digests, and the texts one per line in the same order."""
        if self._decls is None:
            lines = self._digest_all()
        elif self._canonical is not None:  # digested by a comparison
            lines = [text for section in SECTIONS for text in self._canonical[section].values()]
        else:
            lines = [self._texts(section, name) for section in SECTIONS
                     for name in self._decls.get(section, {})]
        frame = {"head": self.head, "decls": self.decls, "directions": self.directions()}
        return frame, "\n".join(lines).encode("utf-8", "surrogatepass")


def _validated(cls: Any, text: str, where: str) -> Any:
    """`text` (JSON) validated as `cls`, read as a saved IR file is read."""
    from pydantic import ValidationError

    try:
        return cls.model_validate_json(text)
    except ValidationError as err:
        errors = err.errors()
        first = errors[0] if errors else {"msg": str(err), "loc": ()}
        inner = ".".join(str(part) for part in first.get("loc", ()))
        raise IrError(".".join(p for p in (where, inner) if p), first["msg"]) from None


def from_data(data: object, *, valid: bool = False) -> IrIndex:
    """The index of an IR's JSON data (`ir --format json`, parsed). Checks the
    document's frame (top-level keys, auth, sections as lists of named
    declarations); a declaration itself is validated when it is compared.
    `valid`: the data was built here (`ir/plain.py`, or a model's JSON), so
    nothing is validated (pydantic is not even imported)."""
    if not isinstance(data, dict):
        raise IrError("", "Input should be a valid dictionary or instance of Workspace")
    if valid:
        head = canonical({"auth": data["auth"], "version": data["version"]})
    else:
        from ..ir import model as ir

        frame = {key: ([] if key in SECTIONS and isinstance(value, list) else value)
                 for key, value in data.items()}
        workspace = _validated(ir.Workspace, canonical(frame), "")
        head = canonical({"auth": json.loads(workspace.auth.model_dump_json()),
                          "version": workspace.version})
    items: dict[str, dict[str, Any]] = {}
    positions: dict[str, dict[str, int]] = {}
    for section in SECTIONS:
        named: dict[str, Any] = {}
        where: dict[str, int] = {}
        for position, item in enumerate(data.get(section) or []):
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str):  # not a declaration: say why
                _validated(getattr(ir, _CLASSES[section]), canonical(item),
                           f"{section}.{position}")
                raise IrError(f"{section}.{position}.name", "Field required")
            named[name] = item  # a second declaration of a name replaces the first
            where[name] = position
        items[section] = named
        positions[section] = where
    return IrIndex(head, None, lambda section, name: canonical(items[section][name]),
                   items=items, data=data, positions=positions, valid=valid)


def from_built(built: LazyIr) -> IrIndex:
    """The index of a side checked here, its IR built as it is read."""
    return IrIndex(canonical(built.head()), None,
                   lambda section, name: canonical(built.item(section, name)), built=built)


def from_stored(frame: object, lines: bytes) -> IrIndex | None:
    """An index the result cache kept (None when it is not one)."""
    if not isinstance(frame, dict):
        return None
    head, decls, found = frame.get("head"), frame.get("decls"), frame.get("directions")
    if not (isinstance(head, str) and isinstance(decls, dict) and isinstance(found, dict)
            and all(isinstance(decls.get(section), dict) for section in SECTIONS)):
        return None
    split = lines.split(b"\n") if lines else []
    if len(split) != sum(len(decls[section]) for section in SECTIONS):
        return None
    line = {}
    for section in SECTIONS:
        for name in decls[section]:
            line[(section, name)] = len(line)

    def text(section: str, name: str) -> str:
        return split[line[(section, name)]].decode("utf-8", "surrogatepass")

    return IrIndex(head, decls, text, directions=found)


# --- type directions -------------------------------------------------------------


def _leaf(ref: object) -> object:
    """The type a type reference (JSON data) is built around."""
    while isinstance(ref, dict):
        kind = ref.get("kind")
        if kind == "list":
            ref = ref.get("item")
        elif kind == "map":
            ref = ref.get("value")
        elif kind == "nullable":
            ref = ref.get("inner")
        else:
            return ref
    return ref


def _referenced(refs: list[object], fields: Callable[[str], list[object]]) -> set[str]:
    """Names of the named types reachable from `refs` (through record fields)."""
    seen: set[str] = set()
    stack = [_leaf(ref) for ref in refs]
    while stack:
        leaf = stack.pop()
        if isinstance(leaf, dict) and leaf.get("kind") == "named":
            name = leaf.get("name")
            if isinstance(name, str) and name not in seen:
                seen.add(name)
                stack.extend(_leaf(ref) for ref in fields(name))
    return seen


def _items(data: dict[str, Any], section: str) -> list[dict[str, Any]]:
    return [item for item in data.get(section) or [] if isinstance(item, dict)]


def _types_of(items: list[dict[str, Any]], key: str) -> list[object]:
    return [member.get("type") for item in items for member in item.get(key) or []
            if isinstance(member, dict)]


def directions(data: dict[str, Any]) -> dict[str, list[str]]:
    """Type name -> the directions ("in", "out") it travels in, from IR data."""
    records = {item.get("name"): item for item in _items(data, "types")}

    def fields(name: str) -> list[object]:
        record = records.get(name)
        return _types_of([record], "fields") if record is not None else []

    functions, contexts = _items(data, "functions"), _items(data, "contexts")
    inputs = _referenced(_types_of(functions, "params") + _types_of(contexts, "params"), fields)
    outputs = _referenced([fn.get("returns") for fn in functions
                           if fn.get("returns") is not None], fields)
    found: dict[str, list[str]] = {}
    for name in sorted(inputs | outputs):
        found[name] = [way for way, names in (("in", inputs), ("out", outputs))
                       if name in names]
    return found
