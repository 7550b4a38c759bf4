"""Type expressions: the small grammar inside one KDL string.

    type := atom "?"?
    atom := NAME ( "<" type ( "," type )* ">" )?

`list<T>` takes one argument and `map<K,V>` two; nothing else takes any.
Spaces between tokens are allowed (only quoted strings can hold them). This
module knows the syntax only: whether `Profile` exists is the checker's
question.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .diagnostics import Diagnostic, make
from .identifiers import is_valid_identifier
from .records import record
from .source import Span

PRIMITIVES = frozenset(
    ["bool", "int", "int64", "float", "decimal", "str", "date", "datetime", "uuid", "bytes", "json"]
)
# Generic type constructors and how many arguments each takes.
GENERICS = {"list": 1, "map": 2}
MAX_DEPTH = 32

_TOKEN = re.compile(r"\s+|[<>,?]|[^\s<>,?]+")
_SIMPLE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\?)?")


# Immutable by convention, not frozen: a frozen record sets each field
# through object.__setattr__, ~3.5x the instructions of making one, and
# lowering makes one or more for every type written (~55,000 at 10,000
# functions). The hash is the frozen one's (all fields).
@record(unsafe_hash=True)
class TypeExpr:
    """One node of a type expression.

    kind: "primitive" | "named" | "list" | "map" | "nullable".
    name: the primitive or referenced name (`"list"`/`"map"` for generics,
    `""` for nullable). args: one for list and nullable, two for map.
    """

    kind: str
    span: Span
    name: str = ""
    args: tuple[TypeExpr, ...] = ()

    def text(self) -> str:
        """Canonical spelling: no spaces, e.g. `map<str,list<Profile>>?`."""
        if self.kind == "nullable":
            return self.args[0].text() + "?"
        if self.args:
            return f"{self.name}<{','.join(arg.text() for arg in self.args)}>"
        return self.name

    def walk(self) -> Iterator[TypeExpr]:
        """This node and every node below it, outermost first."""
        yield self
        for arg in self.args:
            yield from arg.walk()

    def names(self) -> Iterator[TypeExpr]:
        """The named references (to types, enums, shapes, `Upload`) inside."""
        return (node for node in self.walk() if node.kind == "named")


class _Malformed(Exception):
    """Internal: stops parsing at the first error (already recorded)."""


@record
class _Token:
    text: str
    start: int  # offset in the string


class _Parser:
    def __init__(self, text: str, start: int | None, fallback: Span, path: str) -> None:
        self.tokens = [
            _Token(m.group(), m.start()) for m in _TOKEN.finditer(text) if not m.group().isspace()
        ]
        self.length = len(text)
        self.start = start
        self.fallback = fallback
        self.path = path
        self.pos = 0
        self.diagnostics: list[Diagnostic] = []

    # Offsets inside the string map to the file only when the string was
    # written without quotes or escapes; otherwise point at the whole value.
    def span(self, begin: int, end: int) -> Span:
        if self.start is None:
            return self.fallback
        return Span(self.start + begin, self.start + end)

    def token_span(self, token: _Token | None) -> Span:
        if token is None:
            return self.span(self.length, self.length)
        return self.span(token.start, token.start + len(token.text))

    def fail(self, code: str, span: Span, detail: str) -> _Malformed:
        self.diagnostics.append(make(code, span, path=self.path, detail=detail))
        return _Malformed()

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token | None:
        token = self.peek()
        self.pos += 1
        return token

    def parse(self) -> TypeExpr:
        if not self.tokens:
            raise self.fail("M120", self.fallback, "the type is empty")
        expr = self.type_(0)
        extra = self.peek()
        if extra is not None:
            raise self.fail(
                "M120", self.token_span(extra), f"unexpected '{extra.text}' after the type"
            )
        return expr

    def type_(self, depth: int) -> TypeExpr:
        first = self.peek()
        expr = self.atom(depth)
        token = self.peek()
        if first is not None and token is not None and token.text == "?":
            self.take()
            expr = TypeExpr("nullable", self.span(first.start, token.start + 1), args=(expr,))
            again = self.peek()
            if again is not None and again.text == "?":
                raise self.fail(
                    "M120", self.token_span(again),
                    "a type is made nullable once; remove the extra '?'",
                )
        return expr

    def atom(self, depth: int) -> TypeExpr:
        if depth > MAX_DEPTH:
            raise self.fail("M120", self.fallback, f"types nest at most {MAX_DEPTH} levels deep")
        token = self.take()
        if token is None or token.text in "<>,?":
            found = f"'{token.text}'" if token else "the end"
            raise self.fail("M120", self.token_span(token), f"expected a type name, found {found}")
        name_span = self.token_span(token)
        if not is_valid_identifier(token.text):
            raise self.fail("M120", name_span, f"'{token.text}' is not a valid type name")
        args = self.arguments(depth)
        end = self.tokens[self.pos - 1]
        span = self.span(token.start, end.start + len(end.text))
        expected = GENERICS.get(token.text, 0)
        if len(args) != expected:
            raise self.fail("M121", span, _arity_message(token.text, expected))
        if token.text in GENERICS:
            return TypeExpr(token.text, span, token.text, tuple(args))
        kind = "primitive" if token.text in PRIMITIVES else "named"
        return TypeExpr(kind, span, token.text)

    def arguments(self, depth: int) -> list[TypeExpr]:
        opener = self.peek()
        if opener is None or opener.text != "<":
            return []
        self.take()
        args = [self.type_(depth + 1)]
        while True:
            token = self.take()
            if token is None:
                raise self.fail(
                    "M120", self.token_span(opener), "this '<' is never closed with '>'"
                )
            if token.text == ">":
                return args
            if token.text != ",":
                raise self.fail(
                    "M120", self.token_span(token), f"expected ',' or '>', found '{token.text}'"
                )
            args.append(self.type_(depth + 1))


def _arity_message(name: str, expected: int) -> str:
    if name == "list":
        return "'list' takes one type argument: 'list<T>'"
    if name == "map":
        return "'map' takes two type arguments: 'map<str,T>'"
    return f"'{name}' takes no type arguments; only 'list' and 'map' do"


def parse_type(
    text: str, span: Span, start: int | None = None, path: str = ""
) -> tuple[TypeExpr | None, list[Diagnostic]]:
    """Parse one type expression.

    `span` is where the whole value sits in the file; `start` is the file
    offset of `text[0]` when the string maps one-to-one onto the source (a
    bare identifier or a quoted string without escapes), else None and every
    span is `span`. Returns (None, diagnostics) for a malformed expression:
    a tree is only handed out when it is complete and well-formed.
    """
    # Fast path: most types are one name, maybe nullable (few distinct texts).
    simple = _simple.get(text) or _read_simple(text)
    if simple is not _NOT_SIMPLE:
        kind, name, nullable = simple
        if start is None:
            inner = TypeExpr(kind, span, name)
            return (TypeExpr("nullable", span, args=(inner,)) if nullable else inner), []
        inner = TypeExpr(kind, Span(start, start + len(name)), name)
        if not nullable:
            return inner, []
        return TypeExpr("nullable", Span(start, start + len(name) + 1), args=(inner,)), []
    if start is not None:
        shape = _shapes.get(text)
        if shape is None:
            shape = _shape(_well_formed(text, 0))
            if len(text) <= 64 and len(_shapes) < 4096:  # bounds, as for _simple
                _shapes[text] = shape
        if shape:
            return _placed(shape, start), []
    parser = _Parser(text, start, span, path)
    try:
        return parser.parse(), parser.diagnostics
    except _Malformed:
        return None, parser.diagnostics


def bare_type(text: str, span: Span) -> TypeExpr | None:
    """`parse_type(text, span, start of span)` for a type written as a bare
    word (its text fills `span`) of one name, maybe nullable; None for
    anything else. The whole expression shares the word's span."""
    simple = _simple.get(text) or _read_simple(text)
    if simple is _NOT_SIMPLE:
        return None
    kind, name, nullable = simple
    if not nullable:
        return TypeExpr(kind, span, name)
    start = span.start
    return TypeExpr("nullable", span, "", (TypeExpr(kind, Span(start, start + len(name)), name),))


