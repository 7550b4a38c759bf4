"""The OpenAPI 3.1 document of a spec's protocol endpoints (docs/protocol.md).

Built from the plan's server tables, so it describes exactly what the
generated servers accept and answer: every value in its wire form (4.1),
every function's arguments and result (one `POST call/` operation whose
body is a union over the functions, discriminated by `fn`), every context
bundle (`GET ctx/<name>/` with its key params), the forms, the auth
endpoints and the error bodies (3). Paths are relative to the prefix; the
servers set `servers` to where they are mounted.
"""

from __future__ import annotations

from typing import Any

from mizan_lang.plan import Plan

OPENAPI_VERSION = "3.1.0"

# docs/protocol.md 3: status -> the codes a response with it may carry.
ERRORS_BY_STATUS = {
    "400": ("bad_request", "invalid_arguments"),
    "401": ("unauthenticated",),
    "403": ("forbidden", "csrf_failed"),
    "404": ("not_found",),
    "413": ("payload_too_large",),
    "415": ("unsupported_media_type",),
    "422": ("validation_failed",),
    "500": ("internal",),
}
ERROR_CODES = tuple(code for codes in ERRORS_BY_STATUS.values() for code in codes) + (
    "method_not_allowed",
)
# The statuses every operation may answer, and the extra ones per kind.
COMMON_STATUSES = ("400", "404", "500")
AUTH_STATUSES = ("401", "403")

_INT64 = r"^(0|-?[1-9][0-9]*)$"
_DECIMAL = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"
PRIMITIVES: dict[str, dict[str, Any]] = {
    "bool": {"type": "boolean"},
    "int": {"type": "integer", "format": "int32", "minimum": -(2**31), "maximum": 2**31 - 1},
    "int64": {"type": "string", "pattern": _INT64, "description": "A 64-bit integer, as text."},
    "float": {"type": "number", "format": "double"},
    "decimal": {"type": "string", "pattern": _DECIMAL, "description": "A decimal, as text."},
    "str": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "uuid": {"type": "string", "format": "uuid"},
    "bytes": {"type": "string", "contentEncoding": "base64"},
    "json": {},
}


def schema_of(type_: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a value of the table type `type_` (its wire form)."""
    kind = type_["kind"]
    if kind == "primitive":
        return dict(PRIMITIVES[type_["name"]])
    if kind == "named":
        return {"$ref": f"#/components/schemas/{type_['name']}"}
    if kind == "list":
        return {"type": "array", "items": schema_of(type_["item"])}
    if kind == "map":
        return {"type": "object", "additionalProperties": schema_of(type_["value"])}
    if kind == "nullable":
        return {"anyOf": [schema_of(type_["inner"]), {"type": "null"}]}
    if kind == "upload":
        return {"type": "string", "format": "binary"}
    raise ValueError(f"no schema for type kind {kind!r}")


def _object(params: list[dict[str, Any]], *, all_required: bool = False) -> dict[str, Any]:
    """An object with exactly these members; those without a default are required."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {p["name"]: schema_of(p["type"]) for p in params},
        "additionalProperties": False,
    }
    required = [p["name"] for p in params if all_required or "default" not in p]
    if required:
        schema["required"] = required
    return schema


def _with_doc(schema: dict[str, Any], doc: str | None) -> dict[str, Any]:
    if doc:
        schema["description"] = doc
    return schema


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _auth_note(rule: dict[str, Any]) -> str:
    level = rule["level"]
    if level == "public":
        return "Auth: public."
    if rule["kind"] == "guard":
        return f"Auth: {level} (a signed-in caller whose claim `{rule['claim']}` allows it)."
    return f"Auth: {level} (a signed-in caller)."


def _security(rule: dict[str, Any]) -> list[dict[str, list[str]]]:
    if rule["level"] == "public":
        return [{}, {"bearer": []}, {"cookie": []}]
    return [{"bearer": []}, {"cookie": []}]


