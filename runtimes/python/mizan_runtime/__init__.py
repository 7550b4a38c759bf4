"""mizan-runtime: what every generated Mizan Python server imports.

The protocol (`core`: codecs, keys, tokens, the bundle cache), the
framework-neutral server (`dispatch`, `auth`, `http`, `ws`, `wire`, ...)
and the web layers (`fastapi_web`, `django_web`). A generated package holds
only what its spec decides and checks, when imported, that the installed
runtime is one it was generated for (`require`).

Optional integrations come as extras: `mizan-runtime[fastapi]`, `[django]`,
`[redis]`, `[sqlalchemy]`; a module that needs one says which at import.
"""

from __future__ import annotations

import importlib.util

__version__ = "0.1.0"

__all__ = ["RuntimeMismatch", "__version__", "missing_extra", "need", "require"]


class RuntimeMismatch(ImportError):
    """The installed mizan-runtime is not one the generated code was made for."""


def _numbers(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        parts.append(int(digits or 0))
    return tuple(parts)


def _fits(version: str, clause: str) -> bool:
    for operator in (">=", "<=", "==", "<", ">"):
        if clause.startswith(operator):
            have, bound = _numbers(version), _numbers(clause[len(operator) :].strip())
            width = max(len(have), len(bound))
            have += (0,) * (width - len(have))
            bound += (0,) * (width - len(bound))
            return {
                ">=": have >= bound,
                "<=": have <= bound,
                "==": have == bound,
                "<": have < bound,
                ">": have > bound,
            }[operator]
    raise ValueError(f"unsupported version clause {clause!r}")


def require(wanted: str, *, package: str = "the generated package") -> None:
    """Refuse to go on when this runtime's version is outside `wanted`
    (comma-separated clauses such as `>=0.1.0,<0.2.0`)."""
    clauses = [c.strip() for c in wanted.split(",") if c.strip()]
    if all(_fits(__version__, clause) for clause in clauses):
        return
    raise RuntimeMismatch(
        f"{package} was generated for mizan-runtime {wanted}, but {__version__} is "
        f"installed: run `pip install 'mizan-runtime{wanted}'` or regenerate the "
        "package with a matching mizan-lang"
    )


def missing_extra(error: ModuleNotFoundError, extra: str) -> ModuleNotFoundError:
    """The error to raise when an optional dependency did not import: it
    names the package and the extra that installs it."""
    name = (error.name or "?").split(".")[0]
    return ModuleNotFoundError(
        f"mizan-runtime needs '{name}' here (not installed): install it with "
        f"`pip install 'mizan-runtime[{extra}]'`",
        name=name,
    )


def need(module: str, *, extra: str) -> None:
    """Fail now, naming the package to install, when an optional dependency
    (`module`, from the extra `extra`) is missing."""
    if importlib.util.find_spec(module) is None:
        raise missing_extra(ModuleNotFoundError(name=module), extra)
