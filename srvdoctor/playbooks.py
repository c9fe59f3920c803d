"""Playbooks (wrong-answer notes): load the shipped ones and the user's, match error text.

A playbook is a markdown file with YAML front matter (`id`, `title`, `checks`,
`matches`). A user note with the id of a shipped one overrides it, or, with
`extends: true` in its front matter, adds its body, checks and matches to it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

#: The sections every shipped playbook has, in order.
SECTIONS = ("Symptom", "Why it happens", "Confirm", "Fix", "Prevent")

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?(.*)\Z", re.DOTALL)
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class PlaybookError(ValueError):
    """A playbook file that cannot be used, worded as `path: what is wrong`."""


@dataclass(frozen=True)
class Playbook:
    id: str
    title: str
    body: str
    path: Path
    checks: tuple[str, ...] = ()
    matches: tuple[str, ...] = ()
    origin: str = "shipped"  # shipped | user | user+shipped
    extra: Mapping[str, Any] = field(default_factory=dict)

    def sections(self) -> list[str]:
        return [m.group(1).strip() for m in re.finditer(r"^##\s+(.+)$", self.body, re.MULTILINE)]

    def patterns(self) -> list[re.Pattern[str]]:
        """`matches` as case-insensitive regexes; an invalid regex is taken literally."""
        out = []
        for text in self.matches:
            try:
                out.append(re.compile(text, re.IGNORECASE))
            except re.error:
                out.append(re.compile(re.escape(text), re.IGNORECASE))
        return out


def shipped_dir() -> Path:
    """The playbooks inside the installed package, or the repository's own in a checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "playbooks"
    if packaged.is_dir():
        return packaged
    return here.parent / "playbooks"


def parse_playbook(text: str, path: Path, origin: str = "shipped") -> Playbook:
    import yaml

    match = _FRONT_MATTER.match(text)
    if not match:
        raise PlaybookError(f"{path}: no YAML front matter (a '---' block at the top)")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise PlaybookError(f"{path}: malformed front matter: {str(exc).splitlines()[0]}") from None
    if not isinstance(meta, dict):
        raise PlaybookError(f"{path}: front matter must be a mapping")
    note_id = meta.get("id", path.stem)
    if not isinstance(note_id, str) or not _ID.match(note_id):
        raise PlaybookError(f"{path}: id must be lowercase letters, digits and dashes, got {note_id!r}")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PlaybookError(f"{path}: front matter needs a title")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("checks", "matches"):
        value = meta.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PlaybookError(f"{path}: {key} must be a list of strings")
        lists[key] = tuple(value)
    extra = {k: v for k, v in meta.items() if k not in {"id", "title", "checks", "matches"}}
    return Playbook(
        id=note_id,
        title=title.strip(),
        body=match.group(2).strip() + "\n",
        path=path,
        checks=lists["checks"],
        matches=lists["matches"],
        origin=origin,
        extra=extra,
    )


def _read_dir(directory: Path, origin: str, problems: list[str]) -> dict[str, Playbook]:
    out: dict[str, Playbook] = {}
    try:
        files = sorted(directory.glob("*.md"))
    except OSError as exc:
        problems.append(f"{directory}: cannot list notes: {exc.strerror}")
        return out
    for path in files:
        try:
            note = parse_playbook(path.read_text(encoding="utf-8"), path, origin)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read: {exc}")
            continue
        except PlaybookError as exc:
            problems.append(str(exc))
            continue
        if note.id in out:
            problems.append(f"{path}: id {note.id!r} is also used by {out[note.id].path}")
            continue
        out[note.id] = note
    return out


@dataclass(frozen=True)
class Library:
    """Every playbook that applies, user notes merged over shipped ones."""

    notes: Mapping[str, Playbook]
    problems: tuple[str, ...] = ()

    def get(self, note_id: str) -> Playbook | None:
        return self.notes.get(note_id)

    def nearest(self, note_id: str, n: int = 3) -> list[str]:
        return difflib.get_close_matches(note_id, list(self.notes), n=n, cutoff=0.4)

    def paths(self) -> dict[str, str]:
        return {k: str(v.path) for k, v in self.notes.items()}

    def matching(self, text: str) -> list[tuple[Playbook, list[str]]]:
        """Playbooks whose `matches` occur in `text`, best first.

        The user's own notes come first ("look in your wrong-answer notes first": they
        were written for this setup). Then by how many of a note's patterns match, then
        by how much of the text they match (a long specific phrase beats a short generic
        one), then by id.
        """
        found: list[tuple[Playbook, list[str]]] = []
        for note in self.notes.values():
            hits = [m.group(0) for p in note.patterns() if (m := p.search(text))]
            if hits:
                found.append((note, hits))
        found.sort(
            key=lambda item: (
                item[0].origin == "shipped",
                -len(item[1]),
                -sum(len(h) for h in set(item[1])),
                item[0].id,
            )
        )
        return found


def _merge(shipped: Playbook, user: Playbook) -> Playbook:
    if not user.extra.get("extends"):
        return user
    return replace(
        shipped,
        title=user.title or shipped.title,
        body=shipped.body.rstrip("\n") + "\n\n" + user.body,
        checks=tuple(dict.fromkeys((*shipped.checks, *user.checks))),
        matches=tuple(dict.fromkeys((*shipped.matches, *user.matches))),
        origin="user+shipped",
        path=user.path,
    )


def load_library(user_dir: Path | None, shipped: Path | None = None) -> Library:
    problems: list[str] = []
    notes = _read_dir(shipped or shipped_dir(), "shipped", problems)
    if user_dir is not None and user_dir.is_dir():
        for note_id, user in _read_dir(user_dir, "user", problems).items():
            notes[note_id] = _merge(notes[note_id], user) if note_id in notes else user
    return Library(dict(sorted(notes.items())), tuple(problems))


def referenced_ids(check_classes: Iterable[Any]) -> set[str]:
    """Every playbook id the given check classes can link to."""
    return {pid for cls in check_classes for pid in getattr(cls, "playbooks", ())}
