"""`srvdoctor logs` in Korean on real kernel log lines (written to /dev/kmsg, as
tests/commands/test_logs.py plants them): the table speaks Korean, the JSON keeps English."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from srvdoctor import messages
from tests.conftest import CliResult
from tests.kmsgutil import kernel_lines, token, write_kmsg

Cli = Callable[..., CliResult]
pytestmark = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)
STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


@pytest.mark.root
def test_kernel_problems_in_korean(cli: Cli) -> None:
    tok = token()
    dev = tok[-6:]
    planted = kernel_lines(tok)
    write_kmsg(planted["ext4"], planted["blk"])
    res = cli("logs", "--since", "10m", "--format", "json", "--lang", "ko")
    results = {r["target"]: r for r in json.loads(res.stdout)["results"]}
    ext4 = results[f"sdt{dev}1"]
    m = re.fullmatch(rf"EXT4 filesystem error on sdt{dev}1: 1× \(at ({STAMP})\)", ext4["summary"])
    assert m is not None, ext4["summary"]
    assert ext4["localized"]["summary"] == f"EXT4 파일시스템 오류 (sdt{dev}1): 1회 ({m[1]})"
    assert ext4["localized"]["details"] == [
        f"마지막 줄: {planted['ext4']}",
        f"프로세스: ls-{tok}",
        f"발견된 곳: {', '.join(ext4['data']['sources'])}",
    ]
    assert (ext4["playbook"], ext4["status"]) == ("filesystem-errors", "fail")
    blk = results[f"sdt{dev}"]
    assert blk["localized"]["summary"] == blk["summary"].replace("Block device I/O error on ", "블록 장치 I/O 오류 (") \
        .replace(": 1× (at ", "): 1회 (")  # fmt: skip
    # the table, under a Korean locale and no --lang
    table = cli("logs", "--since", "10m", env={"LANG": "ko_KR.UTF-8", "LC_ALL": "", "LANGUAGE": ""})
    assert any(re.fullmatch(rf"  \[✗\] logs\.kernel sdt{dev}1: EXT4 파일시스템 오류 \(sdt{dev}1\): 1회 \({STAMP}\)", x)
               for x in table.stdout.splitlines()), table.stdout  # fmt: skip
    assert f"      마지막 줄: {planted['blk']}" in table.stdout.splitlines()
