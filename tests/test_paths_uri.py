"""`paths.uri_to_path` / `path_to_uri` (the language server's start converts
without importing pygls.uris) give what pygls gives, the server's conversion
(`lsp/convert.py`), on plain paths and on everything they hand to pygls."""

from __future__ import annotations

import random

import pytest
from pygls.uris import from_fs_path, to_fs_path

from mizan_lang.paths import normalise, path_to_uri, uri_to_path

PATHS = [
    "/", "/a", "/tmp/ws/spec.mizan", "/home/u/My Project/spec.mizan", "/a/b%20c.mizan",
    "/a/ü/😀.mizan", "/a/b;c/d?e#f.mizan", "//server/share/x.mizan", "/C:/x/y.mizan",
    "/c:/x", "/a/./b/../c.mizan", "/a//b", "/a/b~c_d-e.f", "/a\\b", "relative/x.mizan", "",
    "/a/b:c", "/a/b@c+d=e,f&g$h!i'j(k)l*m",
]
URIS = [
    "file:///tmp/ws/spec.mizan", "file:///a%20b/c.mizan", "file:///a/%C3%BC.mizan",
    "FILE:///a/b", "file://host/share/x.mizan", "file:///C:/x/y.mizan", "file:///c%3A/x",
    "file:///a/b;p?q#f", "file:////a/b", "untitled:Untitled-1", "file:", "file:///",
    "file:/a/b", "file:///a/b\tc", " file:///a/b", "file:///a/./b", "http://x/a",
]


def _random_paths(count: int) -> list[str]:
    rng = random.Random(7)
    alphabet = "ab/._-~ %;?#:\\ü😀"
    return ["/" + "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
            for _ in range(count)]


def _outcome(convert, value):
    """What `convert(value)` gives, or the type of what it raises (pygls raises
    ValueError on a UNC path without a share; the server's conversion too)."""
    try:
        return convert(value)
    except Exception as error:  # noqa: BLE001 - compared, not hidden
        return type(error)


@pytest.mark.parametrize("path", PATHS + _random_paths(300))
def test_path_to_uri_is_pygls(path):
    assert _outcome(path_to_uri, path) == _outcome(lambda p: from_fs_path(p) or p, path)


@pytest.mark.parametrize("uri", URIS + ["file://" + p for p in PATHS + _random_paths(300)])
def test_uri_to_path_is_pygls(uri):
    assert _outcome(uri_to_path, uri) == _outcome(lambda u: normalise(to_fs_path(u) or u), uri)


def test_the_plain_case_is_the_common_one():
    """Most inputs above take the light path (or this test compares pygls with itself)."""
    plain = [p for p in PATHS + _random_paths(300) if _outcome(path_to_uri, p) == "file://" + p]
    assert len(plain) > 20


def test_round_trip_of_a_plain_path(tmp_path):
    path = normalise(tmp_path / "spec.mizan")
    assert uri_to_path(path_to_uri(path)) == path
