"""The canonical IR: `build_ir(check_result)`, and its JSON and KDL forms.

The names are imported on first use: reading `mizan_lang.ir.model` (a saved
or cached IR) does not load the checker that `build_ir` needs.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from .build import build_ir
    from .emit import to_json, to_kdl
    from .model import Workspace

__all__ = ["Workspace", "build_ir", "to_json", "to_kdl"]

_HOMES = {"build_ir": "build", "to_json": "emit", "to_kdl": "emit", "Workspace": "model"}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
