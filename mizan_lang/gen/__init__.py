"""Generation: plan -> a target's files -> the writer.

`generate(plan, target)` returns the files of one target; `writer` compares
them with the output folder, writes them, or shows the difference.
"""

from .files import GeneratedFile
from .targets import TARGETS, UnknownTarget, get_target

__all__ = ["TARGETS", "GeneratedFile", "UnknownTarget", "generate", "get_target"]


def generate(plan, target: str) -> list[GeneratedFile]:
    return get_target(target).generate(plan)
