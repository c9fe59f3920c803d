"""The human report: grouped by area, a mark per result, playbook links, one verdict line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from srvdoctor.messages import N_, _, display_language, ngettext
from srvdoctor.model import AREAS, Report, Result, Status
from srvdoctor.redact import redact_report, redact_result
from srvdoctor.render.safe import markup as escape

if TYPE_CHECKING:
    from rich.console import Console as RichConsole

    from srvdoctor.render.plain import PlainConsole

    #: rich's Console, or its plain-text stand-in for a pipe (render/plain.py)
    Console = RichConsole | PlainConsole

MARKS: Mapping[Status, tuple[str, str, str]] = {
    # status: (unicode mark, ascii mark, style)
    Status.OK: ("✓", "ok", "green"),
    Status.WARN: ("!", "!!", "yellow"),
    Status.FAIL: ("✗", "XX", "bold red"),
    Status.SKIP: ("-", "--", "dim"),
    Status.ERROR: ("?", "??", "magenta"),
}


def mark(console: Console, status: Status) -> str:
    uni, ascii_mark, style = MARKS[status]
    text = uni if (console.encoding or "").lower().replace("-", "") == "utf8" else ascii_mark
    return f"[{style}][{text}][/{style}]"


def print_result(console: Console, r: Result, playbook_paths: Mapping[str, str]) -> None:
    """One result as lines: in the display language and redacted, whoever calls (triage, disk)."""
    r = redact_result(r.localized(display_language()))
    shown = r.target not in ("-", "") and not r.summary.startswith(r.target)
    target = f" [dim]{escape(r.target)}[/dim]" if shown else ""
    console.print(f"  {mark(console, r.status)} [bold]{escape(r.check)}[/bold]{target}: {escape(r.summary)}")
    if r.status is Status.OK:
        return
    for line in r.details:
        console.print(f"      {escape(line)}", style="dim" if r.status is Status.SKIP else None)
    if r.playbook:
        where = playbook_paths.get(r.playbook)
        missing = escape(_("no such playbook"))
        suffix = f" [dim]({escape(where)})[/dim]" if where else f" [red]({missing})[/red]"
        label = escape(_("playbook:"))
        console.print(f"      → {label} [cyan]srvdoctor notes {escape(r.playbook)}[/cyan]{suffix}")
    try_label = escape(_("try:"))
    for hint in r.hints:
        console.print(f"      → {try_label} [cyan]{escape(hint)}[/cyan]")


def _area_order(area: str) -> int:
    return AREAS.index(area) if area in AREAS else len(AREAS)


def print_results(console: Console, results: Sequence[Result], playbook_paths: Mapping[str, str]) -> None:
    areas = sorted({r.area or "other" for r in results}, key=_area_order)
    for area in areas:
        console.print(f"[bold underline]{escape(area_name(area))}[/bold underline]")
        for r in results:
            if (r.area or "other") == area:
                print_result(console, r, playbook_paths)
        console.print()


#: Area headings (srvdoctor.constants.AREAS) that are words, and status names, translated where
#: printed: the English words are ids too (JSON, --only), so only the human report shows them
#: translated. `gpu` and `docker` are names and stay as they are in every language.
AREA_NAMES = {
    "disk": N_("disk"), "path": N_("path"), "network": N_("network"), "firewall": N_("firewall"),
    "load": N_("load"), "logs": N_("logs"), "expect": N_("expect"), "other": N_("other"),
}  # fmt: skip
STATUS_NAMES = {
    "ok": N_("ok"),
    "warn": N_("warn"),
    "fail": N_("fail"),
    "skip": N_("skip"),
    "error": N_("error"),
}


def area_name(area: str) -> str:
    """An area's heading in the display language (an area srvdoctor does not know stays as it is)."""
    return _(AREA_NAMES[area]) if area in AREA_NAMES else area


def tally(counts: Mapping[str, int]) -> str:
    """`3 ok, 1 warn`: the non-zero counts, status names in the display language."""
    each = _("{n} {status}")  # a count and a status name: "3 ok"
    return ", ".join(each.format(n=n, status=_(STATUS_NAMES.get(s, s))) for s, n in counts.items() if n)


def verdict(report: Report) -> tuple[str, str]:
    """One line saying what is wrong, and its style."""
    problems = report.problems(Status.WARN)
    counts = tally(report.counts) or _("nothing checked")
    if not problems:
        return _("No problems found ({counts}).").format(counts=counts), "bold green"
    ids = list(dict.fromkeys(r.check for r in problems))
    worst = report.status
    style = "bold red" if worst.rank >= Status.FAIL.rank else "bold yellow"
    line = ngettext(
        "{n} problem found: {checks} ({counts}).", "{n} problems found: {checks} ({counts}).", len(problems)
    )
    return line.format(n=len(problems), checks=", ".join(ids), counts=counts), style


def print_report(console: Console, report: Report, playbook_paths: Mapping[str, str]) -> None:
    report = redact_report(report.localized(display_language()))
    print_results(console, report.results, playbook_paths)
    text, style = verdict(report)
    console.print(escape(text), style=style)
