"""The shipped playbooks are complete, and user notes add to or override them."""

from __future__ import annotations

from pathlib import Path

import pytest

from srvdoctor.checks.registry import CHECKS
from srvdoctor.playbooks import SECTIONS, load_library, note_paths, referenced_ids, shipped_dir

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


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("with_user_notes", [False, True])
def test_note_paths_are_the_librarys_paths(tmp_path: Path, lang: str, with_user_notes: bool) -> None:
    """What a report links (note_paths, which reads no shipped note) is where the library
    reads each note: shipped, translated, overridden or extended by the user's."""
    user = tmp_path / "notes"
    if with_user_notes:
        user.mkdir()
        (user / "full.md").write_text("---\nid: disk-full\ntitle: Ours\n---\n## Symptom\nlocal\n")
        (user / "inode-exhaustion.md").write_text(
            "---\nid: inode-exhaustion\ntitle: x\nextends: true\n---\n## Local\nask ops\n"
        )
        (user / "gpu-box.md").write_text("---\nid: gpu-box\ntitle: Our GPU box\n---\n## Symptom\nx\n")
        (user / "broken.md").write_text("no front matter\n")
    library = load_library(user, lang=lang).paths()
    ids = [*library, "no-such-note", "../etc/passwd", "Disk-Full"]
    got = note_paths(ids, user, lang=lang)
    assert got == library
    if with_user_notes:
        assert got["disk-full"] == str(user / "full.md")
    if lang == "ko":
        assert got["port-closed"] == str(shipped_dir() / "ko" / "port-closed.md")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_library_read_on_demand_is_the_same_library(tmp_path: Path, lang: str) -> None:
    """triage's library parses a shipped note when it looks one up: every lookup, path, match
    and problem is what the library read all at once gives."""
    user = tmp_path / "notes"
    user.mkdir()
    (user / "full.md").write_text("---\nid: disk-full\ntitle: Ours\nmatches: [quota]\n---\n## Symptom\nx\n")
    (user / "inode-exhaustion.md").write_text(
        "---\nid: inode-exhaustion\ntitle: x\nextends: true\nmatches: ['inode quota']\n---\n## Local\nask\n"
    )
    (user / "gpu-box.md").write_text(
        "---\nid: gpu-box\ntitle: Box\nmatches: ['CUDA error']\n---\n## Symptom\nx\n"
    )
    (user / "broken.md").write_text("no front matter\n")
    eager, lazy = load_library(user, lang=lang), load_library(user, lang=lang, on_demand=True)
    assert lazy.problems == eager.problems and len(lazy.problems) == 1
    assert lazy.paths() == eager.paths()
    texts = [
        "OSError: [Errno 28] No space left on device",
        "disk quota exceeded; inode quota reached",
        "RuntimeError: CUDA error: out of memory",
        "curl: (7) Failed to connect to localhost port 8888: Connection refused",
    ]
    for text in texts:
        assert [(n, h) for n, h in lazy.matching(text)] == [(n, h) for n, h in eager.matching(text)], text
    assert list(lazy.notes) == list(eager.notes)
    assert "no-such-note" not in lazy.notes and lazy.get("no-such-note") is None
    assert {k: lazy.notes[k] for k in lazy.notes} == dict(eager.notes)
    assert lazy.nearest("disk-ful") == eager.nearest("disk-ful")


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


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("OSError: [Errno 28] No space left on device: '/data/ckpt'", "disk-full"),
        ("FileNotFoundError: [Errno 2] No such file or directory: '/data/x'", "path-missing"),
        ("PermissionError: [Errno 13] Permission denied: '/root/x'", "permission-denied"),
        ("OSError: [Errno 98] Address already in use", "port-in-use"),
        ("ConnectionRefusedError: [Errno 111] Connection refused", "port-closed"),
        ("TimeoutError: [Errno 110] Connection timed out", "port-filtered"),
        ("socket.gaierror: [Errno -2] Name or service not known", "dns-failure"),
        ("socket.gaierror: [Errno -3] Temporary failure in name resolution", "dns-failure"),
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate", "tls-error"),
        ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB", "cuda-oom"),
        ("RuntimeError: CUDA error: out of memory", "cuda-oom"),
        ("CUDA driver version is insufficient for CUDA runtime version", "gpu-driver-mismatch"),
        ("Failed to initialize NVML: Driver/library version mismatch", "gpu-driver-mismatch"),
        ("Killed", "oom-killed"),
        ("Process finished with exit code 137", "oom-killed"),
        ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
         "docker-daemon-unreachable"),
        ("OSError: [Errno 24] Too many open files", "too-many-open-files"),
        ("OSError: [Errno 122] Disk quota exceeded", "disk-quota"),  # not memory-pressure's Errno 12
    ],
)  # fmt: skip
def test_each_known_error_text_ranks_its_playbook_first(text: str, first: str) -> None:
    assert SHIPPED.matching(text)[0][0].id == first


