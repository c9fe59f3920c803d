"""The Typer app: the commands, and `main`, which turns every bad invocation into exit 2."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from srvdoctor import __version__
from srvdoctor.commands.common import UsageError

#: Every command: name -> (module, attribute). A function becomes a command, a Typer app a
#: group. Modules are imported only when their command runs (or `--help` lists them), so
#: `srvdoctor --version` and each command pay only for what they use. In `--help` order.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("srvdoctor.commands.check", "check"),
    "disk": ("srvdoctor.commands.disk", "disk"),
    "path": ("srvdoctor.commands.path", "path"),
    "port": ("srvdoctor.commands.port", "port"),
    "ping": ("srvdoctor.commands.ping", "ping"),
    "firewall": ("srvdoctor.commands.firewall", "firewall"),
    "load": ("srvdoctor.commands.load", "load_command"),
    "gpu": ("srvdoctor.commands.gpu", "gpu"),
    "docker": ("srvdoctor.commands.docker", "docker"),
    "notes": ("srvdoctor.commands.notes", "notes_app"),
    "triage": ("srvdoctor.commands.triage", "triage"),
    "report": ("srvdoctor.commands.report", "report"),
    "merge": ("srvdoctor.commands.merge", "merge"),
    "schedule": ("srvdoctor.commands.schedule", "schedule_app"),
}


class LazyCommands(TyperGroup):
    """The root group: looks commands up in COMMANDS and builds only the one asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name]
        target = getattr(importlib.import_module(module_name), attribute)
        if isinstance(target, typer.Typer):
            command = typer.main.get_command(target)
        else:
            single = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings=_CONTEXT)
            single.command(cmd_name)(target)
            command = typer.main.get_command(single)
        command.name = cmd_name
        return command


_CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="srvdoctor",
    cls=LazyCommands,
    help="Server-health doctor: checks the likely causes, names the one that holds, links the playbook.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=_CONTEXT,
)


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
