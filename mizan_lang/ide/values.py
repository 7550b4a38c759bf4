"""Completion of values: property values and node arguments.

Each source adds items to a `complete.Request`; the fixed lists of allowed
values are the checker's own tables, the names come from the CheckResult.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .. import lower
from ..check.auth import BUILTIN_LEVELS, JWT_ALGORITHMS
from ..check.contexts import RENDER, VARY
from ..check.forms import FORM_PRIMITIVES, TEXT_TYPES
from ..check.functions import KINDS
from ..check.rtypes import PRIMITIVES, SCALAR_PRIMITIVES, UPLOAD
from ..check.scoping import TIERS
from ..decls import ContextDecl, EnumDecl, FunctionDecl, ModelDecl, ShapeDecl
from ..kdl.model import STRING
from ..lower_read import NodeSpec, read_bool
from ..source import Span
from ..workspace import EXTENSION
from . import words
from .cursor import Part, Word, node_at_start
from .describe import guard_text, keys_text, preview_bindings, shown_path, signature, type_text

if TYPE_CHECKING:
    from .complete import Request

BOOLS = ("#true", "#false")
FIXED = {("cache", "vary"): VARY, ("affects", "scope"): TIERS, ("fn", "kind"): KINDS,
         ("jwt", "algorithm"): JWT_ALGORITHMS}
TYPE_STOPS = "<>,?"


# --- entry points ---------------------------------------------------------------------
def property_value(req: Request, spec: NodeSpec, part: Part) -> None:
    key = part.key.text
    word = part.value
    where = (spec.name, key)
    if where == ("fn", "affects"):
        _context_list(req, word)
    elif where == ("affects", "by"):
        _bindings(req, word)
    elif where == ("fn", "returns"):
        _types(req, word, PRIMITIVES, generics=True, kinds=("type", "enum", "shape"))
    elif key == "default" and spec.name in ("param", "field"):
        _defaults(req, word)
    else:
        _start(req, word)
        if where in FIXED:
            _fixed(req, FIXED[where], key)
        elif where == ("fn", "context"):
            _contexts(req)
        elif key == "auth":
            _auth_levels(req)
        elif where in (("relation", "to"), ("shape", "model")):
            _models(req)
        elif where == ("field", "shape"):
            _shapes(req)
        elif where == ("form", "submit"):
            _mutations(req)
        elif spec.props.get(key) is read_bool:
            _fixed(req, BOOLS, key)


def argument(req: Request, spec: NodeSpec, index: int, word: Word | None) -> None:
    name = spec.name
    frame = req.cursor.frames[-1].name if req.cursor.frames else ""
    if index == 1:  # the type of a param, field or column
        if spec is lower.PARAM and frame == "fn":
            _types(req, word, PRIMITIVES, generics=True, kinds=("type", "enum", "shape"),
                   upload=True)
        elif spec is lower.PARAM:  # a context key: scalars only
            _types(req, word, SCALAR_PRIMITIVES, generics=False, kinds=("enum",))
        elif spec is lower.TYPE_FIELD:
            _types(req, word, PRIMITIVES, generics=True, kinds=("type", "enum", "shape"))
        elif spec is lower.COLUMN:
            _types(req, word, PRIMITIVES, generics=False, kinds=())
        elif spec is lower.FORM_FIELD:
            _types(req, word, (*FORM_PRIMITIVES, *TEXT_TYPES), generics=False, kinds=("enum",))
        return
    if index != 0:
        return
    if name == "import":
        _imports(req, word)
        return
    if word is not None and word.quoted and name != "affects":
        return
    _start(req, word)
    if name == "mizan":
        req.add("1", "value", "language version 1")
    elif name == "render":
        _fixed(req, RENDER, "render")
    elif name == "default" and frame == "auth":
        _auth_levels(req)
    elif name == "affects":
        _context_list(req, word, single=True)
    elif spec is lower.SHAPE_FIELD:
        _shape_fields(req)
    elif spec is lower.FORM_FIELD:
        _form_fields(req)


def _start(req: Request, word: Word | None, stops: str = "") -> None:
    if word is not None:
        req.replace(word.start, stops)


# --- fixed values ---------------------------------------------------------------------
def _fixed(req: Request, values: tuple[str, ...], key: str) -> None:
    for value in values:
        req.add(value, "value", "", words.value_doc(value, key))


def _auth_levels(req: Request) -> None:
    for level in BUILTIN_LEVELS:
        req.add(level, "value", "auth level", words.value_doc(level, "auth"))
    guards = req.result.symbols.get("guard", {})
    for name in req.wanted(guards):
        guard = guards[name].decl
        req.add(name, "guard", f"guard: {guard_text(guard)}", _doc(guard))


# --- names from the workspace -----------------------------------------------------------
def _doc(decl: object) -> str:
    doc = getattr(decl, "doc", None)
    return doc.text if doc is not None else ""


def _context_detail(ctx: ContextDecl) -> str:
    return f"context ({keys_text(ctx)})"


def _contexts(req: Request, exclude: frozenset[str] = frozenset(),
              params: list[tuple[str, str]] | None = None) -> None:
    contexts = req.result.symbols.get("context", {})
    for name in req.wanted(contexts):
        if name in exclude:
            continue
        ctx = contexts[name].decl
        if params is None:
            detail = _context_detail(ctx)
        else:  # the tier this mutation would get, as its params stand
            tier, bound = preview_bindings(ctx, params)
            pairs = ", ".join(f"{key} <- {param}" for key, param in bound.items())
            detail = f"{tier} ({pairs})" if pairs else tier
        req.add(name, "context", detail, _doc(ctx))


def _fragment(req: Request, word: Word | None, separators: str) -> str:
    """Point the request at the item being typed inside a list; return the text before it."""
    if word is None:
        return ""
    typed = req.text[word.start:req.offset]
    cut = max(typed.rfind(sep) for sep in separators) + 1
    while cut < len(typed) and typed[cut] == " ":
        cut += 1
    req.replace(word.start + cut, separators)
    return typed[:cut]


def _context_list(req: Request, word: Word | None, single: bool = False) -> None:
    """`affects=a,b` or the argument of an `affects` child: contexts not yet affected."""
    if single:
        _start(req, word)
        before = ""
    else:
        before = _fragment(req, word, ",")
    listed = {item.strip() for item in before.split(",") if item.strip()}
    fn = _function_node(req)
    if fn is not None:
        for child in fn.children or ():
            if child.name == "affects" and child.args and not child.span.contains(req.offset):
                listed.add(child.args[0].text)
        prop = fn.prop("affects")
        if single and prop is not None and prop.value.kind == STRING:
            listed.update(item.strip() for item in prop.value.value.split(","))
    _contexts(req, frozenset(listed), _fn_params(req))


def _function_node(req: Request):
    """The KDL node of the function being written (the top-level node at the cursor)."""
    cursor = req.cursor
    start = cursor.frames[0].start if cursor.frames else cursor.start
    if start is None:
        return None
    node = node_at_start(req.source.parse.document, start)
    return node if node is not None and node.name == "fn" else None


def _fn_params(req: Request) -> list[tuple[str, str]]:
    """(name, type) of the params of the function at the cursor, as written."""
    node = _function_node(req)
    params = []
    if node is not None:
        for child in node.children or ():
            if child.name == "param" and len(child.args) >= 2:
                params.append((child.args[0].text, child.args[1].text))
    if params or node is None:
        return params
    for fn in req.source.decls.functions:  # the tree lost them: use the last lowering
        if fn.span.start == node.span.start:
            return [(p.name.text, type_text(p.type)) for p in fn.params]
    return params


def _bindings(req: Request, word: Word | None) -> None:
    """`by=` on an `affects` child: context keys (`key:`) and the function's params."""
    args = [p for p in req.cursor.done_parts() if p.key is None]
    ctx_symbol = req.result.symbols.get("context", {}).get(args[0].value.text) if args else None
    ctx = ctx_symbol.decl if ctx_symbol is not None else None
    before = _fragment(req, word, ",:")
    keys = ctx.params if isinstance(ctx, ContextDecl) else []
    after_colon = before.endswith(":")
    if not after_colon:
        taken = {item.split(":")[0].strip() for item in before.split(",")}
        for key in keys:
            if key.name.text not in taken:
                req.add(key.name.text + ":", "key", f"key of {ctx.name.text}: "
                        f"{type_text(key.type)}", _doc(key), filter=key.name.text)
        if len(keys) > 1:
            return  # the short form `by=param` is for single-key contexts only
    for name, ptype in _fn_params(req):
        req.add(name, "param", ptype, group=2)


