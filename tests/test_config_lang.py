"""Config errors in the user's language: one line on stderr, exit 2, never a traceback.

Real runs of `srvdoctor check` on broken config files: Korean with `--lang ko` or under a
Korean locale, English under `LANG=C`; the Nagios UNKNOWN line (machine output) stays
English unless `--lang` is given.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

KO = {"LANG": "ko_KR.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": ""}
C = {"LANG": "C", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": ""}

#: (config text, the error after "srvdoctor: error: PATH" in Korean, the same in English)
CASES = [
    (
        '[[expect.http]]\nurl = "http://127.0.0.1:1/health"\nstatus = "x"\n',
        ":3: expect.http.status: 정수여야 하는데 'x'임",
        ":3: expect.http.status: expected an integer, got 'x'",
    ),
    (
        "timeot = 3\n",
        ":1: timeot: 알 수 없는 설정 ('timeout'을(를) 말한 건가요?); "
        "가능한 값: timeout, fail_on, notes, targets, checks, expect",
        ":1: timeot: unknown setting (did you mean 'timeout'?); "
        "known: timeout, fail_on, notes, targets, checks, expect",
    ),
    (
        "[[expect.htp]]\nurl = 'http://127.0.0.1:1/'\n",
        ":1: expect.htp: 알 수 없는 기대값 종류 ('http'을(를) 말한 건가요?); "
        "가능한 값: http, port, listen, path, process, container, gpu, command",
        ":1: expect.htp: unknown expectation kind (did you mean 'http'?); "
        "known: http, port, listen, path, process, container, gpu, command",
    ),
    (
        "[[expect.process]]\nuser = 'root'\n",
        ":1: expect.process: name이나 cmdline(정규식)이 필요함",
        ":1: expect.process: needs name or cmdline (a regex)",
    ),
    (
        "[expect.path]\npath = '/'\n",
        ":1: expect.path: [[expect.path]]로 쓰세요 (이중 대괄호: 기대값의 리스트)",
        ":1: expect.path: write [[expect.path]] (double brackets: a list of expectations)",
    ),
    (
        "[targets]\nports = ['x:y']\n",
        None,  # the reason comes from srvdoctor.targets (not translated here): only the frame is checked
        ":2: targets.ports: 'x:y': port 'y' is not a number",
    ),
    (
        "fail_on = 'sometimes'\n",
        ":1: fail_on: warn, fail, error 중 하나여야 하는데 'sometimes'임",
        ":1: fail_on: expected one of warn, fail, error, got 'sometimes'",
    ),
    (
        "[notes]\ndir = 3\n",
        ":2: notes.dir: 경로 문자열이어야 함",
        ":2: notes.dir: expected a path string",
    ),
    ("timeout = \n", ":1: 잘못된 TOML: Invalid value", ":1: malformed TOML: Invalid value"),
]


def _one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(("text", "korean", "english"), CASES, ids=[c[2].split(":")[2] for c in CASES])
def test_a_bad_config_is_one_korean_line_with_lang_ko(tmp_path: Path, text: str, korean: str | None,
                                                     english: str) -> None:  # fmt: skip
    config = tmp_path / "srvdoctor.toml"
    config.write_text(text)
    ko = run_cli("check", "--only", "expect", "--config", str(config), "--lang", "ko", env=C)
    en = run_cli("check", "--only", "expect", "--config", str(config), env=C)
    assert (ko.rc, ko.stdout, en.rc, en.stdout) == (2, "", 2, "")
    assert _one_line(en.stderr) == f"srvdoctor: error: {config}{english}"  # English: byte-identical
    line = _one_line(ko.stderr)
    if korean is not None:
        assert line == f"srvdoctor: error: {config}{korean}"
    else:
        assert line.startswith(f"srvdoctor: error: {config}:")


def test_a_korean_locale_gets_korean_errors_without_lang(tmp_path: Path) -> None:
    config = tmp_path / "srvdoctor.toml"
    config.write_text("[[expect.gpu]]\ncount = -1\n")
    res = run_cli("check", "--config", str(config), env=KO)
    assert res.rc == 2
    assert (
        _one_line(res.stderr)
        == f"srvdoctor: error: {config}:2: expect.gpu.count: 0 이상인 개수여야 하는데 -1임"
    )


def test_a_missing_config_file_in_korean(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    res = run_cli("check", "--config", str(missing), "--lang", "ko")
    assert res.rc == 2
    assert _one_line(res.stderr) == f"srvdoctor: error: {missing}: 설정 파일 없음"


def test_the_nagios_line_stays_english_unless_lang_is_given(tmp_path: Path) -> None:
    """Machine output follows `--lang` only: under a Korean locale stderr is Korean (a person
    reads it) while the plugin's UNKNOWN line on stdout is English (a monitoring system parses it)."""
    config = tmp_path / "srvdoctor.toml"
    config.write_text('[[expect.http]]\nurl = "ftp://example.invalid/"\n')
    english = "expect.http.url: expected an http:// or https:// URL with a host, got 'ftp://example.invalid/'"
    korean = (
        "expect.http.url: 호스트가 있는 http:// 또는 https:// URL이어야 하는데 'ftp://example.invalid/'임"
    )
    res = run_cli("check", "--config", str(config), "--format", "nagios", env=KO)
    assert res.rc == 3
    assert _one_line(res.stderr) == f"srvdoctor: error: {config}:2: {korean}"
    assert res.stdout == f"SRVDOCTOR UNKNOWN - bad invocation: {config}:2: {english}\n"
    asked = run_cli("check", "--config", str(config), "--format", "nagios", "--lang", "ko", env=KO)
    assert asked.rc == 3
    assert asked.stdout == f"SRVDOCTOR UNKNOWN - bad invocation: {config}:2: {korean}\n"
