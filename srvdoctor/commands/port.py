"""`srvdoctor port TARGET...`: from "I can't reach it" to the cause, one rung at a time."""

from __future__ import annotations

from typing import Annotated

import typer

from srvdoctor.commands.common import (
    ConfigOpt,
    FormatOpt,
    OutputOpt,
    TimeoutOpt,
    UsageError,
    check_format,
    check_timeout,
    finish,
    load,
)
from srvdoctor.constants import COMMAND_FORMATS


def port(
    targets: Annotated[
        list[str],
        typer.Argument(metavar="TARGET", help="PORT, HOST:PORT, [IPv6]:PORT, or an http(s):// URL."),
    ],
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """Name, TCP, listener, TLS and HTTP of each target: stops at the rung that breaks."""
    check_format(fmt, COMMAND_FORMATS)
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)
    from srvdoctor.targets import TargetError, parse_target

    try:
        parsed = [parse_target(t) for t in targets]
    except TargetError as exc:
        from srvdoctor.messages import localize

        raise UsageError(localize(exc.text)) from None

    import datetime as dt
    import time

    from srvdoctor.checks.base import CheckContext
    from srvdoctor.checks.ladder import walk
    from srvdoctor.runner import make_report

    started_at = dt.datetime.now(dt.timezone.utc).astimezone()
    t0 = time.perf_counter()
    results = walk(CheckContext(config=config, timeout=probe_timeout), parsed)
    report = make_report(results, started_at, time.perf_counter() - t0)
    finish(report, config, fmt, output)
