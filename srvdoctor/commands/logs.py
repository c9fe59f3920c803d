"""`srvdoctor logs`: read the logs for the user — kernel, services, containers, files."""

from __future__ import annotations

import sys
import time
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
    finish,
    load,
    read_input_file,
)
from srvdoctor.constants import COMMAND_FORMATS
from srvdoctor.lazyre import lazy
from srvdoctor.messages import _, t

if TYPE_CHECKING:
    from srvdoctor.checks.base import CheckContext
    from srvdoctor.model import Result
    from srvdoctor.playbooks import Library

_SINCE = lazy(r"^(\d{1,9}(?:\.\d{1,6})?)\s*(s|sec|m|min|h|d|w)?$")
_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400, None: 1}


def parse_since(value: str | None) -> float:
    """'2h', '30m', '90s', '1d', 'boot' -> seconds back (0 = since boot)."""
    if value is None or value.strip().lower() == "boot":
        return 0.0
    m = _SINCE.match(value.strip().lower())
    if m is None or float(m.group(1)) <= 0:
        raise UsageError(
            _("--since must be like 2h, 30m, 90s, 1d or 'boot', not {value!r}").format(value=value)
        )
    return float(m.group(1)) * _SECONDS[m.group(2)]


def _library(ctx: CheckContext) -> Library:
    from srvdoctor.checks.logs import library_for

    return library_for(ctx)


def _file_result(path: str, max_bytes: int, lines: int, ctx: CheckContext) -> Result:
    from srvdoctor.checks.logs import finding_details
    from srvdoctor.checks.logs_text import read_log
    from srvdoctor.model import Result, Status
    from srvdoctor.readinput import read_fd

    wait_s = max(ctx.timeout, 5.0)  # a FIFO or pipe: bounded in time, not only in size
    if path == "-":
        got = read_fd(sys.stdin.fileno(), max_bytes, wait_s, tail=True)
        name = "stdin"
        if not got.data and not got.finished:
            raise UsageError(
                _("{where}: nothing to read within {wait_s:g} s (a FIFO nobody writes to?)").format(
                    where="--file stdin", wait_s=wait_s
                )
            )
    else:
        got = read_input_file(path, "--file", max_bytes, wait_s)
        name = path
    data, cut = got.data, got.truncated or not got.finished
    if got.truncated:
        data = data[data.find(b"\n") + 1 :]  # from a line start
    text_lines = data.decode("utf-8", "replace").splitlines()
    if len(text_lines) > lines:
        text_lines, cut = text_lines[-lines:], True
    finding = read_log("\n".join(text_lines), _library(ctx))
    # "lines" even for one, as before: the English text stays as it was
    count = len(text_lines)
    where = t("the last {n} lines (cut)", n=count) if cut else t("the last {n} lines", n=count)
    if not finding.found:
        said = t("no error lines in {where} of {name}", where=where, name=name)
        return Result("logs.file", name, Status.OK, said,
                      data={**finding.to_dict(), "cut": cut}, area="logs")  # fmt: skip
    details = finding_details(finding) + ((t("cut: only {where} were read", where=where),) if cut else ())
    return Result("logs.file", name, Status.WARN, f"{name}: {finding.first_error[:160]}", details=details,
                  data={**finding.to_dict(), "cut": cut},
                  playbook=finding.playbooks[0] if finding.playbooks else None, area="logs")  # fmt: skip


def _unit_result(name: str, lines: int, since_s: float, ctx: CheckContext) -> Result:
    import dataclasses

    from srvdoctor.checks.logs import ServiceUnits, since_time
    from srvdoctor.checks.logs_text import read_log
    from srvdoctor.model import Result, Status
    from srvdoctor.probes import journal

    reason = journal.systemd_reason()
    if reason is not None:
        return Result(
            "logs.unit",
            name,
            Status.SKIP,
            t("cannot read the unit's log: {reason}", reason=reason),
            area="logs",
        )
    try:
        units = journal.units(ctx.timeout, [name])
    except Exception as exc:
        return Result(
            "logs.unit",
            name,
            Status.ERROR,
            t("cannot ask systemd about {name}: {exc}", name=name, exc=str(exc)),
            area="logs",
        )
    if not units or units[0].load == "not-found":
        raise UsageError(_("--unit {name}: no such unit").format(name=name))
    try:
        text = journal.unit_log(name, ctx.timeout, lines, since_time(since_s) if since_s else None)
    except Exception as exc:
        return Result(
            "logs.unit",
            name,
            Status.ERROR,
            t("cannot read the log of {name}: {exc}", name=name, exc=str(exc)),
            area="logs",
        )
    unit = units[0]
    finding = read_log(text, _library(ctx))
    result = ServiceUnits(restart_warn=1).judge(unit, finding)
    if unit.active != "failed" and unit.restarts == 0:
        status = Status.WARN if finding.found else Status.OK
        said = (
            finding.first_error[:160]
            if finding.found
            else t("no error lines in its last {n} lines", n=finding.lines_read)
        )
        result = dataclasses.replace(
            result,
            status=status,
            summary=t("{name} is {state}: {said}", name=name, state=unit.active, said=said),
        )
    return dataclasses.replace(result, check="logs.unit", area="logs")


