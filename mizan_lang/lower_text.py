"""Lowering a clean file straight from its text, without a KDL tree for its
`fn` and `type` blocks.

`lower(parse(text))` makes a tree of the file (a node, its values and their
lists for every line) that lowering reads once; at 10,000 functions that
tree is about half of what parsing and lowering make. `lower_text` reads the
lines of `fn` and `type` blocks of the usual shapes (one node a line, bare
words and plain quoted strings, a block's children without blocks of their
own) into declarations directly, and everything else (other nodes, a block
with anything unusual) as `lower` does: the text between such blocks is
parsed by `fast.parse_clean` and lowered node by node. It answers None on
any problem, and wherever the file does not open with its version node:
the caller then parses and lowers as usual, which reports what is wrong.

A block read here must give exactly what the tree's lowering gives: any
line it does not take apart itself, or anything the schema's readers report,
sends the whole block to the generic path. The tree is not lost: a file read
here is clean, and `LazyParse` parses it when first asked for (the editor's
features; a command line never asks). tests/test_lower_text.py holds the
declarations and diagnostics equal to `lower(parse(text))`'s, and the lazy
tree to `parse(text)`, on specs, generated documents and their corruptions.
"""

from __future__ import annotations

import re

from .decls import (
    Affect,
    CachePolicy,
    ContextDecl,
    Doc,
    Field,
    FileDecls,
    FunctionDecl,
    Literal,
    Name,
    Param,
    TypeDecl,
    TypeRef,
)
from .kdl import chars
from .kdl.fast import _BARE, _KEYWORD_IDENTIFIERS, _NUMBER_FIRST, parse_clean
from .kdl.fast import _value as word_value
from .kdl.lexer import read_quoted
from .kdl.model import STRING, ParseResult, Value
from .lower import (
    AFFECTS,
    CACHE,
    CONTEXT,
    FN,
    PARAM,
    TYPE_DECL,
    TYPE_FIELD,
    LoweredPart,
    assemble,
    lower_nodes,
)
from .lower_read import NodeSpec, Reader, read_name, read_text, read_type
from .source import Anchor, Span, anchored, current_anchor
from .typeexpr import TypeExpr, bare_type, parse_type, simple_types

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .kdl.model import Document

_new = object.__new__  # records made without their `__init__` (see lower_read)
_simple_type = simple_types.get

# A quoted string without escapes or newlines (`fast._TOKEN`'s group 3).
_PLAIN = f'"(?!"")[^"\\\\{chars.NL}{chars.DISALLOWED}]*"'
# An entry: `word`, `key=word`, `"text"` or `key="text"` (a key and `#` are
# checked when it is taken apart).
_ENTRY = f"(?:[={_BARE}]*+{_PLAIN}|[#={_BARE}]++)"
# One line of a block: 1 a node's name, 2 its entries (each after spaces),
# 3 `{`; or 4 a lone `}`; or a blank line. LF only, no tabs, no comments.
_LINE = re.compile(rf" *+(?:([{_BARE}]++)((?: ++{_ENTRY})*+) *+(\{{)? *+|(\}}) *+)?\n")
_ENTRIES = re.compile(f" ++({_ENTRY})").finditer
# A bare word that is a string (not a number or keyword: `fast._entries`'s test).
_WORD = rf"(?!(?:true|false|null|inf|nan)[ \n])[!$-'*,:<>-Z^-z|~][{_BARE}]*+"
_IS_WORD = re.compile(rf"(?!(?:true|false|null|inf|nan)\Z)[!$-'*,:<>-Z^-z|~][{_BARE}]*+\Z").match
# The lines of a block's body, each taken apart by one `findall` of the
# body (a match object's groups cost more than what they hold): the
# commonest, `param id int64` (`field id int64` in a type), one space apart
# and maybe with a bare `default=`, as (indent, name, type, default, "", "");
# `doc "text"` as (indent, "", "", "", '"text"', ""); any other as
# (indent, "", "", "", "", rest), and a blank one with all of them "".
_BODY = {kind: re.compile(f"( *+)(?:{child} ({_WORD}) ({_WORD})(?: default=([#{_BARE}]++))?\n"
                          f"|doc ({_PLAIN})\n|([^\n]*+)\n)").findall
         for kind, child in (("fn", "param"), ("type", "field"), ("context", "param"))}
