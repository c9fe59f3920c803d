"""Triage: read an error message or a whole log, classify it, pull out what it names.

Pure text in, plain values out: no system access, no printing. `commands/triage.py`
matches the result against the playbook library and runs the checks the notes name.

The error class follows the debugging habit srvdoctor is built on: *infrastructure*
(disk, path, network, GPU, Docker, memory, OS limits — something about the machine),
*code* (a Python exception raised in the user's own files, with the frame), or
*unknown*.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import field
from typing import TYPE_CHECKING

from srvdoctor.conditions import AREA_LABELS, Condition
from srvdoctor.extract import (
    _QUOTED,
    Extracted,
    containing,
    extract,
    extract_hosts,
    extract_paths,
    extract_ports,
    extract_urls,
    mentioned_paths,
    scoped_config,
)
from srvdoctor.lazyre import lazy
from srvdoctor.messages import t
from srvdoctor.record import dataclass
from srvdoctor.textscan import Hit, Lines, NoteScore, prepare, rank, scan, why

if TYPE_CHECKING:
    from srvdoctor.model import Report, Result
    from srvdoctor.playbooks import Playbook

__all__ = [
    "AREA_LABELS", "ErrorClass", "Extracted", "Frame", "Traceback", "Triage", "classify", "confirmed_by",
    "containing", "error_lines", "extract", "extract_hosts", "extract_paths", "extract_ports", "extract_urls",
    "focus_results", "mentioned_paths", "parse_traceback", "rank_confirmed", "scoped_config",
    "suggest_match", "triage",
]  # fmt: skip

#: Lines read from the end when looking for the lines that look like the error.
_TAIL_LINES = 2000
#: Lines from the end searched for paths, ports, hosts and URLs (besides the error lines).
_NEARBY_LINES = 200

#: Python exceptions that say "the program is wrong", not "the machine is".
CODE_EXCEPTIONS = frozenset(
    {
        "AssertionError", "AttributeError", "ImportError", "IndentationError", "IndexError",
        "KeyError", "ModuleNotFoundError", "NameError", "NotImplementedError", "RecursionError",
        "RuntimeError", "SyntaxError", "TabError", "TypeError", "UnboundLocalError",
        "ValueError", "ZeroDivisionError", "JSONDecodeError", "UnicodeDecodeError",
        "UnicodeEncodeError", "StopIteration", "LookupError", "ArithmeticError",
        "OverflowError",
    }
)  # fmt: skip

_TRACEBACK = lazy(r"^\s*Traceback \(most recent call last\):\s*$")
_FRAME = lazy(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.*))?$')
_EXCEPTION = lazy(
    r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Fault|Failure|Killed)"
    r"|[A-Za-z_][\w]*\.[A-Za-z_][\w.]*)"
    r"(?::\s?(?P<message>.*))?$"
)
_LIBRARY = lazy(r"(?:site-packages|dist-packages)[/\\]|/lib/python\d(?:\.\d+)?/|/lib64/python\d|^<")
_ERRORISH = lazy(
    r"\b(?:error|exception|fatal|failed|failure|denied|refused|killed|cannot|can't|could not|unable to"
    r"|not found|no such|timed out|abort(?:ed)?|panic|segmentation fault|insufficient|mismatch"
    r"|out of memory|in use|unreachable|not responding|unavailable|exceeded|expired|broken pipe"
    r"|reset by peer|stale)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Frame:
    """One frame of a Python traceback."""

    file: str
    line: int
    function: str
    code: str = ""

    @property
    def in_library(self) -> bool:
        """True for the standard library, installed packages and frozen modules."""
        return bool(_LIBRARY.search(self.file))

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "function": self.function, "code": self.code}


@dataclass(frozen=True)
class Traceback:
    """The last Python traceback in the text: its frames and the exception it ended with."""

    frames: tuple[Frame, ...]
    exception: str  # e.g. "OSError"
    message: str
    line: str  # the exception line as written

    @property
    def user_frame(self) -> Frame | None:
        """The deepest frame in the user's own files (where their code was when it failed)."""
        for frame in reversed(self.frames):
            if not frame.in_library:
                return frame
        return None


