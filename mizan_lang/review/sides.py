"""The two sides of a comparison: spec folders, a git revision, or a saved IR.

Each loader returns a `Side` (the IR, a locator into its sources, the source
texts for acknowledgement comments) or raises `SideError` with a message or
the spec's diagnostics. Nothing here checks out anything: a revision's files
are read with `git ls-tree` and `git cat-file --batch` into a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic
from ..ir import model as ir
from .locate import Locator

SUFFIX = ".mizan"


class SideError(Exception):
    """A side could not be compared: a message, or the diagnostics of its spec."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None,
                 texts: dict[str, str] | None = None,
                 shown: Callable[[str], str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics or []
        self.texts = texts or {}
        self.shown = shown


@dataclass(slots=True)
class Side:
    label: str
    workspace: ir.Workspace
    locate: Locator | None = None
    texts: dict[str, str] = field(default_factory=dict)  # shown path -> text


def from_paths(paths: list[str], label: str = "new",
               shown: Callable[[str], str] | None = None,
               read: Callable[[str], str | None] | None = None, *,
               cache: bool = True) -> Side:
    """Load, check and build the IR of spec files or folders (with `cache`,
    from the result cache when the files did not change, and into it)."""
    from ..check import check
    from ..ir import build_ir
    from ..render import display_path
    from ..workspace import load_workspace

    show = shown or display_path
    for path in paths:
        if read is None and not os.path.exists(path):
            raise SideError(f"path '{path}' does not exist")
    cache = cache and read is None
    if cache:
        cached = _from_cache(paths, label, show)
        if cached is not None:
            return cached
    workspace = load_workspace(paths, read)
    result = check(workspace)
    texts = {path: source.text for path, source in workspace.files.items()}
    if not result.ok:
        raise SideError(f"the {label} spec has errors; nothing was compared",
                        result.diagnostics, texts, shown)
    indexes = {path: source.index for path, source in workspace.files.items()}
    model = build_ir(result)
    if cache:
        _remember(paths, workspace, result, model)
    return Side(label, model, Locator(result, indexes, show),
                {show(path): text for path, text in texts.items()})


# The result cache (`mizan_lang.result_cache`) keeps, beside a checked
# workspace's diagnostics, its IR as JSON (the text `ir --format json` prints)
# and under REVIEW which file declares each name: a side whose files did not
# change is answered without parsing or checking.
REVIEW = "review-symbols"


def _from_cache(paths: list[str], label: str, show: Callable[[str], str]) -> Side | None:
    import json

    from .. import result_cache
    from .locate import StoredLocator

    entry = result_cache.lookup(paths)
    if entry is None or "json" not in entry.ir or REVIEW not in entry.ir or any(
            d.severity == "error" for d in entry.diagnostics):
        return None
    try:
        model = ir.Workspace.model_validate_json(entry.ir["json"])
        symbols = json.loads(entry.ir[REVIEW])
    except ValueError:  # a damaged entry (pydantic's ValidationError is one): start over
        return None
    return Side(label, model, StoredLocator(symbols, entry.texts, show),
                {show(path): text for path, text in entry.texts.items()})


def _remember(paths: list[str], workspace: object, result: object, model: ir.Workspace) -> None:
    import json

    from .. import result_cache
    from ..ir import to_json
    from .locate import symbol_paths

    if not result_cache.enabled():
        return
    result_cache.store(paths, workspace, result.diagnostics, {
        "json": to_json(model), REVIEW: json.dumps(symbol_paths(result), sort_keys=True)})


def from_texts(files: dict[str, str], label: str) -> Side:
    """A spec given as texts (examples, tests): `{"main.mizan": "..."}`; paths
    are shown as given."""
    base = os.path.realpath(os.path.join(tempfile.gettempdir(), "mizan-texts", label))
    texts = {os.path.join(base, name): text for name, text in files.items()}

    def shown(path: str) -> str:
        return os.path.relpath(path, base) if path.startswith(base + os.sep) else path

    return from_paths(list(texts), label, shown, read=texts.get)


def from_ir_file(path: str, label: str) -> Side:
    """A saved IR (`mizan-lang ir --format json`)."""
    from pydantic import ValidationError

    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise SideError(f"cannot read '{path}': {err.strerror}") from None
    try:
        workspace = ir.Workspace.model_validate_json(data)
    except ValidationError as err:
        first = err.errors()[0] if err.errors() else {"msg": str(err), "loc": ()}
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise SideError(f"'{path}' is not a mizan IR JSON file"
                        f" ({where + ': ' if where else ''}{first['msg']})") from None
    return Side(label, workspace)


def is_ir_file(path: str) -> bool:
    return os.path.isfile(path) and path.endswith(".json")


def load(paths: list[str], label: str) -> Side:
    """A single `.json` file is a saved IR; anything else is spec files or folders."""
    if len(paths) == 1 and is_ir_file(paths[0]):
        return from_ir_file(paths[0], label)
    return from_paths(paths, label)


# --- git -------------------------------------------------------------------------


def _git(args: list[str], cwd: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              check=False)
    except OSError as err:
        raise SideError(f"cannot run git: {err.strerror}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SideError(detail[-1] if detail else f"git {args[0]} failed")
    return done.stdout


def repo_root(path: str) -> str:
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    try:
        out = _git(["rev-parse", "--show-toplevel"], folder)
    except SideError:
        raise SideError(f"'{path}' is not inside a git repository") from None
    return os.path.realpath(out.decode("utf-8").strip())


def from_git(revision: str, paths: list[str]) -> Side:
    """The spec as it is at `revision`: the same paths, read from git."""
    if not paths:
        raise SideError("no paths to compare")
    # The repository of the current folder; else the one holding the first path.
    try:
        root = repo_root(os.getcwd())
    except SideError:
        root = repo_root(paths[0])
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
                      root).decode().strip()
    except SideError:
        raise SideError(f"unknown revision '{revision}'") from None
    relatives = []
    for path in paths:
        real = os.path.realpath(path)
        rel = os.path.relpath(real, root)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            raise SideError(f"'{path}' is outside the git repository at '{root}'")
        relatives.append("" if rel == os.curdir else rel)
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit], root)
    blobs: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == b"blob" and name.endswith(SUFFIX.encode()):
            blobs.append((name.decode("utf-8", "surrogateescape"), parts[2].decode()))
    temp = tempfile.mkdtemp(prefix="mizan-review-")
    try:
        if blobs:
            _materialise(root, temp, blobs)
        base = os.path.realpath(temp)

        def shown(path: str) -> str:
            from ..render import display_path

            if path.startswith(base + os.sep):
                return display_path(os.path.join(root, path[len(base) + 1:]))
            return path

        targets = [os.path.join(base, rel) if rel else base for rel in relatives]
        for target, path in zip(targets, paths, strict=True):
            if not os.path.exists(target):
                raise SideError(f"'{path}' does not exist at revision '{revision}'")
        try:
            # A fresh temporary folder each time: nothing to find in the cache.
            return from_paths(targets, f"old ({revision})", shown, cache=False)
        except SideError as err:
            if err.shown is None:
                err.shown = shown
            raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _materialise(root: str, temp: str, blobs: list[tuple[str, str]]) -> None:
    request = b"".join(sha.encode() + b"\n" for _, sha in blobs)
    out = _git(["cat-file", "--batch"], root, stdin=request)
    offset = 0
    for name, _ in blobs:
        header_end = out.index(b"\n", offset)
        header = out[offset:header_end].split()
        size = int(header[2])
        body = out[header_end + 1:header_end + 1 + size]
        offset = header_end + 1 + size + 1
        target = os.path.join(temp, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(body)
