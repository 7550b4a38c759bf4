"""Starting the server: `initialize` answered before the heavy imports, and
recorded diagnostics published on open (`mizan_lang/lsp_boot.py`).

A real `mizan-lang lsp` subprocess, started twice on the same workspace with
one cache folder: the first start checks and records its answers; the second
answers `initialize` from the record and publishes the recorded diagnostics
of the opened file before the server is even imported, then checks for real.
Every recorded answer must equal the real one (the server's own answer on the
first start and its later publication on the second), in each position
encoding; a buffer that differs from the disk gets no recorded diagnostics.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from bench.lsp import SERVER, StdioClient

CASE = Path(__file__).resolve().parents[1] / "cases" / "check" / "duplicate_names"
# Astral and non-ASCII characters before diagnostics on the same lines, so the
# columns differ between encodings.
EXTRA = ('type Ünïcode {\n    doc "😀 é"\n    field 😀x str\n}\n'
         'type Card {\n    field a str\n}\n')


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(CASE, root, ignore=shutil.ignore_patterns("expected*"))
    (root / "extra.mizan").write_text("mizan 1\n" + EXTRA, encoding="utf-8")
    return root


def _start(cache: Path, **env: str) -> StdioClient:
    return StdioClient(SERVER, env={**os.environ, "MIZAN_CACHE_DIR": str(cache / "results"),
                                    **env})


def _initialize(client: StdioClient, root: Path, encoding: str) -> dict[str, Any]:
    params = {
        "processId": os.getpid(), "rootUri": root.as_uri(),
        "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
        "capabilities": {"general": {"positionEncodings": [encoding]},
                         "textDocument": {"publishDiagnostics": {"relatedInformation": True}}},
    }
    result = client.request("initialize", params, timeout=60)
    client.notify("initialized", {})
    return result


def _stats(client: StdioClient) -> dict[str, Any]:
    return client.request("workspace/executeCommand", {"command": "mizan.bootStats"}, timeout=60)


def _session(cache: Path, root: Path, encoding: str, text: str | None = None,
             **env: str) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """(initialize result, every publishDiagnostics, the server's stats) of one start
    that opens main.mizan and waits for the real check of it."""
    client = _start(cache, **env)
    try:
        result = _initialize(client, root, encoding)
        published, stats = _open_and_wait(client, root / "main.mizan", text)
    finally:
        assert client.stop() == 0
    assert client.violations == []
    return result, published, stats


def _open_and_wait(client: StdioClient, path: Path, text: str | None
                   ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Open `path` (with `text`, else its saved text) and wait for the server's own
    check of it: (every publishDiagnostics so far, the server's stats)."""
    uri = path.as_uri()
    client.open(uri, text if text is not None else path.read_text(encoding="utf-8"))
    stats = _stats(client)
    # The server's own publication for the open file (after any recorded one),
    # then one more round trip: the rest of that check's publications are out.
    wanted = 2 if str(path) in stats["early"]["published"] else 1
    client.wait_for(lambda _: sum(
        1 for m in client.notifications("textDocument/publishDiagnostics")
        if m["params"]["uri"] == uri and m["params"].get("version") == 1) >= wanted,
        timeout=60)
    _stats(client)
    return [m["params"] for m in client.notifications("textDocument/publishDiagnostics")], stats


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
def test_second_start_answers_from_records_equal_to_the_real_answers(tmp_path, workspace,
                                                                     encoding):
    cache = tmp_path / "cache"
    # Without the early path: the server's own answer and diagnostics.
    plain, plain_published, plain_stats = _session(tmp_path / "plain", workspace, encoding,
                                                   MIZAN_LSP_EARLY="off")
    assert plain_stats["early"] == {"initialize": False, "published": []}
    assert plain["capabilities"]["positionEncoding"] == encoding
    assert any(p["diagnostics"] for p in plain_published), "the case has errors"
    final_plain = {p["uri"]: p for p in plain_published}

    def early_equals_real(published: list[dict[str, Any]], stats: dict[str, Any]) -> None:
        early = stats["early"]["published"]
        assert str(workspace / "main.mizan") in early
        # The early publications come first, then the server's own: equal.
        recorded, real = published[:len(early)], published[len(early):]
        assert recorded and real
        final = {p["uri"]: p for p in real}
        for item in recorded:
            assert final[item["uri"]] == item
        assert final_plain == final

    # A first start (no records): the answer shipped with the server, and the
    # first document's diagnostics from a check before the server is imported.
    first, first_published, first_stats = _session(cache, workspace, encoding)
    assert first_stats["early"]["initialize"] is True
    assert first == plain
    early_equals_real(first_published, first_stats)

    # A later start: from the records of the first.
    second, second_published, second_stats = _session(cache, workspace, encoding)
    assert second_stats["early"]["initialize"] is True
    assert second == first
    early_equals_real(second_published, second_stats)

    # The early answer can be turned off; the server's answer is the same.
    third, _, third_stats = _session(cache, workspace, encoding, MIZAN_LSP_EARLY="off")
    assert third_stats["early"]["initialize"] is False
    assert third == first


def test_first_start_without_result_cache_publishes_its_check(tmp_path, workspace):
    # With the result cache off, the early check has nothing to store, but its
    # diagnostics are still published first, equal to the server's own.
    _, published, stats = _session(tmp_path / "cache", workspace, "utf-16", MIZAN_CACHE="off")
    assert str(workspace / "main.mizan") in stats["early"]["published"]
    count = len(stats["early"]["published"])
    early, real = published[:count], {p["uri"]: p for p in published[count:]}
    assert any(p["diagnostics"] for p in early), "the case has errors"
    assert all(real[p["uri"]] == p for p in early)
    assert not (tmp_path / "cache").exists()


def test_unsaved_buffer_gets_no_recorded_diagnostics(tmp_path, workspace):
    cache = tmp_path / "cache"
    _session(cache, workspace, "utf-16")
    text = (workspace / "main.mizan").read_text(encoding="utf-8") + "\ntype Unsaved {\n}\n"
    _, published, stats = _session(cache, workspace, "utf-16", text=text)
    assert stats["early"]["initialize"] is True
    assert stats["early"]["published"] == []
    assert published


def test_changed_file_on_disk_is_checked_not_replayed(tmp_path, workspace):
    cache = tmp_path / "cache"
    _, before, _ = _session(cache, workspace, "utf-16")
    (workspace / "other.mizan").write_text("mizan 1\n", encoding="utf-8")
    _, after, stats = _session(cache, workspace, "utf-16")
    # The record no longer fits: published early only from a fresh check, equal to
    # the server's own.
    early = stats["early"]["published"]
    final = {p["uri"]: p for p in after[len(early):]}
    for item in after[:len(early)]:
        assert final[item["uri"]] == item
    assert {p["uri"]: p["diagnostics"] for p in after} != {p["uri"]: p["diagnostics"]
                                                           for p in before}


@pytest.mark.parametrize("capabilities", [
    {},
    {"general": {"positionEncodings": ["utf-32", "utf-8"]}},
    {"general": {"positionEncodings": ["latin-1"]}},
    {"textDocument": {"rename": {"prepareSupport": True},
                      "synchronization": {"willSave": True, "willSaveWaitUntil": True}},
     "workspace": {"fileOperations": {"didCreate": True, "willRename": True}}},
])
def test_shipped_answer_equals_the_servers(tmp_path, capabilities):
    """The first start's answer to `initialize` (mizan_lang/lsp_answer.py) is the
    one the server gives itself (if not, `python -m mizan_lang.lsp_answer`)."""
    from mizan_lang.lsp_answer import shipped_answer

    client = _start(tmp_path / "cache", MIZAN_LSP_EARLY="off")
    try:
        real = client.request("initialize", {"processId": None, "rootUri": None,
                                             "capabilities": capabilities}, timeout=60)
    finally:
        client.stop()
    assert shipped_answer(capabilities) == real


# Run as `python -c`: read one message as `mizan-lang lsp` does, answer it, and
# report which of these modules were imported by then.
_HEAVY_PROBE = """
import sys
from mizan_lang import lsp_boot
from mizan_lang.lsp.framing import FrameReader, raw_reads
lsp_boot._answer(FrameReader(raw_reads(sys.stdin.buffer)).next_body())
heavy = {"json", "re", "enum", "functools", "typing", "dataclasses", "threading", "tempfile",
         "importlib.util", "pygls", "lsprotocol"}
print(sorted(heavy & set(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("recorded", [False, True])
def test_initialize_is_answered_before_heavy_imports(tmp_path, monkeypatch, recorded):
    """What the answer to `initialize` waits for is the start-up itself: json, re,
    typing, threading ... (each several milliseconds) are imported after it."""
    import json
    import subprocess
    import sys

    from mizan_lang import lsp_boot
    from mizan_lang.lsp_answer import shipped_answer

    monkeypatch.setenv("MIZAN_CACHE_DIR", str(tmp_path / "results"))
    capabilities = {"general": {"positionEncodings": ["utf-8"]}}
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "initialize",
                       "params": {"processId": None, "rootUri": None,
                                  "capabilities": capabilities}}).encode()
    answer = shipped_answer(capabilities)
    if recorded:  # a later start: the answer the server recorded (marked, to tell them apart)
        answer["serverInfo"]["name"] = "recorded"
        lsp_boot.write_record(lsp_boot.record_path(capabilities), answer)
    done = subprocess.run([sys.executable, "-c", _HEAVY_PROBE], capture_output=True, check=True,
                          input=b"Content-Length: %d\r\n\r\n%s" % (len(body), body),
                          cwd=Path(__file__).resolve().parents[2], timeout=60)
    header, sent = done.stdout.split(b"\r\n\r\n", 1)
    assert header == b"Content-Length: %d" % len(sent)
    assert json.loads(sent) == {"jsonrpc": "2.0", "id": 7, "result": answer}
    assert done.stderr.decode().strip() == "[]"


# --- a first start's early check, as `mizan-lang check` runs it: equal to the
# command line's diagnostics whatever `initialize` says of the workspace, and
# the server works on normally after it.

SEVERITY = {"error": 1, "warning": 2, "info": 3}
EDIT = "\ntype Card {\n    field b str\n}\n"  # one more duplicate Card


def _params(root: Path | None, folders: list[Path] | None,
            encoding: str = "utf-32") -> dict[str, Any]:
    params: dict[str, Any] = {
        "processId": os.getpid(), "rootUri": root.as_uri() if root is not None else None,
        "capabilities": {"general": {"positionEncodings": [encoding]},
                         "textDocument": {"publishDiagnostics": {"relatedInformation": True}}},
    }
    if folders is not None:
        params["workspaceFolders"] = [{"uri": f.as_uri(), "name": f.name} for f in folders]
    return params


def _first_open(tmp_path: Path, params: dict[str, Any], path: Path, text: str | None = None,
                after: Any = None
                ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], dict[str, Any]]:
    """A first start (no records) that opens `path` (with `text`, else its saved
    text): (the publications made before the server was imported, the server's
    own last publication by URI, the boot stats); `after(client)` runs once the
    server's own check is out."""
    client = _start(tmp_path / "cache")
    try:
        client.request("initialize", params, timeout=60)
        client.notify("initialized", {})
        published, stats = _open_and_wait(client, path, text)
        stats = stats["early"]
        if after is not None:
            after(client)
    finally:
        assert client.stop() == 0
    assert client.violations == []
    assert client.error_logs() == []
    count = len(stats["published"])
    return published[:count], {p["uri"]: p for p in published[count:]}, stats


def _cli_diagnostics(*paths: Path) -> dict[str, list[dict[str, Any]]]:
    """`mizan-lang check --format json` of `paths`, as publishDiagnostics items in
    UTF-32 positions (the command line counts columns in code points), by URI."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "mizan_lang", "check", *map(str, paths),
                           "--format", "json", "--no-cache"], capture_output=True, check=False,
                          cwd=paths[0].parent, timeout=120)
    assert done.returncode in (0, 1), done.stderr

    def uri(path: str) -> str:
        return Path(os.path.realpath(paths[0].parent / path)).as_uri()

    def lsp_range(found: dict[str, Any]) -> dict[str, Any]:
        return {side: {"line": found[side]["line"] - 1, "character": found[side]["column"] - 1}
                for side in ("start", "end")}

    by_uri: dict[str, list[dict[str, Any]]] = {}
    for diag in json.loads(done.stdout):
        item = {"range": lsp_range(diag["range"]), "message": diag["message"],
                "severity": SEVERITY[diag["severity"]], "code": diag["code"]}
        related = [{"location": {"uri": uri(rel["path"]), "range": lsp_range(rel["range"])},
                    "message": rel["message"]} for rel in diag["related"]]
        if related:
            item["relatedInformation"] = related
        by_uri.setdefault(uri(diag["path"]), []).append(item)
    return {uri: sorted(items, key=repr) for uri, items in by_uri.items()}


def _as_cli(published: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Publications in the form `_cli_diagnostics` gives (files without any left out)."""
    keys = ("range", "message", "severity", "code", "relatedInformation")
    return {p["uri"]: sorted(({k: item[k] for k in keys if k in item}
                              for item in p["diagnostics"]), key=repr)
            for p in published if p["diagnostics"]}


def test_early_check_equals_check_and_the_server_works_on(tmp_path, workspace):
    import fcntl

    main = workspace / "main.mizan"
    uri = main.as_uri()

    def keep_working(client: StdioClient) -> None:
        # The boot widened the pipe the didOpen came through (`_widen_pipe`).
        assert fcntl.fcntl(client.proc.stdin.fileno(), fcntl.F_GETPIPE_SZ) == 1 << 20
        before = client.last_diagnostics(uri)["diagnostics"]
        start = len(client.received)
        client.change(uri, 2, [{"text": main.read_text(encoding="utf-8") + EDIT}])
        edited = client.diagnostics(uri, version=2, timeout=60, start=start).message["params"]
        assert len(edited["diagnostics"]) == len(before) + 1
        symbols = client.request("textDocument/documentSymbol",
                                 {"textDocument": {"uri": uri}}, timeout=60)
        assert any(s["name"] == "Card" for s in symbols)

    early, final, stats = _first_open(tmp_path, _params(workspace, [workspace]), main,
                                      after=keep_working)
    assert str(main) in stats["published"]
    assert early and all(final[p["uri"]] == p for p in early)
    # What `mizan-lang check` of the folder reports, ranges and related places alike.
    cli = _cli_diagnostics(workspace)
    assert cli, "the case has errors"
    assert _as_cli(early) == cli


@pytest.mark.parametrize("layout", ["outside the folder", "two folders", "no root"])
def test_early_check_of_other_workspaces_equals_check(tmp_path, workspace, layout):
    main = workspace / "main.mizan"
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.mizan").write_text("mizan 1\ntype X {\n    field a str\n}\n", encoding="utf-8")
    if layout == "outside the folder":  # the document alone (and what it imports)
        params, roots = _params(other, [other]), [main]
    elif layout == "two folders":  # the folder holding it
        params, roots = _params(workspace, [workspace, other]), [workspace]
    else:
        params, roots = _params(None, None), [main]
    early, final, stats = _first_open(tmp_path, params, main)
    assert str(main) in stats["published"]
    assert early and all(final[p["uri"]] == p for p in early)
    assert _as_cli(early) == _cli_diagnostics(*roots)


def test_first_start_publishes_nothing_early_for_an_unsaved_buffer(tmp_path, workspace):
    main = workspace / "main.mizan"
    early, final, stats = _first_open(tmp_path, _params(workspace, [workspace]), main,
                                      main.read_text(encoding="utf-8") + EDIT)
    assert early == [] and stats["published"] == []
    # The server's own check is of the buffer (one more duplicate Card), not the disk.
    cli = _cli_diagnostics(workspace)[main.as_uri()]
    assert len(final[main.as_uri()]["diagnostics"]) == len(cli) + 1
