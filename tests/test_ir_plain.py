"""The IR built as plain data (`mizan_lang.ir.plain`, what `breaking` compares)
is exactly the JSON data of the pydantic IR: the same canonical text for every
spec in the repository that checks clean, for a generated one, and for the
values pydantic writes in its own way (decimals, non-finite floats, a
column's unset scale, a relation's default on_delete)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mizan_lang.check import check
from mizan_lang.ir import build_ir
from mizan_lang.ir import plain as twins
from mizan_lang.review.index import canonical
from mizan_lang.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent
FOLDERS = sorted({path.parent for path in REPO.glob("**/*.mizan")
                  if "node_modules" not in path.parts})

VALUES = """mizan 1
auth {
    jwt algorithm=HS384 issuer=shop access-ttl=60
    guard big claim=level value=#inf
    guard small claim=level value=#-inf
    guard odd claim=level value=#nan
    guard half claim=level value=0.5
    guard exact claim=level value=2.50
    guard whole claim=level value=2.0
}
type Bag {
    field price decimal default=1e3
    field ratio decimal default=9.90
    field x float default=2
    field none decimal? default=#null
}
model Owner {
    column id int64 primary=#true
}
model Item {
    column id int64 primary=#true
    column amount decimal scale=2
    column free decimal
    column name str max-length=40
    column owner_id int64
    column keeper_id int64
    relation owner to=Owner on-delete=cascade
    relation keeper to=Owner
}
fn get_bag returns=Bag {
    param id int
}
"""


def _same(result) -> None:
    expected = json.loads(build_ir(result).model_dump_json())
    built = build_ir(result, plain=True)
    assert canonical(built) == canonical(expected)
    assert isinstance(built, dict) and isinstance(built, twins.Plain)


def test_every_clean_spec_in_the_repository() -> None:
    compared = 0
    for folder in FOLDERS:
        result = check(load_workspace([str(folder)]))
        if result.ok:
            _same(result)
            compared += 1
    assert compared >= 40, compared


def test_a_generated_spec(tmp_path: Path) -> None:
    from bench.specgen import generate

    for name, text in generate(300, split=True).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = check(load_workspace([str(tmp_path)]))
    assert result.ok
    _same(result)


def test_values_pydantic_writes_its_own_way(tmp_path: Path) -> None:
    (tmp_path / "main.mizan").write_text(VALUES, encoding="utf-8")
    result = check(load_workspace([str(tmp_path / "main.mizan")]))
    assert result.ok, [d.message for d in result.diagnostics]
    _same(result)
    data = build_ir(result, plain=True)
    guards = {guard["name"]: guard["value"] for guard in data["auth"]["guards"]}
    assert guards["big"] == "Infinity" and guards["odd"] == "NaN"
    item = next(model for model in data["models"] if model["name"] == "Item")
    assert "scale" not in item["columns"][2] and item["columns"][1]["scale"] == 2
    assert item["relations"][0]["on_delete"] == "cascade" and "on_delete" not in item["relations"][1]


def test_a_twin_refuses_what_its_model_refuses() -> None:
    with pytest.raises(TypeError):
        twins.Param(name="x")  # no type
    with pytest.raises(TypeError):
        twins.Cache(ttl=1, colour="red")  # no such field
    assert twins.Cache().vary == "identity"


def _from_model(cls) -> tuple[tuple[str, ...], dict[str, object], tuple[str, ...]]:
    """What a twin must know of its model: required fields, optional ones with
    their defaults as JSON data, and the fields that may hold a decimal or a float."""
    from pydantic import BaseModel

    fields = cls.model_fields
    required = tuple(name for name, info in fields.items() if info.is_required())
    defaults = {name: json.loads(info.default.model_dump_json())
                if isinstance(info.default, BaseModel) else info.default
                for name, info in fields.items() if not info.is_required()}
    scalars = tuple(name for name, info in fields.items()
                    if "Decimal" in str(info.annotation) or "float" in str(info.annotation))
    return required, defaults, scalars


def test_each_twin_has_its_models_fields_and_defaults() -> None:
    from pydantic import BaseModel

    from mizan_lang.ir import model as ir

    models = {value.__name__ for value in vars(ir).values() if isinstance(value, type)
              and issubclass(value, ir.IrModel) and value is not ir.IrModel}
    assert set(twins.FIELDS) == models
    for name, (required, defaults) in twins.FIELDS.items():
        expected = _from_model(getattr(ir, name))
        assert (required, defaults, twins.SCALARS.get(name, ())) == expected, name
        assert list(defaults) == [key for key in getattr(ir, name).model_fields
                                  if key in defaults], name  # the model's order
    # Left out of the JSON when None: as the models' serializers do.
    for name, left_out in twins.LEFT_OUT_WHEN_NONE.items():
        cls = getattr(ir, name)
        made = cls(**{key: ir.PrimitiveType(name="int") if key == "type" else "x"
                      for key in _from_model(cls)[0]})
        dumped = json.loads(made.model_dump_json())
        assert all(key not in dumped for key in left_out), name
    assert issubclass(ir.Workspace, BaseModel)
