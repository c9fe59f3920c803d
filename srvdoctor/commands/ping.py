"""`srvdoctor ping HOST...`: DNS, ICMP round trip and loss, TCP fallback where ICMP fails."""

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
    check_ports,
    check_timeout,
    finish,
    load,
)
from srvdoctor.constants import COMMAND_FORMATS


def ping(
    hosts: Annotated[list[str], typer.Argument(metavar="HOST", help="Host names or IP addresses.")],
    count: Annotated[
        int, typer.Option("--count", help="Echo requests per host.", min=1, max=100, metavar="N")
    ] = 4,
    ports: Annotated[
        list[int] | None,
        typer.Option("--port", "-p", help="TCP port(s) for the fallback (default 22, 80, 443).", metavar="N"),
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """Resolve each host, then ICMP echo (TCP connect where ICMP is impossible or dropped)."""
    check_format(fmt, COMMAND_FORMATS)
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)
    check_ports(ports)
    from srvdoctor.targets import TargetError, parse_host

    try:
        names = [parse_host(h) for h in hosts]
    except TargetError as exc:
        from srvdoctor.messages import localize

        raise UsageError(localize(exc.text)) from None

    import dataclasses
    import datetime as dt
    import time

    from srvdoctor.checks.base import CheckContext
    from srvdoctor.checks.ping import FALLBACK_PORTS, NetPing
    from srvdoctor.config import Targets
    from srvdoctor.runner import make_report, run_checks

    config = dataclasses.replace(config, targets=Targets(hosts=tuple(names)))
    check = NetPing(
        **{
            **config.checks.get(NetPing.id, {}),
            "count": count,
            "fallback_ports": tuple(ports or FALLBACK_PORTS),
        }
    )
    started_at = dt.datetime.now(dt.timezone.utc).astimezone()
    t0 = time.perf_counter()
    results = run_checks([check], CheckContext(config=config, timeout=probe_timeout))
    report = make_report(results, started_at, time.perf_counter() - t0)
    finish(report, config, fmt, output)
