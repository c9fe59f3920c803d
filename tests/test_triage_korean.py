"""Issue #18, "Done when": `OSError: [Errno 28] 장치에 남은 공간이 없음` and `bash: x: 그런 파일이나
디렉터리가 없습니다` rank `disk-full` and `path-missing` first, under a Korean locale as under C,
and the JSON ids do not change with the language."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from srvdoctor.triage import triage
from tests.conftest import CliResult

CASES = [
    ("OSError: [Errno 28] 장치에 남은 공간이 없음", "disk-full"),
    ("bash: x: 그런 파일이나 디렉터리가 없습니다", "path-missing"),
]
#: The language settings a person's shell may carry, and the explicit option.
SETTINGS: list[tuple[dict[str, str], tuple[str, ...]]] = [
    ({"LANG": "C"}, ()),
    ({"LANG": "ko_KR.UTF-8"}, ()),
    ({"LANG": "C", "LANGUAGE": "ko", "LC_ALL": "C.UTF-8"}, ()),
    ({"LANG": "C"}, ("--lang", "ko")),
]


@pytest.mark.parametrize(("text", "note"), CASES)
def test_ranks_first(text: str, note: str) -> None:
    assert triage(text).note_ids[0] == note


#: What a language adds to the JSON (model.Report.to_json): the language and the localised text.
_ADDED = {"lang", "localized"}


def _ids(report: dict[str, Any]) -> dict[str, Any]:
    """What machines read: the ids and keys, never the prose."""
    return {
        "keys": sorted(k for k in report if k not in _ADDED),
        "error_class": {k: report["error_class"][k] for k in ("kind", "area")},
        "notes": [(n["id"], n["origin"], n["checks"], n["confirmed_by"]) for n in report["notes"]],
        "note_keys": [sorted(k for k in n if k not in _ADDED) for n in report["notes"]],
    }


@pytest.mark.parametrize(("text", "note"), CASES)
def test_cli_ranks_first_and_json_ids_do_not_change(
    cli: Callable[..., CliResult], text: str, note: str
) -> None:
    ids = []
    for env, option in SETTINGS:
        table = cli("triage", "--no-run", *option, text, env=env)
        assert table.rc == 0, table.stderr
        first = re.search(r"^\s*1\. ([a-z0-9-]+)\b", table.stdout, re.MULTILINE)
        assert first and first.group(1) == note, (env, option, table.stdout)
        js = cli("triage", "--no-run", "--format", "json", *option, text, env=env)
        assert js.rc == 0, js.stderr
        report = json.loads(js.stdout)
        assert report["notes"][0]["id"] == note
        ids.append(_ids(report))
    assert all(i == ids[0] for i in ids[1:]), ids
