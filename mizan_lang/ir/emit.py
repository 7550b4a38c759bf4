"""Print the IR: canonical JSON, and canonical `.mizan` (KDL v2).

The KDL form is a valid one-file spec that checks to the same IR: defaults
are written out, every invalidation is an explicit `affects` child carrying
its tier, and members and `affected_by` are left to be derived again.
Declarations come in a fixed section order (auth, enums, types, models,
shapes, contexts, functions, forms), each sorted by name, one blank line
between top-level nodes.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

from ..kdl import dumps
from ..kdl.model import BOOL, NULL, NUMBER, STRING, Document, Node, Prop, Value
from ..source import Span
from . import model as ir

_NOWHERE = Span(0, 0)


# --- JSON ------------------------------------------------------------------------


def to_json(workspace: ir.Workspace) -> str:
    """Sorted keys, 2-space indent, UTF-8 text (not \\u escapes), trailing newline.

    Decimals are strings (exact, as on the wire); pydantic's JSON encoder does
    the conversion (and writes a non-finite float as a string, never as the
    invalid bare `Infinity`); re-read it to sort the keys.
    """
    data = json.loads(workspace.model_dump_json())
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# --- KDL -------------------------------------------------------------------------


def to_kdl(workspace: ir.Workspace) -> str:
    nodes = [_node("mizan", workspace.version), _auth(workspace.auth)]
    nodes += [_enum(enum) for enum in workspace.enums]
    nodes += [_record(record) for record in workspace.types]
    nodes += [_model(model) for model in workspace.models]
    nodes += [_shape(shape) for shape in workspace.shapes]
    nodes += [_context(ctx) for ctx in workspace.contexts]
    nodes += [_function(fn) for fn in workspace.functions]
    nodes += [_form(form) for form in workspace.forms]
    return "\n".join(dumps(Document(nodes=[node], span=_NOWHERE)) for node in nodes)


def _value(python: object) -> Value:
    if isinstance(python, bool):
        return Value(BOOL, python, _NOWHERE, raw="#true" if python else "#false")
    if python is None:
        return Value(NULL, None, _NOWHERE, raw="#null")
    if isinstance(python, str):
        return Value(STRING, python, _NOWHERE)
    if isinstance(python, float) and math.isfinite(python):
        python = Decimal(repr(python))  # the printer keeps Decimal spelling
    return Value(NUMBER, python, _NOWHERE, raw=str(python))


def _node(name: str, *args: object, children: list[Node] | None = None,
          **props: object) -> Node:
    """A node; props whose value is None are left out (None means "not set")."""
    return Node(
        name=name,
        name_span=_NOWHERE,
        span=_NOWHERE,
        args=[_value(arg) for arg in args],
        props=[Prop(key.replace("_", "-"), _NOWHERE, _value(value), _NOWHERE)
               for key, value in props.items() if value is not None],
        children=children or None,
    )


def _with_doc(doc: str | None, children: list[Node]) -> list[Node]:
    return ([_node("doc", doc)] if doc is not None else []) + children


def _auth(auth: ir.Auth) -> Node:
    jwt = auth.jwt
    children = [_node("jwt", algorithm=jwt.algorithm, issuer=jwt.issuer, audience=jwt.audience,
                      access_ttl=jwt.access_ttl, refresh_ttl=jwt.refresh_ttl)]
    for guard in auth.guards:
        children.append(_node("guard", guard.name, claim=guard.claim, value=guard.value,
                              doc=guard.doc))
    children.append(_node("default", auth.default))
    return _node("auth", children=children)


def _enum(enum: ir.Enum) -> Node:
    members = [_node(member.name, doc=member.doc) for member in enum.members]
    return _node("enum", enum.name, children=_with_doc(enum.doc, members))


def _record(record: ir.Record) -> Node:
    fields = [_typed("field", f.name, f.type, f.default, doc=f.doc) for f in record.fields]
    return _node("type", record.name, children=_with_doc(record.doc, fields))


def _typed(node: str, name: str, type_: ir.TypeRef, default: ir.Default | None,
           **props: object) -> Node:
    made = _node(node, name, ir.type_text(type_), **props)
    if default is not None:  # added here: a null default must print as #null
        made.props.append(Prop("default", _NOWHERE, _value(default.value), _NOWHERE))
    return made


def _param(param: ir.Param) -> Node:
    types = ",".join(param.content_types) if param.content_types else None
    return _typed("param", param.name, param.type, param.default, doc=param.doc,
                  max_size=param.max_size, content_types=types)


def _model(model: ir.Model) -> Node:
    children = [_node("column", c.name, ir.type_text(c.type), primary=c.primary,
                      unique=c.unique, scale=c.scale, max_length=c.max_length, doc=c.doc)
                for c in model.columns]
    children += [_node("relation", r.name, to=r.to, many=r.many, on_delete=r.on_delete,
                       doc=r.doc)
                 for r in model.relations]
    return _node("model", model.name, table=model.table,
                 children=_with_doc(model.doc, children))


def _shape(shape: ir.Shape) -> Node:
    fields = [_node("field", f.name, shape=f.shape) for f in shape.fields]
    return _node("shape", shape.name, model=shape.model, children=_with_doc(shape.doc, fields))


def _context(ctx: ir.Context) -> Node:
    children = [_param(p) for p in ctx.params]
    children.append(_node("cache", ttl=ctx.cache.ttl, vary=ctx.cache.vary))
    children.append(_node("render", ctx.render))
    return _node("context", ctx.name, auth=ctx.auth, children=_with_doc(ctx.doc, children))


def _function(fn: ir.Function) -> Node:
    children = [_param(p) for p in fn.params]
    children += [_affects(inv) for inv in fn.invalidates]
    returns = ir.type_text(fn.returns) if fn.returns is not None else None
    return _node("fn", fn.name, kind=fn.kind, context=fn.context, auth=fn.auth,
                 returns=returns, websocket=fn.websocket, children=_with_doc(fn.doc, children))


def _affects(inv: ir.Invalidation) -> Node:
    by = ",".join(f"{key}:{param}" for key, param in inv.bindings.items()) or None
    return _node("affects", inv.context, by=None if inv.tier == "global" else by,
                 scope=inv.tier)


def _form(form: ir.Form) -> Node:
    fields = []
    for f in form.fields:
        v = f.validators
        fields.append(_node("field", f.name, ir.type_text(f.type), label=f.label,
                            required=v.required, min=v.min, max=v.max,
                            min_length=v.min_length, max_length=v.max_length,
                            pattern=v.pattern, doc=f.doc))
    return _node("form", form.name, submit=form.submit, children=_with_doc(form.doc, fields))
