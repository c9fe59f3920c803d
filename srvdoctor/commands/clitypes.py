"""Plain option values (str, int, float, Path, lists of them) converted without pydantic.

Typer 0.2x converts every option through a pydantic TypeAdapter built on first use, and
importing pydantic for that costs more start-up than typer itself (about 0.7x `import
typer`). srvdoctor's options are plain types, so the command line converts those here and
leaves anything else (choices, ranges, files, enums, datetimes) to typer. Older typer
(click types, no `_runtime_param`) is left as it is.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from srvdoctor.messages import N_, _

_NAMES = {int: N_("integer"), float: N_("float"), str: N_("text"), Path: N_("path")}
#: Path options that ask typer for checks (exists=True...) keep typer's conversion.
_PATH_DEFAULTS = {
    "exists": False, "file_okay": True, "dir_okay": True, "writable": False,
    "readable": True, "resolve_path": False, "allow_dash": False, "path_type": None,
}  # fmt: skip


class _Plain:
    """Stands in for typer's RuntimeParam: `coerce(value, param, ctx)`."""

    def __init__(self, convert: Callable[[Any], Any], many: bool) -> None:
        self.convert = convert
        self.many = many

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        try:
            if self.many or multi:
                if isinstance(value, str):
                    raise typer.BadParameter(_("Value must be an iterable."), ctx=ctx, param=param)
                return [self.convert(v) for v in value]
            return self.convert(value)
        except (TypeError, ValueError) as exc:
            raise typer.BadParameter(str(exc), ctx=ctx, param=param) from None


def _leaf(annotation: Any, info: Any) -> Callable[[Any], Any] | None:
    """A converter for one plain type, or None to leave it to typer."""
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if (low is not None or high is not None) and (annotation not in (int, float) or info.clamp):
        return None
    if getattr(info, "click_type", None) is not None:
        return None
    parser = getattr(info, "parser", None)
    if parser is not None:
        return parser  # type: ignore[no-any-return]
    if annotation is Path and any(getattr(info, k, v) != v for k, v in _PATH_DEFAULTS.items()):
        return None
    if annotation is bool:
        return _boolean
    if annotation not in _NAMES:
        return None
    kind: Any = annotation
    name = _NAMES[annotation]

    def convert(value: Any) -> Any:
        if isinstance(value, kind) and not isinstance(value, bool):
            return value
        try:
            out = kind(value)
        except (TypeError, ValueError):
            raise ValueError(
                _("{value!r} is not a valid {name}.").format(value=value, name=_(name))
            ) from None
        if (low is not None and out < low) or (high is not None and out > high):
            where = " and ".join(x for x in (f"x>={low}" if low is not None else "",
                                             f"x<={high}" if high is not None else "") if x)  # fmt: skip
            raise ValueError(_("{out} is not in the range {where}.").format(out=out, where=where))
        return out

    return convert


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "t", "yes", "y", "on"):
        return True
    if text in ("0", "false", "f", "no", "n", "off"):
        return False
    raise ValueError(_("{value!r} is not a valid boolean.").format(value=value))


def _converter(annotation: Any, info: Any) -> tuple[Callable[[Any], Any], bool] | None:
    """(converter, is a list) for `annotation`, `X | None` and `list[X] | None` included."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None
        return _converter(args[0], info)
    if origin is list:
        (item,) = typing.get_args(annotation) or (None,)
        leaf = _leaf(item, info)
        return (leaf, True) if leaf is not None else None
    leaf = _leaf(annotation, info)
    return (leaf, False) if leaf is not None else None


def install() -> None:
    """Convert plain parameters here: wraps typer's lazy `get_runtime_param` (typer 0.2x only)."""
    import typer.core

    cls: Any = getattr(typer.core, "_TyperParameter", None)
    if cls is None or not hasattr(cls, "get_runtime_param") or getattr(cls, "_plain_types", False):
        return
    original = cls.get_runtime_param

    def get_runtime_param(self: Any) -> Any:
        if getattr(self, "_runtime_param", None) is None:
            descriptor = self.type_descriptor
            found = _converter(descriptor.annotation, descriptor.parameter_info)
            if found is not None:
                self._runtime_param = _Plain(*found)
        return original(self)

    cls.get_runtime_param = get_runtime_param
    cls._plain_types = True
