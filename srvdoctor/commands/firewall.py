"""`srvdoctor firewall [--port N]...`: the active firewall and the rule that blocks a port."""

from __future__ import annotations

from typing import Annotated

import typer

from srvdoctor.commands.common import (
    ConfigOpt,
    FormatOpt,
    OutputOpt,
    TimeoutOpt,
    check_format,
    check_ports,
    check_timeout,
    finish,
    load,
)
from srvdoctor.constants import COMMAND_FORMATS


def firewall(
    ports: Annotated[
        list[int] | None,
        typer.Option(
            "--port",
            "-p",
            help="A TCP port to look up (repeatable; default: every listening and configured port).",
            metavar="N",
        ),
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """Which firewall is active and which rule drops or rejects each port (read-only).

    Without --port: every port of the config's [targets] on this machine and every port
    that listens beyond loopback.
    """
    check_format(fmt, COMMAND_FORMATS)
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)
    check_ports(ports)

    from srvdoctor.probes.firewall import all_layers, cloud_vendor, start_reading

    start_reading()  # iptables-save, nft... run while the checks load

    import dataclasses
    import datetime as dt
    import time

    from srvdoctor.checks.base import CheckContext
    from srvdoctor.checks.firewall import FirewallRules, configured_ports, docker_published, listening_ports
    from srvdoctor.runner import make_report

    check = FirewallRules(**config.checks.get(FirewallRules.id, {}))
    ctx = CheckContext(config=config, timeout=probe_timeout)
    started_at = dt.datetime.now(dt.timezone.utc).astimezone()
    t0 = time.perf_counter()
    layers = all_layers(probe_timeout)
    docker = docker_published(ctx)
    results = [check.judge_summary(layers, cloud_vendor())]
    if ports:
        results += check.judge_ports(ports, [], layers, docker)
    else:  # every configured port and every port that listens beyond loopback
        results += check.judge_ports(configured_ports(ctx), listening_ports(ctx), layers, docker)
    elapsed = time.perf_counter() - t0
    results = [dataclasses.replace(r, area="firewall", duration_s=elapsed) for r in results]
    report = make_report(results, started_at, elapsed)
    finish(report, config, fmt, output)
