"""The review rules read a compared declaration as JSON data (`review.view`),
not as a pydantic model: that data must hold every value as the model does
once validated from its JSON text, a decimal's text above all (pydantic reads
"9.90" back as Decimal("9.90"), equal to 9.9), so that the rules see the same
equalities and orders either way (B113 compares context keys whole, B120
compares form bounds, B308 guard values)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel

from mizan_lang.check import check
from mizan_lang.ir import build_ir
from mizan_lang.ir import model as ir
from mizan_lang.review.view import scalar, view
from mizan_lang.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent
SPEC = """mizan 1
auth {
    guard big claim=level value=#inf
    guard half claim=level value=0.5
    guard exact claim=level value=2.50
    guard named claim=role value="10.0"
    guard word claim=role value=admin
    guard date claim=since value="2024-01-01"
}
type Bag {
    field price decimal default=1e3
    field ratio decimal default=9.90
    field x float default=2
    field label str default="1.50"
}
context shelf auth=public {
    param size decimal default=9.90
    param code str default="007"
}
fn shelf_items context=shelf returns=list<Bag> {
    param size decimal default=9.90
    param code str default="007"
}
fn fill kind=mutation returns=Bag {
    param amount decimal default=2.5
    param day date
    param note str
}
form Fill submit=fill {
    field amount decimal min=0.50 max=1e2
    field day date min="2024-01-01"
    field note str min-length=2 pattern="[a-z]+"
}
"""


def _held(value: object) -> object:
    """A model as it holds its values: dicts of fields, leaves as they are
    (a column's unset scale left out, as in its JSON)."""
    if isinstance(value, BaseModel):
        dumped = json.loads(value.model_dump_json())
        return {name: _held(getattr(value, name)) for name in type(value).model_fields
                if name in dumped}
    if isinstance(value, list):
        return [_held(item) for item in value]
    return value


def _same(found: object, expected: object, where: str = "") -> None:
    """Equal, and of the same type at every leaf (Decimal("10") == 10 is not enough)."""
    if isinstance(expected, dict):
        assert isinstance(found, dict) and found.keys() == expected.keys(), where
        for key in expected:
            _same(found[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(found, list) and len(found) == len(expected), where
        for number, (one, other) in enumerate(zip(found, expected, strict=True)):
            _same(one, other, f"{where}.{number}")
    else:
        assert type(found) is type(expected) and found == expected, (where, found, expected)


@pytest.mark.parametrize("folder", ["spec", "shop"])
def test_each_declaration_is_read_as_its_model_holds_it(folder: str, tmp_path: Path) -> None:
    if folder == "spec":
        (tmp_path / "main.mizan").write_text(SPEC, encoding="utf-8")
        paths = [str(tmp_path / "main.mizan")]
    else:
        paths = [str(REPO / "examples" / "shop")]
    result = check(load_workspace(paths))
    assert result.ok, [d.message for d in result.diagnostics]
    data = build_ir(result, plain=True)
    model = build_ir(result)
    _same(view(data["auth"]), _held(ir.Auth.model_validate_json(json.dumps(data["auth"]))))
    classes = {"enums": ir.Enum, "types": ir.Record, "models": ir.Model, "shapes": ir.Shape,
               "contexts": ir.Context, "functions": ir.Function, "forms": ir.Form}
    for section, cls in classes.items():
        assert data[section] or folder == "spec"
        for item in data[section]:
            validated = cls.model_validate_json(json.dumps(item))  # as the rules read it before
            _same(view(item), _held(validated), f"{section}.{item['name']}")
    assert model.functions  # the model itself was built too
    if folder == "spec":
        guards = {guard.name: guard.value for guard in view(data["auth"]).guards}
        assert guards["named"] == Decimal("10.0") and guards["date"] == "2024-01-01"


TEXTS = ["9.90", "10", "-0", "+1", ".5", "5.", "1e3", "1E-3", "+.5e+3", "00012", " 5", "5\n",
         "1_000", "\u0663", "0x10", "2024-01-01", "12:30", "1,5", "1.2.3", "e5", "-", "",
         "Infinity", "-Infinity", "NaN", "inf", "sNaN", "admin", "1e999999", "1e9999999",
         "1e99999999999999999999", "0.1000000000000000000000000001", "1" * 300]


@pytest.mark.parametrize("key", ["value", "min", "max"])
def test_scalar_text_read_as_pydantic_reads_it(key: str) -> None:
    owner = ir.Default if key == "value" else ir.Validators
    for text in TEXTS:
        expected = getattr(owner.model_validate_json(json.dumps({key: text})), key)
        found = scalar(text, key)
        assert type(found) is type(expected) and str(found) == str(expected), text


def test_a_comparison_from_scratch_does_not_import_pydantic(tmp_path: Path) -> None:
    for side, text in (("old", SPEC), ("new", SPEC.replace("default=9.90", "default=9.9"))):
        (tmp_path / side).mkdir()
        (tmp_path / side / "main.mizan").write_text(text, encoding="utf-8")
    code = ("import sys; from mizan_lang.__main__ import main; "
            "code = main(['diff', 'old', 'new']); "
            "sys.stderr.write('pydantic' if 'pydantic' in sys.modules else 'none')")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(REPO), "MIZAN_CACHE": "off",
                                          "PATH": "/usr/bin:/bin"}, check=False)
    assert done.stderr.endswith("none"), done.stderr
    assert "context 'shelf'" not in done.stdout  # 9.90 and 9.9: the same key
    assert "param 'size'" not in done.stdout