def _defaults(req: Request, word: Word | None) -> None:
    """`default=` on a field or param: members of an enum type, booleans, #null."""
    _start(req, word)
    args = [p for p in req.cursor.done_parts() if p.key is None]
    written = args[1].value.text.replace(" ", "") if len(args) > 1 else ""
    base = written.rstrip("?")
    if base == "bool":
        _fixed(req, BOOLS, "default")
    symbol = req.result.symbols.get("type", {}).get(base)
    if symbol is not None and isinstance(symbol.decl, EnumDecl):
        for member in symbol.decl.members:
            req.add(member.name.text, "member", f"{base} member", _doc(member))
    if written.endswith("?"):
        req.add("#null", "value", "", words.value_doc("#null"), group=2)


def _models(req: Request) -> None:
    models = req.result.symbols.get("model", {})
    for name in req.wanted(models):
        model = models[name].decl
        table = f" (table {model.table.text})" if model.table is not None else ""
        req.add(name, "model", "model" + table, _doc(model))


def _shape_target(req: Request) -> ModelDecl | None:
    """The model a relation field of the shape at the cursor points to."""
    frame = req.cursor.frames[-1] if req.cursor.frames else None
    args = [p for p in req.cursor.done_parts() if p.key is None]
    if frame is None or not args:
        return None
    shape = req.result.symbols.get("type", {}).get(frame.arg or "")
    if shape is None or not isinstance(shape.decl, ShapeDecl) or shape.decl.model is None:
        return None
    model = req.result.symbols.get("model", {}).get(shape.decl.model.text)
    if model is None:
        return None
    for rel in model.decl.relations:
        if rel.name.text == args[0].value.text:
            target = req.result.symbols.get("model", {}).get(rel.target.text)
            return target.decl if target is not None else None
    return None