# --------------------------------------------------------------------------- hostile user notes (issue 19)


def note(note_id: str, front: str = "") -> str:
    return f"---\nid: {note_id}\ntitle: T\n{front}---\n## Symptom\nx\n"


def test_an_id_with_a_trailing_newline_is_not_an_id(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text('---\nid: "disk-full\\n"\ntitle: Ours\n---\n## Symptom\n')
    lib = load_library(tmp_path)
    assert lib.notes["disk-full"].origin == "shipped"
    assert lib.problems == (
        f"{tmp_path / 'x.md'}: id must be lowercase letters, digits and dashes, got 'disk-full\\n'",
    )


def test_a_catastrophic_user_pattern_answers_in_linear_time(tmp_path: Path) -> None:
    """`(a+)+$` against 'aaa…b' backtracks for ever in Python's re; RE2 answers at once."""
    import time

    (tmp_path / "cat.md").write_text(note("cat", "matches: ['(a+)+$', '(x+x+)+y', 'No (space|room) left']\n"))
    lib = load_library(tmp_path)
    started = time.perf_counter()
    assert [n.id for n, _ in lib.matching("a" * 100_000 + "b" + "x" * 100_000)] == []
    hits = lib.matching("OSError: No room left on device")
    assert time.perf_counter() - started < 2.0
    assert hits[0][0].id == "cat"
    assert hits[0][1] == ["No room left"]


def test_a_pattern_re2_cannot_run_is_matched_literally(tmp_path: Path) -> None:
    (tmp_path / "look.md").write_text(note("look", "matches: ['(?<=x)y', '(a)\\\\1']\n"))
    lib = load_library(tmp_path)
    assert lib.problems == ()
    assert [n.id for n, _ in lib.matching("xy aa")] == []
    assert [n.id for n, _ in lib.matching("got (?<=x)y here")] == ["look"]


BROKEN = {
    "deep-list.md": note("deep-list", "x: " + "[" * 5000 + "]" * 5000 + "\n"),
    "deep-map.md": note("deep-map", "x: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n"),
    "date.md": note("date", "date: 2024-13-45\n"),
    "laughs.md": note(
        "laughs",
        "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
    ),
    "huge.md": note("huge", "x: '" + "y" * 70_000 + "'\n"),
    "tag.md": note("tag", "x: !!python/object/apply:os.system ['true']\n"),
    "binary.md": "---\nid: binary\ntitle: \xff\n---\n",
}


def write_broken(directory: Path) -> None:
    """BROKEN's files (binary.md with a raw 0xff byte) and a FIFO named fifo.md."""
    import os

    for name, text in BROKEN.items():
        (directory / name).write_bytes(text.encode("utf-8").replace(b"\xc3\xbf", b"\xff"))
    os.mkfifo(directory / "fifo.md")


def test_broken_user_notes_are_one_problem_each_and_skipped(tmp_path: Path) -> None:
    import time

    write_broken(tmp_path)
    (tmp_path / "good.md").write_text(note("good"))
    started = time.perf_counter()
    lib = load_library(tmp_path)
    assert time.perf_counter() - started < 5.0
    assert "good" in lib.notes
    assert not set(lib.notes) & {Path(n).stem for n in BROKEN}
    named = sorted(p.split(":")[0] for p in lib.problems)
    assert named == sorted(str(tmp_path / n) for n in [*BROKEN, "fifo.md"])
    assert all("\n" not in p for p in lib.problems)


def test_extending_a_shipped_note_keeps_its_patterns_on_python_re(tmp_path: Path) -> None:
    """`segfault` ships a negative lookahead (RE2 has none); a user note extending it adds a
    pattern of its own, run by RE2, and the shipped ones still match as before."""
    (tmp_path / "segfault.md").write_text(note("segfault", "extends: true\nmatches: ['(a+)+$']\n"))
    lib = load_library(tmp_path)
    extended = lib.notes["segfault"]
    assert extended.origin == "user+shipped" and extended.user_matches == ("(a+)+$",)
    shipped = SHIPPED.notes["segfault"]
    text = "Fatal Python error: SIGSEGV in worker"
    assert [m.group(0) for p in shipped.patterns() if (m := p.search(text))] == [
        m.group(0) for p in extended.patterns() if (m := p.search(text))
    ]
    assert extended.patterns()[-1].search("a" * 50_000 + "b") is None


# --------------------------------------------------------------------------- self-consistency

#: A note may quote a bare error that another note owns, where its own story is the context
#: around it (space eaten by Docker: the error is still "No space left on device"). The
#: conditions table leads that error to the owner first; the checks then tell which.
SHARED_QUOTES = {
    ("docker-disk-usage", "no space left on device"),
    ("docker-log-bloat", "No space left on device"),
    ("address-family-mismatch", "Connection refused"),  # what the client says; the cause is the family
    ("conntrack-full", "Connection timed out"),  # what clients see of dropped packets
    ("filesystem-errors", "Input/output error"),  # EIO: disk-io-errors first
}


def _symptom_error_lines(note_id: str) -> list[str]:
    """Error lines a note's Symptom quotes: code spans, "quoted" text and ```text blocks
    that triage recognises — not bare words (`ENOSPC`) nor srvdoctor commands."""
    import re

    from srvdoctor.textscan import scan

    symptom = SHIPPED.notes[note_id].body.split("## Symptom", 1)[1].split("\n## ", 1)[0]
    quoted = [" ".join(m.split()) for m in re.findall(r"```text\n(.*?)```", symptom, re.DOTALL)]
    rest = re.sub(r"```.*?```", "", symptom, flags=re.DOTALL).replace("\n", " ")
    quoted += [a or b for a, b in re.findall(r"`([^`]+)`|\"([^\"]+)\"", rest)]
    return [q for q in quoted if " " in q.strip() and not q.startswith("srvdoctor ") and scan(q)]


@pytest.mark.parametrize("note_id", sorted(SHIPPED.notes))
def test_every_error_line_a_note_quotes_ranks_it_first(note_id: str) -> None:
    from srvdoctor.triage import triage

    wrong = []
    for line in _symptom_error_lines(note_id):
        found = triage(line)
        top = found.ranked[0] if found.ranked else None
        # first, or first among the notes of the one condition the line states
        ok = bool(top) and (top.note == note_id or (top.best is not None and note_id in top.best.condition.notes
                                                    and top.best.condition.notes[0] == top.note))  # fmt: skip
        if not ok and (note_id, line) not in SHARED_QUOTES:
            wrong.append((line, found.note_ids[:3]))
    assert wrong == []


def test_new_notes_ship_with_their_sections() -> None:
    new = {"read-only-filesystem", "disk-quota", "inode-exhaustion", "inotify-limit", "bad-interpreter",
           "nccl-error", "address-not-available", "cpu-thermal"}  # fmt: skip
    assert new <= set(SHIPPED.notes)
    for note_id in new:
        assert _symptom_error_lines(note_id), note_id


def _plain(pattern: str) -> str | None:
    from srvdoctor.condindex import literal

    return literal(pattern)


@pytest.mark.parametrize("note_id", sorted(SHIPPED.notes))
def test_shipped_matches_mirror_the_conditions_table(note_id: str) -> None:
    """For shipped notes the conditions table decides; each plain phrase a note's front
    matter lists must lead to that note through the table (no second, drifting list)."""
    from srvdoctor.triage import triage

    wrong = []
    for pattern in SHIPPED.notes[note_id].matches:
        phrase = _plain(pattern)
        if phrase is None:
            continue
        found = triage(phrase)
        top = found.ranked[0] if found.ranked else None
        if not (top and (top.note == note_id or (top.best and note_id in top.best.condition.notes))):
            wrong.append((phrase, found.note_ids[:3]))
    assert wrong == []


def test_the_parsed_front_matter_module_is_current() -> None:
    """srvdoctor/playbook_meta.py holds every shipped note's front matter as YAML parses it now."""
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "scripts" / "gen_playbook_meta.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_notes_read_without_yaml_are_the_notes_yaml_reads(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from srvdoctor import playbooks

    fast = load_library(None, lang=lang)
    monkeypatch.setattr(playbooks, "_known_meta", lambda front: None)
    assert load_library(None, lang=lang) == fast


def test_a_note_whose_front_matter_changed_is_parsed_with_yaml(tmp_path: Path) -> None:
    from srvdoctor.playbooks import parse_playbook

    text = (shipped_dir() / "disk-full.md").read_text()
    note = parse_playbook(
        text.replace("title: No space left on device", "title: Disk full"), tmp_path / "x.md"
    )
    assert note.title == "Disk full" and note.matches == SHIPPED.notes["disk-full"].matches
