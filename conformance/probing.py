"""Probes: what to send a live server and what it must answer.

A probe belongs to one capability row. Data probes (`probes/*.json`) are a
request and the expected status, headers and body; sequence probes
(`probes/sequences.py`) are code for what needs several steps. Both go
through a `Session`, which sends, compares and keeps a *record* of every
exchange: status, the protocol's headers and the body in canonical JSON,
with the values that are random or time-dependent (tokens, nonces)
replaced by their kind. Records must be byte-identical across targets.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mizan_lang.protocol import csrf, mwt, tokens
from mizan_lang.protocol.canonical import MalformedJson, canonical_json, parse_json

from . import config, identities
from .client import Http, Multipart, Response

# Headers every target must send alike (compared across targets).
RECORDED_HEADERS = (
    "allow",
    "cache-control",
    "content-type",
    "www-authenticate",
    "x-mizan-cache",
    "x-mizan-invalidate",
)
# Cookie attributes the protocol fixes (others, such as Expires, may vary).
RECORDED_COOKIE_ATTRIBUTES = ("httponly", "max-age", "path", "samesite", "secure")
# What only HTTP has: over a desktop app's IPC (the Tauri target) there are
# no cookies, no caching proxies and no X-Mizan-Invalidate header (the body
# has the list). Records are compared without them when an IPC target is.
HTTP_ONLY_HEADERS = ("cache-control", "x-mizan-invalidate")


class ProbeFailure(AssertionError):
    """A response differs from what the protocol says."""


@dataclass(frozen=True)
class Probe:
    capability: str
    name: str
    run: Callable[[Session], None]
    source: str  # the file that declares it
    # The transports it applies to: "http" only for cookies, CSRF or the
    # WebSocket; "ipc" only for the subscription channel.
    transports: tuple[str, ...] = ("http", "ipc")


@dataclass
class Session:
    """One probe's conversation with one server."""

    base_url: str
    transport: str = "http"
    records: list[bytes] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    csrf_token: str | None = None
    # The step being recorded authenticates by cookie (HTTP only).
    cookie_step: bool = False

    @property
    def http(self) -> Http:
        return Http(self.base_url + config.PREFIX)

    # --- sending --------------------------------------------------------------
    def send(self, request: dict[str, Any]) -> Response:
        """Send a request described as data (see probes/README.md)."""
        headers = dict(request.get("headers", {}))
        body = _body(request, headers)
        self._identify(request, headers)
        method = request.get("method") or ("GET" if body is None else "POST")
        path = request["path"] + (f"?{request['query']}" if "query" in request else "")
        return self.http.request(method, path, body=body, headers=headers)

    def _identify(self, request: dict[str, Any], headers: dict[str, str]) -> None:
        who = request.get("as")
        if who is None:
            return
        access = identities.token(who, request.get("token", "valid"))
        if request.get("via", "bearer") == "bearer":
            headers["Authorization"] = f"Bearer {access}"
            return
        cookies = {"mizan_access": access}
        mode = request.get("csrf", "session")
        if mode != "none":
            token = self.session_token()
            if mode != "no-cookie":
                cookies["mizan_csrf"] = token
            if mode == "session":
                headers["X-Mizan-CSRF"] = token
            elif mode == "mismatch":
                headers["X-Mizan-CSRF"] = csrf.make_token(config.SECRET)
            elif mode == "forged":
                forged = csrf.make_token("another-secret")
                cookies["mizan_csrf"] = forged
                headers["X-Mizan-CSRF"] = forged
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())

    def session_token(self) -> str:
        """A CSRF token from the server's `session/` (fetched once)."""
        if self.csrf_token is None:
            response = self.http.request("GET", "session/")
            try:
                self.csrf_token = str(response.json()["csrf"])
            except (ValueError, KeyError, TypeError):
                raise ProbeFailure(f"session/ answered {response.status}: {response.body!r}")
        return self.csrf_token

    # --- checking -------------------------------------------------------------
    def expect(self, response: Response, expected: dict[str, Any], label: str) -> Any:
        """Compare a response with its expectation and record it; returns the
        parsed body (None for a body that is not JSON)."""
        masks = expected.get("mask", {})
        parsed = _parse(response)
        shown = _masked(parsed, masks) if parsed is not _NOT_JSON else None
        self.record(label, response, shown)
        problems: list[str] = []
        if "status" in expected and response.status != expected["status"]:
            problems.append(f"status {response.status}, expected {expected['status']}")
        for name, value in expected.get("headers", {}).items():
            if self.transport != "http" and name in HTTP_ONLY_HEADERS:
                continue
            got = response.header(name)
            if got != value:
                problems.append(f"header {name}: {got!r}, expected {value!r}")
        cookies = expected.get("cookies", {}) if self.transport == "http" else {}
        for name, attributes in cookies.items():
            got = _cookie(response, name)
            if got is None or any(got.get(k) != v for k, v in attributes.items()):
                problems.append(f"cookie {name}: {got}, expected {attributes}")
        if "body" in expected or "pointers" in expected or masks:
            problems += _check_json(response, parsed, expected, masks)
        if "text" in expected and response.body != expected["text"].encode("utf-8"):
            problems.append(f"body {_short(response.body)}, expected {expected['text']!r}")
        if problems:
            raise ProbeFailure(f"{label}: " + "; ".join(problems))
        return None if parsed is _NOT_JSON else parsed

    def exchange(self, request: dict[str, Any], expected: dict[str, Any], label: str) -> Any:
        """Send and check one step; a cookie-authenticated step is left out
        over IPC (no cookies there) and marked in the HTTP records."""
        self.cookie_step = request.get("via", "bearer") == "cookie"
        try:
            if self.cookie_step and self.transport != "http":
                return None
            return self.expect(self.send(request), expected, label)
        finally:
            self.cookie_step = False

    def record(self, label: str, response: Response, shown: Any) -> None:
        cookies = {}
        for name, cookie in response.cookies().items():
            cookies[name] = {
                k: (cookie[k].lower() if k == "samesite" else cookie[k])
                for k in RECORDED_COOKIE_ATTRIBUTES
                if k in cookie
            }
        entry = {
            "label": label,
            "status": response.status,
            "headers": {h: response.header(h) for h in RECORDED_HEADERS if response.header(h)},
            "cookies": cookies,
            "body": shown if shown is not None else response.body.decode("utf-8", "replace"),
        }
        if self.cookie_step:
            entry["via"] = "cookie"
        self.records.append(canonical_json(entry).encode("utf-8"))


    def record_text(self, label: str, data: bytes) -> Any:
        """Record a message that is not an HTTP response (a WebSocket frame);
        returns it parsed. It must be canonical JSON."""
        try:
            parsed = parse_json(data)
        except (MalformedJson, ValueError):
            raise ProbeFailure(f"{label}: not JSON: {_short(data)}") from None
        self.records.append(canonical_json({"label": label, "frame": parsed}).encode("utf-8"))
        if data != canonical_json(parsed).encode("utf-8"):
            raise ProbeFailure(f"{label}: the frame is not in canonical JSON: {_short(data)}")
        return parsed

    def check(self, label: str, got: Any, want: Any) -> None:
        """Compare two JSON values in canonical form."""
        if canonical_json(got) != canonical_json(want):
            raise ProbeFailure(f"{label}: {canonical_json(got)[:600]}, expected "
                               f"{canonical_json(want)[:600]}")


