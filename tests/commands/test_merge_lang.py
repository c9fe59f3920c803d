"""`srvdoctor merge` in Korean: the fleet table, the skipped inputs on stderr, JUnit by --lang."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.commands.test_merge import FULL, OK, WARN, _write
from tests.conftest import run_cli

KO = {"LANG": "ko_KR.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": ""}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _reports(tmp_path: Path) -> Path:
    d = tmp_path / "reports"
    d.mkdir()
    _write(d / "gpu07.json", "gpu07", OK, WARN)
    _write(d / "gpu12.json", "gpu12", OK, FULL)
    _write(d / "gpu31.json", "", OK, FULL, version="0.0.9")  # no host name: called after its file
    (d / "gpu40.json").write_text('{"tool": "srvdoctor", "host": "gpu40", "results": [')  # cut short
    return d


def test_fleet_table_in_korean(tmp_path: Path) -> None:
    reports = _reports(tmp_path)
    run = run_cli("merge", str(reports), env=KO)
    assert run.rc == 1
    assert run.stderr == (
        f"srvdoctor: merge: {reports / 'gpu40.json'} 건너뜀: JSON이 아님: Expecting value (1행 52열)\n"
    )
    lines = run.stdout.splitlines()
    assert lines[:2] == ["호스트 3대의 문제", "  [✗] disk-full: 호스트 3대 중 2대: gpu12, gpu31 (disk.space)"]
    assert "      → 플레이북: srvdoctor notes disk-full" in lines
    assert "      노트: 보고서에 호스트 이름이 없어 출처 이름(gpu31)으로 부름" in lines
    assert "srvdoctor 버전 2개의 보고서: 0.1.0 (호스트 2대), 0.0.9 (호스트 1대)." in lines
    assert "입력 1개 건너뜀 (읽을 수 있는 보고서가 아님)." in lines
    assert lines[-1] == "호스트 3대 중 3대에 문제 있음: 문제 2개 (정상 3, 경고 1, 실패 2)."
    assert (
        "  [✗] gpu12  fail   정상 1, 실패 1 — disk.space (srvdoctor 0.1.0, 2026-11-26T10:00:00+00:00)"
        in lines
    )


def test_nothing_readable_is_one_korean_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    run = run_cli("merge", str(empty), "--lang", "ko")
    assert (run.rc, run.stdout) == (2, "")
    assert run.stderr == f"srvdoctor: error: 읽을 수 있는 srvdoctor 보고서 없음: {empty}: 비어 있음\n"


def test_merged_junit_follows_lang_only(tmp_path: Path) -> None:
    reports = _reports(tmp_path)
    english = run_cli("merge", str(reports), "--format", "junit", env=KO)
    korean = run_cli("merge", str(reports), "--format", "junit", "--lang", "ko", env=KO)
    assert (english.rc, korean.rc) == (1, 1)
    assert not HANGUL.search(english.stdout)

    def failure(xml: str) -> ET.Element:
        found = ET.fromstring(xml).find(".//testcase[@classname='srvdoctor.gpu12.disk.space']/failure")
        assert found is not None
        return found

    assert failure(english.stdout).get("message") == (
        "/data is 100% full (0 B free of 1.0 MiB) [playbook: disk-full - srvdoctor notes disk-full]"
    )
    # the summary is the report's own English (merge reads JSON); srvdoctor's own words are Korean
    assert failure(korean.stdout).get("message") == (
        "/data is 100% full (0 B free of 1.0 MiB) [플레이북: disk-full - srvdoctor notes disk-full]"
    )
    names = [c.get("name") for c in ET.fromstring(english.stdout).iter("testcase")]
    assert names == [c.get("name") for c in ET.fromstring(korean.stdout).iter("testcase")]
