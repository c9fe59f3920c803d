"""`srvdoctor check`: every check that applies to this machine, one report."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    reason_of,
    split_csv,
    write_output,
)
from srvdoctor.commands.completion import complete_areas
from srvdoctor.constants import AREAS, CHECK_FORMATS, FAIL_ON_NAMES
from srvdoctor.messages import _, localize, machine_language, oserror

if TYPE_CHECKING:
    from srvdoctor.model import Report, Status

AreasOpt = Annotated[
    list[str] | None,
    typer.Option(
        # spelled out (not an f-string) so that the catalog can translate it; a test keeps it = AREAS
        help="Areas, comma-separated: disk, path, network, firewall, load, gpu, docker, expect, logs.",
        metavar="AREA[,AREA]",
        autocompletion=complete_areas,
    ),
]


def check(
    only: AreasOpt = None,
    skip: AreasOpt = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="One of table, json, junit, prometheus, nagios.", metavar="FORMAT"
        ),
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
    fast: Annotated[bool, typer.Option("--fast", help="Skip slow probes (docker.disk's system df).")] = False,
    retry_for: Annotated[
        str | None,
        typer.Option(
            "--retry-for",
            help="Re-run the failing expectations until all hold or this much time has passed (e.g. 60s).",
            metavar="DURATION",
        ),
    ] = None,
    retry_interval: Annotated[
        str,
        typer.Option("--retry-interval", help="Pause between retries.", metavar="DURATION"),
    ] = "2s",
) -> None:
    """Run every check that applies to this machine, concurrently, as one report."""
    check_format(fmt, CHECK_FORMATS)
    config = load(config_path)
    only_areas, skip_areas = split_csv(only), split_csv(skip)
    for area in (*only_areas, *skip_areas):
        if area not in AREAS:
            raise UsageError(
                _("unknown area {area!r}; areas: {areas}").format(area=area, areas=", ".join(AREAS))
            )
    threshold_name = fail_on or config.fail_on
    if threshold_name not in FAIL_ON_NAMES:
        raise UsageError(
            _("--fail-on must be one of {names}, not {name!r}").format(
                names=", ".join(FAIL_ON_NAMES), name=threshold_name
            )
        )
    from srvdoctor.model import FAIL_ON

    threshold = FAIL_ON[threshold_name]
    probe_timeout = check_timeout(timeout, config)
    retry_window, retry_pause = _retry_options(retry_for, retry_interval)

    if print_config:
        from srvdoctor.config import effective_config

        print_json(effective_config(config), output)
        raise typer.Exit(0)

    from srvdoctor.checks import registry
    from srvdoctor.checks.base import CheckContext
    from srvdoctor.runner import run_report

    ctx = CheckContext(config=config, timeout=probe_timeout, debug=debug, fast=fast)
    if "load" in (set(only_areas) or set(AREAS)) - set(skip_areas):
        from srvdoctor.checks.loadshare import sampler

        sampler(ctx)  # the CPU sample starts now: loading the check modules overlaps it
    skipped = list(skip_areas)
    if config.sections.get("expect") is None:
        skipped.append("expect")  # no expectations: its checks would say nothing; skip loading them
    checks = registry.build(registry.select(only_areas, skipped), config)
    started = time.monotonic()
    report = run_report(checks, ctx)
    retry_sentence: str | None = None
    if retry_window is not None:
        import dataclasses

        from srvdoctor.retry import retry_failing

        outcome = retry_failing(
            report.results, ctx, retry_window, retry_pause, threshold, started,
            on_attempt=lambda attempt: print(f"srvdoctor: {attempt.line()}", file=sys.stderr, flush=True),
        )  # fmt: skip
        retry_sentence = outcome.sentence()
        report = dataclasses.replace(
            report, results=list(outcome.results), duration_s=time.monotonic() - started,
            meta={**report.meta, **outcome.meta()},
        )  # fmt: skip

    if fmt == "table":
        print_table_report(report, config, output, footer=retry_sentence)
    elif fmt == "json":
        print_json(report.to_dict(machine_language()), output)
    elif fmt == "junit":
        from srvdoctor.render import junit

        write_output(junit.render(report, threshold), output)
    elif fmt == "prometheus":
        from srvdoctor.render import prometheus

        # Written into a textfile directory, every series carries the file's name as `run`,
        # so two srvdoctor runs writing there side by side never collide in node_exporter.
        run = output.name.removesuffix(".prom") if output is not None else None
        write_output(prometheus.render(report, time.time(), run=run), output)
        if output is not None and output.suffix != ".prom":
            typer.echo(_("srvdoctor: note: node_exporter's textfile collector reads only *.prom files, "
                         "not {name}").format(name=output.name), err=True)  # fmt: skip
    else:
        from srvdoctor.render import nagios

        write_output(nagios.render(report), output)
        _github(report, threshold, fmt, output, retry_sentence)
        raise typer.Exit(nagios.exit_code(report))
    _github(report, threshold, fmt, output, retry_sentence)
    raise typer.Exit(report.exit_code(threshold))


def _retry_options(retry_for: str | None, retry_interval: str) -> tuple[float | None, float]:
    from srvdoctor.units import parse_duration

    def parse(option: str, text: str) -> float:
        try:
            seconds = parse_duration(text)
        except ValueError as exc:
            raise UsageError(f"{option}: {reason_of(exc)}") from None
        if not 0 < seconds <= 86400:
            raise UsageError(
                _("{option} must be between 0 and 24h, not {text!r}").format(option=option, text=text)
            )
        return seconds

    pause = parse("--retry-interval", retry_interval)
    return (parse("--retry-for", retry_for) if retry_for is not None else None), pause


def _github(
    report: Report, threshold: Status, fmt: str, output: Path | None, retry_sentence: str | None
) -> None:
    """On GitHub Actions: annotation lines, and the Markdown summary in $GITHUB_STEP_SUMMARY.

    The annotations go to stdout, or to stderr when stdout carries a machine format.
    """
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from srvdoctor.render import github

    lines = github.annotation_lines(report, threshold, os.environ.get("GITHUB_WORKSPACE"))
    stream = sys.stderr if output is None and fmt != "table" else sys.stdout
    stream.write(lines)
    stream.flush()
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        try:
            with open(summary_path, "a", encoding="utf-8") as fh:
                fh.write(github.summary(report, threshold, retry_sentence))
        except OSError as exc:
            reason = localize(oserror(exc))
            print(_("srvdoctor: cannot append to $GITHUB_STEP_SUMMARY: {reason}").format(reason=reason),
                  file=sys.stderr)  # fmt: skip
