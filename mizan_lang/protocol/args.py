"""Arguments of a call, and the key params of a context fetch.

Both collect one problem per argument (the first found inside it) and raise
`invalid_arguments` with details `{name: {code, message, path}}`; paths are
JSON Pointers from the args object (`/tags/1`).
"""

from __future__ import annotations

from typing import Any

from ..ir import model as ir
from .errors import MizanError
from .from_ir import default_to_wire
from .keys import parse_key
from .schema import Schema
from .values import ValueProblem, decode, pointer


def _missing(param: ir.Param, schema: Schema) -> Any:
    """The value of a param the caller left out, or ValueProblem(required)."""
    if param.default is not None:
        return decode(param.type, default_to_wire(param.type, param.default.value, schema), schema)
    if isinstance(param.type, ir.NullableType):
        return None
    raise ValueProblem("required", pointer("", param.name))


def decode_args(params: list[ir.Param], args: dict[str, Any], schema: Schema) -> dict[str, Any]:
    """Decoded arguments of a JSON call. Upload params are not read here: they
    arrive as multipart file parts, and naming one in `args` is a type error."""
    values: dict[str, Any] = {}
    problems: dict[str, dict[str, str]] = {}
    for param in params:
        try:
            if param.name in args:
                values[param.name] = decode(param.type, args[param.name], schema,
                                            pointer("", param.name))
            elif not isinstance(param.type, ir.UploadType):
                values[param.name] = _missing(param, schema)
        except ValueProblem as problem:
            problems[param.name] = problem.detail()
    known = {param.name for param in params}
    for name in args:
        if name not in known:
            problems[name] = ValueProblem("unknown", pointer("", name)).detail()
    if problems:
        raise MizanError("invalid_arguments", problems)
    return values


def decode_query(params: list[ir.Param], pairs: list[tuple[str, str]],
                 schema: Schema) -> dict[str, Any]:
    """Decoded key params of `GET ctx/<name>/?...` from the query's (name, value) pairs."""
    given: dict[str, list[str]] = {}
    for name, value in pairs:
        given.setdefault(name, []).append(value)
    values: dict[str, Any] = {}
    problems: dict[str, dict[str, str]] = {}
    for param in params:
        texts = given.get(param.name)
        try:
            if texts is None:
                values[param.name] = _missing(param, schema)
            elif len(texts) > 1:
                raise ValueProblem("duplicate", pointer("", param.name))
            else:
                values[param.name] = parse_key(param.type, texts[0], schema, param.name)
        except ValueProblem as problem:
            problems[param.name] = problem.detail()
    known = {param.name for param in params}
    for name in given:
        if name not in known:
            problems[name] = ValueProblem("unknown", pointer("", name)).detail()
    if problems:
        raise MizanError("invalid_arguments", problems)
    return values
