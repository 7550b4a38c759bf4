"""The type table a codec needs: enums and records (shapes are records too).

Its JSON form (`Schema.to_json`) is what generated servers embed and what
the test vectors carry:

    {"enums": {"Role": ["member", "admin"]},
     "records": {"Profile": [{"name": "id", "type": <IR type>, "default": <wire>}]}}

A field's `default`, when present, is already in wire form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from ..ir import model as ir


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()
_TYPE_ADAPTER: TypeAdapter[ir.TypeRef] = TypeAdapter(ir.TypeRef)


def type_from_json(data: Any) -> ir.TypeRef:
    return _TYPE_ADAPTER.validate_python(data)


def type_to_json(type_: ir.TypeRef) -> Any:
    return _TYPE_ADAPTER.dump_python(type_, mode="json")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: ir.TypeRef
    default: Any = NO_DEFAULT  # wire form

    def to_json(self) -> dict[str, Any]:
        data = {"name": self.name, "type": type_to_json(self.type)}
        if self.default is not NO_DEFAULT:
            data["default"] = self.default
        return data


@dataclass(frozen=True)
class Schema:
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    records: dict[str, tuple[FieldSpec, ...]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "enums": {name: list(members) for name, members in sorted(self.enums.items())},
            "records": {name: [f.to_json() for f in fields]
                        for name, fields in sorted(self.records.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schema:
        return cls(
            enums={name: tuple(members) for name, members in data.get("enums", {}).items()},
            records={
                name: tuple(FieldSpec(f["name"], type_from_json(f["type"]),
                                      f.get("default", NO_DEFAULT)) for f in fields)
                for name, fields in data.get("records", {}).items()
            },
        )
