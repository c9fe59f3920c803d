"""srvdoctor.record.dataclass behaves as dataclasses.dataclass for what srvdoctor uses.

Each case defines the same class twice, once with each decorator, and compares what a caller
can observe: construction, defaults and factories, __post_init__, repr, equality, hashing,
frozen assignment and deletion, replace/asdict/fields/__match_args__, inheritance.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from typing import Any, ClassVar

import pytest

import srvdoctor
from srvdoctor import record


def _pair(frozen: bool) -> tuple[type[Any], type[Any]]:
    made = []
    for decorate in (dataclasses.dataclass, record.dataclass):

        @decorate(frozen=frozen)
        class Point:
            """A point."""

            kind: ClassVar[str] = "point"
            x: int
            y: int = 0
            tags: tuple[str, ...] = ()
            notes: list[str] = dataclasses.field(default_factory=list, compare=False)
            secret: str = dataclasses.field(default="", repr=False)

        made.append(Point)
    return made[0], made[1]


@pytest.mark.parametrize("frozen", [True, False])
def test_a_record_is_observably_a_dataclass(frozen: bool) -> None:
    std, ours = _pair(frozen)
    for args, kwargs in [((1,), {}), ((1, 2, ("a",)), {"secret": "s"}), ((), {"x": 3, "notes": ["n"]})]:
        a, b = std(*args, **kwargs), ours(*args, **kwargs)
        assert repr(a) == repr(b)
        assert dataclasses.asdict(a) == dataclasses.asdict(b)
        assert dataclasses.astuple(a) == dataclasses.astuple(b)
        assert repr(dataclasses.replace(a, y=9)) == repr(dataclasses.replace(b, y=9))
        # equality ignores compare=False fields, and other classes
        assert (a == std(*args, **{**kwargs, "notes": ["other"]})) is True
        assert (b == ours(*args, **{**kwargs, "notes": ["other"]})) is True
        assert (b == ours(99)) is (a == std(99)) is False
        assert b.__eq__(a) is NotImplemented
    assert [f.name for f in dataclasses.fields(std)] == [f.name for f in dataclasses.fields(ours)]
    assert std.__match_args__ == ours.__match_args__
    assert dataclasses.is_dataclass(ours)
    assert ours.__dataclass_params__.frozen is frozen
    assert ours(1).notes is not ours(1).notes  # a fresh list per instance, as default_factory
    assert list(inspect.signature(ours).parameters) == list(inspect.signature(std).parameters)
    with pytest.raises(TypeError):
        ours()  # x is required
    with pytest.raises(TypeError):
        ours(1, bogus=2)


def test_frozen_records_refuse_assignment_and_hash_by_value() -> None:
    std, ours = _pair(frozen=True)
    a, b = std(1, 2), ours(1, 2)
    for obj in (a, b):
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'x'"):
            obj.x = 5
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'y'"):
            del obj.y
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.other = 1  # not a field either: frozen is frozen
    assert hash(ours(1, 2)) == hash(ours(1, 2, notes=["differs, not compared"]))
    assert len({ours(1, 2), ours(1, 2), ours(2, 2)}) == len({std(1, 2), std(1, 2), std(2, 2)}) == 2


def test_mutable_records_assign_and_are_unhashable() -> None:
    std, ours = _pair(frozen=False)
    a, b = std(1), ours(1)
    a.x = b.x = 7
    assert repr(a) == repr(b)
    for cls in (std, ours):
        assert cls.__hash__ is None


def test_post_init_inheritance_and_mismatch() -> None:
    @record.dataclass(frozen=True)
    class Base:
        a: int
        b: int = 2

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("negative")

    @record.dataclass(frozen=True)
    class Child(Base):
        c: int = 3

    child = Child(1, c=5)
    assert repr(child) == "test_post_init_inheritance_and_mismatch.<locals>.Child(a=1, b=2, c=5)"
    assert child != Base(1, 2)  # other class: never equal, as dataclasses
    with pytest.raises(ValueError, match="negative"):
        Child(-1)  # the base's __post_init__ runs for the child too
    with pytest.raises(dataclasses.FrozenInstanceError):
        child.c = 1
    with pytest.raises(TypeError, match="frozen"):

        @record.dataclass
        class Thawed(Base):
            d: int = 0


def test_options_it_does_not_cover_go_to_the_standard_decorator() -> None:
    @record.dataclass(slots=True)
    class Slotted:
        a: int

    assert Slotted.__slots__ == ("a",)
    assert Slotted(1) == Slotted(1)


def test_what_it_does_not_build_goes_to_the_standard_decorator() -> None:
    @record.dataclass(frozen=True)
    class WithInitVar:
        a: int
        scale: dataclasses.InitVar[int] = 1

        def __post_init__(self, scale: int) -> None:
            object.__setattr__(self, "a", self.a * scale)

    assert WithInitVar(2, 3).a == 6
    assert [f.name for f in dataclasses.fields(WithInitVar)] == ["a"]
    for decorate in (dataclasses.dataclass, record.dataclass):
        with pytest.raises(ValueError, match="mutable default <class 'list'> for field items is not allowed"):

            @decorate
            class Mutable:
                items: list[int] = []  # noqa: RUF012 (the mistake under test)


def test_every_srvdoctor_record_builds_the_init_dataclasses_would() -> None:
    """Over the whole package: same parameters, same defaults, in the same order."""
    seen = 0
    for info in pkgutil.walk_packages(srvdoctor.__path__, "srvdoctor."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if not (inspect.isclass(cls) and cls.__module__ == info.name and dataclasses.is_dataclass(cls)):
                continue
            seen += 1
            params = inspect.signature(cls).parameters
            fields = [f for f in dataclasses.fields(cls) if f.init]
            assert list(params) == [f.name for f in fields], cls
            for f in fields:
                default = params[f.name].default
                if f.default is not dataclasses.MISSING:
                    assert default is f.default, (cls, f.name)
                elif f.default_factory is not dataclasses.MISSING:
                    assert repr(default) == "<factory>", (cls, f.name)
                else:
                    assert default is inspect.Parameter.empty, (cls, f.name)
    assert seen > 150
