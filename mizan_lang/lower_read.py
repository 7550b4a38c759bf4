"""The generic half of lowering: reading one KDL node against its schema.

A `NodeSpec` says what a node may hold (arguments, properties, children, a
doc); `Reader.read` checks a node against it, reports every misfit with a
precise span, and returns the values it could convert. The per-declaration
builders in `lower.py` only assemble `decls` objects from that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from operator import attrgetter

from .check.suggest import closest, fix, hint
from .decls import Doc, KeyBinding, Literal, Name, TypeRef
from .diagnostics import Diagnostic, make
from .kdl.model import BOOL, NUMBER, STRING, Node, Value
from .records import field, record
from .source import Span
from .typeexpr import TypeExpr, bare_type, parse_type, simple_types

# The hottest readers make a record as `_new(cls)` and set its fields: a class
# call runs `__init__` as a Python frame, ~1/3 of the instructions of making one.
_new = object.__new__
_simple_type = simple_types.get  # (a bound method: no attribute lookup per call)

# A value reader converts one KDL value or reports why it cannot (and returns None).
ValueReader = Callable[["Reader", Value, str], object]

# Near-misses difflib does not catch: words from other schema languages.
ALIASES = {
    "function": "fn", "func": "fn", "def": "fn", "query": "fn", "mutation": "fn",
    "struct": "type", "record": "type", "include": "import", "use": "import",
    "version": "mizan", "field": "column", "column": "field", "arg": "param",
    "argument": "param", "affect": "affects", "invalidates": "affects",
}


@record(frozen=True)
class ArgSpec:
    noun: str  # "type" -> "the type of 'field'"
    read: ValueReader
    label: str = ""  # "a type" -> "'field' needs a type"

    @property
    def needs(self) -> str:
        return self.label or f"a {self.noun}"


@record(frozen=True)
class NodeSpec:
    name: str
    args: tuple[ArgSpec, ...] = ()
    props: Mapping[str, ValueReader] = field(default_factory=dict)
    required_props: tuple[str, ...] = ()
    # Allowed child nodes by name; None: no children block at all (unless `doc`).
    children: Mapping[str, NodeSpec] | None = None
    # Spec for children with any other name (enum members); their name is the data.
    other_children: NodeSpec | None = None
    doc: bool = False  # accepts doc="..." and a `doc "..."` child
    once: bool = False  # may appear only once among its siblings
    what: str = ""  # how a duplicate is named (default: the quoted node name)
    # How each argument is named in a message about a node called `name`
    # (worded once here, not for every node read).
    wording: tuple[str, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wording", _wording(self.args, self.name))


def _wording(args: tuple[ArgSpec, ...], node: str) -> tuple[str, ...]:
    return tuple(f"the {arg.noun} of '{node}'" for arg in args)


@record
class Read:
    """What `Reader.read` could take from one node."""

    node: Node
    args: list[object]  # one per ArgSpec; None when missing or unreadable
    props: dict[str, object]  # converted values of the known, readable properties
    doc: Doc | None
    children: list[tuple[Node, NodeSpec]]  # known children in source order

    def arg(self, index: int) -> object:
        return self.args[index] if index < len(self.args) else None


def describe(value: Value) -> str:
    """How a wrong value is named in a message."""
    if value.kind == STRING:
        text = value.value if len(value.value) <= 30 else value.value[:27] + "..."
        # Control and invisible characters are shown escaped, never raw.
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
        text = text.replace('"', '\\"')
        return f'the string "{text}"'
    if value.kind == NUMBER:
        return f"the number {value.raw}"
    return value.raw or ("#null" if value.value is None else str(value.value))


def text_start(value: Value) -> int | None:
    """File offset of the string's first character, when the string's text
    sits verbatim in the source (bare, or quoted/raw without escapes)."""
    raw = value.raw
    if value.kind != STRING or not raw or not isinstance(value.value, str):
        return None
    begin = value.span.end - len(raw)
    if raw == value.value:
        return begin
    hashes = len(raw) - len(raw.lstrip("#"))
    body = raw[hashes: len(raw) - hashes]
    if not body.startswith('"""') and body == f'"{value.value}"':
        return begin + hashes + 1
    return None


