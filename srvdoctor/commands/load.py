"""`srvdoctor load [--watch SECONDS]`: CPU, memory, swap, pressure, OOM kills, top processes."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated

import typer

from srvdoctor.commands.common import (
    ConfigOpt,
    FormatOpt,
    OutputOpt,
    TimeoutOpt,
    UsageError,
    check_format,
    check_timeout,
    console,
    finish,
    load,
)
from srvdoctor.constants import COMMAND_FORMATS
from srvdoctor.messages import _, display_language

if TYPE_CHECKING:
    from rich.console import RenderableType

    from srvdoctor.checks.base import CheckContext
    from srvdoctor.config import Config
    from srvdoctor.model import Report
    from srvdoctor.probes.container import ContainerInfo
    from srvdoctor.probes.oom import OomReading
    from srvdoctor.probes.system import CpuSampler


class _Session:
    """What one `load` invocation keeps between ticks: the CPU sampler (its /proc baseline and
    process table), the container, and the OOM reading until a counter moves."""

    def __init__(self, pid: int | None, cgroup: str | None) -> None:
        from srvdoctor.checks.loadshare import LoadTarget

        self.target = LoadTarget(pid, cgroup)
        self.sampler: CpuSampler | None = None
        self.oom: tuple[tuple[int | None, int | None], OomReading] | None = None
        self.notes: dict[str, str] | None = None
        self.container: ContainerInfo | None = None

    def context(self, config: Config, timeout: float) -> CheckContext:
        from srvdoctor.checks.base import CheckContext

        ctx = CheckContext(config=config, timeout=timeout)
        ctx.memo("load.target", lambda: self.target)
        if self.container is not None:  # where we run does not change between ticks
            where = self.container
            ctx.memo("container", lambda: where)
        return ctx

    def seed(self, ctx: CheckContext) -> None:
        """--watch: read from the sampler kept since the last tick (no new priming, no sleep), and
        re-read the kernel log only when an OOM counter moved."""
        from srvdoctor.checks import loadshare
        from srvdoctor.probes.oom import read_oom, vmstat_oom_kills
        from srvdoctor.probes.system import CpuSampler, sample_all

        lim = loadshare.limits(ctx) if loadshare.judged_cgroup(ctx) else None
        first = self.sampler is None
        if self.sampler is None:
            self.sampler = CpuSampler(
                cgroup_cpu_file=lim.cpu_usage_file if lim is not None else "",
                cgroup_stat_file=lim.cpu_stat_file if lim is not None else "",
            )
        sampler, span = self.sampler, (0.25 if first else 0.0)
        where = self.container = loadshare.container(ctx)
        ctx.memo("load.readings", lambda: sample_all(sampler, span, 0.0, limits=lim, container=where))
        own = loadshare.limits(ctx).oom_kills
        key = (vmstat_oom_kills(), own)
        if self.oom is None or self.oom[0] != key:
            t = self.target
            reading = read_oom(ctx.timeout, pid=t.pid if t.pid is not None else "self", cgroup=t.cgroup)
            self.oom = (key, reading)
        cached = self.oom[1]
        ctx.memo("oom", lambda: cached)


def _run(
    config: Config, timeout: float, session: _Session, watching: bool = False
) -> tuple[Report, RenderableType]:
    from srvdoctor.checks import load as load_checks
    from srvdoctor.checks import registry
    from srvdoctor.render.dashboard import load_dashboard
    from srvdoctor.runner import run_report

    checks = registry.build(registry.select(["load"]), config)
    ctx = session.context(config, timeout)
    if watching:
        session.seed(ctx)
    report = run_report(checks, ctx)
    readings = load_checks.readings(ctx)  # the same reading the checks judged (memoised)
    meta = {
        "top_cpu": [p.to_dict() for p in readings.cpu.top_cpu],
        "top_mem": [p.to_dict() for p in readings.cpu.top_mem],
    }
    return dataclasses.replace(report, meta=meta), load_dashboard(readings)


def _view(
    report: Report, dashboard: RenderableType, config: Config, width: int, session: _Session
) -> RenderableType:
    """The dashboard above the judged results and the verdict line, as one renderable."""
    import io

    from rich.console import Console, Group
    from rich.text import Text

    from srvdoctor.render.table import print_report

    if session.notes is None:
        from srvdoctor.playbooks import load_library

        session.notes = load_library(config.resolved_notes_dir(), lang=display_language()).paths()
    capture = Console(file=io.StringIO(), width=width, force_terminal=True, highlight=False, soft_wrap=True)
    print_report(capture, report, session.notes)
    assert isinstance(capture.file, io.StringIO)
    return Group(dashboard, Text(""), Text.from_ansi(capture.file.getvalue().rstrip("\n")))


def _check_target(pid: int | None, cgroup: str | None) -> None:
    import os

    if pid is not None and cgroup is not None:
        raise UsageError(_("--pid and --cgroup name the same thing: give one of them"))
    if pid is not None and (pid <= 0 or not os.path.exists(f"/proc/{pid}")):
        raise UsageError(_("--pid {pid}: no such process").format(pid=pid))
    if cgroup is not None:
        from srvdoctor.probes.cgroup import locate, mounts

        if not cgroup.startswith("/") or "\0" in cgroup or "/../" in cgroup + "/":
            raise UsageError(
                _(
                    "--cgroup {cgroup!r}: give the cgroup path as /proc/PID/cgroup shows it, "
                    "e.g. /system.slice/x.service"
                ).format(cgroup=cgroup)
            )
        found = mounts()
        if not found:
            raise UsageError(_("--cgroup: no cgroup filesystem is mounted here"))
        if not any(locate(cgroup, m) != m.mountpoint or cgroup == "/" for m in found):
            where = ", ".join(sorted({str(m.mountpoint) for m in found}))
            raise UsageError(
                _("--cgroup {cgroup}: no such cgroup under {where}").format(cgroup=cgroup, where=where)
            )


def load_command(
    watch: Annotated[
        float | None,
        typer.Option(
            "--watch", "-w", help="Refresh the dashboard every SECONDS until Ctrl-C.", metavar="SECONDS"
        ),
    ] = None,
    pid: Annotated[
        int | None,
        typer.Option(
            "--pid",
            help="Judge the limits of this process's cgroup (memory, CPU quota, OOM kills).",
            metavar="PID",
        ),
    ] = None,
    cgroup: Annotated[
        str | None,
        typer.Option(
            "--cgroup",
            help="Judge the limits of this cgroup, e.g. /system.slice/train.service.",
            metavar="PATH",
        ),
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """CPU per core, load, memory, swap, pressure (PSI), OOM kills and the top processes.

    Inside a container (or with --pid/--cgroup) memory, CPU and OOM kills are judged against
    the cgroup's limits, with the host's figures beside them.
    """
    check_format(fmt, COMMAND_FORMATS)
    _check_target(pid, cgroup)
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)
    session = _Session(pid, cgroup)
    if watch is not None:
        if not 0.5 <= watch <= 3600:
            raise UsageError(
                _("--watch must be between 0.5 and 3600 seconds, not {watch:g}").format(watch=watch)
            )
        if fmt != "table" or output is not None:
            raise UsageError(_("--watch draws a live dashboard: use it without --format json and --output"))
        _watch(config, probe_timeout, watch, session)
        return

    report, dashboard = _run(config, probe_timeout, session)
    finish(report, config, fmt, output, header=dashboard)


def _watch(config: Config, timeout: float, every: float, session: _Session) -> None:
    """Redraw in place on a terminal (rich Live); elsewhere print one frame per refresh, like top -b.

    The first frame primes the sampler; every later one reads it once (one /proc pass).
    """
    import time

    from rich.live import Live
    from rich.rule import Rule

    con = console(None)
    try:
        report, dashboard = _run(config, timeout, session, watching=True)
        if not con.is_terminal:
            while True:
                con.print(Rule(time.strftime("%H:%M:%S")))
                con.print(_view(report, dashboard, config, con.width, session))
                time.sleep(every)
                report, dashboard = _run(config, timeout, session, watching=True)
        with Live(
            _view(report, dashboard, config, con.width, session), console=con, auto_refresh=False
        ) as live:
            while True:
                time.sleep(every)
                report, dashboard = _run(config, timeout, session, watching=True)
                live.update(_view(report, dashboard, config, con.width, session), refresh=True)
    except KeyboardInterrupt:
        return
