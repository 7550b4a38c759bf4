"""Reviewing a spec change: compare two canonical IRs, name each change with
a rule (`rules.py`), locate it in the sources, apply acknowledgements and
render the report."""

from __future__ import annotations

from .ack import Acknowledgement, from_comments
from .ack import apply as apply_acknowledgements
from .diff import Change, compare
from .report import Report
from .rules import RULES
from .sides import Side


def review(old: Side, new: Side, config_acks: list[Acknowledgement] | None = None) -> Report:
    """The report of the change from `old` to `new`: located, acknowledged, sorted.
    Raises `SideError` when a saved IR's compared declaration is not valid."""
    from .index import IrError
    from .sides import ir_error

    try:
        changes = compare(old.index, new.index)
    except IrError as err:
        raise ir_error(err.origin or "a cached IR", err) from None
    for change in changes:
        side = new if change.side == "new" else old
        if side.locate is not None:
            change.location = side.locate(change.key)
    acks = list(config_acks or []) + from_comments(new.texts)
    apply_acknowledgements(changes, acks)
    return Report(old.label, new.label, changes, acks)


__all__ = ["RULES", "Change", "Report", "Side", "compare", "review"]