def _shapes(req: Request) -> None:
    target = _shape_target(req)
    types = req.result.symbols.get("type", {})
    for name in req.wanted(types):
        decl = types[name].decl
        if not isinstance(decl, ShapeDecl):
            continue
        model = decl.model.text if decl.model is not None else "?"
        if target is not None and model != target.name.text:
            continue
        req.add(name, "shape", f"shape of {model}", _doc(decl))


def _mutations(req: Request) -> None:
    functions = req.result.symbols.get("function", {})
    kinds = req.result.function_kinds
    for name in req.wanted(name for name, kind in kinds.items() if kind == "mutation"):
        symbol = functions.get(name)
        if symbol is not None:
            req.add(name, "function", signature(symbol.decl), _doc(symbol.decl))


def _shape_fields(req: Request) -> None:
    """`field <name>` in a shape: columns and relations of its model not listed yet."""
    frame = req.cursor.frames[-1]
    shape = req.result.symbols.get("type", {}).get(frame.arg or "")
    if shape is None or not isinstance(shape.decl, ShapeDecl) or shape.decl.model is None:
        return
    model = req.result.symbols.get("model", {}).get(shape.decl.model.text)
    if model is None:
        return
    taken = set(frame.children) | _children_args(req, "field")
    for column in model.decl.columns:
        if column.name.text not in taken:
            req.add(column.name.text, "key", f"column: {type_text(column.type)}", _doc(column))
    for rel in model.decl.relations:
        if rel.name.text not in taken:
            many = "many " if rel.many is not None and rel.many.value is True else ""
            req.add(rel.name.text, "key", f"relation: {many}{rel.target.text}", _doc(rel))


