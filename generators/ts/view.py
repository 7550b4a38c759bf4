"""View models of the shared TypeScript files: spec.ts, types.ts, client.ts,
index.ts. Everything is computed (and laid out in prettier's style) here;
the templates only place it. Protocol facts come from the plan and its
server table, never decided again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mizan_lang.gen import ts_format as ts
from mizan_lang.ir import model as ir
from mizan_lang.plan import Plan
from mizan_lang.plan import model as plan_model
from mizan_lang.protocol.schema import type_from_json

from .bindings import pascal

# The runtime package generated code imports, and the range of its versions
# this generator writes for (checked by createRuntime; the package's version
# is runtimes/ts/package.json).
RUNTIME_PACKAGE = "@mizan-lang/runtime"
RUNTIME_MODULE = f"{RUNTIME_PACKAGE}/client"
RUNTIME_RANGE = "^0.1.0"

# TS value mapping (notes: clients.md); form-only `email` and `url` are strings.
PRIMITIVES = {
    "bool": "boolean", "int": "number", "int64": "bigint", "float": "number",
    "decimal": "string", "str": "string", "date": "string", "datetime": "Date",
    "uuid": "string", "bytes": "Uint8Array", "json": "JsonValue", "email": "string",
    "url": "string",
}
# Members of the client object itself; a function of the same name is only
# reachable as `client.functions.<name>`.
CLIENT_MEMBERS = ("contexts", "forms", "functions", "runtime")
# Runtime exports index.ts re-exports by name (value?, name), unless a spec
# or client name takes the name; everything stays importable from the package.
RUNTIME_EXPORTS = (
    (True, "ContextCache"), (True, "MizanError"), (True, "ValueError"),
    (True, "createRuntime"), (True, "localStorageTokenStore"), (True, "memoryTokenStore"),
    (True, "validateForm"), (False, "BundleOptions"), (False, "CallOptions"),
    (False, "ClientOptions"), (False, "ClientTable"), (False, "ErrorCode"),
    (False, "FieldError"), (False, "FormResult"), (False, "FormSchema"),
    (False, "Invalidation"), (False, "InvalidationEntry"), (False, "JsonValue"),
    (False, "Runtime"), (False, "TokenStore"), (False, "Tokens"), (False, "UnknownMember"),
)
CLIENT_EXPORTS = ((True, "createClient"), (False, "Call"), (False, "Client"),
                  (False, "ContextHandle"), (False, "Contexts"), (False, "FetchArgs"),
                  (False, "FormHandle"), (False, "Forms"), (False, "Functions"),
                  (False, "KeyArgs"), (False, "OptionalCall"))


@dataclass(frozen=True, slots=True)
class Names:
    """The TypeScript names of the generated types, free of clashes with the
    spec's own names (a clash takes a numeric suffix, in a fixed order)."""

    unknown_member: str
    json_value: str
    inputs: dict[str, str]  # record name -> its input variant
    args: dict[str, str]  # function -> its arguments type
    keys: dict[str, str]  # context -> its key params type
    bundles: dict[str, str]  # context -> its bundle type
    forms: dict[str, str]  # form -> its values type


def declared_names(plan: Plan) -> list[str]:
    workspace = plan.ir
    return sorted({*(e.name for e in workspace.enums), *(r.name for r in workspace.types),
                   *(s.name for s in workspace.shapes)})


def _free(name: str, taken: set[str]) -> str:
    chosen, number = name, 2
    while chosen in taken:
        chosen, number = f"{name}{number}", number + 1
    taken.add(chosen)
    return chosen


def names_of(plan: Plan) -> Names:
    taken = set(declared_names(plan))
    unknown = _free("UnknownMember", taken)
    json_value = _free("JsonValue", taken)
    needs_input = _records_needing_input(plan)
    return Names(
        unknown_member=unknown,
        json_value=json_value,
        inputs={name: _free(f"{name}Input", taken) for name in sorted(needs_input)},
        args={fn.name: _free(f"{pascal(fn.name)}Args", taken) for fn in plan.functions},
        keys={c.name: _free(f"{pascal(c.name)}Keys", taken) for c in plan.contexts},
        bundles={c.name: _free(f"{pascal(c.name)}Bundle", taken) for c in plan.contexts},
        forms={f.name: _free(f"{f.name}Values", taken) for f in plan.ir.forms},
    )


