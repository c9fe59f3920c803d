"""`srvdoctor check` in Korean: the verdict line, area headings, playbook/try labels; bad options
as one Korean line on stderr with exit 2. English stays as it was."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from srvdoctor import messages

pytestmark = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _config(tmp_path: Path, *paths: str) -> str:
    """A config whose only targets are `paths`: `check --only path` judges exactly those."""
    config = tmp_path / "paths.toml"
    config.write_text("[targets]\npaths = [" + ", ".join(f'"{p}"' for p in paths) + "]\n")
    return str(config)


def test_healthy_verdict_in_korean_and_english(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "model.pt"
    target.write_bytes(b"weights")
    config = _config(tmp_path, str(target))
    korean = cli("check", "--only", "path", "-c", config, "--lang", "ko")
    english = cli("check", "--only", "path", "-c", config)
    assert (korean.rc, english.rc) == (0, 0), korean.stderr
    ko, en = korean.stdout.splitlines(), english.stdout.splitlines()
    assert (ko[0], ko[-1]) == ("경로", "문제 없음 (정상 1).")
    assert (en[0], en[-1]) == ("path", "No problems found (1 ok).")
    assert not HANGUL.search(english.stdout)


def test_problems_verdict_counts_in_korean(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    config = _config(tmp_path, "/etc/hostname", str(tmp_path / "gone" / "a"), str(tmp_path / "gone" / "b"))
    korean = cli("check", "--only", "path", "-c", config, "--lang", "ko")
    english = cli("check", "--only", "path", "-c", config)
    assert (korean.rc, english.rc) == (1, 1)
    assert korean.stdout.splitlines()[-1] == "문제 2건 발견: path.exists (정상 1, 실패 2)."
    assert english.stdout.splitlines()[-1] == "2 problems found: path.exists (1 ok, 2 fail)."
    # the labels under a failing result; the playbook id and the command stay as they are
    assert "      → 플레이북: srvdoctor notes path-missing (" in korean.stdout
    assert f"      → 해 보기: ls -la {tmp_path}" in korean.stdout.splitlines()
    assert "      → playbook: srvdoctor notes path-missing (" in english.stdout


def test_one_problem_is_singular_in_english(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    config = _config(tmp_path, str(tmp_path / "gone"))
    english = cli("check", "--only", "path", "-c", config)
    korean = cli("check", "--only", "path", "-c", config, env={"LANG": "ko_KR.UTF-8"})  # the locale alone
    assert english.stdout.splitlines()[-1] == "1 problem found: path.exists (1 fail)."
    assert korean.stdout.splitlines()[-1] == "문제 1건 발견: path.exists (실패 1)."


@pytest.mark.parametrize(
    ("args", "korean", "english"),
    [
        (
            ["ping", "127.0.0.1", "--port", "99999"],
            "--port 99999: 범위(1-65535)를 벗어났습니다",
            "--port 99999 is out of range (1-65535)",
        ),
        (
            ["check", "--fail-on", "sometimes"],
            "--fail-on은 warn, fail, error 중 하나여야 합니다. 'sometimes'은(는) 안 됩니다",
            "--fail-on must be one of warn, fail, error, not 'sometimes'",
        ),
        (
            ["check", "--only", "disk,gpus"],
            "알 수 없는 영역 'gpus'; 영역: disk, path, network, firewall, load, gpu, docker, expect, logs",
            "unknown area 'gpus'; areas: disk, path, network, firewall, load, gpu, docker, expect, logs",
        ),
        (
            ["load", "--watch", "0.1"],
            "--watch는 0.5초에서 3600초 사이여야 합니다. 0.1은(는) 안 됩니다",
            "--watch must be between 0.5 and 3600 seconds, not 0.1",
        ),
        (
            ["logs", "--since", "yesterday"],
            "--since는 2h, 30m, 90s, 1d 또는 'boot' 같은 값이어야 합니다. 'yesterday'은(는) 안 됩니다",
            "--since must be like 2h, 30m, 90s, 1d or 'boot', not 'yesterday'",
        ),
        (
            ["report", "--package", "a b"],
            "--package 'a b': 패키지 이름이 아닙니다",
            "--package 'a b': not a package name",
        ),
        (
            ["path", "/x", "--type", "socket"],
            "--type은 any, file, dir 중 하나여야 합니다. 'socket'은(는) 안 됩니다",
            "--type must be one of any, file, dir, not 'socket'",
        ),
        (
            ["gpu", "--timeout", "0"],
            "--timeout은 0보다 크고 3600초 이하여야 합니다. 0은(는) 안 됩니다",
            "--timeout must be more than 0 and at most 3600 seconds, not 0",
        ),
    ],
)
def test_bad_option_is_one_korean_line_and_exit_2(args: list[str], korean: str, english: str, cli) -> None:  # type: ignore[no-untyped-def]
    ko = cli(*args, "--lang", "ko")
    en = cli(*args)
    assert (ko.rc, ko.stdout, ko.stderr) == (2, "", f"srvdoctor: error: {korean}\n")
    assert (en.rc, en.stdout, en.stderr) == (2, "", f"srvdoctor: error: {english}\n")


def test_the_locale_alone_speaks_korean_and_lang_c_english(cli) -> None:  # type: ignore[no-untyped-def]
    args = ("firewall", "--port", "0")
    assert (
        cli(*args, env={"LANG": "ko_KR.UTF-8"}).stderr
        == "srvdoctor: error: --port 0: 범위(1-65535)를 벗어났습니다\n"
    )
    assert cli(*args, env={"LANG": "C"}).stderr == "srvdoctor: error: --port 0 is out of range (1-65535)\n"


def test_output_directory_error_in_korean(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("check", "--only", "path", "-o", f"{tmp_path}/", "--lang", "ko")
    assert result.rc == 2
    assert result.stderr == (
        f"srvdoctor: error: --output {tmp_path}/: 디렉터리입니다. 그 안의 파일 이름을 주십시오. "
        f"예: --output {tmp_path}/srvdoctor.prom\n"
    )


def test_check_help_names_every_area_and_format_in_korean(cli) -> None:  # type: ignore[no-untyped-def]
    """The --only/--skip and --format help texts are spelled out for the catalog: they must name
    exactly srvdoctor's areas and formats."""
    from srvdoctor.constants import AREAS, CHECK_FORMATS

    korean = " ".join(
        cli("check", "--help", "--lang", "ko", env={"COLUMNS": "200"}).stdout.split()
    )  # unwrapped
    english = cli("check", "--help", env={"COLUMNS": "200"}).stdout
    assert f"Areas, comma-separated: {', '.join(AREAS)}." in english
    assert f"One of {', '.join(CHECK_FORMATS)}." in english
    glossed = "disk(디스크), path(경로), network(네트워크), firewall(방화벽), load(부하), gpu, docker, expect(기대 검사), logs(로그)"
    assert f"영역, 쉼표로 구분: {glossed}." in korean
    assert [a.split("(")[0] for a in glossed.split(", ")] == list(AREAS)
    assert f"{', '.join(CHECK_FORMATS)} 중 하나." in korean


