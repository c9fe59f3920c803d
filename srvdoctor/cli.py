"""The Typer app: the commands, and `main`, which turns every bad invocation into exit 2."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from srvdoctor import __version__
from srvdoctor.commands.check import check
from srvdoctor.commands.common import UsageError
from srvdoctor.commands.firewall import firewall
from srvdoctor.commands.notes import notes
from srvdoctor.commands.ping import ping
from srvdoctor.commands.port import port

app = typer.Typer(
    name="srvdoctor",
    help="Server-health doctor: checks the likely causes, names the one that holds, links the playbook.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.command("check")(check)
app.command("notes")(notes)
app.command("port")(port)
app.command("ping")(ping)
app.command("firewall")(firewall)


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
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        rc = command.main(args=args, prog_name="srvdoctor", standalone_mode=False)
    except UsageError as exc:
        _die(str(exc))
    except KeyboardInterrupt:
        print("srvdoctor: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        # click's UsageError/BadParameter (typer may vendor click, so match by shape)
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            if type(exc).__name__ == "Abort":
                sys.exit(130)
            message = exc.format_message().strip().splitlines()
            ctx = getattr(exc, "ctx", None)
            where = f"{ctx.command_path}: " if ctx is not None else ""
            helpcmd = ctx.command_path if ctx is not None else "srvdoctor"
            _die(f"{where}{' '.join(message)} (see {helpcmd} --help)")
        if type(exc).__name__ == "Abort":
            print("srvdoctor: interrupted", file=sys.stderr)
            sys.exit(130)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)


def _die(message: str) -> None:
    print(f"srvdoctor: error: {message}", file=sys.stderr)
    sys.exit(2)
