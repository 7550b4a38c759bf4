"""Both sides of a comparison loaded together, unless both are in the cache.

From scratch, `breaking` parses, lowers, checks and builds the IR of two
specs that usually differ in a few files. Here a file with the same text on
both sides is parsed and lowered once: the second side takes the first
side's lowered file under its own path. Then, when the files of the sides
sit alike, the second side is checked from the first side's check
(`reuse.py`); else each is checked on its own. Both IRs are plain data
(`ir/plain.py`), each declaration built only when the comparison reads it
(`ir/lazy.py`). Either way the report, and which side's errors are
reported, are the same as when each side is loaded and checked on its own
(tests/test_review_pair.py).

Checking the first side in a forked child while this process checked the
second was tried and removed: the child had to send the whole IR back, and
reading it here cost this process as much as checking that side itself
(1.54-1.67 s of this process's CPU forked against 1.61 s one side after the
other, at 10,000 functions where the sides cannot share a check).
"""

from __future__ import annotations

from collections.abc import Callable

from .. import result_cache
from ..records import replace
from .sides import Pending, Side, SideError

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from ..workspace import LoadedWorkspace, SourceFile

# A side's loader: given what the other side loaded (or None), and whether
# the result cache may answer (`prepare` and `prepare_git` with `cache`).
Prepare = Callable[..., "Side | Pending"]


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


def load_pair(first: Prepare, second: Prepare) -> tuple[Side, Side]:
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
    # One side from the result cache and the other not: comparing them would
    # make every canonical text of the other (~0.4 s at 10,000 functions, its
    # index), which costs more than loading the cached side again beside it,
    # sharing its unchanged files and check (~0.1 s).
    if isinstance(one, Side) and one.cached and isinstance(two, Pending):
        shared = Shared()
        shared.offer(two.workspace)
        again = first(shared, False)
        if isinstance(again, Pending):
            from .reuse import in_turn, same_places

            if two.keep is not None and result_cache.enabled():
                two.partner = again.identity()
            two, one = in_turn(two, again, shared.taken,
                               same_places(again.workspace, shared.taken))
            return one, two
    elif isinstance(two, Side) and two.cached and isinstance(one, Pending):
        two = second(shared, False)
    if isinstance(one, Pending) and isinstance(two, Pending):
        # Each side is stored marked with the other's contents (~5 ms at 10,000
        # functions to hash them): only a side that is stored needs the mark.
        if result_cache.enabled():
            if one.keep is not None:
                one.partner = two.identity()
            if two.keep is not None:
                two.partner = one.identity()
        from .reuse import in_turn, same_places

        return in_turn(one, two, shared.taken, same_places(two.workspace, shared.taken))
    return _done(one), _done(two)


def _done(side: Side | Pending) -> Side:
    # The report reads a side's IR as data: built plain, without the models.
    return side if isinstance(side, Side) else side.finish(plain=True)
