"""Many hosts' JSON reports in, one fleet view out (`srvdoctor merge`). Pure: text in, values out.

A report is what `srvdoctor check --format json` writes (schema 1). Reports are read
leniently across versions: missing optional fields get defaults, an unknown status counts
as `error`, a newer schema is read as schema 1 with a note. A report without a host name
is called after its file. What cannot be read as a report at all (not JSON, not a
srvdoctor report, a result without a check id) is returned as `Skipped` with the reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from srvdoctor.messages import t
from srvdoctor.model import Report, Result, Status, count_statuses, worst_status
from srvdoctor.record import dataclass
from srvdoctor.units import number_value, short_repr

#: The report schema this srvdoctor writes.
SCHEMA = 1
#: The deepest nesting read from a report (srvdoctor's own reports nest 4 levels); deeper
#: input is skipped with a reason instead of exhausting the stack later.
MAX_DEPTH = 64


@dataclass(frozen=True)
class HostReport:
    """One host's report, as read."""

    host: str
    source: str
    report: Report
    notes: tuple[str, ...] = ()

    @property
    def status(self) -> Status:
        return self.report.status


@dataclass(frozen=True)
class Skipped:
    """An input that is not a readable report, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class Affected:
    """One host that has a problem: its worst status and the results behind it."""

    host: str
    status: Status
    results: tuple[Result, ...]


@dataclass(frozen=True)
class Problem:
    """One problem (a check and the playbook it links to) across the hosts that have it."""

    check: str
    playbook: str | None
    status: Status
    hosts: tuple[Affected, ...]

    @property
    def name(self) -> str:
        return self.playbook or self.check


def natural_key(text: str) -> tuple[Any, ...]:
    """gpu7 before gpu12."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text))


@dataclass(frozen=True)
class Fleet:
    """Every host's report plus what could not be read."""

    hosts: tuple[HostReport, ...]
    skipped: tuple[Skipped, ...] = ()

    @property
    def status(self) -> Status:
        return worst_status(r for h in self.hosts for r in h.report.results)

    @property
    def versions(self) -> dict[str, int]:
        """srvdoctor version -> number of hosts, most common first."""
        return dict(Counter(h.report.version for h in self.hosts).most_common())

    def problems(self, threshold: Status = Status.WARN) -> list[Problem]:
        """Per (check, playbook): the hosts with a result at or above `threshold`, worst first."""
        groups: dict[tuple[str, str | None], dict[str, list[Result]]] = {}
        for h in self.hosts:
            for r in h.report.problems(threshold):
                groups.setdefault((r.check, r.playbook), {}).setdefault(h.host, []).append(r)
        problems = []
        for (check, playbook), by_host in groups.items():
            affected = sorted(
                (Affected(host, worst_status(rs), tuple(rs)) for host, rs in by_host.items()),
                key=lambda a: (-a.status.rank, natural_key(a.host)),
            )
            problems.append(Problem(check, playbook, affected[0].status, tuple(affected)))
        problems.sort(key=lambda p: (-p.status.rank, -len(p.hosts), p.check, p.playbook or ""))
        return problems

    def exit_code(self, fail_on: Status) -> int:
        """The single-host rule over all hosts: 1 when any host has a result at or above `fail_on`."""
        return 1 if any(h.report.problems(fail_on) for h in self.hosts) else 0

    def to_dict(self, fail_on: Status = Status.FAIL) -> dict[str, Any]:
        results = [r for h in self.hosts for r in h.report.results]
        return {
            "schema": SCHEMA,
            "tool": "srvdoctor",
            "kind": "merge",
            "status": self.status.value,
            "exit_code": self.exit_code(fail_on),
            "hosts_total": len(self.hosts),
            "hosts_with_problems": sum(1 for h in self.hosts if h.report.problems(Status.WARN)),
            "counts": count_statuses(results),
            "versions": self.versions,
            "problems": [
                {
                    "check": p.check,
                    "playbook": p.playbook,
                    "status": p.status.value,
                    "hosts": [
                        {
                            "host": a.host,
                            "status": a.status.value,
                            "targets": [r.target for r in a.results],
                            "summaries": [r.summary for r in a.results],
                        }
                        for a in p.hosts
                    ],
                }
                for p in self.problems()
            ],
            "hosts": [
                {
                    "host": h.host,
                    "status": h.status.value,
                    "counts": h.report.counts,
                    "problems": sorted({r.check for r in h.report.problems(Status.WARN)}),
                    "version": h.report.version,
                    "started_at": h.report.started_at,
                    "source": h.source,
                    "notes": list(h.notes),
                }
                for h in self.hosts
            ],
            "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped],
        }


