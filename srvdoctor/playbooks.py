"""Playbooks (wrong-answer notes): load the shipped ones and the user's, match error text.

A playbook is a markdown file with YAML front matter (`id`, `title`, `checks`,
`matches`). A user note with the id of a shipped one overrides it, or, with
`extends: true` in its front matter, adds its body, checks and matches to it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srvdoctor.record import dataclass

if TYPE_CHECKING:
    from srvdoctor.triage import Triage

from srvdoctor.lazyre import lazy
from srvdoctor.messages import oserror, t
from srvdoctor.saferegex import Matcher, UnsafePattern, compile_linear

#: The sections every shipped playbook has, in order.
SECTIONS = ("Symptom", "Why it happens", "Confirm", "Fix", "Prevent")

_FRONT_MATTER = lazy(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?(.*)\Z", re.DOTALL)
_ID = lazy(r"[a-z0-9][a-z0-9-]*")  # always with fullmatch: `$` would accept "id\n"
#: A note file larger than this is skipped, unread: notes are a page or two.
MAX_NOTE_BYTES = 1024 * 1024
#: Front matter larger than this (or with more YAML nodes than MAX_META_NODES) is skipped.
MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_META_NODES = 10_000
MAX_DEPTH = 32


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
    #: of `matches`, those a user's note added to a shipped one (`extends: true`): run by RE2
    user_matches: tuple[str, ...] = ()

    def sections(self) -> list[str]:
        return [m.group(1).strip() for m in re.finditer(r"^##\s+(.+)$", self.body, re.MULTILINE)]

    def patterns(self) -> list[Matcher]:
        """`matches` as case-insensitive regexes; an invalid regex is taken literally.

        A user's note is matched by RE2, in linear time (a pattern it cannot run, literally):
        one catastrophic pattern in a shared notes directory must not hang everyone's triage.
        """
        out: list[Matcher] = []
        for text in self.matches:
            if self.origin == "user" or text in self.user_matches:
                try:
                    out.append(compile_linear(text))
                except UnsafePattern:
                    out.append(re.compile(re.escape(text), re.IGNORECASE))
                continue
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


def _known_meta(front: str) -> dict[str, Any] | None:
    """The values of a shipped note's front matter, parsed ahead of time (playbook_meta.py), when
    `front` is exactly that text: a copy, as YAML would have returned a fresh one."""
    from srvdoctor.playbook_meta import META

    meta = META.get(front)
    return _copy(meta) if meta is not None else None


def _copy(value: Any) -> Any:
    """A copy of a plain value's lists and dicts (copy.deepcopy, without its bookkeeping)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _load_yaml(front: str, path: Path) -> Any:
    """The YAML front matter `front` of the note at `path`; malformed, a PlaybookError."""
    import yaml

    try:
        # libyaml's loader where PyYAML has it: about 10x faster, same safe constructors
        return yaml.load(front, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError as exc:
        reason = str(exc).splitlines()[0]
        raise PlaybookError(
            t("{path}: malformed front matter: {reason}", path=str(path), reason=reason)
        ) from None
    except RecursionError:
        raise PlaybookError(t("{path}: malformed front matter: nested too deeply", path=str(path))) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. `date: 2024-13-45`
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PlaybookError(
            t("{path}: malformed front matter: {reason}", path=str(path), reason=reason)
        ) from None


def parse_playbook(text: str, path: Path, origin: str = "shipped") -> Playbook:
    match = _FRONT_MATTER.match(text)
    if not match:
        raise PlaybookError(t("{path}: no YAML front matter (a '---' block at the top)", path=str(path)))
    if len(match.group(1)) > MAX_FRONT_MATTER_CHARS:
        raise PlaybookError(
            t(
                "{path}: front matter larger than {kib} KiB",
                path=str(path),
                kib=MAX_FRONT_MATTER_CHARS // 1024,
            )
        )
    if _flow_depth(match.group(1)) > MAX_DEPTH:
        # PyYAML's scanner costs depth x tokens: 5,000 nested [ take seconds, 30,000 minutes
        raise PlaybookError(t("{path}: malformed front matter: nested too deeply", path=str(path)))
    meta = _known_meta(match.group(1))
    if meta is None:
        meta = _load_yaml(match.group(1), path)
    if not isinstance(meta, dict):
        raise PlaybookError(t("{path}: front matter must be a mapping", path=str(path)))
    _check_size(meta, path)
    note_id = meta.get("id", path.stem)
    if not isinstance(note_id, str) or not _ID.fullmatch(note_id):
        raise PlaybookError(
            t(
                "{path}: id must be lowercase letters, digits and dashes, got {id!r}",
                path=str(path),
                id=note_id,
            )
        )
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PlaybookError(t("{path}: front matter needs a title", path=str(path)))
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("checks", "matches"):
        value = meta.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PlaybookError(t("{path}: {key} must be a list of strings", path=str(path), key=key))
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


def _flow_depth(text: str) -> int:
    """The deepest nesting of [ and { in `text` (quotes not considered: a bound, not a parse)."""
    depth = deepest = 0
    for c in text:
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth = max(0, depth - 1)
    return deepest


def _check_size(meta: Any, path: Path) -> None:
    """PlaybookError when the front matter nests deeper than MAX_DEPTH levels or holds more than
    MAX_META_NODES values, counting each use of a YAML alias (`*a`) again: aliases of aliases
    would otherwise grow without bound wherever the values are walked or written."""
    stack: list[tuple[Any, int]] = [(meta, 0)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_META_NODES or depth > MAX_DEPTH:
            raise PlaybookError(t("{path}: front matter too large or nested too deeply", path=str(path)))
        if isinstance(value, dict):
            stack += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, (list, tuple)):
            stack += [(v, depth + 1) for v in value]


def _read_note(path: Path) -> str:
    """The text of a note file: bounded (MAX_NOTE_BYTES), never a FIFO or device."""
    import os
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    with open(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise PlaybookError(t("{path}: not a regular file", path=str(path)))
        if info.st_size > MAX_NOTE_BYTES:
            raise PlaybookError(
                t("{path}: larger than {kib} KiB", path=str(path), kib=MAX_NOTE_BYTES // 1024)
            )
        data = fh.read(MAX_NOTE_BYTES + 1)
    if len(data) > MAX_NOTE_BYTES:
        raise PlaybookError(t("{path}: larger than {kib} KiB", path=str(path), kib=MAX_NOTE_BYTES // 1024))
    return data.decode("utf-8")


def _read_dir(directory: Path, origin: str, problems: list[str]) -> dict[str, Playbook]:
    out: dict[str, Playbook] = {}
    try:
        files = sorted(directory.glob("*.md"))
    except OSError as exc:
        problems.append(t("{path}: cannot list notes: {error}", path=str(directory), error=oserror(exc)))
        return out
    for path in files:
        try:
            note = parse_playbook(_read_note(path), path, origin)
        except OSError as exc:
            problems.append(t("{path}: cannot read: {error}", path=str(path), error=oserror(exc)))
            continue
        except UnicodeDecodeError:
            problems.append(t("{path}: cannot read: not UTF-8 text", path=str(path)))
            continue
        except PlaybookError as exc:
            problems.append(exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc))
            continue
        if note.id in out:
            problems.append(
                t(
                    "{path}: id {id!r} is also used by {other}",
                    path=str(path),
                    id=note.id,
                    other=str(out[note.id].path),
                )
            )
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
        if isinstance(self.notes, _ShippedOnDemand):
            return self.notes.paths()
        return {k: str(v.path) for k, v in self.notes.items()}

    def _users(self) -> list[Playbook]:
        """The notes a user wrote (alone or extending a shipped one)."""
        if isinstance(self.notes, _ShippedOnDemand):
            return [self.notes[k] for k in self.notes.user_ids]
        return [n for n in self.notes.values() if n.origin != "shipped"]

    def matching(self, text: str, found: Triage | None = None) -> list[tuple[Playbook, list[str]]]:
        """Playbooks for an error text, best first.

        The user's own notes whose `matches` occur in the text come first ("look in your
        wrong-answer notes first": they were written for this setup), by how many of their
        patterns match. Then the notes the recognised conditions lead to
        (`srvdoctor.conditions`, ranked by `srvdoctor.textscan.rank`: specificity, the
        numbers in pasted tables, then time). A shipped note's own `matches` list example
        phrasings; the conditions table decides for shipped notes.
        """
        from srvdoctor.textscan import prepare

        if found is None:
            from srvdoctor.triage import triage

            found = triage(text)
        users = self._users()
        searched = "\n".join(prepare(text).lines) if users else ""
        mine: list[tuple[Playbook, list[str]]] = []
        for note in users:
            hits = [m.group(0) for p in note.patterns() if (m := p.search(searched))]
            if hits:
                mine.append((note, hits))
        mine.sort(key=lambda item: (-len(item[1]), -sum(len(h) for h in set(item[1])), item[0].id))
        taken = {n.id for n, _ in mine}
        ranked: list[tuple[Playbook, list[str]]] = []
        for score in found.ranked:
            known = self.notes.get(score.note)
            if known is None or known.id in taken:
                continue
            taken.add(known.id)
            said = list(dict.fromkeys(m for h in score.hits for m in h.matches or (h.matched,)))[:4]
            ranked.append((known, said + score.evidence))
        return mine + ranked


def _merge(shipped: Playbook, user: Playbook) -> Playbook:
    if not user.extra.get("extends"):
        return user
    return replace(
        shipped,
        title=user.title or shipped.title,
        body=shipped.body.rstrip("\n") + "\n\n" + user.body,
        checks=tuple(dict.fromkeys((*shipped.checks, *user.checks))),
        matches=tuple(dict.fromkeys((*shipped.matches, *user.matches))),
        user_matches=tuple(m for m in user.matches if m not in shipped.matches),
        origin="user+shipped",
        path=user.path,
    )


def _translated(original: Playbook, translation: Playbook) -> Playbook:
    """A translation's title and text over the English note's checks and matches.

    The English `checks` and `matches` stay authoritative (a pattern added or dropped there
    applies in every language); the translation adds only its own non-ASCII error texts.
    """
    own = tuple(m for m in translation.matches if not m.isascii() and m not in original.matches)
    return replace(
        original, title=translation.title, body=translation.body, path=translation.path,
        matches=original.matches + own,
    )  # fmt: skip


def load_library(
    user_dir: Path | None, shipped: Path | None = None, lang: str = "en", on_demand: bool = False
) -> Library:
    """The shipped notes, in `lang` where translated (`playbooks/<lang>/<id>.md`), then the user's.

    `on_demand`: the shipped notes are parsed when first looked up (a triage looks up two or
    three of them), not all at once; the user's are read now, as always, and their problems
    reported. A shipped note is `<id>.md` (tests/test_playbooks.py holds each to its name)."""
    problems: list[str] = []
    root = shipped or shipped_dir()
    if on_demand:
        users = _read_user_dir(user_dir, problems)
        return Library(_ShippedOnDemand(root, lang, users), tuple(problems))
    notes = _read_dir(root, "shipped", problems)
    if lang != "en":  # a translated note replaces its title and text; the others stay English
        for note_id, translation in _read_dir(root / lang, "shipped", problems).items():
            if note_id in notes:  # a translation without its original is not shipped yet
                notes[note_id] = _translated(notes[note_id], translation)
    for note_id, user in _read_user_dir(user_dir, problems).items():
        notes[note_id] = _merge(notes[note_id], user) if note_id in notes else user
    return Library(dict(sorted(notes.items())), tuple(problems))


def _read_user_dir(user_dir: Path | None, problems: list[str]) -> dict[str, Playbook]:
    """The user's notes (none when `user_dir` is None or not a directory)."""
    try:
        is_dir = user_dir is not None and user_dir.is_dir()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte
        problems.append(
            t("{path}: cannot read the notes directory: {error}", path=str(user_dir), error=oserror(exc))
        )
        is_dir = False
    return _read_dir(user_dir, "user", problems) if user_dir is not None and is_dir else {}


class _ShippedOnDemand(Mapping[str, Playbook]):
    """The library's notes, the shipped ones parsed when first looked up (load_library's
    `on_demand`). Iterating the values parses them all, as the eager library did."""

    def __init__(self, root: Path, lang: str, users: dict[str, Playbook]) -> None:
        self.root, self.lang, self.users = root, lang, users
        self.user_ids = tuple(users)
        try:
            shipped = {p.stem for p in root.glob("*.md") if _ID.fullmatch(p.stem)}
        except OSError:
            shipped = set()
        self.shipped = shipped
        self.ids = sorted(shipped | set(users))
        self.parsed: dict[str, Playbook | None] = {}

    def _shipped(self, note_id: str) -> Playbook | None:
        if note_id not in self.parsed:
            note = self._parse(self.root / f"{note_id}.md", note_id)
            if note is not None and self.lang != "en":
                translated = self.root / self.lang / f"{note_id}.md"
                translation = self._parse(translated, note_id) if translated.is_file() else None
                note = _translated(note, translation) if translation is not None else note
            self.parsed[note_id] = note
        return self.parsed[note_id]

    @staticmethod
    def _parse(path: Path, note_id: str) -> Playbook | None:
        try:
            note = parse_playbook(_read_note(path), path, "shipped")
        except (OSError, UnicodeDecodeError, PlaybookError):
            return None  # tests/test_playbooks.py reads every shipped note cleanly
        return note if note.id == note_id else None

    def __getitem__(self, note_id: str) -> Playbook:
        shipped = self._shipped(note_id) if note_id in self.shipped else None
        user = self.users.get(note_id)
        if user is not None:
            return _merge(shipped, user) if shipped is not None else user
        if shipped is None:
            raise KeyError(note_id)
        return shipped

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, note_id: object) -> bool:
        return note_id in self.shipped or note_id in self.users

    def paths(self, only: Iterable[str] | None = None) -> dict[str, str]:
        """Every note's path (or those of `only`), without parsing a shipped one."""
        out = {}
        for note_id in self.ids if only is None else sorted(set(only) & set(self.ids)):
            if note_id in self.users:
                out[note_id] = str(self.users[note_id].path)
                continue
            translated = self.root / self.lang / f"{note_id}.md"
            use = translated if self.lang != "en" and translated.is_file() else self.root / f"{note_id}.md"
            out[note_id] = str(use)
        return out


def note_paths(ids: Iterable[str], user_dir: Path | None, lang: str = "en") -> dict[str, str]:
    """Where each of `ids` is read from, as `load_library(user_dir, lang=lang).paths()` says,
    without parsing the shipped notes: a report links a note or two, and parsing them all for
    that cost more than the command's own work (issue 17)."""
    return _ShippedOnDemand(shipped_dir(), lang, _read_user_dir(user_dir, [])).paths(ids)


def referenced_ids(check_classes: Iterable[Any]) -> set[str]:
    """Every playbook id the given check classes can link to."""
    return {pid for cls in check_classes for pid in getattr(cls, "playbooks", ())}
