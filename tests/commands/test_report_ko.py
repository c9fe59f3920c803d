"""`srvdoctor report --lang ko`: the Markdown report's headings, labels and sentences in Korean;
values (versions, paths, sizes) as they are; JSON unchanged."""

from __future__ import annotations

import json
import re

import pytest

from srvdoctor import messages

pytestmark = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_report_in_korean(cli) -> None:  # type: ignore[no-untyped-def]
    args = ("report", "--no-check", "--package", "no-such-package-xyz", "--timeout", "2")
    korean = cli(*args, "--lang", "ko")
    english = cli(*args)
    assert (korean.rc, english.rc) == (0, 0), korean.stderr
    ko, en = korean.stdout.splitlines(), english.stdout.splitlines()
    assert ko[0] == "## 환경 (srvdoctor report)" and en[0] == "## Environment (srvdoctor report)"
    assert {
        "### 패키지",
        "### 디스크",
        "| 패키지 | 버전 |",
        "| 마운트 | 유형 | 크기 | 여유 | 사용 | inode 사용 |",
    } <= set(ko)
    labels = [line.split(" | ")[0].removeprefix("| ") for line in ko[4:] if line.startswith("| ")]
    assert labels[:6] == ["OS", "커널", "호스트 이름", "가동 시간", "CPU", "메모리"], labels
    memory = next(line for line in ko if line.startswith("| 메모리 |"))
    assert re.fullmatch(
        r"\| 메모리 \| [\d.]+ \S+ 중 [\d.]+ \S+ 사용 가능, (스왑 없음|스왑 .+ 중 .+ 사용) \|", memory
    )
    missing = next(line for line in ko if line.startswith("설치되지 않음: "))
    assert "no-such-package-xyz" in missing and missing.endswith(".")
    # the disk rows are the English ones: names and sizes are not translated (free space moves
    # between the two runs on a busy machine: mount, type and size are compared)
    rows = [line.split(" | ")[:3] for line in ko if line.startswith("| /")]
    assert rows and rows == [line.split(" | ")[:3] for line in en if line.startswith("| /")]
    assert not HANGUL.search(english.stdout)


def test_report_json_is_english_unless_lang_is_given(tmp_path, cli) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "srvdoctor.toml"
    config.write_text(f'[targets]\npaths = ["{tmp_path}/gone"]\n')
    args = ("report", "--format", "json", "--timeout", "1", "-c", str(config))
    by_locale = json.loads(cli(*args, env={"LANG": "ko_KR.UTF-8"}).stdout)
    asked = json.loads(cli(*args, "--lang", "ko").stdout)
    missing = [p for p in by_locale["check"]["problems"] if p["check"] == "path.exists"]
    assert missing and all("localized" not in p for p in by_locale["check"]["problems"])
    (problem,) = [p for p in asked["check"]["problems"] if p["check"] == "path.exists"]
    assert problem["summary"] == missing[0]["summary"] and problem["localized"]["lang"] == "ko"
