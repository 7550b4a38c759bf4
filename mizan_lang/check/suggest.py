"""Did-you-mean suggestions for unknown names."""

from __future__ import annotations

from collections.abc import Iterable


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like `name`, or None when nothing is close.

    A case-insensitive exact match wins (`profile` -> `Profile`); otherwise
    difflib's ratio decides. Candidates are sorted first so ties break the
    same way whatever order the declarations came in.
    """
    if not name:
        return None
    folded = name.casefold()
    pool = []
    # difflib's ratio is 2*matches/(len(a)+len(b)), so a candidate whose
    # length is too far from the name's can never reach the 0.6 cutoff:
    # skip it before the (slow) matcher sees it. Same answers, less work.
    size = len(name)
    for candidate in set(candidates):
        if candidate == name:
            continue
        other = len(candidate)
        # 2 * min / (size + other) >= 0.6, in integers
        if candidate.casefold() == folded or 20 * min(size, other) >= 6 * (size + other):
            pool.append(candidate)
    if not pool:
        return None
    pool.sort()
    for candidate in pool:
        if candidate.casefold() == folded:
            return candidate
    import difflib  # here: only a misspelt name gets this far (~1 ms at start-up)

    found = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    return found[0] if found else None


def hint(suggestion: str | None) -> str:
    """Message suffix for a suggestion (empty when there is none)."""
    return f"; did you mean '{suggestion}'?" if suggestion else ""


def fix(suggestion: str | None) -> dict[str, object]:
    """Quick-fix data for editors: replace the name with the suggestion."""
    return {"replace": suggestion} if suggestion else {}
