"""Every shipped playbook has a Korean twin: same id and checks, the five sections, same commands.

`playbooks/ko/<id>.md` translates the prose of `playbooks/<id>.md`; its code blocks are the
English ones byte for byte, in the same order (a command or an error text must never drift
between the languages), and its `matches` keep every English pattern (Korean glibc/bash
messages may be added after them).
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

from srvdoctor.playbooks import Playbook, load_library, shipped_dir

#: The Korean headings of Symptom, Why it happens, Confirm, Fix, Prevent.
KO_SECTIONS = ["증상", "원인", "확인", "해결", "예방"]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")

EN = load_library(None)
KO_DIR = shipped_dir() / "ko"
KO = load_library(None, KO_DIR)
TWINS = sorted(set(EN.notes) & set(KO.notes))


def code_blocks(text: str) -> list[str]:
    """Every fenced code block, fences and indentation included, in order."""
    blocks: list[str] = []
    current: list[str] | None = None
    fence = ""
    for line in text.splitlines(keepends=True):
        if current is None:
            if m := _FENCE.match(line):
                current, fence = [line], m.group(1)
        else:
            current.append(line)
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                blocks.append("".join(current))
                current = None
    assert current is None, "a code block is never closed"
    return blocks


def prose_by_section(note: Playbook) -> dict[str, str]:
    """The text of each `## ` section, code blocks removed."""
    text = note.body
    for block in code_blocks(text):
        text = text.replace(block, "")
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_the_korean_notes_load_cleanly() -> None:
    assert KO.problems == ()
    assert len(KO.notes) == len(list(KO_DIR.glob("*.md"))) > 0


def test_every_english_playbook_has_a_korean_twin() -> None:
    missing = sorted(set(EN.notes) - set(KO.notes))
    assert not missing, f"no Korean twin playbooks/ko/<id>.md for: {', '.join(missing)}"


@pytest.mark.parametrize("note_id", TWINS)
def test_twin_front_matter(note_id: str) -> None:
    en, ko = EN.notes[note_id], KO.notes[note_id]
    assert ko.path.stem == ko.id == en.id
    assert ko.checks == en.checks
    missing = [m for m in en.matches if m not in ko.matches]
    assert not missing, f"{ko.path}: copy these matches from {en.path}: {missing}"
    assert [m for m in ko.matches if not m.isascii() and not HANGUL.search(m)] == []
    assert HANGUL.search(ko.title), f"{ko.path}: the title is not Korean: {ko.title!r}"
    assert ko.extra == en.extra


@pytest.mark.parametrize("note_id", TWINS)
def test_twin_has_the_five_korean_sections(note_id: str) -> None:
    en, ko = EN.notes[note_id], KO.notes[note_id]
    assert ko.sections() == KO_SECTIONS, ko.path
    english = list(prose_by_section(en).values())
    for (heading, prose), original in zip(prose_by_section(ko).items(), english, strict=True):
        if original.strip():  # a section that is only a code block has nothing to translate
            assert HANGUL.search(prose), f"{ko.path}: section {heading!r} has no Korean prose"


@pytest.mark.parametrize("note_id", TWINS)
def test_twin_code_blocks_are_byte_identical(note_id: str) -> None:
    en, ko = EN.notes[note_id], KO.notes[note_id]
    assert code_blocks(ko.path.read_text(encoding="utf-8")) == code_blocks(
        en.path.read_text(encoding="utf-8")
    ), f"{ko.path}: code blocks differ from {en.path} (copy them from the English note)"


@pytest.mark.parametrize("note_id", TWINS)
def test_korean_library_keeps_the_english_checks_and_matches(note_id: str) -> None:
    """At run time the English checks/matches rule; the twin adds only its Korean texts."""
    en, ko = EN.notes[note_id], load_library(None, lang="ko").notes[note_id]
    added = [m for m in KO.notes[note_id].matches if HANGUL.search(m)]
    assert (ko.id, ko.checks, ko.matches) == (en.id, en.checks, en.matches + tuple(added))
    assert (ko.title, ko.body, ko.path) == (
        KO.notes[note_id].title,
        KO.notes[note_id].body,
        KO_DIR / f"{note_id}.md",
    )


def _korean_catalogs() -> set[str]:
    """Every Korean message of glibc, bash and coreutils installed on this machine."""
    found: set[str] = set()
    for domain in ("libc", "bash", "coreutils"):
        try:
            catalog = gettext.translation(domain, "/usr/share/locale", ["ko"])
        except OSError:
            continue
        found.update(v for v in catalog._catalog.values() if isinstance(v, str))  # type: ignore[attr-defined]
    return found


def test_added_korean_matches_are_real_messages() -> None:
    """The Korean `matches` are glibc's/bash's own words, not retyped guesses."""
    added = {m for note in KO.notes.values() for m in note.matches if HANGUL.search(m)}
    assert added, "the Korean notes add the Korean error messages to matches"
    messages = _korean_catalogs()
    if not messages:
        pytest.skip("no Korean glibc catalog here (apt-get install locales)")
    assert {m for m in added if not any(m in msg for msg in messages)} == set()


def test_a_translation_overlays_title_and_text_only(tmp_path: Path) -> None:
    (tmp_path / "ko").mkdir()
    (tmp_path / "disk-full.md").write_text(
        '---\nid: disk-full\ntitle: Full\nchecks: [disk.space]\nmatches: ["No space left", "ENOSPC"]\n'
        "---\n## Symptom\nfull\n"
    )
    (tmp_path / "ko" / "disk-full.md").write_text(
        '---\nid: disk-full\ntitle: 가득 참\nchecks: [disk.inodes]\nmatches: ["No space left", "old one", '
        '"장치에 남은 공간이 없음"]\n---\n## 증상\n가득 찼습니다\n',
        encoding="utf-8",
    )
    (tmp_path / "ko" / "not-yet.md").write_text(
        "---\nid: not-yet\ntitle: 아직\n---\n## 증상\n아직\n", encoding="utf-8"
    )
    english = load_library(None, tmp_path)
    korean = load_library(None, tmp_path, lang="ko")
    note = korean.notes["disk-full"]
    assert (note.title, note.body, note.path) == (
        "가득 참",
        "## 증상\n가득 찼습니다\n",
        tmp_path / "ko" / "disk-full.md",
    )
    # the English checks and matches rule; the translation adds only its Korean texts
    assert note.checks == ("disk.space",)
    assert note.matches == ("No space left", "ENOSPC", "장치에 남은 공간이 없음")
    # a translation whose original is not shipped (yet) is not listed: same ids in every language
    assert list(korean.notes) == list(english.notes) == ["disk-full"]
    assert korean.problems == ()