def _container_result(name: str, lines: int, max_bytes: int, ctx: CheckContext) -> Result:
    import dataclasses

    from srvdoctor.checks.logs import judge_container
    from srvdoctor.checks.logs_text import read_log
    from srvdoctor.model import Result, Status
    from srvdoctor.probes import container_logs
    from srvdoctor.probes.docker import DockerUnavailable, connect

    try:
        session = connect(ctx.timeout)
    except DockerUnavailable as exc:
        return Result(
            "logs.container",
            name,
            Status.SKIP,
            t("no Docker daemon to ask: {reason}", reason=exc.reason),
            area="logs",
        )
    try:
        run = container_logs.inspect(session, name)
    except container_logs.ContainerNotFound:
        raise UsageError(_("--container {name}: no such container").format(name=name)) from None
    text, cut = container_logs.tail(session, run.id, lines, max_bytes)
    finding = read_log(text, _library(ctx))
    return dataclasses.replace(judge_container("logs.container", run, finding, cut), area="logs")


def logs(
    since: Annotated[
        str | None,
        typer.Option("--since", help="How far back: 2h, 30m, 1d, or 'boot' (default).", metavar="WHEN"),
    ] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option("--unit", "-u", help="A systemd unit's log (repeatable).", metavar="NAME"),
    ] = None,
    container: Annotated[
        list[str] | None,
        typer.Option(
            "--container", help="A container's log, through the Docker API (repeatable).", metavar="NAME"
        ),
    ] = None,
    file: Annotated[
        list[str] | None,
        typer.Option("--file", help="An application log file, '-' for stdin (repeatable).", metavar="PATH"),
    ] = None,
    lines: Annotated[
        int, typer.Option("--lines", "-n", help="Last lines read of a unit, container or file.", metavar="N")
    ] = 500,
    max_mib: Annotated[
        float, typer.Option("--max-mib", help="Read at most the last N MiB of each source.", metavar="N")
    ] = 4.0,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """Problems in the kernel log, failed services and crashed containers, or one log's first error."""
    check_format(fmt, COMMAND_FORMATS)
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)
    since_s = parse_since(since)
    if not 1 <= lines <= 1_000_000:
        raise UsageError(_("--lines must be between 1 and 1000000, not {lines}").format(lines=lines))
    if not 0 < max_mib <= 1024:
        raise UsageError(_("--max-mib must be between 0 and 1024, not {max_mib:g}").format(max_mib=max_mib))
    if (file or []).count("-") > 1:
        raise UsageError(_("--file - (stdin) can be given once"))
    max_bytes = int(max_mib * 1024 * 1024)

    import dataclasses
    import datetime as dt

    from srvdoctor.checks import registry
    from srvdoctor.checks.base import CheckContext
    from srvdoctor.runner import make_report, run_report

    ctx = CheckContext(config=config, timeout=probe_timeout)
    if unit or container or file:
        started_at = dt.datetime.now(dt.timezone.utc).astimezone()
        t0 = time.perf_counter()
        results = [_file_result(p, max_bytes, lines, ctx) for p in file or []]
        results += [_unit_result(u, lines, since_s, ctx) for u in unit or []]
        results += [_container_result(c, lines, max_bytes, ctx) for c in container or []]
        report = make_report(results, started_at, time.perf_counter() - t0)
    else:
        checks = registry.build(registry.select(["logs"]), config)
        overrides = {"since_hours": since_s / 3600, "max_mib": max_mib, "include_oom": True}
        checks = [
            dataclasses.replace(c, **{k: v for k, v in overrides.items() if hasattr(c, k)}) for c in checks
        ]
        report = run_report(checks, ctx)
    finish(report, config, fmt, output)
