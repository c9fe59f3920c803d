"""`srvdoctor notes` follows the language: real runs under LANG=ko_KR.UTF-8 and LANG=C."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: what run_cli inherits must not decide: every locale variable is set here
CLEAN = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": ""}


@pytest.fixture
def ko(tmp_path: Path) -> dict[str, str]:
    return {**CLEAN, "LANG": "ko_KR.UTF-8", "SRVDOCTOR_NOTES": str(tmp_path / "notes")}


@pytest.fixture
def c_locale(tmp_path: Path) -> dict[str, str]:
    return {**CLEAN, "LANG": "C", "SRVDOCTOR_NOTES": str(tmp_path / "notes")}


def test_show_is_the_korean_note_under_a_korean_locale(cli, ko) -> None:  # type: ignore[no-untyped-def]
    result = cli("notes", "disk-full", env=ko)
    assert result.rc == 0, result.stderr
    assert result.stdout.startswith("# 장치에 남은 공간이 없음")
    assert "## 증상" in result.stdout and "## 예방" in result.stdout
    assert "srvdoctor disk / --depth 2" in result.stdout  # the commands are the English ones
    assert "playbooks/ko/disk-full.md" in result.stdout


def test_show_is_english_under_the_c_locale(cli, c_locale) -> None:  # type: ignore[no-untyped-def]
    result = cli("notes", "disk-full", env=c_locale)
    assert result.rc == 0, result.stderr
    assert result.stdout.startswith("# No space left on device")
    assert not HANGUL.search(result.stdout)


def test_list_is_titled_odabnote_with_korean_titles(cli, ko, c_locale) -> None:  # type: ignore[no-untyped-def]
    korean = cli("notes", env=ko)
    assert korean.rc == 0, korean.stderr
    assert korean.stdout.lstrip().startswith("오답노트")
    assert re.search(r"^disk-full +장치에 남은 공간이 없음", korean.stdout, re.MULTILINE)
    assert re.search(r"^path-missing +그런 파일이나 디렉터리가 없습니다", korean.stdout, re.MULTILINE)
    english = cli("notes", env=c_locale)
    assert english.rc == 0 and not HANGUL.search(english.stdout)
    assert re.search(r"^disk-full +No space left on device", english.stdout, re.MULTILINE)
    # the same ids, in the same order, whatever the language
    ids = [re.findall(r"^([a-z][a-z0-9-]*) ", out, re.MULTILINE) for out in (korean.stdout, english.stdout)]
    assert ids[0] == ids[1] and "disk-full" in ids[0]


def test_lang_option_beats_the_locale(cli, ko, c_locale) -> None:  # type: ignore[no-untyped-def]
    assert cli("notes", "disk-full", "--lang", "ko", env=c_locale).stdout.startswith("# 장치에")
    assert cli("notes", "--lang", "ko", "disk-full", env=c_locale).stdout.startswith("# 장치에")
    assert cli("notes", "disk-full", "--lang", "en", env=ko).stdout.startswith("# No space left")
    assert cli("notes", "disk-full", env={**c_locale, "SRVDOCTOR_LANG": "ko"}).stdout.startswith("# 장치에")
    assert cli(
        "notes", "disk-full", env={**c_locale, "LANGUAGE": "ko", "LANG": "en_US.UTF-8"}
    ).stdout.startswith("# 장치에")


def test_unknown_lang_is_exit_2_with_one_line(cli, c_locale) -> None:  # type: ignore[no-untyped-def]
    result = cli("notes", "disk-full", "--lang", "fr", env=c_locale)
    assert result.rc == 2
    assert result.stderr.strip().splitlines() == [
        "srvdoctor: error: --lang fr: not a language srvdoctor speaks; choose one of en, ko"
    ]


def test_json_stays_english_unless_lang_is_given(cli, ko, c_locale) -> None:  # type: ignore[no-untyped-def]
    plain = json.loads(cli("notes", "disk-full", "--format", "json", env=ko).stdout)
    assert plain["title"] == "No space left on device" and not HANGUL.search(plain["body"])
    asked = json.loads(cli("notes", "disk-full", "--format", "json", "--lang", "ko", env=c_locale).stdout)
    assert asked["title"].startswith("장치에 남은 공간이 없음") and "## 증상" in asked["body"]
    assert set(asked) == set(plain) and asked["id"] == plain["id"] == "disk-full"
    assert asked["checks"] == plain["checks"]
    listing = json.loads(cli("notes", "--format", "json", env=ko).stdout)
    assert not any(HANGUL.search(n["title"]) for n in listing)
    listing_ko = json.loads(cli("notes", "--format", "json", "--lang", "ko", env=c_locale).stdout)
    assert [n["id"] for n in listing_ko] == [n["id"] for n in listing]
    assert all(HANGUL.search(n["title"]) for n in listing_ko if n["origin"] == "shipped")


def test_search_finds_hangul_words(cli, ko, c_locale) -> None:  # type: ignore[no-untyped-def]
    result = cli("notes", "search", "inode", "고갈", env=ko)
    assert result.rc == 0, result.stderr
    assert result.stdout.startswith("inode-exhaustion")
    assert "노트 1개" in result.stdout
    # typed on a Mac, Hangul arrives decomposed (NFD): it still matches
    decomposed = unicodedata.normalize("NFD", "고갈")
    assert decomposed != "고갈"
    assert cli("notes", "search", decomposed, env=ko).stdout.startswith("inode-exhaustion")
    none = cli("notes", "search", "고갈", env=c_locale)
    assert none.rc == 0 and none.stdout.startswith("No note mentions '고갈'")
    as_json = json.loads(
        cli("notes", "search", "고갈", "--format", "json", "--lang", "ko", env=c_locale).stdout
    )
    ids = [h["id"] for h in as_json]
    assert "inode-exhaustion" in ids and all(
        "고갈" in Path(h["path"]).read_text(encoding="utf-8") for h in as_json
    )  # every hit really says it (address-not-available: port exhaustion, 포트 고갈)


def test_a_users_note_still_overrides_the_korean_one(cli, ko) -> None:  # type: ignore[no-untyped-def]
    notes = Path(ko["SRVDOCTOR_NOTES"])
    notes.mkdir()
    (notes / "disk-full.md").write_text(
        "---\nid: disk-full\ntitle: 우리 팀의 디스크 노트\n---\n## 증상\n/data가 찼을 때는 운영팀에 연락\n",
        encoding="utf-8",
    )
    shown = cli("notes", "disk-full", env=ko)
    assert shown.rc == 0 and shown.stdout.startswith("# 우리 팀의 디스크 노트")
    assert "운영팀" in shown.stdout
    listed = cli("notes", env=ko)
    assert re.search(r"^disk-full +우리 팀의 디스크 노트 +user", listed.stdout, re.MULTILINE)


# --------------------------------------------------------------------------- the screens' own words


def test_list_footer_and_search_messages_are_korean(cli, ko, c_locale) -> None:  # type: ignore[no-untyped-def]
    listed = cli("notes", env=ko)
    assert re.search(r"^노트 \d+개\. 하나를 보려면: srvdoctor notes ID$", listed.stdout, re.MULTILINE)
    assert re.search(r"^id +제목 +출처", listed.stdout, re.MULTILINE)
    nothing = cli("notes", "search", "zzyzx", env=ko)
    assert nothing.rc == 0
    assert (
        nothing.stdout == "'zzyzx'이(가) 나오는 노트가 없습니다. 새로 쓰려면: srvdoctor notes new \"제목\"\n"
    )
    english = cli("notes", "search", "zzyzx", env=c_locale)
    assert english.stdout == "No note mentions 'zzyzx'. Write one with: srvdoctor notes new \"TITLE\"\n"


def test_a_missing_note_is_one_korean_line_and_exit_2(cli, ko) -> None:  # type: ignore[no-untyped-def]
    result = cli("notes", "disk-ful", env=ko)
    assert (result.rc, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        "srvdoctor: error: id가 'disk-ful'인 노트가 없습니다. 혹시 disk-full, disk-quota?"
    ]


@pytest.fixture
def home_ko(tmp_path: Path) -> dict[str, str]:
    return {**CLEAN, "LANG": "C", "SRVDOCTOR_NOTES": str(tmp_path / "notes"),
            "XDG_CACHE_HOME": str(tmp_path / "cache")}  # fmt: skip


def test_new_with_lang_ko_writes_the_korean_template_that_notes_lists(cli, home_ko) -> None:  # type: ignore[no-untyped-def]
    from srvdoctor.playbooks import parse_playbook

    result = cli(
        "notes", "new", "제목", "--lang", "ko", "--match", "디스크가 찼습니다", "--no-edit", env=home_ko
    )
    path = Path(home_ko["SRVDOCTOR_NOTES"]) / "jemok.md"  # the Hangul title, romanised
    assert (result.rc, result.stdout) == (0, f"{path}\n"), result.stderr
    assert result.stderr == "보려면: srvdoctor notes jemok\n"
    text = path.read_text(encoding="utf-8")
    note = parse_playbook(text, path, "user")
    assert (note.id, note.title, note.matches) == ("jemok", "제목", ("디스크가 찼습니다",))
    # the headings the shipped Korean notes use (playbooks/ko/*.md)
    assert note.sections() == ["증상", "원인", "확인", "해결", "예방"]
    assert "(여기에 오류를 붙여 넣으세요)" in text and "```bash\nsrvdoctor check\n```" in text
    assert "What you saw" not in text and "## Symptom" not in text

    listed = cli("notes", "--lang", "ko", env=home_ko)
    assert re.search(r"^jemok +제목 +user\b", listed.stdout, re.MULTILINE), listed.stdout
    shown = cli("notes", "jemok", "--lang", "ko", env=home_ko)
    assert shown.rc == 0 and shown.stdout.startswith("# 제목\n\n## 증상")
    # read back and matched like an English one: a user's note comes first in triage
    triaged = cli("triage", "--no-run", "--lang", "ko", "배포 실패: 디스크가 찼습니다", env=home_ko)
    assert "  1. jemok: 제목 (user)" in triaged.stdout, triaged.stdout


def test_new_under_a_korean_locale_is_korean_and_under_c_english(cli, home_ko) -> None:  # type: ignore[no-untyped-def]
    korean = cli("notes", "new", "NFS 끊김", "--no-edit", env={**home_ko, "LANG": "ko_KR.UTF-8"})
    assert korean.rc == 0, korean.stderr
    assert "## 증상" in Path(korean.stdout.strip()).read_text(encoding="utf-8")
    assert Path(korean.stdout.strip()).name == "nfs-kkeungim.md"
    english = cli("notes", "new", "NFS hang", "--no-edit", env=home_ko)
    text = Path(english.stdout.strip()).read_text(encoding="utf-8")
    assert "## Symptom\n\nWhat you saw, and where. The error as it appeared:" in text and not HANGUL.search(
        text
    )
    assert english.stderr == "Show it with: srvdoctor notes nfs-hang\n"


def test_a_broken_user_note_is_a_korean_warning(cli, ko) -> None:  # type: ignore[no-untyped-def]
    notes = Path(ko["SRVDOCTOR_NOTES"])
    notes.mkdir()
    (notes / "broken.md").write_text("no front matter\n", encoding="utf-8")
    result = cli("notes", env=ko)
    assert result.rc == 0
    assert result.stderr.splitlines() == [
        f"srvdoctor: warning: 노트를 건너뜀: {notes / 'broken.md'}: YAML front matter가 없습니다 (맨 위의 '---' 블록)"
    ]
    english = cli("notes", env={**ko, "LANG": "C"})
    assert english.stderr.splitlines() == [
        f"srvdoctor: warning: skipped note {notes / 'broken.md'}: no YAML front matter (a '---' block at the top)"
    ]
