"""`mizan_lang.records.record` behaves as `dataclasses.dataclass(slots=True)`.

The same class bodies are made both ways and compared: the `__init__`
signature, defaults and factories (a fresh list per instance), `init=False`
with `__post_init__`, equality (same class only, NaN fields compared as
dataclasses compare them), hashing, repr (recursive too), `__match_args__`,
`__slots__`, frozen instances, copying, and the dataclasses functions
(`fields`, `replace`, `asdict`, `is_dataclass`) on records. Then every record
class of the package is checked against the dataclass of its own fields.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pkgutil

import pytest

import mizan_lang
from mizan_lang import records


def _bodies() -> dict[str, tuple[dict, bool]]:
    """name -> (class body, True for frozen / "unsafe_hash" / False), made anew for each
    use (factories are shared)."""
    def post_init(self) -> None:
        object.__setattr__(self, "derived", (self.a, self.b))

    return {
        "plain": ({"__annotations__": {"a": "int", "b": "str"}}, False),
        "defaults": ({"__annotations__": {"a": "int", "b": "str | None", "c": "list[int]",
                                          "d": "dict[str, int]"},
                      "b": None, "c": "FIELD:list", "d": "FIELD:dict"}, False),
        "one": ({"__annotations__": {"a": "float"}}, False),
        "none": ({"__annotations__": {}}, False),
        "frozen": ({"__annotations__": {"a": "int", "b": "tuple[int, ...]"}, "b": ()}, True),
        "post_init": ({"__annotations__": {"a": "int", "b": "int", "derived": "tuple"},
                       "b": 2, "derived": "FIELD:noinit", "__post_init__": post_init}, True),
        "method": ({"__annotations__": {"a": "int"}, "double": lambda self: 2 * self.a,
                    "__doc__": "A documented class."}, False),
        "hashed": ({"__annotations__": {"a": "int", "b": "str"}, "b": "x"}, "unsafe_hash"),
    }


def _make(name: str, maker: str) -> type:
    body, kind = _bodies()[name]
    options = {"frozen": kind is True, "unsafe_hash": kind == "unsafe_hash"}
    module = dataclasses if maker == "dataclass" else records
    made = {}
    for key, value in body.items():
        if value == "FIELD:list":
            value = module.field(default_factory=list)
        elif value == "FIELD:dict":
            value = module.field(default_factory=dict)
        elif value == "FIELD:noinit":
            value = module.field(init=False, compare=False, repr=False)
        made[key] = value
    made["__module__"] = __name__
    cls = type(name.title().replace("_", ""), (), made)
    if maker == "dataclass":
        return dataclasses.dataclass(slots=True, **options)(cls)
    return records.record(**options)(cls)


ARGS = {"plain": [(1, "x")], "defaults": [(1,), (1, "b", [2], {"k": 3})], "one": [(1.5,)],
        "none": [()], "frozen": [(1,), (1, (2, 3))], "post_init": [(1,), (1, 5)],
        "method": [(4,)], "hashed": [(1,), (2, "y")]}


def _signature(cls: type) -> list[tuple[str, object, object]]:
    """Names, kinds and defaults (a factory's marker by its repr, `<factory>`)."""
    return [(p.name, p.kind, p.default if isinstance(p.default, (int, str, tuple, type(None)))
             or p.default is inspect.Parameter.empty else repr(p.default))
            for p in inspect.signature(cls).parameters.values()]


@pytest.mark.parametrize("name", sorted(ARGS))
def test_a_record_is_the_dataclass_of_its_body(name):
    data, rec = _make(name, "dataclass"), _make(name, "record")
    assert _signature(rec) == _signature(data)
    assert rec.__slots__ == data.__slots__
    assert rec.__match_args__ == data.__match_args__
    assert rec.__qualname__ == data.__qualname__
    if "__doc__" in _bodies()[name][0]:  # (dataclasses words a missing one; records do not)
        assert rec.__doc__ == data.__doc__
    assert (rec.__hash__ is None) == (data.__hash__ is None)
    for args in ARGS[name]:
        d, r = data(*args), rec(*args)
        assert repr(r) == repr(d)
        assert r == rec(*args) and (r != rec(*args)) is False
        assert (r == d) is False and r.__eq__(d) is NotImplemented  # another class
        assert dataclasses.astuple(r) == dataclasses.astuple(d)
        assert dataclasses.asdict(r) == dataclasses.asdict(d)
        if data.__hash__ is not None:
            assert hash(r) == hash(d)
        assert copy.deepcopy(r) == r and copy.copy(r) == r  # (pickling goes the same way)
        for field in dataclasses.fields(d):
            assert getattr(r, field.name) == getattr(d, field.name)
        with pytest.raises(AttributeError):
            r.not_a_field = 1
    assert [(f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.compare)
            for f in dataclasses.fields(rec)] == [
        (f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.compare)
        for f in dataclasses.fields(data)]
    assert dataclasses.is_dataclass(rec) and dataclasses.is_dataclass(rec(*ARGS[name][-1]))


def test_factories_give_each_instance_its_own_value():
    rec = _make("defaults", "record")
    first, second = rec(1), rec(1)
    first.c.append(1)
    first.d["k"] = 1
    assert second.c == [] and second.d == {}
    assert records.replace(first, a=2).c is first.c  # replace copies references


def test_frozen_records_refuse_assignment():
    rec = _make("frozen", "record")
    value = rec(1)
    for change in (lambda: setattr(value, "a", 2), lambda: delattr(value, "a"),
                   lambda: setattr(value, "other", 2)):
        with pytest.raises(AttributeError):
            change()
    with pytest.raises(records.FrozenInstanceError):
        value.a = 3
    assert value.a == 1 and {value: 1}[rec(1)] == 1


def test_equality_as_dataclasses_compare_tuples():
    """Fields are compared inside tuples: the same NaN object is equal to itself there,
    two NaNs are not."""
    one, other = float("nan"), float("nan")
    data, rec = _make("one", "dataclass"), _make("one", "record")
    assert (rec(one) == rec(one)) is (data(one) == data(one)) is True
    assert (rec(one) == rec(other)) is (data(one) == data(other)) is False


def test_post_init_and_init_false():
    rec = _make("post_init", "record")
    value = rec(1, 5)
    assert value.derived == (1, 5)
    assert rec(1, 5) == rec(1, 5)
    assert records.replace(value, b=6).derived == (1, 6)
    assert dataclasses.replace(value, b=6).derived == (1, 6)
    with pytest.raises(ValueError, match="init=False"):
        records.replace(value, derived=())
    with pytest.raises(TypeError):
        rec(1, 2, 3)


def test_recursive_repr_and_methods_kept():
    plain = _make("plain", "record")
    value = plain(1, "x")
    value.b = [value]
    assert repr(value) == "Plain(a=1, b=[...])"
    assert _make("method", "record")(4).double() == 8


def test_records_do_not_inherit():
    base = _make("plain", "record")
    with pytest.raises(TypeError, match="inherit"):
        records.record(type("Sub", (base,), {"__annotations__": {"c": "int"},
                                             "__module__": __name__}))


def _package_records() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(mizan_lang.__path__[:1], "mizan_lang."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # optional dependencies of other commands
            continue
        found.extend(value for value in vars(module).values()
                     if isinstance(value, type) and value.__module__ == info.name
                     and "__record_fields__" in value.__dict__)
    return found


def test_every_record_of_the_package_matches_its_dataclass():
    """Each record class against a dataclass of the same fields: signature, slots,
    match args, hashability; at least the modules every check imports use records."""
    classes = _package_records()
    assert {"Diagnostic", "FunctionDecl", "Node", "SourceFile", "RType", "NodeSpec"} <= {
        cls.__name__ for cls in classes}
    for cls in classes:
        frozen = cls.__setattr__ is records._frozen_setattr
        hashed = not frozen and cls.__hash__ is not None  # made with unsafe_hash=True
        body = {"__annotations__": {f.name: f.type for f in dataclasses.fields(cls)},
                "__module__": cls.__module__}
        for f in dataclasses.fields(cls):
            body[f.name] = dataclasses.field(default=f.default, default_factory=f.default_factory,
                                             init=f.init, repr=f.repr, compare=f.compare)
        data = dataclasses.dataclass(frozen=frozen, unsafe_hash=hashed, slots=True)(
            type(cls.__name__, (), body))
        assert _signature(cls) == _signature(data), cls
        assert cls.__slots__ == data.__slots__ and cls.__match_args__ == data.__match_args__
        assert (cls.__hash__ is None) == (data.__hash__ is None), cls
