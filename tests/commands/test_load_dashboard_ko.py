"""`srvdoctor load --lang ko`: the dashboard in Korean, every line of it within 80 columns."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from srvdoctor import messages

pytestmark = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _dashboard(stdout: str, heading: str) -> list[str]:
    """The dashboard: the lines above the report's first area heading (`heading` alone on a line)."""
    lines = stdout.splitlines()
    return lines[: lines.index(heading)]


def test_load_dashboard_in_korean_fits_80_columns(cli) -> None:  # type: ignore[no-untyped-def]
    korean = cli("load", "--lang", "ko", env={"COLUMNS": "80"})
    english = cli("load", env={"COLUMNS": "80"})
    assert korean.rc in (0, 1) and english.rc in (0, 1), korean.stderr
    ko, en = _dashboard(korean.stdout, "부하"), _dashboard(english.stdout, "load")
    assert max(cell_len(line) for line in ko) <= 80, [line for line in ko if cell_len(line) > 80]
    assert max(cell_len(line) for line in en) <= 80
    labels = [line.split()[0] for line in ko if line.strip() and not line.startswith(" ")]
    assert {"cpu0", "cpu", "부하", "메모리", "스왑"} <= set(labels), labels
    assert "메모리 상위 (상주)" in ko and "top by memory (resident)" in en
    headers = [line.split() for line in ko if line.split()[:2] == ["pid", "사용자"]]
    assert headers and headers[0] == ["pid", "사용자", "cpu%", "rss", "명령"]
    load = next(line for line in ko if line.startswith("부하 "))
    assert re.search(r"1, 5, 15분 \(CPU \d+개\)$", load.rstrip())
    memory = next(line for line in ko if line.startswith("메모리 "))
    assert re.search(r"\d+% [\d.]+ [KMGT]?i?B 중 [\d.]+ [KMGT]?i?B 사용 가능$", memory.rstrip()), memory
    assert not HANGUL.search(english.stdout)
    verdict = korean.stdout.splitlines()[-1]
    assert re.fullmatch(
        r"문제 없음 \((정상|경고|실패|건너뜀|오류) \d+(, .+)?\)\.|문제 \d+건 발견: [a-z.,_ ]+ \(.+\)\.",
        verdict,
    )


def test_watch_frame_in_korean_fits_80_columns(cli) -> None:  # type: ignore[no-untyped-def]
    """--watch into a pipe prints frames like `top -b`: the first one, cut off by the timeout."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "srvdoctor", "load", "--watch", "0.5", "--lang", "ko"],
        stdout=subprocess.PIPE, text=True, env={"COLUMNS": "80", "NO_COLOR": "1", "PATH": "/usr/bin:/bin",
                                                "SRVDOCTOR_CONFIG": "/dev/null"},
    )  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=4)
    except subprocess.TimeoutExpired:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    frame = out.split("\n부하\n")[0].splitlines()
    assert frame[0].startswith("─") and any(line.startswith("메모리 ") for line in frame), out[:400]
    assert max(cell_len(line) for line in frame) <= 80