def ipc_view(records: list[bytes]) -> list[bytes]:
    """Records as IPC can have them: no cookie-authenticated steps, no
    cookies, no HTTP-only headers."""
    kept = []
    for record in records:
        entry = json.loads(record)
        if entry.get("via") == "cookie":
            continue
        if "headers" in entry:
            entry["headers"] = {k: v for k, v in entry["headers"].items()
                                if k not in HTTP_ONLY_HEADERS}
            entry["cookies"] = {}
        kept.append(canonical_json(entry).encode("utf-8"))
    return kept


# --- request bodies -----------------------------------------------------------------


def _body(request: dict[str, Any], headers: dict[str, str]) -> bytes | None:
    if "json" in request:
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(request["json"], ensure_ascii=False).encode("utf-8")
    if "text" in request:
        headers.setdefault("Content-Type", request.get("content_type", "application/json"))
        return request["text"].encode("utf-8")
    if "hex" in request:
        headers.setdefault("Content-Type", request.get("content_type", "application/json"))
        return bytes.fromhex(request["hex"])
    if "filler" in request:  # a JSON call padded to exactly this many bytes
        size = request["filler"]
        head, tail = b'{"fn":"echo","args":{"value":"', b'"}}'
        headers.setdefault("Content-Type", "application/json")
        return head + b"x" * (size - len(head) - len(tail)) + tail
    if "multipart" in request:
        form = Multipart()
        for part in request["multipart"]:
            data: bytes | str = part.get("text", "")
            if "hex" in part:
                data = bytes.fromhex(part["hex"])
            if "size" in part:
                data = b"a" * part["size"]
            form.add(part["name"], data, filename=part.get("filename"),
                     content_type=part.get("content_type"))
        headers.setdefault("Content-Type", form.content_type())
        return form.encode()
    return None


