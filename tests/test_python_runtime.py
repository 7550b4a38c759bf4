"""The protocol core of the runtime generated Python servers import (mizan_runtime.core).

It replays every protocol vector from the data alone, the way another
target would, so the runtime and the reference implementation cannot drift.
Then the parts vectors cannot show: the bundle cache, refresh-token reuse,
and that the module imports nothing but the standard library and PyJWT.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
RUNTIME_PATH = REPO / "runtimes" / "python" / "mizan_runtime" / "core.py"
VECTORS = REPO / "protocol" / "vectors"


def _load_runtime() -> Any:
    spec = importlib.util.spec_from_file_location("mizan_runtime_under_test", RUNTIME_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclass-free, but keeps tracebacks readable
    spec.loader.exec_module(module)
    return module


rt = _load_runtime()


def vectors(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def ids(cases: list[dict[str, Any]], *keys: str) -> list[str]:
    return [" ".join(str(case.get(k))[:40] for k in keys) for case in cases]


# --- values.json --------------------------------------------------------------------

VALUES = vectors("values.json")
CODECS = rt.Codecs(VALUES["schema"])


@pytest.mark.parametrize("case", VALUES["decode"], ids=ids(VALUES["decode"], "type_text", "input"))
def test_value_decoding(case: dict[str, Any]) -> None:
    try:
        value = CODECS.decode(case["type"], rt.parse_json(case["input"]))
    except rt.ValueProblem as problem:
        assert not case["valid"], problem.detail()
        assert problem.detail() == case["error"]
        return
    assert case["valid"], f"accepted, but expected {case.get('error')}"
    assert rt.canonical_json(CODECS.encode(case["type"], value)) == case["output"]


@pytest.mark.parametrize("case", VALUES["keys"], ids=ids(VALUES["keys"], "type_text", "text"))
def test_key_texts(case: dict[str, Any]) -> None:
    params = rt.Params([{"name": "k", "type": case["type"]}], CODECS)
    try:
        values = params.decode_query([("k", case["text"])])
    except rt.MizanError as error:
        assert not case["valid"]
        assert error.details == {"k": case["error"]}
        return
    assert case["valid"]
    assert params.key_texts(values) == {"k": case["key"]}


@pytest.mark.parametrize("case", VALUES["parse"], ids=ids(VALUES["parse"], "input", "input_hex"))
def test_strict_json_reader(case: dict[str, Any]) -> None:
    data = bytes.fromhex(case["input_hex"]) if "input_hex" in case else case["input"]
    try:
        parsed = rt.parse_json(data)
    except rt.MalformedJson:
        assert not case["valid"]
        return
    assert case["valid"]
    assert rt.canonical_json(parsed) == case["output"]


# --- args.json ------------------------------------------------------------------------

ARGS = vectors("args.json")
ARG_CODECS = rt.Codecs(ARGS["schema"])


@pytest.mark.parametrize("case", ARGS["calls"], ids=ids(ARGS["calls"], "fn", "args"))
def test_call_arguments(case: dict[str, Any]) -> None:
    specs = ARGS["functions"][case["fn"]]
    params = rt.Params(specs, ARG_CODECS)
    try:
        values = params.decode_args(rt.parse_json(case["args"]))
    except rt.MizanError as error:
        assert not case["valid"]
        assert error.body() == case["error"]
        assert error.status == 400
        return
    assert case["valid"]
    wire = {s["name"]: ARG_CODECS.encode(s["type"], values[s["name"]]) for s in specs
            if s["name"] in values}
    assert rt.canonical_json(wire) == case["decoded"]


@pytest.mark.parametrize("case", ARGS["queries"], ids=ids(ARGS["queries"], "context", "query"))
def test_context_key_params(case: dict[str, Any]) -> None:
    params = rt.Params(ARGS["contexts"][case["context"]], ARG_CODECS)
    try:
        values = params.decode_query([tuple(pair) for pair in case["query"]])
    except rt.MizanError as error:
        assert not case["valid"]
        assert error.body() == case["error"]
        return
    assert case["valid"]
    assert params.key_texts(values) == case["params"]


@pytest.mark.parametrize("case", ARGS["uploads"], ids=ids(ARGS["uploads"], "size",
                                                           "content_type"))
def test_upload_checks(case: dict[str, Any]) -> None:
    param = ARGS["upload_param"]
    try:
        rt.check_upload(param["name"], param["max_size"], param["content_types"], case["size"],
                        case["content_type"])
    except rt.MizanError as error:
        assert error.body() == case["error"]
        return
    assert case["error"] is None


# --- invalidation.json, header.json ------------------------------------------------------

INVALIDATION = vectors("invalidation.json")


@pytest.mark.parametrize("case", INVALIDATION["cases"], ids=ids(INVALIDATION["cases"], "fn"))
def test_invalidation_of_a_call(case: dict[str, Any]) -> None:
    plan = INVALIDATION["plan"]
    mutation = plan["mutations"][case["fn"]]
    codecs = rt.Codecs(INVALIDATION["schema"])
    args = rt.Params(mutation["params"], codecs).decode_args(case["args"])
    key_types = {ctx: {p["name"]: p["type"] for p in params}
                 for ctx, params in plan["contexts"].items()}
    entries = rt.Invalidator(mutation["invalidates"], key_types).entries(args)
    assert rt.to_body(entries) == case["invalidate"]
    assert rt.format_header(entries) == case["header"]


HEADER = vectors("header.json")


@pytest.mark.parametrize("case", HEADER["format"])
def test_header_formatting(case: dict[str, Any]) -> None:
    entries = rt.from_body(case["input"])
    assert rt.to_body(entries) == case["normalized"]
    assert rt.format_header(entries, HEADER["limit"]) == case["header"]
    if case["header"] not in (None, "*"):  # parsing gives the list back, or its coarse form
        full = rt.format_header(entries, limit=10**9) == case["header"]
        coarse = rt.normalize((context, ()) for context, _ in entries)
        assert rt.parse_header(case["header"]) == (entries if full else coarse)


@pytest.mark.parametrize("case", HEADER["parse"], ids=ids(HEADER["parse"], "header"))
def test_header_parsing(case: dict[str, Any]) -> None:
    try:
        parsed = rt.parse_header(case["header"])
    except ValueError:
        assert not case["valid"]
        return
    assert case["valid"]
    assert (parsed is None) == case["everything"]
    assert (None if parsed is None else rt.to_body(parsed)) == case["invalidate"]


# --- cache_keys.json, tokens.json, mwt.json, csrf.json -------------------------------------

CACHE_KEYS = vectors("cache_keys.json")


@pytest.mark.parametrize("case", CACHE_KEYS["cases"])
def test_cache_keys(case: dict[str, Any]) -> None:
    identity = rt.cache_identity(case["vary"], case["subject"])
    assert identity == case["identity"]
    assert rt.cache_message(case["context"], case["params"], identity).hex() == case[
        "message_hex"]
    assert rt.cache_key(case["secret"], case["context"], case["params"], identity) == case["key"]


TOKENS = vectors("tokens.json")


@pytest.mark.parametrize("case", TOKENS["mint"], ids=ids(TOKENS["mint"], "typ", "sub"))
def test_jwt_minting(case: dict[str, Any]) -> None:
    claims = rt.token_claims(case["jwt"], case["typ"], case["sub"], case["iat"], case["extra"],
                             case["jti"])
    assert rt.canonical_json(claims) == case["claims_json"]
    token = rt.mint_token(case["jwt"], case["secret"], case["typ"], case["sub"], case["iat"],
                          case["extra"], case["jti"])
    assert token == case["token"]


@pytest.mark.parametrize("case", TOKENS["verify"], ids=ids(TOKENS["verify"], "name"))
def test_jwt_verification(case: dict[str, Any]) -> None:
    try:
        claims = rt.verify_token(TOKENS["verify_jwt"], TOKENS["secret"], case["token"],
                                 case["typ"], case["now"])
    except rt.TokenError as error:
        assert not case["valid"]
        assert error.reason == case["reason"]
        return
    assert case["valid"]
    assert claims == case["claims"]


@pytest.mark.parametrize("case", TOKENS["guards"])
def test_guards(case: dict[str, Any]) -> None:
    assert rt.guard_allows(case["guard"], case["claims"]) == case["allows"]


MWT = vectors("mwt.json")


@pytest.mark.parametrize("case", MWT["mint"], ids=ids(MWT["mint"], "identity"))
def test_mwt_minting(case: dict[str, Any]) -> None:
    assert rt.mint_mwt(case["secret"], case["identity"], case["exp"]) == case["token"]
    assert rt.MWT_TTL == MWT["ttl"]


@pytest.mark.parametrize("case", MWT["verify"], ids=ids(MWT["verify"], "name"))
def test_mwt_verification(case: dict[str, Any]) -> None:
    try:
        identity = rt.verify_mwt(MWT["secret"], case["token"], case["now"])
    except rt.TokenError as error:
        assert not case["valid"]
        assert error.reason == case["reason"]
        return
    assert case["valid"]
    assert identity == case["identity"]


CSRF = vectors("csrf.json")


@pytest.mark.parametrize("case", CSRF["make"])
def test_csrf_tokens(case: dict[str, Any]) -> None:
    assert rt.make_csrf_token(CSRF["secret"], bytes.fromhex(case["nonce_hex"])) == case["token"]


@pytest.mark.parametrize("case", CSRF["check"], ids=ids(CSRF["check"], "name"))
def test_csrf_checks(case: dict[str, Any]) -> None:
    assert rt.check_csrf(CSRF["secret"], case["cookie"], case["header"]) == case["result"]


# --- forms.json, errors.json -------------------------------------------------------------

FORMS = vectors("forms.json")


@pytest.mark.parametrize("case", FORMS["cases"], ids=[str(i) for i in range(len(FORMS["cases"]))])
def test_form_validation(case: dict[str, Any]) -> None:
    cleaned, errors = rt.validate_form(FORMS["schema"], case["input"])
    if case["valid"]:
        assert errors == {}
        assert rt.form_data_wire(FORMS["schema"], cleaned) == case["data"]
    else:
        assert errors == case["errors"]


ERRORS = vectors("errors.json")


def test_error_code_table() -> None:
    assert [{"code": c, "status": s, "message": m} for c, (s, m) in rt.ERROR_CODES.items()] == \
        ERRORS["codes"]


@pytest.mark.parametrize("case", ERRORS["situations"], ids=ids(ERRORS["situations"],
                                                                "situation"))
def test_error_situations(case: dict[str, Any]) -> None:
    error = rt.MizanError(case["body"]["error"]["code"], case["body"]["error"]["details"])
    assert error.status == case["status"]
    assert error.body() == case["body"]


# --- beyond the vectors ---------------------------------------------------------------------


def test_runtime_imports_only_the_standard_library_and_pyjwt() -> None:
    tree = ast.parse(RUNTIME_PATH.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in the runtime"
            imported.add(node.module.split(".")[0])
    third_party = {name for name in imported if name not in sys.stdlib_module_names}
    assert third_party == {"jwt"}


def test_runtime_is_formatted_and_lint_clean() -> None:
    """The whole runtime package passes ruff with its defaults."""
    ruff = [sys.executable, "-m", "ruff"]
    for command in (["format", "--check", "--isolated"], ["check", "--isolated"]):
        done = subprocess.run([*ruff, *command, str(RUNTIME_PATH.parent)], check=False,
                              capture_output=True, text=True, cwd=REPO)
        assert done.returncode == 0, done.stdout + done.stderr


def test_minted_tokens_are_standard_jwts() -> None:
    config = {"algorithm": "HS256", "issuer": "shop", "audience": "web", "access_ttl": 900,
              "refresh_ttl": 1209600}
    token = rt.mint_token(config, TOKENS["secret"], "access", "42", extra={"is_staff": True})
    claims = pyjwt.decode(token, TOKENS["secret"], algorithms=["HS256"], audience="web",
                          issuer="shop")
    assert claims["sub"] == "42" and claims["is_staff"] is True
    assert rt.verify_token(config, TOKENS["secret"], token, "access") == claims


def test_refresh_tokens_get_a_fresh_jti_and_are_spent_once() -> None:
    config = {"algorithm": "HS256", "access_ttl": 60, "refresh_ttl": 120}
    first = rt.mint_token(config, TOKENS["secret"], "refresh", "7", iat=1000)
    second = rt.mint_token(config, TOKENS["secret"], "refresh", "7", iat=1000)
    assert first != second
    claims = rt.verify_token(config, TOKENS["secret"], first, "refresh", now=1001)
    used = rt.MemoryUsedTokens(clock=lambda: 1001)
    assert used.use(claims["jti"], claims["exp"]) is True
    assert used.use(claims["jti"], claims["exp"]) is False


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _entry(context: str, **params: str | None) -> Any:
    return rt.make_entry(context, params)


def test_bundle_cache_serves_until_ttl_and_invalidation() -> None:
    clock = Clock()
    cache = rt.MemoryBundleCache(clock=clock)
    gen = cache.generation("user")
    assert cache.put("k42", "user", {"user_id": "42"}, b"A", ttl=60, generation=gen)
    assert cache.put("k43", "user", {"user_id": "43"}, b"B", ttl=60,
                     generation=cache.generation("user"))
    assert cache.get("k42") == b"A"
    cache.invalidate([_entry("user", user_id="42")])  # exact: only that instance
    assert cache.get("k42") is None and cache.get("k43") == b"B"
    clock.now = 61
    assert cache.get("k43") is None  # expired


def test_partial_and_global_invalidation_match_by_bound_keys() -> None:
    cache = rt.MemoryBundleCache()
    for customer, order in (("1", "1"), ("1", "2"), ("2", "3")):
        cache.put(f"{customer}-{order}", "order", {"customer_id": customer, "order_id": order},
                  b"x", 60, cache.generation("order"))
    cache.put("stats", "stats", {}, b"s", 60, cache.generation("stats"))
    cache.invalidate([_entry("order", customer_id="1")])  # partial
    assert [cache.get(k) for k in ("1-1", "1-2", "2-3")] == [None, None, b"x"]
    cache.invalidate([_entry("order")])  # global
    assert cache.get("2-3") is None and cache.get("stats") == b"s"


def test_a_bundle_computed_before_an_invalidation_is_not_cached() -> None:
    cache = rt.MemoryBundleCache()
    generation = cache.generation("user")  # a fetch starts computing...
    cache.invalidate([_entry("user", user_id="42")])  # ...a mutation lands meanwhile
    assert not cache.put("k42", "user", {"user_id": "42"}, b"stale", 60, generation)
    assert cache.get("k42") is None


def test_bundle_cache_is_bounded_and_thread_safe() -> None:
    cache = rt.MemoryBundleCache(max_entries=50)

    def writer(start: int) -> None:
        for i in range(start, start + 200):
            cache.put(f"k{i}", "c", {"i": str(i)}, b"v", 60, cache.generation("c"))
            if i % 7 == 0:
                cache.invalidate([_entry("c", i=str(i - 1))])

    threads = [threading.Thread(target=writer, args=(n * 1000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache._entries) <= 50
    assert sum(len(keys) for keys in cache._by_context.values()) == len(cache._entries)


def test_records_decode_through_factories_and_encode_from_objects() -> None:
    class Point:
        def __init__(self, x: int, y: int) -> None:
            self.x, self.y = x, y

    schema = {"enums": {}, "records": {"Point": [
        {"name": "x", "type": {"kind": "primitive", "name": "int"}},
        {"name": "y", "type": {"kind": "primitive", "name": "int"}, "default": 0}]}}
    codecs = rt.Codecs(schema, factories={"Point": lambda fields: Point(**fields)})
    node = {"kind": "list", "item": {"kind": "named", "name": "Point", "ref": "type"}}
    points = codecs.decode(node, [{"x": 1}, {"x": 2, "y": 3}])
    assert [(p.x, p.y) for p in points] == [(1, 0), (2, 3)]
    assert codecs.encode(node, points) == [{"x": 1, "y": 0}, {"x": 2, "y": 3}]
    with pytest.raises(rt.EncodeError):
        codecs.encode(node, [{"x": 1}])


# --- canonical JSON: the json.dumps fast path writes what the careful writer does ----------

_KEYS = st.text(st.sampled_from(["a", "B", "é", "\ue000", "\uffff", "😀", "\U00010000", "~"]),
                max_size=3)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_canonical_json_fast_path_equals_the_careful_writer(value: Any) -> None:
    careful: list[str] = []
    rt._write_json(value, careful)
    assert rt.canonical_json(value) == "".join(careful)


def test_canonical_json_sorts_astral_keys_by_utf16_units() -> None:
    # U+10000 is D800 DC00 in UTF-16, before U+E000; code point order says the opposite.
    assert rt.canonical_json({"\ue000": 1, "\U00010000": 2}) == '{"𐀀":2,"\ue000":1}'
    assert rt.canonical_json({"b": 1.0, "a": [1e21, 5e-07]}) == '{"a":[1e+21,5e-7],"b":1}'