def _form_fields(req: Request) -> None:
    """`field <name>` in a form: params of the submitted mutation not covered yet."""
    frame = req.cursor.frames[-1]
    form = req.result.symbols.get("form", {}).get(frame.arg or "")
    submit = form.decl.submit if form is not None else None
    fn = req.result.symbols.get("function", {}).get(submit.text) if submit is not None else None
    if fn is None or not isinstance(fn.decl, FunctionDecl):
        return
    taken = _children_args(req, "field")
    for param in fn.decl.params:
        if param.name.text not in taken:
            req.add(param.name.text, "param", type_text(param.type), _doc(param))


def _children_args(req: Request, name: str) -> set[str]:
    """First arguments of the `name` children of the enclosing block (but the one typed)."""
    node = node_at_start(req.source.parse.document, req.cursor.frames[-1].start)
    found = set()
    for child in (node.children or ()) if node is not None else ():
        if child.name == name and child.args and not child.span.contains(req.offset):
            found.add(child.args[0].text)
    return found


# --- types ---------------------------------------------------------------------------------
def _types(req: Request, word: Word | None, primitives: tuple[str, ...], generics: bool,
           kinds: tuple[str, ...], upload: bool = False) -> None:
    before = _fragment(req, word, TYPE_STOPS) if word is not None else ""
    if before.replace(" ", "").endswith("map<"):
        req.add("str", "primitive", "map keys are text", words.PRIMITIVES["str"])
        return
    for name in primitives:
        req.add(name, "primitive", "primitive", words.PRIMITIVES.get(name, ""))
    if generics:
        snippet = req.snippets
        req.add("list<…>", "primitive", "list<T>", words.PRIMITIVES["list"],
                insert="list<$1>" if snippet else "list<", snippet=snippet, filter="list")
        req.add("map<str,…>", "primitive", "map<str,T>", words.PRIMITIVES["map"],
                insert="map<str,$1>" if snippet else "map<str,", snippet=snippet, filter="map")
    if upload and "<" not in before:
        req.add(UPLOAD, "primitive", "file upload", words.PRIMITIVES[UPLOAD])
    if not kinds:
        return
    types = req.result.symbols.get("type", {})
    for name in req.wanted(types):
        symbol = types[name]
        if symbol.kind not in kinds:
            continue
        detail = symbol.kind
        if isinstance(symbol.decl, ShapeDecl) and symbol.decl.model is not None:
            detail = f"shape of {symbol.decl.model.text}"
        req.add(name, symbol.kind, detail, _doc(symbol.decl), group=2)


# --- import paths ------------------------------------------------------------------------
def _imports(req: Request, word: Word | None) -> None:
    """Other .mizan files, relative to the importing file's folder."""
    path = req.source.path
    folder = os.path.dirname(path)
    if word is not None:
        req.replace(word.start)
        if word.quoted:
            end = req.text.find('"', req.offset)
            line_end = req.text.find("\n", req.offset)
            if end >= 0 and (line_end < 0 or end < line_end):
                req.span = Span(word.start, end)
    quote = '' if word is not None and word.quoted else '"'
    candidates = set(req.analysis.files)
    try:
        with os.scandir(folder) as entries:
            candidates.update(os.path.join(folder, e.name).replace(os.sep, "/") for e in entries
                              if e.name.endswith(EXTENSION) and e.is_file())
    except OSError:
        pass
    imported = {os.path.normpath(os.path.join(folder, imp.path)).replace(os.sep, "/")
                for imp in req.source.decls.imports}
    shown = sorted((shown_path(c, path) for c in candidates
                    if c != path and c.endswith(EXTENSION) and c not in imported),
                   key=lambda p: (p.count("/"), p))
    for rel in shown:
        req.add(rel, "file", "", insert=f"{quote}{rel}{quote}", filter=rel)