# --- comparing ------------------------------------------------------------------------

_NOT_JSON = object()


def _parse(response: Response) -> Any:
    if not (response.header("content-type") or "").startswith("application/json"):
        return _NOT_JSON
    try:
        return parse_json(response.body)
    except (MalformedJson, ValueError):
        return _NOT_JSON


def _check_json(response: Response, parsed: Any, expected: dict[str, Any],
                masks: dict[str, str]) -> list[str]:
    if parsed is _NOT_JSON:
        return [f"not a JSON response: {response.header('content-type')} {_short(response.body)}"]
    problems = []
    if response.body != canonical_json(parsed).encode("utf-8"):
        problems.append("the body is not in canonical JSON")
    for pointer, kind in masks.items():
        value = _resolve(parsed, pointer)
        if not _valid_masked(kind, value):
            problems.append(f"{pointer} is not a valid {kind}: {value!r}")
    shown = _masked(parsed, masks)
    if "body" in expected:
        want = canonical_json(expected["body"])
        got = canonical_json(shown)
        if want != got:
            problems.append(f"body {got[:600]}, expected {want[:600]}")
    for pointer, value in expected.get("pointers", {}).items():
        got = _resolve(shown, pointer)
        if canonical_json(got) != canonical_json(value):
            problems.append(f"{pointer} is {canonical_json(got)[:300]}, expected "
                            f"{canonical_json(value)[:300]}")
    return problems


_MISSING = "<missing>"


def _resolve(value: Any, pointer: str) -> Any:
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return _MISSING
    return value


def _masked(value: Any, masks: dict[str, str], at: str = "") -> Any:
    if at in masks:
        return f"<{masks[at]}>"
    if isinstance(value, dict):
        return {k: _masked(v, masks, f"{at}/{k.replace('~', '~0').replace('/', '~1')}")
                for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, masks, f"{at}/{i}") for i, v in enumerate(value)]
    return value


def _valid_masked(kind: str, value: Any) -> bool:
    """Whether a value hidden from the comparison is what it claims to be."""
    if kind == "count":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if not isinstance(value, str):
        return False
    jwt = identities.jwt_settings()
    now = int(time.time())
    try:
        if kind in ("access", "refresh"):
            tokens.verify(jwt, config.JWT_SECRET, value, kind, now)
            return True
        if kind == "csrf":
            return csrf.is_valid(config.SECRET, value)
        if kind == "mwt":
            mwt.verify(config.MWT_SECRET, value, now)
            return True
    except (ValueError, tokens.TokenError, mwt.MwtError):
        return False
    return kind == "any"


def _cookie(response: Response, name: str) -> dict[str, str] | None:
    cookie = response.cookies().get(name)
    if cookie is None:
        return None
    return {k: (v.lower() if k == "samesite" else v) for k, v in cookie.items()}


def _short(data: bytes) -> str:
    text = data[:300].decode("utf-8", "replace")
    return repr(text + ("..." if len(data) > 300 else ""))


# --- loading data probes --------------------------------------------------------------


def data_probes() -> list[Probe]:
    """Every probe of `probes/*.json`, in file order."""
    found = []
    for path in sorted(config.PROBES.glob("*.json")):
        spec = json.loads(path.read_text("utf-8"))
        for item in spec["probes"]:
            found.append(Probe(spec["capability"], item["name"], _data_runner(item), path.name))
    return found


def _data_runner(item: dict[str, Any]) -> Callable[[Session], None]:
    def run(session: Session) -> None:
        session.exchange(item["request"], item["expect"], item["name"])

    return run
