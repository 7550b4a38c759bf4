"""`record`: the dataclasses of the modules every check imports, made cheaply.

`dataclasses.dataclass(slots=True)` costs ~2 M instructions per class (it
compiles `__init__`, `__repr__` and `__eq__` from source one by one and reads
the annotations through regular expressions), and importing `dataclasses`
imports `inspect` (~40 M more): about 150 M of the ~1,000 M instructions a
first check of 1,000 functions takes in a fresh process. A record compiles
only its `__init__`; equality, hashing and repr are shared functions over the
field names. What they do is what `dataclass(slots=True)` does for these
classes (tests/test_records.py compares the two): the same `__init__`
(defaults, `field(default_factory=...)`, `init=False`, `__post_init__`),
`__eq__` (same class, fields compared as tuples), `__hash__` (None, or the
fields' tuple when frozen or `unsafe_hash`), `__repr__`, `__match_args__`, `__slots__`, and
frozen instances that refuse assignment.

`dataclasses.fields`, `replace`, `asdict` and `is_dataclass` work on records
too: `__dataclass_fields__` is made on first use (importing dataclasses then).
Not supported, as no record needs them: inheritance between records,
`ClassVar`/`InitVar` annotations, ordering, and classes without slots.
"""

from __future__ import annotations

from operator import attrgetter
from reprlib import recursive_repr

# Without `typing` at run time (~11 M instructions at start-up): the decorator
# only tells type checkers that `record` makes dataclass-like classes.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, dataclass_transform
else:
    def dataclass_transform(**_: object) -> object:
        return lambda function: function

MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "MISSING"})()
_FACTORY: Any = type("_Factory", (), {"__repr__": lambda self: "<factory>"})()


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record (as `dataclasses.FrozenInstanceError`)."""


class Field:
    __slots__ = ("compare", "default", "default_factory", "init", "name", "repr", "type")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING,
                 init: bool = True, repr: bool = True, compare: bool = True) -> None:
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare
        self.name = ""
        self.type: Any = None


def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True,
          repr: bool = True, compare: bool = True) -> Any:
    return Field(default, default_factory, init, repr, compare)


@dataclass_transform(field_specifiers=(field,))
def record(cls: Any = None, /, *, frozen: bool = False, unsafe_hash: bool = False) -> Any:
    """`@record`, `@record(frozen=True)`, `@record(unsafe_hash=True)`: as `@dataclass`
    with the same arguments and `slots=True`."""
    if cls is None:
        return lambda cls: _make(cls, frozen, unsafe_hash)
    return _make(cls, frozen, unsafe_hash)


def replace(obj: Any, /, **changes: Any) -> Any:
    """A copy of `obj` with some fields changed (`dataclasses.replace`)."""
    for spec in obj.__record_fields__:
        if not spec.init:
            if spec.name in changes:
                raise ValueError(f"field {spec.name} is declared with init=False, it cannot be "
                                 "specified with replace()")
        elif spec.name not in changes:
            changes[spec.name] = getattr(obj, spec.name)
    return obj.__class__(**changes)


def _make(cls: type, frozen: bool, unsafe_hash: bool = False) -> Any:
    specs = []
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 - avoids inspect
    for name, annotation in annotations.items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar", "InitVar")):
            raise TypeError(f"{cls.__name__}.{name}: ClassVar and InitVar are not supported")
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(default=value)
        spec.name, spec.type = name, annotation
        specs.append(spec)
    if any(hasattr(base, "__record_fields__") for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__name__}: records do not inherit from records")
    names = tuple(spec.name for spec in specs)
    body = {key: value for key, value in cls.__dict__.items()
            if key not in names and key not in ("__dict__", "__weakref__")}
    body["__slots__"] = names
    body["__record_fields__"] = tuple(specs)
    body["__dataclass_fields__"] = _DataclassFields(frozen, unsafe_hash)
    own = set(body)
    methods = {
        "__init__": _init(cls, specs, frozen),
        "__repr__": _repr([spec.name for spec in specs if spec.repr]),
        "__eq__": _eq(_getter([spec.name for spec in specs if spec.compare])),
        "__match_args__": tuple(spec.name for spec in specs if spec.init),
    }
    for key, value in methods.items():
        if key not in own:
            body[key] = value
    if frozen or unsafe_hash:
        body["__hash__"] = _hash(_getter([spec.name for spec in specs if spec.compare]))
    elif "__hash__" not in own or (body["__hash__"] is None and "__eq__" in own):
        body["__hash__"] = None  # eq without frozen: unhashable, as a dataclass
    if frozen:
        body["__setattr__"], body["__delattr__"] = _frozen_setattr, _frozen_delattr
        body["__getstate__"], body["__setstate__"] = _getstate(names), _setstate(names)
    made = type(cls)(cls.__name__, cls.__bases__, body)
    made.__qualname__ = cls.__qualname__
    for method in ("__init__", "__repr__", "__eq__", "__hash__"):
        function = made.__dict__.get(method)
        if method not in own and hasattr(function, "__qualname__"):
            function.__qualname__ = f"{cls.__qualname__}.{method}"
    return made


def _init(cls: type, specs: list[Field], frozen: bool) -> Any:
    """`__init__`, compiled from source as dataclasses compiles it (or ahead: the
    same source's code from the table, with these globals and defaults)."""
    params, lines, defaults = ["self"], [], []
    scope: dict[str, Any] = {"_FACTORY": _FACTORY, "_set": object.__setattr__}
    for spec in specs:
        name = spec.name
        if spec.default_factory is not MISSING:
            scope[f"_factory_{name}"] = spec.default_factory
            value = f"_factory_{name}() if {name} is _FACTORY else {name}" if spec.init \
                else f"_factory_{name}()"
            default = "_FACTORY"
        elif spec.default is not MISSING:
            scope[f"_default_{name}"] = spec.default
            value = name if spec.init else f"_default_{name}"
            default = f"_default_{name}"
        else:
            value, default = name, ""
            if not spec.init:
                continue  # set by __post_init__
        if spec.init:
            params.append(f"{name}={default}" if default else name)
            if default:
                defaults.append(default)
        lines.append(f"_set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if "__post_init__" in cls.__dict__:
        lines.append("self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n    " + "\n    ".join(lines or ["pass"])
    code = init_code(source)
    if code is None:
        exec(source, scope)  # noqa: S102 - our own source, as dataclasses does
        return scope["__init__"]
    return _function(code, scope, None, tuple(scope[name] for name in defaults) or None)


_function = type(_init)


def init_code(source: str) -> Any:
    """The code of `source`'s `__init__` as compiled ahead (`mizan_lang.ahead`), or None."""
    from .ahead_table import INITS

    return INITS.get(source)


def _getter(names: list[str]) -> Any:
    """The fields' values as a tuple (what dataclasses compares and hashes)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _eq(get: Any) -> Any:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return get(self) == get(other)
        return NotImplemented
    return __eq__


def _hash(get: Any) -> Any:
    def __hash__(self: Any) -> int:
        return hash(get(self))
    return __hash__


def _repr(names: list[str]) -> Any:
    @recursive_repr()
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({inner})"
    return __repr__


# A frozen dataclass refuses any assignment to an instance of its own class.
def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(names: tuple[str, ...]) -> Any:
    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, name) for name in names]
    return __getstate__


def _setstate(names: tuple[str, ...]) -> Any:
    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)
    return __setstate__


class _DataclassFields:
    """A record's `__dataclass_fields__`, made on first use from a dataclass of the
    same fields (the public API only), then kept on the class."""

    def __init__(self, frozen: bool, unsafe_hash: bool) -> None:
        self.frozen = frozen
        self.unsafe_hash = unsafe_hash

    def __get__(self, obj: Any, cls: type) -> dict[str, Any]:
        import dataclasses

        body: dict[str, Any] = {"__annotations__": {}}
        for spec in cls.__record_fields__:  # type: ignore[attr-defined]
            body["__annotations__"][spec.name] = spec.type
            body[spec.name] = dataclasses.field(
                default=dataclasses.MISSING if spec.default is MISSING else spec.default,
                default_factory=(dataclasses.MISSING if spec.default_factory is MISSING
                                 else spec.default_factory),
                init=spec.init, repr=spec.repr, compare=spec.compare)
        shadow = dataclasses.dataclass(frozen=self.frozen, unsafe_hash=self.unsafe_hash)(
            type(cls.__name__, (), body))
        found = shadow.__dataclass_fields__
        type.__setattr__(cls, "__dataclass_fields__", found)
        return found
