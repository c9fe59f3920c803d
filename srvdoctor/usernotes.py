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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from srvdoctor.playbooks import Library, Playbook

#: Words `srvdoctor notes` takes as subcommands: no note may be called that.
RESERVED_IDS = frozenset({"new", "search", "show"})

_TEMPLATE = """\
---
id: {id}
title: {title}
date: {date}
# check ids srvdoctor runs when this note matches, e.g. [disk.space, disk.inodes]
# (srvdoctor check --print-config lists them)
checks: [{checks}]
# case-insensitive regular expressions of the error text this note is about
matches:
{matches}
---
## Symptom

What you saw, and where. The error as it appeared:

```text
{lines}
```

## Why it happens

The cause, in a sentence or two a colleague will understand.

## Confirm

The commands that show it is this cause and not another one:

```bash
srvdoctor check
```

## Fix

What you did, as commands to copy.

## Prevent

How to keep it from happening again (a config setting, a cron job, an alert).
"""


def slugify(title: str) -> str:
    """A note id from a title: lowercase ASCII letters, digits and dashes, at most 60."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
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
) -> str:
    """A new note in the playbook template, front matter filled in."""
    day = (today or dt.date.today()).isoformat()
    match_lines = "\n".join(f"  - {_yaml_str(m)}" for m in matches) or '  - "the error text, as a regex"'
    return _TEMPLATE.format(
        id=note_id,
        title=_yaml_str(title),
        date=day,
        checks=", ".join(checks),
        matches=match_lines,
        lines="\n".join(lines) or "(paste the error here)",
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
