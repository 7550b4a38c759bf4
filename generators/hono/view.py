"""View models of the Hono target's files: everything is computed and laid
out (as prettier writes it) here; the templates only place it. The tables
come from the plan, never decided again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from mizan_lang.gen import ts_format as ts
from mizan_lang.ir import model as ir
from mizan_lang.plan import Plan
from mizan_lang.plan import model as plan_model

from ..python_common.views import review_json
from ..ts.view import RUNTIME_RANGE, Names, names_of, type_members

SERVER_MODULE = "@mizan-lang/runtime/server"
# The service's credential hooks (when some function or context needs a user).
HOOKS = ("authenticate", "identityOf")


def _names(plan: Plan) -> Names:
    """The spec's type names, with JsonValue taken from the runtime package."""
    return replace(names_of(plan), json_value="JsonValue")


def _import_line(names: Sequence[str], module: str) -> str:
    return ts.print_doc(["import type ", ts.Group([
        "{", ts.Indent([ts.LINE, *_joined(sorted(names))]), ts.IfBreak(","), ts.LINE, "}"]),
        f" from {ts.string(module)};"])


def _param_type(param: plan_model.Param, names: Names) -> str:
    if isinstance(param.type, ir.UploadType):
        return "Upload"
    return " | ".join(type_members(param.type, names, inputs=False, prefix="T."))


def _result_type(fn: plan_model.Function, names: Names) -> str:
    if fn.returns is None:
        return "void | null"
    return " | ".join(type_members(fn.returns, names, inputs=False, prefix="T."))


def _call(head: str, args: Sequence[str], tail: str, indent: int) -> str:
    """`head(a, b)tail`, the arguments one per line when long (prettier's
    layout of that group, computed directly: specs have thousands)."""
    margin = ts.TAB * indent
    flat = f"{head}({', '.join(args)}){tail}"
    if not args or ts.text_width(flat) <= ts.WIDTH - len(margin):
        return margin + flat
    inner = margin + ts.TAB
    return "".join([margin, head, "(\n", *(f"{inner}{arg},\n" for arg in args), margin, ")",
                    tail])


def _lines_constant(name: str, text: str) -> str:
    """`const NAME = ["line", ...].join("\\n");`: a long text one string per
    line (reviewable diffs), as prettier lays that group out."""
    strings = [ts.string(line) for line in text.split("\n")]
    head, tail = f"const {name} = ", '.join("\\n");'
    flat = f"{head}[{', '.join(strings)}]{tail}"
    if ts.text_width(flat) <= ts.WIDTH:
        return flat
    return "".join([head, "[\n", *(f"{ts.TAB}{item},\n" for item in strings), "]", tail])


def spec_view(plan: Plan) -> dict[str, object]:
    """The tables as JSON texts (one entry per line, as the Python targets
    keep them), parsed once at import."""
    contexts = {name: {k: v for k, v in context.items() if k != "path"}
                for name, context in plan.manifest["contexts"].items()}
    return {
        "range": ts.string(RUNTIME_RANGE),
        "table": _lines_constant("TABLE_JSON", review_json(plan.tables).rstrip("\n")),
        "manifest": _lines_constant("MANIFEST_JSON", review_json(contexts).rstrip("\n")),
        "ir": _lines_constant("IR_KDL", plan.ir_kdl),
    }


def service_view(plan: Plan) -> dict[str, object]:
    names = _names(plan)
    methods = []
    for fn in plan.functions:
        params = ["caller: Caller", *(f"{p.name}: {_param_type(p, names)}" for p in fn.params)]
        doc = ts.jsdoc(fn.doc, 1)
        methods.append([*doc, _call(fn.name, params, f": Result<{_result_type(fn, names)}>;", 1)])
    if plan.auth.used:
        methods.append([*ts.jsdoc("The identity of credentials (`POST auth/token/`), or null.", 1),
                        "  authenticate(credentials: JsonValue): Result<Identity | null>;"])
        methods.append([*ts.jsdoc("The identity of a subject (`POST auth/refresh/`), or null "
                                  "when it is no longer known.", 1),
                        "  identityOf(subject: string): Result<Identity | null>;"])
    imports = ["Caller", "JsonValue"]
    if plan.auth.used:
        imports.append("Identity")
    if plan.has_uploads:
        imports.append("Upload")
    return {
        "import_line": _import_line(imports, SERVER_MODULE),
        "types_import": bool(plan.functions),
        "methods": methods,
    }


def _joined(items: Sequence[str]) -> list[ts.Doc]:
    parts: list[ts.Doc] = []
    for index, item in enumerate(items):
        if index:
            parts += [",", ts.LINE]
        parts.append(item)
    return parts


def registry_view(plan: Plan) -> dict[str, object]:
    names = _names(plan)
    entries = []
    texts = []
    for fn in plan.functions:
        types = [_param_type(p, names) for p in fn.params]
        texts += types
        args = ["caller", *(f"a.{p.name} as {t}" for p, t in zip(fn.params, types, strict=True))]
        head = f"      {ts.key(fn.name)}(caller, a) {{" if fn.params else (
            f"      {ts.key(fn.name)}(caller) {{")
        entries.append([head, _call(f"return service.{fn.name}", args, ";", 4), "      },"])
    function_names = [fn.name for fn in plan.functions]
    hooks = list(HOOKS) if plan.auth.used else []
    imports = ["Bound", *(name for name in ("JsonValue", "Upload")
                          if any(name in text.split(" | ") or f"{name}[]" in text
                                 or f"<string, {name}>" in text for text in texts)
                          or (name == "JsonValue" and plan.auth.used))]
    return {
        "import_line": _import_line(imports, SERVER_MODULE),
        "functions": ts.statement("export const FUNCTIONS: readonly string[] = ",
                                  function_names),
        "hooks": ts.statement("export const HOOKS: readonly string[] = ", hooks),
        "entries": entries,
        "auth": plan.auth.used,
        "uses_types": any("T." in text for text in texts),
    }


def app_view(plan: Plan) -> dict[str, object]:
    rows = [[route.method, route.path, route.handler, route.subject] for route in plan.routes
            if route.method != "WS"]
    return {"routes": ts.statement("const ROUTES: readonly Route[] = ", rows),
            "websocket": "true" if plan.has_websocket else "false"}


def impl_view(plan: Plan, package: str) -> dict[str, object]:
    names = _names(plan)
    folder = "./" + "/".join(package.split("."))
    methods = []
    for fn in plan.functions:
        params = ["_caller: Caller", *(f"_{p.name}: {_param_type(p, names)}"
                                       for p in fn.params)]
        methods.append([_call(f"async {fn.name}", params,
                              f": Promise<{_result_type(fn, names)}> {{", 1),
                        f"    throw new Error({ts.string(f'{fn.name}: not implemented yet')});",
                        "  }"])
    if plan.auth.used:
        methods.append(["  async authenticate(_credentials: JsonValue): Promise<Identity | null> {",
                        "    return null;", "  }"])
        methods.append(["  async identityOf(_subject: string): Promise<Identity | null> {",
                        "    return null;", "  }"])
    imports = ["Caller", "JsonValue", "Service"]
    if plan.auth.used:
        imports.append("Identity")
    if plan.has_uploads:
        imports.append("Upload")
    return {
        "import_line": _import_line(imports, folder + "/index.js"),
        "types_import": ts.string(folder + "/types.js"),
        "methods": methods,
    }
