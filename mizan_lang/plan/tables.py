"""The server table: the plan as JSON data a runtime interprets.

What every generated server embeds (Python targets in `spec.py`): the type
table of the codec (`schema`, from `mizan_lang.protocol`), and per function
and context everything dispatch needs: params with their IR types and
wire-form defaults, the result type, the auth rule, the invalidation table.
A runtime reads it and needs no other knowledge of the spec, so all server
targets act on the same decisions, byte for byte.
"""

from __future__ import annotations

from typing import Any

from ..ir import model as ir
from ..protocol.forms import form_schema
from ..protocol.from_ir import default_to_wire, schema_from_ir
from ..protocol.schema import Schema, type_to_json
from .model import AuthRule, AuthTable, Context, Function, Param


def build_tables(workspace: ir.Workspace, functions: tuple[Function, ...],
                 contexts: tuple[Context, ...], auth: AuthTable) -> dict[str, Any]:
    schema = schema_from_ir(workspace)
    enums = {enum.name: tuple(m.name for m in enum.members) for enum in workspace.enums}
    return {
        "schema": schema.to_json(),
        "functions": {fn.name: _function(fn, schema) for fn in functions},
        "contexts": {ctx.name: _context(ctx, schema) for ctx in contexts},
        # The JSON of `GET form/<name>/`: what validation works from (13).
        "forms": {form.name: form_schema(form, enums) for form in workspace.forms},
        "auth": {"used": auth.used, "jwt": auth.jwt.model_dump(mode="json")},
    }


def auth_json(rule: AuthRule) -> dict[str, Any]:
    data: dict[str, Any] = {"level": rule.level, "kind": rule.kind}
    if rule.kind == "guard":
        data["claim"] = rule.claim
        if rule.has_value:
            data["value"] = rule.value
    return data


def _param(param: Param, schema: Schema) -> dict[str, Any]:
    data: dict[str, Any] = {"name": param.name, "type": type_to_json(param.type)}
    if param.default is not None:
        data["default"] = default_to_wire(param.type, param.default.value, schema)
    if param.upload is not None:
        data["upload"] = {"max_size": param.upload.max_size,
                          "content_types": list(param.upload.content_types)}
    return data


def _function(fn: Function, schema: Schema) -> dict[str, Any]:
    return {
        "kind": fn.kind,
        "params": [_param(param, schema) for param in fn.params],
        "returns": type_to_json(fn.returns) if fn.returns is not None else None,
        "auth": auth_json(fn.auth),
        "context": fn.context,
        "websocket": fn.websocket,
        "multipart": fn.multipart,
        "invalidates": [
            {"context": inv.context, "tier": inv.tier,
             "bindings": {binding.key: binding.param for binding in inv.bindings}}
            for inv in fn.invalidates
        ],
    }


def _context(ctx: Context, schema: Schema) -> dict[str, Any]:
    return {
        "keys": [_param(key, schema) for key in ctx.keys],
        "members": [member.function for member in ctx.members],
        "auth": auth_json(ctx.auth),
        "cache": {"ttl": ctx.cache.ttl, "vary": ctx.cache.vary},
        "render": ctx.render,
    }
