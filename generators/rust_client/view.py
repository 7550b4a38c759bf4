"""View models of the Rust client crate. The Rust spellings, types and
rustfmt's layout rules are the Axum target's (`generators/axum/view.py`);
this module only adds what a client has: its methods, bundles and table."""

from __future__ import annotations

import re
from typing import Any

from mizan_lang.ir import model as ir
from mizan_lang.plan import Plan
from mizan_lang.plan import model as plan_model
from mizan_lang.protocol.schema import type_to_json

from ..axum.view import (
    CALL_WIDTH,
    INDENT,
    MAX_WIDTH,
    doc_lines,
    ident,
    imports,
    pascal,
    raw_string,
    rust_type,
    use_line,
)
from ..python_common.views import review_json

# Locals of a generated method that a param must not shadow.
RESERVED_LOCALS = frozenset({"args", "bundle", "files", "result"})
# Methods of `ApiClient` itself that a function must not take.
RESERVED_METHODS = frozenset({"new", "runtime"})
BODY = INDENT * 2
CHAIN_WIDTH = 60  # rustfmt's chain_width: a longer chain goes one element per line


def _local(name: str) -> str:
    return f"{name}_" if name in RESERVED_LOCALS else ident(name)


def _method(name: str) -> str:
    return f"{name}_" if name in RESERVED_METHODS else ident(name)


def _param(param: plan_model.Param, used: set[str]) -> tuple[str, str]:
    """The param's Rust type and how its value goes into `args` (`put`, or
    `put_some` for an optional argument whose `None` leaves it out)."""
    if param.upload is not None:
        return "UploadFile", ""
    node = type_to_json(param.type)
    spelled = rust_type(node, used)
    nullable = node["kind"] == "nullable"
    defaults_to_null = param.default is not None and param.default.value is None
    if not param.required and param.default is not None and not (nullable and defaults_to_null):
        return f"Option<{spelled}>", "put_some"
    return spelled, "put"


def _chain(indent: str, head: str, receiver: str, calls: list[str], end: str = ";") -> list[str]:
    """`head receiver.a(..).b(..);` on one line, or as rustfmt breaks a chain
    that does not fit: every element on its own line."""
    chain = f"{receiver}{''.join('.' + c for c in calls)}"
    one = f"{indent}{head}{chain}{end}"
    if len(chain) <= CHAIN_WIDTH and len(one) <= MAX_WIDTH:
        return [one]
    parts = receiver.split(".")
    lines = [f"{indent}{head}{parts[0]}"]
    lines += [f"{indent}{INDENT}.{part}" for part in [*parts[1:], *calls]]
    lines[-1] += end
    return lines


def _call_lines(head: str, args: list[str], end: str) -> list[str]:
    """`head(args)end` in a method body as rustfmt writes it: one line, else
    one argument per line (fn_call_width)."""
    joined = ", ".join(args)
    one = f"{BODY}{head}({joined}){end}"
    if len(joined) <= CALL_WIDTH and len(one) <= MAX_WIDTH:
        return [one]
    return [f"{BODY}{head}(", *(f"{BODY}{INDENT}{a}," for a in args), f"{BODY}){end}"]


def _signature(head: str, params: list[str], returns: str) -> list[str]:
    """A method's signature and `{` as rustfmt writes it: one line, else one
    param per line."""
    one = f"{INDENT}{head}({', '.join(params)}) {returns} {{"
    if len(one) <= MAX_WIDTH:
        return [one]
    return [f"{INDENT}{head}(", *(f"{INDENT * 2}{p}," for p in params), f"{INDENT}) {returns} {{"]


def _args_lines(params: tuple[plan_model.Param, ...], used: set[str]) -> tuple[list[str], list[str]]:
    """The method's params and the lines that build its `args`."""
    typed: list[str] = []
    puts: list[str] = []
    files: list[str] = []
    for param in params:
        spelled, putter = _param(param, used)
        name = _local(param.name)
        typed.append(f"{name}: {spelled}")
        if putter:
            puts += _call_lines(f"args.{putter}", [f'"{param.name}"', f"&{name}"], "?;")
        else:
            files.append(f'("{param.name}", {name})')
    head = [f"{BODY}let mut args = Args::new();" if puts else f"{BODY}let args = Args::new();"]
    lines = head + puts
    if files:
        lines.append(f"{BODY}let files = vec![{', '.join(files)}];")
    return typed, lines


def _function_method(fn: plan_model.Function, used: set[str]) -> list[str]:
    params, lines = _args_lines(fn.params, used)
    returns = "()" if fn.returns is None else rust_type(type_to_json(fn.returns), used)
    head = _signature(f"pub async fn {_method(fn.name)}", ["&self", *params],
                      f"-> Result<{returns}, ClientError>")
    call = (f'call_multipart("{fn.name}", args, files)' if fn.multipart
            else f'call("{fn.name}", args)')
    if fn.returns is None:
        lines += _chain(BODY, "", "self.runtime", [call, "await?"])
        lines.append(f"{BODY}Ok(())")
    else:
        used.add("decode")
        lines += _chain(BODY, "let result = ", "self.runtime", [call, "await?"])
        lines.append(f"{BODY}decode(&result)")
    return [*doc_lines(fn.doc, INDENT), *head, *lines, f"{INDENT}}}"]


def bundle_name(context: plan_model.Context) -> str:
    return f"{pascal(context.name)}Bundle"


