"""Generation: plan -> a target's files -> the writer.

`generate(plan, target)` returns the files of one target; `writer` compares
them with the output folder, writes them, or shows the difference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .files import GeneratedFile
from .targets import TARGETS, UnknownTarget, get_target

if TYPE_CHECKING:
    from ..plan import Plan

__all__ = ["TARGETS", "GeneratedFile", "UnknownTarget", "generate", "get_target"]


def generate(plan: Plan, target: str) -> list[GeneratedFile]:
    return get_target(target).generate(plan)
