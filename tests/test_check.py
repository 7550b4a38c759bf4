"""The semantic checker, case by case.

Each folder under tests/cases/check/ holds a workspace (`main.mizan` is the
root, other files come in through imports) and `expected.txt`: one line per
diagnostic, `file:line:col-line:col severity code message` (1-based, paths
relative to the case folder). When `expected_scopings.txt` exists it holds
the invalidation tiers, one `mutation -> context: tier {key=param} [explicit]`
line each. MIZAN_UPDATE_EXPECTED=1 rewrites both files from the output.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from mizan_lang.check import check
from mizan_lang.check.result import CheckResult
from mizan_lang.kdl import parse
from mizan_lang.workspace import load_workspace

CASES = Path(__file__).parent / "cases" / "check"
EXAMPLES = Path(__file__).parent.parent / "examples"
UPDATE = os.environ.get("MIZAN_UPDATE_EXPECTED") == "1"


def _cases() -> list[Path]:
    return sorted(path for path in CASES.iterdir() if (path / "main.mizan").is_file())


def run_case(folder: Path):
    folder = Path(os.path.realpath(folder))
    workspace = load_workspace([folder / "main.mizan"])
    return workspace, check(workspace)


def diagnostic_lines(folder: Path, workspace, result: CheckResult) -> list[str]:
    folder = Path(os.path.realpath(folder))
    lines = []
    for diag in result.diagnostics:
        source = workspace.files.get(diag.path)
        shown = Path(os.path.relpath(diag.path, folder)).as_posix()
        if source is None:
            lines.append(f"{shown}:0:0-0:0 {diag.severity.value} {diag.code} {diag.message}")
            continue
        start = source.index.position(diag.span.start)
        end = source.index.position(diag.span.end)
        lines.append(f"{shown}:{start.line + 1}:{start.column + 1}-{end.line + 1}:"
                     f"{end.column + 1} {diag.severity.value} {diag.code} {diag.message}")
    return lines


def scoping_lines(result: CheckResult) -> list[str]:
    lines = []
    for scoping in result.scopings:
        bindings = ", ".join(f"{key}={param}" for key, param in scoping.bindings.items())
        explicit = " explicit" if scoping.explicit else ""
        lines.append(f"{scoping.mutation} -> {scoping.context}: {scoping.tier} "
                     f"{{{bindings}}}{explicit}")
    return lines


def compare(path: Path, actual: list[str]) -> None:
    text = "".join(line + "\n" for line in actual)
    if UPDATE:
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"{path} is missing; run with MIZAN_UPDATE_EXPECTED=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("folder", _cases(), ids=lambda path: path.name)
def test_case(folder: Path) -> None:
    workspace, result = run_case(folder)
    compare(folder / "expected.txt", diagnostic_lines(folder, workspace, result))
    scopings = folder / "expected_scopings.txt"
    if scopings.exists():
        compare(scopings, scoping_lines(result))


def test_every_rule_has_a_case() -> None:
    """Each checker code (M15x, M2xx-M4xx) is exercised by at least one case."""
    from mizan_lang.diagnostics import RULES

    seen = set()
    for folder in _cases():
        seen.update(re.findall(r" (M\d{3}) ", (folder / "expected.txt").read_text()))
    wanted = {code for code in RULES if re.fullmatch(r"M(15\d|[234]\d\d)", code)}
    assert sorted(wanted - seen) == []


# --- order and file-split independence ------------------------------------------
def _tables(result: CheckResult) -> tuple:
    return (
        scoping_lines(result),
        result.function_kinds,
        result.effective_auth,
        {kind: sorted(table) for kind, table in result.symbols.items()},
        sorted((d.code, d.message) for d in result.diagnostics),
    )


def _merged(folder: Path, shuffle: random.Random | None) -> str:
    """All declarations of a workspace in one file (optionally shuffled)."""
    workspace = load_workspace([folder / "main.mizan"])
    chunks = []
    for source in workspace.files.values():
        for node in parse(source.text).document.nodes:
            if node.name not in ("mizan", "import"):
                chunks.append(source.text[node.span.start:node.span.end])
    if shuffle is not None:
        shuffle.shuffle(chunks)
    return "mizan 1\n\n" + "\n\n".join(chunks) + "\n"


@pytest.mark.parametrize("name", ["clean_blog", "tiers"])
def test_tables_ignore_file_split_and_order(name: str, tmp_path: Path) -> None:
    folder = CASES / name
    _, expected = run_case(folder)
    for seed in (None, 1, 2, 3):
        rng = None if seed is None else random.Random(seed)
        case = tmp_path / f"merged{seed}"
        case.mkdir()
        (case / "main.mizan").write_text(_merged(folder, rng), encoding="utf-8")
        _, merged = run_case(case)
        assert _tables(merged) == _tables(expected)


def test_examples_are_clean() -> None:
    roots = sorted(EXAMPLES.glob("*/main.mizan"))
    if not roots:
        pytest.skip("no examples/*/main.mizan in this checkout")
    for root in roots:
        result = check(load_workspace([root]))
        assert [(d.code, d.message) for d in result.diagnostics] == [], root


# --- details the expected files do not show ---------------------------------------
def _by_code(result: CheckResult, code: str):
    return [d for d in result.diagnostics if d.code == code]


def test_duplicate_points_at_first_declaration() -> None:
    workspace, result = run_case(CASES / "duplicate_names")
    [dup] = [d for d in _by_code(result, "M150") if "'get_profile'" in d.message]
    assert dup.path.endswith("other.mizan")
    [related] = dup.related
    assert related.path.endswith("main.mizan")
    text = workspace.files[related.path].text
    assert text[related.span.start:related.span.end] == "get_profile"


def test_quick_fix_data() -> None:
    _, result = run_case(CASES / "unknown_types")
    assert {"replace": "Profile"} in [d.data for d in _by_code(result, "M201")]
    _, result = run_case(CASES / "identifiers")
    fixes = {d.message.split("'")[1]: d.data for d in _by_code(result, "M153")}
    assert fixes["type"] == {"replace": "type_"}
    assert {"replace": "user_profile"} in [d.data for d in _by_code(result, "M152")]


def test_checker_runs_on_hand_built_declarations() -> None:
    """Decls need not come from a parser: spans and exprs may be placeholders."""
    from mizan_lang.check import check_decls
    from mizan_lang.decls import (
        Affect,
        ContextDecl,
        FileDecls,
        FunctionDecl,
        KeyBinding,
        Name,
        Param,
        TypeRef,
    )
    from mizan_lang.source import Span
    from mizan_lang.typeexpr import parse_type

    def ref(text: str) -> TypeRef:
        span = Span(0, len(text))
        return TypeRef(text, span, parse_type(text, span, 0)[0])

    span = Span(0, 0)
    ctx = ContextDecl(Name("user", span), span, [Param(Name("user_id", span), ref("int64"), span)])
    member = FunctionDecl(Name("view", span), span, [Param(Name("user_id", span), ref("int64"),
                                                           span)], context=Name("user", span))
    mutation = FunctionDecl(
        Name("rename", span), span,
        [Param(Name("uid", span), ref("int"), span), Param(Name("x", span), TypeRef("", span),
                                                          span)],
        affects=[Affect(Name("user", span), span, [KeyBinding(None, Name("uid", span))])],
    )
    result = check_decls({"a.mizan": FileDecls("a.mizan", contexts=[ctx],
                                               functions=[member, mutation])})
    assert result.diagnostics == []
    assert scoping_lines(result) == ["rename -> user: exact {user_id=uid} explicit"]
    assert result.function_kinds == {"rename": "mutation", "view": "query"}
    assert result.effective_auth == {"ctx:user": "public", "fn:rename": "public",
                                     "fn:view": "public"}


def test_suggestions() -> None:
    from mizan_lang.check.suggest import closest

    assert closest("profile", ["Profile", "profiles"]) == "Profile"
    assert closest("Profil", ["Profile", "Order"]) == "Profile"
    assert closest("zzz", ["Profile", "Order"]) is None
    assert closest("a", []) is None


def test_damaged_sources_never_raise() -> None:
    """Cut random pieces out of every case: diagnostics, never an exception."""
    rng = random.Random(7)
    sources = [(folder / "main.mizan").read_text(encoding="utf-8") for folder in _cases()]
    for _ in range(60):
        text = rng.choice(sources)
        for _ in range(rng.randint(1, 4)):
            start = rng.randrange(len(text))
            text = text[:start] + text[start + rng.randint(1, 12):]

        def read(path: str, text: str = text) -> str | None:
            return text if path.endswith("main.mizan") else None

        result = check(load_workspace(["/nonexistent/main.mizan"], read=read))
        for diag in result.diagnostics:
            assert diag.code and diag.span.start <= diag.span.end
