"""An editor session: open documents, workspace folders, and fresh analyses.

The language server (lsp/) forwards document events here and asks for an
`Analysis` when it needs one. Nothing here knows LSP types: positions are
character offsets, paths are normalised file paths.

Speed comes from caching at three levels:
- each open document is an IncrementalDocument: an edit re-parses only the
  top-level chunk it touched, and each chunk's lowering is kept with it
  (until its first edit, or `Session.warm`, a document is read whole, as
  `check` reads it: its first diagnostics cost no more than `check`'s);
- files on disk are read once and cached until a watched-file event says
  they changed (their parse is cached by content in `workspace.load_file`);
- a unit (a workspace folder, or a lone file) is re-checked only when one of
  its files changed since its last analysis.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from .. import result_cache
from ..check import check
from ..check.result import CheckResult
from ..check.state import CheckCache
from ..diagnostics import Diagnostic
from ..kdl.incremental import IncrementalDocument, Segment
from ..lower import KeptPart, LoweredPart, assemble, lower_part, merge_parts
from ..perf import paused_gc
from ..source import LineIndex, anchored
from ..workspace import (
    EXTENSION,
    Disk,
    LoadedWorkspace,
    SourceFile,
    build_file,
    load_workspace,
    mizan_files,
    normalise,
    read_source,
)
from .index import Index, IndexCache, build_index
from .provisional import provisional_result


@dataclass(slots=True)
class OpenDocument:
    """An open document. Until it is first edited (or `Session.warm` runs) it is
    read whole, as `check` reads a file: a large document's first diagnostics do
    not wait for the incremental parse (`doc`), which only edits need."""

    path: str
    version: int
    plain: str  # the text while `doc` is None
    doc: IncrementalDocument | None = None
    source: SourceFile | None = None  # built lazily for the current text
    lines: LineIndex | None = None  # of the current text, when the editor's edits made one

    @property
    def text(self) -> str:
        return self.doc.text if self.doc is not None else self.plain

    def incremental(self, text: str | None = None,
                    edit: tuple[int, int] | None = None) -> IncrementalDocument:
        """The incremental parse, made now if there is none (of `text`, when given:
        the new text of a first edit, rather than the old one and then the edit;
        `edit`: the range of the old text it replaced, when known)."""
        if self.doc is None:
            self.doc = IncrementalDocument(self.plain if text is None else text)
            self.plain = ""
        elif text is not None:
            self.doc.update(text, edit)
        return self.doc


class Analysis:
    """One checked unit: its result, its files and (built on first use) the name index."""

    provisional = False  # True: not checked, see `Session.provisional_for`

    def __init__(self, result: CheckResult, files: dict[str, SourceFile],
                 versions: dict[str, int], cache: IndexCache) -> None:
        self.result = result
        self.files = files
        self.versions = versions  # open documents' versions this analysis saw
        self._cache = cache
        self._index: Index | None = None
        self.memo: dict[str, object] = {}  # per-analysis caches of features (symbols, ...)

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = build_index(self.result, self._cache)
        return self._index

    def diagnostics_by_file(self) -> dict[str, list[Diagnostic]]:
        found: dict[str, list[Diagnostic]] = {path: [] for path in self.files}
        for diag in self.result.diagnostics:
            found.setdefault(diag.path, []).append(diag)
        return found


@dataclass(slots=True)
class _Unit:
    roots: list[str]  # files (a folder is expanded once, then kept up to date)
    folder: str | None
    analysis: Analysis | None = None
    dirty: bool = True
    unpublished: bool = False  # re-analysed since `dirty_analyses` last handed it out
    index_cache: IndexCache = field(default_factory=IndexCache)
    check_cache: CheckCache = field(default_factory=CheckCache)
    # The analysis that was current when something other than an edit to an open
    # document (open, close, files on disk, folders) touched the unit: until a newer
    # analysis exists, no provisional answer (`Session.provisional_for`) is sound.
    stale_base: Analysis | None = None
    provisional: tuple[object, Analysis, bool] | None = None  # (key, analysis, exact)
    # Record the next analysis in the on-disk result cache (`result_cache`): the
    # first one, and after changes that did not come from editing (files on disk,
    # saves), so a later server start can publish it before checking.
    record_due: bool = True


def _lower_segment(path: str, segment: Segment) -> LoweredPart:
    """A segment's declarations, kept with it; its chunks are lowered once each."""
    found = segment.derived.get("lower")
    if found is None:
        parts: list[KeptPart] = []
        for chunk in segment.chunks:
            part = chunk.derived.get("lower")
            if part is None:
                with anchored(chunk.anchor):
                    part = KeptPart(lower_part(chunk.nodes, path))
                chunk.derived["lower"] = part
            parts.append(part)  # type: ignore[arg-type]
        found = segment.derived["lower"] = merge_parts(parts, path)
    return found  # type: ignore[return-value]


