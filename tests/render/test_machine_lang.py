"""JUnit, Nagios, GitHub and Prometheus output of a failing CI smoke config, by language.

Machine-readable text follows `--lang` only: with `--lang ko` it is Korean (ids, test case
names, perfdata labels and metric names unchanged); under a Korean locale without `--lang`
it is the same English as under `LANG=C`, because a CI job that parses it must not change
with the server's locale.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import CliResult, run_cli

KO = {"LANG": "ko_KR.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": ""}
C = {"LANG": "C", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": ""}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture
def smoke(tmp_path: Path) -> Path:
    """Two failures (a directory that should be a file, a command that exits 3), a process
    that is not running, and one expectation that holds."""
    config = tmp_path / "smoke.toml"
    config.write_text(
        f'[[expect.path]]\npath = "{tmp_path}"\nkind = "file"\n\n'
        '[[expect.command]]\nrun = ["sh", "-c", "exit 3"]\n\n'
        '[[expect.command]]\nrun = ["true"]\n\n'
        '[[expect.process]]\nname = "srvdoctor-no-such-process"\n'
    )
    return config


def _check(config: Path, fmt: str, *extra: str, env: dict[str, str] = C) -> CliResult:
    return run_cli("check", "--only", "expect", "--config", str(config), "--format", fmt, *extra, env=env)


def _cases(xml: str) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in ET.fromstring(xml).iter("testcase")}


def test_junit_in_korean_with_lang_ko(smoke: Path, tmp_path: Path) -> None:
    res = _check(smoke, "junit", "--lang", "ko")
    assert res.rc == 1, res.stderr
    cases = _cases(res.stdout)
    # ids unchanged: test case names and class names are check ids and targets
    assert set(cases) == {
        f"expect.path {tmp_path}",
        "expect.command sh -c 'exit 3'",
        "expect.command true",
        "expect.process srvdoctor-no-such-process",
    }
    assert {c.get("classname") for c in cases.values()} == {
        "srvdoctor.expect.expect.path",
        "srvdoctor.expect.expect.command",
        "srvdoctor.expect.expect.process",
    }
    path = cases[f"expect.path {tmp_path}"].find("failure")
    assert path is not None and path.get("type") == "fail"
    assert path.get("message") == (
        f"{tmp_path}: 종류가 dir임 (기대값: file) [플레이북: stale-artifact - srvdoctor notes stale-artifact]"
    )
    assert path.text == (
        f"{tmp_path}: 종류가 dir임 (기대값: file)\n"
        "플레이북: srvdoctor notes stale-artifact\n"
        f"힌트: ls -la --time-style=full-iso {tmp_path}"
    )
    command = cases["expect.command sh -c 'exit 3'"].find("failure")
    assert command is not None
    assert command.get("message") == (
        "종료 코드 3, 기대값 0 [플레이북: deploy-unhealthy - srvdoctor notes deploy-unhealthy]"
    )
    process = cases["expect.process srvdoctor-no-such-process"].find("failure")
    assert process is not None and process.get("message", "").startswith(
        "0개 실행 중, 기대값 1개 [플레이북: "
    )
    ok = cases["expect.command true"].find("system-out")
    assert ok is not None and (ok.text or "").startswith("종료 코드 0, ")


def test_junit_stays_english_under_a_korean_locale(smoke: Path, tmp_path: Path) -> None:
    res = _check(smoke, "junit", env=KO)
    assert res.rc == 1, res.stderr
    assert not HANGUL.search(res.stdout), res.stdout
    cases = _cases(res.stdout)
    path = cases[f"expect.path {tmp_path}"].find("failure")
    assert path is not None and path.get("message") == (
        f"{tmp_path} is a dir, expected a file [playbook: stale-artifact - srvdoctor notes stale-artifact]"
    )
    command = cases["expect.command sh -c 'exit 3'"].find("failure")
    assert command is not None and command.text == (
        "exited 3, expected 0\nplaybook: srvdoctor notes deploy-unhealthy\nhint: sh -c 'exit 3'"
    )
    # the same document as under LANG=C, times and timestamps aside
    plain = _check(smoke, "junit", env=C)

    def timeless(xml: str) -> str:
        return re.sub(r'(time|timestamp)="[^"]*"', "", re.sub(r"\d+(\.\d+)? ?(ms|s|µs)\b", "T", xml))

    assert timeless(res.stdout) == timeless(plain.stdout)


def test_nagios_line_by_language(smoke: Path, tmp_path: Path) -> None:
    korean = _check(smoke, "nagios", "--lang", "ko", env=KO)
    english = _check(smoke, "nagios", env=KO)
    assert (korean.rc, english.rc) == (2, 2)  # CRITICAL either way
    ko_line, _, ko_perf = korean.stdout.rstrip("\n").partition(" | ")
    en_line, _, en_perf = english.stdout.rstrip("\n").partition(" | ")
    assert ko_line == (
        f"SRVDOCTOR CRITICAL - 문제 3개: FAIL {tmp_path}: 종류가 dir임 (기대값: file); "
        "FAIL 0개 실행 중, 기대값 1개; FAIL 종료 코드 3, 기대값 0"
    )
    assert en_line == (
        f"SRVDOCTOR CRITICAL - 3 problems: FAIL {tmp_path} is a dir, expected a file; "
        "FAIL 0 running, expected one; FAIL exited 3, expected 0"
    )
    # perfdata labels are ids and data keys: the same in both
    labels = re.compile(r"'([^']*)'=")
    assert labels.findall(ko_perf) == labels.findall(en_perf) != []


def test_nagios_ok_line_in_korean(tmp_path: Path) -> None:
    config = tmp_path / "ok.toml"
    config.write_text('[[expect.command]]\nrun = ["true"]\n\n[[expect.gpu]]\noptional = true\ncount = 4096\n')
    res = run_cli("check", "--only", "expect", "--config", str(config), "--format", "nagios", "--lang", "ko")
    if res.rc == 2:  # a GPU box, but not 4096 GPUs: the optional expectation fails there
        pytest.skip("this machine has a GPU: expect.gpu fails instead of skipping")
    assert res.rc == 0, res.stdout
    assert res.stdout.startswith("SRVDOCTOR OK - 정상 1, 건너뜀 1")


def test_github_annotations_and_summary_by_language(smoke: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = {
        **KO,
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(tmp_path),
    }
    korean = run_cli("check", "--only", "expect", "--config", str(smoke), "--lang", "ko", env=env)
    assert korean.rc == 1
    notes = [line for line in korean.stdout.splitlines() if line.startswith("::")]
    assert notes[0] == (
        f"::error file=smoke.toml,line=1,title=srvdoctor expect.path {tmp_path}::"
        f"{tmp_path}: 종류가 dir임 (기대값: file) (플레이북: srvdoctor notes stale-artifact)"
        f"%0A시도: ls -la --time-style=full-iso {tmp_path}"
    )
    text = summary.read_text()
    assert re.fullmatch(r"### `[^`]+`의 srvdoctor: ❌ 비정상", text.splitlines()[0])
    assert "| | 검사 | 대상 | 결과 | 플레이북 |" in text
    assert text.splitlines()[2] == "정상 1, 실패 3."

    summary.unlink()
    english = run_cli("check", "--only", "expect", "--config", str(smoke), env=env)
    notes = [line for line in english.stdout.splitlines() if line.startswith("::")]
    assert notes[0] == (
        f"::error file=smoke.toml,line=1,title=srvdoctor expect.path {tmp_path}::"
        f"{tmp_path} is a dir, expected a file (playbook: srvdoctor notes stale-artifact)"
        f"%0Atry: ls -la --time-style=full-iso {tmp_path}"
    )
    text = summary.read_text()
    assert not HANGUL.search(text), text
    assert re.fullmatch(r"### srvdoctor on `[^`]+`: ❌ not healthy", text.splitlines()[0])
    assert text.splitlines()[2] == "1 ok, 3 fail."


def test_prometheus_help_and_names_never_change(smoke: Path) -> None:
    korean = _check(smoke, "prometheus", "--lang", "ko")
    english = _check(smoke, "prometheus")
    assert (korean.rc, english.rc) == (1, 1)
    assert not HANGUL.search(korean.stdout)

    def shape(text: str) -> list[str]:  # HELP/TYPE lines and series names with their labels
        return [line.rsplit(" ", 1)[0] if not line.startswith("#") else line for line in text.splitlines()]

    assert shape(korean.stdout) == shape(english.stdout)
