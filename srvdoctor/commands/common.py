"""Options and plumbing every command shares: formats, output, timeout, config, console."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from srvdoctor.config import Config
    from srvdoctor.model import Report


class UsageError(Exception):
    """A bad invocation: printed as one line on stderr, exit code 2."""


FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.", metavar="FORMAT")]


def output_path(value: str) -> Path:
    """--output FILE: a file name; a directory (existing, or written with a trailing /) is an error."""
    if value.endswith(("/", "/.", "/..")) or value in (".", "..") or Path(value).is_dir():
        example = Path(value) / "srvdoctor.prom"
        raise UsageError(
            f"--output {value}: is a directory; give a file name inside it, e.g. --output {example}"
        )
    return Path(value)


OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the output to FILE (atomically) instead of stdout.",
                 metavar="FILE", parser=output_path),
]  # fmt: skip
TimeoutOpt = Annotated[
    float | None,
    typer.Option("--timeout", help="Seconds each probe may take (default 3, or the config's).",
                 metavar="SECONDS"),
]  # fmt: skip
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default ./srvdoctor.toml, then /etc/srvdoctor/).",
                 metavar="PATH"),
]  # fmt: skip
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of checks that crash.")]


def check_format(fmt: str, allowed: Sequence[str]) -> str:
    if fmt not in allowed:
        raise UsageError(f"--format must be one of {', '.join(allowed)}, not {fmt!r}")
    return fmt


def check_timeout(timeout: float | None, config: Config) -> float:
    if timeout is None:
        return config.timeout
    if not timeout > 0 or timeout > 3600:
        raise UsageError(f"--timeout must be more than 0 and at most 3600 seconds, not {timeout:g}")
    return timeout


def check_ports(ports: Iterable[int] | None) -> None:
    """`--port N` values: TCP ports 1-65535."""
    for port in ports or ():
        if not 1 <= port <= 65535:
            raise UsageError(f"--port {port} is out of range (1-65535)")


def split_csv(values: Iterable[str] | None) -> list[str]:
    """`--only disk,gpu --only load` -> ['disk', 'gpu', 'load']."""
    return [v.strip() for value in values or () for v in value.split(",") if v.strip()]


def load(config_path: Path | None) -> Config:
    from srvdoctor.config import ConfigError, load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def write_output(text: str, output: Path | None) -> None:
    """stdout, or FILE replaced atomically (temp file + rename, as textfile collectors need)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    directory = output.parent if str(output.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=directory)
    except OSError as exc:
        raise UsageError(f"--output {output}: cannot write there: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"--output {output}: cannot write: {exc.strerror}") from None


def console(output: Path | None = None, stderr: bool = False) -> Console:
    """A rich console: colour when the terminal has it (NO_COLOR honoured), none in files/pipes."""
    from rich.console import Console

    if output is not None:
        return Console(file=io.StringIO(), force_terminal=False, no_color=True, width=120, highlight=False)
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def flush_console(con: Console, output: Path | None) -> None:
    if output is not None:
        buffer = con.file
        assert isinstance(buffer, io.StringIO)
        write_output(buffer.getvalue(), output)


def print_table_report(
    report: Report,
    config: Config,
    output: Path | None,
    footer: str | None = None,
    header: RenderableType | None = None,
) -> None:
    """The human report; `header` (a dashboard) above it, `footer` (a sentence) below."""
    from srvdoctor.playbooks import load_library
    from srvdoctor.render.table import print_report

    con = console(output)
    if header is not None:
        con.print(header)
        con.print()
    # the notes (YAML) are read only when a result links one
    linked = any(r.playbook for r in report.results)
    print_report(con, report, load_library(config.resolved_notes_dir()).paths() if linked else {})
    if footer:
        from rich.markup import escape

        con.print(escape(footer), style="bold")
    flush_console(con, output)


def print_json(obj: Any, output: Path | None) -> None:
    from srvdoctor.render.json import dumps

    write_output(dumps(obj), output)


def finish(
    report: Report, config: Config, fmt: str, output: Path | None, header: RenderableType | None = None
) -> NoReturn:
    """Print a command's report as table (under `header`) or json, then exit by the config's `fail_on`."""
    from srvdoctor.model import FAIL_ON

    if fmt == "json":
        print_json(report.to_dict(), output)
    else:
        print_table_report(report, config, output, header=header)
    raise typer.Exit(report.exit_code(FAIL_ON[config.fail_on]))
