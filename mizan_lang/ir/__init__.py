"""The canonical IR: `build_ir(check_result)`, and its JSON and KDL forms."""

from .build import build_ir
from .emit import to_json, to_kdl
from .model import Workspace

__all__ = ["Workspace", "build_ir", "to_json", "to_kdl"]