def source_from_document(path: str, doc: IncrementalDocument,
                         lines: LineIndex | None = None) -> SourceFile:
    """The SourceFile of an open document, re-lowering only the chunks that changed.

    Work is per segment (a run of chunks, see `kdl.incremental`): a segment
    the edits did not touch hands over its declarations, nodes and
    diagnostics as they were, and the checker replays it (`check.state`)."""
    parts = [_lower_segment(path, segment) for segment in doc.segments]
    result = doc.result()
    decls, lowered = assemble(parts, result.document.nodes, path)
    found = [replace(d, path=path) for d in result.diagnostics] + lowered
    found.sort(key=Diagnostic.sort_key)
    segments = [(segment.key, part.decls) for segment, part in zip(doc.segments, parts,
                                                                    strict=True)]
    if lines is None or lines.text is not doc.text:
        lines = LineIndex(doc.text)
    return SourceFile(path, doc.text, lines, result, decls, found, segments)


def _record(unit: _Unit, workspace: LoadedWorkspace, result: CheckResult) -> None:
    """Store the analysis as the result of checking the unit's roots, when it is
    one: the folder's files are those on disk, and (checked by the cache) every
    file's text is the one on disk (no unsaved edits)."""
    if unit.folder is not None:
        if unit.roots != mizan_files(unit.folder):
            return
        roots = [unit.folder]
    else:
        roots = list(unit.roots)
    result_cache.store(roots, workspace, result.diagnostics)


class _KnownDisk(Disk):
    """The disk as a session knows it, kept current by watched-file events as its
    cached texts are: a unit's roots are file keys already, and a file it holds
    the text of is not a folder. Re-resolving every file's links on each
    keystroke (an lstat per part of its path) took ~5 ms at 100 files."""

    def __init__(self, keys: set[str], texts: dict[str, str | None]) -> None:
        self.keys = keys
        self.texts = texts

    def key(self, path: str) -> str:
        return path if path in self.keys else super().key(path)

    def key_in(self, folder: str, written: str) -> str:
        path = os.path.join(folder, written)
        return path if path in self.keys else super().key_in(folder, written)

    def is_dir(self, path: str) -> bool:
        return self.texts.get(path) is None and super().is_dir(path)


