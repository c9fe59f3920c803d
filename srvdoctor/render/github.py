"""GitHub Actions: `::error`/`::warning` workflow commands and a Markdown job summary.

`annotation_lines` gives one line per problem (an error when it fails the run, a warning
otherwise), pointing at the config line of an expectation when there is one.
`summary` is the Markdown appended to `$GITHUB_STEP_SUMMARY`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

from srvdoctor.messages import localize, machine_language, t
from srvdoctor.model import COUNT_TEXTS, Report, Result, Status
from srvdoctor.redact import redact_report, redact_text
from srvdoctor.render.safe import visible

ICONS: Mapping[Status, str] = {
    Status.OK: "✅",
    Status.WARN: "⚠️",
    Status.FAIL: "❌",
    Status.ERROR: "❗",
    Status.SKIP: "⏭️",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _location(r: Result, workspace: str | None) -> dict[str, str]:
    where = r.data.get("config") if isinstance(r.data, Mapping) else None
    if not isinstance(where, str) or ":" not in where:
        return {}
    path, _, line = where.rpartition(":")
    if not line.isdigit() or path == "<config>":
        return {}
    if workspace:
        # relative to the workspace (GitHub resolves `file=` there), wherever srvdoctor ran from
        absolute = Path(os.path.abspath(path))
        with contextlib.suppress(ValueError):
            path = str(absolute.relative_to(os.path.abspath(workspace)))
    return {"file": path, "line": line}


def _lines_visible(text: str) -> str:
    """Redacted, control characters spelled out, newlines kept (the workflow command escapes
    them). Redaction comes first: `%3A` escaping would hide `user:pw@` from it."""
    return "\n".join(visible(line) for line in redact_text(text).split("\n"))


def annotation(r: Result, fail_on: Status, workspace: str | None = None, lang: str | None = None) -> str:
    """One workflow command line for a problem result, its text in `lang` (default: the
    machine language, English unless --lang)."""
    lang = machine_language() if lang is None else lang
    level = "error" if r.status.rank >= fail_on.rank else "warning"
    message = _lines_visible(localize(r.summary, lang))
    if r.playbook:
        message = localize(t("{text} (playbook: srvdoctor notes {id})", text=message, id=r.playbook), lang)
    if r.hints:
        message += "\n" + localize(t("try: {hint}", hint=_lines_visible(localize(r.hints[0], lang))), lang)
    title = _lines_visible(f"srvdoctor {r.check} {r.target}".rstrip(" -"))
    props = {**_location(r, workspace), "title": title}
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{level} {joined}::{escape_data(message)}"


def annotation_lines(report: Report, fail_on: Status = Status.FAIL, workspace: str | None = None) -> str:
    """Every warn, fail and error as a workflow command line; empty when all is well."""
    lang = machine_language()
    report = redact_report(report.localized(lang))
    lines = [annotation(r, fail_on, workspace, lang) for r in report.problems(Status.WARN)]
    return "".join(f"{line}\n" for line in lines)


#: What makes inline Markdown or HTML inside a table cell (a cell never starts a line, so
#: `#`, `+`, `-`, `1.` cannot open a block there).
#: Backslash escapes for emphasis, code and links; entities where a backslash is not
#: understood by every Markdown flavour (HTML, strikethrough, the table's own `|`).
_MARKDOWN_ESCAPES = {c: f"\\{c}" for c in "\\`*_[]"} | {
    "<": "&lt;",
    ">": "&gt;",
    "&": "&amp;",
    "~": "&#126;",
    "|": "&#124;",
}


def _cell(text: str) -> str:
    """A table cell that renders as the text itself: whitespace folded, redacted, control
    characters spelled out, Markdown and HTML escaped."""
    return "".join(_MARKDOWN_ESCAPES.get(c, c) for c in visible(redact_text(" ".join(text.split()))))


def _count(status: str, n: int, lang: str) -> str:
    template = COUNT_TEXTS.get(status)
    return localize(t(template, n=n), lang) if template else f"{n} {status}"


def summary(report: Report, fail_on: Status = Status.FAIL, retry_sentence: str | None = None) -> str:
    """The Markdown job summary: a verdict, then a table of the results, problems first; its
    text in the machine language (English unless --lang)."""
    lang = machine_language()
    report = redact_report(report.localized(lang))
    problems = report.problems(fail_on)
    counts = ", ".join(_count(s, n, lang) for s, n in report.counts.items() if n)
    counts = counts or localize(t("nothing checked"), lang)
    head = localize(t("❌ not healthy") if problems else t("✅ healthy"), lang)
    title = localize(t("### srvdoctor on `{host}`: {verdict}", host=report.host, verdict=head), lang)
    lines = [title, "", f"{counts}."]
    if retry_sentence:
        lines += ["", localize(retry_sentence, lang)]
    header = localize(t("| | check | target | result | playbook |"), lang)
    lines += ["", header, "| --- | --- | --- | --- | --- |"]
    ordered = sorted(report.results, key=lambda r: -r.status.rank)
    for r in ordered:
        playbook = f"`srvdoctor notes {r.playbook}`" if r.playbook else ""
        lines.append(
            f"| {ICONS[r.status]} | `{r.check}` | {_cell(r.target)} | {_cell(r.summary)} | {playbook} |"
        )
    return "\n".join(lines) + "\n\n"
