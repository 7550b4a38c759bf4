"""The TypeScript runtime package, `@mizan-lang/runtime` (runtimes/ts/).

Its own tests (`npm test` in runtimes/ts: a strict tsc build, then node:test)
replay every file of protocol/vectors/ against the built package, client and
server entry points, and check the client's cache tiers and transport with a
fake fetch and WebSocket. This module runs them so CI covers them, and checks
what ties the package to the generators: its sources are as prettier writes
them, and its version satisfies the range generated code declares.
"""

from __future__ import annotations

import json
import re

from mizan_lang.generators.ts.view import RUNTIME_PACKAGE, RUNTIME_RANGE

from .toolchain import NODE_MODULES, ROOT, RUNTIME, ensure_node_modules, prettier_check, run, tool

VECTORS = ROOT / "protocol" / "vectors"


def test_package_tests_pass() -> None:
    ensure_node_modules()
    result = run([tool("npm"), "test"], cwd=RUNTIME)
    output = result.stdout + result.stderr
    counts = {key: int(value) for key, value in re.findall(r"^# (pass|fail) (\d+)$", output,
                                                             re.MULTILINE)}
    assert counts.get("fail") == 0, output[-4000:]
    # One test per group of cases: every vector file has at least one, plus
    # the transport checks; the last test compares the folder's file list.
    assert counts.get("pass", 0) >= 40, output[-4000:]
    for path in sorted(VECTORS.glob("*.json")):
        assert re.search(rf"^ok \d+ - {re.escape(path.name)} ", output, re.MULTILINE), path.name
    assert "ok" in re.findall(r"^(\w+(?: \w+)?) \d+ - every vector file is replayed$", output,
                              re.MULTILINE)


def test_sources_are_prettier_formatted() -> None:
    ensure_node_modules()
    prettier_check(RUNTIME / "src")


def test_generated_range_accepts_the_package() -> None:
    package = json.loads((RUNTIME / "package.json").read_text(encoding="utf-8"))
    assert package["name"] == RUNTIME_PACKAGE
    major, minor, _patch = (int(part) for part in package["version"].split("."))
    wanted = re.fullmatch(r"\^(\d+)\.(\d+)\.(\d+)", RUNTIME_RANGE)
    assert wanted is not None
    # A 0.x caret range pins the minor version; the package must be in it.
    assert (major, minor) == (int(wanted[1]), int(wanted[2]))
    assert (RUNTIME / "src" / "index.ts").read_text().count(
        f'export const VERSION = "{package["version"]}";') == 1


def test_workspace_links_the_package() -> None:
    ensure_node_modules()
    root = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert root["workspaces"] == ["runtimes/ts"]
    linked = NODE_MODULES / "@mizan-lang" / "runtime"
    assert linked.resolve() == RUNTIME.resolve()
    for entry in ("index", "client", "server"):
        assert (RUNTIME / "dist" / f"{entry}.js").is_file()
        assert (RUNTIME / "dist" / f"{entry}.d.ts").is_file()