_NOT_SIMPLE = ("", "", True)
# text -> (kind, name, nullable), or _NOT_SIMPLE (nullable True: readers that
# take only a plain name test just that).
_simple: dict[str, tuple[str, str, bool]] = {}
simple_types = _simple


def _read_simple(text: str) -> tuple[str, str, bool]:
    """A type written as one non-generic name, maybe nullable: (kind, name, nullable)."""
    simple = _SIMPLE.fullmatch(text)
    found = _NOT_SIMPLE
    if simple is not None and simple.group(1) not in GENERICS:
        name = simple.group(1)
        found = ("primitive" if name in PRIMITIVES else "named", name, bool(simple.group(2)))
    if len(text) <= 64 and len(_simple) < 4096:  # bounds for a long editor session
        _simple[text] = found
    return found


# A generic type's tree as `_well_formed` reads it from offset 0, kept as
# (kind, name, start, end, args) so that a text seen before is placed at its
# offset without being read again (`()` when `_well_formed` gives up).
_Shape = tuple
_shapes: dict[str, _Shape] = {}


def _shape(expr: TypeExpr | None) -> _Shape:
    if expr is None:
        return ()
    return (expr.kind, expr.name, expr.span.start, expr.span.end,
            tuple([_shape(arg) for arg in expr.args]))