# --------------------------------------------------------------------------- reading


class BadReport(ValueError):
    """A JSON value that is not a srvdoctor report; the message says why."""


def split_json(text: str, source: str) -> tuple[list[tuple[str, Any]], list[Skipped]]:
    """Every JSON value in `text`: one document, JSON lines, or documents one after another.

    Returns (where, value) pairs — `where` is `source`, or `source:LINE` when the text holds
    several — and a Skipped for each stretch that is not JSON (reading resumes at the
    next line that starts with `{`).
    """
    # NaN and Infinity are not JSON (Python writes them, nothing else reads them): read as null
    decoder = json.JSONDecoder(parse_constant=lambda name: None)
    values: list[tuple[int, Any]] = []
    bad: list[tuple[int, str]] = []  # (line, a Msg)
    pos, end = 0, len(text)
    line, counted = 1, 0
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            break
        line += text.count("\n", counted, pos)  # counted once: linear in the text
        counted = pos
        start = pos
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            reason = t(
                "not JSON: {why} (line {line} column {column})",
                why=exc.msg,
                line=exc.lineno,
                column=exc.colno,
            )
        except RecursionError:
            reason = t("not a srvdoctor report: arrays or objects nested too deeply")
        except ValueError as exc:  # an integer of more than 4,300 digits
            reason = t("not a srvdoctor report: {why}", why=str(exc).split(":")[0])
        else:
            values.append((line, value))
            continue
        bad.append((line, reason))
        resume = text.find("\n{", max(pos, start + 1))
        pos = end if resume < 0 else resume + 1
    several = len(values) + len(bad) > 1

    def where(line: int) -> str:
        return f"{source}:{line}" if several else source

    return (
        [(where(line), value) for line, value in values],
        [Skipped(where(line), reason) for line, reason in bad],
    )


def visible_text(text: str) -> str:
    """A string as read, with lone surrogates (a JSON `\\udc80` escape) written out as the
    six characters `\\udc80`: they cannot be encoded as UTF-8 anywhere further on."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def clean(value: Any, what: str = "the report") -> Any:
    """A decoded JSON value with every string (keys too) made encodable; BadReport when it is
    nested deeper than MAX_DEPTH. Iterative: no input depth reaches Python's stack."""
    root: list[Any] = [value]
    stack: list[tuple[Any, Any, int]] = [(root, 0, 0)]  # (container, index or key, depth)
    while stack:
        container, slot, depth = stack.pop()
        item = container[slot]
        if isinstance(item, str):
            container[slot] = visible_text(item)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise BadReport(
                    t(
                        "not a srvdoctor report: {what} is nested deeper than {depth} levels",
                        what=what,
                        depth=MAX_DEPTH,
                    )
                )
            if isinstance(item, dict):
                if any(isinstance(k, str) and visible_text(k) != k for k in item):
                    item = container[slot] = {visible_text(k): v for k, v in item.items()}
                stack += [(item, k, depth + 1) for k in item]
            else:
                stack += [(item, i, depth + 1) for i in range(len(item))]
    return root[0]


def _str(raw: Mapping[str, Any], key: str, default: str) -> str:
    value = raw.get(key)
    return value if isinstance(value, str) else default


