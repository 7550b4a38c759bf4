"""The framework-neutral half of the Python server targets.

FastAPI and Django generate the same `__init__.py`, `models.py`,
`service.py`, `registry.py`, `spec.py`, `wire.py` and `dispatch.py`, byte
for byte (their header names the `python` label, not a framework), so both
targets can write into one package and one implementation module serves
under either framework. A target adds its web layer module on top
(`fastapi_app.py`, ...).
"""

from .files import LABEL, common_files, scaffold_file

__all__ = ["LABEL", "common_files", "scaffold_file"]
