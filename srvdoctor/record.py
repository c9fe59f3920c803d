"""`@dataclass` for srvdoctor's records, at a seventh of the standard library's class cost.

Python 3.11's `dataclasses.dataclass(frozen=True)` compiles six functions per class
(`__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__`, `__delattr__`), each through its
own `exec`, and reads every annotation through its ClassVar/InitVar tests: about 1.1 ms a
class. srvdoctor defines ~170 records, most of them loaded by `srvdoctor check`, so that was
a quarter of its CPU time before a single check ran (issue 17).

This decorator sets the same `__dataclass_fields__` (real `dataclasses.Field` objects),
`__dataclass_params__` and `__match_args__`, so `dataclasses.fields`, `asdict`, `replace`,
`is_dataclass` and inheritance work as before; it builds `__init__` through one `exec`, and the
other methods are shared, generic functions over the class's field names (~0.15 ms a class).
Behaviour is the standard's for what srvdoctor uses: defaults, `field(default_factory=…,
repr=…, compare=…, hash=…)`, ClassVar, `__post_init__`, `frozen=True` (assignment and
deletion raise `dataclasses.FrozenInstanceError`; instances hash by their compared fields),
`eq` (instances of the same class compare by field), `repr`, the mutable-default error.
Anything else (`slots`, `order`, `kw_only`, `InitVar`, `init=False` fields, annotations that
are not names) goes to the standard decorator unchanged. mypy sees `dataclasses.dataclass`.
tests/test_record.py holds the two side by side.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any

__all__ = ["dataclass"]

if TYPE_CHECKING:
    from dataclasses import dataclass
else:

    def dataclass(cls: type | None = None, /, *, frozen: bool = False, **options: Any) -> Any:
        """`dataclasses.dataclass` for the options srvdoctor uses, cheaper to apply."""

        def wrap(klass: type) -> type:
            if options:
                return dataclasses.dataclass(klass, frozen=frozen, **options)
            return _record(klass, frozen)

        return wrap if cls is None else wrap(cls)


_MISSING = dataclasses.MISSING
_FIELD = dataclasses._FIELD  # type: ignore[attr-defined]
_FIELD_CLASSVAR = dataclasses._FIELD_CLASSVAR  # type: ignore[attr-defined]


class _Factory:
    """Sentinel default of a parameter whose field has a `default_factory`."""

    def __repr__(self) -> str:
        return "<factory>"


_HAS_FACTORY = _Factory()


def _record(cls: type, frozen: bool) -> type:
    bases = [b for b in cls.__mro__[1:] if "__dataclass_fields__" in b.__dict__]
    if bases and any(b.__dataclass_params__.frozen for b in bases) != frozen:  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__qualname__}: frozen and non-frozen records do not inherit from each other")
    every = _collect_fields(cls, bases)
    if every is None:  # a kind of field this module does not build: the standard decorator does
        return dataclasses.dataclass(cls, frozen=frozen)
    names = tuple(f.name for f in every)
    if "__init__" not in cls.__dict__:
        cls.__init__ = _init(cls, every, frozen)  # type: ignore[misc]
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = _repr(tuple(f.name for f in every if f.repr))  # type: ignore[assignment]
    compared = tuple(f.name for f in every if f.compare)
    if "__eq__" not in cls.__dict__:
        cls.__eq__ = _eq(compared)  # type: ignore[assignment]
    if frozen:
        hashed = tuple(f.name for f in every if (f.compare if f.hash is None else f.hash))
        if "__hash__" not in cls.__dict__ or cls.__dict__["__hash__"] is None:
            cls.__hash__ = _hash(hashed)  # type: ignore[assignment]
        cls.__setattr__ = _frozen_setattr(cls, names)  # type: ignore[assignment]
        cls.__delattr__ = _frozen_delattr(cls, names)  # type: ignore[assignment]
    elif "__hash__" not in cls.__dict__:
        cls.__hash__ = None  # type: ignore[assignment]  # eq without frozen: unhashable, as dataclasses
    if cls.__doc__ is None:
        cls.__doc__ = f"{cls.__name__}({', '.join(names)})"
    cls.__dataclass_params__ = _params(frozen)  # type: ignore[attr-defined]
    return cls


#: What the standard decorator reads as a class variable or an init-only pseudo-field, in a
#: string annotation (`from __future__ import annotations`) or an object.
_CLASSVAR = ("ClassVar", "typing.ClassVar", "t.ClassVar")
_SPECIAL = ("InitVar", "dataclasses.InitVar", "KW_ONLY", "dataclasses.KW_ONLY")


def _collect_fields(cls: type, bases: list[type]) -> list[dataclasses.Field[Any]] | None:
    """Set `__dataclass_fields__` and `__match_args__` as the standard decorator does, for
    plain fields and class variables, and return the fields `__init__` takes; None (the class
    untouched) for any other kind (InitVar, KW_ONLY, init=False, kw_only fields)."""
    annotations: dict[str, Any] = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (as dataclasses reads them)
    own: dict[str, dataclasses.Field[Any]] = {}
    for name, kind in annotations.items():
        text = kind if isinstance(kind, str) else getattr(kind, "__qualname__", repr(kind))
        if text.startswith(_SPECIAL) or not isinstance(kind, (str, type)):
            return None
        default = cls.__dict__.get(name, _MISSING)
        f: Any = default if isinstance(default, dataclasses.Field) else dataclasses.field(default=default)
        if f.kw_only is True or not f.init:
            return None
        if text.startswith(_CLASSVAR):
            if f.default_factory is not _MISSING:
                return None
            f._field_type = _FIELD_CLASSVAR
        else:
            f._field_type = _FIELD
            if f.default is not _MISSING and type(f.default).__hash__ is None:
                raise ValueError(
                    f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory"
                )
        f.name, f.type, f.kw_only = name, kind, False
        own[name] = f
    fields: dict[str, dataclasses.Field[Any]] = {}
    for base in reversed(bases):
        fields.update(base.__dataclass_fields__)  # type: ignore[attr-defined]
    fields.update(own)
    every = [f for f in fields.values() if f._field_type is _FIELD]  # type: ignore[attr-defined]
    if any(not f.init or f.kw_only is True for f in every):  # a base's, set by the standard decorator
        return None
    for name, f in own.items():
        if isinstance(cls.__dict__.get(name), dataclasses.Field):
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
    cls.__dataclass_fields__ = fields  # type: ignore[attr-defined]
    if "__match_args__" not in cls.__dict__:
        setattr(cls, "__match_args__", tuple(f.name for f in every))  # noqa: B010 (mypy refuses cls.__match_args__ =)
    return every


_PARAMS: dict[bool, Any] = {}


def _params(frozen: bool) -> Any:
    """A `__dataclass_params__` as the standard decorator leaves it (init, repr, eq; frozen or
    not), whatever fields that object has in this Python version."""
    params = _PARAMS.get(frozen)
    if params is None:
        kind = dataclasses._DataclassParams  # type: ignore[attr-defined]
        params = object.__new__(kind)
        names = getattr(kind, "__slots__", ("init", "repr", "eq", "order", "unsafe_hash", "frozen"))
        for name in names:
            setattr(
                params, name, name in ("init", "repr", "eq", "match_args") or (name == "frozen" and frozen)
            )
        _PARAMS[frozen] = params
    return params


def _init(cls: type, every: list[dataclasses.Field[Any]], frozen: bool) -> Callable[..., None]:
    """`__init__` compiled from source, as dataclasses writes it, in a single exec."""
    env: dict[str, Any] = {"__object_setattr": object.__setattr__, "_HAS_FACTORY": _HAS_FACTORY}
    params: list[str] = []
    body: list[str] = []
    for f in every:
        value = f.name
        if f.default_factory is not _MISSING:
            env[f"__factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_HAS_FACTORY")
            value = f"__factory_{f.name}() if {f.name} is _HAS_FACTORY else {f.name}"
        elif f.default is not _MISSING:
            env[f"__default_{f.name}"] = f.default
            params.append(f"{f.name}=__default_{f.name}")
        else:
            params.append(f.name)
        if frozen:
            body.append(f"  __object_setattr(self, {f.name!r}, {value})")
        else:
            body.append(f"  self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "  pass") + "\n"
    exec(compile(source, f"<record {cls.__qualname__}>", "exec"), env)
    init: Callable[..., None] = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__qualname__}({inner})"

    return __repr__


def _values(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if not names:
        return lambda _self: ()
    get = attrgetter(*names)
    if len(names) == 1:
        return lambda self: (get(self),)
    return get


def _eq(names: tuple[str, ...]) -> Callable[[Any, object], bool]:
    values = _values(names)

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(names: tuple[str, ...]) -> Callable[[Any], int]:
    values = _values(names)

    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _frozen_setattr(owner: type, names: tuple[str, ...]) -> Callable[[Any, str, Any], None]:
    fields = frozenset(names)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is owner or name in fields:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(owner, self).__setattr__(name, value)  # type: ignore[arg-type]

    return __setattr__


def _frozen_delattr(owner: type, names: tuple[str, ...]) -> Callable[[Any, str], None]:
    fields = frozenset(names)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is owner or name in fields:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(owner, self).__delattr__(name)  # type: ignore[arg-type]

    return __delattr__