# A doc child holding a multi-line string (read by the lexer's reader), and
# what may follow a string to the end of its line.
_LONG_DOC = re.compile(' *+doc ++(?=""")').match
_TAIL = re.compile(" *+\n").match
# Where a block read here may start: a line opening with `fn ` or `type `.
_BLOCK_START = re.compile("^(?:fn|type|context) ", re.MULTILINE).search
_SPECS = {"fn": FN, "type": TYPE_DECL, "context": CONTEXT}
_DOC = "doc"


class _Skip(Exception):
    """A block this reader does not take: the generic path reads it."""


class LazyParse:
    """`parse(text)` of a clean text, made when first read (`ParseResult`'s fields)."""

    __slots__ = ("_result", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._result: ParseResult | None = None

    def result(self) -> ParseResult:
        if self._result is None:
            from .kdl import parse

            self._result = parse(self.text)
        return self._result

    @property
    def document(self) -> Document:
        return self.result().document

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.result().diagnostics

    @property
    def ok(self) -> bool:
        return self.result().ok

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyParse):
            other = other.result()
        return self.result() == other

    __hash__ = None  # type: ignore[assignment]  # (as ParseResult's)

    def __repr__(self) -> str:
        return repr(self.result())


def lower_text(text: str, path: str) -> tuple[FileDecls, list[Diagnostic]] | None:
    """`lower(parse(text), path)` of a clean text, or None (see the module)."""
    if current_anchor() is not None:
        return None  # an editor's chunk: its spans go with its anchor
    reader = Reader(path)
    part = LoweredPart(FileDecls(path), reader.diagnostics)
    first = None  # the file's first node
    pos = 1 if text.startswith("\ufeff") else 0
    length = len(text)
    while pos < length:
        if first is not None and (text.startswith("fn ", pos) or text.startswith("type ", pos)
                                  or text.startswith("context ", pos)):
            mark = len(reader.diagnostics)
            try:
                pos = _block(text, pos, reader, part.decls)
                continue
            except _Skip:
                del reader.diagnostics[mark:]
        # The text up to the next line that may open a block, parsed and lowered
        # as `lower` does (spans from this offset: the chunk's anchor).
        found = _BLOCK_START(text, pos + 1)
        stop = found.start() if found is not None else length
        chunk = text[pos:stop]
        if stop < length and "\\" in chunk[chunk.rfind("\n", 0, -1) + 1:]:
            return None  # maybe a line continuation into the next line
        with anchored(Anchor(pos)):
            parsed = parse_clean(chunk)
        if parsed is None:
            return None
        nodes = parsed[0]
        if nodes:
            if first is None:
                first = nodes[0]
                if first.name != "mizan":
                    return None  # M101 / M102: lowering words them
            lower_nodes(reader, part, nodes)
        pos = stop
    if first is None:
        return None
    return assemble([part], [first], path)


def _split(rest: str, at: int) -> list[tuple[str, int]]:
    """The entries of a line (`_LINE`'s group 2, at offset `at`) with their offsets."""
    found = []
    if '"' in rest:
        for m in _ENTRIES(rest):
            found.append((m[1], at + m.start(1)))
        return found
    for word in rest.split(" "):
        if word:
            found.append((word, at))
            at += len(word) + 1
        else:
            at += 1
    return found


def _string(word: str, at: int) -> tuple[str, Span, str]:
    """An argument that must be a string: its text, span and spelling."""
    if word[0] == '"':
        return word[1:-1], Span(at, at + len(word)), word
    if (word[0] in _NUMBER_FIRST or "#" in word or "=" in word or '"' in word
            or word in _KEYWORD_IDENTIFIERS):
        raise _Skip  # a number or keyword, or a key or string glued to it: not a string
    span = _new(Span)  # Span(at, at + len(word))
    span._start, span._end, span.anchor = at, at + len(word), None
    return word, span, word


def _value(word: str, at: int) -> Value:
    """A property's value as the tree holds it."""
    if not word:
        raise _Skip  # `key=` and nothing
    if word[0] == '"':
        return Value(STRING, word[1:-1], Span(at, at + len(word)), word)
    value = word_value(word, at, at + len(word)) if '"' not in word else None
    if value is None:
        raise _Skip
    return value


def _name(text: str, span: Span) -> Name:
    name = _new(Name)  # Name(text, span)
    name.text, name.span = text, span
    return name


