"""`srvdoctor merge`: many hosts' JSON reports, one view — which hosts share which problem."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from srvdoctor.commands.common import (
    OutputOpt,
    UsageError,
    check_format,
    console,
    flush_console,
    print_json,
    write_output,
)
from srvdoctor.constants import FAIL_ON_NAMES
from srvdoctor.messages import localize, oserror, t
from srvdoctor.render.safe import visible

MERGE_FORMATS = ("table", "json", "junit")


def _inputs(args: list[str]) -> list[tuple[str, Path | None]]:
    """(source name, file) per input; None for stdin. Directories give their *.json/*.jsonl files."""
    out: list[tuple[str, Path | None]] = []
    stdin_seen = False
    for arg in args:
        if arg == "-":
            if stdin_seen:
                raise UsageError(t("- (stdin) given twice"))
            stdin_seen = True
            out.append(("<stdin>", None))
            continue
        path = Path(arg)
        if path.is_dir():
            try:
                files = [p for p in path.iterdir() if p.suffix in (".json", ".jsonl") and p.is_file()]
            except OSError as exc:
                raise UsageError(
                    t("{path}: cannot list the directory: {why}", path=arg, why=oserror(exc))
                ) from None
            if not files:
                raise UsageError(t("{path}: no *.json or *.jsonl reports in this directory", path=arg))
            from srvdoctor.fleet import natural_key

            out += [(str(p), p) for p in sorted(files, key=lambda p: natural_key(p.name))]
        elif path.exists():
            out.append((arg, path))
        else:
            raise UsageError(t("{path}: no such file or directory", path=arg))
    return out


#: The largest report file read (a fleet's JSON lines of 1,000 hosts are ~50 MiB).
MAX_REPORT_BYTES = 256 * 2**20


def _read(path: Path) -> str:
    """A report file's text; a FIFO or device is read for at most 5 s (never a hang), and
    no file beyond MAX_REPORT_BYTES. ValueError says why not."""
    import os

    from srvdoctor.readinput import open_input, read_fd

    fd, _ = open_input(path)
    try:
        got = read_fd(fd, MAX_REPORT_BYTES, 5.0)
    finally:
        os.close(fd)
    if got.truncated:
        raise ValueError(t("larger than {mib} MiB", mib=MAX_REPORT_BYTES // 2**20))
    if not got.finished:
        raise ValueError(t("not read to its end within 5 s (a FIFO nobody writes to?)"))
    return got.data.decode("utf-8-sig")


def merge(
    reports: Annotated[
        list[str],
        typer.Argument(
            help="Reports of `srvdoctor check --format json`: files, directories of *.json, "
            "or - for stdin (JSON lines or documents one after another).",
            metavar="REPORT.json... | DIR | -",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="One of table, json, junit.", metavar="FORMAT"),  # MERGE_FORMATS
    ] = "table",
    output: OutputOpt = None,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on", help="Lowest status on any host that exits 1: warn, fail or error.", metavar="STATUS"
        ),
    ] = "fail",
) -> None:
    """Merge many hosts' JSON reports: per problem the hosts that have it, worst first; per host its verdict.

    A report that is not readable is named on stderr and skipped. Exit 1 when any host has a
    result at or above --fail-on, as `srvdoctor check` would on that host.
    """
    check_format(fmt, MERGE_FORMATS)
    if fail_on not in FAIL_ON_NAMES:
        raise UsageError(
            t("--fail-on must be one of {names}, not {name!r}", names=", ".join(FAIL_ON_NAMES), name=fail_on)
        )
    from srvdoctor.fleet import HostReport, Skipped, read_reports
    from srvdoctor.fleet import merge as merge_reports
    from srvdoctor.model import FAIL_ON

    threshold = FAIL_ON[fail_on]
    found: list[HostReport] = []
    skipped: list[Skipped] = []
    for source, path in _inputs(reports):
        try:
            text = sys.stdin.read() if path is None else _read(path)
        except UnicodeDecodeError:
            skipped.append(Skipped(source, t("not UTF-8 text")))
            continue
        except OSError as exc:
            skipped.append(Skipped(source, t("cannot read: {why}", why=oserror(exc))))
            continue
        except ValueError as exc:
            skipped.append(Skipped(source, exc.args[0] if len(exc.args) == 1 else str(exc)))
            continue
        if not text.strip():
            skipped.append(Skipped(source, t("empty")))
            continue
        got, bad = read_reports(text, source)
        found += got
        skipped += bad
    if not found:  # one line: the first input's reason (a bad input is exit 2, one line)
        message = t("no srvdoctor report could be read")
        if skipped:
            first = skipped[0]
            message = t("{message}: {source}: {why}", message=message, source=first.source, why=first.reason)
        if len(skipped) > 1:
            message = t("{message} (and {n} more input(s) skipped)", message=message, n=len(skipped) - 1)
        raise UsageError(message)
    for s in skipped:
        line = t(
            "srvdoctor: merge: skipped {source}: {why}",
            source=visible(s.source),
            why=visible(localize(s.reason)),
        )
        print(localize(line), file=sys.stderr)
    fleet = merge_reports(found, skipped)

    if fmt == "table":
        from srvdoctor.render.merge import print_fleet

        con = console(output)
        print_fleet(con, fleet)
        flush_console(con, output)
    elif fmt == "json":
        print_json(fleet.to_dict(threshold), output)
    else:
        from srvdoctor.render.merge import render_junit

        write_output(render_junit(fleet, threshold), output)
    raise typer.Exit(fleet.exit_code(threshold))
