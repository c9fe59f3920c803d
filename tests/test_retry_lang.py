"""`check --retry-for` in Korean: the attempt lines on stderr and the closing sentence."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import run_cli

C = {"LANG": "C", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": ""}


def test_retries_until_healthy_in_korean(tmp_path: Path) -> None:
    flag = tmp_path / "ready"
    config = tmp_path / "smoke.toml"
    config.write_text(f'[[expect.command]]\nrun = ["test", "-e", "{flag}"]\n')
    later = subprocess.Popen(["sh", "-c", f"sleep 2; touch {flag}"])
    try:
        res = run_cli("check", "--only", "expect", "--config", str(config), "--retry-for", "20s",
                      "--retry-interval", "0.3s", "--lang", "ko", env=C)  # fmt: skip
    finally:
        later.wait(timeout=10)
    assert res.rc == 0, res.stderr
    attempts = res.stderr.splitlines()
    assert re.fullmatch(
        rf"srvdoctor: 1번째 시도 \(\d+\.\d초\): 기대값 1개 중 1개 실패: expect\.command test -e {flag}: "
        r"종료 코드 1, 기대값 0",
        attempts[0],
    ), attempts[0]
    assert re.fullmatch(r"srvdoctor: \d+번째 시도 \(\d+\.\d초\): 기대값 1개 모두 충족", attempts[-1])
    lines = res.stdout.splitlines()
    assert re.search(r": 종료 코드 0, .+ 걸림 \(\d+번째 시도에서 충족, 시작 후 .+\)$", lines[1]), lines[1]
    assert re.fullmatch(r".+ 만에 정상 \(시도 \d+번\): 모든 기대값을 충족합니다\.", lines[-1]), lines[-1]


def test_never_healthy_sentence_in_korean_and_english(tmp_path: Path) -> None:
    config = tmp_path / "smoke.toml"
    config.write_text('[[expect.command]]\nrun = ["false"]\n')
    args = (
        "check",
        "--only",
        "expect",
        "--config",
        str(config),
        "--retry-for",
        "1s",
        "--retry-interval",
        "0.4s",
    )
    korean, english = run_cli(*args, "--lang", "ko", env=C), run_cli(*args, env=C)
    assert (korean.rc, english.rc) == (1, 1)
    assert re.fullmatch(
        r".+ 동안 재시도했지만 비정상 \(시도 \d+번\): 기대값 1개가 아직 실패합니다\.",
        korean.stdout.splitlines()[-1],
    )
    assert re.fullmatch(
        r"Not healthy after .+ of retries \(\d+ attempts\): 1 expectation still fails\.",
        english.stdout.splitlines()[-1],
    )
    assert english.stderr.splitlines()[0].startswith("srvdoctor: attempt 1 at ")
