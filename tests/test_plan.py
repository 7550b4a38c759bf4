"""The target-neutral plan: golden cases, and the decisions targets rely on.

Each folder under `cases/gen/plan/` is a workspace (`main.mizan`, or a
`root.txt` naming a root file relative to the repository) with its plan in
`expected.json`; `MIZAN_UPDATE_EXPECTED=1` rewrites the expectations.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mizan_lang.check import check
from mizan_lang.ir import build_ir, to_kdl
from mizan_lang.plan import Plan, build_plan, plan_json
from mizan_lang.protocol.canonical import canonical_json
from mizan_lang.protocol.manifest import manifest
from mizan_lang.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases" / "gen" / "plan"
UPDATE = os.environ.get("MIZAN_UPDATE_EXPECTED") == "1"


def plan_of(root: Path) -> Plan:
    result = check(load_workspace([str(root)]))
    assert result.ok, [d.message for d in result.diagnostics]
    return build_plan(build_ir(result))


def case_root(folder: Path) -> Path:
    pointer = folder / "root.txt"
    if pointer.is_file():
        return REPO / pointer.read_text("utf-8").strip()
    return folder / "main.mizan"


@pytest.mark.parametrize("folder", sorted(p for p in CASES.iterdir() if p.is_dir()),
                         ids=lambda p: p.name)
def test_plan_matches_expected(folder: Path) -> None:
    text = plan_json(plan_of(case_root(folder)))
    expected = folder / "expected.json"
    if UPDATE:
        expected.write_text(text, "utf-8")
    assert expected.is_file(), "run with MIZAN_UPDATE_EXPECTED=1 to create expected.json"
    assert text == expected.read_text("utf-8")


@pytest.fixture(scope="module")
def basics() -> Plan:
    return plan_of(CASES / "basics" / "main.mizan")


def test_invalidation_tables_carry_tier_and_bindings(basics: Plan) -> None:
    ship = basics.function("ship_order")
    assert ship is not None
    tables = {inv.context: (inv.tier, [(b.key, b.param) for b in inv.bindings])
              for inv in ship.invalidates}
    assert tables == {
        "dashboard": ("exact", []),  # a context without keys has one instance
        "order": ("exact", [("customer_id", "buyer_id"), ("order_id", "order_id")]),
    }
    close = basics.function("close_customer")
    assert close is not None
    assert [(i.context, i.tier, [(b.key, b.param) for b in i.bindings])
            for i in close.invalidates] == [("order", "partial", [("customer_id", "customer_id")])]
    reprice = basics.function("reprice")
    assert reprice is not None
    assert [(i.context, i.tier, i.bindings) for i in reprice.invalidates] == [
        ("order", "global", ())]


def test_auth_rules_resolve_levels_and_guards(basics: Plan) -> None:
    rules = {fn.name: (fn.auth.kind, fn.auth.level, fn.auth.claim, fn.auth.has_value,
                       fn.auth.value) for fn in basics.functions}
    assert rules["update_profile"] == ("user", "user", None, False, None)  # the default
    assert rules["ping"] == ("public", "public", None, False, None)
    assert rules["ship_order"] == ("guard", "staff", "is_staff", False, None)
    assert rules["reprice"] == ("guard", "admin", "role", True, "admin")
    assert basics.auth.used
    assert [g.name for g in basics.auth.guards] == ["admin", "staff"]


def test_params_know_their_source_defaults_and_upload_limits(basics: Plan) -> None:
    upload = basics.function("upload_avatar")
    assert upload is not None and upload.multipart
    params = {p.name: p for p in upload.params}
    assert params["avatar"].source == "file"
    assert params["avatar"].upload is not None
    assert params["avatar"].upload.max_size == 5_000_000
    assert params["avatar"].upload.content_types == ("image/jpeg", "image/png")
    assert params["user_id"].required and params["user_id"].source == "json"
    assert not params["caption"].required  # nullable with a default
    order = basics.context("order")
    assert order is not None
    assert [(k.name, k.source) for k in order.keys] == [("customer_id", "query"),
                                                        ("order_id", "query")]


def test_routes_follow_the_spec(basics: Plan) -> None:
    routes = [(r.method, r.path, r.handler) for r in basics.routes]
    assert routes[:5] == [("GET", "session/", "session"), ("POST", "call/", "call"),
                          ("GET", "manifest/", "manifest"), ("GET", "ir/", "ir"),
                          ("WS", "ws/", "ws")]
    assert ("GET", "ctx/dashboard/", "bundle") in routes
    assert ("POST", "form/ProfileForm/submit/", "form_submit") in routes
    without_ws = plan_of(REPO / "tests" / "cases" / "gen" / "determinism" / "a" / "main.mizan")
    assert all(r.handler != "ws" for r in without_ws.routes)


def test_contexts_carry_cache_render_and_members(basics: Plan) -> None:
    order = basics.context("order")
    assert order is not None
    assert (order.cache.ttl, order.cache.vary, order.cache.enabled) == (30, "public", True)
    assert order.render == "ssr"
    assert [(m.function, m.key_args) for m in order.members] == [
        ("order_detail", ("customer_id", "order_id"))]
    assert order.affected_by == ("close_customer", "reprice", "ship_order")


def test_manifest_and_ir_are_the_protocol_modules_own(basics: Plan) -> None:
    assert basics.manifest == manifest(basics.ir)
    assert basics.manifest_json == canonical_json(basics.manifest)
    assert basics.ir_kdl == to_kdl(basics.ir)


def test_server_table_holds_wire_defaults_and_types(basics: Plan) -> None:
    order = basics.tables["functions"]["order_detail"]
    assert order["params"][2] == {"name": "verbose", "type": {"kind": "primitive",
                                                              "name": "bool"}, "default": False}
    assert basics.tables["functions"]["reprice"]["invalidates"] == [
        {"context": "order", "tier": "global", "bindings": {}}]
    assert basics.tables["contexts"]["dashboard"]["auth"] == {
        "kind": "guard", "level": "staff", "claim": "is_staff"}
    assert basics.tables["schema"]["records"]["Profile"][2]["default"] == "member"


def test_declaration_order_and_file_split_do_not_change_the_plan() -> None:
    base = REPO / "tests" / "cases" / "gen" / "determinism"
    assert plan_json(plan_of(base / "a" / "main.mizan")) == plan_json(
        plan_of(base / "b" / "main.mizan"))
