"""The table of conditions: every condition leads to a note, the prefilter never hides a
match, every pattern is linear, and glibc's localised messages are recognised."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from srvdoctor.condindex import compiled
from srvdoctor.conditions import CONDITIONS, DATA_FILE, ERRNO, LOCALISED, localised
from srvdoctor.playbooks import load_library
from srvdoctor.textscan import Hit, prepare, scan
from srvdoctor.triage import triage

SHIPPED = load_library(None)
ROOT = Path(__file__).resolve().parent.parent

#: Notes other branches add (shm-too-small: the /dev/shm check's branch; segfault: the
#: kernel-log notes). A condition may name them before they ship; matching skips a note the
#: library does not have.
PENDING = {
    "shm-too-small",
    "segfault",
    "disk-io-errors",
    "gpu-xid",
    "kernel-hung-task",
    "conntrack-full",
    "filesystem-errors",
    "gpu-container-toolkit",
}


def test_every_condition_leads_to_a_note() -> None:
    ids = [c.id for c in CONDITIONS]
    assert len(ids) == len(set(ids))
    for cond in CONDITIONS:
        assert cond.notes, cond.id
        assert set(cond.notes) <= set(SHIPPED.notes) | PENDING, cond.id
        assert cond.level in (1, 2, 3) and cond.keys and cond.patterns, cond.id
        for other in (*cond.shadows, *cond.requires):
            assert other in ids, (cond.id, other)


def test_every_localised_errno_joins_a_condition() -> None:
    assert set(LOCALISED.values()) <= {c.id for c in CONDITIONS}
    assert set(LOCALISED) <= set(ERRNO)


def _reference(text: str) -> set[tuple[str, str]]:
    """Every (condition, line) found by running every regex and literal on every line."""
    out = set()
    for line in prepare(text).lines:
        for comp in compiled():
            if comp.regex.search(line) or any(w in line.lower() for w in comp.literals):
                out.add((comp.condition.id, line))
    return out


def _symptom_quotes() -> list[str]:
    out = []
    for note in SHIPPED.notes.values():
        symptom = note.body.split("## Symptom", 1)[1].split("\n## ", 1)[0]
        out += [a or b for a, b in re.findall(r"`([^`\n]+)`|\"([^\"\n]+)\"", symptom)]
    return out


EXAMPLES = [
    "OSError: [Errno 28] No space left on device: '/data/x'",
    "Error: ENOSPC: System limit for number of file watchers reached, watch '/app'",
    "nodejs.ENOSPCError: watch /home/u/app/config ENOSPC",
    "E: You don't have enough free space in /var/cache/apt/archives/.",
    'ERROR:  could not extend file "base/16384/2619": No space left on device\nHINT:  Check free disk space.',
    "npm ERR! getaddrinfo ENOTFOUND registry.npmjs.org",
    "exitcode  : -9 (pid: 4242)",
    "RuntimeError: received 0 items of ancdata",
    "Unable to determine the device handle for GPU 0000:17:00.0: GPU is lost.",
    "RuntimeError: No CUDA GPUs are available",
    "장치에 남은 공간이 없음",
    "Aucun espace disponible sur le périphérique",
]


@pytest.mark.parametrize("text", EXAMPLES + _symptom_quotes())
def test_prefilter_finds_what_every_regex_finds(text: str) -> None:
    found = {(h.condition.id, h.line) for h in scan(text)}
    shadowed = {(h.condition.id, h.line) for h in _unshadowed(text)} - found
    assert _reference(text) - shadowed == found


def _unshadowed(text: str) -> list[Hit]:
    """scan() without shadows and context requirements: what the regexes found at all."""
    from dataclasses import replace

    from srvdoctor.condindex import Compiled

    table = tuple(
        Compiled(replace(c.condition, shadows=(), requires=()), c.source, c.literals, c.keys, c.anchors)
        for c in compiled()
    )
    return scan(text, table)


# --------------------------------------------------------------------------- linear time

_N = 100_000
ADVERSARIAL = [
    " " * _N,
    "a/" * (_N // 2),
    ":" * _N,
    "-9 " * (_N // 3),
    "Errno " * (_N // 6),
    "exit code " * (_N // 10),
    "No space left on device " * (_N // 24),
    "/dev/shm " * (_N // 9),
    "x" * _N + "No such file or directory",
]


def test_every_pattern_is_linear_on_adversarial_strings() -> None:
    """Each condition's regex on strings of 10^5 characters (and 10^6 for the plain ones)
    finishes in a bounded time: no nested quantifiers over overlapping classes."""
    slow = []
    for comp in compiled():
        strings = [*ADVERSARIAL, *((k * (_N // max(1, len(k))))[:_N] for k in comp.keys[:3])]
        for text in strings:
            start = time.perf_counter()
            comp.regex.search(text)
            took = time.perf_counter() - start
            if took > 2.0:  # quadratic patterns take 20 s and more here
                slow.append((comp.condition.id, text[:30], round(took, 2)))
    for text in ("a" * 1_000_000, "Errno " * 170_000):
        start = time.perf_counter()
        scan(text)
        assert time.perf_counter() - start < 5, text[:20]
    assert slow == []


# --------------------------------------------------------------------------- localised messages


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("장치에 남은 공간이 없음", "disk-full"),
        ("cp: '/data/x' 쓰는 중 오류: 장치에 남은 공간이 없음", "disk-full"),
        ("ls: '/nope'에 접근할 수 없습니다: 그런 파일이나 디렉터리가 없습니다", "path-missing"),
        ("cp: erreur d'écriture: Aucun espace disponible sur le périphérique", "disk-full"),
        ("touch: '/x' kann nicht berührt werden: Keine Berechtigung", "permission-denied"),
        (
            "mkdir: no se puede crear el directorio «/x»: Sistema de ficheros de sólo lectura",
            "read-only-filesystem",
        ),
        ("OSError: [Errno 98] Адрес уже используется", "port-in-use"),
    ],
)
def test_localised_strerror_is_recognised(text: str, note: str) -> None:
    assert triage(text).note_ids[0] == note


def test_data_file_has_every_errno_in_many_languages() -> None:
    data = localised()
    assert set(data) >= {"ENOSPC", "ENOENT", "EACCES", "EROFS", "EDQUOT", "EMFILE", "ENOMEM", "ECONNREFUSED"}
    assert all(len(v) >= 20 for v in data.values()), {k: len(v) for k, v in data.items()}
    assert "장치에 남은 공간이 없음" in data["ENOSPC"]
    assert "그런 파일이나 디렉터리가 없습니다" in data["ENOENT"]
    assert "Aucun espace disponible sur le périphérique" in data["ENOSPC"]


@pytest.mark.skipif(
    not list(Path("/usr/share/locale").glob("*/LC_MESSAGES/libc.mo")),
    reason="glibc's catalogs are not installed (apt-get install libc-l10n)",
)
def test_data_file_matches_the_generator() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_strerror.py"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert DATA_FILE.is_file()


def _plain_phrases() -> list[tuple[str, str]]:
    from srvdoctor.condindex import literal

    return [(c.id, lit) for c in CONDITIONS for p in c.patterns if (lit := literal(p)) and not c.requires]


@pytest.mark.parametrize(("cond_id", "phrase"), _plain_phrases())
def test_every_plain_phrase_is_found_by_the_prefilter(cond_id: str, phrase: str) -> None:
    """Each condition's plain phrases, alone on a line, are found (or explained by a more
    specific condition on the same line)."""
    found = {h.condition.id for h in _unshadowed(phrase)}
    assert cond_id in found


def test_the_table_built_ahead_is_current() -> None:
    """srvdoctor/condindex_data.py is what condindex.build() makes of today's conditions and data."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "gen_condindex.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_table_is_built_at_run_time_when_the_conditions_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    from srvdoctor import condindex, condindex_data

    condindex.compiled.cache_clear()
    try:
        assert condindex.compiled() == condindex.build()
        monkeypatch.setattr(condindex_data, "TABLE", ())  # a table that fits no condition...
        monkeypatch.setattr(condindex_data, "INPUTS", ((("edited", (), ()),)))  # ...built from others
        condindex.compiled.cache_clear()
        assert condindex.compiled() == condindex.build()
    finally:
        condindex.compiled.cache_clear()
