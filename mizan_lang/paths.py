"""File keys and folder listing: the light part of workspace loading.

Kept free of the parser and checker so that a cached `check` (see
`result_cache`) can find and validate its files without importing them.
"""

from __future__ import annotations

import os
from stat import S_ISLNK

EXTENSION = ".mizan"


def normalise(path: str | os.PathLike[str]) -> str:
    """Absolute, symlinks resolved, POSIX spelling: the one key of a file."""
    real = os.path.realpath(os.fspath(path))
    return real if os.sep == "/" else real.replace(os.sep, "/")


def key_in(folder: str, written: str) -> str:
    """`normalise(os.path.join(folder, written))` for a `folder` whose links are
    resolved (the folder of a file key): for a plain file name, only the last
    part can be a link, so one lstat does instead of one per part of the path."""
    path = os.path.join(folder, written)
    if os.sep == "/" and written not in ("", ".", "..") and "/" not in written:
        try:
            if not S_ISLNK(os.lstat(path).st_mode):
                return path
        except FileNotFoundError:
            return path  # realpath leaves a missing last part as it is
        except OSError:
            pass
    return normalise(path)


def mizan_files(folder: str) -> list[str]:
    """Every *.mizan file under `folder` (hidden folders skipped), normalised and sorted."""
    found = []
    for directory, subdirs, names in os.walk(folder):
        subdirs[:] = [name for name in subdirs if not name.startswith(".")]
        found.extend(os.path.join(directory, name) for name in names if name.endswith(EXTENSION))
    return sorted(normalise(path) for path in found)


# Files and URIs as pygls converts them (`pygls.uris.to_fs_path`, `from_fs_path`),
# for the language server's start (`lsp_boot`): pygls.uris imports urllib.parse
# (~3 ms at start-up) for what is, for an absolute POSIX path of characters that
# need no percent-encoding, "file://" + path. Anything else is left to pygls.
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/")


def _plain(path: str) -> bool:
    return (os.sep == "/" and path[:1] == "/" and path[1:2] != "/"
            and _PLAIN.issuperset(path))


def uri_to_path(uri: str) -> str:
    """The file key of a document URI (the server's `convert.path_of`)."""
    if uri.startswith("file:///") and _plain(uri[7:]):
        return normalise(uri[7:])
    from pygls.uris import to_fs_path

    return normalise(to_fs_path(uri) or uri)


def path_to_uri(path: str) -> str:
    """The URI of a file key (the server's `convert.uri_of`)."""
    if _plain(path):
        return "file://" + path
    from pygls.uris import from_fs_path

    return from_fs_path(path) or path
