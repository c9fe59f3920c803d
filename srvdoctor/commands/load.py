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

if TYPE_CHECKING:
    from rich.console import RenderableType

    from srvdoctor.config import Config
    from srvdoctor.model import Report


def _run(config: Config, timeout: float) -> tuple[Report, RenderableType]:
    from srvdoctor.checks import load as load_checks
    from srvdoctor.checks import registry
    from srvdoctor.checks.base import CheckContext
    from srvdoctor.render.dashboard import load_dashboard
    from srvdoctor.runner import run_report

    checks = registry.build(registry.select(["load"]), config)
    ctx = CheckContext(config=config, timeout=timeout)
    report = run_report(checks, ctx)
    readings = load_checks.readings(ctx)  # the same reading the checks judged (memoised)
    meta = {
        "top_cpu": [p.to_dict() for p in readings.cpu.top_cpu],
        "top_mem": [p.to_dict() for p in readings.cpu.top_mem],
    }
    return dataclasses.replace(report, meta=meta), load_dashboard(readings)


def _view(report: Report, dashboard: RenderableType, config: Config, width: int) -> RenderableType:
    """The dashboard above the judged results and the verdict line, as one renderable."""
    import io

    from rich.console import Console, Group
    from rich.text import Text

    from srvdoctor.playbooks import load_library
    from srvdoctor.render.table import print_report

    capture = Console(file=io.StringIO(), width=width, force_terminal=True, highlight=False, soft_wrap=True)
    print_report(capture, report, load_library(config.resolved_notes_dir()).paths())
    assert isinstance(capture.file, io.StringIO)
    return Group(dashboard, Text(""), Text.from_ansi(capture.file.getvalue().rstrip("\n")))


def load_command(
    watch: Annotated[
        float | None,
        typer.Option(
            "--watch", "-w", help="Refresh the dashboard every SECONDS until Ctrl-C.", metavar="SECONDS"
        ),
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """CPU per core, load, memory, swap, pressure (PSI), OOM kills and the top processes."""
    check_format(fmt, COMMAND_FORMATS)
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)
    if watch is not None:
        if not 0.5 <= watch <= 3600:
            raise UsageError(f"--watch must be between 0.5 and 3600 seconds, not {watch:g}")
        if fmt != "table" or output is not None:
            raise UsageError("--watch draws a live dashboard: use it without --format json and --output")
        _watch(config, probe_timeout, watch)
        return

    report, dashboard = _run(config, probe_timeout)
    finish(report, config, fmt, output, header=dashboard)


def _watch(config: Config, timeout: float, every: float) -> None:
    """Redraw in place on a terminal (rich Live); elsewhere print one frame per refresh, like top -b."""
    import time

    from rich.live import Live
    from rich.rule import Rule

    con = console(None)
    report, dashboard = _run(config, timeout)
    try:
        if not con.is_terminal:
            while True:
                con.print(Rule(time.strftime("%H:%M:%S")))
                con.print(_view(report, dashboard, config, con.width))
                time.sleep(max(0.0, every - 0.25))
                report, dashboard = _run(config, timeout)
        with Live(_view(report, dashboard, config, con.width), console=con, auto_refresh=False) as live:
            while True:
                time.sleep(max(0.0, every - 0.25))
                report, dashboard = _run(config, timeout)
                live.update(_view(report, dashboard, config, con.width), refresh=True)
    except KeyboardInterrupt:
        return
