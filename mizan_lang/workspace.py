"""Loading a workspace: root files (or folders) and everything they import.

Each file goes through syntax and lowering on its own (`load_file`, cached
by content so an editor re-uses files that did not change); the workspace
then follows `import` nodes depth-first. Problems with files and imports are
diagnostics on the import that caused them; nothing here raises.
"""

from __future__ import annotations

import _thread
import os
import posixpath
from collections import OrderedDict
from collections.abc import Callable, Iterable

from .check.suggest import closest
from .decls import FileDecls, Import
from .diagnostics import Diagnostic, make
from .kdl import parse
from .kdl.model import ParseResult
from .lower import lower
from .lower_text import LazyParse, lower_text
from .paths import EXTENSION, key_in, mizan_files, normalise
from .perf import paused_gc
from .records import field, record, replace
from .source import LineIndex, Span, decode_source

TYPE_CHECKING = False  # not `typing`'s: importing typing costs ~11 M instructions at start-up
if TYPE_CHECKING:
    from pathlib import Path

CACHE_SIZE = 1024
MAX_BYTE_PROBLEMS = 10  # invalid bytes reported one by one; the rest are summed up


@record
class SourceFile:
    """One file after syntax and lowering. Shared through the cache: treat as read-only."""

    path: str
    text: str
    index: LineIndex
    parse: ParseResult
    decls: FileDecls
    diagnostics: list[Diagnostic]  # syntax + lowering, each with .path set, sorted
    # An editor's open document: its declarations in runs (key, declarations) that
    # together are `decls`, each kept while its text does not change (`check.state`).
    segments: list[tuple[int, FileDecls]] | None = None


@record
class LoadedWorkspace:
    roots: list[str]
    files: dict[str, SourceFile]  # load order: roots, then imports depth-first
    diagnostics: list[Diagnostic] = field(default_factory=list)  # files and imports

    def all_diagnostics(self) -> list[Diagnostic]:
        """Every diagnostic of every file plus the import problems, sorted."""
        found = list(self.diagnostics)
        for source in self.files.values():
            found.extend(source.diagnostics)
        return sorted(found, key=Diagnostic.sort_key)


@record(frozen=True)
class Unreadable:
    """Why a file could not be read: M001 (I/O), M002 (missing) or M004 (directory)."""

    code: str
    reason: str = ""


# --- one file ------------------------------------------------------------------
_cache: OrderedDict[tuple[str, int], SourceFile] = OrderedDict()
_cache_lock = _thread.allocate_lock()  # threading.Lock, without importing threading


def build_file(path: str, text: str) -> SourceFile:
    """Parse and lower one file (uncached: see `load_file`). A clean file is
    lowered from its text, its tree parsed when first read (`lower_text`)."""
    try:
        with paused_gc():
            lowered_text = lower_text(text, path)
    except Exception:  # noqa: BLE001 - a fast path's slip must not cost the user a diagnostic
        lowered_text = None  # the tree's lowering below is the reference; it reports the file
    if lowered_text is not None:
        return SourceFile(path, text, LineIndex(text), LazyParse(text), *lowered_text)
    result = parse(text)
    with paused_gc():
        decls, lowered = lower(result.document, path)
    found = [replace(d, path=path) for d in result.diagnostics] + lowered
    found.sort(key=Diagnostic.sort_key)
    return SourceFile(path, text, LineIndex(text), result, decls, found)


def load_file(path: str, text: str) -> SourceFile:
    """Parse and lower one file; unchanged (path, text) pairs come from a small LRU."""
    key = (path, hash(text))
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached.text == text:
            _cache.move_to_end(key)
            return cached
    source = build_file(path, text)
    with _cache_lock:
        _cache[key] = source
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return source


def forget_file(path: str) -> None:
    """Drop `path`'s entries from `load_file`'s LRU (a language server reads an open
    document itself: a 2 MB file's tree would otherwise be held twice)."""
    with _cache_lock:
        for key in [key for key in _cache if key[0] == path]:
            del _cache[key]