@dataclass(frozen=True)
class ErrorClass:
    """What kind of error this is: `infrastructure` (with an area), `code` or `unknown`."""

    kind: str  # infrastructure | code | unknown
    area: str | None = None  # for infrastructure: a key of AREA_LABELS
    label: str = ""  # "out of disk space", "TypeError in your code", ...
    line: str = ""  # the line that decided it
    frame: Frame | None = None
    exception: str | None = None
    also: tuple[str, ...] = ()  # labels of other infrastructure signals in the text

    def describe(self) -> str:
        """One line for the report (a Msg: English, printable in the display language)."""
        if self.kind == "infrastructure" and self.area:
            return t(
                "infrastructure ({area}): {label}",
                area=AREA_LABELS.get(self.area, self.area),
                label=self.label,
            )
        if self.kind == "code":
            return t("code: {label}", label=self.label)
        return t("unknown")

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "area": self.area,
            "label": self.label,
            "line": self.line,
            "exception": self.exception,
            "frame": self.frame.to_dict() if self.frame else None,
            "also": list(self.also),
        }


@dataclass(frozen=True)
class Triage:
    """Everything read out of one error text."""

    error_class: ErrorClass
    error_lines: tuple[str, ...]
    extracted: Extracted
    traceback: Traceback | None = None
    hits: tuple[Hit, ...] = field(default_factory=tuple)
    ranked: tuple[NoteScore, ...] = field(default_factory=tuple)
    why: str = ""  # one line: why the first note won

    @property
    def note_ids(self) -> list[str]:
        """Notes the recognised conditions lead to, best first."""
        return [s.note for s in self.ranked]


# --------------------------------------------------------------------------- tracebacks


def parse_traceback(text: str) -> Traceback | None:
    """The last `Traceback (most recent call last):` block and the exception after it."""
    at = text.rfind("Traceback (most recent call last):")
    if at == -1:
        return None
    lines = text[text.rfind("\n", 0, at) + 1 :].splitlines()[:5000]
    if not _TRACEBACK.match(lines[0]):
        return None
    frames: list[Frame] = []
    i = 1
    while i < len(lines):
        line = lines[i]
        frame = _FRAME.match(line)
        if frame:
            code = ""
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if nxt.startswith((" ", "\t")) and not _FRAME.match(nxt):
                code = nxt.strip()
                i += 1
            frames.append(Frame(frame["file"], int(frame["line"][:9]), (frame["func"] or "").strip(), code))
            i += 1
            continue
        if not line.strip() or line.startswith((" ", "\t")):
            i += 1  # carets (^^^^), locals, blank lines
            continue
        exc = _EXCEPTION.match(line.strip())
        if exc:
            return Traceback(tuple(frames), exc["type"], (exc["message"] or "").strip(), line.strip())
        return Traceback(tuple(frames), "", "", line.strip())
    return Traceback(tuple(frames), "", "", "")


# --------------------------------------------------------------------------- error lines


def _is_traceback_noise(line: str) -> bool:
    stripped = line.strip()
    return bool(_FRAME.match(line)) or _TRACEBACK.match(line) is not None or set(stripped) <= set("^~ ")


def error_lines(
    text: str | Lines, limit: int = 5, tb: Traceback | None = None, hits: Sequence[Hit] = ()
) -> tuple[str, ...]:
    """The lines that look like the error: recognised conditions, error words, the exception
    line. The last `limit` of them, in order, without repeats. When nothing looks like an
    error, the last non-empty line. Only the last lines of a long text are read.
    """
    prepared = text if isinstance(text, Lines) else prepare(text)
    tail = prepared.lines[-_TAIL_LINES:]
    offset = len(prepared.lines) - len(tail)
    with_hits = {h.line_no for h in hits}
    picked = [
        line
        for i, line in enumerate(tail)
        if not _is_traceback_noise(line) and (i + offset in with_hits or _ERRORISH.search(line))
    ]
    if tb is not None and tb.line:
        picked = [p for p in picked if p != tb.line] + [tb.line]
    unique = list(dict.fromkeys(picked))
    if not unique:
        return tuple(prepared.lines[-1:])
    return tuple(unique[-limit:])


# --------------------------------------------------------------------------- classification


