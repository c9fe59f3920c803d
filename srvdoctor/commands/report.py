"""`srvdoctor report`: a Markdown environment report to paste into a question; secrets redacted."""

from __future__ import annotations

from typing import Annotated

import typer

from srvdoctor.commands.common import (
    ConfigOpt,
    OutputOpt,
    TimeoutOpt,
    UsageError,
    check_format,
    check_timeout,
    load,
    write_output,
)
from srvdoctor.messages import _, display_language, machine_language

#: Markdown is what the report is; `table` (what --help offered in 0.1.0) still means it.
REPORT_FORMATS = ("markdown", "json", "table")


def report(
    anonymize: Annotated[
        bool, typer.Option("--anonymize", help="Replace the hostname by a hash and your home by ~.")
    ] = False,
    env: Annotated[
        bool, typer.Option("--env", help="List the environment variables (secrets shown as ***).")
    ] = False,
    package: Annotated[
        list[str] | None,
        typer.Option(
            "--package", "-p", help="Also show this package's version (repeatable).", metavar="NAME"
        ),
    ] = None,
    python: Annotated[
        str | None,
        typer.Option(
            "--python",
            help="Describe this interpreter (default: the active virtualenv/conda env, else srvdoctor's).",
            metavar="PATH",
        ),
    ] = None,
    no_check: Annotated[bool, typer.Option("--no-check", help="Leave out the quick check.")] = False,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="markdown or json (table = markdown).", metavar="FORMAT"),
    ] = "markdown",
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """An environment report to paste into a question or an issue (Markdown; --format json)."""
    import re
    import socket

    check_format(fmt, REPORT_FORMATS)
    config = load(config_path)
    probe_timeout = check_timeout(timeout, config)
    names = [p.strip() for p in package or () if p.strip()]
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?", name):
            raise UsageError(_("--package {name!r}: not a package name").format(name=name))

    from srvdoctor.envreport import collect, finish

    check_report = None
    if not no_check:
        from srvdoctor.checks import registry
        from srvdoctor.checks.base import CheckContext
        from srvdoctor.runner import run_report

        ctx = CheckContext(config=config, timeout=probe_timeout)
        check_report = run_report(registry.build(registry.select(), config), ctx)

    data = collect(
        timeout=probe_timeout,
        packages=names,
        python=python,
        check_report=check_report,
        with_env=env,
        lang=machine_language() if fmt == "json" else display_language(),  # JSON: English unless --lang
    )
    if fmt == "json":
        from srvdoctor.render.json import dumps

        text = dumps(data)
    else:
        from srvdoctor.render.envreport import render

        text = render(data)
    write_output(finish(text, hostname=socket.gethostname(), anonymize_host_name=anonymize), output)
    # The report was written: that is this command's job, whatever the machine's health
    # (its check section says what failed). Bad input exited 2 above.
    raise typer.Exit(0)
