"""`srvdoctor notes new` and `notes search`, in a private notes directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from srvdoctor.playbooks import load_library, parse_playbook


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {"SRVDOCTOR_NOTES": str(tmp_path / "notes"), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_new_note_from_the_template(cli, home) -> None:  # type: ignore[no-untyped-def]
    result = cli("notes", "new", "Stale file handle on /mnt/shared", "--match", "Stale file handle",
                 "--check", "disk.space", env=home)  # fmt: skip
    path = Path(home["SRVDOCTOR_NOTES"]) / "stale-file-handle-on-mnt-shared.md"
    assert (result.rc, result.stdout) == (0, f"{path}\n")
    note = parse_playbook(path.read_text(), path, "user")
    assert (note.id, note.title, note.checks, note.matches) == (
        "stale-file-handle-on-mnt-shared",
        "Stale file handle on /mnt/shared",
        ("disk.space",),
        ("Stale file handle",),
    )
    assert note.sections() == ["Symptom", "Why it happens", "Confirm", "Fix", "Prevent"]
    assert str(note.extra["date"]) == __import__("datetime").date.today().isoformat()
    listing = json.loads(cli("notes", "-f", "json", env=home).stdout)
    assert {"id": note.id, "origin": "user"}.items() <= next(n for n in listing if n["id"] == note.id).items()


def test_existing_ids_are_a_clear_error(cli, home) -> None:  # type: ignore[no-untyped-def]
    assert cli("notes", "new", "Flaky NFS", env=home).rc == 0
    again = cli("notes", "new", "Flaky NFS!", env=home)
    assert again.rc == 2 and "a note with id 'flaky-nfs' already exists" in again.stderr
    shipped = cli("notes", "new", "My disk note", "--id", "disk-full", env=home)
    assert shipped.rc == 2 and "to override the shipped note, copy it: cp " in shipped.stderr
    reserved = cli("notes", "new", "Search", env=home)
    assert reserved.rc == 2 and "'search' is a notes subcommand" in reserved.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["notes", "new"], "give the note a title"),
        (["notes", "new", "x", "--check", "disk.spaec"], "--check disk.spaec: no such check"),
        (["notes", "new", "x", "--match", "(unclosed"], "not a regular expression"),
        (["notes", "new", "--from-triage"], "no triage to start from: run srvdoctor triage first"),
        (["notes", "search"], "Missing argument 'WORDS...'"),
    ],
)
def test_bad_new_is_exit_2(cli, home, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args, env=home)
    assert (result.rc, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_from_triage_round_trip(cli, home) -> None:  # type: ignore[no-untyped-def]
    log = "step 10\nOSError: [Errno 116] Stale file handle: '/mnt/shared/ckpt-10.pt'\n"
    first = cli("triage", env=home, input_text=log)
    assert "No note matches this error." in first.stdout

    created = cli("notes", "new", "--from-triage", env=home)
    path = Path(created.stdout.strip())
    note = parse_playbook(path.read_text(), path, "user")
    assert note.title == "OSError: [Errno 116] Stale file handle: '/mnt/shared/ckpt-10.pt'"
    assert note.matches == ("Stale file handle",)
    assert "OSError: [Errno 116] Stale file handle: '/mnt/shared/ckpt-10.pt'" in note.body

    # the next time the error shows up, with another path, triage finds the note
    again = json.loads(
        cli(
            "triage", "-f", "json", "OSError: [Errno 116] Stale file handle: '/mnt/shared/x'", env=home
        ).stdout
    )
    assert [(n["id"], n["origin"]) for n in again["notes"]] == [(note.id, "user")]


def test_editor_is_not_opened_without_a_terminal(cli, home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "editor-ran"
    editor = tmp_path / "editor.sh"
    editor.write_text(f"#!/bin/sh\ntouch {marker}\n")
    editor.chmod(0o755)
    assert cli("notes", "new", "Quiet", env={**home, "EDITOR": str(editor)}).rc == 0
    assert not marker.exists()


def test_editor_runs_on_a_terminal(home, tmp_path: Path) -> None:
    """Under a pseudo-terminal (as a person at a shell), $EDITOR opens the new note."""
    import pty
    import sys

    marker = tmp_path / "edited"
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\necho "$1" > {marker}\n')
    editor.chmod(0o755)
    pid, fd = pty.fork()
    if pid == 0:  # child: stdin and stdout are the terminal
        os.environ.update({**home, "EDITOR": str(editor)})
        os.execv(sys.executable, [sys.executable, "-m", "srvdoctor", "notes", "new", "On a tty"])
    output = b""
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, output
    assert marker.read_text().strip() == str(Path(home["SRVDOCTOR_NOTES"]) / "on-a-tty.md")


def test_search_titles_and_bodies(cli, home) -> None:  # type: ignore[no-untyped-def]
    hits = json.loads(cli("notes", "search", "inodes", "-f", "json", env=home).stdout)
    assert hits[0]["id"] == "inode-exhaustion"
    body_only = json.loads(cli("notes", "search", "huggingface-cli", "-f", "json", env=home).stdout)
    by_id = {h["id"]: h for h in body_only}
    assert all(any("huggingface-cli" in s for s in h["snippets"]) for h in body_only)
    assert any("huggingface-cli delete-cache" in s for s in by_id["disk-full"]["snippets"])
    # every word must occur
    assert json.loads(cli("notes", "search", "inodes", "nvidia-smi", "-f", "json", env=home).stdout) == []


def test_search_finds_user_notes(cli, home) -> None:  # type: ignore[no-untyped-def]
    cli("notes", "new", "Flaky NFS mount on gpu07", env=home)
    result = cli("notes", "search", "NFS", env=home)
    assert result.stdout.startswith("flaky-nfs-mount-on-gpu07  Flaky NFS mount on gpu07  (user)")
    none = cli("notes", "search", "zyzzyva", env=home)
    assert none.rc == 0 and "No note mentions 'zyzzyva'" in none.stdout


def test_show_by_id_and_by_show(cli, home) -> None:  # type: ignore[no-untyped-def]
    assert cli("notes", "show", "cuda-oom", env=home).stdout == cli("notes", "cuda-oom", env=home).stdout
    assert cli("notes", "cuda-oom", env=home).stdout.startswith("# CUDA out of memory (GPU memory full)\n")


def test_new_notes_load_in_the_library(cli, home) -> None:  # type: ignore[no-untyped-def]
    cli("notes", "new", "One", env=home)
    cli("notes", "new", "Two", "--match", "two+", env=home)
    lib = load_library(Path(home["SRVDOCTOR_NOTES"]))
    assert lib.problems == () and {"one", "two"} <= set(lib.notes)


def test_search_matches_whole_words(cli, home) -> None:  # type: ignore[no-untyped-def]
    """`space` finds "No space left" and "spaces", never the inside of "namespace" (issue 12.12)."""
    notes = Path(home["SRVDOCTOR_NOTES"])
    notes.mkdir()
    (notes / "netns-only.md").write_text(
        "---\nid: netns-only\ntitle: A PID namespace hides processes\n---\n"
        "## Symptom\nInside a namespace.\n## Why it happens\nx\n## Confirm\nx\n## Fix\nx\n## Prevent\nx\n"
    )
    hits = json.loads(cli("notes", "search", "space", "-f", "json", env=home).stdout)
    ids = [h["id"] for h in hits]
    assert "disk-full" in ids and "netns-only" not in ids
    assert not any(
        "namespace" in s.lower() and " space" not in s.lower() for h in hits for s in h["snippets"]
    )
    assert [h["id"] for h in json.loads(cli("notes", "search", "namespace", "-f", "json", env=home).stdout)][
        :1
    ] == ["netns-only"]


@pytest.mark.parametrize(
    ("wrong", "suggested"),
    [("nosuch", None), ("disk-ful", "disk-full"), ("oom", "oom-killed"), ("portclosed", "port-closed")],
)
def test_unknown_id_suggests_only_close_ids(cli, home, wrong: str, suggested: str | None) -> None:  # type: ignore[no-untyped-def]
    result = cli("notes", wrong, env=home)
    assert result.rc == 2
    if suggested is None:
        assert "did you mean" not in result.stderr and "list them with: srvdoctor notes" in result.stderr
    else:
        assert "did you mean" in result.stderr and suggested in result.stderr.split("did you mean", 1)[1]
