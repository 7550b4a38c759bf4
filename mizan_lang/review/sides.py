"""The two sides of a comparison: spec folders, a git revision, or a saved IR.

Each loader returns a `Side` (the IR, a locator into its sources, the source
texts for acknowledgement comments) or raises `SideError` with a message or
the spec's diagnostics. Nothing here checks out anything: a revision's files
are read with `git ls-tree` and `git cat-file --batch` into memory (`revision.py`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import partial

from ..diagnostics import Diagnostic
from ..records import field, record
from .index import IrIndex

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from typing import Any

    from ..check.result import CheckResult
    from ..ir import model as ir
    from ..ir.lazy import LazyIr
    from ..result_cache import Entry
    from ..workspace import LoadedWorkspace, SourceFile
    from .pair import Shared
    from .revision import GitError
from .locate import Locator


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


@record
class Side:
    label: str
    index: IrIndex  # the IR, one canonical text per declaration
    locate: Locator | None = None
    texts: dict[str, str] = field(default_factory=dict)  # shown path -> text
    model: ir.Workspace | None = None  # the whole IR, of a side checked just now
    # What its check kept for the other side's (review/reuse.py): freed with the
    # side, so a command that ends at once never frees it (~40 M instructions).
    kept: object = None
    # Stores a side just checked into the result cache (`_remember`): `finish`
    # calls it at once, a comparison of two sides once it is made (`remember`).
    remember: Callable[[], None] | None = None
    cached: bool = False  # answered from the result cache (`pair.load_pair`)
    # Where a side checked just now was read from, and its workspace (`replay.py`).
    origin: tuple | None = None


def from_paths(paths: list[str], label: str = "new",
               shown: Callable[[str], str] | None = None,
               read: Callable[[str], str | None] | None = None, *,
               cache: bool = True) -> Side:
    """Load, check and build the IR of spec files or folders (with `cache`,
    from the result cache when the files did not change, and into it)."""
    return finish(prepare_paths(paths, label, shown, read, cache=cache))


def prepare_paths(paths: list[str], label: str = "new",
                  shown: Callable[[str], str] | None = None,
                  read: Callable[[str], str | None] | None = None, *,
                  cache: bool = True, share: Shared | None = None) -> Side | Pending:
    """`from_paths` up to the check: the side from the result cache, or its
    files loaded (with `share`, those the other side loaded are taken from it)."""
    from ..render import display_path
    from ..workspace import load_workspace

    show = shown or display_path
    for path in paths:
        if read is None and not os.path.exists(path):
            raise SideError(f"path '{path}' does not exist")
    cache = cache and read is None
    keep = None
    if cache:
        cached = _from_cache(paths, label, show)
        if isinstance(cached, Side):
            return cached
        keep = partial(_remember, paths, cached)
    reader = read if share is None else share.reader(read)
    origin = ("paths", list(paths)) if read is None else None
    return Pending(load_workspace(paths, reader), label, show, shown, keep, origin=origin)


@record
class Pending:
    """A side whose files are loaded (read, parsed, lowered), not yet checked:
    `pair` checks two of them at once."""

    workspace: LoadedWorkspace
    label: str
    show: Callable[[str], str]  # a path as the report shows it
    shown: Callable[[str], str] | None  # the same for the diagnostics of a SideError
    keep: Callable[[_Fresh, str], None] | None = None  # stores a check into the result cache
    partner: str = ""  # the other side's `identity` (`pair.load_pair`); "" when alone
    origin: tuple | None = None  # ("paths", paths) or ("git", key, revision, paths)

    def identity(self) -> str:
        """The contents of the side's files, as one digest (paths aside: a
        revision is loaded under a folder of its own)."""
        from ..result_cache import blake2b, content_hash

        hashes = sorted(content_hash(source.text.encode("utf-8", "surrogatepass"))
                        for source in self.workspace.files.values())
        return blake2b(" ".join(hashes).encode(), digest_size=16).hexdigest()

    def checked(self, *, plain: bool = False,
                run: Callable[[LoadedWorkspace], CheckResult] | None = None,
                memo: dict[object, tuple] | None = None) -> _Fresh:
        """Check (with `run`, else `check`) and build the IR; raises `SideError`
        when the spec has errors. `plain`: the IR as JSON data only
        (`ir/plain.py`), each declaration built when it is read
        (`ir/lazy.py`), with `memo` (see `build_ir`); no `Side.model`."""
        from ..check import check

        result = (run or check)(self.workspace)
        if not result.ok:
            raise self.failed(result.diagnostics)
        if plain:
            from ..ir.lazy import LazyIr

            texts = {path: source.text for path, source in self.workspace.files.items()}
            return _Fresh(self.workspace, result, None, LazyIr(result, memo, texts))
        from ..ir import build_ir

        model = build_ir(result)
        return _Fresh(self.workspace, result, model, None, json.loads(model.model_dump_json()))

    def failed(self, diagnostics: list[Diagnostic]) -> SideError:
        texts = {path: source.text for path, source in self.workspace.files.items()}
        return SideError(f"the {self.label} spec has errors; nothing was compared",
                         diagnostics, texts, self.shown)

    def finish(self, *, plain: bool = False,
               run: Callable[[LoadedWorkspace], CheckResult] | None = None,
               memo: dict[object, tuple] | None = None, twin: IrIndex | None = None) -> Side:
        """`checked`, stored into the result cache; `twin`: the other side's
        index, built with the same `memo` (see `IrIndex.twin`)."""
        fresh = self.checked(plain=plain, run=run, memo=memo)
        if twin is not None and fresh.built is not None:
            fresh.index.twin = twin
        side = fresh.side(self.label, self.show)
        side.origin = None if self.origin is None else (self.origin, self.workspace)
        if self.keep is not None:
            side.remember = partial(self.keep, fresh, self.partner)
        return side


def finish(side: Side | Pending) -> Side:
    """A side checked, and stored into the result cache."""
    if isinstance(side, Side):
        return side
    done = side.finish()
    remember(done)
    return done


def remember(*sides: Side) -> None:
    """Store the sides checked just now into the result cache (each once)."""
    for side in sides:
        keep, side.remember = side.remember, None
        if keep is not None:
            keep()


@record
class _Fresh:
    """A side just checked: its workspace, check result and IR (the model and
    its JSON data, or the plain data built when read), indexed on first use."""

    workspace: LoadedWorkspace
    result: CheckResult
    model: ir.Workspace | None
    built: LazyIr | None
    _data: dict[str, Any] | None = None
    _index: IrIndex | None = None

    @property
    def data(self) -> dict[str, Any]:
        """The whole IR as JSON data."""
        if self._data is None:
            self._data = self.built.data()
        return self._data

    @property
    def index(self) -> IrIndex:
        if self._index is None:
            from .index import from_built, from_data

            self._index = (from_built(self.built) if self.built is not None
                           else from_data(self.data, valid=True))
        return self._index

    @property
    def digested(self) -> bool:
        """Whether every declaration's canonical text was made (a comparison
        with a cached side makes them: `IrIndex.decls`)."""
        return self._index is not None and self._index.digested

    def side(self, label: str, show: Callable[[str], str]) -> Side:
        files = self.workspace.files
        indexes = {path: source.index for path, source in files.items()}
        return Side(label, self.index, Locator(self.result, indexes, show),
                    {show(path): source.text for path, source in files.items()}, self.model)

    def stored(self, base: str | None = None) -> str | None:
        """The index and which file declares each name, for the result cache
        (with `base`, the files' paths relative to it); the declarations'
        texts go to a blob of their own. None when the blob was not kept."""
        from .. import result_cache
        from .locate import symbol_paths

        frame, lines = self.index.stored()
        blob = result_cache.store_blob(lines)
        if blob is None:
            return None
        numbers: dict[str, int] = {}  # each path once (relpath costs ~8 us a name)
        files: dict[str, int] = {}

        def number(path: str) -> int:
            found = numbers.get(path)
            if found is None:
                found = numbers[path] = files.setdefault(
                    path if base is None else os.path.relpath(path, base), len(files))
            return found

        symbols = {kind: {name: number(path) for name, path in table.items()}
                   for kind, table in symbol_paths(self.result).items()}
        return json.dumps({**frame, "blob": blob, "files": list(files), "symbols": symbols},
                          ensure_ascii=False, separators=(",", ":"))


# The result cache (`mizan_lang.result_cache`) keeps, beside a checked
# workspace's diagnostics, under REVIEW the side's IR index (`index.py`: one
# canonical text per declaration, and the type directions) and which file
# declares each name: a side whose files did not change is answered without
# parsing, checking or reading the whole IR.
REVIEW = "review-index"


def _stored_side(stored: str, label: str, texts: dict[str, str],
                 show: Callable[[str], str]) -> Side | None:
    """A side from what `_Fresh.stored` wrote (None when it is damaged)."""
    from .. import result_cache
    from .index import from_stored
    from .locate import StoredLocator

    try:
        data = json.loads(stored)
        lines = result_cache.read_blob(data["blob"])
        files = data["files"]
        symbols = {kind: {name: files[number] for name, number in table.items()}
                   for kind, table in data["symbols"].items()}
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    index = None if lines is None else from_stored(data, lines)
    if index is None:
        return None
    return Side(label, index, StoredLocator(symbols, texts, show),
                {show(path): text for path, text in texts.items()}, cached=True)


def _from_cache(paths: list[str], label: str, show: Callable[[str], str]) -> Side | Entry | None:
    """The side from the result cache; else the stored check of the same
    files, when there is one (see `_remember`); else None."""
    from .. import result_cache

    entry = result_cache.lookup(paths)
    if entry is None or REVIEW not in entry.ir or any(
            d.severity == "error" for d in entry.diagnostics):
        return entry
    return _stored_side(entry.ir[REVIEW], label, entry.texts, show) or entry


# A side's comparison index costs about as much to make as the comparison
# itself (every declaration's IR and canonical text: ~0.4 s at 10,000
# functions), and it pays only when both sides of a comparison come from the
# cache (`pair.load_pair` loads a cached side again beside a new one). Most
# pairs are compared once: a CI runner starts with an empty cache, a working
# tree changes between runs. So a side stores only its check (diagnostics
# and file hashes, ~15 ms, as `check` does) marked SEEN with the other side's
# identity (the last few of them); its index is stored when the same pair is
# compared again (or when the comparison made its texts anyway), and later
# runs answer from it.
SEEN = "review-seen"
_SEEN_REVISION = "seen:"  # the same mark for a revision: its entry's whole content
_PARTNERS = 8


def _seen(mark: str | None, partner: str) -> tuple[bool, str]:
    """Whether a side marked `mark` was compared with `partner` before, and
    its mark now (`partner` first, then the others, the oldest dropped)."""
    partners = (mark or "").split(" ") if mark is not None else []
    again = partner in partners
    kept = [partner] + [other for other in partners if other != partner]
    return again, " ".join(kept[:_PARTNERS])


def _remember(paths: list[str], entry: Entry | None, fresh: _Fresh, partner: str) -> None:
    from .. import result_cache

    if not result_cache.enabled():
        return
    kept = {} if entry is None else entry.ir  # the IR formats `ir` stored are kept
    again, mark = _seen(kept.get(SEEN), partner)
    if not again and not fresh.digested:
        result_cache.store(paths, fresh.workspace, fresh.result.diagnostics,
                           {**kept, SEEN: mark})
        return
    stored = fresh.stored()
    if stored is not None:
        result_cache.store(paths, fresh.workspace, fresh.result.diagnostics,
                           {**kept, SEEN: mark, REVIEW: stored})


def from_texts(files: dict[str, str], label: str) -> Side:
    """A spec given as texts (examples, tests): `{"main.mizan": "..."}`; paths
    are shown as given."""
    import tempfile

    base = os.path.realpath(os.path.join(tempfile.gettempdir(), "mizan-texts", label))
    texts = {os.path.join(base, name): text for name, text in files.items()}

    def shown(path: str) -> str:
        return os.path.relpath(path, base) if path.startswith(base + os.sep) else path

    return from_paths(list(texts), label, shown, read=texts.get)


def from_ir_file(path: str, label: str) -> Side:
    """A saved IR (`mizan-lang ir --format json`). Its frame is checked here;
    each declaration when it is compared (`IrIndex.model`, see `ir_error`)."""
    from .index import IrError, from_data

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise SideError(f"cannot read '{path}': {err.strerror}") from None
    try:
        index = from_data(json.loads(data))
    except IrError as err:
        raise ir_error(path, err) from None
    except ValueError as err:  # not JSON (or not UTF-8)
        raise SideError(f"'{path}' is not a mizan IR JSON file (Invalid JSON: {err})") from None
    index.origin = path
    return Side(label, index)


def ir_error(path: str, err: object) -> SideError:
    where, message = getattr(err, "where", ""), getattr(err, "message", str(err))
    return SideError(f"'{path}' is not a mizan IR JSON file"
                     f" ({where + ': ' if where else ''}{message})")


def is_ir_file(path: str) -> bool:
    return os.path.isfile(path) and path.endswith(".json")


def load(paths: list[str], label: str) -> Side:
    """A single `.json` file is a saved IR; anything else is spec files or folders."""
    return finish(prepare(paths, label))


def prepare(paths: list[str], label: str, share: Shared | None = None,
            cache: bool = True) -> Side | Pending:
    """`load` up to the check (`share`, `cache`: as for `prepare_paths`)."""
    if len(paths) == 1 and is_ir_file(paths[0]):
        return from_ir_file(paths[0], label)
    return prepare_paths(paths, label, share=share, cache=cache)


# --- git -------------------------------------------------------------------------


def repo_root(path: str) -> str:
    """The top folder of the git repository holding `path`, as git finds it."""
    from .revision import GitError, show_toplevel

    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    try:
        return show_toplevel(folder)
    except GitError:
        raise SideError(f"'{path}' is not inside a git repository") from None


def from_git(revision: str, paths: list[str]) -> Side:
    """The spec as it is at `revision`: the same paths, read from git."""
    return finish(prepare_git(revision, paths))


def prepare_git(revision: str, paths: list[str], share: Shared | None = None,
                cache: bool = True) -> Side | Pending:
    """`from_git` up to the check (`share`, `cache`: as for `prepare_paths`). The
    revision's files are read into memory (`revision.py`) and loaded from
    there; reports and diagnostics show them at their working-tree paths."""
    from .. import result_cache
    from ..render import display_path
    from ..workspace import load_workspace
    from .revision import GitError, RevisionDisk, read_files

    root, files, links, relatives, key = revision_listing(revision, paths)
    try:
        contents = read_files(root, files, links)
    except GitError as err:
        raise SideError(err.message) from None
    label = f"old ({revision})"

    def shown_relative(rel: str) -> str:
        return display_path(os.path.join(root, rel))

    found = result_cache.lookup_content(key) if cache else None
    if found is not None and not found.startswith(_SEEN_REVISION):
        from ..source import decode_source

        texts = {name: decode_source(contents[name])[0] for name, _ in files}
        side = _stored_side(found, label, texts, shown_relative)
        if side is not None:
            return side
    disk = RevisionDisk(root, {name: contents[name] for name, _ in files},
                        {name: contents[name].decode("utf-8", "surrogateescape")
                         for name, _ in links})
    base = disk.base
    targets = [f"{base}/{rel}" if rel else base for rel in relatives]
    for target, path in zip(targets, paths, strict=True):
        if not disk.exists(target):
            raise SideError(f"'{path}' does not exist at revision '{revision}'")
    read = None
    if share is not None:
        offered = share.reader(disk.text)

        def read(path: str) -> str | SourceFile | None:
            # Only the revision's clean texts: the loader asks `disk` for the rest.
            return None if disk.text(path) is None else offered(path)

    workspace = load_workspace(targets, read, disk)

    def shown(path: str) -> str:
        rel = disk.inside(path)
        return path if rel is None else shown_relative(rel)

    def keep(fresh: _Fresh, partner: str) -> None:
        if cache and result_cache.enabled() and result_cache.cacheable(fresh.workspace):
            marked = found is not None and found.startswith(_SEEN_REVISION)
            again, mark = _seen(found[len(_SEEN_REVISION):] if marked else None, partner)
            if not again and not fresh.digested:  # see `_remember`
                result_cache.store_content(key, _SEEN_REVISION + mark)
                return
            stored = fresh.stored(base)
            if stored is not None:
                result_cache.store_content(key, stored)

    return Pending(workspace, label, shown, shown, keep, origin=("git", key, revision, paths))


def revision_listing(revision: str, paths: list[str]
                     ) -> tuple[str, list, list, list[str], str]:
    """The repository's top, the revision's .mizan files and links under it
    (`revision.list_files`), `paths` relative to the top, and the key that
    names that content: a revision seen before (or another one with the same
    .mizan files and links) is answered from the cache by it."""
    from .. import result_cache
    from .revision import GitError, find_toplevel, list_files

    if not paths:
        raise SideError("no paths to compare")
    # The repository of the current folder; else the one holding the first path.
    root = find_toplevel(os.getcwd()) or _git_root(paths)
    try:
        files, links = list_files(root, revision)
    except GitError as err:
        raise _listing_error(revision, paths, err) from None
    relatives = _relatives(paths, root)
    key = result_cache.content_key(["review-git", relatives, sorted(files), sorted(links)])
    return root, files, links, relatives, key


def _git_root(paths: list[str]) -> str:
    """The repository of the current folder, else of the first path, as git finds it."""
    try:
        return repo_root(os.getcwd())
    except SideError:
        return repo_root(paths[0])


def _relatives(paths: list[str], root: str) -> list[str]:
    """Each path relative to the repository's top ("" for the top itself)."""
    relatives = []
    for path in paths:
        rel = os.path.relpath(os.path.realpath(path), root)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            raise SideError(f"'{path}' is outside the git repository at '{root}'")
        relatives.append("" if rel == os.curdir else rel.replace(os.sep, "/"))
    return relatives


def _listing_error(revision: str, paths: list[str], err: GitError) -> SideError:
    """Why a revision could not be listed, asked of git step by step: no
    repository, an unknown revision, a path outside it, else git's own words."""
    from .revision import GitError, git

    root = _git_root(paths)
    try:
        git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], root)
    except GitError:
        return SideError(f"unknown revision '{revision}'")
    _relatives(paths, root)
    return SideError(err.message)
