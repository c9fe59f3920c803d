"""The result model: Status, Result and Report (frozen dataclasses, no I/O)."""

from __future__ import annotations

import dataclasses
import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from typing import Any

from srvdoctor.constants import AREAS
from srvdoctor.messages import N_
from srvdoctor.record import dataclass
from srvdoctor.shellcmd import pasteable

__all__ = ["AREAS", "FAIL_ON", "Report", "Result", "Status"]


class Status(str, enum.Enum):
    """The verdict of one result. `rank` orders them for exit codes and verdicts."""

    OK = "ok"
    SKIP = "skip"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def is_problem(self) -> bool:
        return self.rank >= _RANK[Status.WARN]


_RANK = {Status.OK: 0, Status.SKIP: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3}

#: Values accepted by `--fail-on`, mapped to the lowest status that fails the run.
FAIL_ON: Mapping[str, Status] = {"warn": Status.WARN, "fail": Status.FAIL, "error": Status.ERROR}

JsonValue = Any


@dataclass(frozen=True)
class Result:
    """One finding of one check about one target."""

    check: str
    target: str
    status: Status
    summary: str
    details: tuple[str, ...] = ()
    data: Mapping[str, JsonValue] = field(default_factory=dict)
    playbook: str | None = None
    hints: tuple[str, ...] = ()
    duration_s: float = 0.0
    area: str = ""

    def __post_init__(self) -> None:
        # every hint is a line that runs when pasted: a trailing "(remark)" becomes a comment
        object.__setattr__(self, "hints", tuple(_pasteable(h) for h in self.hints))

    def localized(self, lang: str) -> Result:
        """This result with its summary, details and hints in `lang` (srvdoctor.messages)."""
        if lang == "en":
            return self
        from srvdoctor.messages import localize

        return dataclasses.replace(
            self,
            summary=localize(self.summary, lang),
            details=tuple(localize(d, lang) for d in self.details),
            hints=tuple(localize(h, lang) for h in self.hints),
        )

    def to_dict(self, lang: str = "en") -> dict[str, JsonValue]:
        """The JSON object; English text always, and under `localized` the `lang` text too."""
        out = {
            "check": self.check,
            "area": self.area,
            "target": self.target,
            "status": self.status.value,
            "summary": self.summary,
            "details": list(self.details),
            "data": dict(self.data),
            "playbook": self.playbook,
            "hints": list(self.hints),
            "duration_s": round(self.duration_s, 6),
        }
        if lang != "en":
            there = self.localized(lang)
            out["localized"] = {
                "lang": lang,
                "summary": there.summary,
                "details": list(there.details),
                "hints": list(there.hints),
            }
        return out


def _pasteable(hint: str) -> str:
    from srvdoctor.messages import Msg

    if isinstance(hint, Msg):
        return hint.retext(pasteable(str(hint)))
    return pasteable(hint)


#: `3 ok`, `1 fail`: a count of results of one status (the summary lines of the GitHub and
#: merge outputs), translated where it is shown.
COUNT_TEXTS = {
    "ok": N_("{n} ok"),
    "warn": N_("{n} warn"),
    "fail": N_("{n} fail"),
    "skip": N_("{n} skip"),
    "error": N_("{n} error"),
}


def count_statuses(results: Iterable[Result]) -> dict[str, int]:
    """Counts per status, every status present (zero where none)."""
    counts = Counter(r.status for r in results)
    return {s.value: counts.get(s, 0) for s in Status}


def worst_status(results: Iterable[Result]) -> Status:
    """The highest-ranked status; OK for no results. FAIL outranks SKIP and OK, ERROR all."""
    worst = Status.OK
    for r in results:
        if r.status.rank > worst.rank:
            worst = r.status
    return worst


@dataclass(frozen=True)
class Report:
    """The outcome of one run: every result plus where and when it ran."""

    tool: str
    version: str
    host: str
    started_at: str
    duration_s: float
    results: Sequence[Result]
    meta: Mapping[str, JsonValue] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        return worst_status(self.results)

    @property
    def counts(self) -> dict[str, int]:
        return count_statuses(self.results)

    def problems(self, fail_on: Status = Status.WARN) -> list[Result]:
        return [r for r in self.results if r.status.rank >= fail_on.rank]

    def exit_code(self, fail_on: Status) -> int:
        """0 when no result is at or above `fail_on`, else 1."""
        return 1 if self.problems(fail_on) else 0

    def localized(self, lang: str) -> Report:
        """Every result's text in `lang`: what a human-facing renderer prints."""
        if lang == "en":
            return self
        return dataclasses.replace(self, results=[r.localized(lang) for r in self.results])

    def to_dict(self, lang: str = "en") -> dict[str, JsonValue]:
        """The JSON report (schema 1); `lang` other than English adds each result's `localized`."""
        out: dict[str, JsonValue] = {
            "$schema": "urn:srvdoctor:schema:report:1",  # srvdoctor/schemas/report.schema.json
            "schema": 1,
            "tool": self.tool,
            "version": self.version,
            "host": self.host,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 6),
            "status": self.status.value,
            "counts": self.counts,
            "results": [r.to_dict(lang) for r in self.results],
        }
        if lang != "en":
            out["lang"] = lang
        out.update(self.meta)
        return out
