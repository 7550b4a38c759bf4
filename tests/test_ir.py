"""The canonical IR: golden cases, and the round trip through its KDL form.

Each folder under `cases/ir/` is one workspace: `main.mizan` (plus whatever
it imports), or a `root.txt` naming a root file relative to the repository
(the shop example lives in `examples/`, not copied here). `expected.kdl`
and `expected.json` are the IR; `MIZAN_UPDATE_EXPECTED=1` rewrites them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mizan_lang.check import CheckResult, check
from mizan_lang.ir import build_ir, to_json, to_kdl
from mizan_lang.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cases" / "ir"
UPDATE = os.environ.get("MIZAN_UPDATE_EXPECTED") == "1"
# In-memory workspaces live under a folder that does not exist on disk.
VIRTUAL = "/nonexistent-mizan-ir-tests"


def checked(roots: list[str], files: dict[str, str] | None = None) -> CheckResult:
    """Load and check a workspace; `files` (absolute path -> text) shadows the disk."""
    read = None if files is None else files.get
    return check(load_workspace(roots, read=read))


def describe(result: CheckResult) -> str:
    return "\n".join(f"{Path(d.path).name}:{d.span.start}: {d.code} {d.severity.value} "
                     f"{d.message}" for d in result.diagnostics)


def ir_texts(result: CheckResult) -> tuple[str, str]:
    """(KDL, JSON) of a workspace that must have checked without errors."""
    assert result.ok, "the workspace has errors:\n" + describe(result)
    workspace = build_ir(result)
    return to_kdl(workspace), to_json(workspace)


def ir_of_sources(files: dict[str, str], root: str = "main.mizan") -> tuple[str, str]:
    """The IR of in-memory files (name -> text, relative to one virtual folder)."""
    absolute = {f"{VIRTUAL}/{name}": text for name, text in files.items()}
    return ir_texts(checked([f"{VIRTUAL}/{root}"], absolute))


def case_root(case: Path) -> Path:
    pointer = case / "root.txt"
    if pointer.exists():
        return REPO / pointer.read_text(encoding="utf-8").strip()
    return case / "main.mizan"


def compare(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path} is missing; run with MIZAN_UPDATE_EXPECTED=1 to create it"
    assert actual == path.read_text(encoding="utf-8"), f"{path} differs"


CASE_DIRS = sorted(path for path in CASES.iterdir() if path.is_dir())


@pytest.mark.parametrize("case", CASE_DIRS, ids=[path.name for path in CASE_DIRS])
def test_ir_matches_expected(case: Path) -> None:
    kdl, json_text = ir_texts(checked([str(case_root(case))]))
    compare(case / "expected.kdl", kdl)
    compare(case / "expected.json", json_text)


@pytest.mark.parametrize("case", CASE_DIRS, ids=[path.name for path in CASE_DIRS])
def test_ir_kdl_round_trips(case: Path) -> None:
    """The printed IR is itself a spec whose IR is the very same bytes."""
    kdl, json_text = ir_texts(checked([str(case_root(case))]))
    again_kdl, again_json = ir_of_sources({"main.mizan": kdl})
    assert again_kdl == kdl
    assert again_json == json_text


def test_shop_example_checks_without_any_diagnostic() -> None:
    result = checked([str(REPO / "examples" / "shop" / "main.mizan")])
    assert result.diagnostics == [], describe(result)
    assert len(result.files) >= 3


def test_shop_example_uses_every_construct() -> None:
    """The example is what generators are tested against: keep it complete."""
    ir = build_ir(checked([str(REPO / "examples" / "shop" / "main.mizan")]))
    functions = ir.functions
    assert len(functions) >= 25
    assert len(ir.auth.guards) >= 2 and ir.auth.default not in ("", "public")
    assert len(ir.enums) >= 3 and len(ir.contexts) >= 6
    assert {ctx.render for ctx in ir.contexts} == {"csr", "ssr", "psr", "static"}
    assert {ctx.cache.vary for ctx in ir.contexts} == {"identity", "public"}
    assert {len(ctx.params) for ctx in ir.contexts} >= {0, 1, 2}
    tiers = {inv.tier for fn in functions for inv in fn.invalidates}
    assert tiers == {"exact", "partial", "global"}
    assert any(len(fn.invalidates) >= 3 for fn in functions)
    assert any(fn.kind == "query" and fn.context is None for fn in functions)
    assert any(fn.kind == "mutation" and not fn.invalidates for fn in functions)
    assert any(fn.websocket for fn in functions)
    uploads = [p for fn in functions for p in fn.params if p.type.kind == "upload"]
    assert uploads and all(p.max_size and p.content_types for p in uploads)
    kinds = {ref.kind for record in ir.types for field in record.fields
             for ref in _walk(field.type)}
    assert kinds >= {"primitive", "named", "list", "map", "nullable"}
    assert any(f.shape for shape in ir.shapes for f in shape.fields)
    assert any(f.validators.pattern for form in ir.forms for f in form.fields)
    docs = [fn.doc for fn in functions] + [ctx.doc for ctx in ir.contexts]
    assert any(doc and not doc.isascii() for doc in docs)


def _walk(ref):
    yield ref
    for inner in ("item", "value", "inner"):
        if hasattr(ref, inner):
            yield from _walk(getattr(ref, inner))


def test_json_is_canonical_text() -> None:
    _, json_text = ir_texts(checked([str(case_root(CASES / "shop"))]))
    assert json_text.endswith("}\n") and "\\u" not in json_text
    assert '  "auth": {' in json_text  # two-space indent, sorted keys
    assert json_text.index('"auth"') < json_text.index('"contexts"') < json_text.index('"enums"')
