"""`srvdoctor docker`: container log bloat and Docker disk usage, against the live daemon."""

from __future__ import annotations

from typing import Annotated

import typer

from srvdoctor.commands.common import (
    ConfigOpt,
    DebugOpt,
    FormatOpt,
    OutputOpt,
    TimeoutOpt,
    check_format,
    check_timeout,
    finish,
    load,
)
from srvdoctor.constants import COMMAND_FORMATS

FastOpt = Annotated[
    bool, typer.Option("--fast", help="Skip docker.disk (system df), which can be slow on big hosts.")
]


def docker(
    fast: FastOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Docker log bloat (each container's log files and rotation) and Docker disk usage."""
    check_format(fmt, COMMAND_FORMATS)
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)

    from srvdoctor.checks import registry
    from srvdoctor.checks.base import CheckContext
    from srvdoctor.runner import run_report

    checks = registry.build(registry.select(["docker"]), config)
    ctx = CheckContext(config=config, timeout=probe_timeout, debug=debug, fast=fast)
    report = run_report(checks, ctx)
    finish(report, config, fmt, output)
