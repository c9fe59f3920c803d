"""Nagios plugin output: one line, perfdata, and the plugin exit code (0-3)."""

from __future__ import annotations

import re

from srvdoctor.messages import localize, machine_language, t, tn
from srvdoctor.model import Report, Status
from srvdoctor.redact import redact_report
from srvdoctor.render import numeric_data
from srvdoctor.render.safe import visible

LABELS = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
#: data key ending -> Nagios UOM; a rate (`_bytes_s`, `_per_s`) has no UOM of its own, so it
#: goes out bare rather than as seconds.
_UNITS = (("_bytes_s", ""), ("_per_s", ""), ("_percent", "%"), ("_bytes", "B"), ("_ms", "ms"), ("_s", "s"))


def exit_code(report: Report) -> int:
    """CRITICAL for any fail, else UNKNOWN for any error, else WARNING for any warn, else OK."""
    statuses = {r.status for r in report.results}
    if Status.FAIL in statuses:
        return 2
    if Status.ERROR in statuses:
        return 3
    if Status.WARN in statuses:
        return 1
    return 0


def _perf_label(text: str) -> str:
    return "'" + re.sub(r"[='\s]", "_", visible(text)) + "'"


def _one_line(text: str) -> str:
    """The status line stays one line: control characters (a newline in a target) become spaces."""
    return visible(re.sub(r"[\x00-\x1f\x7f]+", " ", text)).replace("|", "/")


def render(report: Report) -> str:
    lang = machine_language()
    report = redact_report(report.localized(lang))
    code = exit_code(report)
    problems = report.problems(Status.WARN)
    if problems:
        shown = "; ".join(f"{r.status.value.upper()} {r.summary}" for r in problems[:5])
        if len(problems) > 5:
            shown = t("{shown} (+{more} more)", shown=shown, more=len(problems) - 5)
        text = localize(tn("{n} problem: {shown}", "{n} problems: {shown}", len(problems), shown=shown), lang)
    else:
        counts = report.counts
        text = localize(t("{ok} checks ok, {skip} skipped", ok=counts["ok"], skip=counts["skip"]), lang)
    perf: list[str] = []
    labels: set[str] = set()
    for r in report.results:
        for key, value in numeric_data(r.data).items():
            unit = next((u for suffix, u in _UNITS if key.endswith(suffix)), None)
            if unit is not None:
                number = f"{value:.0f}" if value == int(value) else f"{value:.2f}"
                label, n = _perf_label(f"{r.check}:{r.target}:{key}"), 1
                while label in labels:  # two results on one target: keep both, distinctly
                    n += 1
                    label = _perf_label(f"{r.check}:{r.target}:{key}#{n}")
                labels.add(label)
                perf.append(f"{label}={number}{unit}")
    line = f"SRVDOCTOR {LABELS[code]} - {_one_line(text)}"
    return line + (" | " + " ".join(perf) if perf else "") + "\n"
