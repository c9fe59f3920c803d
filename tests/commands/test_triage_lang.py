"""`srvdoctor triage` in the run's language: real runs under LANG=ko_KR.UTF-8, --lang and LANG=C."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

HANGUL = re.compile(r"[\uac00-\ud7a3]")
CLEAN = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": ""}
ENOSPC_KO = "OSError: [Errno 28] 장치에 남은 공간이 없음"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**CLEAN, "LANG": "C", "SRVDOCTOR_NOTES": str(tmp_path / "notes"),
            "XDG_CACHE_HOME": str(tmp_path / "cache")}  # fmt: skip


def test_korean_enospc_ranks_disk_full_first_in_korean(cli, env) -> None:  # type: ignore[no-untyped-def]
    result = cli("triage", "--lang", "ko", "--no-run", ENOSPC_KO, env=env)
    assert result.rc == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "오류 분류: 인프라 (디스크): 디스크 공간 부족"
    assert "맞는 노트 (가능성 높은 순):" in lines
    first = lines.index("맞는 노트 (가능성 높은 순):") + 1
    assert lines[first] == "  1. disk-full: 장치에 남은 공간이 없음 (No space left on device)"
    assert lines[first + 1] == "     일치: '장치에 남은 공간이 없음', 'Errno 28'"
    assert "playbooks/ko/disk-full.md" in lines[first + 2]
    assert (
        "  이유: disk-full 우선: '장치에 남은 공간이 없음'이(가) 상태를 직접 말함 (디스크 공간 부족, 디스크)"
        in lines
    )
    assert (
        lines[-1]
        == "이 노트들이 가리키는 검사 (--no-run이라 실행 안 함): disk.space, disk.inodes, disk.deleted_open"
    )
    for english in ("Error class", "Notes that match", "matched:", "Why first", "first:", "Checks these"):
        assert english not in result.stdout


def test_the_same_text_under_c_is_english_as_before(cli, env) -> None:  # type: ignore[no-untyped-def]
    result = cli("triage", "--no-run", ENOSPC_KO, env=env)
    lines = result.stdout.splitlines()
    assert lines[0] == "Error class: infrastructure (disk): out of disk space"
    assert "  1. disk-full: No space left on device" in lines
    assert (
        "  Why first: disk-full first: '장치에 남은 공간이 없음' states the condition (out of disk space, disk)"
        in lines
    )
    assert (
        lines[-1] == "Checks these notes name (not run, --no-run): disk.space, disk.inodes, disk.deleted_open"
    )


def test_json_stays_english_under_a_korean_locale(cli, env) -> None:  # type: ignore[no-untyped-def]
    record = json.loads(
        cli("triage", "--no-run", "-f", "json", ENOSPC_KO, env={**env, "LANG": "ko_KR.UTF-8"}).stdout
    )
    assert record["error_class"]["label"] == "out of disk space"
    assert (
        record["why"]
        == "disk-full first: '장치에 남은 공간이 없음' states the condition (out of disk space, disk)"
    )
    assert record["notes"][0]["id"] == "disk-full"
    assert record["notes"][0]["title"] == "No space left on device"
    asked = json.loads(cli("triage", "--no-run", "-f", "json", "--lang", "ko", ENOSPC_KO, env=env).stdout)
    assert asked["notes"][0]["title"].startswith("장치에 남은 공간이 없음")  # the note in the asked language
    assert asked["error_class"] == record["error_class"] and asked["why"] == record["why"]


def test_pasted_df_evidence_and_code_errors_are_korean(cli, env) -> None:  # type: ignore[no-untyped-def]
    pasted = (
        "Filesystem      Size  Used Avail Use% Mounted on\n"
        "/dev/sda1        50G   49G  100M 100% /data\n"
        "OSError: [Errno 28] No space left on device: '/data/ckpt.pt'\n"
    )
    result = cli("triage", "--lang", "ko", "--no-run", pasted, env=env)
    assert "텍스트의 df -h에서 /data 100% 사용 (오류가 난 경로가 여기 있음)" in result.stdout, result.stdout
    missing = cli(
        "triage", "--lang", "ko", "--no-run", "cat: /data/x.csv: No such file or directory", env=env
    )
    assert "텍스트에서 찾은 것: 경로 /data/x.csv" in missing.stdout, missing.stdout
    code = cli("triage", "--lang", "ko", "--no-run", "TypeError: unsupported operand", env=env)
    assert code.stdout.splitlines()[0] == "오류 분류: 코드: 내 코드의 TypeError"
    nothing = cli("triage", "--lang", "ko", "--no-run", "everything is fine here", env=env)
    assert "이 오류에 맞는 노트가 없습니다. 오류로 보이는 줄:" in nothing.stdout
    assert "원인을 찾으면 다음 triage가 찾을 수 있도록 적어 두세요:" in nothing.stdout


def test_triage_usage_errors_are_korean(cli, env) -> None:  # type: ignore[no-untyped-def]
    result = cli("triage", "--lang", "ko", "  ", env=env)
    assert (result.rc, result.stdout) == (2, "")
    assert result.stderr.splitlines() == ["srvdoctor: error: 오류 텍스트가 비어 있습니다"]
