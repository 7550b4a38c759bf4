"""View models of the Axum crate: Rust spellings and rustfmt's layout,
computed here; the templates only place the lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mizan_lang.plan import Plan
from mizan_lang.plan import model as plan_model

from ..python_common.views import review_json

INDENT = "    "
MAX_WIDTH = 100  # rustfmt's max_width
CALL_WIDTH = 60  # rustfmt's fn_call_width: wider arguments go one per line

# Pinned versions of the generated crate's dependencies (the workspace's Cargo.lock).
RUNTIME_VERSION = "0.1.0"

KEYWORDS = frozenset(
    ["as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen"])
# Locals of the registry's dispatch arm that a param must not shadow.
RESERVED_LOCALS = frozenset({"args", "caller", "call", "result", "uploads", "function"})

PRIMITIVES = {
    "bool": "bool", "int": "i32", "int64": "Int64", "float": "f64", "decimal": "Decimal",
    "str": "String", "email": "String", "url": "String", "date": "Date",
    "datetime": "DateTime", "uuid": "Uuid", "bytes": "Bytes", "json": "Json",
}
WIRE_TYPES = ("Bytes", "Date", "DateTime", "Decimal", "Int64", "Uuid")


def crate_name(out: Path) -> str:
    """A Cargo package name from the output folder's name."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", out.name).strip("_").lower()
    if not name or name[0].isdigit():
        name = "mizan_api" if not name else f"api_{name}"
    return name


def ident(name: str) -> str:
    return f"r#{name}" if name in KEYWORDS else name


def local(name: str) -> str:
    return f"{name}_" if name in RESERVED_LOCALS else ident(name)


def pascal(name: str) -> str:
    text = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)
    if not text or text[0].isdigit():
        text = "V" + text
    return text


def rust_type(node: dict[str, Any], used: set[str]) -> str:
    kind = node["kind"]
    if kind == "primitive":
        spelled = PRIMITIVES[node["name"]]
        used.add(spelled)
        return spelled
    if kind == "list":
        return f"Vec<{rust_type(node['item'], used)}>"
    if kind == "map":
        used.add("BTreeMap")
        return f"BTreeMap<String, {rust_type(node['value'], used)}>"
    if kind == "nullable":
        return f"Option<{rust_type(node['inner'], used)}>"
    if kind == "named":
        used.add("types::" + node["name"])
        return node["name"]
    used.add("Upload")
    return "Upload"


def doc_lines(doc: str | None, indent: str) -> list[str]:
    if not doc:
        return []
    return [(f"{indent}/// {line}".rstrip()) for line in doc.splitlines()]


def imports(used: set[str], *, in_types: bool = False) -> list[str]:
    """`use` lines for the names a file uses, grouped and sorted as rustfmt does."""
    std = ["use std::collections::BTreeMap;"] if "BTreeMap" in used else []
    extern: list[str] = []
    if in_types:
        extern.append(use_line("serde", ["Deserialize", "Serialize"]))
    modules = (
        ("mizan_runtime::errors", ("MizanError",)),
        ("mizan_runtime::json", ("Json",)),
        ("mizan_runtime::server", ("BoxFuture", "Caller", "Dispatch", "Identity", "Upload")),
        ("mizan_runtime::wire", (*WIRE_TYPES, "Arguments", "Reply", "reply")),
    )
    for path, names in modules:
        wanted = [n for n in names if n in used]
        if wanted:
            extern.append(use_line(path, wanted))
    local_names = sorted(n.split("::", 1)[1] for n in used if n.startswith("types::"))
    local_lines = [] if in_types or not local_names else [use_line("crate::types", local_names)]
    lines: list[str] = []
    for group in (std, sorted(extern), local_lines):
        if group:
            lines += [""] if lines else []
            lines += group
    return lines


def use_order(name: str) -> tuple[int, str]:
    """rustfmt's order inside braces: lowercase names before capitalized ones."""
    return (0 if name[:1].islower() else 1, name)


def use_line(path: str, names: list[str]) -> str:
    names = sorted(names, key=use_order)
    if len(names) == 1:
        return f"use {path}::{names[0]};"
    line = f"use {path}::{{{', '.join(names)}}};"
    if len(line) <= MAX_WIDTH:
        return line
    rows: list[str] = []
    for name in names:
        if rows and len(f"{rows[-1]} {name},") < MAX_WIDTH:
            rows[-1] += f" {name},"
        else:
            rows.append(f"{INDENT}{name},")
    return "\n".join([f"use {path}::{{", *rows, "};"])