def _placed(shape: _Shape, start: int) -> TypeExpr:
    kind, name, begin, end, args = shape
    return TypeExpr(kind, Span(start + begin, start + end), name,
                    tuple([_placed(arg, start) for arg in args]) if args else ())


_PIECES = re.compile(r"[<>,?]|[A-Za-z_][A-Za-z0-9_]*")


def _well_formed(text: str, start: int) -> TypeExpr | None:
    """The tree of a generic type written without spaces and without mistakes
    (`list<Profile?>`, `map<str,list<int>>?`), the same as `_Parser` builds;
    None for anything else, which `_Parser` then reads and words."""
    pieces = _PIECES.findall(text)  # names are is_valid_identifier by this pattern
    if sum(map(len, pieces)) != len(text):
        return None  # spaces, or characters no type name has
    offsets = []
    at = start
    for piece in pieces:
        offsets.append(at)
        at += len(piece)
    # One frame per open `<`: [generic name, its offset, its arguments so far].
    stack: list[list] = [["", start, []]]
    i = 0
    count = len(pieces)
    while True:
        if i >= count:
            return None
        name = pieces[i]
        begin = offsets[i]
        if name[0] in "<>,?" or len(stack) > MAX_DEPTH + 1:
            return None
        i += 1
        if i < count and pieces[i] == "<":
            if name not in GENERICS:
                return None
            stack.append([name, begin, []])
            i += 1
            continue
        if name in GENERICS:
            return None  # a generic without its arguments
        expr = TypeExpr("primitive" if name in PRIMITIVES else "named",
                        Span(begin, begin + len(name)), name)
        while True:  # what ends here: a `?`, a `>` (each generic maybe with its `?`)
            if i < count and pieces[i] == "?":
                expr = TypeExpr("nullable", Span(begin, offsets[i] + 1), args=(expr,))
                i += 1
                if i < count and pieces[i] == "?":
                    return None
            if i < count and pieces[i] == ">" and len(stack) > 1:
                generic, begin, args = stack.pop()
                args.append(expr)
                if len(args) != GENERICS[generic]:
                    return None
                expr = TypeExpr(generic, Span(begin, offsets[i] + 1), generic, tuple(args))
                i += 1
                continue
            break
        stack[-1][2].append(expr)
        if i >= count:
            break
        if pieces[i] != "," or len(stack) == 1:
            return None
        i += 1
    if len(stack) != 1:
        return None
    return stack[0][2][0]
