"""Lowering: data-driven cases plus a few checks of what the declarations hold.

Each folder in tests/cases/lower/ has an `input.mizan` and an `expected.txt`
with one line per diagnostic (syntax and lowering):
`line:col-line:col CODE message`, 1-based. Run with MIZAN_UPDATE_EXPECTED=1
to rewrite the expected files from the current output.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import specgen
from mizan_lang.decls import FileDecls
from mizan_lang.diagnostics import RULES, Diagnostic
from mizan_lang.kdl import parse
from mizan_lang.lower import lower
from mizan_lang.records import replace
from mizan_lang.source import LineIndex

CASES = Path(__file__).parent / "cases" / "lower"
UPDATE = os.environ.get("MIZAN_UPDATE_EXPECTED") == "1"


def render(text: str, diagnostics: list[Diagnostic]) -> str:
    index = LineIndex(text)
    lines = []
    for diag in sorted(diagnostics, key=lambda d: (d.span.start, d.span.end, d.code)):
        start, end = index.position(diag.span.start), index.position(diag.span.end)
        lines.append(f"{start.line + 1}:{start.column + 1}-{end.line + 1}:{end.column + 1} "
                     f"{diag.code} {diag.message}")
    return "".join(line + "\n" for line in lines)


def run(text: str) -> tuple[FileDecls, list[Diagnostic]]:
    result = parse(text)
    decls, lowered = lower(result.document, "input.mizan")
    return decls, [*result.diagnostics, *lowered]


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_case(case: str) -> None:
    folder = CASES / case
    text = (folder / "input.mizan").read_text(encoding="utf-8")
    actual = render(text, run(text)[1])
    expected_file = folder / "expected.txt"
    if UPDATE:
        expected_file.write_text(actual, encoding="utf-8")
    assert expected_file.exists(), f"no expected.txt in {folder} (run with MIZAN_UPDATE_EXPECTED=1)"
    assert actual == expected_file.read_text(encoding="utf-8")


def test_every_lowering_rule_has_a_case() -> None:
    seen = set()
    for expected in CASES.glob("*/expected.txt"):
        seen.update(line.split(" ")[1] for line in expected.read_text().splitlines())
    # M101-M149 are lowering's; M150 and up are the checker's name rules.
    mine = {code for code in RULES if "M100" < code < "M150"}
    assert mine - seen == set()


def test_clean_case_has_no_diagnostics() -> None:
    assert (CASES / "clean" / "expected.txt").read_text() == ""


def _clean() -> tuple[str, FileDecls]:
    text = (CASES / "clean" / "input.mizan").read_text(encoding="utf-8")
    return text, run(text)[0]


def test_clean_file_declarations() -> None:
    _text, decls = _clean()
    assert decls.version is not None and decls.version.value == 1
    assert [i.path for i in decls.imports] == ["common.mizan"]
    assert [e.name.text for e in decls.enums] == ["Role"]
    assert [(m.name.text, m.doc.text if m.doc else None) for m in decls.enums[0].members] == [
        ("member", None), ("staff", "Staff"), ("admin", None)]
    profile = decls.types[0]
    assert profile.doc is not None and profile.doc.text == "A user's public profile."
    assert [(f.name.text, f.type.text) for f in profile.fields] == [
        ("user_id", "int64"), ("email", "str?"), ("role", "Role"), ("tags", "list<str>")]
    assert profile.fields[2].default is not None and profile.fields[2].default.value == "member"
    assert profile.fields[3].type.expr is not None and profile.fields[3].type.expr.kind == "list"
    auth = decls.auth[0]
    assert auth.jwt is not None and auth.jwt.algorithm.text == "HS256"
    assert auth.jwt.refresh_ttl.value == 1209600
    assert [(g.name.text, g.claim.text) for g in auth.guards] == [("staff", "is_staff")]
    assert auth.default is not None and auth.default.text == "user"
    user = decls.contexts[0]
    assert user.auth.text == "user" and user.render.text == "psr"
    assert user.cache.ttl.value == 60 and user.cache.vary.text == "identity"
    assert [f.name.text for f in decls.functions] == [
        "user_profile", "bulk", "move_order", "upload_avatar"]
    model = decls.models[0]
    assert model.table.text == "auth_user"
    assert model.relations[0].target.text == "Group" and model.relations[0].many.value is True
    shape = decls.shapes[0]
    assert shape.model.text == "User"
    assert [(f.name.text, f.shape.text if f.shape else None) for f in shape.fields] == [
        ("id", None), ("groups", "GroupName")]
    form = decls.forms[0]
    assert form.submit.text == "update_profile"
    assert list(form.fields[0].validators) == ["required", "max-length", "min-length"]
    assert form.fields[0].label.text == "Name"
    assert form.fields[1].validators["pattern"].value == "^[A-Z]{3}$"


def test_spans_point_at_each_name() -> None:
    text, decls = _clean()

    def at(span) -> str:
        return text[span.start:span.end]

    bulk, move, upload = decls.functions[1:]
    # affects="user, cart": a span per name, inside the quotes, spaces skipped.
    assert [(a.context.text, at(a.context.span)) for a in bulk.affects] == [
        ("user", "user"), ("cart", "cart")]
    short, pairs, scoped = move.affects
    assert short.by[0].key is None and at(short.by[0].param.span) == "owner_id"
    assert [(at(b.key.span), at(b.param.span)) for b in pairs.by] == [
        ("shop_id", "shop"), ("id", "order")]
    assert scoped.by is None and scoped.scope.text == "global"
    assert at(upload.websocket.span) == "#true"
    file_param = upload.params[1]
    assert [at(c.span) for c in file_param.content_types] == ["image/png", "image/jpeg"]
    assert file_param.max_size.value == 5000000
    returns = decls.functions[0].returns
    assert at(returns.span) == "Profile" and returns.expr.kind == "named"
    assert at(decls.imports[0].path_span) == '"common.mizan"'


def test_type_spans_inside_quoted_strings() -> None:
    text = 'mizan 1\ntype T { field g "map<str, list<Profile>>?"; }\n'
    decls, diags = run(text)
    assert diags == []
    expr = decls.types[0].fields[0].type.expr
    assert expr.text() == "map<str,list<Profile>>?"
    named = next(expr.names())
    assert text[named.span.start:named.span.end] == "Profile"


def test_damaged_nodes_still_yield_declarations() -> None:
    decls, diags = run('mizan 1\ntype T {\n    field name "str\n    field ok int\n}\n')
    assert [f.name.text for f in decls.types[0].fields][-1] == "ok"
    assert not any(d.code == "M106" for d in diags)


def test_missing_type_keeps_the_field_with_a_placeholder() -> None:
    decls, _ = run("mizan 1\ntype T { field email; }\n")
    field = decls.types[0].fields[0]
    assert field.name.text == "email" and field.type.text == "" and field.type.expr is None


@pytest.mark.parametrize("text", [
    "", "mizan", "}", "{", "fn", "fn {", "type T { field", "affects", "fn f { affects }",
    "fn f { affects x by=:, }", "form F { field x int min= }", "\x00\ufeff\ufffd",
    "enum E { doc; doc doc; }", "auth { jwt; guard; default; } auth",
])
def test_never_raises(text: str) -> None:
    run(text)


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_mutated_files_never_raise(data: st.DataObject) -> None:
    text = (CASES / "clean" / "input.mizan").read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 12))
        insert = data.draw(st.text(alphabet='{}();=",:<>?#/\\ \nabcx01-', max_size=6))
        text = text[:at] + insert + text[at + cut:]
    run(text)


# --- the language reference's examples ---------------------------------------------
REFERENCE = Path(__file__).parent.parent / "docs" / "language.md"
_BLOCK = re.compile(r"^```kdl\n(.*?)^```", re.DOTALL | re.MULTILINE)


def reference_examples() -> list[str]:
    return _BLOCK.findall(REFERENCE.read_text(encoding="utf-8"))


def test_the_reference_has_examples() -> None:
    assert len(reference_examples()) >= 25  # one per construct, at least


@pytest.mark.parametrize("index", range(len(reference_examples())))
def test_reference_examples_are_valid(index: int) -> None:
    """Every example is valid KDL v2; whole files (starting `mizan 1`) lower cleanly."""
    text = reference_examples()[index]
    result = parse(text)
    assert result.diagnostics == [], text
    if text.startswith("mizan 1"):
        assert run(text)[1] == [], text


def test_the_first_reference_example_checks_cleanly() -> None:
    from mizan_lang.check import check_decls

    decls, diagnostics = run(reference_examples()[0])
    assert diagnostics == []
    result = check_decls({"input.mizan": decls})
    assert [d.code for d in result.diagnostics] == []


_PLAIN_SHAPES = """mizan 1
type T { field a int; field b "str?"; field c list<T>; field (t)d int; field e 1
  field f g h; field "k" int; field m int doc="x"; field n ##"int"##; field o #true }
context c { param a int; param b Upload?; param c; param "d" (t)int; param e int { doc "x" }
  param f int default=1 }
fn f { param a map<str,int>?; param b "x y"; param c 0x1; param (u)d int }
"""


def test_name_and_type_nodes_read_as_the_general_reader_reads_them(monkeypatch) -> None:
    """`param id int64` and `field id int64` skip `Reader.read` (lower.name_and_type):
    the same declarations and diagnostics as without that shortcut."""
    import mizan_lang.lower as lowering
    from bench import specgen

    texts = [_PLAIN_SHAPES, *specgen.generate(200, seed=5).values(),
             *(path.read_text(encoding="utf-8")
               for path in sorted((CASES.parents[2] / "examples" / "shop").glob("*.mizan")))]
    for text in texts:
        document = parse(text).document
        fast = lower(document, "x.mizan")
        with monkeypatch.context() as patch:
            patch.setattr(lowering, "name_and_type", lambda reader, node: None)
            slow = lower(document, "x.mizan")
        assert fast == slow


def _records(value: object, seen: set[int]) -> list:
    """Every record reachable from `value` (through records, lists, tuples, dicts)."""
    found = []
    stack = [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif hasattr(item, "__record_fields__"):
            found.append(item)
            stack.extend(getattr(item, spec.name) for spec in item.__record_fields__)
    return found


def test_records_made_without_init_are_whole() -> None:
    """The hottest readers make some records without their `__init__`
    (`lower_read._new`): every field is set, and each equals a copy made
    through the constructor."""
    text = next(iter(specgen.generate(200, seed=5).values()))
    decls, diagnostics = lower(parse(text).document, "spec.mizan")
    assert diagnostics == []
    made = _records(decls, set())
    assert {type(item).__name__ for item in made} >= {"Name", "TypeRef", "TypeExpr", "Param"}
    for item in made:
        assert replace(item) == item, item
