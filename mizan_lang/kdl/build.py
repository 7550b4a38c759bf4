"""Reduce actions: how each grammar rule builds the document model.

The LALR driver (parser.py) calls one action per reduction with the values of
the rule's symbols. Actions are chosen once per rule, by the rule's name, so
the hot loop does no dispatching of its own. Optional parts make the number
of values vary; actions tell them apart by type.
"""

from __future__ import annotations

from collections.abc import Callable

from ..source import Span
from .model import NULL, NUMBER, STRING, Node, Prop, Value

Action = Callable[[list], object]


class Dropped:
    """A slashdashed part: parsed, then thrown away."""

    __slots__ = ()


DROPPED = Dropped()


class Annotation:
    __slots__ = ("name", "span")

    def __init__(self, name: str, span: Span) -> None:
        self.name = name
        self.span = span


class Block:
    __slots__ = ("nodes", "span")

    def __init__(self, nodes: list[Node], span: Span) -> None:
        self.nodes = nodes
        self.span = span


def _first(args: list) -> object:
    return args[0]


def _dropped(args: list) -> object:
    return DROPPED


def _nodes(args: list) -> list[Node]:
    out: list[Node] = []
    for arg in args:
        kind = type(arg)
        if kind is list:
            out.extend(arg)
        elif kind is Node:
            out.append(arg)
    return out


def _node_list(args: list) -> list[Node]:
    """Lark's helper rule for the `(node terminator)*` repetition."""
    first = args[0]
    if type(first) is list:
        item = args[1]
        if type(item) is Node:
            first.append(item)
        return first
    return [first] if type(first) is Node else []


def _annotation(args: list) -> Annotation:
    lparen, tok, rparen = args
    return Annotation(tok.value, Span(lparen.start_pos, rparen.end_pos))


def _value(args: list) -> Value:
    tok = args[-1]
    ttype = tok.type
    if ttype == "IDENT" or ttype == "STRING":
        kind = STRING
    elif ttype == "NUMBER":
        kind = NUMBER
    elif tok.value is None:
        kind = NULL
    elif tok.value is True or tok.value is False:
        kind = "bool"
    else:
        kind = NUMBER  # #inf, #-inf, #nan
    val = Value(kind, tok.value, Span(tok.start_pos, tok.end_pos), tok.raw)
    if len(args) == 2:
        val.type = args[0].name
        val.type_span = args[0].span
    return val


def _prop(args: list) -> Prop:
    key, value = args
    return Prop(key.value, Span(key.start_pos, key.end_pos), value,
                Span(key.start_pos, value.span.end))


def _entries(args: list) -> list:
    last = args[-1]
    if len(args) > 1 and type(args[-2]) is not list:
        last = DROPPED  # `/- value` or `/- key=value`: the token before is the slashdash
    first = args[0]
    if type(first) is list:
        first.append(last)
        return first
    return [last]


def _children(args: list) -> Block:
    lbrace, nodes, rbrace = args
    return Block(nodes, Span(lbrace.start_pos, rbrace.end_pos))


def _child_blocks(args: list) -> Block | Dropped:
    for arg in args:
        if type(arg) is Block:
            return arg
    return DROPPED


def _dropped_blocks(args: list) -> Dropped:
    return DROPPED


def _node(args: list) -> Node:
    first = args[0]
    if type(first) is Annotation:
        name_tok = args[1]
        start = first.span.start
        type_name, type_span = first.name, first.span
    else:
        name_tok = first
        start = name_tok.start_pos
        type_name = type_span = None
    end = name_tok.end_pos
    node = Node(name_tok.value, Span(name_tok.start_pos, end), Span(start, end),
                type_name, type_span)
    for part in args:
        kind = type(part)
        if kind is list:
            node_args = node.args
            props = node.props
            for entry in part:
                if type(entry) is Value:
                    node_args.append(entry)
                    end = entry.span.end
                elif type(entry) is Prop:
                    props.append(entry)
                    end = entry.span.end
        elif kind is Block:
            node.children = part.nodes
            node.children_span = part.span
            end = part.span.end
    node.span = Span(start, end)
    return node


_BY_NAME: dict[str, Action] = {
    "start": _first,
    "nodes": _nodes,
    "dropped_node": _dropped,
    "dropped_block": _dropped,
    "annotation": _annotation,
    "value": _value,
    "prop": _prop,
    "entries": _entries,
    "children": _children,
    "child_blocks": _child_blocks,
    "node": _node,
}


def action_for(origin: str, alias: str | None, expansion: tuple[str, ...]) -> Action:
    """The reduce action for one grammar rule."""
    if origin.startswith("__nodes"):  # Lark's helper rule for `(node terminator)*`
        return _node_list
    if origin.startswith("__"):  # helper rules for repeated slashdashed blocks
        return _dropped_blocks
    return _BY_NAME[alias or origin]
