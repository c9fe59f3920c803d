"""The human report: grouped by area, a mark per result, playbook links, one verdict line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console

from srvdoctor.messages import display_language
from srvdoctor.model import AREAS, Report, Result, Status
from srvdoctor.redact import redact_report
from srvdoctor.render.safe import markup as escape

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
    shown = r.target not in ("-", "") and not r.summary.startswith(r.target)
    target = f" [dim]{escape(r.target)}[/dim]" if shown else ""
    console.print(f"  {mark(console, r.status)} [bold]{escape(r.check)}[/bold]{target}: {escape(r.summary)}")
    if r.status is Status.OK:
        return
    for line in r.details:
        console.print(f"      {escape(line)}", style="dim" if r.status is Status.SKIP else None)
    if r.playbook:
        where = playbook_paths.get(r.playbook)
        suffix = f" [dim]({escape(where)})[/dim]" if where else " [red](no such playbook)[/red]"
        console.print(f"      → playbook: [cyan]srvdoctor notes {escape(r.playbook)}[/cyan]{suffix}")
    for hint in r.hints:
        console.print(f"      → try: [cyan]{escape(hint)}[/cyan]")


def _area_order(area: str) -> int:
    return AREAS.index(area) if area in AREAS else len(AREAS)


def print_results(console: Console, results: Sequence[Result], playbook_paths: Mapping[str, str]) -> None:
    areas = sorted({r.area or "other" for r in results}, key=_area_order)
    for area in areas:
        console.print(f"[bold underline]{area}[/bold underline]")
        for r in results:
            if (r.area or "other") == area:
                print_result(console, r, playbook_paths)
        console.print()


def verdict(report: Report) -> tuple[str, str]:
    """One line saying what is wrong, and its style."""
    problems = report.problems(Status.WARN)
    counts = report.counts
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    if not problems:
        return f"No problems found ({tally or 'nothing checked'}).", "bold green"
    ids = list(dict.fromkeys(r.check for r in problems))
    worst = report.status
    noun = "problem" if len(problems) == 1 else "problems"
    style = "bold red" if worst.rank >= Status.FAIL.rank else "bold yellow"
    return f"{len(problems)} {noun} found: {', '.join(ids)} ({tally}).", style


def print_report(console: Console, report: Report, playbook_paths: Mapping[str, str]) -> None:
    report = redact_report(report.localized(display_language()))
    print_results(console, report.results, playbook_paths)
    text, style = verdict(report)
    console.print(escape(text), style=style)