def _type(reader: Reader, text: str, span: Span, raw: str) -> TypeRef:
    """`read_type` of a string argument (a bare word without a Value when it
    reads without a problem)."""
    if raw == text:
        ref = _type_of(text, span)
        if ref is not None:
            return ref
    return read_type(reader, Value(STRING, text, span, raw), "")


def _type_of(text: str, span: Span) -> TypeRef | None:
    """`read_type` of a bare word that reads without a problem, else None."""
    simple = _simple_type(text)
    if simple is not None and not simple[2]:
        expr = _new(TypeExpr)
        expr.kind, expr.span, expr.name, expr.args = simple[0], span, simple[1], ()
    else:
        expr = bare_type(text, span)
        if expr is None:
            expr, problems = parse_type(text, span, span._start, "")
            if problems:
                return None
    ref = _new(TypeRef)
    ref.text, ref.span, ref.expr = text, span, expr
    return ref


def _props(reader: Reader, spec: NodeSpec, entries: list[tuple[str, int]], first: int
           ) -> tuple[dict[str, object], Doc | None]:
    """The properties among `entries[first:]` (all of them must be), read as
    `Reader._props` reads them, and the doc among them."""
    readers = spec.props
    values: dict[str, object] = {}
    doc = None
    for word, at in entries[first:]:
        eq = word.find("=")
        if eq <= 0:
            raise _Skip  # an argument after a property, or no key
        key = word[:eq]
        if key in values or (key == _DOC and doc is not None):
            raise _Skip  # a repeated key (M111)
        read = readers.get(key)
        text = word[eq + 1:]
        if read is read_name and _IS_WORD(text):  # `auth=admin`: read_name, inline
            at += eq + 1
            span = _new(Span)  # Span(at, at + len(text))
            span._start, span._end, span.anchor = at, at + len(text), None
            values[key] = _name(text, span)
            continue
        if read is read_type and _IS_WORD(text):
            at += eq + 1
            span = _new(Span)
            span._start, span._end, span.anchor = at, at + len(text), None
            values[key] = _type(reader, text, span, text)
            continue
        value = _value(text, at + eq + 1)
        if key == _DOC and spec.doc:
            doc = read_text(reader, value, "")
            if doc is None:
                raise _Skip
            continue
        if read is None:
            raise _Skip  # an unknown property (M105)
        converted = read(reader, value, "")
        if converted is None:
            raise _Skip
        values[key] = converted
    return values, doc


# How `fn`'s properties are read (`_fn_props`): 1 read_name, 2 read_type,
# 3 read_name_list, 4 read_bool.
_FN_READS = {"context": 1, "auth": 1, "kind": 1, "returns": 2, "affects": 3, "websocket": 4}
_NOT_FIRST = frozenset("0123456789+-.")
_BOOLS = {"#true": True, "#false": False}


def _fn_props(entries: list[tuple[str, int]]) -> dict[str, object] | None:
    """The properties of a `fn` line of bare words (`entries[1:]`), read as
    `FN`'s readers read them; None for anything else (`_props` reads it)."""
    values: dict[str, object] = {}
    for word, at in entries[1:]:
        eq = word.find("=")
        how = _FN_READS.get(word[:eq])
        if how is None or eq <= 0:
            return None
        key = word[:eq]
        text = word[eq + 1:]
        if key in values or not text:
            return None
        at += eq + 1
        if how == 4:
            value = _BOOLS.get(text)
            if value is None:
                return None
            literal = _new(Literal)  # Literal(value, Span(at, ...), text)
            literal.value, literal.span, literal.raw = value, Span(at, at + len(text)), text
            values[key] = literal
            continue
        if (text[0] in _NOT_FIRST or "#" in text or "=" in text
                or text in _KEYWORD_IDENTIFIERS):
            return None  # a number, a keyword (or `k=a=b`): the readers word it
        if how == 3:  # `affects=a,b`: a name per item, each with its own span
            names = []
            for item in text.split(","):
                if not item:
                    return None  # M114
                span = _new(Span)
                span._start, span._end, span.anchor = at, at + len(item), None
                names.append(_name(item, span))
                at += len(item) + 1
            values[key] = names
            continue
        span = _new(Span)
        span._start, span._end, span.anchor = at, at + len(text), None
        if how == 1:
            values[key] = _name(text, span)
        else:
            values[key] = _type_of(text, span)
            if values[key] is None:
                return None
    return values