def _records(plan: Plan) -> dict[str, list[dict[str, Any]]]:
    """Every record and shape as the codec sees it (the server table)."""
    return plan.tables["schema"]["records"]


def _named(ref: ir.TypeRef) -> Iterable[str]:
    if isinstance(ref, ir.NamedType):
        yield ref.name
    elif isinstance(ref, ir.ListType):
        yield from _named(ref.item)
    elif isinstance(ref, ir.MapType):
        yield from _named(ref.value)
    elif isinstance(ref, ir.NullableType):
        yield from _named(ref.inner)


def _records_needing_input(plan: Plan) -> set[str]:
    """Records a caller may write with fewer fields than the server sends:
    those with a defaulted field, and those holding such a record."""
    records = _records(plan)
    needing = {name for name, fields in records.items() if any("default" in f for f in fields)}
    changed = True
    while changed:
        changed = False
        for name, fields in records.items():
            if name not in needing and any(
                    inner in needing for f in fields for inner in _named(type_from_json(f["type"]))):
                needing.add(name)
                changed = True
    return needing


# --- TS type texts ------------------------------------------------------------------


def type_members(ref: ir.TypeRef, names: Names, *, inputs: bool, prefix: str = ""
                 ) -> list[str]:
    """The union members of a type's TS spelling (`["Profile", "null"]`);
    `prefix` qualifies the spec's names (`T.Profile` in client.ts)."""
    if isinstance(ref, ir.NullableType):
        return [*type_members(ref.inner, names, inputs=inputs, prefix=prefix), "null"]
    return [type_text(ref, names, inputs=inputs, prefix=prefix)]


def type_text(ref: ir.TypeRef, names: Names, *, inputs: bool, prefix: str = "") -> str:
    if isinstance(ref, ir.PrimitiveType):
        text = PRIMITIVES[ref.name]
        return names.json_value if text == "JsonValue" else text
    if isinstance(ref, ir.UploadType):
        return "Blob"
    if isinstance(ref, ir.NamedType):
        return prefix + (names.inputs.get(ref.name, ref.name) if inputs else ref.name)
    if isinstance(ref, ir.ListType):
        item = type_members(ref.item, names, inputs=inputs, prefix=prefix)
        return f"({' | '.join(item)})[]" if len(item) > 1 else f"{item[0]}[]"
    if isinstance(ref, ir.MapType):
        value = type_members(ref.value, names, inputs=inputs, prefix=prefix)
        return f"Record<string, {' | '.join(value)}>"
    return " | ".join(type_members(ref, names, inputs=inputs, prefix=prefix))


def _uses(refs: Iterable[ir.TypeRef], primitive: str) -> bool:
    return any(isinstance(leaf := ir.leaf_type(ref), ir.PrimitiveType) and leaf.name == primitive
               for ref in refs)


# --- types.ts ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    """One declaration: its doc comment lines and its code."""

    doc: list[str]
    code: str


def _interface(name: str, members: Sequence[tuple[str, list[str], bool, str | None]]) -> str:
    """`export interface Name { ... }` with (field, union members, optional,
    doc) members, one per line."""
    if not members:
        return f"export interface {name} {{}}"
    lines = [f"export interface {name} {{"]
    for field, union, optional, doc in members:
        lines += ts.jsdoc(doc, 1)
        lines.append(ts.union_property(f"{field}?" if optional else field, union))
    lines.append("}")
    return "\n".join(lines)


def _params_type(name: str, params: Sequence[plan_model.Param], names: Names) -> str:
    if not params:
        return f"export type {name} = Record<string, never>;"
    return _interface(name, [(p.name, type_members(p.type, names, inputs=True), not p.required,
                              p.doc) for p in params])


def _enum_doc(enum: ir.Enum) -> str | None:
    parts = [enum.doc] if enum.doc else []
    documented = [m for m in enum.members if m.doc]
    if documented:
        parts.append("\n".join(f"- `{m.name}`: {m.doc}" for m in documented))
    return "\n\n".join(parts) or None


