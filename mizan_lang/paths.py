"""File keys and folder listing: the light part of workspace loading.

Kept free of the parser and checker so that a cached `check` (see
`result_cache`) can find and validate its files without importing them.
"""

from __future__ import annotations

import os

EXTENSION = ".mizan"


def normalise(path: str | os.PathLike[str]) -> str:
    """Absolute, symlinks resolved, POSIX spelling: the one key of a file."""
    real = os.path.realpath(os.fspath(path))
    return real if os.sep == "/" else real.replace(os.sep, "/")


def mizan_files(folder: str) -> list[str]:
    """Every *.mizan file under `folder` (hidden folders skipped), normalised and sorted."""
    found = []
    for directory, subdirs, names in os.walk(folder):
        subdirs[:] = [name for name in subdirs if not name.startswith(".")]
        found.extend(os.path.join(directory, name) for name in names if name.endswith(EXTENSION))
    return sorted(normalise(path) for path in found)