def _bundle_method(plan: Plan, context: plan_model.Context, used: set[str]) -> list[str]:
    params, lines = _args_lines(context.keys, used)
    name = bundle_name(context)
    head = _signature(f"pub async fn {context.name}_bundle", ["&self", *params],
                      f"-> Result<{name}, ClientError>")
    lines += _chain(BODY, "let bundle = ", "self.runtime", [f'bundle("{context.name}", args)',
                                                             "await?"])
    lines.append(f"{BODY}Ok({name} {{")
    for member in context.members:
        lines.append(f'{BODY}{INDENT}{ident(member.function)}: bundle.member("{member.function}")?,')
    lines.append(f"{BODY}}})")
    docs = [f"{INDENT}/// The `{context.name}` context in one request (cached until invalidated)."]
    return [*docs, *head, *lines, f"{INDENT}}}"]


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _form_methods(plan: Plan, form: ir.Form, used: set[str]) -> list[list[str]]:
    fn = plan.function(form.submit)
    returns = "()" if fn is None or fn.returns is None else rust_type(type_to_json(fn.returns),
                                                                     used)
    name = snake(form.name)
    values = ["&self", f"form: &{form.name}"]
    submit = [
        f"{INDENT}/// Submit the `{form.name}` form: validated, then `{form.submit}` is called.",
        *_signature(f"pub async fn submit_{name}", values, f"-> Result<{returns}, ClientError>"),
        f"{BODY}let values = encode(form)?;",
        *_chain(BODY, "let result = " if returns != "()" else "", "self.runtime",
                [f'submit_form("{form.name}", values)', "await?"]),
        f"{BODY}decode(&result)" if returns != "()" else f"{BODY}Ok(())",
        f"{INDENT}}}",
    ]
    validate = [
        f"{INDENT}/// Validate the `{form.name}` form on the server (`validation_failed`: why not).",
        *_signature(f"pub async fn validate_{name}", values, "-> Result<Json, ClientError>"),
        f"{BODY}let values = encode(form)?;",
        *_chain(BODY, "", "self.runtime", [f'validate_form("{form.name}", values)', "await"], end=""),
        f"{INDENT}}}",
    ]
    used |= {"decode"} if returns != "()" else set()
    return [submit, validate]


def client_view(plan: Plan) -> dict[str, Any]:
    used: set[str] = set()
    methods = [_bundle_method(plan, ctx, used) for ctx in plan.contexts]
    methods += [_function_method(fn, used) for fn in plan.functions]
    for form in sorted(plan.ir.forms, key=lambda f: f.name):
        used.add("encode")
        methods += _form_methods(plan, form, used)
    std = ["use std::collections::BTreeMap;", ""] if "BTreeMap" in used else []
    names = ["Args", *(name for name in ("decode", "encode") if name in used)]
    schema = plan.tables["schema"]
    return {
        "imports": [*std, use_line("mizan_runtime::client", names)],
        "methods": methods,
        "has_bundles": bool(plan.contexts),
        "has_forms": bool(plan.ir.forms),
        "has_types": bool(schema["enums"] or schema["records"]),
    }


def bundles_view(plan: Plan) -> dict[str, Any]:
    used: set[str] = set()
    blocks: list[list[str]] = []
    functions = {fn.name: fn for fn in plan.functions}
    for context in plan.contexts:
        lines = doc_lines(context.doc, "")
        lines += ["#[derive(Clone, Debug, PartialEq)]", f"pub struct {bundle_name(context)} {{"]
        for member in context.members:
            fn = functions[member.function]
            returns = "()" if fn.returns is None else rust_type(type_to_json(fn.returns), used)
            lines += doc_lines(fn.doc, INDENT)
            lines.append(f"{INDENT}pub {ident(member.function)}: Option<{returns}>,")
        lines.append("}")
        blocks.append(lines)
    return {"imports": imports(used), "blocks": blocks}


def forms_view(plan: Plan) -> dict[str, Any]:
    """One struct per form: every field optional (an empty field is left
    out; the server answers `validation_failed` for a required one)."""
    used: set[str] = set()
    blocks: list[list[str]] = []
    for form in sorted(plan.ir.forms, key=lambda f: f.name):
        lines = doc_lines(form.doc, "")
        lines += ["#[derive(Clone, Debug, Default, PartialEq, Serialize)]",
                  f"pub struct {form.name} {{"]
        for field in form.fields:
            spelled = rust_type(type_to_json(field.type), used)
            lines += doc_lines(field.doc, INDENT)
            lines += [f'{INDENT}#[serde(skip_serializing_if = "Option::is_none")]',
                      f"{INDENT}pub {ident(field.name)}: Option<{spelled}>,"]
        lines.append("}")
        blocks.append(lines)
    head = imports(used)
    serde = use_line("serde", ["Serialize"])
    return {"imports": _with_extern(head, serde) if blocks else [], "blocks": blocks}


def _with_extern(lines: list[str], extra: str) -> list[str]:
    """`imports()`'s groups with one more line in the external group, sorted."""
    groups: list[list[str]] = [[]]
    for line in lines:
        if line:
            groups[-1].append(line)
        else:
            groups.append([])
    for index, group in enumerate(groups):
        if group and not group[0].startswith(("use std::", "use crate::")):
            groups[index] = sorted([*group, extra])
            break
    else:
        std = 1 if groups[0] and groups[0][0].startswith("use std::") else 0
        groups.insert(std, [extra])
    out: list[str] = []
    for group in (g for g in groups if g):
        out += ([""] if out else []) + group
    return out


def table_view(plan: Plan) -> dict[str, Any]:
    table = {
        "contexts": {
            ctx.name: {"keys": [{"name": key.name, "type": type_to_json(key.type)}
                                for key in ctx.keys]}
            for ctx in plan.contexts
        },
        "websocket": [fn.name for fn in plan.functions if fn.websocket],
    }
    return {"table": raw_string(review_json(table).rstrip("\n"))}


def example_view(package: str) -> dict[str, Any]:
    return {"crate": package.replace("-", "_").replace(".", "_")}