@dataclass
class Session:
    folders: list[str] = field(default_factory=list)
    documents: dict[str, OpenDocument] = field(default_factory=dict)
    _disk: dict[str, str | None] = field(default_factory=dict)
    _units: dict[str, _Unit] = field(default_factory=dict)

    # --- folders and files ---------------------------------------------------
    def set_folders(self, folders: list[str]) -> None:
        self.folders = sorted({normalise(folder) for folder in folders})
        self._units = {}
        for folder in self.folders:
            files = mizan_files(folder)
            self._units[folder] = _Unit(files, folder)
        for path in self.documents:  # open files outside every folder keep their own unit
            self._unit_for(path)

    def unit_key(self, path: str) -> str:
        """The folder a file belongs to (the deepest one), or the file itself."""
        best = ""
        for folder in self.folders:
            if (path == folder or path.startswith(folder.rstrip("/") + "/")) and len(folder) > len(best):
                best = folder
        return best or path

    def _unit_for(self, path: str) -> _Unit:
        key = self.unit_key(path)
        unit = self._units.get(key)
        if unit is None:
            unit = self._units[key] = _Unit([path], None)
        elif unit.folder is not None and path.endswith(EXTENSION) and path not in unit.roots:
            unit.roots = sorted([*unit.roots, path])
        return unit

    def _touch(self, path: str, edit: bool = False) -> None:
        """Mark every unit that contains `path` (or may import it) for re-analysis."""
        for unit in self._units.values():
            if unit.analysis is None or path in unit.analysis.files or path in unit.roots:
                unit.dirty = True
                if not edit:
                    unit.stale_base = unit.analysis
                    unit.record_due = True

    # --- document events -----------------------------------------------------
    def open(self, path: str, text: str, version: int) -> None:
        path = normalise(path)
        self.documents[path] = OpenDocument(path, version, text)
        self._unit_for(path)
        self._touch(path)

    def change(self, path: str, text: str, version: int, lines: LineIndex | None = None,
               edit: tuple[int, int] | None = None) -> None:
        """A new text of an open document (`lines`: its line index, if one is at hand;
        `edit`: the range [start, end) of the old text that was replaced, if known)."""
        path = normalise(path)
        document = self.documents.get(path)
        if document is None:
            self.open(path, text, version)
            return
        document.incremental(text, edit)
        document.version = version
        document.source = None
        document.lines = lines
        self._touch(path, edit=True)

    def close(self, path: str) -> None:
        path = normalise(path)
        self.documents.pop(path, None)
        self._disk.pop(path, None)
        key = self.unit_key(path)
        unit = self._units.get(key)
        if unit is not None and unit.folder is None:
            del self._units[key]  # a lone file's unit ends with its editor
        elif unit is not None and not os.path.isfile(path):
            unit.roots = [root for root in unit.roots if root != path]  # never saved
        self._touch(path)

    def files_changed(self, created: list[str], changed: list[str], deleted: list[str]) -> None:
        """Files changed on disk (watched-file events from the editor; paths as
        the editor names them, links not resolved)."""
        relist = False
        for written in created + changed + deleted:
            path = normalise(written)
            self._disk.pop(path, None)
            unit = self._units.get(self.unit_key(path))
            if not self._plain_event(written, path, unit):
                relist = True
                continue
            if path.endswith(EXTENSION) and unit is not None and unit.folder is not None:
                roots = set(unit.roots)
                roots.add(path) if os.path.isfile(path) else roots.discard(path)
                unit.roots = sorted(roots)
            self._touch(path)
        if relist:
            self._relist()

    def _plain_event(self, written: str, path: str, unit: _Unit | None) -> bool:
        """Whether an event is about a file of one folder only, with no link involved:
        not a link itself, and inside a folder that does not list it through a link
        elsewhere (a link's key is its target's). Else the folders are listed again
        (`_relist`)."""
        if os.path.islink(written):
            return False  # where it pointed before is unknown
        if not path.endswith(EXTENSION):
            return True
        if unit is None or unit.folder is None:
            return False  # outside every folder: a link's target, maybe
        if not os.path.lexists(path) and path not in unit.roots:
            return False  # gone, and not a root: a link, maybe
        return not any(other is not unit and other.folder is not None and path in other.roots
                       for other in self._units.values())

    def _relist(self) -> None:
        """Links changed: list every folder again, and check every unit again."""
        for key, unit in self._units.items():
            if unit.folder is not None:
                unit.roots = sorted({*mizan_files(unit.folder),
                                     *(p for p in self.documents
                                       if p.endswith(EXTENSION) and self.unit_key(p) == key)})
        for unit in self._units.values():
            unit.dirty = True
            unit.stale_base = unit.analysis
            unit.record_due = True

    # --- analysis ------------------------------------------------------------
    def _read(self, path: str) -> str | SourceFile | None:
        document = self.documents.get(path)
        if document is not None:
            if document.source is None:
                if document.doc is None:  # read whole, as `check` does (not kept in its LRU)
                    document.source = build_file(path, document.plain)
                else:
                    document.source = source_from_document(path, document.doc, document.lines)
            return document.source
        if path not in self._disk:
            got = read_source(path)
            self._disk[path] = got[0] if isinstance(got, tuple) and not got[1] else None
        return self._disk[path]

    def analysis_for(self, path: str) -> Analysis:
        """The up-to-date analysis of the unit that holds `path`."""
        unit = self._unit_for(normalise(path))
        return self._refresh(unit)

    def _refresh(self, unit: _Unit) -> Analysis:
        if unit.analysis is None or unit.dirty:
            # The analysis lives until the next edit and is mostly acyclic:
            # keep it out of the cycle collector's way, so a collection never
            # walks the whole workspace in the middle of a keystroke
            # (reference counting still frees it when it is replaced).
            with paused_gc(freeze=True):
                disk = _KnownDisk(set(unit.roots), self._disk)
                workspace = load_workspace(unit.roots, read=self._read, disk=disk)
                result = check(workspace, unit.check_cache)
            versions = {p: d.version for p, d in self.documents.items() if p in workspace.files}
            unit.analysis = Analysis(result, workspace.files, versions, unit.index_cache)
            unit.dirty = False
            unit.unpublished = True
            if unit.record_due:
                unit.record_due = False
                _record(unit, workspace, result)
        return unit.analysis

    def cold(self) -> bool:
        """Whether an open document has no incremental parse yet (see `warm`)."""
        return any(document.doc is None for document in self.documents.values())

    def warm(self) -> None:
        """Make the incremental parse of the documents read whole so far, and check
        their units with it, so that the next edit is re-checked incrementally.

        The language server calls this when idle after publishing the first
        diagnostics. The result equals the one already published (the
        incremental check equals a full one), so a unit that was up to date is
        not handed out for publishing again."""
        cold = [document for document in self.documents.values() if document.doc is None]
        if not cold:
            return
        # Units already checked and not due for a check anyway: (unit, publish due).
        current = [(unit, unit.unpublished) for unit in self._units.values()
                   if unit.analysis is not None and not unit.dirty]
        # The whole-file analysis goes before the incremental state is made: made
        # beside it, the new objects would fill the heap around the old ones, and
        # freeing those later would leave the process ~40% larger. Requests
        # meanwhile wait for the check (no provisional answer without an analysis).
        for unit, _ in current:
            if any(document.path in unit.analysis.files for document in cold):
                unit.analysis = None
                unit.provisional = None
                unit.check_cache.clear()
        for document in cold:
            document.source = None
        for document in cold:
            document.incremental()
            self._touch(document.path, edit=True)
        for unit, unpublished in current:
            if unit.dirty or unit.analysis is None:
                self._refresh(unit)
                unit.unpublished = unpublished

    # --- provisional analyses (answers while a check is due) -------------------
    def provisional_for(self, path: str, exact: bool) -> Analysis | None:
        """An analysis to answer a request about `path` at once, without checking.

        The unit's current analysis when it is up to date; while its check is due
        (or running), the last finished analysis with the fresh declarations of the
        open documents edited since (see `provisional.py`). With `exact`, only if it
        equals what the check will find; else its names and declarations are exact
        but derived facts (scopings, effective auth) may be stale. None: not sound
        now (no analysis yet, files changed on disk, imports edited, ...).
        """
        unit = self._units.get(self.unit_key(normalise(path)))
        if unit is None or unit.analysis is None:
            return None
        with paused_gc():  # short-lived objects only: no reason to scan the heap
            return self._provisional(unit, unit.analysis, exact)

    def _provisional(self, unit: _Unit, base: Analysis, exact: bool) -> Analysis | None:
        if not unit.dirty:
            unit.provisional = None
            return base
        if unit.stale_base is base:
            return None
        edited = sorted(p for p, d in self.documents.items()
                        if p in base.files and base.versions.get(p) != d.version)
        key = (base, tuple((p, self.documents[p].version) for p in edited))
        if unit.provisional is None or unit.provisional[0] != key:
            unit.provisional = None
            fresh = {p: self._read(p) for p in edited}
            if not all(isinstance(f, SourceFile) for f in fresh.values()):
                return None
            found = provisional_result(base.result, {p: f.decls for p, f in fresh.items()})
            if found is None:
                return None
            files = {**base.files, **fresh}
            versions = {p: d.version for p, d in self.documents.items() if p in files}
            analysis = Analysis(found.result, files, versions, unit.index_cache)
            analysis.provisional = True
            unit.provisional = (key, analysis, found.exact)
        _, analysis, is_exact = unit.provisional
        return analysis if is_exact or not exact else None

    def holds(self, path: str) -> bool:
        """Whether a current analysis includes the file (False once it was closed
        unsaved, deleted, or its folder left the workspace)."""
        return any(unit.analysis is not None and path in unit.analysis.files
                   for unit in self._units.values())

    def dirty_analyses(self) -> list[Analysis]:
        """Analyses not handed out here yet: every dirty unit's, re-analysed now, and
        those a request re-analysed meanwhile (their diagnostics are still due)."""
        found = []
        for unit in list(self._units.values()):
            analysis = self._refresh(unit)
            if unit.unpublished:
                unit.unpublished = False
                found.append(analysis)
        return found

    def source(self, path: str) -> SourceFile | None:
        path = normalise(path)
        analysis = self.analysis_for(path)
        return analysis.files.get(path)
