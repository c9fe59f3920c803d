"""Find the conditions of `srvdoctor.conditions` in a text, in bounded time, and rank notes.

The work is linear in the text: lines longer than `MAX_LINE` are cut into overlapping
chunks, repeated lines are read once (a log that says the same thing 100,000 times is
one line), a condition's regex runs only on lines that hold one of its literal keys, and
only on the first and last `MAX_CANDIDATES` such lines. The caller bounds the input
(`commands/triage.py` reads the last `MAX_INPUT_BYTES`).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import field

from srvdoctor.condindex import Compiled, compiled, find_phrase
from srvdoctor.conditions import AREA_LABELS, ORDER, Condition
from srvdoctor.messages import N_, join, t
from srvdoctor.record import dataclass

#: Longest line searched as one piece; longer lines are cut into overlapping chunks.
MAX_LINE = 4096
_OVERLAP = 256
#: Per condition, the most lines (from the start and from the end) its regex runs on.
MAX_CANDIDATES = 400


@dataclass(frozen=True)
class Hit:
    """One condition found on one line."""

    condition: Condition
    line_no: int  # order of first appearance (0 = earliest)
    line: str
    matched: str  # the longest text the condition matched on the line
    matches: tuple[str, ...] = ()  # every text it matched there (up to 4), longest first


@dataclass(frozen=True)
class Lines:
    """A text made ready for searching: unique lines in order of first appearance."""

    lines: tuple[str, ...]
    lowered: str  # the lines, lower-cased, joined by "\n"
    starts: tuple[int, ...]  # offset of each line in `lowered`


def prepare(text: str) -> Lines:
    """Unique lines (first appearance kept), over-long ones cut into chunks."""
    seen: dict[str, None] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if len(line) <= MAX_LINE:
            seen.setdefault(line, None)
            continue
        step = MAX_LINE - _OVERLAP
        for i in range(0, len(line), step):
            seen.setdefault(line[i : i + MAX_LINE], None)
    lines = tuple(seen)
    lowered_lines = [line.lower() for line in lines]
    starts: list[int] = []
    pos = 0
    for low in lowered_lines:
        starts.append(pos)
        pos += len(low) + 1
    return Lines(lines, "\n".join(lowered_lines), tuple(starts))


#: ASCII bytes other than letters become spaces; bytes >= 0x80 stay (UTF-8 of other scripts).
_SEPARATORS = bytes(b if (chr(b).isalpha() and b < 128) or b >= 128 else 0x20 for b in range(256))


def words(lowered: str) -> bytes:
    """The distinct words (runs of letters) of a lower-cased text, joined by newlines: much
    shorter than the text. When the text holds a key, the key's longest run of letters
    (`condindex.anchor`) is a substring of this list; when it is not, no line holds the key."""
    unique = set(lowered.encode("utf-8", "surrogatepass").translate(_SEPARATORS).split())
    return b"\n".join(unique)


def _candidate_lines(prepared: Lines, keys: tuple[str, ...]) -> list[int]:
    """Indexes of lines holding one of `keys`: the first and the last MAX_CANDIDATES."""
    low, starts = prepared.lowered, prepared.starts
    found: set[int] = set()
    for key in keys:
        if not key:
            continue
        pos, n = low.find(key), 0
        while pos != -1 and n < MAX_CANDIDATES:
            idx = bisect_right(starts, pos) - 1
            found.add(idx)
            n += 1
            nxt = starts[idx + 1] if idx + 1 < len(starts) else len(low)
            pos = low.find(key, nxt)
        if pos == -1:
            continue
        end, n = len(low), 0  # many lines hold the key: the last ones too
        while n < MAX_CANDIDATES:
            pos = low.rfind(key, 0, end)
            if pos == -1:
                break
            idx = bisect_right(starts, pos) - 1
            found.add(idx)
            n += 1
            end = starts[idx]
    return sorted(found)


def scan(text: str | Lines, table: tuple[Compiled, ...] | None = None) -> list[Hit]:
    """Every condition found in the text, one hit per (condition, line), in text order."""
    prepared = text if isinstance(text, Lines) else prepare(text)
    table = table if table is not None else compiled()
    vocabulary = words(prepared.lowered)
    hits: list[Hit] = []
    for comp in table:
        keys = tuple(
            k
            for k, a in zip(comp.keys, comp.anchors, strict=True)
            if (a in vocabulary if a else k in prepared.lowered)
        )
        if not keys:
            continue
        for idx in _candidate_lines(prepared, keys):
            line = prepared.lines[idx]
            matches = (
                [m.group(0) for _, m in zip(range(4), comp.regex.finditer(line), strict=False)]
                if comp.source
                else []
            )
            if comp.literals:
                low = line.lower()
                matches += [line[i : i + len(w)] for w in comp.literals if (i := low.find(w)) != -1][:4]
            if comp.phrases:
                low = line.lower()
                matches += [m for f in comp.phrases if (m := find_phrase(line, low, f))][:4]
            if matches:
                ordered = tuple(sorted(dict.fromkeys(matches), key=len, reverse=True))
                hits.append(Hit(comp.condition, idx, line, ordered[0], ordered))
    shadowed: dict[int, set[str]] = {}
    for hit in hits:
        if hit.condition.shadows:
            shadowed.setdefault(hit.line_no, set()).update(hit.condition.shadows)
    present_ids = {h.condition.id for h in hits}
    kept = [
        h
        for h in hits
        if h.condition.id not in shadowed.get(h.line_no, ())
        and (not h.condition.requires or present_ids.intersection(h.condition.requires))
    ]
    kept.sort(key=lambda h: h.line_no)
    return kept


# --------------------------------------------------------------------------- ranking

_LEVEL_WORDS = {
    3: N_("{quoted!r} names the subsystem ({label}, {area})"),
    2: N_("{quoted!r} states the condition ({label}, {area})"),
    1: N_("{quoted!r} is the first error in the text ({label}, {area})"),
}
_MATCHES = N_("{quoted!r} matches ({label}, {area})")
_ONLY = N_("{quoted!r} is the only condition found ({label}, {area})")


@dataclass
class NoteScore:
    """Why a note is where it is in the ranking."""

    note: str
    score: float
    first_line: int
    hits: list[Hit] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    order: int = 0  # the condition's place in the table, then the note's in its list

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


@dataclass(frozen=True)
class Evidence:
    """What a pasted table says about a note: +score to confirm, -score to demote."""

    note: str
    delta: float
    reason: str
    condition: Condition | None = None  # a condition the table alone establishes


def rank(hits: list[Hit], evidence: list[Evidence] = ()) -> list[NoteScore]:  # type: ignore[assignment]
    """Notes best first: by the level of what names them (subsystem > condition > generic),
    then by what the pasted numbers say, then by the first line in time."""
    scores: dict[str, NoteScore] = {}
    for hit in hits:
        for i, note in enumerate(hit.condition.notes):
            value = hit.condition.level * 10 - i
            order = ORDER.get(hit.condition.id, 0) * 16 + i
            cur = scores.get(note)
            if cur is None:
                scores[note] = NoteScore(note, value, hit.line_no, [hit], order=order)
                continue
            if value > cur.score or (value == cur.score and hit.line_no < cur.first_line):
                cur.score, cur.first_line, cur.order = value, hit.line_no, order
                cur.hits.insert(0, hit)
            else:
                cur.hits.append(hit)
    for ev in evidence:
        cur = scores.get(ev.note)
        if cur is None:
            if ev.condition is None:
                continue
            cur = scores[ev.note] = NoteScore(ev.note, ev.condition.level * 10, 1 << 30)
        cur.score += ev.delta
        cur.evidence.append(ev.reason)
    return sorted(scores.values(), key=lambda s: (-s.score, s.first_line, s.order, s.note))


def why(ranked: list[NoteScore]) -> str:
    """One line saying why the first note won."""
    if not ranked:
        return ""
    top = ranked[0]
    best = top.best
    parts: list[str] = []
    if best is not None:
        cond = best.condition
        what = _LEVEL_WORDS.get(cond.level, _MATCHES)
        if cond.level == 1 and not any(s.best and s.best.line_no < best.line_no for s in ranked[1:]):
            what = _LEVEL_WORDS[1] if len(ranked) > 1 else _ONLY
        quoted = best.matched if len(best.matched) <= 60 else best.matched[:57] + "..."
        parts.append(t(what, quoted=quoted, label=cond.label, area=AREA_LABELS.get(cond.area, cond.area)))
        later = [s for s in ranked[1:] if s.best is not None and s.score == top.score]
        if later and best.line_no < min(s.first_line for s in later):
            parts.append(t("it comes first in time; the rest can be its consequences"))
        weaker = [s.note for s in ranked[1:] if s.best is not None and s.best.condition.level < cond.level]
        if weaker:
            parts.append(t("more specific than {notes}", notes=", ".join(weaker[:3])))
    parts += top.evidence
    demoted = [
        t("{note} ({reason})", note=s.note, reason=e)
        for s in ranked[1:]
        for e in s.evidence
        if "demote" in e or "only" in e
    ]
    parts += demoted[:2]
    return t("{note} first: {reasons}", note=top.note, reasons=join("; ", parts))
