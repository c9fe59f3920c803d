"""Renderers: a Report in, text out. They never probe the system."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from srvdoctor.constants import CHECK_FORMATS, COMMAND_FORMATS

__all__ = ["CHECK_FORMATS", "COMMAND_FORMATS", "numeric_data"]


def numeric_data(data: Mapping[str, Any]) -> dict[str, float]:
    """The numbers in a result's data (bools and strings left out), for metrics and perfdata."""
    return {k: float(v) for k, v in data.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
