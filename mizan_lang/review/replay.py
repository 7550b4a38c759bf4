"""A comparison's report, kept for a re-run of the same comparison.

Running `breaking` again on the same two sides (a CI job run again, a second
look at an unchanged pull request) would load, check and compare them again:
~0.7 s at 10,000 functions, ~1.3 s the time the sides' indexes are stored.
So the report of a comparison of two sides read from their files is kept in
the result cache, rendered in every format with and without additions, with
the exit code of every `--fail-on` level. It is found by the command's own
arguments, the working folder (paths are shown relative to it) and the
config file's path and text, and used only when each side still holds: a
folder side has the same files, each with the same bytes, and its imports
resolve alike (`result_cache.files_hold`, as a check entry is validated); a
revision has the same .mizan blobs (`sides.revision_listing`). A comparison
with a saved IR file or a side answered from the cache is not kept.
"""

from __future__ import annotations

import json
import os

from .. import result_cache

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from typing import Any

    from ..config import Config
    from .report import Report
    from .sides import Side

FORMAT = 1


def key(paths: list[str], against: str | None, config: Config | None) -> str:
    """The name of a comparison's report: the command and where it runs."""
    return result_cache.content_key([
        "review-report", FORMAT, os.getcwd(), against, paths,
        config.path if config is not None else None, config.text if config is not None else None])


def lookup(name: str) -> dict[str, Any] | None:
    """The report kept under `name` when both of its sides still hold, else None."""
    if not result_cache.enabled():
        return None
    try:
        text = result_cache.lookup_content(name)
        if text is None:
            return None
        kept = json.loads(text)
        if all(_holds(side) for side in kept["sides"]):
            return kept
    except Exception:  # noqa: BLE001 - damaged or foreign: compare again
        pass
    return None


def _holds(side: dict[str, Any]) -> bool:
    if "git" in side:
        from .sides import SideError, revision_listing

        try:
            return revision_listing(side["revision"], side["paths"])[4] == side["git"]
        except SideError:
            return False
    return result_cache.files_hold(side["paths"], side) is not None


def store(name: str, sides: tuple[Side, Side], reports: dict[bool, Report]) -> None:
    """Keep the report of `sides` (by `additions`, the changes shown) under
    `name`; nothing when a side was not read from its files just now."""
    if not result_cache.enabled():
        return
    try:
        _store(name, sides, reports)
    except Exception:  # noqa: BLE001 - the report is out; keeping it must not fail the command
        pass


def _store(name: str, sides: tuple[Side, Side], reports: dict[bool, Report]) -> None:
    from .report import RENDERERS, summary
    from .rules import FAIL_LEVELS

    records = []
    for side in sides:
        if side.origin is None:
            return
        (kind, *where), workspace = side.origin
        if kind == "git":
            blobs, revision, paths = where
            records.append({"git": blobs, "revision": revision, "paths": paths})
            continue
        entry = result_cache.prepare(where[0], workspace, [])
        if entry is None:  # a file changed since it was read, or an absent one mattered
            return
        raw = entry.raw
        records.append({"paths": where[0], "roots": raw["roots"], "files": raw["files"],
                        "targets": raw["targets"]})
    shown = {
        str(additions): {
            "out": {fmt: render(report) for fmt, render in RENDERERS.items()},
            "err": summary(report) + "\n",
            "fail": {level: bool(report.failing(level)) for level in FAIL_LEVELS},
        } for additions, report in reports.items()}
    result_cache.store_content(name, json.dumps({"sides": records, "shown": shown},
                                                ensure_ascii=False, sort_keys=True))
