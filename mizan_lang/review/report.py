"""A review report: the changes of a comparison, sorted, with their
acknowledgements, and its four renderings (text, JSON, Markdown, GitHub
workflow annotations)."""

from __future__ import annotations

import json

from ..records import field, record
from .ack import Acknowledgement
from .diff import Change
from .rules import FAIL_LEVELS, RULES, Category

ORDER = {Category.BREAKING: 0, Category.SOURCE: 1, Category.REVIEW: 2, Category.INFO: 3}
TITLES = {
    Category.BREAKING: "Wire-breaking",
    Category.SOURCE: "Source-breaking",
    Category.REVIEW: "Review",
    Category.INFO: "Additions",
}
_GITHUB_LEVEL = {Category.BREAKING: "error", Category.SOURCE: "error",
                 Category.REVIEW: "warning", Category.INFO: "notice"}


def category(change: Change) -> Category:
    return RULES[change.code].category


def message(change: Change) -> str:
    return RULES[change.code].template.format(**change.fields)


@record
class Report:
    old: str  # labels of the two sides
    new: str
    changes: list[Change]
    acknowledgements: list[Acknowledgement] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.changes.sort(key=_sort_key)

    def failing(self, level: str) -> list[Change]:
        fails = FAIL_LEVELS[level]
        return [c for c in self.changes if category(c) in fails and c.acknowledged is None]

    def counts(self) -> dict[str, int]:
        found = {cat.value: 0 for cat in ORDER}
        for change in self.changes:
            found[category(change).value] += 1
        found["acknowledged"] = sum(1 for c in self.changes if c.acknowledged is not None)
        return found

    def unused(self) -> list[Acknowledgement]:
        return [ack for ack in self.acknowledgements if not ack.used]


def _sort_key(change: Change) -> tuple:
    where = change.location or ("", 0, 0)
    return (ORDER[category(change)], where, change.code, change.key)


def _where(change: Change) -> str:
    if change.location is None:
        return ""
    path, line, column = change.location
    return f"{path}:{line}:{column}" if line else path


def summary(report: Report) -> str:
    counts = report.counts()
    parts = [f"{counts['breaking']} wire-breaking", f"{counts['source']} source-breaking",
             f"{counts['review']} to review", f"{counts['info']} additions"]
    if counts["acknowledged"]:
        parts.append(f"{counts['acknowledged']} acknowledged")
    return ", ".join(parts)


# --- text ----------------------------------------------------------------------------


def render_text(report: Report) -> str:
    out = []
    for change in report.changes:
        cat = category(change)
        where = _where(change)
        prefix = f"{where}: " if where else ""
        side = " (old spec)" if change.side == "old" else ""
        out.append(f"{prefix}{cat.value} {change.code}: {message(change)}{side}\n")
        if change.acknowledged is not None:
            out.append(f"  acknowledged: {change.acknowledged}\n")
    for ack in report.unused():
        out.append(f"{ack.where}: note: acknowledgement of {ack.code} {ack.subject} "
                   "matches no change\n")
    return "".join(out)


# --- JSON ----------------------------------------------------------------------------


def to_data(report: Report) -> dict[str, object]:
    changes = []
    for change in report.changes:
        item: dict[str, object] = {
            "code": change.code,
            "rule": RULES[change.code].name,
            "category": category(change).value,
            "message": message(change),
            "subject": change.subject,
            "side": change.side,
            "acknowledged": change.acknowledged,
        }
        if change.location is not None:
            path, line, column = change.location
            item["location"] = {"path": path, "line": line, "column": column}
        changes.append(item)
    return {
        "old": report.old,
        "new": report.new,
        "summary": report.counts(),
        "changes": changes,
        "unused_acknowledgements": [
            {"code": a.code, "subject": a.subject, "where": a.where} for a in report.unused()],
    }


def render_json(report: Report) -> str:
    return json.dumps(to_data(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- Markdown ------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    out = [f"## API review: {report.old} -> {report.new}\n\n{summary(report)}.\n"]
    if not report.changes:
        out.append("\nNo API changes.\n")
    for cat in ORDER:
        changes = [c for c in report.changes if category(c) == cat]
        if not changes:
            continue
        out.append(f"\n### {TITLES[cat]} ({len(changes)})\n\n| Rule | Change | Where |\n"
                   "|---|---|---|\n")
        for change in changes:
            note = f" (acknowledged: {change.acknowledged})" if change.acknowledged else ""
            side = " (old)" if change.side == "old" and change.location else ""
            where = f"`{_where(change)}`{side}" if change.location else ""
            out.append(f"| {change.code} {RULES[change.code].name} | "
                       f"{_md(message(change) + note)} | {where} |\n")
    unused = report.unused()
    if unused:
        out.append("\nAcknowledgements that match no change: "
                   + ", ".join(f"`{a.code} {a.subject}` ({a.where})" for a in unused) + "\n")
    return "".join(out)


# --- GitHub annotations ----------------------------------------------------------------


def render_github(report: Report) -> str:
    from ..github import annotation

    out = []
    for change in report.changes:
        cat = category(change)
        level = "notice" if change.acknowledged is not None else _GITHUB_LEVEL[cat]
        text = message(change)
        if change.side == "old":
            text += f" (line in {report.old})"
        if change.acknowledged is not None:
            text += f" (acknowledged: {change.acknowledged})"
        path, line, column = change.location or ("", 0, 0)
        out.append(annotation(level, text, file=path, line=line, col=column,
                              title=f"{change.code} {RULES[change.code].name}"))
    return "".join(out)


RENDERERS = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "github": render_github,
}