def test_logs_file_in_korean(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """`logs --file`: the command's own sentences (what it read, what was cut) in Korean, the quoted
    log line as it is; JSON keeps the English summary."""
    quiet = tmp_path / "app.log"
    quiet.write_text("starting\nready\n")
    full = tmp_path / "train.log"
    full.write_text("epoch 1\nOSError: [Errno 28] No space left on device\n")
    ok = cli("logs", "--file", str(quiet), "--lang", "ko")
    assert (ok.rc, ok.stdout.splitlines()) == (
        0, ["로그", f"  [✓] logs.file: {quiet}의 마지막 2줄에 오류 줄 없음", "", "문제 없음 (정상 1)."],
    )  # fmt: skip
    cut = cli("logs", "--file", str(full), "--lines", "1", "--lang", "ko")
    lines = cut.stdout.splitlines()
    assert lines[1] == f"  [!] logs.file: {full}: OSError: [Errno 28] No space left on device"
    assert (
        "      잘림: 마지막 1줄 (잘림)만 읽었습니다" in lines
        and lines[-1] == "문제 1건 발견: logs.file (경고 1)."
    )
    (result,) = json.loads(cli("logs", "--file", str(quiet), "--format", "json", "--lang", "ko").stdout)[
        "results"
    ]
    assert result["summary"] == f"no error lines in the last 2 lines of {quiet}"
    assert result["localized"]["summary"] == f"{quiet}의 마지막 2줄에 오류 줄 없음"
