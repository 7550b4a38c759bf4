"""Both sides of a comparison loaded together, when neither is in the cache.

From scratch, `breaking` parses, lowers, checks and builds the IR of two
specs that usually differ in a few files. Here a file with the same text on
both sides is parsed and lowered once: the second side takes the first
side's lowered file under its own path. Then, when the files of the sides
sit alike, the second side is checked from the first side's check
(`reuse.py`). Else, when another core is idle, the two checks run at once:
a forked child checks the first side and sends back what the report needs
of it (its IR as JSON text and the file that declares each name; the
declarations themselves are too costly to send, and this process has them
already), while this process checks the second; otherwise (a busy machine,
no fork, a child that fails) one after the other here. Both are built as
plain IR data (`ir/plain.py`), not as models. Either way the report, and
which side's errors are reported, are the same as when each side is loaded
and checked on its own (tests/test_review_pair.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..records import replace
from .sides import Pending, Side, SideError

if TYPE_CHECKING:
    from ..workspace import LoadedWorkspace, SourceFile

Prepare = Callable[["Shared | None"], "Side | Pending"]


class Shared:
    """The files one side loaded, offered to the other by their text."""

    def __init__(self) -> None:
        self.free: dict[str, list[SourceFile]] = {}
        self.taken: dict[str, str] = {}  # a path of the second side -> the first side's

    def offer(self, workspace: LoadedWorkspace) -> None:
        for source in workspace.files.values():
            # A file with diagnostics is parsed again: they name its path.
            if not source.diagnostics and source.segments is None:
                self.free.setdefault(source.text, []).append(source)

    def reader(self, inner: Callable[[str], str | None] | None
               ) -> Callable[[str], str | SourceFile | None]:
        """A `read` for `load_workspace`: a file whose text was offered is
        taken (each offered file at most once), any other is read as usual."""
        from ..workspace import Unreadable, read_source

        def read(path: str) -> str | SourceFile | None:
            text = inner(path) if inner is not None else None
            if text is None:
                got = read_source(path)
                if isinstance(got, Unreadable) or got[1]:
                    return None  # the loader reads it again and reports why
                text = got[0]
            found = self.free.get(text)
            if not found:
                return text
            source = found.pop()
            self.taken[path] = source.path
            return replace(source, path=path, decls=replace(source.decls, path=path))

        return read


def load_pair(first: Prepare, second: Prepare, *, parallel: bool = True) -> tuple[Side, Side]:
    """The sides `first` and `second` prepare (each given what the other
    loaded before it), checked; a `SideError` of `first` comes before one of
    `second`, as when they are loaded one after the other."""
    shared = Shared()
    one = first(None)
    if isinstance(one, Pending):
        shared.offer(one.workspace)
    try:
        two = second(shared)
    except SideError:
        _done(one)  # its own errors come first
        raise
    if isinstance(one, Pending) and isinstance(two, Pending):
        from .reuse import same_places

        names = same_places(two.workspace, shared.taken)
        # Checked from the first side's check, the second side costs a tenth
        # of a check: less than what forking costs (see `idle_core`).
        if names is None and parallel and idle_core():
            return _at_once(one, two, shared)
        return _in_turn(one, two, shared, names)
    return _done(one), _done(two)


def _in_turn(one: Pending, two: Pending, shared: Shared,
             names: dict[str, str] | None) -> tuple[Side, Side]:
    from .reuse import in_turn

    return in_turn(one, two, shared.taken, names)


def idle_core() -> bool:
    """Whether another core is free for the child (the load average, over the
    last minute, leaves one). Forking costs ~0.5 s of CPU at 10,000 functions
    (pages copied on write, the IR sent as text and read back): won back only
    when the child runs beside this process, not instead of it."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on this system
        return False
    return cores >= 2 and load < cores - 0.5


def _done(side: Side | Pending) -> Side:
    # The report reads a side's IR as data: built plain, without the models.
    return side if isinstance(side, Side) else side.finish(plain=True)


def _at_once(one: Pending, two: Pending, shared: Shared) -> tuple[Side, Side]:
    child = _Child.start(one)
    if child is None:
        return _in_turn(one, two, shared, None)
    try:
        try:
            side_two: Side | SideError = _done(two)
        except SideError as err:
            side_two = err
        side_one = child.side()  # raises `one`'s SideError
    finally:
        child.reap()
    if side_one is None:  # the child failed: check here
        side_one = _done(one)
    if isinstance(side_two, SideError):
        raise side_two
    return side_one, side_two


class _Child:
    """A forked process checking one side; `side()` reads what it sent."""

    def __init__(self, pid: int, reading: int, pending: Pending) -> None:
        self.pid = pid
        self.reading = reading
        self.pending = pending

    @classmethod
    def start(cls, pending: Pending) -> _Child | None:
        if not hasattr(os, "fork"):
            return None
        reading, writing = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reading)
            os.close(writing)
            return None
        if pid == 0:  # the child: never returns
            os.close(reading)
            _serve(pending, writing)
        os.close(writing)
        return cls(pid, reading, pending)

    def side(self) -> Side | None:
        """The side the child checked (None when it failed to send it)."""
        import pickle

        with os.fdopen(self.reading, "rb") as pipe:
            self.reading = -1
            data = pipe.read()
        try:
            outcome = pickle.loads(data)
        except (pickle.UnpicklingError, EOFError):  # it died before it sent everything
            return None
        if outcome[0] == "errors":
            raise self.pending.failed(outcome[1])
        return _sent_side(self.pending, outcome[1], outcome[2])

    def reap(self) -> None:
        if self.reading >= 0:
            os.close(self.reading)
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _serve(pending: Pending, writing: int) -> None:
    """In the child: check, send the outcome, store it in the result cache, exit."""
    code = 1
    try:
        fresh = None
        outcome: tuple[object, ...]
        try:
            fresh = pending.checked(plain=True)
            from .locate import symbol_paths

            outcome = ("side", json.dumps(fresh.data), symbol_paths(fresh.result))
        except SideError as err:
            outcome = ("errors", err.diagnostics)
        import pickle

        with os.fdopen(writing, "wb") as pipe:
            pickle.dump(outcome, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        if fresh is not None and pending.keep is not None:
            pending.keep(fresh)
        code = 0
    finally:
        os._exit(code)  # nothing of the parent's (buffers, atexit) runs twice


def _sent_side(pending: Pending, text: str, symbols: dict[str, dict[str, str]]) -> Side:
    """The child's side from its IR text and symbol files, with this process's
    loaded files for locating changes."""
    from .index import from_data
    from .locate import StoredLocator

    files = pending.workspace.files
    show = pending.show
    texts = {path: source.text for path, source in files.items()}
    locate = StoredLocator(symbols, texts, show, files)
    return Side(pending.label, from_data(json.loads(text), valid=True),
                locate, {show(path): text for path, text in texts.items()})
