"""JSON Schemas (2020-12) of every `--format json` output, shipped inside the package.

Each schema's `$id` is a URN (`urn:srvdoctor:schema:<kind>:<version>`); a report names its
own in its `"$schema"` key. Load one with `load("report")`; `registry()` resolves the
`$ref`s between them (a triage or environment report embeds a check report).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

KINDS = ("report", "disk", "notes", "triage", "envreport", "merge")
REPORT_ID = "urn:srvdoctor:schema:report:1"


def load(kind: str) -> dict[str, Any]:
    """The schema of one kind of output, parsed."""
    if kind not in KINDS:
        raise KeyError(f"no schema {kind!r}; known: {', '.join(KINDS)}")
    text = resources.files(__name__).joinpath(f"{kind}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every schema by its `$id`."""
    return {schema["$id"]: schema for schema in map(load, KINDS)}
