"""The protocol's reference implementation (mizan_lang/protocol) and its test vectors.

The vectors in protocol/vectors/ are committed data; protocol/make_vectors.py
must reproduce them byte for byte from the reference implementation
(`MIZAN_UPDATE_EXPECTED=1` rewrites them). The other tests check the
reference against independent implementations (PyJWT, hand-built bytes,
ECMAScript number strings) and properties that hold for every input, and
that docs/protocol.md states the fixed texts the code uses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import importlib.util
import json
import os
import struct
from decimal import Decimal
from pathlib import Path

import jwt as pyjwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mizan_lang.ir import model as ir
from mizan_lang.protocol import cache_key, errors, forms, invalidation, tokens, values
from mizan_lang.protocol.canonical import canonical_json, format_float, parse_json
from mizan_lang.protocol.from_ir import schema_from_ir
from mizan_lang.protocol.keys import key_text, parse_key
from mizan_lang.protocol.manifest import manifest
from mizan_lang.protocol.schema import Schema

REPO = Path(__file__).resolve().parent.parent
VECTORS = REPO / "protocol" / "vectors"
UPDATE = os.environ.get("MIZAN_UPDATE_EXPECTED") == "1"


def _make_vectors():
    spec = importlib.util.spec_from_file_location("make_vectors", REPO / "protocol" /
                                                  "make_vectors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _make_vectors()
BUILT = MAKE.build_all()


@pytest.mark.parametrize("name", sorted(BUILT))
def test_vectors_are_reproduced_byte_for_byte(name: str) -> None:
    path = VECTORS / name
    if UPDATE:
        path.write_text(BUILT[name], encoding="utf-8", newline="\n")
    assert path.exists(), f"{name} is missing: run protocol/make_vectors.py"
    assert path.read_text(encoding="utf-8") == BUILT[name], (
        f"{name} differs from what the reference produces; if the change is intended, rerun "
        "protocol/make_vectors.py (or MIZAN_UPDATE_EXPECTED=1) and review the diff")


def test_no_stray_vector_files() -> None:
    assert sorted(p.name for p in VECTORS.glob("*.json")) == sorted(BUILT)


def test_vector_files_are_sorted_two_space_json() -> None:
    for name, text in BUILT.items():
        data = json.loads(text)
        assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", name


# --- against independent implementations ------------------------------------------------


def test_reference_tokens_are_standard_jwts() -> None:
    data = json.loads(BUILT["tokens.json"])
    for case in data["mint"]:
        jwt_settings = ir.Jwt(**case["jwt"])
        decoded = pyjwt.decode(case["token"], case["secret"], algorithms=[jwt_settings.algorithm],
                               audience=jwt_settings.audience, issuer=jwt_settings.issuer,
                               options={"verify_exp": False})
        assert decoded == json.loads(case["claims_json"])
        header = pyjwt.get_unverified_header(case["token"])
        assert header == {"alg": jwt_settings.algorithm, "typ": "JWT"}


def test_pyjwt_refuses_what_the_reference_refuses() -> None:
    data = json.loads(BUILT["tokens.json"])
    settings = ir.Jwt(**data["verify_jwt"])
    for case in data["verify"]:
        if case["valid"] or case["reason"] in ("wrong_type", "malformed"):
            continue  # typ and our claim shapes are Mizan rules, not JWT rules
        with pytest.raises(pyjwt.InvalidTokenError):
            pyjwt.decode(case["token"], data["secret"], algorithms=[settings.algorithm],
                         audience=settings.audience, issuer=settings.issuer,
                         options={"require": ["iss", "aud"]}, leeway=0)


def test_cache_key_message_layout_by_hand() -> None:
    params = {"user_id": "42", "b": None}
    expected = (b"mizan-cache-key-v1\x00" + struct.pack(">I", 4) + b"user" + struct.pack(">I", 2)
                + struct.pack(">I", 1) + b"b" + b"\x00"
                + struct.pack(">I", 7) + b"user_id" + b"\x01" + struct.pack(">I", 2) + b"42"
                + struct.pack(">I", 7) + b"user:42")
    assert cache_key.message("user", params, "user:42") == expected
    assert cache_key.cache_key("s3cret", "user", params, "user:42") == hmac.new(
        b"s3cret", expected, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("value, text", [
    (1.0, "1"), (-0.0, "0"), (0.5, "0.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
    (123e-20, "1.23e-18"), (0.000001, "0.000001"), (1e-7, "1e-7"), (4.35, "4.35"),
    (0.1 + 0.2, "0.30000000000000004"), (2**53 + 0.0, "9007199254740992"),
    (-1.7976931348623157e308, "-1.7976931348623157e+308"), (5e-324, "5e-324"),
    (333333333.33333329, "333333333.3333333"), (1e23, "1e+23"),
])
def test_floats_are_written_as_ecmascript_does(value: float, text: str) -> None:
    assert format_float(value) == text


def test_canonical_json_orders_keys_by_utf16_code_units() -> None:
    assert canonical_json({"\uff01": 1, "\U0001f600": 2, "b": [1.5, None, True], "a": "\u2028"}) \
        == '{"a":"\u2028","b":[1.5,null,true],"\U0001f600":2,"\uff01":1}'


# --- properties ---------------------------------------------------------------------------

key_values = st.one_of(st.none(), st.text(max_size=12))
entries = st.lists(st.tuples(
    st.sampled_from(["user", "order", "stats", "caf\u00e9"]),
    st.dictionaries(st.sampled_from(["a", "b", "user_id"]), key_values, max_size=3),
), max_size=6)


@given(entries)
def test_header_round_trip(items) -> None:
    normalized = invalidation.normalize([invalidation.Entry.of(c, p) for c, p in items])
    header = invalidation.format_header(normalized, limit=10**9)
    if not normalized:
        assert header is None
        return
    assert header.isascii() and " " not in header
    assert invalidation.parse_header(header) == normalized
    # Normalizing is idempotent and no entry covers another afterwards.
    assert invalidation.normalize(normalized) == normalized
    assert not any(a is not b and a.covers(b) for a in normalized for b in normalized)


@given(st.datetimes(timezones=st.just(dt.UTC)))
def test_datetimes_round_trip(moment: dt.datetime) -> None:
    type_ = ir.PrimitiveType(name="datetime")
    wire = values.encode(type_, moment, Schema())
    assert values.decode(type_, wire, Schema()) == moment
    assert parse_key(type_, wire, Schema(), "k") == moment


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: len(d.as_tuple().digits) <= 40 and -30 < d.as_tuple().exponent < 30))
def test_decimals_round_trip_and_key_texts_are_canonical(number: Decimal) -> None:
    type_ = ir.PrimitiveType(name="decimal")
    wire = values.encode(type_, number, Schema())
    back = values.decode(type_, wire, Schema())
    assert back == number and values.encode(type_, back, Schema()) == wire
    text = key_text(type_, number)
    assert key_text(type_, parse_key(type_, text, Schema(), "k")) == text
    assert Decimal(text) == number


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_text_reads_back_exactly(number: float) -> None:
    assert float(format_float(number)) == number
    assert float(parse_json(format_float(number))) == number  # integral: read as an int


# --- the reference on real specs ------------------------------------------------------------


def _shop() -> ir.Workspace:
    from mizan_lang.check import check
    from mizan_lang.ir import build_ir
    from mizan_lang.workspace import load_workspace

    result = check(load_workspace([str(REPO / "examples" / "shop" / "main.mizan")]))
    assert result.ok
    return build_ir(result)


def test_shop_example_gives_a_type_table_forms_and_a_manifest() -> None:
    shop = _shop()
    schema = schema_from_ir(shop)
    assert set(schema.records) == {t.name for t in shop.types} | {s.name for s in shop.shapes}
    assert Schema.from_json(json.loads(json.dumps(schema.to_json()))) == schema
    enums = {e.name: tuple(m.name for m in e.members) for e in shop.enums}
    for form in shop.forms:
        form_json = forms.form_schema(form, enums)
        assert [f["name"] for f in form_json["fields"]] == [f.name for f in form.fields]
    data = manifest(shop)
    assert list(data["contexts"]) == sorted(data["contexts"])
    assert canonical_json(data) == canonical_json(manifest(_shop()))


def test_every_error_code_in_the_vectors_is_in_the_table() -> None:
    data = json.loads(BUILT["errors.json"])
    for situation in data["situations"]:
        error = situation["body"]["error"]
        assert errors.ERROR_CODES[error["code"]].status == situation["status"]
        if error["code"] == "unauthenticated":
            assert error["details"]["reason"] in errors.AUTH_REASONS
    verify = json.loads(BUILT["tokens.json"])["verify"]
    assert {c["reason"] for c in verify if not c["valid"]} <= set(errors.AUTH_REASONS)


def test_guard_values_compare_as_json() -> None:
    guard = ir.Guard(name="g", claim="level", value=Decimal("1.5"))
    assert tokens.guard_allows(guard, {"level": 1.5})
    assert not tokens.guard_allows(guard, {"level": "1.5"})


# --- the document states the fixed texts ---------------------------------------------------

DOC = (REPO / "docs" / "protocol.md").read_text(encoding="utf-8")


def test_protocol_doc_lists_every_error_code_and_message() -> None:
    for entry in errors.ERROR_CODES.values():
        assert f"| `{entry.code}` | {entry.status} | {entry.message} |" in DOC, entry.code
    for reason in errors.AUTH_REASONS:
        assert f"`{reason}`" in DOC, reason


def test_protocol_doc_states_every_value_and_form_message() -> None:
    for code, message in values.MESSAGES.items():
        assert f"| `{code}` | {message} |" in DOC, code
    for code, message in forms.MESSAGES.items():
        assert f"| `{code}` | {message} |" in DOC, code
    for kind, message in forms.INVALID.items():
        assert f"| `{kind}` | {message} |" in DOC, kind