def _number(value: Any) -> float:
    """A finite number, else 0.0 (a wrong type, a 400-digit integer)."""
    try:
        return number_value(value)
    except ValueError:
        return 0.0


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def result_from_dict(raw: Any, index: int, notes: list[str]) -> Result:
    where = f"results[{index}]"
    if not isinstance(raw, dict):
        raise BadReport(t("{where} is not an object", where=where))
    check = raw.get("check")
    if not isinstance(check, str) or not check:
        raise BadReport(t("{where} has no check id", where=where))
    summary = _str(raw, "summary", "")
    status_text = raw.get("status")
    try:
        status = Status(status_text)
    except (ValueError, TypeError):
        status = Status.ERROR
        shown = short_repr(status_text)
        english = f"unknown status {shown} read as error: {summary}".rstrip(": ")
        if summary:
            said = t("unknown status {status} read as error: {summary}", status=shown, summary=summary)
        else:
            said = t("unknown status {status} read as error", status=shown)
        summary = said if said == english else said.retext(english)
        notes.append(t("{check}: unknown status {status} read as error", check=check, status=shown))
    playbook = raw.get("playbook")
    data = raw.get("data")
    return Result(
        check=check,
        target=_str(raw, "target", "-") or "-",
        status=status,
        summary=summary,
        details=_strings(raw.get("details")),
        data=data if isinstance(data, dict) else {},
        playbook=playbook if isinstance(playbook, str) and playbook else None,
        hints=_strings(raw.get("hints")),
        duration_s=_number(raw.get("duration_s")),
        area=_str(raw, "area", "") or check.split(".", 1)[0],
    )


def _fallback_host(source: str) -> str:
    path = source.rsplit(":", 1)[0] if re.search(r":\d+$", source) else source
    if path in ("-", "<stdin>"):
        return source
    stem = PurePath(path).name
    for suffix in (".json", ".jsonl"):
        stem = stem.removesuffix(suffix)
    return stem or source


def report_from_dict(raw: Any, source: str) -> HostReport:
    """A HostReport from one decoded JSON value; BadReport when it is not a srvdoctor report."""
    if not isinstance(raw, dict):
        raise BadReport(t("not a srvdoctor report (a JSON {type}, not an object)", type=type(raw).__name__))
    raw = clean(raw)
    tool = raw.get("tool", "srvdoctor")
    if tool != "srvdoctor":
        raise BadReport(t("not a srvdoctor report (tool: {tool})", tool=short_repr(tool)))
    if raw.get("kind") == "merge":
        raise BadReport(t("a merged view, not one host's report (merge the hosts' own reports)"))
    results = raw.get("results")
    if not isinstance(results, list):
        raise BadReport(t("not a srvdoctor report (no results list)"))
    notes: list[str] = []
    schema = raw.get("schema")
    if isinstance(schema, int) and not isinstance(schema, bool) and schema > SCHEMA:
        notes.append(
            t(
                "report schema {schema} is newer than this srvdoctor's ({ours}); read as {ours}",
                schema=schema,
                ours=SCHEMA,
            )
        )
    parsed = [result_from_dict(r, i, notes) for i, r in enumerate(results)]
    host = _str(raw, "host", "").strip()
    if not host:
        host = _fallback_host(source)
        notes.append(t("the report names no host; called after its source ({host})", host=host))
    report = Report(
        tool="srvdoctor",
        version=_str(raw, "version", "unknown") or "unknown",
        host=host,
        started_at=_str(raw, "started_at", ""),
        duration_s=_number(raw.get("duration_s")),
        results=parsed,
    )
    return HostReport(host, source, report, tuple(notes))


def read_reports(text: str, source: str) -> tuple[list[HostReport], list[Skipped]]:
    """Every report in one input's text; what is not a report comes back as Skipped."""
    values, skipped = split_json(text, source)
    reports: list[HostReport] = []
    for where, value in values:
        try:
            reports.append(report_from_dict(value, where))
        except BadReport as exc:
            skipped.append(Skipped(where, exc.args[0] if len(exc.args) == 1 else str(exc)))
    return reports, skipped


def merge(reports: Iterable[HostReport], skipped: Sequence[Skipped] = ()) -> Fleet:
    """One Fleet; hosts that share a name (cloned machines, one report given twice) are told
    apart by their source."""
    hosts = list(reports)
    names = Counter(h.host for h in hosts)
    renamed = []
    for h in hosts:
        if names[h.host] > 1:
            note = t("host name {host!r} is not unique", host=h.host)
            renamed.append(HostReport(f"{h.host} ({h.source})", h.source, h.report, (*h.notes, note)))
        else:
            renamed.append(h)
    return Fleet(tuple(renamed), tuple(skipped))