def classify(
    text: str | Lines,
    tb: Traceback | None = None,
    lines: Sequence[str] = (),
    ranked: Sequence[NoteScore] | None = None,
) -> ErrorClass:
    """Infrastructure (the condition of the best-ranked note: an infrastructure signal
    outranks the exception type), else code (a Python exception in the user's files),
    else unknown."""
    prepared = text if isinstance(text, Lines) else prepare(text)
    if tb is None and not isinstance(text, Lines):
        tb = parse_traceback(text)
    if ranked is None:
        ranked = rank(scan(prepared))
    frame = tb.user_frame if tb else None
    best = next((s.best for s in ranked if s.best is not None), None)
    if best is not None:
        primary: Condition = best.condition
        also = tuple(
            dict.fromkeys(
                s.best.condition.label for s in ranked if s.best and s.best.condition.label != primary.label
            )
        )
        return ErrorClass(
            "infrastructure",
            primary.area,
            primary.label,
            best.line,
            frame,
            tb.exception if tb and tb.exception else None,
            also,
        )
    if tb is not None and tb.exception:
        short = tb.exception.rsplit(".", 1)[-1]
        if frame is not None or short in CODE_EXCEPTIONS:
            label = (
                t(
                    "{exception} in your code at {file}:{line}",
                    exception=short,
                    file=frame.file,
                    line=frame.line,
                )
                if frame
                else t("{exception} in your code", exception=short)
            )
            return ErrorClass("code", None, label, tb.line, frame, tb.exception)
    if tb is None:
        for line in reversed(prepared.lines[-_TAIL_LINES:]):
            exc = _EXCEPTION.match(line)
            if exc and exc["type"].rsplit(".", 1)[-1] in CODE_EXCEPTIONS:
                short = exc["type"].rsplit(".", 1)[-1]
                label = t("{exception} in your code", exception=short)
                return ErrorClass("code", None, label, line, None, exc["type"])
    return ErrorClass("unknown", line=lines[-1] if lines else "", frame=frame,
                      exception=tb.exception if tb and tb.exception else None)  # fmt: skip


# --------------------------------------------------------------------------- all of it


def triage(text: str) -> Triage:
    """Read `text` (a message, a traceback or a whole log) into a Triage."""
    from srvdoctor.pasted import evidence

    prepared = prepare(text)
    hits = scan(prepared)
    tb = parse_traceback(text)
    hit_text = "\n".join(dict.fromkeys(h.line for h in hits))
    # what the error names may sit on a line near it ("Connecting to http://...:8000")
    nearby = "\n".join(dict.fromkeys([*(h.line for h in hits), *prepared.lines[-_NEARBY_LINES:]]))
    ranked = rank(hits, evidence(prepared.lines, mentioned_paths(hit_text), prepared.lowered))
    lines = error_lines(prepared, tb=tb, hits=hits)
    areas = {h.condition.area for h in hits}
    return Triage(
        classify(prepared, tb, lines, ranked),
        lines,
        extract(nearby, areas),
        tb,
        tuple(hits),
        tuple(ranked),
        why(ranked),
    )


# --------------------------------------------------------------------------- notes from errors


def suggest_match(line: str) -> str:
    """A regex for `matches` from one error line: the stable words, the variable parts loose.

    Drops the exception name, `[Errno N]` and a quoted operand at the end, escapes the
    rest and lets numbers vary: `OSError: [Errno 116] Stale file handle: '/mnt/x'` →
    `Stale\\ file\\ handle`.
    """
    text = line.strip()
    exc = _EXCEPTION.match(text)
    if exc and exc["message"]:
        text = exc["message"].strip()
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    text = re.sub(r"[:,]\s*" + _QUOTED + r"\s*$", "", text).strip()
    if not text:
        text = line.strip()
    pattern = re.escape(text[:120])
    pattern = re.sub(r"\d+", r"\\d+", pattern)
    pattern = re.sub(r"(\\ )+", " ", pattern)
    return pattern


# --------------------------------------------------------------------------- after the checks ran


def confirmed_by(report: Report | None) -> dict[str, list[str]]:
    """Playbook id -> the checks whose problems (warn and worse) link to it."""
    out: dict[str, list[str]] = {}
    for r in report.problems() if report is not None else ():
        if r.playbook and r.check not in out.setdefault(r.playbook, []):
            out[r.playbook].append(r.check)
    return out


def focus_results(text: str, report: Report | None) -> list[tuple[str, Result]]:
    # `text`: the lines triage found an error on (Triage.hits), or a short message
    """For each absolute path the error names, the results about the target that holds it
    (the filesystem a `[Errno 28] ...: '/data/x'` was written to)."""
    if report is None:
        return []
    out: list[tuple[str, Result]] = []
    targets = {r.target for r in report.results}
    for path in mentioned_paths(text):
        target = containing(path, targets)
        out += [(path, r) for r in report.results if target is not None and r.target == target]
    return out


def rank_confirmed(
    matched: Sequence[tuple[Playbook, list[str]]],
    confirmed: dict[str, list[str]],
    focus: Sequence[tuple[str, Result]],
) -> list[tuple[Playbook, list[str]]]:
    """Matched notes reordered by what the checks found: confirmed where the error happened
    first, then confirmed anywhere, then the rest; otherwise the library's order."""
    at_focus = {r.playbook for _, r in focus if r.status.is_problem}
    return sorted(matched, key=lambda item: (item[0].id not in at_focus, item[0].id not in confirmed))