def types_view(plan: Plan, module: str = RUNTIME_MODULE) -> dict[str, object]:
    """types.ts; `module` is where JsonValue and UnknownMember come from."""
    names = names_of(plan)
    records = _records(plan)
    docs = {r.name: r.doc for r in plan.ir.types} | {s.name: s.doc for s in plan.ir.shapes}
    field_docs = {(r.name, f.name): f.doc for r in plan.ir.types for f in r.fields}
    refs: list[ir.TypeRef] = []
    blocks: list[Block] = []
    for enum in plan.ir.enums:
        members = [ts.string(m.name) for m in enum.members] + [names.unknown_member]
        blocks.append(Block(ts.jsdoc(_enum_doc(enum)),
                            ts.union_alias(f"export type {enum.name}", members)))
    for name in sorted(records):
        fields = [(f["name"], type_from_json(f["type"]), "default" in f) for f in records[name]]
        refs += [ref for _, ref, _ in fields]
        blocks.append(Block(ts.jsdoc(docs.get(name)), _interface(name, [
            (field, type_members(ref, names, inputs=False), False, field_docs.get((name, field)))
            for field, ref, _ in fields])))
        if name in names.inputs:
            doc = f"`{name}` as arguments take it: fields with a default may be left out."
            blocks.append(Block(ts.jsdoc(doc), _interface(names.inputs[name], [
                (field, type_members(ref, names, inputs=True), has_default,
                 field_docs.get((name, field))) for field, ref, has_default in fields])))
    for fn in plan.functions:
        refs += [p.type for p in fn.params]
        blocks.append(Block(ts.jsdoc(f"Arguments of `{fn.name}`."),
                            _params_type(names.args[fn.name], fn.params, names)))
    for ctx in plan.contexts:
        refs += [k.type for k in ctx.keys]
        blocks.append(Block(ts.jsdoc(f"Key params of the context `{ctx.name}`."),
                            _params_type(names.keys[ctx.name], ctx.keys, names)))
        blocks.append(Block(ts.jsdoc(_bundle_doc(ctx)),
                            _interface(names.bundles[ctx.name], _bundle_members(plan, ctx, names))))
    for form in plan.ir.forms:
        refs += [f.type for f in form.fields]
        members = [(f.name, _form_members(f, names), not f.validators.required, f.doc)
                   for f in form.fields]
        doc = (f"Field values of the form `{form.name}` (submits `{form.submit}`); a field "
               "that is not required may be left out.")
        blocks.append(Block(ts.jsdoc(doc), _interface(names.forms[form.name], members)))
    refs += [fn.returns for fn in plan.functions if fn.returns is not None]
    imports = []
    if plan.ir.enums:
        imports.append(_import_name("UnknownMember", names.unknown_member))
    if _uses(refs, "json") or any(_uses([type_from_json(f["type"]) for f in fields], "json")
                                  for fields in records.values()):
        imports.append(_import_name("JsonValue", names.json_value))
    import_line = (ts.print_doc(named_imports("import type ", sorted(imports), module))
                   if imports else None)
    return {"import_line": import_line, "blocks": blocks}


def _import_name(name: str, local: str) -> str:
    return name if name == local else f"{name} as {local}"


def _form_members(field: ir.FormField, names: Names) -> list[str]:
    text = type_text(field.type, names, inputs=True)
    return [text] if field.validators.required else [text, "null"]


def _bundle_doc(ctx: plan_model.Context) -> str:
    return (f"The bundle of the context `{ctx.name}`: each member's result, by function name; "
            "a member the caller may not see is absent.")


def member_always_present(plan: Plan, ctx: plan_model.Context, function: str) -> bool:
    """A member is left out when the caller does not meet its own auth level
    (docs/protocol.md 6.1); public members and members at the context's own
    level are always there (the context's level is checked first)."""
    fn = plan.function(function)
    return fn is None or fn.auth.kind == "public" or fn.auth.level == ctx.auth.level


def _bundle_members(plan: Plan, ctx: plan_model.Context, names: Names
                    ) -> list[tuple[str, list[str], bool, str | None]]:
    members = []
    for member in ctx.members:
        fn = plan.function(member.function)
        union = (type_members(fn.returns, names, inputs=False)
                 if fn is not None and fn.returns is not None else ["null"])
        members.append((member.function, union,
                        not member_always_present(plan, ctx, member.function),
                        fn.doc if fn is not None else None))
    return members


def named_imports(head: str, names: Sequence[str], module: str) -> ts.Doc:
    """`import { a, b } from "./m.js";` (or `export`), broken one per line
    when long, as prettier does."""
    parts: list[ts.Doc] = []
    for index, name in enumerate(names):
        if index:
            parts += [",", ts.LINE]
        parts.append(name)
    return [head, ts.Group(["{", ts.Indent([ts.LINE, *parts]), ts.IfBreak(","), ts.LINE, "}"]),
            f" from {ts.string(module)};"]


