"""Write the protocol test vectors (protocol/vectors/*.json) from the reference implementation.

    .venv/bin/python protocol/make_vectors.py          # rewrite the files
    .venv/bin/python protocol/make_vectors.py --check  # exit 1 when a file differs

The cases are listed here; their expected results come from mizan_lang.protocol,
run over the IR of protocol/fixture.mizan. The files are committed data that
every target replays; tests/test_protocol_vectors.py checks that this script
still produces them byte for byte.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mizan_lang.check import check
from mizan_lang.ir import build_ir
from mizan_lang.ir import model as ir
from mizan_lang.protocol import cache_key, csrf, errors, forms, invalidation, mwt, tokens
from mizan_lang.protocol.canonical import MalformedJson, canonical_json, parse_json
from mizan_lang.protocol.from_ir import default_to_wire, schema_from_ir
from mizan_lang.protocol.keys import key_text, parse_key
from mizan_lang.protocol.manifest import manifest
from mizan_lang.protocol.schema import type_to_json
from mizan_lang.protocol.values import ValueProblem, decode, encode
from mizan_lang.source import Span
from mizan_lang.typeexpr import parse_type
from mizan_lang.workspace import load_workspace

VECTORS = HERE / "vectors"
FIXTURE = HERE / "fixture.mizan"
# 64 bytes each: long enough for HS512 (RFC 7518 wants a key as long as the hash).
SECRET = "mizan-test-secret-" + "0123456789abcdef" * 2 + "-0123456789abc"
OTHER_SECRET = "another-secret-" + "0123456789abcdef" * 3 + "-"


def fixture() -> ir.Workspace:
    result = check(load_workspace([str(FIXTURE)]))
    assert result.ok, [d.message for d in result.diagnostics]
    return build_ir(result)


def type_of(text: str, workspace: ir.Workspace) -> ir.TypeRef:
    kinds = {e.name: "enum" for e in workspace.enums}
    kinds.update({t.name: "type" for t in workspace.types})
    kinds.update({s.name: "shape" for s in workspace.shapes})

    def resolve(expr: Any) -> ir.TypeRef:
        if expr.kind == "nullable":
            return ir.NullableType(inner=resolve(expr.args[0]))
        if expr.kind == "list":
            return ir.ListType(item=resolve(expr.args[0]))
        if expr.kind == "map":
            return ir.MapType(value=resolve(expr.args[1]))
        if expr.kind == "primitive":
            return ir.PrimitiveType(name=expr.name)
        return ir.NamedType(name=expr.name, ref=kinds[expr.name])

    expr, problems = parse_type(text, Span(0, len(text)))
    assert expr is not None and not problems, text
    return resolve(expr)


# --- values.json ---------------------------------------------------------------

DECODE_CASES: list[tuple[str, str]] = [
    ("bool", "true"), ("bool", "false"), ("bool", "1"), ("bool", '"true"'), ("bool", "null"),
    ("int", "0"), ("int", "-7"), ("int", "2147483647"), ("int", "-2147483648"),
    ("int", "2147483648"), ("int", "-2147483649"), ("int", "5.0"), ("int", "1e2"),
    ("int", "5.5"), ("int", '"5"'), ("int", "true"), ("int", "1e400"),
    ("int64", '"0"'), ("int64", '"-42"'), ("int64", '"9223372036854775807"'),
    ("int64", '"-9223372036854775808"'), ("int64", '"9223372036854775808"'),
    ("int64", '"00000000000000000000001"'), ("int64", "42"), ("int64", '"+1"'),
    ("int64", '"01"'), ("int64", '"-0"'), ("int64", '" 1"'), ("int64", '"1e3"'),
    ("int64", '"\u0661"'),
    ("float", "1.5"), ("float", "1"), ("float", "1.0"), ("float", "-0.0"), ("float", "1e21"),
    ("float", "1e-7"), ("float", "123456789.125"), ("float", "0.1"), ("float", "1e400"),
    ("float", '"1.5"'), ("float", "false"),
    ("decimal", '"9.90"'), ("decimal", '"0"'), ("decimal", '"-0.00"'), ("decimal", '"-12.5"'),
    ("decimal", '"12345678901234567890.123456789"'), ("decimal", '"1e3"'), ("decimal", '".5"'),
    ("decimal", '"5."'), ("decimal", '"+1"'), ("decimal", '"007"'), ("decimal", "9.9"),
    ("decimal", '"' + "1" * 50 + '"'), ("decimal", '"' + "1" * 51 + '"'),
    ("str", '""'), ("str", '"h\u00e9llo \U0001f600"'), ("str", '"\\ud83d\\ude00"'), ("str", '"a\\u0000b"'), ("str", "1"),
    ("date", '"2024-02-29"'), ("date", '"2023-02-29"'), ("date", '"2024-1-05"'),
    ("date", '"0000-01-01"'), ("date", '"2024-01-31T00:00:00Z"'), ("date", "20240131"),
    ("datetime", '"2024-01-31T12:00:00Z"'), ("datetime", '"2024-01-31t12:00:00z"'),
    ("datetime", '"2024-01-31T12:00:00.5Z"'), ("datetime", '"2024-01-31T12:00:00.123456789Z"'),
    ("datetime", '"2024-01-31T13:30:00+01:30"'), ("datetime", '"2024-01-01T00:30:00+01:00"'),
    ("datetime", '"2024-01-31T12:00:00-00:00"'), ("datetime", '"2024-01-31T12:00:00"'),
    ("datetime", '"2024-01-31 12:00:00Z"'), ("datetime", '"2024-01-31T12:00Z"'),
    ("datetime", '"2024-01-31T24:00:00Z"'), ("datetime", '"2024-01-31T12:00:60Z"'),
    ("datetime", '"2024-01-31T12:00:00+24:00"'), ("datetime", '"0001-01-01T00:30:00+01:00"'),
    ("datetime", '"9999-12-31T23:30:00-01:00"'), ("datetime", "1706702400"),
    ("uuid", '"6F9619FF-8B86-D011-B42D-00CF4FC964FF"'),
    ("uuid", '"00000000-0000-0000-0000-000000000000"'),
    ("uuid", '"6f9619ff8b86d011b42d00cf4fc964ff"'), ("uuid", '"{6f9619ff-8b86-d011-b42d-00cf4fc964ff}"'),
    ("bytes", '""'), ("bytes", '"aGVsbG8="'), ("bytes", '"aGVsbG8"'), ("bytes", '"aGVsbG9="'),
    ("bytes", '"aGVs bG8="'), ("bytes", '"-_8="'), ("bytes", '"+/8="'),
    ("json", '{"b": [1, 2.50, null], "a": "x"}'), ("json", "null"), ("json", "1E2"),
    ("list<int>", "[1, 2, 3]"), ("list<int>", "[]"), ("list<int>", '[1, "2", 3]'),
    ("list<int>", '{"0": 1}'),
    ("map<str,int>", '{"b": 2, "a": 1}'), ("map<str,int>", '{"b": "x", "a": "y"}'),
    ("map<str,int>", '{"a/b~c": "x"}'), ("map<str,int>", "[]"),
    ("int?", "null"), ("int?", "3"), ("int?", '"3"'), ("list<str?>", '["a", null]'),
    ("list<str>?", "null"), ("list<str>", "null"),
    ("Role", '"staff"'), ("Role", '"Staff"'), ("Role", '"owner"'), ("Role", "1"),
    ("Profile", ('{"user_id": "7", "email": null, "role": "admin", "tags": ["a"], '
                '"scores": {"x": 1.5}, "born": "2000-02-01"}')),
    ("Profile", '{"user_id": "7", "email": "a@b.cd", "tags": [], "scores": {}, "born": null}'),
    ("Profile", '{"user_id": "7", "tags": [], "scores": {}, "born": null}'),
    ("Profile", ('{"user_id": "7", "email": null, "tags": [], "scores": {}, "born": null, '
                '"zeta": 1, "alpha": 2}')),
    ("Profile", '{"user_id": 7, "email": null, "tags": [], "scores": {}, "born": null}'),
    ("Profile", '{"user_id": "7", "email": null, "tags": ["a", 5], "scores": {}, "born": null}'),
    ("Profile", '[]'),
    ("Settings", "{}"),
    ("Settings", ('{"seats": 3, "price": "1.50", "trial_ends": "2024-06-01T00:00:00Z", '
                 '"starts": "2024-01-01T00:00:00Z", "locale": "fr"}')),
    ("list<Profile>", ('[{"user_id": "1", "email": null, "tags": [], "scores": {"k": "v"}, '
                      '"born": null}]')),
]

KEY_CASES: list[tuple[str, str]] = [
    ("bool", "true"), ("bool", "True"), ("bool", "1"),
    ("int", "42"), ("int", "-1"), ("int", "042"), ("int", "2147483648"), ("int", ""),
    ("int64", "9223372036854775807"), ("int64", "9223372036854775808"), ("int64", "1.0"),
    ("str", ""), ("str", "a b,c;d=e%f"), ("str", "\u00e9\u00e8"),
    ("decimal", "9.90"), ("decimal", "10.00"), ("decimal", "-0.0"), ("decimal", "0.10"),
    ("decimal", "1e2"),
    ("date", "2024-01-31"), ("date", "2024-13-01"),
    ("datetime", "2024-01-31T13:00:00+01:00"), ("datetime", "2024-01-31T12:00:00.000001Z"),
    ("uuid", "6F9619FF-8B86-D011-B42D-00CF4FC964FF"),
    ("Role", "admin"), ("Role", "ADMIN"), ("decimal?", "1.50"),
]

PARSE_CASES: list[dict[str, Any]] = [
    {"input": '{"a": 1}'}, {"input": '{"a": 1, "a": 2}'}, {"input": "NaN"},
    {"input": "[Infinity]"}, {"input": '"\\ud800"'}, {"input": '"\\ud83d\\ude00"'},
    {"input": '{"\\udc00": 1}'}, {"input": "[1,]"}, {"input": "'a'"}, {"input": " 1 "},
    {"input": "[" * 128 + "]" * 128}, {"input": "[" * 129 + "]" * 129},
    {"input_hex": "efbbbf7b7d"}, {"input_hex": "22ff22"}, {"input_hex": "22c3a922"},
]


def values_vectors(ws: ir.Workspace) -> dict[str, Any]:
    schema = schema_from_ir(ws)
    decode_cases = []
    for text, source in DECODE_CASES:
        type_ = type_of(text, ws)
        case: dict[str, Any] = {"type": type_to_json(type_), "type_text": text, "input": source}
        try:
            value = decode(type_, parse_json(source), schema)
        except ValueProblem as problem:
            case.update(valid=False, error=problem.detail())
        else:
            case.update(valid=True, output=canonical_json(encode(type_, value, schema)))
        decode_cases.append(case)
    key_cases = []
    for text, source in KEY_CASES:
        type_ = type_of(text, ws)
        case = {"type": type_to_json(type_), "type_text": text, "text": source}
        try:
            value = parse_key(type_, source, schema, "k")
        except ValueProblem as problem:
            case.update(valid=False, error=problem.detail())
        else:
            case.update(valid=True, key=key_text(type_, value))
        key_cases.append(case)
    parse_cases = []
    for item in PARSE_CASES:
        data = bytes.fromhex(item["input_hex"]) if "input_hex" in item else item["input"]
        try:
            parsed = parse_json(data)
        except MalformedJson:
            parse_cases.append({**item, "valid": False})
        else:
            parse_cases.append({**item, "valid": True, "output": canonical_json(parsed)})
    return {
        "description": "Wire values: `decode` (JSON text in -> canonical JSON text out, or the "
                       "error), `keys` (key texts in query strings), `parse` (the strict JSON "
                       "reader). Error paths are JSON Pointers from the value's root.",
        "schema": schema.to_json(),
        "decode": decode_cases,
        "keys": key_cases,
        "parse": parse_cases,
    }


# --- invalidation.json, header.json ------------------------------------------------

CALLS: list[tuple[str, dict[str, Any]]] = [
    ("update_profile", {"user_id": "42", "name": "Ada"}),
    ("ship_order", {"order_id": "9", "buyer_id": "42"}),
    ("close_customer", {"customer_id": "42"}),
    ("reprice", {"factor": "1.10"}),
    ("restock", {"shop": "Caf\u00e9 & Co, Paris", "day": "2024-01-31", "price": "10.50",
                 "role": "staff"}),
    ("restock", {"shop": "", "day": "2024-01-31"}),
    ("mark_shop", {"shop": "a;b=c", "role": "admin"}),
    ("save_member", {"user_id": "7", "name": "x"}),
]


def invalidation_vectors(ws: ir.Workspace) -> dict[str, Any]:
    schema = schema_from_ir(ws)
    key_types = {c.name: {p.name: p.type for p in c.params} for c in ws.contexts}
    used = {c for fn in ws.functions for c in (i.context for i in fn.invalidates)}
    cases = []
    for name, args in CALLS:
        fn = ws.function(name)
        assert fn is not None
        values = {}
        for param in fn.params:
            if param.name in args:
                raw = args[param.name]
            elif param.default is not None:
                raw = default_to_wire(param.type, param.default.value, schema)
            else:
                raw = None  # a nullable param left out
            values[param.name] = decode(param.type, raw, schema)
        entries = invalidation.compute(fn.invalidates, key_types, values)
        cases.append({"fn": name, "args": args, "invalidate": invalidation.to_body(entries),
                      "header": invalidation.format_header(entries)})
    return {
        "description": "Invalidation computed from a mutation's scoping (`plan`) and the call's "
                       "arguments (wire form; params left out take their defaults). `header` is "
                       "the X-Mizan-Invalidate value, null when no header is sent.",
        "plan": {
            "contexts": {c.name: [{"name": p.name, "type": type_to_json(p.type)} for p in c.params]
                         for c in ws.contexts if c.name in used},
            "mutations": {fn.name: {
                "params": [_param_json(p, schema) for p in fn.params],
                "invalidates": [i.model_dump(mode="json") for i in fn.invalidates],
            } for fn in ws.functions if fn.name in {n for n, _ in CALLS}},
        },
        "schema": schema.to_json(),
        "cases": cases,
    }


def _entries(items: list[tuple[str, dict[str, str | None]]]) -> list[invalidation.Entry]:
    return [invalidation.Entry.of(c, p) for c, p in items]


FORMAT_CASES: list[list[tuple[str, dict[str, str | None]]]] = [
    [],
    [("user", {"user_id": "42"})],
    [("stats", {})],
    [("order", {"customer_id": "42"})],
    [("user", {"user_id": "42"}), ("cart", {"cart_id": "7"}), ("stats", {})],
    [("shelf", {"shop": "Caf\u00e9 & Co, Paris", "day": "2024-01-31", "price": None,
                "role": "staff"})],
    [("shelf", {"shop": "", "day": "2024-01-31T12:00:00.000000Z"})],
    [("s", {"k": "a;b=c,d%e~f g/h+i"})],
    [("s", {"k": "\U0001f600"})],
    [("order", {"customer_id": "1", "order_id": "2"}), ("order", {"customer_id": "1"}),
     ("order", {"customer_id": "1", "order_id": "3"}), ("order", {"customer_id": "2"})],
    [("user", {"user_id": "42"}), ("user", {"user_id": "42"}), ("user", {})],
    [("order", {"customer_id": "1"}), ("order", {"order_id": "1"}),
     ("order", {"customer_id": None})],
    [("s", {"k": "b"}), ("s", {"k": "a"}), ("s", {"k": "\uff01"}), ("s", {"k": "\U0001f600"}),
     ("s", {"k": None})],
    [("big", {"k": "x" * 4100}), ("small", {"k": "1"})],  # -> context names only,
    [(f"c{i:02d}_" + "x" * 56, {"k": "v" * 10}) for i in range(60)],  # -> context names only
    [(f"c{i:02d}_" + "x" * 56, {}) for i in range(70)],  # -> `*`
]

PARSE_HEADER_CASES = [
    "user;user_id=42", "user ; user_id=42", "  user;user_id=42 ,\tstats ",
    "stats,user;user_id=42", "s;k=%e2%82%ac", "s;k=%E2%82%AC", "s;k=", "s;k", "*", " * ",
    "", "user,", ",user", "user;;k=1", "user;=1", "user;k=1;k=2", "s;k=a b", "s;k=%4", "s;k=%zz",
    "s;k=%ff", ";k=1", "s;k=a=b", "s;k=caf\u00e9", "user;user_id=42, user",
]


def header_vectors() -> dict[str, Any]:
    format_cases = []
    for items in FORMAT_CASES:
        entries = invalidation.normalize(_entries(items))
        format_cases.append({"input": [{"context": c, "params": p} for c, p in items],
                             "normalized": invalidation.to_body(entries),
                             "header": invalidation.format_header(entries)})
    parse_cases = []
    for text in PARSE_HEADER_CASES:
        try:
            parsed = invalidation.parse_header(text)
        except ValueError:
            parse_cases.append({"header": text, "valid": False})
            continue
        parse_cases.append({"header": text, "valid": True, "everything": parsed is None,
                            "invalidate": None if parsed is None else invalidation.to_body(parsed)})
    return {
        "description": "X-Mizan-Invalidate: `format` normalizes a list and writes the header "
                       f"(limit {invalidation.HEADER_LIMIT} octets, null: no header); `parse` "
                       "reads one (`everything`: the `*` form; invalid: treat as `*`).",
        "limit": invalidation.HEADER_LIMIT,
        "format": format_cases,
        "parse": parse_cases,
    }


# --- cache_keys.json -----------------------------------------------------------------

CACHE_CASES: list[tuple[str, dict[str, str | None], str | None, str]] = [
    ("user", {"user_id": "42"}, "42", "identity"),
    ("user", {"user_id": "42"}, "43", "identity"),
    ("user", {"user_id": "42"}, None, "identity"),
    ("stats", {}, "42", "public"),
    ("stats", {}, None, "public"),
    ("shelf", {"shop": "Caf\u00e9", "day": "2024-01-31", "price": None, "role": "staff"}, None,
     "identity"),
    ("shelf", {"shop": "Caf\u00e9", "day": "2024-01-31", "price": "9.9", "role": "staff"}, None,
     "identity"),
    ("shelf", {"role": "staff", "day": "2024-01-31", "price": "", "shop": "Caf\u00e9"}, None,
     "identity"),
    ("order", {"customer_id": "1", "order_id": "23"}, "user:9", "identity"),
    ("order", {"customer_id": "12", "order_id": "3"}, "user:9", "identity"),
]


def cache_key_vectors() -> dict[str, Any]:
    cases = []
    for secret in (SECRET, OTHER_SECRET):
        for context, params, subject, vary in CACHE_CASES:
            identity = cache_key.identity(vary, subject)
            cases.append({
                "secret": secret, "context": context, "params": params, "subject": subject,
                "vary": vary, "identity": identity,
                "message_hex": cache_key.message(context, params, identity).hex(),
                "key": cache_key.cache_key(secret, context, params, identity),
            })
    return {
        "description": "Origin cache keys of context bundles: identity from (vary, subject), "
                       "the canonical message, and the HMAC-SHA256 hex key. Secrets are UTF-8 "
                       "text.",
        "cases": cases,
    }


# --- tokens.json, mwt.json, csrf.json ------------------------------------------------

IAT = 1_700_000_000


def token_vectors(ws: ir.Workspace) -> dict[str, Any]:
    jwt = ws.auth.jwt
    plain = ir.Jwt(algorithm="HS512", access_ttl=60, refresh_ttl=120)
    mint_cases = []
    for settings, typ, sub, extra, jti in (
        (jwt, "access", "42", {"is_staff": True, "role": "owner"}, None),
        (jwt, "access", "\u00e9l\u00e8ve", {"level": 3, "ratio": 0.5, "tags": ["a", "b"]}, None),
        (jwt, "refresh", "42", None, "0123456789abcdef0123456789abcdef"),
        (plain, "access", "7", None, None),
        (ir.Jwt(algorithm="HS384"), "access", "7", {"z": None, "a": {"y": 1, "x": 2}}, None),
        (plain, "refresh", "7", None, "ffffffffffffffffffffffffffffffff"),
    ):
        claims = tokens.claims_for(settings, typ, sub, IAT, extra, jti)
        mint_cases.append({
            "jwt": settings.model_dump(mode="json"), "secret": SECRET, "typ": typ, "sub": sub,
            "iat": IAT, "extra": extra, "jti": jti, "claims_json": canonical_json(claims),
            "token": tokens.mint(settings, SECRET, typ, sub, IAT, extra, jti),
        })
    access = tokens.mint(jwt, SECRET, "access", "42", IAT, {"is_staff": True})
    refresh = tokens.mint(jwt, SECRET, "refresh", "42", IAT, None, "0" * 32)
    header, payload, signature = access.split(".")
    forged = {
        "valid access": (access, "access", IAT + 899),
        "valid refresh": (refresh, "refresh", IAT + 1_209_599),
        "expired at exp": (access, "access", IAT + 900),
        "expired later": (access, "access", IAT + 10_000),
        "refresh as access": (refresh, "access", IAT),
        "access as refresh": (access, "refresh", IAT),
        "wrong key": (tokens.mint(jwt, OTHER_SECRET, "access", "42", IAT), "access", IAT),
        "alg none": (_unsigned({"alg": "none", "typ": "JWT"}, payload), "access", IAT),
        "alg none, no dot": (_b64({"alg": "none"}) + "." + payload, "access", IAT),
        "alg HS512 claimed": (tokens.encode("HS512", SECRET, _claims(access)), "access", IAT),
        "alg missing": (_unsigned({"typ": "JWT"}, payload, "x"), "access", IAT),
        "tampered claims": (header + "." + _b64({**_claims(access), "sub": "1"}) + "." +
                            signature, "access", IAT),
        "padded base64": (header + "=." + payload + "." + signature, "access", IAT),
        "two parts": (header + "." + payload, "access", IAT),
        "garbage": ("not a token", "access", IAT),
        "crit header": (tokens.encode("HS256", SECRET, _claims(access)).replace(
            header, _b64({"alg": "HS256", "crit": ["exp"], "typ": "JWT"})), "access", IAT),
        "wrong issuer": (tokens.mint(jwt.model_copy(update={"issuer": "other"}), SECRET, "access",
                                     "42", IAT), "access", IAT),
        "no issuer": (tokens.mint(jwt.model_copy(update={"issuer": None}), SECRET, "access", "42",
                                  IAT), "access", IAT),
        "wrong audience": (tokens.mint(jwt.model_copy(update={"audience": "app"}), SECRET,
                                       "access", "42", IAT), "access", IAT),
        "exp as string": (tokens.encode("HS256", SECRET, {**_claims(access), "exp": "1"}),
                          "access", IAT),
        "empty sub": (tokens.encode("HS256", SECRET, {**_claims(access), "sub": ""}), "access",
                      IAT),
        "refresh without jti": (tokens.encode("HS256", SECRET, {
            k: v for k, v in _claims(refresh).items() if k != "jti"}), "refresh", IAT),
    }
    verify_cases = []
    for name, (token, typ, now) in forged.items():
        try:
            claims = tokens.verify(jwt, SECRET, token, typ, now)
        except tokens.TokenError as error:
            verify_cases.append({"name": name, "token": token, "typ": typ, "now": now,
                                 "valid": False, "reason": error.reason})
        else:
            verify_cases.append({"name": name, "token": token, "typ": typ, "now": now,
                                 "valid": True, "claims": claims})
    guard_cases = []
    for guard in ws.auth.guards:
        for claims in ({"is_staff": True}, {"is_staff": 1}, {"is_staff": False},
                       {"is_staff": []}, {"is_staff": "no"}, {"role": "owner"}, {"role": "Owner"},
                       {"level": 3}, {"level": 3.0}, {"level": "3"}, {"level": True}, {}):
            guard_cases.append({"guard": guard.model_dump(mode="json"), "claims": claims,
                                "allows": tokens.guard_allows(guard, claims)})
    return {
        "description": "JWT: `mint` gives exact token strings (claims in canonical JSON); "
                       "`verify` checks with the fixture's jwt settings and secret at `now`; "
                       "`guards` evaluate claims.",
        "verify_jwt": jwt.model_dump(mode="json"),
        "secret": SECRET,
        "mint": mint_cases,
        "verify": verify_cases,
        "guards": guard_cases,
    }


def _b64(obj: Any) -> str:
    from mizan_lang.protocol.canonical import b64url_encode

    return b64url_encode(canonical_json(obj).encode("utf-8"))


def _unsigned(header: dict[str, Any], payload: str, signature: str = "") -> str:
    return f"{_b64(header)}.{payload}.{signature}"


def _claims(token: str) -> dict[str, Any]:
    from mizan_lang.protocol.canonical import b64url_decode

    return parse_json(b64url_decode(token.split(".")[1]))


def mwt_vectors() -> dict[str, Any]:
    exp = IAT + mwt.TTL
    token = mwt.mint(SECRET, "user:42", exp)
    unicode_token = mwt.mint(SECRET, "user:\u00e9l\u00e8ve", exp)
    signed, mac = token.rsplit(".", 1)
    cases = {
        "valid": (token, IAT), "valid unicode": (unicode_token, IAT),
        "last second": (token, exp - 1), "expired": (token, exp),
        "wrong key": (mwt.mint(OTHER_SECRET, "user:42", exp), IAT),
        "other identity, same mac": (token.replace(token.split(".")[1], "dXNlcjo0Mw"), IAT),
        "later exp, same mac": (token.replace(f".{exp}.", f".{exp + 1000}."), IAT),
        "leading zero exp": (token.replace(f".{exp}.", f".0{exp}."), IAT),
        "v2": ("v2" + token[2:], IAT), "three parts": (signed, IAT),
        "padded mac": (token + "=", IAT), "empty identity": (f"v1..{exp}.{mac}", IAT),
    }
    verify_cases = []
    for name, (candidate, now) in cases.items():
        try:
            identity = mwt.verify(SECRET, candidate, now)
        except mwt.MwtError as error:
            verify_cases.append({"name": name, "token": candidate, "now": now, "valid": False,
                                 "reason": error.reason})
        else:
            verify_cases.append({"name": name, "token": candidate, "now": now, "valid": True,
                                 "identity": identity})
    return {
        "description": "MWT: `mint` (secret, identity, exp) -> token; `verify` at `now`.",
        "ttl": mwt.TTL,
        "mint": [{"secret": SECRET, "identity": "user:42", "exp": exp, "token": token},
                 {"secret": SECRET, "identity": "user:\u00e9l\u00e8ve", "exp": exp,
                  "token": unicode_token}],
        "secret": SECRET,
        "verify": verify_cases,
    }


def csrf_vectors() -> dict[str, Any]:
    nonce = bytes(range(32))
    token = csrf.make_token(SECRET, nonce)
    other = csrf.make_token(SECRET, bytes(32))
    foreign = csrf.make_token(OTHER_SECRET, nonce)
    checks = [
        ("valid", token, token), ("no cookie", None, token), ("no header", token, None),
        ("empty header", token, ""), ("mismatch", token, other),
        ("foreign token", foreign, foreign), ("not a token", "abc", "abc"),
        ("short nonce", csrf.make_token(SECRET, b"1234"), csrf.make_token(SECRET, b"1234")),
    ]
    return {
        "description": "CSRF: `make` (secret, nonce hex) -> token; `check` (cookie, header) -> "
                       "null when it passes, else the reason.",
        "secret": SECRET,
        "make": [{"nonce_hex": nonce.hex(), "token": token},
                 {"nonce_hex": bytes(32).hex(), "token": other}],
        "check": [{"name": n, "cookie": c, "header": h, "result": csrf.check(SECRET, c, h)}
                  for n, c, h in checks],
    }


# --- forms.json, errors.json, manifest.json -------------------------------------------

FORM_INPUTS: list[dict[str, Any]] = [
    {"user_id": 7, "name": "Ada"},
    {"user_id": 7, "name": "Ada", "email": "ada@example.org", "homepage": "https://ex.org/a?b#c",
     "age": 36, "code": "ABC", "role": "staff", "score": 0.75, "price": "99.99", "agree": False},
    {},
    {"user_id": None, "name": ""},
    {"user_id": "7", "name": 5},
    {"user_id": 7.5, "name": "Ada Lovelace!"},
    {"user_id": 7, "name": "\U0001f600" * 10},
    {"user_id": 7, "name": "Ada", "email": "x" * 20 + "@example.org"},
    {"user_id": 7, "name": "Ada", "email": "ada@localhost", "homepage": "ftp://ex.org"},
    {"user_id": 7, "name": "Ada", "email": "a..b@ex.org", "homepage": "http://1.2.3.4:8080/x"},
    {"user_id": 7, "name": "Ada", "email": "ada@ex.123", "homepage": "http://user@ex.org"},
    {"user_id": 7, "name": "Ada", "homepage": "https://ex.org:70000", "age": 12, "code": "AB"},
    {"user_id": 7, "name": "Ada", "age": 151, "code": "ABCD", "role": "owner", "score": 0.25},
    {"user_id": 7, "name": "Ada", "age": 150, "code": "\u0391BC", "role": "Staff",
     "score": 1e22, "price": "100"},
    {"user_id": 7, "name": "Ada", "age": 13, "price": "-0.01", "agree": "yes"},
    {"user_id": 7, "name": "Ada", "price": 5, "extra": 1, "another": 2},
    {"user_id": 7, "name": " ", "code": "abc", "homepage": "HTTPS://EX.ORG", "agree": True},
]


def form_vectors(ws: ir.Workspace) -> dict[str, Any]:
    enums = {e.name: tuple(m.name for m in e.members) for e in ws.enums}
    form = ws.forms[0]
    schema = forms.form_schema(form, enums)
    cases = []
    for data in FORM_INPUTS:
        cleaned, problems = forms.validate(schema, data)
        if problems:
            cases.append({"input": data, "valid": False, "errors": problems})
        else:
            cases.append({"input": data, "valid": True, "data": forms.to_wire(schema, cleaned)})
    return {
        "description": "Forms: `schema` is GET form/<name>/; each case validates `input` "
                       "(422 details = `errors`, or 200 `data`).",
        "schema": schema,
        "cases": cases,
    }


SITUATIONS: list[tuple[str, str, Any]] = [
    ("body is not JSON", "bad_request", {"reason": "json"}),
    ("JSON body is not {fn, args}", "bad_request", {"reason": "shape"}),
    ("multipart body without an args part", "bad_request", {"reason": "multipart"}),
    ("query string is not UTF-8 after percent-decoding", "bad_request", {"reason": "query"}),
    ("argument of the wrong type", "invalid_arguments",
     {"user_id": {"code": "type", "message": "Expected int64.", "path": "/user_id"}}),
    ("missing required argument", "invalid_arguments",
     {"name": {"code": "required", "message": "This value is required.", "path": "/name"}}),
    ("unknown argument", "invalid_arguments",
     {"nmae": {"code": "unknown", "message": "This name is not expected.", "path": "/nmae"}}),
    ("no credential where the auth level needs one", "unauthenticated", {"reason": "missing"}),
    ("expired access token", "unauthenticated", {"reason": "expired"}),
    ("token with alg none", "unauthenticated", {"reason": "algorithm"}),
    ("token signed with another key", "unauthenticated", {"reason": "signature"}),
    ("refresh token used as access token", "unauthenticated", {"reason": "wrong_type"}),
    ("refresh token presented twice", "unauthenticated", {"reason": "reused"}),
    ("credentials refused by the application", "unauthenticated", {"reason": "credentials"}),
    ("guard not satisfied", "forbidden", None),
    ("cookie-authenticated mutation without X-Mizan-CSRF", "csrf_failed", {"reason": "missing"}),
    ("X-Mizan-CSRF differs from the cookie", "csrf_failed", {"reason": "mismatch"}),
    ("unknown function", "not_found", {"fn": "nope"}),
    ("unknown context", "not_found", {"context": "nope"}),
    ("unknown form", "not_found", {"form": "nope"}),
    ("function not callable over WebSocket", "not_found", {"fn": "update_profile"}),
    ("unknown path under the prefix", "not_found", None),
    ("GET on call/", "method_not_allowed", None),
    ("body over the server limit", "payload_too_large", {"limit": 10485760}),
    ("upload over its max-size", "payload_too_large", {"limit": 5000000, "param": "file"}),
    ("call/ with text/plain", "unsupported_media_type", {"content_type": "text/plain"}),
    ("upload of a content type the param does not accept", "unsupported_media_type",
     {"content_type": "image/gif", "param": "file"}),
    ("function with Upload params called with JSON", "unsupported_media_type",
     {"content_type": "application/json"}),
    ("form input fails validation", "validation_failed",
     {"name": {"code": "required", "message": "This field is required."}}),
    ("exception in the implementation", "internal", None),
]


def error_vectors() -> dict[str, Any]:
    return {
        "description": "The error code table, and situations with the exact error body.",
        "codes": [{"code": e.code, "status": e.status, "message": e.message}
                  for e in errors.ERROR_CODES.values()],
        "situations": [{"situation": s, "status": errors.ERROR_CODES[c].status,
                        "body": errors.error_body(c, d)} for s, c, d in SITUATIONS],
    }


# --- args.json -----------------------------------------------------------------------

ARG_CASES: list[tuple[str, str]] = [
    ("update_profile", '{"user_id": "42", "name": "Ada"}'),
    ("update_profile", "{}"),
    ("update_profile", '{"user_id": 42, "name": "Ada", "nmae": "x"}'),
    ("save_member", '{"user_id": "7", "name": "x"}'),
    ("save_member", ('{"user_id": "7", "name": "x", "email": null, "age": 5.0, "role": "admin", '
                    '"price": "1.50", "agree": true}')),
    ("save_member", '{"user_id": "7", "name": "x", "age": "5", "role": "owner", "price": 1.5}'),
    ("tag_profile", ('{"profile": {"user_id": "1", "email": null, "tags": [], "scores": {}, '
                    '"born": null}}')),
    ("tag_profile", ('{"profile": {"user_id": "1", "tags": [1], "scores": {"a/b": "x"}}, '
                    '"tags": [null], "limit": null}')),
    ("set_avatar", '{"user_id": "1"}'),
    ("set_avatar", '{"user_id": "1", "file": "aGVsbG8=", "note": "hi"}'),
]

QUERY_CASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("user", [("user_id", "42")]),
    ("user", []),
    ("user", [("user_id", "42"), ("user_id", "43")]),
    ("user", [("user_id", "x"), ("page", "2")]),
    ("shelf", [("shop", "Caf\u00e9"), ("day", "2024-01-31"), ("role", "staff")]),
    ("shelf", [("shop", ""), ("day", "2024-01-31"), ("price", "10.50"), ("role", "admin")]),
    ("shelf", [("day", "31/01/2024"), ("price", "1e3"), ("role", "owner")]),
    ("stats", []),
    ("stats", [("x", "1")]),
]

UPLOAD_CASES: list[tuple[str, int, str | None]] = [
    ("file", 1000, "image/png"), ("file", 1001, "image/png"), ("file", 10, "Image/PNG; x=1"),
    ("file", 10, "text/plain; charset=utf-8"), ("file", 10, "image/gif"), ("file", 10, None),
    ("file", 5000, "image/gif"),
]


def args_vectors(ws: ir.Workspace) -> dict[str, Any]:
    from mizan_lang.protocol.args import decode_args, decode_query
    from mizan_lang.protocol.errors import MizanError
    from mizan_lang.protocol.keys import key_text
    from mizan_lang.protocol.uploads import check_upload

    schema = schema_from_ir(ws)
    names = sorted({n for n, _ in ARG_CASES})
    calls = []
    for name, source in ARG_CASES:
        fn = ws.function(name)
        try:
            values = decode_args(fn.params, parse_json(source), schema)
        except MizanError as error:
            calls.append({"fn": name, "args": source, "valid": False, "error": error.body()})
            continue
        wire = {p.name: encode(p.type, values[p.name], schema) for p in fn.params
                if p.name in values}
        calls.append({"fn": name, "args": source, "valid": True, "decoded": canonical_json(wire)})
    queries = []
    for name, pairs in QUERY_CASES:
        ctx = ws.context(name)
        try:
            values = decode_query(ctx.params, pairs, schema)
        except MizanError as error:
            queries.append({"context": name, "query": pairs, "valid": False,
                            "error": error.body()})
            continue
        queries.append({"context": name, "query": pairs, "valid": True,
                        "params": {p.name: key_text(p.type, values[p.name]) for p in ctx.params}})
    avatar = ws.function("set_avatar").params[1]
    uploads = []
    for name, size, content_type in UPLOAD_CASES:
        try:
            check_upload(name, avatar.max_size, avatar.content_types, size, content_type)
        except MizanError as error:
            uploads.append({"size": size, "content_type": content_type, "error": error.body()})
        else:
            uploads.append({"size": size, "content_type": content_type, "error": None})
    return {
        "description": "Call arguments (`calls`: args JSON text -> decoded args in canonical "
                       "JSON, or the error body), context key params (`queries`: decoded query "
                       "pairs -> the bundle's `params`, or the error body) and upload checks.",
        "schema": schema.to_json(),
        "functions": {n: [_param_json(p, schema) for p in ws.function(n).params] for n in names},
        "contexts": {c.name: [_param_json(p, schema) for p in c.params] for c in ws.contexts
                     if c.name in {n for n, _ in QUERY_CASES}},
        "calls": calls,
        "queries": queries,
        "upload_param": _param_json(avatar, schema),
        "uploads": uploads,
    }


def _param_json(param: ir.Param, schema: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": param.name, "type": type_to_json(param.type)}
    if param.default is not None:
        data["default"] = default_to_wire(param.type, param.default.value, schema)
    if isinstance(param.type, ir.UploadType):
        data["max_size"] = param.max_size
        data["content_types"] = list(param.content_types)
    return data


# --- writing -------------------------------------------------------------------------


def build_all() -> dict[str, str]:
    ws = fixture()
    files = {
        "values.json": values_vectors(ws),
        "invalidation.json": invalidation_vectors(ws),
        "header.json": header_vectors(),
        "cache_keys.json": cache_key_vectors(),
        "tokens.json": token_vectors(ws),
        "mwt.json": mwt_vectors(),
        "csrf.json": csrf_vectors(),
        "forms.json": form_vectors(ws),
        "errors.json": error_vectors(),
        "args.json": args_vectors(ws),
        "manifest.json": {"description": "The edge manifest of protocol/fixture.mizan.",
                          "manifest": manifest(ws)},
    }
    return {name: json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            for name, data in files.items()}


def main(argv: list[str]) -> int:
    stale = []
    for name, text in build_all().items():
        path = VECTORS / name
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8", newline="\n")
    for name in stale:
        print(f"stale: protocol/vectors/{name}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