def _byte_diagnostics(path: str, data: bytes, problems: list[tuple[int, str]]) -> list[Diagnostic]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return [make("K001", Span(0, 1), path=path,
                     detail="the file is UTF-16 encoded; .mizan files are UTF-8")]
    found = [make("K001", Span(offset, offset + 1), path=path, detail=detail)
             for offset, detail in problems[:MAX_BYTE_PROBLEMS]]
    if len(problems) > MAX_BYTE_PROBLEMS:
        offset = problems[MAX_BYTE_PROBLEMS][0]
        rest = len(problems) - MAX_BYTE_PROBLEMS
        found.append(make("K001", Span(offset, offset + 1), path=path,
                          detail=f"{rest} more invalid UTF-8 bytes from here on"))
    return found


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def read_source(path: str) -> tuple[str, list[Diagnostic]] | Unreadable:
    """Read a file from disk: its text and K001 diagnostics for bytes that are not UTF-8."""
    try:
        data = _read_bytes(path)
    except FileNotFoundError:
        return Unreadable("M002")
    except IsADirectoryError:
        return Unreadable("M004")
    except OSError as err:
        return Unreadable("M001", err.strerror or type(err).__name__)
    return decode_file(path, data)


def decode_file(path: str, data: bytes) -> tuple[str, list[Diagnostic]]:
    """A file's bytes as text, with K001 diagnostics for bytes that are not UTF-8."""
    text, problems = decode_source(data)
    return text, _byte_diagnostics(path, data, problems) if problems else []


class Disk:
    """Where `load_workspace` finds files and folders: on disk. A git
    revision's files are held in memory instead (review/revision.py)."""

    def key(self, path: str) -> str:
        return normalise(path)

    def key_in(self, folder: str, written: str) -> str:
        """The key of the file an import writes as `written` in `folder`, the
        folder of a key (so its links are resolved already)."""
        return key_in(folder, written)

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    def files_under(self, folder: str) -> list[str]:
        return mizan_files(folder)

    def names_in(self, folder: str) -> list[str]:
        return os.listdir(folder)

    def source(self, path: str) -> tuple[str, list[Diagnostic]] | Unreadable:
        return read_source(path)


DISK = Disk()


# --- the workspace -----------------------------------------------------------------
def _similar_file(path: str, disk: Disk) -> str | None:
    """A .mizan file next to `path` whose name looks like it (compared without
    the extension, which every candidate shares)."""
    try:
        names = [name for name in disk.names_in(os.path.dirname(path))
                 if name.endswith(EXTENSION)]
    except OSError:
        return None
    stems = {name[: -len(EXTENSION)]: name for name in names}
    base = os.path.basename(path)
    stem = base.removesuffix(EXTENSION)
    if stem in stems and stems[stem] != base:  # `import "common"` for common.mizan
        return stems[stem]
    found = closest(stem, stems)
    return stems[found] if found is not None else None


def _shown(path: str, base: str) -> str:
    """A path as the user would write it, relative to the importing file's folder."""
    from pathlib import Path  # only here: the language server's start does without it

    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:  # another drive on Windows
        return path