def _responses(ok: dict[str, Any], statuses: tuple[str, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {"200": ok}
    for status in sorted(statuses):
        found[status] = {"$ref": f"#/components/responses/Error{status}"}
    return found


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def build_openapi(plan: Plan, *, title: str = "Mizan API") -> dict[str, Any]:
    tables = plan.tables
    docs = {fn.name: fn.doc for fn in plan.functions}
    named_docs = {t.name: t.doc for t in [*plan.ir.types, *plan.ir.shapes, *plan.ir.enums]}
    schemas: dict[str, Any] = {}
    for name, members in sorted(tables["schema"].get("enums", {}).items()):
        schemas[name] = _with_doc({"type": "string", "enum": list(members)}, named_docs.get(name))
    for name, fields in sorted(tables["schema"].get("records", {}).items()):
        schemas[name] = _with_doc(_object(fields), named_docs.get(name))
    schemas["Error"] = {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "enum": list(ERROR_CODES)},
                    "message": {"type": "string"},
                    "details": {},
                },
            }
        },
    }
    schemas["Invalidation"] = {
        "type": "object",
        "required": ["context", "params"],
        "additionalProperties": False,
        "properties": {
            "context": {"type": "string"},
            "params": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
        },
    }

    paths: dict[str, Any] = {}
    functions = tables["functions"]
    calls, mapping = [], {}
    for name in sorted(functions):
        fn = functions[name]
        plain = [p for p in fn["params"] if p["type"]["kind"] != "upload"]
        args = _with_doc(_object(plain), None)
        schemas[f"{_camel(name)}Args"] = args
        call_schema = {
            "type": "object",
            "required": ["fn"],
            "additionalProperties": False,
            "properties": {
                "fn": {"type": "string", "const": name},
                "args": {"$ref": f"#/components/schemas/{_camel(name)}Args"},
            },
            "description": " ".join(
                filter(None, [docs.get(name), f"A {fn['kind']}.", _auth_note(fn["auth"])])
            ),
        }
        result = _result_schema(fn)
        schemas[f"{_camel(name)}Result"] = {
            "type": "object",
            "required": ["result", "invalidate"],
            "additionalProperties": False,
            "properties": {
                "result": result,
                "invalidate": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Invalidation"},
                },
            },
            "description": f"The answer of `{name}`.",
        }
        if fn["multipart"]:
            call_schema["description"] += (
                " Called as multipart/form-data (parts `fn`, `args` and one per upload)."
            )
        schemas[f"{_camel(name)}Call"] = call_schema
        calls.append({"$ref": f"#/components/schemas/{_camel(name)}Call"})
        mapping[name] = f"#/components/schemas/{_camel(name)}Call"
    if functions:
        paths["/call/"] = {
            "post": {
                "operationId": "call",
                "summary": "Call a function",
                "description": "The body names the function (`fn`) and its arguments; the "
                "result schema of each is `<Fn>Result` in the components.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": calls,
                                "discriminator": {"propertyName": "fn", "mapping": mapping},
                            }
                        }
                    },
                },
                "responses": _responses(
                    _json(
                        {"oneOf": [{"$ref": f"#/components/schemas/{_camel(n)}Result"}
                                   for n in sorted(functions)]},
                        "The function's result and what it invalidates.",
                    ),
                    (*COMMON_STATUSES, *AUTH_STATUSES, "413", "415"),
                ),
                "security": [{}, {"bearer": []}, {"cookie": []}],
            }
        }
    for name in sorted(tables["contexts"]):
        ctx = tables["contexts"][name]
        data = {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                member: _result_schema(functions[member]) for member in ctx["members"]
            },
            "description": "One member per member function the caller may see.",
        }
        keys = ctx["keys"]
        bundle = {
            "type": "object",
            "required": ["context", "params", "data"],
            "additionalProperties": False,
            "properties": {
                "context": {"type": "string", "const": name},
                "params": {
                    "type": "object",
                    "properties": {k["name"]: {"type": ["string", "null"]} for k in keys},
                    "additionalProperties": False,
                },
                "data": data,
            },
        }
        schemas[f"{_camel(name)}Bundle"] = bundle
        paths[f"/ctx/{name}/"] = {
            "get": {
                "operationId": f"bundle_{name}",
                "summary": f"The `{name}` context bundle",
                "description": " ".join(
                    filter(None, [_context_doc(plan, name), _auth_note(ctx["auth"])])
                ),
                "parameters": [
                    {
                        "name": key["name"],
                        "in": "query",
                        "required": "default" not in key
                        and key["type"]["kind"] != "nullable",
                        "schema": _query_schema(key["type"]),
                    }
                    for key in keys
                ],
                "responses": _responses(
                    _json({"$ref": f"#/components/schemas/{_camel(name)}Bundle"},
                          "Every member's result."),
                    (*COMMON_STATUSES, *AUTH_STATUSES),
                ),
                "security": _security(ctx["auth"]),
            }
        }
    paths["/session/"] = {
        "get": {
            "operationId": "session",
            "summary": "The CSRF token and protocol version (sets the CSRF cookie)",
            "responses": _responses(
                _json(
                    {
                        "type": "object",
                        "required": ["csrf", "protocol"],
                        "properties": {"csrf": {"type": "string"},
                                       "protocol": {"type": "integer"}},
                    },
                    "The session.",
                ),
                COMMON_STATUSES,
            ),
        }
    }
    if tables.get("auth", {}).get("used"):
        tokens = {
            "type": "object",
            "required": ["access", "expires_in", "refresh", "token_type"],
            "properties": {
                "access": {"type": "string"},
                "expires_in": {"type": "integer"},
                "refresh": {"type": "string"},
                "token_type": {"type": "string", "const": "Bearer"},
            },
        }
        schemas["Tokens"] = tokens
        for path, operation, summary, body in (
            ("/auth/token/", "auth_token", "Exchange credentials for tokens",
             {"type": "object", "required": ["credentials"],
              "properties": {"credentials": {}}, "additionalProperties": False}),
            ("/auth/refresh/", "auth_refresh", "Rotate a refresh token",
             {"type": "object", "properties": {"refresh": {"type": "string"}},
              "additionalProperties": False}),
        ):
            paths[path] = {
                "post": {
                    "operationId": operation,
                    "summary": summary,
                    "requestBody": {"required": True,
                                    "content": {"application/json": {"schema": body}}},
                    "responses": _responses(
                        _json({"$ref": "#/components/schemas/Tokens"}, "The tokens."),
                        (*COMMON_STATUSES, *AUTH_STATUSES),
                    ),
                }
            }
    for name in sorted(tables.get("forms", {})):
        form = tables["forms"][name]
        data = {
            "type": "object",
            "properties": {f["name"]: {} for f in form["fields"]},
            "description": "The form's input, field by field.",
        }
        schemas[f"{name}Input"] = data
        paths[f"/form/{name}/validate/"] = {
            "post": {
                "operationId": f"form_validate_{name}",
                "summary": f"Validate `{name}` input",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {
                        "$ref": f"#/components/schemas/{name}Input"}}},
                },
                "responses": _responses(
                    _json({"type": "object"}, "The input is valid: its data."),
                    (*COMMON_STATUSES, "422"),
                ),
            }
        }
    responses = {}
    for status, codes in ERRORS_BY_STATUS.items():
        responses[f"Error{status}"] = _json(
            {"$ref": "#/components/schemas/Error"}, "An error: " + ", ".join(codes) + "."
        )
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": str(plan.spec_version),
            "description": "The Mizan protocol endpoints of this spec (docs/protocol.md). "
            "Paths are relative to the prefix the server is mounted at.",
        },
        "servers": [{"url": "/api/mizan"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "mizan_access"},
            },
        },
    }


def _result_schema(fn: dict[str, Any]) -> dict[str, Any]:
    return {"type": "null"} if fn["returns"] is None else schema_of(fn["returns"])


def _query_schema(type_: dict[str, Any]) -> dict[str, Any]:
    """Key params travel as key texts (4.7): strings in the query."""
    inner = type_["inner"] if type_["kind"] == "nullable" else type_
    schema = schema_of(inner)
    if schema.get("type") in ("integer", "number", "boolean"):
        return {"type": schema["type"]}
    return schema


def _context_doc(plan: Plan, name: str) -> str | None:
    for ctx in plan.ir.contexts:
        if ctx.name == name:
            return ctx.doc
    return None