def let_call_lines(indent: str, name: str, head: str, args: list[str]) -> list[str]:
    """`let name = head(args);` as rustfmt lays it out: one line; else the
    call on the next line; else one argument per line (fn_call_width)."""
    joined = ", ".join(args)
    one = f"{indent}let {name} = {head}({joined});"
    if len(joined) <= CALL_WIDTH and len(one) <= MAX_WIDTH:
        return [one]
    below = f"{indent}{INDENT}{head}({joined});"
    if len(joined) <= CALL_WIDTH and len(below) <= MAX_WIDTH:
        return [f"{indent}let {name} =", below]
    return [f"{indent}let {name} = {head}(", *(f"{indent}{INDENT}{a}," for a in args),
            f"{indent});"]


def signature_lines(indent: str, head: str, params: list[str], returns: str, end: str) -> list[str]:
    """`head(params) -> returns` + end (`;` or ` {`) as rustfmt writes a fn
    signature: one line; else the return type on its own line; else one
    param per line."""
    joined = ", ".join(params)
    one = f"{indent}{head}({joined}) {returns}"
    if len(one) + 2 <= MAX_WIDTH:
        return [one + end]
    if len(joined) <= MAX_WIDTH - len(f"{indent}{head}(") - len(returns) - 3:
        return [f"{indent}{head}({joined})", f"{indent}{INDENT}{returns}{end}"]
    return [f"{indent}{head}(", *(f"{indent}{INDENT}{p}," for p in params),
            f"{indent}) {returns}{end}"]


# --- types.rs ---------------------------------------------------------------------


def types_view(plan: Plan) -> dict[str, Any]:
    schema = plan.tables["schema"]
    used: set[str] = set()
    docs = _declaration_docs(plan)
    blocks: list[list[str]] = []
    for name, members in sorted(schema["enums"].items()):
        lines = doc_lines(docs.get(name), "")
        lines += ["#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]",
                  f"pub enum {name} {{"]
        for member in members:
            lines += [f'{INDENT}#[serde(rename = "{member}")]', f"{INDENT}{pascal(member)},"]
        lines.append("}")
        blocks.append(lines)
    for name, fields in sorted(schema["records"].items()):
        lines = doc_lines(docs.get(name), "")
        lines += ["#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]",
                  f"pub struct {name} {{"]
        for field in fields:
            lines += doc_lines(docs.get(f"{name}.{field['name']}"), INDENT)
            lines.append(f"{INDENT}pub {ident(field['name'])}: {rust_type(field['type'], used)},")
        lines.append("}")
        blocks.append(lines)
    used = {n for n in used if not n.startswith("types::") and n not in PRIMITIVE_BUILTINS}
    return {"imports": imports(used, in_types=True) if blocks else [], "blocks": blocks}


PRIMITIVE_BUILTINS = frozenset({"bool", "i32", "f64", "String", "Upload"})


def _declaration_docs(plan: Plan) -> dict[str, str | None]:
    docs: dict[str, str | None] = {}
    for enum in plan.ir.enums:
        docs[enum.name] = enum.doc
    for record in plan.ir.types:
        docs[record.name] = record.doc
        for field in record.fields:
            docs[f"{record.name}.{field.name}"] = field.doc
    for shape in plan.ir.shapes:
        docs[shape.name] = shape.doc
    return docs


# --- service.rs -----------------------------------------------------------------------


def _returns(fn: plan_model.Function, used: set[str]) -> str:
    return "()" if fn.returns is None else rust_type(_type_json(plan_fn=fn, node=None), used)


def _type_json(plan_fn: plan_model.Function, node: Any) -> dict[str, Any]:
    from mizan_lang.protocol.schema import type_to_json

    return type_to_json(plan_fn.returns if node is None else node)


def _param_type(param: plan_model.Param, used: set[str]) -> str:
    from mizan_lang.protocol.schema import type_to_json

    return rust_type(type_to_json(param.type), used)


def service_view(plan: Plan, target: str) -> dict[str, Any]:
    """The service trait; `target` names the crate's target in the doc's
    scaffold command (the trait is the same whichever target serves it)."""
    used = {"Caller", "MizanError"}
    methods: list[list[str]] = []
    for fn in plan.functions:
        params = ["&self", "caller: Caller"] + [
            f"{ident(p.name)}: {_param_type(p, used)}" for p in fn.params]
        returns = f"-> impl Future<Output = Result<{_returns(fn, used)}, MizanError>> + Send"
        methods.append([*doc_lines(fn.doc, INDENT),
                        *signature_lines(INDENT, f"fn {ident(fn.name)}", params, returns, ";")])
    if plan.auth.used:
        used |= {"Json", "Identity"}
        hook_tail = "-> impl Future<Output = Result<Option<Identity>, MizanError>> + Send"
        methods.append([f"{INDENT}/// `auth/token/`: who these credentials belong to (`None`: refused).",
                        *signature_lines(INDENT, "fn authenticate", ["&self", "credentials: Json"],
                                         hook_tail, ";")])
        methods.append([f"{INDENT}/// `auth/refresh/`: the subject's current claims (`None`: revoked).",
                        *signature_lines(INDENT, "fn identity_of", ["&self", "subject: String"],
                                         hook_tail, ";")])
    lines = imports(used - PRIMITIVE_BUILTINS | ({"Upload"} if "Upload" in used else set()))
    return {"imports": ["use std::future::Future;", "", *lines], "methods": methods,
            "target": target}


