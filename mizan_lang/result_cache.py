"""An on-disk cache of check results, keyed by the workspace's file contents.

A cold `mizan-lang check` (or `ir`) of a workspace whose files did not change
since the last run answers from here instead of parsing and checking again.
An entry is found by the command's roots (normalised) and the tool's
fingerprint (its version plus the contents of every module of the package,
so an edited or upgraded checker never reads an older checker's results,
while a reinstall of the same code does). It is used only when it still describes the workspace exactly:

- a folder root still expands to the same list of `.mizan` files;
- every file the workspace loaded has the same bytes (a content hash);
- every import still resolves to the same file (symlinks are resolved again).

Workspaces with file problems (missing, unreadable or directory imports,
empty folders) are not stored: those results depend on what is absent from
the disk, which no hash of the loaded files covers. A missing, corrupt or
foreign entry is a miss, never an error: the caller checks from scratch.

Two other kinds of files live beside those entries: entries keyed by content
(`content_key`: a git revision's spec, named by its blob ids, for `breaking
--against`; a comparison's rendered report, `review/replay.py`), and blobs (`<hash>.blob`: large texts an entry refers to by
their content hash, such as a review side's declaration texts), verified
against that hash when read; and `<stamp>.tool`, the tool fingerprint of one
install (`tool_fingerprint`). Each kind keeps its newest MAX_ENTRIES files.

Where: `$MIZAN_CACHE_DIR`, else `$XDG_CACHE_HOME/mizan-lang/results`, else
`~/.cache/mizan-lang/results`. `MIZAN_CACHE=off` (or `check --no-cache`)
turns it off. Entries are JSON (never pickle: a cache directory must not be
a way to run code).
"""

from __future__ import annotations

import os
from _thread import get_ident  # `threading` is not imported before `initialize` is answered
from itertools import count

from . import lean_json

# Only what `mizan-lang lsp` needs to answer `initialize` is imported here
# (lsp_boot computes the key of that answer's record before anything else):
# typing and dataclasses are imported where they are used, files are written
# without `tempfile` (`_write_file`), and JSON goes through `lean_json`
# (importing `json` costs ~4 M instructions).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .diagnostics import Diagnostic
    from .paths import LoadedWorkspace

try:  # the built-in module: hashlib would load OpenSSL first (~5-10 ms at start-up)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - interpreters without it
    from hashlib import blake2b

FORMAT = 1
MAX_ENTRIES = 64  # oldest entries are removed beyond this many
# Workspace diagnostics that depend on files being absent or unreadable.
_UNCACHEABLE = frozenset({"M001", "M002", "M004", "M007"})


def enabled() -> bool:
    return os.environ.get("MIZAN_CACHE", "").strip().lower() not in ("off", "0", "no", "false")


def cache_dir() -> str:
    configured = os.environ.get("MIZAN_CACHE_DIR")
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "mizan-lang", "results")


_fingerprint: dict[bool, str] = {}  # by `enabled()`: with the cache off, the stamp alone


def tool_fingerprint() -> str:
    """The checker's identity in every key here: a digest of the version and of
    the contents of every module of the package (in a source checkout, also of
    the top-level folders it imports as subpackages, not of everything else
    beside them).

    Reading ~180 modules at every start would cost more than some cached
    answers save, so the contents' digest is remembered in the cache folder
    under a digest of the modules' (path, size, mtime) stamps. A reinstall of
    the same code gets new mtimes (pip writes files with the time of install),
    and often another folder (a fresh CI runner, a new venv): it reads the
    modules once and then finds the entries the previous install wrote."""
    on = enabled()
    found = _fingerprint.get(on)
    if found is None:
        from . import __version__

        stamps: list[tuple[str, str, int, int]] = []
        for root, folder in _module_folders():
            _stamps(folder, root, stamps)
        digest = blake2b(__version__.encode(), digest_size=16)
        digest.update("".join(f"{path}:{size}:{mtime};" for path, _, size, mtime in stamps)
                      .encode("utf-8", "surrogateescape"))
        stamp = digest.hexdigest()
        # A process that turns the cache on after a first answer with it off
        # (tests do) must not keep the stamp: other processes key by the contents.
        found = _fingerprint[on] = _contents_digest(stamp, stamps) if on else stamp
    return found


