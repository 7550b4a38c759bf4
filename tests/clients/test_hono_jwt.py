"""JWT on the Hono target with every algorithm the language allows: HS256
(shared secret) and RS256 / ES256 (key pairs generated here), against the
Python runtime's tokens (PyJWT with `cryptography`).

One generated Hono app per algorithm is driven in-process under Node.js
(`app.request()`): it logs in, answers a call with a valid token, and refuses
forged, expired, `alg=none`, algorithm-confused and misused tokens with the
same 401 envelope, byte for byte, as the Python runtime's own verdict
(`verify_token`) gives. Tokens flow both ways: the Python runtime's tokens are
accepted by the Hono app, and the app's tokens pass the Python check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .toolchain import ensure_node_modules, fresh_dir, node, tsc_strict

pytest.importorskip("jwt")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
from cryptography.hazmat.primitives.asymmetric import ec, rsa

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "runtimes" / "python"))
from mizan_runtime import core

ROOT = Path(__file__).resolve().parents[2]
ALGORITHMS = ("HS256", "RS256", "ES256")
JWT = {"issuer": "shop", "audience": "web", "access_ttl": 900, "refresh_ttl": 3600}
SPEC = """mizan 1

auth {
    jwt algorithm=%s issuer=shop audience=web access-ttl=900 refresh-ttl=3600
}

fn whoami auth=user returns=str
"""
IMPL = """
import { readFileSync } from "node:fs";

import { createMizanApp, type Caller, type Identity, type JsonValue, type Service } from "./api/index.js";

class Impl implements Service {
  whoami(caller: Caller): string {
    return caller.subject ?? "";
  }
  authenticate(credentials: JsonValue): Identity | null {
    const given = credentials as Record<string, JsonValue>;
    return given["password"] === "pw" ? { subject: String(given["username"]), claims: { role: "admin" } } : null;
  }
  identityOf(subject: string): Identity | null {
    return { subject };
  }
}

