"""Every hint is a line that runs when pasted: a trailing "(remark)" becomes a shell comment."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from srvdoctor.model import Result, Status
from srvdoctor.shellcmd import pasteable


@pytest.mark.parametrize(
    ("hint", "line"),
    [
        ("sudo iptables -S OUTPUT; sudo nft list ruleset   (on this machine)",
         "sudo iptables -S OUTPUT; sudo nft list ruleset   # on this machine"),
        ("ss -ltnp 'sport = :8084'   (on 10.0.0.2: Local Address 127.0.0.1 = loopback only)",
         "ss -ltnp 'sport = :8084'   # on 10.0.0.2: Local Address 127.0.0.1 = loopback only"),
        ("top -o %CPU", "top -o %CPU"),
        ("echo '(a)'", "echo '(a)'"),
    ],
)  # fmt: skip
def test_a_trailing_remark_becomes_a_comment(hint: str, line: str) -> None:
    assert pasteable(hint) == line
    assert Result("x.y", "t", Status.WARN, "s", hints=(hint,)).hints == (line,)


def test_the_result_hints_parse_in_bash() -> None:
    bash = shutil.which("bash")
    assert bash is not None
    r = Result("port.tcp", "t", Status.FAIL, "s",
               hints=("srvdoctor firewall --port 80   (on the machine that runs the server)",))  # fmt: skip
    proc = subprocess.run([bash, "-n", "-c", r.hints[0]], capture_output=True, text=True, timeout=10)
    assert proc.returncode == 0, proc.stderr
    unchanged = subprocess.run([bash, "-n", "-c", "srvdoctor firewall --port 80   (on the machine)"],
                               capture_output=True, text=True, timeout=10)  # fmt: skip
    assert unchanged.returncode != 0  # what 0.1.0 printed did not parse
