"""Human units: sizes and durations, both ways."""

from __future__ import annotations

import re

_SIZE_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
    "t": 1000**4, "tb": 1000**4,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4,
}  # fmt: skip
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_NUMBER_UNIT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """'512MiB' -> 536870912; '1.5GB' -> 1500000000. Raises ValueError."""
    match = _NUMBER_UNIT.match(text)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _SIZE_UNITS:
        raise ValueError(f"not a size: {text!r} (use e.g. 512MiB, 20GiB, 1GB)")
    return int(float(match.group(1)) * _SIZE_UNITS[unit])


def parse_duration(text: str) -> float:
    """'90s' -> 90.0, '2m' -> 120.0, '500ms' -> 0.5. Raises ValueError."""
    total = 0.0
    rest = text.strip()
    if not rest:
        raise ValueError("empty duration")
    for match in re.finditer(r"([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)", rest):
        unit = match.group(2).lower()
        if unit not in _DURATION_UNITS:
            raise ValueError(f"not a duration: {text!r} (use e.g. 500ms, 90s, 2m, 1h)")
        total += float(match.group(1)) * _DURATION_UNITS[unit]
    if re.sub(r"([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)", "", rest).strip():
        raise ValueError(f"not a duration: {text!r} (use e.g. 500ms, 90s, 2m, 1h)")
    return total


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