# --- registry.rs ----------------------------------------------------------------------


def registry_view(plan: Plan) -> dict[str, Any]:
    used = {"BoxFuture", "Caller", "Dispatch", "Identity", "Upload", "Json", "MizanError", "Reply",
            "reply"}
    arms: list[list[str]] = []
    indent = INDENT * 4
    takes_args = any(fn.params for fn in plan.functions)
    for fn in plan.functions:
        lines = [f'{indent}"{fn.name}" => {{']
        names = []
        for param in fn.params:
            name = local(param.name)
            names.append(name)
            getter = "upload" if param.upload is not None else "take"
            lines.append(f'{indent}{INDENT}let {name} = args.{getter}("{param.name}")?;')
        lines += let_call_lines(indent + INDENT, "call", f"S::{ident(fn.name)}",
                                ["&self.service", "caller", *names])
        if fn.returns is None:
            lines += [f"{indent}{INDENT}call.await?;", f"{indent}{INDENT}reply(())"]
        else:
            lines += [f"{indent}{INDENT}reply(call.await?)"]
        lines.append(f"{indent}}}")
        arms.append(lines)
    if takes_args:
        used.add("Arguments")
    return {
        "imports": imports(used),
        "arms": arms,
        "takes_args": takes_args,
        "auth": plan.auth.used,
    }


# --- spec.rs ---------------------------------------------------------------------------


def raw_string(text: str) -> str:
    """A Rust raw string literal holding `text` exactly."""
    hashes = 1
    while '"' + "#" * hashes in text:
        hashes += 1
    return f'r{"#" * hashes}"{text}"{"#" * hashes}'


def spec_view(plan: Plan) -> dict[str, Any]:
    routes = [[r.method, r.path, r.handler, r.subject] for r in plan.routes]
    return {
        # One entry per line (parsed at startup, so the layout is free): reviewable diffs.
        "tables": raw_string(review_json(plan.tables).rstrip("\n")),
        "routes": raw_string(review_json(routes).rstrip("\n")),
        "manifest": raw_string(plan.manifest_json),
        "ir_kdl": raw_string(plan.ir_kdl),
    }


# --- lib.rs ----------------------------------------------------------------------------


def lib_view(plan: Plan) -> dict[str, Any]:
    return {"has_types": bool(plan.tables["schema"]["enums"] or plan.tables["schema"]["records"]),
            "has_shapes": bool(plan.ir.shapes)}


# --- the scaffold ------------------------------------------------------------------------


def scaffold_view(plan: Plan, package: str) -> dict[str, Any]:
    crate = package.replace("-", "_").replace(".", "_")
    used = {"Caller", "MizanError"}
    methods: list[list[str]] = []
    for fn in plan.functions:
        params = ["&self", "_caller: Caller"] + [
            f"_{p.name}: {_param_type(p, used)}" for p in fn.params]
        returns = f"-> Result<{_returns(fn, used)}, MizanError>"
        methods.append([*signature_lines(INDENT, f"async fn {ident(fn.name)}", params, returns,
                                         " {"),
                        f'{INDENT * 2}Err(MizanError::new("internal", Json::Null))',
                        f"{INDENT}}}"])
    if plan.auth.used:
        used |= {"Identity"}
        for hook, param in (("authenticate", "_credentials: Json"), ("identity_of", "_subject: String")):
            methods.append([
                *signature_lines(INDENT, f"async fn {hook}", ["&self", param],
                                 "-> Result<Option<Identity>, MizanError>", " {"),
                f"{INDENT * 2}Ok(None)",
                f"{INDENT}}}"])
    used.add("Json")
    names = sorted({n for n in used if n in ("Caller", "Identity", "Upload", "Json", "MizanError")}
                   | {n for n in used if n in WIRE_TYPES}
                   | {n.split("::", 1)[1] for n in used if n.startswith("types::")}
                   | {"Service"})
    names.sort(key=lambda n: (not n[0].isupper(), n))
    std = ["use std::collections::BTreeMap;", ""] if "BTreeMap" in used else []
    return {"imports": [*std, use_line(crate, names)], "methods": methods, "crate": crate}
