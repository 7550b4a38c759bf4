"""Folding ranges: children blocks, comments and multi-line strings.

A fold hides the lines after its first line, up to and including its last.
Blocks and strings end on the line before their closer when the closer
starts its line, so `}` and `\"\"\"` stay visible; comments fold whole.

Folds are found as offsets; `by_lines` turns them into lines with the
caller's line numbering (an editor's rules for line ends may differ from
KDL's), keeping one fold per first line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..kdl.model import Node
from ..workspace import SourceFile
from .tokens import slashdash_spans

COMMENT = "comment"
_LINE_ENDS = "\n\r\x0b\x0c\x85\u2028\u2029"


@dataclass(frozen=True, slots=True)
class Fold:
    start: int  # an offset on the first line
    end: int  # an offset on the last line to hide
    kind: str | None = None  # "comment", or None for code and strings


def folding_ranges(source: SourceFile) -> list[Fold]:
    text = source.text
    document = source.parse.document
    folds: list[Fold] = []
    stack: list[Node] = list(document.nodes)
    while stack:
        node = stack.pop()
        for value in [*node.args, *(prop.value for prop in node.props)]:
            raw = value.raw
            hashes = len(raw) - len(raw.lstrip("#"))
            if raw.startswith('"""', hashes):  # a multi-line string
                folds.append(_keep_closer(text, value.span.start, value.span.end, 3 + hashes))
        if node.children_span is not None:
            block = node.children_span
            folds.append(_keep_closer(text, block.start, block.end, 1))
        stack.extend(node.children or ())
    for comment in document.comments:
        if comment.kind == "block":
            folds.append(Fold(comment.span.start, comment.span.end - 1, COMMENT))
    for span in slashdash_spans(text, document):
        folds.append(Fold(span.start, span.end - 1, COMMENT))
    folds.extend(_line_comment_runs(source))
    return folds


def _keep_closer(text: str, start: int, end: int, closer: int) -> Fold:
    """Fold [start, end) but leave the closer's line visible when the closer opens it."""
    at = end - closer
    before = at
    while before > start and text[before - 1] in " \t":
        before -= 1
    if before > start and text[before - 1] in _LINE_ENDS:
        return Fold(start, before - 1)  # the line break ending the line above
    return Fold(start, max(start, end - 1))


def _line_comment_runs(source: SourceFile) -> list[Fold]:
    """Runs of two or more lines that hold only a `//` comment."""
    text = source.text
    index = source.index
    own_line = []
    for comment in source.parse.document.comments:
        if comment.kind != "line":
            continue
        line = index.position(comment.span.start).line
        if text[index.line_start(line):comment.span.start].strip() == "":
            own_line.append((line, comment.span.start))
    own_line.sort()
    runs = []
    first = previous = None
    for line, start in own_line:
        if previous is not None and line == previous[0] + 1:
            previous = (line, start)
            continue
        if first is not None and previous[0] > first[0]:
            runs.append(Fold(first[1], previous[1], COMMENT))
        first = previous = (line, start)
    if first is not None and previous[0] > first[0]:
        runs.append(Fold(first[1], previous[1], COMMENT))
    return runs


def by_lines(folds: list[Fold], line_of: Callable[[int], int]
             ) -> list[tuple[int, int, str | None]]:
    """(first line, last line, kind) of each fold spanning lines, sorted, one per first
    line (the widest: editors keep one fold per line)."""
    best: dict[int, tuple[int, int, str | None]] = {}
    for fold in folds:
        first, last = line_of(fold.start), line_of(fold.end)
        if last <= first:
            continue
        known = best.get(first)
        if known is None or last > known[1]:
            best[first] = (first, last, fold.kind)
    return [best[line] for line in sorted(best)]
