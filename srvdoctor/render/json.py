"""JSON: the report as DESIGN.md's schema 1, always valid UTF-8.

File names on Linux are bytes; Python decodes the ones that are not UTF-8 with
`surrogateescape` (byte 0xff becomes U+DCFF), which no UTF-8 encoder accepts. The convention
(`utf8_safe`): such a string is written with each undecodable byte spelled `\\xff` (the
`surrogateescape` → `backslashreplace` round), and beside any key holding one, a key
`<key>_bytes` (e.g. `path_bytes`) carries the exact bytes in base64, so a program can still
open the file. Control characters stay as JSON escapes (`\\u001b`); JSON keeps them exact.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from srvdoctor.messages import machine_language
from srvdoctor.model import Report
from srvdoctor.render.safe import visible_surrogates


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


def utf8_safe(obj: Any) -> Any:
    """`obj` with every string encodable as UTF-8; see the module docstring for the convention."""
    if isinstance(obj, str):
        return visible_surrogates(obj)
    if isinstance(obj, dict):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            safe_key = utf8_safe(key)
            out[safe_key] = utf8_safe(value)
            if isinstance(value, str) and _has_surrogates(value) and isinstance(key, str):
                try:
                    raw = value.encode("utf-8", "surrogateescape")
                except UnicodeEncodeError:  # a surrogate that is no escaped byte
                    raw = value.encode("utf-8", "surrogatepass")
                out[f"{safe_key}_bytes"] = base64.b64encode(raw).decode("ascii")
        return out
    if isinstance(obj, (list, tuple)):
        return [utf8_safe(v) for v in obj]
    return obj


def dumps(obj: Any) -> str:
    return json.dumps(utf8_safe(obj), indent=2, ensure_ascii=False, default=str) + "\n"


def render(report: Report) -> str:
    return dumps(report.to_dict(machine_language()))