# --- spec.ts -------------------------------------------------------------------------


def client_table(plan: Plan) -> dict[str, Any]:
    """The server table minus what only servers use (`auth.used`), plus the
    runtime range the generated code needs."""
    tables = plan.tables
    return {
        "schema": tables["schema"],
        "functions": tables["functions"],
        "contexts": tables["contexts"],
        "forms": tables["forms"],
        "auth": {"jwt": tables["auth"]["jwt"]},
        "runtime": RUNTIME_RANGE,
    }


def expand_table(value: Any, depth: int = 0) -> Any:
    """Objects of the first three levels one member per line (a function,
    context or form per block: readable diffs); deeper ones as they fit."""
    if isinstance(value, Mapping):
        members = {k: expand_table(v, depth + 1) for k, v in value.items()}
        return ts.Expanded(members) if depth < 3 and members else members
    if isinstance(value, list):
        return [expand_table(item, depth + 1) for item in value]
    return value


def spec_view(plan: Plan) -> dict[str, object]:
    return {"table": ts.statement("export const table: ClientTable = ",
                                  expand_table(client_table(plan)))}


# --- client.ts -----------------------------------------------------------------------


def _generic_member(name: str, generic: str, args: Sequence[str]) -> str:
    """`  name: Generic<A, B>;` in an interface, type arguments broken one
    per line when long (prettier's layout)."""
    parts: list[ts.Doc] = []
    for index, arg in enumerate(args):
        if index:
            parts += [",", ts.LINE]
        parts.append(arg)
    doc = ts.Group([f"{name}: {generic}<", ts.Indent([ts.SOFTLINE, *parts]), ts.SOFTLINE, ">;"])
    return ts.TAB + ts.print_doc(doc, 1)


def _optional(params: Sequence[plan_model.Param]) -> bool:
    return not any(p.required for p in params)


def client_view(plan: Plan) -> dict[str, object]:
    # client.ts reads the spec's types as `T.Name` and JsonValue from the runtime.
    names = replace(names_of(plan), json_value="JsonValue")

    def result(fn: plan_model.Function | None) -> str:
        if fn is None or fn.returns is None:
            return "null"
        return type_text(fn.returns, names, inputs=False, prefix="T.")

    functions = [Block(ts.jsdoc(fn.doc, 1), _generic_member(
        fn.name, "OptionalCall" if _optional(fn.params) else "Call",
        [f"T.{names.args[fn.name]}", result(fn)])) for fn in plan.functions]
    contexts = [Block(ts.jsdoc(ctx.doc, 1), _generic_member(
        ctx.name, "ContextHandle", [f"T.{names.keys[ctx.name]}", f"T.{names.bundles[ctx.name]}"]))
        for ctx in plan.contexts]
    forms = [Block(ts.jsdoc(form.doc, 1), _generic_member(
        form.name, "FormHandle", [f"T.{names.forms[form.name]}", result(plan.function(form.submit))]))
        for form in plan.ir.forms]
    types_import = 'import type * as T from "./types.js";' if (
        plan.functions or plan.contexts or plan.ir.forms) else None
    reserved = ts.union_alias("type Reserved", [ts.string(name) for name in CLIENT_MEMBERS])
    return {"functions": functions, "contexts": contexts, "forms": forms,
            "types_import": types_import, "reserved": reserved}


# --- index.ts ------------------------------------------------------------------------


def index_view(plan: Plan) -> dict[str, object]:
    """Named re-exports (an `export *` of two modules sharing a name is an
    error): the spec's types first, then the client, then the runtime; a
    name already taken stays importable from its own module."""
    names = names_of(plan)
    type_names = [*declared_names(plan), *names.inputs.values(), *names.args.values(),
                  *names.keys.values(), *names.bundles.values(), *names.forms.values()]
    taken = set(type_names)
    lines = []
    if type_names:
        lines.append(ts.print_doc(named_imports("export type ", sorted(type_names),
                                                "./types.js")))
    for module, exports in (("./client.js", CLIENT_EXPORTS), (RUNTIME_MODULE, RUNTIME_EXPORTS)):
        chosen = []
        for is_value, name in exports:
            if name not in taken:
                taken.add(name)
                chosen.append(name if is_value else f"type {name}")
        lines.append(ts.print_doc(named_imports("export ", chosen, module)))
    if "table" not in taken:
        lines.append('export { table } from "./spec.js";')
    return {"lines": lines}
