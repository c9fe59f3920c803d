"""`srvdoctor load --lang ko` on this machine's real readings: the results speak Korean, the
JSON keeps each English summary and adds the Korean one (numbers identical)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from srvdoctor import messages
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
pytestmark = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)
SIZE = r"[\d.]+ (?:B|KiB|MiB|GiB|TiB)"
MEM_EN = re.compile(rf"({SIZE}) of ({SIZE}) memory available \((\d+)%\)")


def test_json_lang_ko_keeps_english_and_adds_korean(cli: Cli) -> None:
    report = json.loads(cli("load", "--format", "json", "--lang", "ko").stdout)
    results = {r["check"]: r for r in report["results"]}
    mem = results["mem.available"]
    m = MEM_EN.match(mem["summary"])
    assert m is not None, mem["summary"]
    avail, total, pct = m.groups()
    assert mem["localized"]["summary"].startswith(f"메모리 {total} 중 {avail} 사용 가능 ({pct}%)")
    load = results["cpu.load"]
    assert re.search(r"^(?:.*; )?load [\d.]+ [\d.]+ [\d.]+ on \d+ CPUs", load["summary"])
    numbers = re.search(r"load ([\d.]+ [\d.]+ [\d.]+) on (\d+) CPUs", load["summary"])
    assert numbers is not None
    assert f"부하 {numbers[1]}, CPU {numbers[2]}개 (코어당 " in load["localized"]["summary"]
    mine = [r for r in report["results"] if r["check"].startswith(("cpu.", "mem.", "container."))]
    assert [r["check"] for r in mine] == ["cpu.usage", "cpu.load", "mem.available", "mem.swap", "mem.pressure",
                                          "mem.oom"]  # fmt: skip
    for r in mine:  # every load result has its Korean beside the English
        assert r["localized"]["lang"] == "ko"
        assert re.search("[가-힣]", r["localized"]["summary"]), r
        assert not re.search("[가-힣]", r["summary"]), r


def test_table_lang_ko(cli: Cli) -> None:
    lines = cli("load", "--lang", "ko").stdout.splitlines()
    assert any(re.fullmatch(rf"  \[.\] mem\.available memory: 메모리 {SIZE} 중 {SIZE} 사용 가능 \(\d+%\).*", x)
               for x in lines), lines  # fmt: skip
    assert any(re.fullmatch(r"  \[.\] cpu\.load cpu: .*부하 [\d.]+ [\d.]+ [\d.]+, CPU \d+개 \(코어당 .*\)", x)
               for x in lines), lines  # fmt: skip
    english = cli("load", "--lang", "en").stdout
    assert not re.search("[가-힣]", english)
