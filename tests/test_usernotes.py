"""`notes new` writes its template in the display language: a Korean note has the sections
of the shipped Korean notes (playbooks/ko), the same front matter and the same commands."""

from __future__ import annotations

import re
from pathlib import Path

from srvdoctor.playbooks import parse_playbook, shipped_dir
from tests.conftest import run_cli

CLEAN = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": ""}


def _new(tmp_path: Path, lang: str, *args: str) -> tuple[Path, str]:
    env = {**CLEAN, "LANG": lang, "SRVDOCTOR_NOTES": str(tmp_path / "notes"), "XDG_CACHE_HOME": str(tmp_path)}
    res = run_cli("notes", "new", *args, env=env)
    assert res.rc == 0, res.stderr
    path = Path(res.stdout.strip())
    return path, path.read_text(encoding="utf-8")


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n.*?```", text, re.DOTALL)


def test_a_new_note_under_a_korean_locale_is_korean(tmp_path: Path) -> None:
    path, text = _new(
        tmp_path, "ko_KR.UTF-8", "NFS 마운트가 멈춤", "--id", "nfs-hang", "--check", "disk.space"
    )
    note = parse_playbook(text, path, "user")
    shipped = parse_playbook((shipped_dir() / "ko" / "disk-full.md").read_text(), path, "shipped")
    assert note.sections() == shipped.sections() == ["증상", "원인", "확인", "해결", "예방"]
    assert (note.id, note.title, note.checks) == ("nfs-hang", "NFS 마운트가 멈춤", ("disk.space",))
    assert note.matches == ("오류 텍스트 (정규식)",)  # the placeholder, in Korean
    assert "(여기에 오류를 붙여 넣으세요)" in text
    assert "# 이 노트가 맞을 때 srvdoctor가 실행할 검사 id" in text
    # the commands and front matter keys are the English template's
    english_path, english = _new(
        tmp_path / "en", "C", "NFS hang", "--id", "nfs-hang", "--check", "disk.space"
    )
    assert _code_blocks(text)[1:] == _code_blocks(english)[1:] == ["```bash\nsrvdoctor check\n```"]
    keys = re.compile(r"^([a-z]+):", re.MULTILINE)
    assert keys.findall(text) == keys.findall(english) == ["id", "title", "date", "checks", "matches"]
    assert parse_playbook(english, english_path, "user").sections() == [
        "Symptom",
        "Why it happens",
        "Confirm",
        "Fix",
        "Prevent",
    ]


def test_lang_ko_writes_the_korean_template_whatever_the_locale(tmp_path: Path) -> None:
    path, text = _new(tmp_path, "C", "Flaky GPU", "--lang", "ko", "--match", "Xid 79")
    assert "## 증상\n\n무엇을 어디서 봤는지." in text
    assert parse_playbook(text, path, "user").matches == ("Xid 79",)
