"""The shipped playbooks are complete, and user notes add to or override them."""

from __future__ import annotations

from pathlib import Path

import pytest

from srvdoctor.checks.registry import CHECKS
from srvdoctor.playbooks import SECTIONS, load_library, referenced_ids, shipped_dir

SHIPPED = load_library(None)


def test_every_linked_playbook_exists() -> None:
    assert referenced_ids(CHECKS) - set(SHIPPED.notes) == set()


def test_shipped_playbooks_load_cleanly() -> None:
    assert SHIPPED.problems == ()
    assert len(SHIPPED.notes) == len(list(shipped_dir().glob("*.md")))


@pytest.mark.parametrize("note_id", sorted(SHIPPED.notes))
def test_playbook_has_the_five_sections(note_id: str) -> None:
    note = SHIPPED.notes[note_id]
    assert note.sections() == list(SECTIONS), note.path
    assert note.path.stem == note.id and note.matches, note.path


@pytest.mark.parametrize("note_id", sorted(SHIPPED.notes))
def test_playbook_names_only_real_checks(note_id: str) -> None:
    assert set(SHIPPED.notes[note_id].checks) <= {c.id for c in CHECKS}


def test_user_note_overrides_and_extends(tmp_path: Path) -> None:
    (tmp_path / "disk-full.md").write_text("---\nid: disk-full\ntitle: Ours\n---\n## Symptom\nlocal\n")
    (tmp_path / "inode-exhaustion.md").write_text(
        "---\nid: inode-exhaustion\ntitle: x\nextends: true\nmatches: ['inode quota']\n"
        "---\n## Local\nask ops\n"
    )
    (tmp_path / "broken.md").write_text("no front matter\n")
    lib = load_library(tmp_path)
    assert (lib.notes["disk-full"].title, lib.notes["disk-full"].origin) == ("Ours", "user")
    extended = lib.notes["inode-exhaustion"]
    assert extended.origin == "user+shipped" and extended.body.rstrip().endswith("ask ops")
    assert "## Prevent" in extended.body and "inode quota" in extended.matches
    assert lib.problems == (f"{tmp_path / 'broken.md'}: no YAML front matter (a '---' block at the top)",)


def test_error_text_matches_playbooks() -> None:
    hits = [n.id for n, _ in SHIPPED.matching("OSError: [Errno 28] No space left on device: '/data/ckpt'")]
    assert hits[:2] == ["disk-full", "inode-exhaustion"]