def split_items(value: Value) -> Iterator[tuple[str, Span]]:
    """The comma-separated items of a string value, stripped, with their spans."""
    text = value.value
    start = text_start(value)
    pos = 0
    for piece in text.split(","):
        lead = len(piece) - len(piece.lstrip())
        item = piece.strip()
        if start is None:
            span = value.span
        else:
            begin = start + pos + lead
            span = Span(begin, begin + len(item)) if item else Span(start + pos, start + pos)
        yield item, span
        pos += len(piece) + 1


def name_and_type(reader: Reader, node: Node) -> tuple[Name, TypeRef] | None:
    """The name and type of a node of just two strings (`param id int64`), with
    no type annotation: a NAME, TYPE node `Reader.read` reads without a word to
    say (and without a Read); None for any other node."""
    args = node.args
    if len(args) != 2 or node.props or node.children is not None or node.type is not None:
        return None
    name, kind = args
    if (name.kind != STRING or kind.kind != STRING or name.type is not None
            or kind.type is not None):
        return None
    return read_name(reader, name, ""), read_type(reader, kind, "")


class Reader:
    """Collects diagnostics for one file while its nodes are read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []

    def report(self, code: str, span: Span, data: dict[str, object] | None = None,
               **fields: object) -> None:
        self.diagnostics.append(make(code, span, path=self.path, data=data, **fields))

    def wrong(self, value: Value, what: str, expected: str) -> None:
        self.report("M109", value.span, what=what, expected=expected, found=describe(value))

    def annotation(self, annotation: str | None, span: Span | None) -> None:
        if annotation is not None and span is not None:
            self.report("M113", span, annotation=annotation)

    def unknown_node(self, node: Node, place: str, allowed: list[str]) -> None:
        alias = ALIASES.get(node.name)
        suggestion = alias if alias in allowed else closest(node.name, allowed)
        self.report("M104", node.name_span, data=fix(suggestion), name=node.name,
                    place=place, hint=hint(suggestion))

    # --- one node ------------------------------------------------------------
    def read(self, node: Node, spec: NodeSpec) -> Read:
        if node.type is not None:
            self.annotation(node.type, node.type_span)
        args = self._args(node, spec) if node.args or spec.args else []
        doc = None
        props: dict[str, object] = {}
        if node.props:
            props = self._props(node, spec)
            if spec.doc:
                doc = props.pop(_DOC_KEY, None)  # type: ignore[assignment]
        if spec.required_props and not node.broken:
            present = {prop.key for prop in node.props}
            for key in spec.required_props:
                if key not in present:
                    self.report("M108", node.name_span, node=node.name, key=key)
        result = _new(Read)  # Read(node, args, props, doc, []), without its `__init__`
        result.node, result.args, result.props = node, args, props
        result.doc, result.children = doc, []
        if node.children is not None:
            self._children(result, spec)
        return result

    def _args(self, node: Node, spec: NodeSpec) -> list[object]:
        given = node.args
        expected = spec.args
        wording = spec.wording if node.name == spec.name else _wording(expected, node.name)
        values: list[object] = []
        for value, arg, what in zip(given, expected, wording):
            if value.type is not None:
                self.annotation(value.type, value.type_span)
            # A malformed number: the parser has reported it; its value is unknown.
            values.append(None if value.kind == NUMBER and value.value is None else
                          arg.read(self, value, what))
        if len(given) > len(expected):
            extra = given[len(expected):]
            for value in extra:
                if value.type is not None:
                    self.annotation(value.type, value.type_span)
            takes = " and ".join(arg.needs for arg in expected) or "no arguments"
            count = "argument" if len(extra) == 1 else f"{len(extra)} arguments"
            self.report("M107", extra[0].span.cover(extra[-1].span), node=node.name,
                        expected=takes, extra=count)
        elif len(given) < len(expected):
            missing = expected[len(given):]
            if not node.broken:
                end = given[-1].span.end if given else node.name_span.end
                self.report("M106", Span(node.name_span.start, end), node=node.name,
                            what=" and ".join(arg.needs for arg in missing))
            values.extend([None] * len(missing))
        return values

    def _props(self, node: Node, spec: NodeSpec) -> dict[str, object]:
        props = node.props
        readers = spec.props
        # Where a key is repeated, only its rightmost value counts (M111 on the others).
        # (Repeats are rare: looked for first without a Python-level loop.)
        last = None
        if len(props) > 1 and len(set(map(_key_of, props))) != len(props):
            last = {prop.key: index for index, prop in enumerate(props)}
        values: dict[str, object] = {}
        for index, prop in enumerate(props):
            key = prop.key
            value = prop.value
            if value.type is not None:
                self.annotation(value.type, value.type_span)
            if last is not None and last[key] != index:
                self.report("M111", prop.span, key=key)
                continue
            reader = readers.get(key)
            if reader is None:
                if key == "doc" and spec.doc:  # the node's doc (the rightmost): `read` takes it
                    if (doc := read_text(self, value, "'doc'")) is not None:
                        values[_DOC_KEY] = doc
                    continue
                allowed = sorted([*readers, *(["doc"] if spec.doc else [])])
                suggestion = closest(key, allowed)
                self.report("M105", prop.key_span, data=fix(suggestion), node=node.name,
                            key=key, hint=hint(suggestion))
                continue
            if value.kind == NUMBER and value.value is None:
                continue  # a malformed number (see _args)
            converted = reader(self, value, _quoted.get(key) or _quote(key))
            if converted is not None:
                values[key] = converted
        return values

    def _children(self, result: Read, spec: NodeSpec) -> None:
        node = result.node
        if node.children is None:
            return
        known = spec.children or {}
        if not known and spec.other_children is None and not spec.doc:
            self.report("M112", node.children_span or node.span, node=node.name)
            return
        seen: set[str] = set()  # the names of the `once` children met
        found = result.children
        for child in node.children:
            name = child.name
            child_spec = known.get(name)
            # In an enum a bare `doc` is a member; `doc "text"` is the enum's doc.
            if name == "doc" and spec.doc and (child.args or spec.other_children is None):
                self._doc_child(result, child)
            elif child_spec is not None:
                if child_spec.once:
                    if name in seen:
                        self.report("M110", child.name_span,
                                    what=child_spec.what or f"'{name}'")
                        continue
                    seen.add(name)
                found.append((child, child_spec))
            elif spec.other_children is not None:
                result.children.append((child, spec.other_children))
            elif child.name in spec.props:  # `cache { ttl 60 }` for `cache ttl=60`
                self.report("M104", child.name_span, name=child.name, place=f"in '{node.name}'",
                            hint=f"; '{child.name}' is a property: write {child.name}=... on "
                            f"'{node.name}'")
            else:
                self.unknown_node(child, f"in '{node.name}'",
                                  sorted([*known, *(["doc"] if spec.doc else [])]))

    def _doc_child(self, result: Read, child: Node) -> None:
        read = self.read(child, DOC)
        text = read.arg(0)
        if result.doc is not None:
            self.report("M110", child.name_span, what="the doc")
        elif isinstance(text, Doc):
            result.doc = text


_key_of = attrgetter("key")

# Not a property key (keys are KDL strings): where `_props` leaves the doc for `read`.
_DOC_KEY = object()

# How a property is named in a message ("'ttl'"), worded once per key.
_quoted: dict[str, str] = {}


def _quote(key: str) -> str:
    what = f"'{key}'"
    if len(_quoted) < 1024:  # bounds for a long editor session
        _quoted[key] = what
    return what


# --- value readers -------------------------------------------------------------
def read_name(reader: Reader, value: Value, what: str) -> Name | None:
    if value.kind != STRING:
        reader.wrong(value, what, "a name")
        return None
    name = _new(Name)  # Name(value.value, value.span), without its `__init__` (`_new`)
    name.text, name.span = value.value, value.span
    return name


def read_text(reader: Reader, value: Value, what: str) -> Doc | None:
    if value.kind != STRING:
        reader.wrong(value, what, "a string")
        return None
    return Doc(value.value, value.span)


def read_type(reader: Reader, value: Value, what: str) -> TypeRef | None:
    if value.kind != STRING:
        reader.wrong(value, what, "a type such as str, list<int> or Profile?")
        return None
    text = value.value
    span = value.span
    if value.raw == text:  # a bare word: it sits verbatim in the source
        simple = _simple_type(text)
        if simple is not None and not simple[2]:  # one name (`bare_type`, inline)
            # TypeRef(text, span, TypeExpr(kind, span, name)), without `__init__`s (`_new`)
            expr = _new(TypeExpr)
            expr.kind, expr.span, expr.name = simple[0], span, simple[1]
            expr.args = ()
            ref = _new(TypeRef)
            ref.text, ref.span, ref.expr = text, span, expr
            return ref
        expr = bare_type(text, span)
        if expr is not None:
            return TypeRef(text, span, expr)
        start = span.end - len(text)
    else:
        start = text_start(value)
    expr, problems = parse_type(text, span, start, reader.path)
    if problems:
        reader.diagnostics.extend(problems)
    return TypeRef(text, span, expr)


def _literal(value: Value) -> Literal:
    return Literal(value.value, value.span, value.raw)


def read_literal(reader: Reader, value: Value, what: str) -> Literal:
    return _literal(value)


def read_int(reader: Reader, value: Value, what: str) -> Literal | None:
    if value.kind != NUMBER or not isinstance(value.value, int):
        reader.wrong(value, what, "a whole number")
        return None
    return _literal(value)


def read_bool(reader: Reader, value: Value, what: str) -> Literal | None:
    if value.kind != BOOL:
        reader.wrong(value, what, "#true or #false")
        return None
    return _literal(value)


def read_bound(reader: Reader, value: Value, what: str) -> Literal | None:
    """`min=`/`max=`: a number, or a string for dates."""
    if value.kind not in (NUMBER, STRING):
        reader.wrong(value, what, "a number (or a date string)")
        return None
    return _literal(value)


def read_pattern(reader: Reader, value: Value, what: str) -> Literal | None:
    if value.kind != STRING:
        reader.wrong(value, what, "a regular expression string")
        return None
    return _literal(value)


def read_name_list(reader: Reader, value: Value, what: str) -> list[Name] | None:
    """`a,b,c` -> one Name per item, each with its own span."""
    if value.kind != STRING:
        reader.wrong(value, what, "a comma-separated list of names")
        return None
    names = []
    for item, span in split_items(value):
        if not item:
            reader.report("M114", span, key=what.strip("'"))
        else:
            names.append(Name(item, span))
    return names


def read_bindings(reader: Reader, value: Value, what: str) -> list[KeyBinding] | None:
    """`param` or `key:param,key:param` (explicit scoping of an affect)."""
    if value.kind != STRING:
        reader.wrong(value, what, "a parameter name or key:param pairs")
        return None
    items = list(split_items(value))
    mapped = text_start(value) is not None
    if len(items) == 1 and items[0][0] and ":" not in items[0][0]:
        return [KeyBinding(None, Name(*items[0]))]
    bindings: list[KeyBinding] = []
    ok = True
    for item, span in items:
        parts = item.split(":")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            detail = (f"'{item}' is not a key:param pair" if item
                      else "an empty pair (doubled or trailing comma)")
            reader.report("M115", span, detail=detail)
            ok = False
            continue
        key, param = parts
        key_span = param_span = span
        if mapped:  # the item sits verbatim in the source: split its span too
            key_span = Span(span.start, span.start + len(key.rstrip()))
            offset = span.start + len(key) + 1 + len(param) - len(param.lstrip())
            param_span = Span(offset, offset + len(param.strip()))
        bindings.append(KeyBinding(Name(key.strip(), key_span), Name(param.strip(), param_span)))
    return bindings if ok else None


DOC = NodeSpec("doc", args=(ArgSpec("text", read_text, "the doc text"),))
