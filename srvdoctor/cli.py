"""The Typer app: the commands, and `main`, which turns every bad invocation into exit 2."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from srvdoctor import __version__
from srvdoctor.commands.check import check
from srvdoctor.commands.common import UsageError
from srvdoctor.commands.disk import disk
from srvdoctor.commands.docker import docker
from srvdoctor.commands.firewall import firewall
from srvdoctor.commands.gpu import gpu
from srvdoctor.commands.load import load_command
from srvdoctor.commands.merge import merge
from srvdoctor.commands.notes import notes_app
from srvdoctor.commands.path import path
from srvdoctor.commands.ping import ping
from srvdoctor.commands.port import port
from srvdoctor.commands.report import report
from srvdoctor.commands.schedule import schedule_app
from srvdoctor.commands.triage import triage

app = typer.Typer(
    name="srvdoctor",
    help="Server-health doctor: checks the likely causes, names the one that holds, links the playbook.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# In the order `srvdoctor --help` lists them: the machine, then the notes, then the fleet.
app.command("check")(check)
app.command("disk")(disk)
app.command("path")(path)
app.command("port")(port)
app.command("ping")(ping)
app.command("firewall")(firewall)
app.command("load")(load_command)
app.command("gpu")(gpu)
app.command("docker")(docker)
app.add_typer(notes_app, name="notes")
app.command("triage")(triage)
app.command("report")(report)
app.command("merge")(merge)
app.add_typer(schedule_app, name="schedule")


def _version(value: bool) -> None:
    if value:
        print(f"srvdoctor {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """srvdoctor: server-health doctor for ML boxes and web servers."""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the app; usage errors are one line on stderr and exit 2."""
    try:
        code = _run(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()
    except KeyboardInterrupt:
        print("srvdoctor: interrupted", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        # `srvdoctor check | head`: the reader left; say nothing more, as coreutils do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 141
    sys.exit(code)


def _run(args: list[str]) -> int:
    """The app's exit code; bad invocations are printed here as one line and give 2."""
    command = typer.main.get_command(app)
    try:
        rc = command.main(args=args, prog_name="srvdoctor", standalone_mode=False)
    except UsageError as exc:
        return _usage(str(exc))
    except Exception as exc:
        # click's Abort/UsageError/BadParameter (typer may vendor click, so match by name and shape)
        name = type(exc).__name__
        if name == "Abort":
            raise KeyboardInterrupt from None
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        ctx = getattr(exc, "ctx", None)
        if name == "NoArgsIsHelpError" and ctx is not None:
            # `srvdoctor` or `srvdoctor schedule` alone: the help, as older click printed it
            print(ctx.get_help())
            return 0
        message = " ".join(exc.format_message().strip().splitlines())
        where = f"{ctx.command_path}: " if ctx is not None else ""
        helpcmd = ctx.command_path if ctx is not None else "srvdoctor"
        return _usage(f"{where}{message} (see {helpcmd} --help)")
    return rc if isinstance(rc, int) else 0


def _usage(message: str) -> int:
    print(f"srvdoctor: error: {message}", file=sys.stderr)
    return 2
