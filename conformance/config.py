"""Settings every target is started with, and the probes rely on."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FIXTURE = HERE / "fixture.mizan"
PROBES = HERE / "probes"
PACKAGE = "fixture_api"  # the generated package conformance/impl.py imports

PREFIX = "/api/mizan/"
SECRET = "conformance-server-secret-of-32-bytes+"  # CSRF tokens and cache keys
JWT_SECRET = "conformance-jwt-secret-of-at-least-32-bytes"
MWT_SECRET = "conformance-mwt-secret-of-at-least-32-bytes"
MAX_BODY_SIZE = 10 * 1024 * 1024  # the protocol's default request limit
