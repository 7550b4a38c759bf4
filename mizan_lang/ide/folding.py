"""Folding ranges: children blocks, comments and multi-line strings (0-based lines).

A fold hides the lines after its first line, up to and including its last.
Blocks and strings end on the line before their closer when the closer
starts its line, so `}` and `\"\"\"` stay visible; comments fold whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..kdl.model import Node, Value
from ..source import LineIndex, Span
from ..workspace import SourceFile
from .tokens import slashdash_spans

COMMENT = "comment"


@dataclass(frozen=True, slots=True)
class Fold:
    start_line: int
    end_line: int
    kind: str | None = None  # "comment", or None for code and strings


def folding_ranges(source: SourceFile) -> list[Fold]:
    index = source.index
    text = source.text
    folds: list[Fold] = []
    document = source.parse.document

    def add(span: Span, kind: str | None, closer: int = 0) -> None:
        # `closer`: length of the closing brace or quotes, left visible on its own line.
        first = index.position(span.start).line
        last = index.position(max(span.start, span.end - 1)).line
        if closer and text[index.starts[last]:span.end - closer].strip() == "":
            last -= 1
        if last > first:
            folds.append(Fold(first, last, kind))

    def values(node: Node) -> list[Value]:
        return [*node.args, *(prop.value for prop in node.props)]

    stack = list(document.nodes)
    while stack:
        node = stack.pop()
        for value in values(node):
            if _is_multiline_string(value):
                add(value.span, None, closer=3 + len(value.raw) - len(value.raw.lstrip("#")))
        if node.children_span is not None:
            add(node.children_span, None, closer=1)
        stack.extend(node.children or ())
    for comment in document.comments:
        if comment.kind == "block":
            add(comment.span, COMMENT)
    for span in slashdash_spans(text, document):
        add(span, COMMENT)
    folds.extend(_line_comment_runs(source, index))
    return _one_per_start(folds)


def _is_multiline_string(value: Value) -> bool:
    raw = value.raw.lstrip("#")
    return raw.startswith('"""')


def _line_comment_runs(source: SourceFile, index: LineIndex) -> list[Fold]:
    """Runs of two or more lines that hold only a `//` comment."""
    lines = []
    for comment in source.parse.document.comments:
        if comment.kind != "line":
            continue
        line = index.position(comment.span.start).line
        if source.text[index.starts[line]:comment.span.start].strip() == "":
            lines.append(line)
    lines.sort()
    runs = []
    first = previous = None
    for line in lines:
        if previous is not None and line == previous + 1:
            previous = line
            continue
        if first is not None and previous > first:
            runs.append(Fold(first, previous, COMMENT))
        first = previous = line
    if first is not None and previous > first:
        runs.append(Fold(first, previous, COMMENT))
    return runs


def _one_per_start(folds: list[Fold]) -> list[Fold]:
    """Sorted, one fold per first line (the widest): editors keep one per line."""
    best: dict[int, Fold] = {}
    for fold in folds:
        known = best.get(fold.start_line)
        if known is None or fold.end_line > known.end_line:
            best[fold.start_line] = fold
    return [best[line] for line in sorted(best)]
