"""A git revision's `.mizan` files, read into memory (`breaking --against`).

Two git processes in the usual case: `ls-tree -r` lists the revision's files
and `cat-file --batch` reads those the working tree does not hold unchanged.
The repository's top folder is found by looking for `.git` upwards; `git
rev-parse` runs only when the environment or the repository's configuration
may place it elsewhere, and to explain a failure. Nothing is written to
disk: the workspace loader reads the files through `RevisionDisk`, under a
folder of its own (`base`) that is never looked for on disk, so a file
missing from the revision is missing, never the working tree's file of that
name.
"""

from __future__ import annotations

import os
from stat import S_ISREG

from ..paths import EXTENSION, normalise
from ..workspace import Disk, Unreadable, decode_file

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from ..diagnostics import Diagnostic

_LINK = b"120000"  # a symbolic link's mode in a git tree
_MAX_LINKS = 40  # links followed while resolving one path, as Linux's ELOOP
# Variables that move a repository or its working tree away from the `.git` found upwards.
_GIT_PLACES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_CEILING_DIRECTORIES",
               "GIT_DISCOVERY_ACROSS_FILESYSTEM")


class GitError(Exception):
    """A git command failed: the last line it wrote, or why it could not run."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def git(args: list[str], cwd: str, stdin: bytes | None = None) -> bytes:
    import subprocess  # only for a revision: ~4 ms of imports

    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              check=False)
    except OSError as err:
        raise GitError(f"cannot run git: {err.strerror}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(detail[-1] if detail else f"git {args[0]} failed")
    return done.stdout


def show_toplevel(folder: str) -> str:
    """The top folder of the repository holding `folder`, as git finds it."""
    out = git(["rev-parse", "--show-toplevel"], folder)
    return os.path.realpath(out.decode("utf-8").strip())


def find_toplevel(folder: str) -> str | None:
    """The folder holding the nearest `.git` above `folder` (itself included),
    when git would find the repository there too; None when not known
    without asking git."""
    if any(name in os.environ for name in _GIT_PLACES):
        return None
    here = os.path.realpath(folder)
    while True:
        dot_git = os.path.join(here, ".git")
        if os.path.isfile(dot_git):  # a linked worktree or a submodule
            return here
        if os.path.isdir(dot_git):
            try:
                with open(os.path.join(dot_git, "config"), "rb") as handle:
                    config = handle.read().lower()
            except OSError:
                return None
            # core.worktree places the working tree elsewhere.
            return None if b"worktree" in config else here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def list_files(root: str, revision: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The `.mizan` files and the symbolic links of `revision`'s tree, each a
    (path in the repository, blob id) pair, in git's order."""
    listing = git(["ls-tree", "-r", "-z", "--full-tree", f"{revision}^{{commit}}"], root)
    files: list[tuple[str, str]] = []
    links: list[tuple[str, str]] = []
    suffix = EXTENSION.encode()
    for entry in listing.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) != 3 or parts[1] != b"blob":  # a submodule is a commit: not read
            continue
        pair = (name.decode("utf-8", "surrogateescape"), parts[2].decode())
        if parts[0] == _LINK:
            links.append(pair)
        elif name.endswith(suffix):
            files.append(pair)
    return files, links


def read_files(root: str, files: list[tuple[str, str]],
               links: list[tuple[str, str]]) -> dict[str, bytes]:
    """The contents of the revision's files and links, by path. A file whose
    working-tree bytes have the revision's blob id is read from the working
    tree: a change touches a few files, and git inflating all of them costs
    more than hashing them (10,000 functions, 102 files: cat-file 16-35 ->
    ~3 ms, hashing ~5 ms with hashlib's import)."""
    found: dict[str, bytes] = {}
    if files:
        from hashlib import sha1, sha256

        for name, sha in files:
            path = os.path.join(root, name)
            try:
                if not S_ISREG(os.stat(path).st_mode):  # a folder, a pipe: read from git
                    continue
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:  # removed, unreadable: read from git
                continue
            digest = (sha1 if len(sha) == 40 else sha256)(b"blob %d\0" % len(data))
            digest.update(data)
            if digest.hexdigest() == sha:
                found[name] = data
    found.update(read_blobs(root, [pair for pair in files + links if pair[0] not in found]))
    return found


def read_blobs(root: str, blobs: list[tuple[str, str]]) -> dict[str, bytes]:
    """The contents of the given (path, blob id) pairs, by path, from one `cat-file`."""
    if not blobs:
        return {}
    request = b"".join(sha.encode() + b"\n" for _, sha in blobs)
    out = git(["cat-file", "--batch", "--buffer"], root, stdin=request)
    found: dict[str, bytes] = {}
    offset = 0
    for name, sha in blobs:
        header_end = out.find(b"\n", offset)
        header = out[offset:header_end].split()
        if header_end < 0 or len(header) != 3:
            raise GitError(f"cannot read '{name}' ({sha}) from git")
        size = int(header[2])
        found[name] = out[header_end + 1:header_end + 1 + size]
        offset = header_end + 1 + size + 1
    return found