def _module_folders() -> list[tuple[str, str]]:
    """(the folder names are relative to, folder) of the package's code."""
    from . import CHECKOUT_PACKAGES
    from . import __path__ as package_path

    package = package_path[0]
    found = [(os.path.dirname(package), package)]
    for checkout in package_path[1:]:
        found += [(checkout, os.path.join(checkout, name)) for name in CHECKOUT_PACKAGES]
    return found


def _contents_digest(stamp: str, stamps: list[tuple[str, str, int, int]]) -> str:
    """The version plus every module's name (relative) and bytes, remembered under
    `stamp`; `stamp` itself when a module cannot be read."""
    from . import __version__

    memo = os.path.join(cache_dir(), stamp + ".tool")
    try:
        with open(memo, encoding="ascii") as handle:
            known = handle.read()
        if len(known) == 32 and not known.strip("0123456789abcdef"):
            return known
    except (OSError, ValueError):
        pass
    digest = blake2b(__version__.encode(), digest_size=16)
    try:
        for path, name, _, _ in stamps:
            with open(path, "rb") as handle:
                data = handle.read()
            digest.update(f"{name}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
            digest.update(data)
    except OSError:
        return stamp
    known = digest.hexdigest()
    try:
        _write_file(memo, known.encode("ascii"))
    except OSError:  # a read-only or full disk: computed again next time
        pass
    return known


def _stamps(folder: str, root: str, into: list[tuple[str, str, int, int]]) -> None:
    """(path, path relative to `root`, size, mtime) of each module under `folder`,
    as `os.walk` goes (files by name, then each folder by name, hidden and `__`
    folders and links to folders skipped), from one `scandir` a folder: the
    fingerprint is computed before a language server answers `initialize`
    (~180 files: 5.1 -> 3 M instructions)."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=_name)
    except OSError:
        return
    subfolders = []
    for entry in entries:
        name = entry.name
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if not name.startswith((".", "__")) and not entry.is_symlink():
                subfolders.append(entry.path)
        elif name.endswith((".py", ".lark")):
            try:
                info = entry.stat()
            except OSError:
                continue
            path = entry.path  # `folder` + "/" + name, and `folder` starts with `root`
            into.append((path, path[len(root) + 1:], info.st_size, info.st_mtime_ns))
    for subfolder in subfolders:
        _stamps(subfolder, root, into)


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def content_hash(data: bytes) -> str:
    return blake2b(data, digest_size=20).hexdigest()


class Entry:
    """A stored result: the diagnostics (as JSON objects), the file count, and
    the texts of the files (read while validating, for rendering)."""

    __slots__ = ("diagnostics", "file_count", "ir", "key", "raw", "texts")

    def __init__(self, key: str, diagnostics: list[Diagnostic], file_count: int,
                 texts: dict[str, str] | None = None, ir: dict[str, str] | None = None,
                 raw: dict[str, Any] | None = None) -> None:
        self.key = key
        self.diagnostics = diagnostics
        self.file_count = file_count
        self.texts = {} if texts is None else texts
        self.ir = {} if ir is None else ir  # format -> IR text
        self.raw = {} if raw is None else raw


def _key(roots: list[str]) -> str:
    from .paths import normalise

    text = lean_json.dumps([FORMAT, tool_fingerprint(), [normalise(r) for r in roots]])
    return blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def _entry_path(key: str) -> str:
    return os.path.join(cache_dir(), key + ".json")


def _expand(roots: list[str]) -> list[str]:
    from .paths import mizan_files, normalise

    found: list[str] = []
    for root in roots:
        path = normalise(root)
        found.extend(mizan_files(path) if os.path.isdir(path) else [path])
    return list(dict.fromkeys(found))


def lookup(roots: list[str]) -> Entry | None:
    """The stored result of checking `roots`, if it still holds; else None."""
    if not enabled():
        return None
    try:
        key = _key(roots)
        with open(_entry_path(key), "rb") as handle:
            raw = lean_json.loads(handle.read())
        return _validate(key, roots, raw)
    except Exception:  # missing, unreadable, corrupt, foreign: check from scratch
        return None


def _validate(key: str, roots: list[str], raw: Any) -> Entry | None:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or raw.get("key") != key:
        return None
    if raw.get("tool") != tool_fingerprint():
        return None
    texts = files_hold(roots, raw)
    if texts is None:
        return None
    diagnostics = [_diagnostic_from(item) for item in raw["diagnostics"]]
    ir = raw.get("ir") or {}
    return Entry(key, diagnostics, int(raw["file_count"]), texts,
                 {k: v for k, v in ir.items() if isinstance(v, str)}, raw)


def files_hold(roots: list[str], raw: Any) -> dict[str, str] | None:
    """The texts of the files `raw` records (its "roots", "files" and
    "targets", as `prepare` makes them), when `roots` still expand to the same
    files, each with the same bytes, and every import still resolves alike;
    else None."""
    from .paths import key_in
    from .source import decode_source

    if raw.get("roots") != _expand(roots):
        return None
    texts: dict[str, str] = {}
    for path, digest in raw["files"].items():
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        if content_hash(data) != digest:
            return None
        texts[path] = decode_source(data)[0]
    for folder, written, target in raw["targets"]:
        if key_in(folder, written) != target:
            return None
    return texts


def _diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "code": diagnostic.code,
        "severity": str(getattr(diagnostic.severity, "value", diagnostic.severity)),
        "message": diagnostic.message,
        "span": [diagnostic.span.start, diagnostic.span.end],
        "path": diagnostic.path,
        "related": [[r.path, r.span.start, r.span.end, r.message] for r in diagnostic.related],
        "data": diagnostic.data,
    }


def _diagnostic_from(item: dict[str, Any]) -> Diagnostic:
    from .diagnostics import Diagnostic, Related, Severity
    from .source import Span

    def text(value: object) -> str:
        if not isinstance(value, str):
            raise TypeError("not a string")
        return value

    def offset(value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError("not an offset")
        return value

    start, end = item["span"]
    data = item["data"]
    if not isinstance(data, dict):
        raise TypeError("not an object")
    return Diagnostic(
        code=text(item["code"]), severity=Severity(item["severity"]),
        message=text(item["message"]), span=Span(offset(start), offset(end)),
        path=text(item["path"]),
        related=[Related(text(path), Span(offset(a), offset(b)), text(message))
                 for path, a, b, message in item["related"]],
        data=data)


def _targets(ws: LoadedWorkspace) -> list[list[str]] | None:
    """(folder, written path, resolved file) of every import the workspace followed."""
    from .paths import key_in

    found = []
    for path, source in ws.files.items():
        folder = os.path.dirname(path)
        for imp in source.decls.imports if source.decls is not None else ():
            found.append([folder, imp.path, key_in(folder, imp.path)])
    return found


def store(roots: list[str], ws: LoadedWorkspace, diagnostics: list[Diagnostic],
          ir: dict[str, str] | None = None) -> Entry | None:
    """Remember the result of checking `roots` (a no-op when it cannot be cached).
    Returns the entry a lookup would now find (None when nothing was stored)."""
    entry = prepare(roots, ws, diagnostics, ir)
    return entry if entry is not None and keep(entry) else None


def prepare(roots: list[str], ws: LoadedWorkspace, diagnostics: list[Diagnostic],
            ir: dict[str, str] | None = None) -> Entry | None:
    """The entry `store` would write (None when it cannot be cached), not written
    yet: the language server publishes it first, then `keep`s it."""
    if not enabled():
        return None
    try:
        return _prepare(roots, ws, diagnostics, ir or {})
    except Exception:  # an unreadable file must not fail the command
        return None


def keep(entry: Entry) -> bool:
    """Write a prepared entry; False when it could not be written."""
    try:
        _write(entry.key, entry.raw)
    except Exception:  # a read-only or full disk must not fail the command
        return False
    return True


def _prepare(roots: list[str], ws: LoadedWorkspace, diagnostics: list[Diagnostic],
             ir: dict[str, str]) -> Entry | None:
    if not cacheable(ws):
        return None
    items = [_diagnostic_json(d) for d in diagnostics]
    # Only what survives JSON unchanged (quick-fix data is plain JSON today).
    if lean_json.loads(lean_json.dumps(items)) != items:
        return None
    files = {}
    texts = {}
    for path, source in ws.files.items():
        # The text the workspace checked, as the bytes on disk now: a file
        # edited during the check gets another hash, so the entry never matches.
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        from .source import decode_source

        if decode_source(data)[0] != source.text:
            return None
        files[path] = content_hash(data)
        texts[path] = source.text
    key = _key(roots)
    raw = {"format": FORMAT, "key": key, "tool": tool_fingerprint(), "roots": _expand(roots),
           "files": files, "targets": _targets(ws), "file_count": len(ws.files),
           "diagnostics": items, "ir": ir}
    return Entry(key, [_diagnostic_from(item) for item in items], len(ws.files), texts,
                 dict(ir), raw)


def cacheable(ws: LoadedWorkspace) -> bool:
    """Whether a workspace's result depends only on the files it loaded."""
    return not any(d.code in _UNCACHEABLE for d in ws.diagnostics)


# --- entries keyed by content ------------------------------------------------------
# For inputs that are not files on disk (a git revision's blobs): the caller
# names the content (blob ids, paths) and the entry is found by that name and
# the tool's fingerprint alone; nothing on disk is compared.


def content_key(parts: object) -> str:
    import json

    text = json.dumps([FORMAT, "content", tool_fingerprint(), parts], sort_keys=True)
    return blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def lookup_content(key: str) -> str | None:
    """The text stored under a content key, or None."""
    import json

    if not enabled():
        return None
    try:
        with open(_entry_path(key), "rb") as handle:
            raw = json.loads(handle.read())
        if raw.get("format") != FORMAT or raw.get("key") != key or (
                raw.get("tool") != tool_fingerprint()):
            return None
        data = raw["content"]
        return data if isinstance(data, str) else None
    # Missing, unreadable, corrupt, foreign: compute again.
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def store_content(key: str, text: str) -> None:
    if not enabled():
        return
    try:
        _write(key, {"format": FORMAT, "key": key, "tool": tool_fingerprint(), "content": text})
    except OSError:  # a read-only or full disk must not fail the command
        return


# Large texts an entry refers to by their content hash (`<hash>.blob`): read
# only by the entries that name them, verified against the hash when read.


def store_blob(data: bytes) -> str | None:
    """Keep `data`; its name (None when it could not be written)."""
    if not enabled():
        return None
    try:
        name = content_hash(data)
        path = os.path.join(cache_dir(), name + ".blob")
        if os.path.exists(path):
            os.utime(path)  # kept longer: pruning removes the oldest first
        else:
            _write_file(path, data)
        return name
    except OSError:  # a read-only or full disk: nothing kept
        return None


def read_blob(name: str) -> bytes | None:
    """The data stored under `name`, or None when it is missing or damaged."""
    try:
        with open(os.path.join(cache_dir(), name + ".blob"), "rb") as handle:
            data = handle.read()
    except (OSError, ValueError, TypeError):
        return None
    return data if content_hash(data) == name else None


def add_ir(entry: Entry, fmt: str, text: str) -> None:
    """Add the IR in one format to an entry that was just validated."""
    if not enabled():
        return
    try:
        raw = dict(entry.raw)
        raw["ir"] = {**(raw.get("ir") or {}), fmt: text}
        _write(entry.key, raw)
    except Exception:
        pass


def _write(key: str, raw: dict[str, Any]) -> None:
    data = lean_json.dumps(raw, ensure_ascii=False).encode(
        "utf-8", "surrogateescape")
    _write_file(_entry_path(key), data)


_part_numbers = count()  # `next` on it is atomic: no two writes of a thread share a name
_EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _write_file(path: str, data: bytes) -> None:
    """Write every file of the cache: whole or not at all. The bytes go to a
    temporary file of the same folder (named by process, thread and a
    counter, created exclusively, private as `tempfile.mkstemp` makes them:
    importing `tempfile` costs ~4 ms of a language server's first start),
    then renamed over `path`. Raises OSError, leaving no temporary file."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    for _ in range(100):
        temp = os.path.join(folder, f".tmp-{os.getpid()}-{get_ident()}-{next(_part_numbers)}.part")
        try:
            handle = os.open(temp, _EXCLUSIVE, 0o600)
            break
        except FileExistsError:  # left by a process that had this id: another name
            continue
    else:
        raise FileExistsError(f"no free temporary name in '{folder}'")
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view):]
        finally:
            os.close(handle)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    _prune(folder)


def _prune(folder: str) -> None:
    for suffix in (".json", ".blob", ".tool"):
        entries = [e for e in os.scandir(folder) if e.name.endswith(suffix)
                   and not e.name.startswith(".")]
        if len(entries) <= MAX_ENTRIES:
            continue
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for entry in entries[: len(entries) - MAX_ENTRIES]:
            try:
                os.unlink(entry.path)
            except OSError:
                pass