def _block(text: str, pos: int, reader: Reader, out: FileDecls) -> int:
    """Read the `fn` or `type` block at `pos` (a line's start) into `out`:
    where it ends (past its last line). Raises _Skip for anything unusual."""
    m = _LINE.match(text, pos)
    if m is None or m[1] is None:
        raise _Skip
    mark = len(reader.diagnostics)
    kind = m[1]
    rest = m[2]
    entries = _split(rest, m.start(2))
    if not entries:
        raise _Skip
    word, at = entries[0]
    name = _name(*_string(word, at)[:2])
    props = _fn_props(entries) if kind == "fn" and '"' not in rest else None
    doc = None
    if props is None:
        props, doc = (_props(reader, _SPECS[kind], entries, 1)
                      if len(entries) > 1 else ({}, None))
    start = m.start(1)
    if m[3] is None:
        last, end = entries[-1]
        end += len(last)
        children: list = []
    else:
        children, doc, end, pos = _children(text, m.end(), reader, kind, doc)
    if len(reader.diagnostics) != mark:
        raise _Skip  # reported as the tree's lowering reports it, in its order
    span = _new(Span)  # Span(start, end)
    span._start, span._end, span.anchor = start, end, None
    if kind == "fn":
        named = props.get("affects")
        affects = [Affect(item, item.span) for item in named] if named else []
        params = []
        for child in children:
            if child.__class__ is Param:
                params.append(child)
            else:
                affects.append(child)
        # FunctionDecl(name, span, params, returns, context, affects, auth, websocket,
        # kind, doc), without its `__init__`
        decl = _new(FunctionDecl)
        decl.name, decl.span, decl.params, decl.affects, decl.doc = (
            name, span, params, affects, doc)
        get = props.get
        decl.returns, decl.context, decl.auth, decl.websocket, decl.kind = (
            get("returns"), get("context"), get("auth"), get("websocket"), get("kind"))
        out.functions.append(decl)
    elif kind == "type":
        out.types.append(TypeDecl(name, span, children, doc))
    else:
        decl = ContextDecl(name, span, [], props.get("auth"), None, None, doc)
        for child in children:
            if child.__class__ is Param:
                decl.params.append(child)
            elif child.__class__ is CachePolicy:
                if decl.cache is not None:
                    raise _Skip  # a second `cache` (M110)
                decl.cache = child
            elif decl.render is not None:
                raise _Skip  # a second `render` (M110)
            else:
                decl.render = child[1]
        out.contexts.append(decl)
    return pos if m[3] is not None else m.end()


def _children(text: str, pos: int, reader: Reader, kind: str, doc: Doc | None
              ) -> tuple[list, Doc | None, int, int]:
    """The children of a block up to its `}` line (a line of just `}`): the
    declarations they make, the block's doc, where its `}` ends and where
    its line ends."""
    close = text.find("\n}\n", pos - 1)
    if close < 0:
        raise _Skip
    found: list = []
    simple = _simple_type
    is_param = kind != "type"
    line = pos  # where each line starts (`pos`: how far the lines have been read)
    for indent, name_text, type_text, default, quoted, other in _BODY[kind](text, pos, close + 1):
        start = line + len(indent)
        if name_text:
            line = start + len(name_text) + len(type_text) + 8
            if default:
                line += len(default) + 9  # ` default=`
        else:
            line = start + (len(quoted) + 4 if quoted else len(other)) + 1
        if start < pos:
            continue  # a line of a multi-line string read with the doc before it
        if name_text:
            # Param(Name(name, Span), TypeRef, Span(start, end)) without `__init__`s;
            # `    param id int64\n`: the offsets follow from the lengths.
            at = start + 6  # past `param ` / `field `
            end = at + len(name_text)
            span = _new(Span)
            span._start, span._end, span.anchor = at, end, None
            name = _new(Name)
            name.text, name.span = name_text, span
            at = end + 1
            end = at + len(type_text)
            span = _new(Span)
            span._start, span._end, span.anchor = at, end, None
            one = simple(type_text)
            if one is not None and not one[2]:  # one name: `_type`, inline
                expr = _new(TypeExpr)
                expr.kind, expr.span, expr.name, expr.args = one[0], span, one[1], ()
                ref = _new(TypeRef)
                ref.text, ref.span, ref.expr = type_text, span, expr
            else:
                ref = _type(reader, type_text, span, type_text)
            literal = None
            if default:  # `default=1`: read_literal of the value the tree holds
                at = end + 9
                end = at + len(default)
                value = word_value(default, at, end)
                if value is None:
                    raise _Skip
                literal = _new(Literal)  # Literal(value.value, value.span, value.raw)
                literal.value, literal.span, literal.raw = value.value, value.span, value.raw
            span = _new(Span)
            span._start, span._end, span.anchor = start, end, None
            if is_param:
                param = _new(Param)
                param.name, param.type, param.span = name, ref, span
                param.default = literal
                param.doc = param.max_size = None
                param.content_types = []
                found.append(param)
            else:
                field = _new(Field)  # Field(name, ref, span)
                field.name, field.type, field.span = name, ref, span
                field.default, field.doc = literal, None
                found.append(field)
            pos = end + 1
        elif quoted:  # `doc "text"`: the block's doc (Doc(text, Span))
            if doc is not None:
                raise _Skip  # a second doc (M110)
            at = start + 4
            span = _new(Span)
            span._start, span._end, span.anchor = at, at + len(quoted), None
            doc = _new(Doc)
            doc.text, doc.span = quoted[1:-1], span
            pos = line
        elif other:
            doc, pos = _child(text, start, reader, kind, found, doc)
        else:
            pos = line  # a blank line
    if pos != close + 1:
        raise _Skip  # a multi-line string past the `}` line
    return found, doc, close + 2, close + 3


