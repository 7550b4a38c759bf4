"""Random edit bursts against a live server: what it publishes equals a fresh check.

Hypothesis draws sequences of insertions and deletions (braces, quotes, `/-`,
comments, newlines, accents, emoji, whole declarations) and sends them as
incremental didChange messages to two files of the shop example. After each
burst the test waits for the publish of each edited file's last version and
compares the diagnostics of every file, open or not (code, range, message),
with those of a fresh in-process check (`load_workspace` + `check`) of the
same texts, with ranges computed here independently: LSP lines (\\n, \\r\\n,
\\r) and UTF-16 columns.

One server serves all examples (the documents are reset between them), so the
test stays around half a minute.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.lsp import StdioClient
from mizan_lang.check import check
from mizan_lang.workspace import load_workspace

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop"
# Two open files: the shared vocabulary (types every other file uses) and one user
# of it, so edits also change what the unopened files around them must report.
EDITED = ("common.mizan", "catalog.mizan")
_LSP_NEWLINE = re.compile(r"\r\n|\r|\n")


# ---------------------------------------------------------------- reference


def lsp_position(text: str, offset: int) -> dict[str, int]:
    """LSP position of a character offset: lines split on \\n, \\r\\n, \\r; UTF-16 columns."""
    line, start = 0, 0
    for newline in _LSP_NEWLINE.finditer(text, 0, offset):
        if newline.end() > offset:
            break
        line, start = line + 1, newline.end()
    column = len(text[start:offset].encode("utf-16-le")) // 2
    return {"line": line, "character": column}


def fresh_diagnostics(folder: Path, texts: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """A fresh check of `folder` with `texts` (file name -> text) written into it: per
    file name, the diagnostics as the LSP would carry them (code, range, message)."""
    for name, text in texts.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    workspace = load_workspace([folder])
    result = check(workspace)
    found: dict[str, list[dict[str, Any]]] = {Path(p).name: [] for p in workspace.files}
    for diag in result.diagnostics:
        source = workspace.files.get(diag.path)
        if source is None:
            continue
        found.setdefault(Path(diag.path).name, []).append({
            "code": diag.code, "message": diag.message,
            "range": {"start": lsp_position(source.text, diag.span.start),
                      "end": lsp_position(source.text, diag.span.end)}})
    return found


def published(client: StdioClient, root: Path) -> dict[str, list[dict[str, Any]]]:
    """The last diagnostics the server published for each file under `root`."""
    found: dict[str, list[dict[str, Any]]] = {}
    for message in client.notifications("textDocument/publishDiagnostics"):
        params = message["params"]
        uri = params["uri"]
        if uri.startswith(root.as_uri() + "/"):
            found[uri.rsplit("/", 1)[1]] = [
                {"code": d.get("code"), "message": d["message"], "range": d["range"]}
                for d in params["diagnostics"]]
    return found


def settle(client: StdioClient, root: Path) -> None:
    """Wait until everything the server wrote before now has arrived (a round trip)."""
    client.request("textDocument/definition", {
        "textDocument": {"uri": (root / "main.mizan").as_uri()},
        "position": {"line": 0, "character": 0}})


def assert_matches_fresh(client: StdioClient, root: Path, reference: Path,
                         texts: dict[str, str]) -> int:
    """Compare every file; returns how many diagnostics there were."""
    settle(client, root)
    expected = fresh_diagnostics(reference, texts)
    got = published(client, root)
    for name in sorted(set(expected) | set(got)):
        assert got.get(name, []) == expected.get(name, []), name
    return sum(len(found) for found in expected.values())


# ---------------------------------------------------------------- edits

# Form feed, U+0085 and U+2028 end a line for KDL but not for an editor.
SNIPPETS = ["{", "}", '"', "'", "/-", "//", "/*", "*/", "\\", "\n", "\r\n", "\r", " ", ";", "=",
            "\x0c", "\x85", "\u2028", "\t",
            "#true", "#null", "é", "ü", "😀", "🦀", "0x1F", "-", "<", ">", "?",
            "doc \"Prix en € 😀\"", "fn ", "type ", "param p str", "field a int",
            "returns=Nope", "context=", "affects=", "list<", "\"\"\"", "r#\"", "\n}\n",
            "fn extra_thing returns=ProductCard { param id int64 }\n",
            "type Extra {\n    field name str\n}\n", "Money", "type Money { }\n",
            "enum Currency { EUR }\n", "import \"catalog.mizan\"\n"]

snippet = st.one_of(st.sampled_from(SNIPPETS),
                    st.text(alphabet="ab_{}\"=\n é😀/-#;", min_size=1, max_size=6))
edit = st.tuples(st.sampled_from(EDITED), st.floats(0, 1), st.integers(0, 12), snippet)
burst = st.lists(edit, min_size=1, max_size=6)


def _clean(text: str, offset: int) -> int:
    """An offset that does not split a \\r\\n pair (LSP cannot point between them)."""
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        return offset - 1
    return offset


class Document:
    """The client's copy of one open document; edits go to the server incrementally."""

    def __init__(self, client: StdioClient, uri: str, text: str) -> None:
        self.client, self.uri, self.text = client, uri, text
        self.version = 1
        client.open(uri, text, self.version)

    def __repr__(self) -> str:  # hypothesis prints the fixture in failure reports
        return f"<Document {self.uri} v{self.version}>"

    def reset(self, text: str) -> None:
        self.version += 1
        self.text = text
        self.client.change(self.uri, self.version, [{"text": text}])

    def apply(self, where: float, length: int, insert: str) -> None:
        start = _clean(self.text, round(where * len(self.text)))
        end = _clean(self.text, min(len(self.text), start + length))
        change = {"range": {"start": lsp_position(self.text, start),
                            "end": lsp_position(self.text, end)}, "text": insert}
        self.text = self.text[:start] + insert + self.text[end:]
        self.version += 1
        self.client.change(self.uri, self.version, [change])


@dataclass(repr=False)
class Live:
    client: StdioClient
    root: Path
    reference: Path
    documents: dict[str, Document]
    originals: dict[str, str]
    bursts: int = 0
    with_errors: int = 0  # bursts that ended with diagnostics: the comparison is not vacuous


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-shop")
    reference = tmp_path_factory.mktemp("fuzz-reference")
    for path in EXAMPLE.glob("*.mizan"):
        shutil.copy(path, root / path.name)
        shutil.copy(path, reference / path.name)
    client = StdioClient()
    client.initialize([root])
    originals = {name: (root / name).read_text("utf-8") for name in EDITED}
    documents = {name: Document(client, (root / name).as_uri(), text)
                 for name, text in originals.items()}
    for document in documents.values():
        client.diagnostics(document.uri, 1)
    live = Live(client, root, reference, documents, originals)
    yield live
    code = client.stop()
    assert live.with_errors >= live.bursts // 3 > 0
    assert client.violations == []
    assert client.error_logs() == []
    assert code == 0


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(bursts=st.lists(burst, min_size=1, max_size=3))
def test_published_diagnostics_equal_a_fresh_check(live, bursts) -> None:
    client, documents = live.client, live.documents
    for name, document in documents.items():
        document.reset(live.originals[name])
    for edits in bursts:
        for name, where, length, insert in edits:
            documents[name].apply(where, length, insert)
        for name in {name for name, *_ in edits}:
            client.diagnostics(documents[name].uri, documents[name].version, timeout=30)
        found = assert_matches_fresh(client, live.root, live.reference,
                                     {name: d.text for name, d in documents.items()})
        live.bursts += 1
        live.with_errors += found > 0
