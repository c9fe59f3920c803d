"""Human units: sizes and durations, both ways."""

from __future__ import annotations

import math
import re

from srvdoctor.lazyre import lazy

#: The longest duration srvdoctor accepts anywhere (timeouts, `max_age`, `--every`, `--retry-for`):
#: ten years. Longer values, `inf` and `nan` are errors naming the key, never an OverflowError.
MAX_DURATION_S = 10 * 365 * 86400.0
#: The largest size srvdoctor accepts (`min_bytes`, `*_bytes` thresholds): 2**63 - 1 bytes
#: (8 EiB), the largest file size Linux can express.
MAX_SIZE_BYTES = 2**63 - 1

_SIZE_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
    "t": 1000**4, "tb": 1000**4,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4,
}  # fmt: skip
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_NUMBER_UNIT = lazy(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """'512MiB' -> 536870912; '1.5GB' -> 1500000000. Raises ValueError."""
    match = _NUMBER_UNIT.match(text)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _SIZE_UNITS:
        raise ValueError(f"not a size: {short_repr(text)} (use e.g. 512MiB, 20GiB, 1GB)")
    value = float(match.group(1)) * _SIZE_UNITS[unit]
    if not value <= MAX_SIZE_BYTES:  # inf from a number of 309+ digits, or just too large
        raise ValueError(f"size {short_repr(text)} is too large (at most 8 EiB)")
    return int(value)


def parse_duration(text: str) -> float:
    """'90s' -> 90.0, '2m' -> 120.0, '500ms' -> 0.5. Raises ValueError."""
    total = 0.0
    rest = text.strip()
    if not rest:
        raise ValueError("empty duration")
    for match in re.finditer(r"([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)", rest):
        unit = match.group(2).lower()
        if unit not in _DURATION_UNITS:
            raise ValueError(f"not a duration: {short_repr(text)} (use e.g. 500ms, 90s, 2m, 1h)")
        total += float(match.group(1)) * _DURATION_UNITS[unit]
    if re.sub(r"([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)", "", rest).strip():
        raise ValueError(f"not a duration: {short_repr(text)} (use e.g. 500ms, 90s, 2m, 1h)")
    return check_duration(total, text)


def check_duration(seconds: float, shown: object = None) -> float:
    """`seconds` when finite, >= 0 and at most MAX_DURATION_S; else ValueError saying which."""
    what = short_repr(shown) if shown is not None else short_repr(seconds)
    if math.isnan(seconds):
        raise ValueError(f"expected a number of seconds, got {what}")
    if seconds < 0:
        raise ValueError(f"expected a duration >= 0, got {what}")
    if seconds > MAX_DURATION_S:
        raise ValueError(f"duration {what} is too long (at most 10 years, 3650d)")
    return seconds


def number_value(value: object) -> float:
    """A TOML/JSON number (not a bool) as a finite float; ValueError for nan, inf, 1e400, 10**400."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {short_repr(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int past a float's range
        raise ValueError(f"number out of range: {short_repr(value)}") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {short_repr(value)}")
    return number


def short_repr(value: object, limit: int = 40) -> str:
    """repr() of a value for an error line, cut (a 5,000-digit number is not repeated in full)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 3 * limit:
        try:
            return f"a {len(str(abs(value)))}-digit number"
        except ValueError:  # past Python's 4,300-digit conversion limit
            return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "…" + text[-4:]


def naturalsize(n: float) -> str:
    """Binary units as df -h prints them: 1.2 GiB, 512 MiB, 980 B."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def naturalduration(seconds: float) -> str:
    """0.0123 -> '12 ms', 95 -> '1m35s', 7200 -> '2h0m'."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    return f"{hours // 24}d{hours % 24}h"