class _Loader:
    def __init__(self, read: Callable[[str], str | SourceFile | None] | None,
                 disk: Disk) -> None:
        self.read = read
        self.disk = disk  # where files are read from (see `Disk`)
        self.files: dict[str, SourceFile] = {}
        self.diagnostics: list[Diagnostic] = []
        self.done: set[str] = set()
        # (folder, written path) -> file key: files of one folder import the same
        # few files, and resolving symlinks is the costly part of loading.
        self.targets: dict[tuple[str, str], str] = {}

    def target(self, path: str, imp: Import) -> str:
        """The file key an import of file `path` names."""
        key = (os.path.dirname(path), imp.path)
        found = self.targets.get(key)
        if found is None:
            found = self.targets[key] = self.disk.key_in(*key)
        return found

    def report(self, code: str, path: str, span: Span, **fields: object) -> None:
        data = fields.pop("data", None)
        self.diagnostics.append(make(code, span, path=path, data=data, **fields))

    def load(self, path: str) -> SourceFile | Unreadable:
        if path in self.files:
            return self.files[path]
        text = self.read(path) if self.read is not None and not self.disk.is_dir(path) else None
        if isinstance(text, SourceFile):  # prepared by an editor session (incremental)
            self.files[path] = text
            return text
        extra: list[Diagnostic] = []
        if text is None:
            got = self.disk.source(path)
            if isinstance(got, Unreadable):
                return got
            text, extra = got
        source = load_file(path, text)
        if extra:
            source = replace(source, diagnostics=sorted(extra + source.diagnostics,
                                                        key=Diagnostic.sort_key))
        self.files[path] = source
        return source

    def problem(self, problem: Unreadable, target: str, where: str, span: Span,
                written: str) -> None:
        """Report why `target` (written as `written` in file `where`) could not be loaded."""
        if problem.code == "M002":
            suggestion = _similar_file(target, self.disk)
            fix: dict[str, object] = {}
            hint = ""
            if suggestion is not None:
                replacement = posixpath.join(posixpath.dirname(written), suggestion)
                fix = {"replace": replacement}
                hint = f"; did you mean '{replacement}'?"
            self.report("M002", where, span, data=fix, file=written, hint=hint)
        elif problem.code == "M004":
            self.report("M004", where, span, file=written)
        else:
            self.report("M001", where, span, file=written, reason=problem.reason)

    def root(self, root: str | Path) -> list[str]:
        path = self.disk.key(root)
        if self.disk.is_dir(path):
            found = self.disk.files_under(path)
            if not found:
                self.report("M007", path, Span(0, 0), folder=path)
            return found
        return [path]

    def follow(self, source: SourceFile, imp: Import, target: str,
               trail: list[str]) -> str | None:
        """The file an import names (`target`), loaded; None when it cannot or must not
        be followed."""
        base = os.path.dirname(source.path)
        span = imp.path_span or imp.span
        if target in trail:
            cycle = trail[trail.index(target):] + [target]
            start = cycle.index(source.path, 0, len(cycle) - 1)
            cycle = cycle[start:-1] + cycle[:start] + [source.path]
            self.report("M003", source.path, imp.span,
                        cycle=" -> ".join(_shown(path, base) for path in cycle))
            return None
        got = self.load(target)
        if isinstance(got, Unreadable):
            self.problem(got, target, source.path, span, imp.path)
            return None
        if not target.endswith(EXTENSION):
            self.report("M006", source.path, span, file=imp.path)
        return target

    def visit(self, root: str) -> None:
        """Depth-first over imports, without recursion (import chains can be long)."""
        if root in self.done:
            return
        stack = [(root, iter(self.files[root].decls.imports), {})]
        trail = [root]
        while stack:
            path, imports, seen = stack[-1]
            imp = next(imports, None)
            if imp is None:
                stack.pop()
                trail.pop()
                self.done.add(path)
                continue
            source = self.files[path]
            target = self.target(path, imp)
            if target in seen:
                first = seen[target]
                self.report("M005", path, imp.span, file=imp.path,
                            line=source.index.position(first.span.start).line + 1)
                continue
            seen[target] = imp
            followed = self.follow(source, imp, target, trail)
            if followed is not None and followed not in self.done:
                stack.append((followed, iter(self.files[followed].decls.imports), {}))
                trail.append(followed)


def load_workspace(
    roots: Iterable[str | Path], read: Callable[[str], str | SourceFile | None] | None = None,
    disk: Disk = DISK,
) -> LoadedWorkspace:
    """Load the root files (a folder means every *.mizan under it) and their imports.

    `read(path)` may supply a file's text (e.g. an editor's unsaved buffer) or
    a ready SourceFile (an editor session's incremental parse); when it
    returns None the file is read from `disk` (the disk, or a git
    revision's files in memory).
    """
    loader = _Loader(read, disk)
    paths = list(dict.fromkeys(path for root in roots for path in loader.root(root)))
    for path in paths:
        got = loader.load(path)
        if isinstance(got, Unreadable):
            loader.problem(got, path, path, Span(0, 0), path)
    for path in paths:
        if path in loader.files:
            loader.visit(path)
    return LoadedWorkspace(paths, loader.files, sorted(loader.diagnostics,
                                                       key=Diagnostic.sort_key))