const input = JSON.parse(readFileSync(process.argv[2]!, "utf-8")) as {
  key: string;
  verifyKey: string | null;
  tokens: Record<string, string>;
};
const app = createMizanApp(new Impl(), {
  secret: "csrf-and-cache-secret",
  jwtKey: input.key,
  ...(input.verifyKey === null ? {} : { jwtVerifyKey: input.verifyKey }),
});
const json = { "content-type": "application/json" };
const login = await app.request("/api/mizan/auth/token/", {
  method: "POST",
  headers: json,
  body: JSON.stringify({ credentials: { username: "ada", password: "pw" } }),
});
const minted = (await login.json()) as { access: string; refresh: string };
const answers: Record<string, [number, string]> = {};
for (const [name, token] of Object.entries({ ...input.tokens, minted: minted.access })) {
  const answer = await app.request("/api/mizan/call/", {
    method: "POST",
    headers: { ...json, authorization: `Bearer ${token}` },
    body: JSON.stringify({ fn: "whoami" }),
  });
  answers[name] = [answer.status, await answer.text()];
}
console.log(JSON.stringify({ login: login.status, minted, answers }));
"""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pem(key: Any, private: bool) -> str:
    if private:
        data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    else:
        data = key.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    return data.decode()


def key_pair(algorithm: str) -> tuple[Any, Any]:
    """(signing key, verifying key) as PyJWT takes them: PEM texts or a secret."""
    if algorithm == "HS256":
        return "shared-jwt-secret-of-32-bytes-at-least", "shared-jwt-secret-of-32-bytes-at-least"
    private = (rsa.generate_private_key(public_exponent=65537, key_size=2048)
               if algorithm == "RS256" else ec.generate_private_key(ec.SECP256R1()))
    return pem(private, True), pem(private, False)


NONE_HEADER = b64(b'{"alg":"none","typ":"JWT"}')


def hostile_tokens(algorithm: str, key: Any, public: Any) -> dict[str, str]:
    config = {**JWT, "algorithm": algorithm}
    now = int(time.time())
    other = "an-attackers-secret-of-32-bytes-long" if algorithm == "HS256" else key_pair(
        algorithm)[0]
    claims = core.token_claims(config, "access", "ada", now)
    body = b64(core.canonical_json(claims).encode())
    tokens = {
        "valid": core.mint_token(config, key, "access", "ada", now),
        "expired": core.mint_token(config, key, "access", "ada", now - 3600),
        "forged": core.mint_token(config, other, "access", "ada", now),
        "refresh_as_access": core.mint_token(config, key, "refresh", "ada", now),
        "alg_none": f"{NONE_HEADER}.{body}.",
        "garbage": "not-a-token",
    }
    # The public key used as an HMAC secret: the classic algorithm confusion.
    header = b64(b'{"alg":"HS256","typ":"JWT"}')
    secret = public.encode() if isinstance(public, str) else public
    mac = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    tokens["hs256_with_public_key"] = f"{header}.{body}.{b64(mac)}"
    # A valid signature over edited claims is no signature at all.
    head, _, signature = tokens["valid"].split(".")
    admin = b64(core.canonical_json({**claims, "sub": "root"}).encode())
    tokens["edited_claims"] = f"{head}.{admin}.{signature}"
    return tokens


def python_verdict(algorithm: str, public: Any, token: str) -> tuple[int, bytes]:
    """The status and body a Python target answers `call/ whoami` with."""
    config = {**JWT, "algorithm": algorithm}
    try:
        claims = core.verify_token(config, public, token, "access")
    except core.TokenError as error:
        body = core.error_body("unauthenticated", {"reason": error.reason})
        return 401, core.canonical_json(body).encode()
    result = {"invalidate": [], "result": claims["sub"]}
    return 200, core.canonical_json(result).encode()


def mizan(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "mizan_lang", *args], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def built() -> Path:
    ensure_node_modules()
    root = fresh_dir("hono_jwt")
    for algorithm in ALGORITHMS:
        folder = root / algorithm.lower()
        folder.mkdir()
        (folder / "spec.mizan").write_text(SPEC % algorithm, "utf-8")
        mizan("gen", str(folder / "spec.mizan"), "--target", "hono", "--out", str(folder / "api"))
        (folder / "main.ts").write_text(IMPL, "utf-8")
        (folder / "spec.mizan").unlink()
    tsc_strict(root, out_dir=root.parent / "hono_jwt_out")
    return root.parent / "hono_jwt_out"


def run_app(out: Path, algorithm: str, key: Any, verify_key: Any,
            tokens: dict[str, str]) -> dict[str, Any]:
    folder = out / algorithm.lower()
    data = folder / "input.json"
    data.write_text(json.dumps({"key": key, "verifyKey": verify_key, "tokens": tokens}), "utf-8")
    return json.loads(node(folder / "main.js", str(data), cwd=folder).stdout)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_tokens_are_judged_as_the_python_targets_judge_them(built: Path,
                                                            algorithm: str) -> None:
    key, public = key_pair(algorithm)
    tokens = hostile_tokens(algorithm, key, public)
    report = run_app(built, algorithm, key, None, tokens)
    assert report["login"] == 200
    reasons = {}
    for name, token in tokens.items():
        status, body = python_verdict(algorithm, public, token)
        assert report["answers"][name] == [status, body.decode()], name
        reasons[name] = json.loads(body).get("error", {}).get("details", {}).get("reason")
    assert reasons == {
        "valid": None, "expired": "expired", "forged": "signature",
        "refresh_as_access": "wrong_type", "alg_none": "algorithm", "garbage": "malformed",
        "hs256_with_public_key": None if algorithm == "HS256" else "algorithm",
        "edited_claims": "signature"}
    # The app's own tokens: accepted by it and by the Python runtime's check.
    assert report["answers"]["minted"] == [200, '{"invalidate":[],"result":"ada"}']
    for typ in ("access", "refresh"):
        claims = core.verify_token({**JWT, "algorithm": algorithm}, public,
                                   report["minted"][typ], typ)
        assert claims["sub"] == "ada" and claims["iss"] == "shop" and claims["aud"] == "web"
    header = json.loads(base64.urlsafe_b64decode(report["minted"]["access"].split(".")[0] + "=="))
    assert header == {"alg": algorithm, "typ": "JWT"}


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_a_server_with_the_public_key_alone_verifies_but_mints_nothing(
        built: Path, algorithm: str) -> None:
    key, public = key_pair(algorithm)
    tokens = {"valid": core.mint_token({**JWT, "algorithm": algorithm}, key, "access", "bo")}
    folder = built / algorithm.lower()
    data = folder / "input.json"
    data.write_text(json.dumps({"key": None, "verifyKey": public, "tokens": tokens}), "utf-8")
    script = (folder / "main.js").read_text("utf-8").replace("jwtKey: input.key,", "")
    (folder / "verify_only.js").write_text(script, "utf-8")
    report = json.loads(node(folder / "verify_only.js", str(data), cwd=folder).stdout)
    assert report["answers"]["valid"] == [200, '{"invalidate":[],"result":"bo"}']
    assert report["login"] == 500  # no signing key: login is an internal error, not a token


def test_a_key_of_the_wrong_kind_fails_at_startup(built: Path) -> None:
    _, public = key_pair("RS256")
    ec_key, _ = key_pair("ES256")
    for algorithm, key in (("RS256", ec_key), ("ES256", public)):
        folder = built / algorithm.lower()
        data = folder / "input.json"
        data.write_text(json.dumps({"key": key, "verifyKey": None, "tokens": {}}), "utf-8")
        result = subprocess.run(["node", str(folder / "main.js"), str(data)], cwd=folder,
                                capture_output=True, text=True, check=False)
        assert result.returncode != 0
        assert f"{algorithm} needs" in result.stderr
