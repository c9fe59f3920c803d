"""JSON: the report as DESIGN.md's schema 1."""

from __future__ import annotations

import json
from typing import Any

from srvdoctor.model import Report


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n"


def render(report: Report) -> str:
    return dumps(report.to_dict())
