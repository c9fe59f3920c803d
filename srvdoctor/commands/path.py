"""`srvdoctor path PATH...`: does it exist; if not, what is missing, what blocks, near misses."""

from __future__ import annotations

import dataclasses
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
from srvdoctor.messages import _

KINDS = ("any", "file", "dir")


def path(
    paths: Annotated[list[str], typer.Argument(metavar="PATH...", help="Paths to check.")],
    kind: Annotated[
        str, typer.Option("--type", "-t", help="What each PATH must be: any, file or dir.", metavar="KIND")
    ] = "any",
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """Does each PATH exist? If not: the first missing component, broken links, permissions, near misses."""
    check_format(fmt, COMMAND_FORMATS)
    if kind not in KINDS:
        raise UsageError(
            _("--type must be one of {kinds}, not {kind!r}").format(kinds=", ".join(KINDS), kind=kind)
        )
    if any(not p or "\0" in p for p in paths):
        raise UsageError(_("a PATH is empty or contains a NUL byte"))
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)

    from srvdoctor.checks import registry
    from srvdoctor.checks.base import CheckContext
    from srvdoctor.checks.path import PathExists
    from srvdoctor.runner import run_report

    prefix = {"any": "", "file": "file:", "dir": "dir:"}[kind]
    targets = dataclasses.replace(config.targets, paths=tuple(prefix + p for p in paths))
    config = dataclasses.replace(config, targets=targets)
    (check,) = registry.build([PathExists], config)
    report = run_report([check], CheckContext(config=config, timeout=probe_timeout))
    finish(report, config, fmt, output)
