"""The merged fleet view: per problem the hosts that have it, per host its verdict (table, JUnit)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rich.console import Console

from srvdoctor.fleet import Fleet, HostReport, Problem, natural_key
from srvdoctor.model import Status
from srvdoctor.render import junit
from srvdoctor.render.safe import markup as escape
from srvdoctor.render.table import mark

#: Hosts named in one problem's headline, and hosts given a detail line, before "+N more".
HEADLINE_HOSTS = 12
DETAIL_HOSTS = 5


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def headline(problem: Problem, total: int) -> str:
    """'disk-full on 3 of 40 hosts: gpu07, gpu12, gpu31'."""
    names = [a.host for a in problem.hosts]
    shown = ", ".join(names[:HEADLINE_HOSTS])
    if len(names) > HEADLINE_HOSTS:
        shown += f" (+{len(names) - HEADLINE_HOSTS} more)"
    return f"{problem.name} on {len(names)} of {_plural(total, 'host')}: {shown}"


def _tally(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing checked"


def _hosts_order(h: HostReport) -> tuple[object, ...]:
    return (-h.status.rank, natural_key(h.host))


def verdict(fleet: Fleet) -> tuple[str, str]:
    total = len(fleet.hosts)
    sick = [h for h in fleet.hosts if h.report.problems(Status.WARN)]
    counts: dict[str, int] = {s.value: 0 for s in Status}
    for h in fleet.hosts:
        for key, n in h.report.counts.items():
            counts[key] += n
    if not sick:
        return f"No problems on {_plural(total, 'host')} ({_tally(counts)}).", "bold green"
    problems = fleet.problems()
    style = "bold red" if fleet.status.rank >= Status.FAIL.rank else "bold yellow"
    verb = "has" if len(sick) == 1 else "have"
    text = (
        f"{len(sick)} of {_plural(total, 'host')} {verb} problems: "
        f"{_plural(len(problems), 'problem')} ({_tally(counts)})."
    )
    return text, style


def print_fleet(console: Console, fleet: Fleet) -> None:
    total = len(fleet.hosts)
    problems = fleet.problems()
    if problems:
        console.print(f"[bold underline]problems across {_plural(total, 'host')}[/bold underline]")
    for p in problems:
        check = f" [dim]({escape(p.check)})[/dim]" if p.playbook else ""
        console.print(f"  {mark(console, p.status)} [bold]{escape(headline(p, total))}[/bold]{check}")
        for a in p.hosts[:DETAIL_HOSTS]:
            more = f" (+{len(a.results) - 1} more)" if len(a.results) > 1 else ""
            console.print(f"      {escape(a.host)}: {escape(a.results[0].summary)}{more}")
        if len(p.hosts) > DETAIL_HOSTS:
            console.print(
                f"      … {len(p.hosts) - DETAIL_HOSTS} more hosts (--format json lists all)", style="dim"
            )
        if p.playbook:
            console.print(f"      → playbook: [cyan]srvdoctor notes {escape(p.playbook)}[/cyan]")
    if problems:
        console.print()

    console.print("[bold underline]hosts[/bold underline]")
    width = max((len(h.host) for h in fleet.hosts), default=0)
    for h in sorted(fleet.hosts, key=_hosts_order):
        checks = sorted({r.check for r in h.report.problems(Status.WARN)})
        what = f" — {', '.join(checks)}" if checks else ""
        when = f", {h.report.started_at}" if h.report.started_at else ""
        about = escape(f"(srvdoctor {h.report.version}{when})")
        console.print(
            f"  {mark(console, h.status)} {escape(h.host.ljust(width))}  {h.status.value:<5}  "
            f"{escape(_tally(h.report.counts))}{escape(what)} [dim]{about}[/dim]"
        )
        for note in h.notes:
            console.print(f"      note: {escape(note)}", style="dim")
    console.print()
    if len(fleet.versions) > 1:
        spread = ", ".join(f"{v} ({_plural(n, 'host')})" for v, n in fleet.versions.items())
        console.print(
            f"Reports from {len(fleet.versions)} srvdoctor versions: {escape(spread)}.", style="dim"
        )
    if fleet.skipped:
        console.print(f"{_plural(len(fleet.skipped), 'input')} skipped (not a readable report).", style="dim")
    text, style = verdict(fleet)
    console.print(escape(text), style=style)


def render_junit(fleet: Fleet, fail_on: Status = Status.FAIL) -> str:
    """A testsuite per host, a testcase per result (`classname` srvdoctor.HOST.CHECK)."""
    suites = ET.Element("testsuites", name="srvdoctor merge")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for h in sorted(fleet.hosts, key=lambda h: natural_key(h.host)):
        counts = junit.add_suite(
            suites,
            h.host,
            h.host,
            h.report.started_at,
            list(h.report.results),
            fail_on,
            f"srvdoctor.{h.host}",
        )
        for key, value in counts.items():
            totals[key] += value
    return junit.finish(suites, totals)
