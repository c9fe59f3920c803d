"""`srvdoctor check`: every check that applies to this machine, one report."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from srvdoctor.commands.common import (
    ConfigOpt,
    DebugOpt,
    OutputOpt,
    TimeoutOpt,
    UsageError,
    check_format,
    check_timeout,
    load,
    print_json,
    print_table_report,
    split_csv,
    write_output,
)
from srvdoctor.constants import AREAS, CHECK_FORMATS, FAIL_ON_NAMES

AreasOpt = Annotated[
    list[str] | None,
    typer.Option(help=f"Areas, comma-separated: {', '.join(AREAS)}.", metavar="AREA[,AREA]"),
]


def check(
    only: AreasOpt = None,
    skip: AreasOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help=f"One of {', '.join(CHECK_FORMATS)}.", metavar="FORMAT")
    ] = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on", help="Lowest status that exits 1: warn, fail (default) or error.", metavar="STATUS"
        ),
    ] = None,
    print_config: Annotated[
        bool, typer.Option("--print-config", help="Show the effective config (defaults filled in) and exit.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Run every check that applies to this machine, concurrently, as one report."""
    check_format(fmt, CHECK_FORMATS)
    config = load(config_path)
    only_areas, skip_areas = split_csv(only), split_csv(skip)
    for area in (*only_areas, *skip_areas):
        if area not in AREAS:
            raise UsageError(f"unknown area {area!r}; areas: {', '.join(AREAS)}")
    threshold_name = fail_on or config.fail_on
    if threshold_name not in FAIL_ON_NAMES:
        raise UsageError(f"--fail-on must be one of {', '.join(FAIL_ON_NAMES)}, not {threshold_name!r}")
    from srvdoctor.model import FAIL_ON

    threshold = FAIL_ON[threshold_name]
    probe_timeout = check_timeout(timeout, config)

    if print_config:
        from srvdoctor.config import effective_config

        print_json(effective_config(config), output)
        raise typer.Exit(0)

    from srvdoctor.checks import registry
    from srvdoctor.checks.base import CheckContext
    from srvdoctor.runner import run_report

    checks = registry.build(registry.select(only_areas, skip_areas), config)
    ctx = CheckContext(config=config, timeout=probe_timeout, debug=debug)
    report = run_report(checks, ctx)

    if fmt == "table":
        print_table_report(report, config, output)
    elif fmt == "json":
        print_json(report.to_dict(), output)
    elif fmt == "junit":
        from srvdoctor.render import junit

        write_output(junit.render(report, threshold), output)
    elif fmt == "prometheus":
        from srvdoctor.render import prometheus

        write_output(prometheus.render(report, time.time()), output)
        if output is not None and output.suffix != ".prom":
            typer.echo(f"srvdoctor: note: node_exporter's textfile collector reads only *.prom files, "
                       f"not {output.name}", err=True)  # fmt: skip
    else:
        from srvdoctor.render import nagios

        write_output(nagios.render(report), output)
        raise typer.Exit(nagios.exit_code(report))
    raise typer.Exit(report.exit_code(threshold))
