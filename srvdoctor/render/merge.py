"""The merged fleet view: per problem the hosts that have it, per host its verdict (table, JUnit)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rich.console import Console

from srvdoctor.fleet import Fleet, HostReport, Problem, natural_key
from srvdoctor.messages import localize, machine_language, t, tn
from srvdoctor.model import COUNT_TEXTS, Status
from srvdoctor.render import junit
from srvdoctor.render.safe import markup as escape
from srvdoctor.render.table import mark

#: Hosts named in one problem's headline, and hosts given a detail line, before "+N more".
HEADLINE_HOSTS = 12
DETAIL_HOSTS = 5


def _hosts(n: int) -> str:
    return tn("{n} host", "{n} hosts", n)


def headline(problem: Problem, total: int) -> str:
    """'disk-full on 3 of 40 hosts: gpu07, gpu12, gpu31' (in the display language)."""
    names = [a.host for a in problem.hosts]
    shown = ", ".join(names[:HEADLINE_HOSTS])
    if len(names) > HEADLINE_HOSTS:
        shown = t("{shown} (+{more} more)", shown=shown, more=len(names) - HEADLINE_HOSTS)
    return localize(
        t(
            "{name} on {n} of {total}: {shown}",
            name=problem.name,
            n=len(names),
            total=_hosts(total),
            shown=shown,
        )
    )


def _tally(counts: dict[str, int]) -> str:
    """`3 ok, 1 fail` in the display language; "nothing checked" when every count is 0."""
    parts = [
        localize(t(COUNT_TEXTS[s], n=n)) if s in COUNT_TEXTS else f"{n} {s}" for s, n in counts.items() if n
    ]
    return ", ".join(parts) or localize(t("nothing checked"))


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
        return localize(
            t("No problems on {hosts} ({tally}).", hosts=_hosts(total), tally=_tally(counts))
        ), "bold green"
    problems = fleet.problems()
    style = "bold red" if fleet.status.rank >= Status.FAIL.rank else "bold yellow"
    text = tn(
        "{n} of {hosts} has problems: {problems} ({tally}).",
        "{n} of {hosts} have problems: {problems} ({tally}).",
        len(sick),
        hosts=_hosts(total),
        problems=tn("{n} problem", "{n} problems", len(problems)),
        tally=_tally(counts),
    )
    return localize(text), style


def print_fleet(console: Console, fleet: Fleet) -> None:
    total = len(fleet.hosts)
    problems = fleet.problems()
    if problems:
        title = localize(t("problems across {hosts}", hosts=_hosts(total)))
        console.print(f"[bold underline]{escape(title)}[/bold underline]")
    for p in problems:
        check = f" [dim]({escape(p.check)})[/dim]" if p.playbook else ""
        console.print(f"  {mark(console, p.status)} [bold]{escape(headline(p, total))}[/bold]{check}")
        for a in p.hosts[:DETAIL_HOSTS]:
            summary = localize(a.results[0].summary)
            if len(a.results) > 1:
                summary = localize(t("{shown} (+{more} more)", shown=summary, more=len(a.results) - 1))
            console.print(f"      {escape(a.host)}: {escape(summary)}")
        if len(p.hosts) > DETAIL_HOSTS:
            more = localize(t("… {n} more hosts (--format json lists all)", n=len(p.hosts) - DETAIL_HOSTS))
            console.print(f"      {escape(more)}", style="dim")
        if p.playbook:
            label = localize(t("playbook"))
            console.print(f"      → {escape(label)}: [cyan]srvdoctor notes {escape(p.playbook)}[/cyan]")
    if problems:
        console.print()

    hosts_title = localize(t("hosts"))
    console.print(f"[bold underline]{escape(hosts_title)}[/bold underline]")
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
            said = localize(t("note: {note}", note=note))
            console.print(f"      {escape(said)}", style="dim")
    console.print()
    if len(fleet.versions) > 1:
        spread = ", ".join(f"{v} ({localize(_hosts(n))})" for v, n in fleet.versions.items())
        versions = t("Reports from {n} srvdoctor versions: {spread}.", n=len(fleet.versions), spread=spread)
        console.print(escape(localize(versions)), style="dim")
    if fleet.skipped:
        skipped = tn(
            "{n} input skipped (not a readable report).",
            "{n} inputs skipped (not a readable report).",
            len(fleet.skipped),
        )
        console.print(escape(localize(skipped)), style="dim")
    text, style = verdict(fleet)
    console.print(escape(text), style=style)


def render_junit(fleet: Fleet, fail_on: Status = Status.FAIL) -> str:
    """A testsuite per host, a testcase per result (`classname` srvdoctor.HOST.CHECK); its text in
    the machine language (English unless --lang)."""
    lang = machine_language()
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
            lang,
        )
        for key, value in counts.items():
            totals[key] += value
    return junit.finish(suites, totals)