class RevisionDisk(Disk):
    """The files of a revision as the workspace loader sees them: each file
    of the repository at `base` + "/" + its path there, links resolved as
    `os.path.realpath` resolves them on disk. A path out of the repository
    (an absolute import, or one above its top) is read from the disk, as
    from a checkout at `root`."""

    def __init__(self, root: str, contents: dict[str, bytes], links: dict[str, str]) -> None:
        self.root = root
        self.base = base_folder(root)
        self.contents = contents  # path in the repository -> bytes
        self.links = links  # path in the repository -> the link's target
        self.folders: dict[str, set[str]] = {"": set()}  # folder -> names in it
        for name in (*contents, *links):
            child = name
            while child:
                folder, _, leaf = child.rpartition("/")
                names = self.folders.get(folder)
                if names is None:
                    names = self.folders[folder] = set()
                elif leaf in names:
                    break
                names.add(leaf)
                child = folder
        self.decoded: dict[str, tuple[str, list[Diagnostic]]] = {}

    def inside(self, path: str) -> str | None:
        """`path`'s path in the repository; None when it is outside `base`."""
        if path == self.base:
            return ""
        if path.startswith(self.base) and path[len(self.base)] == "/":
            return path[len(self.base) + 1:]
        return None

    def key(self, path: str) -> str:
        rel = self.inside(path)
        if rel is None:
            return super().key(path)
        resolved: list[str] = []
        pending = rel.split("/")[::-1]  # the parts still to walk, last first
        hops = 0
        while pending:
            part = pending.pop()
            if part in ("", "."):
                continue
            if part == "..":
                if not resolved:  # above the repository's top: on disk
                    return super().key(os.path.join(os.path.dirname(self.root), *pending[::-1]))
                resolved.pop()
                continue
            resolved.append(part)
            target = self.links.get("/".join(resolved))
            if target is None:
                continue
            hops += 1
            if hops > _MAX_LINKS:  # a loop: left as written, as realpath does
                return "/".join([self.base, *resolved, *pending[::-1]])
            resolved.pop()
            if target.startswith("/"):  # out of the repository
                return super().key("/".join([target, *pending[::-1]]))
            pending.extend(target.split("/")[::-1])
        return "/".join([self.base, *resolved])

    def key_in(self, folder: str, written: str) -> str:
        return self.key(os.path.join(folder, written))  # links as the revision holds them

    def is_dir(self, path: str) -> bool:
        rel = self.inside(path)
        return super().is_dir(path) if rel is None else rel in self.folders

    def files_under(self, folder: str) -> list[str]:
        rel = self.inside(folder)
        if rel is None:
            return super().files_under(folder)
        start = rel + "/" if rel else ""
        found = []
        for name in (*self.contents, *self.links):
            if not name.startswith(start) or not name.endswith(EXTENSION):
                continue
            # Hidden folders below `folder` are skipped (`paths.mizan_files`);
            # a link to a folder is not walked into, and its files are listed
            # where they are.
            if any(part.startswith(".") for part in name[len(start):].split("/")[:-1]):
                continue
            path = self.key(f"{self.base}/{name}")
            if name in self.links and self.is_dir(path):
                continue
            found.append(path)
        return sorted(found)

    def names_in(self, folder: str) -> list[str]:
        rel = self.inside(folder)
        if rel is None:
            return super().names_in(folder)
        names = self.folders.get(rel)
        if names is None:
            raise FileNotFoundError(folder)
        return sorted(names)

    def source(self, path: str) -> tuple[str, list[Diagnostic]] | Unreadable:
        rel = self.inside(path)
        if rel is None:
            return super().source(path)
        found = self.decoded.get(rel)
        if found is None:
            data = self.contents.get(rel)
            if data is None:
                return Unreadable("M004" if rel in self.folders else "M002")
            found = self.decoded[rel] = decode_file(path, data)
        return found

    def exists(self, path: str) -> bool:
        """Whether `path` names a file or a folder, links followed (`os.path.exists`)."""
        key = self.key(path)
        rel = self.inside(key)
        if rel is None:
            return os.path.exists(key)
        return rel in self.contents or rel in self.folders

    def text(self, path: str) -> str | None:
        """The text of a file of the revision that decodes cleanly; else None
        (the loader asks `source` why, or reads it from disk)."""
        got = self.source(path) if self.inside(path) is not None else None
        return got[0] if isinstance(got, tuple) and not got[1] else None


def base_folder(root: str) -> str:
    """Where a revision's files seem to be: a folder inside the repository's
    `.git`, never read from disk."""
    return normalise(os.path.join(root, ".git")) + "/mizan-revision"
