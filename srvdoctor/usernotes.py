"""The user's own notes: a new note from the template, the last triage, searching notes.

No printing here; `commands/notes.py` and `commands/triage.py` do that.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from srvdoctor.messages import N_
from srvdoctor.playbooks import Library, Playbook
from srvdoctor.record import dataclass

#: Words `srvdoctor notes` takes as subcommands: no note may be called that.
RESERVED_IDS = frozenset({"new", "search", "show"})

_TEMPLATE = """\
---
id: {id}
title: {title}
date: {date}
# {comment_checks}
# {comment_checks_list}
checks: [{checks}]
# {comment_matches}
matches:
{matches}
---
## {symptom}

{symptom_text}

```text
{lines}
```

## {why}

{why_text}

## {confirm}

{confirm_text}

```bash
srvdoctor check
```

## {fix}

{fix_text}

## {prevent}

{prevent_text}
"""

#: The template's words, translated into the note's language (the headings are those the
#: shipped notes of that language use: playbooks/ko/*.md has `## 증상` … `## 예방`).
_TEMPLATE_WORDS = {
    "comment_checks": N_("check ids srvdoctor runs when this note matches, e.g. [disk.space, disk.inodes]"),
    "comment_checks_list": N_("(srvdoctor check --print-config lists them)"),
    "comment_matches": N_("case-insensitive regular expressions of the error text this note is about"),
    "symptom": N_("Symptom"),
    "symptom_text": N_("What you saw, and where. The error as it appeared:"),
    "why": N_("Why it happens"),
    "why_text": N_("The cause, in a sentence or two a colleague will understand."),
    "confirm": N_("Confirm"),
    "confirm_text": N_("The commands that show it is this cause and not another one:"),
    "fix": N_("Fix"),
    "fix_text": N_("What you did, as commands to copy."),
    "prevent": N_("Prevent"),
    "prevent_text": N_("How to keep it from happening again (a config setting, a cron job, an alert)."),
}
_NO_MATCH = N_("the error text, as a regex")
_NO_LINES = N_("(paste the error here)")


#: Revised Romanization of Korean, letter by letter: a Hangul title still makes an id
#: (`디스크 가득 참` -> `diseukeu-gadeuk-cham`) instead of an empty one.
_INITIALS = (
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
)  # fmt: skip
_VOWELS = (
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
)  # fmt: skip
_FINALS = (
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
)  # fmt: skip


def romanize(text: str) -> str:
    """`text` with each Hangul syllable in Revised Romanization (letter by letter, no sound
    changes across syllables); everything else unchanged."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        code = ord(char) - 0xAC00
        if not 0 <= code < 11172:
            out.append(char)
            continue
        initial, vowel, final = code // 588, code % 588 // 28, code % 28
        out.append(_INITIALS[initial] + _VOWELS[vowel] + _FINALS[final])
    return "".join(out)


def slugify(title: str) -> str:
    """A note id from a title: lowercase ASCII letters, digits and dashes, at most 60."""
    ascii_title = unicodedata.normalize("NFKD", romanize(title)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].rstrip("-")


def _yaml_str(text: str) -> str:
    # a JSON string is a valid YAML double-quoted scalar
    return json.dumps(text, ensure_ascii=False)


def note_text(
    note_id: str,
    title: str,
    matches: Sequence[str],
    checks: Sequence[str] = (),
    lines: Sequence[str] = (),
    today: dt.date | None = None,
    lang: str = "en",
) -> str:
    """A new note in the playbook template, front matter filled in, its headings and
    guidance in `lang` (English where the catalog has no translation)."""
    from srvdoctor.messages import catalog

    found = catalog(lang)
    say = found.gettext if found is not None else str
    day = (today or dt.date.today()).isoformat()
    match_lines = "\n".join(f"  - {_yaml_str(m)}" for m in matches) or f"  - {_yaml_str(say(_NO_MATCH))}"
    return _TEMPLATE.format(
        id=note_id,
        title=_yaml_str(title),
        date=day,
        checks=", ".join(checks),
        matches=match_lines,
        lines="\n".join(lines) or say(_NO_LINES),
        **{key: say(text) for key, text in _TEMPLATE_WORDS.items()},
    )


# --------------------------------------------------------------------------- last triage


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/srvdoctor, else ~/.cache/srvdoctor."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(base) / "srvdoctor"


def last_triage_path() -> Path:
    return cache_dir() / "last-triage.json"


def save_last_triage(record: Mapping[str, Any]) -> Path | None:
    """Remember the last triage for `notes new --from-triage` (private file); None if not writable."""
    path = last_triage_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except OSError:
        return None
    return path


def load_last_triage() -> dict[str, Any] | None:
    try:
        data = json.loads(last_triage_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------- search


@dataclass(frozen=True)
class SearchHit:
    note: Playbook
    score: int
    snippets: tuple[str, ...]


def search(library: Library, words: Iterable[str], snippets: int = 2) -> list[SearchHit]:
    """Notes whose id, title, matches or body contain every word (case-insensitive).

    Ranked by words found in the title (and id), then by how often they occur.
    """
    # whole words: a word starts where the term starts ("space" finds "spaces", not "namespace")
    terms = [re.compile(r"(?<![\w])" + re.escape(w.strip().lower())) for w in words if w.strip()]
    hits: list[SearchHit] = []
    for note in library.notes.values():
        head = f"{note.id} {note.title}".lower()
        body = f"{' '.join(note.matches)}\n{note.body}".lower()
        if not all(t.search(head) or t.search(body) for t in terms):
            continue
        score = sum(10 * len(t.findall(head)) + len(t.findall(body)) for t in terms)
        lines = [
            line.strip()
            for line in note.body.splitlines()
            if line.strip() and not line.startswith("#") and any(t.search(line.lower()) for t in terms)
        ]
        hits.append(SearchHit(note, score, tuple(lines[:snippets])))
    hits.sort(key=lambda h: (-h.score, h.note.id))
    return hits
