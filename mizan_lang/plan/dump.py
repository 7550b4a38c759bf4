"""The plan as JSON, for golden tests and for looking at what targets get."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from .model import Plan

# Carried for the targets' convenience; golden files of the IR cover them.
_LEFT_OUT = frozenset({"ir", "ir_kdl", "manifest_json"})


def plan_data(plan: Plan) -> dict[str, Any]:
    return {field.name: _data(getattr(plan, field.name)) for field in dataclasses.fields(plan)
            if field.name not in _LEFT_OUT}


def plan_json(plan: Plan) -> str:
    """Sorted keys, 2-space indent, UTF-8 text, trailing newline."""
    return json.dumps(plan_data(plan), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _data(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _data(getattr(value, field.name))
                for field in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_data(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _data(item) for key, item in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    return value