def _child(text: str, start: int, reader: Reader, kind: str, found: list, doc: Doc | None
           ) -> tuple[Doc | None, int]:
    """Read the child line at `start` into `found` (or the block's doc): the
    doc after it and where its line ends (a multi-line string's last line)."""
    long = _LONG_DOC(text, start)
    if long is not None:  # `doc """`: the string as the token loop reads it
        at = long.end()
        problems: list = []
        tok = read_quoted(text, at, problems)
        tail = _TAIL(text, tok.end_pos)
        if problems or tok.type != "STRING" or tail is None or doc is not None:
            raise _Skip
        return Doc(tok.value, Span(at, tok.end_pos)), tail.end()
    m = _LINE.match(text, start)
    if m is None or m[1] is None or m[3] is not None:
        raise _Skip  # not one node of bare words and plain strings, or a block
    word = m[1]
    rest = m[2]
    if not rest:
        raise _Skip  # a node without arguments
    at = m.start(2)
    is_param = kind != "type"
    if word == "param" if is_param else word == "field":
        entries = _split(rest, at)
        if len(entries) < 2:
            raise _Skip
        text_name, name_span, _ = _string(*entries[0])
        type_text, type_span, raw = _string(*entries[1])
        ref = _type(reader, type_text, type_span, raw)
        props, child_doc = _props(reader, PARAM if is_param else TYPE_FIELD, entries, 2)
        last, end = entries[-1]
        span = Span(start, end + len(last))
        if is_param:
            found.append(Param(_name(text_name, name_span), ref, span, props.get("default"),
                               child_doc, props.get("max-size"),
                               props.get("content-types") or []))
        else:
            found.append(Field(_name(text_name, name_span), ref, span, props.get("default"),
                               child_doc))
    elif word == _DOC:
        entries = _split(rest, at)
        if len(entries) != 1 or doc is not None:
            raise _Skip  # a second doc (M110), or a doc node to be read as one
        text_doc, doc_span, _ = _string(*entries[0])
        return Doc(text_doc, doc_span), m.end()
    elif word == "affects" and kind == "fn":
        entries = _split(rest, at)
        context = _name(*_string(*entries[0])[:2])
        props, _ = _props(reader, AFFECTS, entries, 1)
        last, end = entries[-1]
        found.append(Affect(context, Span(start, end + len(last)), props.get("by"),
                            props.get("scope")))
    elif word == "cache" and kind == "context":
        entries = _split(rest, at)
        props, _ = _props(reader, CACHE, entries, 0)
        last, end = entries[-1]
        found.append(CachePolicy(Span(start, end + len(last)), props.get("ttl"),
                                 props.get("vary")))
    elif word == "render" and kind == "context":
        entries = _split(rest, at)
        if len(entries) != 1:
            raise _Skip
        found.append(("render", _name(*_string(*entries[0])[:2])))
    else:
        raise _Skip
    return doc, m.end()
