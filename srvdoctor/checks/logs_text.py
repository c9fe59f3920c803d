"""Application log text (a container's, a unit's, a file's) -> its first error, classified.

Pure judgment: text in, a `LogFinding` out. The first error is the cause more often than
the last one (later errors are usually its consequences), so the window that is
classified starts at the first error line and ends before the next traceback begins.
Classification goes through `srvdoctor.triage.triage` (one public entry point) and the
notes through `Library.matching` (the notes' own ranking).
"""

from __future__ import annotations

import re
from dataclasses import field

from srvdoctor.lazyre import lazy
from srvdoctor.playbooks import Library
from srvdoctor.record import dataclass

#: A line that looks like an error. Literal words, one alternation, no nested quantifiers.
_ERROR_WORD = lazy(
    r"\b(?:error|errno|exception|fatal|failed|failure|traceback|panic|killed|denied|refused|"
    r"cannot|can't|unable|segmentation fault|out of memory|no space left|timed? ?out|critical|"
    r"abort(?:ed)?)\b",
    re.IGNORECASE,
)
#: Lines that say the word "error" without being one (log levels that count errors, etc.).
_NOT_ERROR = lazy(r"\b(?:0 errors?|no errors?|errors?=0|without errors?)\b", re.IGNORECASE)
_TRACEBACK_START = "Traceback (most recent call last)"
#: Lines classified after the first error at most.
WINDOW = 60


@dataclass(frozen=True)
class LogFinding:
    """What a log says: its first error line, how it is classified, the notes it matches."""

    lines_read: int
    error_count: int
    first_error: str = ""  # the error line as written (the exception line of a traceback)
    first_error_lineno: int = 0  # 1-based, within the text read
    error_class: str = "unknown"  # triage's words: "infrastructure (disk): out of disk space", ...
    playbooks: tuple[str, ...] = field(default_factory=tuple)
    last_error: str = ""

    @property
    def found(self) -> bool:
        return self.error_count > 0

    def to_dict(self) -> dict[str, object]:
        return {"lines_read": self.lines_read, "error_count": self.error_count,
                "first_error": self.first_error,
                "first_error_line": self.first_error_lineno, "error_class": self.error_class,
                "playbooks": list(self.playbooks), "last_error": self.last_error}  # fmt: skip


def is_error_line(line: str) -> bool:
    return bool(_ERROR_WORD.search(line)) and not _NOT_ERROR.search(line)


def _window(lines: list[str], start: int) -> list[str]:
    """From the first error line to just before the next traceback (at most WINDOW lines)."""
    end = min(len(lines), start + WINDOW)
    for i in range(start + 1, end):
        if _TRACEBACK_START in lines[i]:
            return lines[start:i]
    return lines[start:end]


def read_log(text: str, library: Library) -> LogFinding:
    """The first error of `text`, classified by triage and matched against the notes."""
    from srvdoctor.triage import triage

    lines = text.splitlines()
    errors = [i for i, line in enumerate(lines) if line.strip() and is_error_line(line)]
    if not errors:
        return LogFinding(len(lines), 0)
    first = errors[0]
    window = "\n".join(_window(lines, first))
    found = triage(window)
    if found.traceback is not None and found.traceback.line:
        first_line = found.traceback.line
    elif _TRACEBACK_START in lines[first]:
        first_line = found.error_lines[0] if found.error_lines else lines[first].strip()
    else:
        first_line = lines[first].strip()
    notes = tuple(note.id for note, _ in library.matching(window))
    return LogFinding(
        lines_read=len(lines),
        error_count=len(errors),
        first_error=first_line[:500],
        first_error_lineno=first + 1,
        error_class=found.error_class.describe(),
        playbooks=notes,
        last_error=lines[errors[-1]].strip()[:500],
    )
