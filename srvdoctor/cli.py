"""The Typer app: the commands, and `main`, which turns every bad invocation into exit 2."""

from __future__ import annotations

import contextlib
import difflib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from srvdoctor import __version__
from srvdoctor.commands.common import UsageError
from srvdoctor.messages import N_

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
    "logs": ("srvdoctor.commands.logs", "logs"),
    "notes": ("srvdoctor.commands.notes", "notes_app"),
    "triage": ("srvdoctor.commands.triage", "triage"),
    "report": ("srvdoctor.commands.report", "report"),
    "merge": ("srvdoctor.commands.merge", "merge"),
    "schedule": ("srvdoctor.commands.schedule", "schedule_app"),
}


#: One line per command for `srvdoctor --help` (fits 80 columns; the full text is the
#: command's own --help). Listing them here keeps `--help` from importing every command.
SUMMARIES: dict[str, str] = {
    "check": N_("Every check that applies here, concurrently, one report"),
    "disk": N_("Where the space went: df, du tree, largest files, space eaters"),
    "path": N_("Does PATH exist? First missing part, links, permissions"),
    "port": N_("Can a target be reached? DNS, TCP, listener, TLS, HTTP"),
    "ping": N_("DNS, ICMP round trip and loss (TCP where ICMP is blocked)"),
    "firewall": N_("The active firewall and the rule that blocks each port"),
    "load": N_("CPU, load, memory, swap, pressure, OOM kills, top processes"),
    "gpu": N_("NVIDIA GPUs: memory, use, temperature, throttling, ECC"),
    "docker": N_("Docker log bloat and Docker disk usage"),
    "logs": N_("Problems in the kernel, service and container logs"),
    "notes": N_("The playbooks (wrong-answer notes): list, show, search, new"),
    "triage": N_("An error message or log -> the notes, then their checks"),
    "report": N_("An environment report to paste into a question"),
    "merge": N_("Many hosts' JSON reports -> one fleet report"),
    "schedule": N_("Run check on a schedule into node_exporter's textfiles"),
}


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """' Did you mean 'check'?' for a close match among `choices`, else ''."""
    from srvdoctor.messages import _

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return _(" Did you mean {name!r}?").format(name=close[0]) if close else ""


def tidy_arguments(command: Any) -> None:
    """Plain click-style argument help: `PATH...`, `[PATH]`; no `{}`, `[[…]]` or `<list[str]>`.

    Typer's help decorates arguments (its version-dependent display hooks); these
    per-instance overrides are no-ops where a Typer version lacks the hook.
    """
    for sub in getattr(command, "commands", {}).values():
        tidy_arguments(sub)
    for param in getattr(command, "params", ()):
        if type(param).__name__ != "TyperArgument":
            continue
        base = (param.metavar or param.name or "ARG").strip("[]{}").split(" ")[0].removesuffix("...")
        many = param.nargs != 1
        usage = f"{base}..." if many else base
        usage = usage if param.required else f"[{usage}]"
        for hook, value in (("_usage_display_name", usage), ("_rich_display_name", base + "..." * many)):
            if hasattr(param, hook):
                setattr(param, hook, lambda value=value: value)
        for hook in ("display_type", "display_type_rich"):
            if hasattr(param, hook):
                setattr(param, hook, lambda ctx: None)


class LazyCommands(TyperGroup):
    """The root group: looks commands up in COMMANDS and builds only the one asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list from SUMMARIES, never cut with '...' and without importing them."""
        from srvdoctor.messages import _

        rows = [
            (name, _(SUMMARIES[name]) if name in SUMMARIES else self._summary(ctx, name)) for name in COMMANDS
        ]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    def _summary(self, ctx: Any, name: str) -> str:
        command = self.get_command(ctx, name)
        return command.get_short_help_str(limit=200) if command is not None else ""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            from srvdoctor.messages import _

            ctx.fail(_("No such command {name!r}.").format(name=name) + did_you_mean(name, list(COMMANDS)))
        return super().resolve_command(ctx, args)

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
        tidy_arguments(command)
        add_lang_option(command, next((p for p in self.params if p.name == "lang"), None))
        translate_help(command)
        return command


def add_lang_option(command: Any, lang_option: Any) -> None:
    """`--lang` on every command and subcommand: a copy of the root's (main() has applied it)."""
    import copy

    for sub in getattr(command, "commands", {}).values():
        add_lang_option(sub, lang_option)
    if lang_option is None or any("--lang" in getattr(p, "opts", ()) for p in command.params):
        return
    option = copy.copy(lang_option)
    option.expose_value = False
    command.params.append(option)


def translate_help(command: Any) -> None:
    """A command's help (its docstring) in the display language, where the catalog has it."""
    import inspect

    from srvdoctor.messages import _, display_language

    if display_language() == "en":
        return
    from srvdoctor.clickwords import localize_command

    for sub in getattr(command, "commands", {}).values():
        translate_help(sub)
    localize_command(command)  # click's own `Usage:` and --help text
    if command.help:
        command.help = _(inspect.cleandoc(command.help))
    if getattr(command, "short_help", None):
        command.short_help = _(command.short_help)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = _(param.help)


#: `--lang`'s help, on every command (translated with the other help texts).
LANG_HELP = N_(
    "Language of the text (en, ko). Default: SRVDOCTOR_LANG, then the locale (LANGUAGE, "
    "LC_ALL, LC_MESSAGES, LANG). JSON, JUnit and Nagios text stay English unless --lang is given."
)


_CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 120}

app = typer.Typer(
    name="srvdoctor",
    cls=LazyCommands,
    help="Server-health doctor: checks the likely causes, names the one that holds, links the playbook.",
    no_args_is_help=True,
    add_completion=True,
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
    lang: Annotated[str | None, typer.Option("--lang", metavar="LANG", help=LANG_HELP)] = None,
) -> None:
    """srvdoctor: server-health doctor for ML boxes and web servers."""


def language_argument(args: Sequence[str]) -> str | None:
    """The value of `--lang X` / `--lang=X` anywhere before `--`; None when not given."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


_LANGUAGE_VARIABLES = ("SRVDOCTOR_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def activate_language(args: Sequence[str]) -> None:
    """Speak `--lang`, else SRVDOCTOR_LANG, else the locale's language (srvdoctor.i18n)."""
    from srvdoctor.i18n import UnknownLanguageError, available_languages, resolve_language
    from srvdoctor.messages import activate, installed_languages

    explicit = language_argument(args)
    env = os.environ
    if explicit is None and not any(env.get(k) for k in _LANGUAGE_VARIABLES):
        return
    try:  # the compiled catalogs first: listing them costs one directory read
        display = resolve_language(explicit, env, installed_languages())
    except UnknownLanguageError:  # a language with notes but no compiled catalog (a source checkout)
        display = resolve_language(explicit, env, installed_languages() | available_languages())
    activate(display, display if explicit is not None else "en")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the app; usage errors are one line on stderr and exit 2."""
    from srvdoctor.i18n import UnknownLanguageError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        activate_language(args)
    except UnknownLanguageError as exc:
        sys.exit(_usage(str(exc), args))
    try:
        code = _run(args)
        if sys.stdout is not None:  # None: started with stdout closed (`>&-`)
            sys.stdout.flush()
    except KeyboardInterrupt:
        from srvdoctor.messages import _

        print("srvdoctor: " + _("interrupted"), file=sys.stderr)
        code = 130
    except BrokenPipeError:
        # `srvdoctor check | head`: the reader left; say nothing more, as coreutils do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 141
    sys.exit(code)


def _run(args: list[str]) -> int:
    """The app's exit code; bad invocations are printed here as one line and give 2."""
    from srvdoctor.commands.clitypes import install

    install()  # plain option values converted without importing pydantic (typer 0.2x)
    command = typer.main.get_command(app)
    translate_help(command)
    from srvdoctor.messages import _, display_language

    if display_language() != "en":
        from srvdoctor.clickwords import install

        install()  # click's own words through srvdoctor's catalog
    try:
        rc = command.main(args=args, prog_name="srvdoctor", standalone_mode=False)
    except UsageError as exc:
        return _usage(exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], str) else str(exc), args)
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
        if display_language() != "en":
            from srvdoctor.clickwords import translate

            message = translate(message)  # the vendored click's English words
        where = f"{ctx.command_path}: " if ctx is not None else ""
        helpcmd = ctx.command_path if ctx is not None else "srvdoctor"
        return _usage(
            _("{where}{message} (see {command} --help)").format(
                where=where, message=message, command=helpcmd
            ),
            args,
        )
    return rc if isinstance(rc, int) else 0


def _usage(message: str, args: Sequence[str] = ()) -> int:
    """One line on stderr, exit 2; under `--format nagios` also the plugin's UNKNOWN line, exit 3.
    The message is redacted and its control characters spelled out: it may quote a name. A
    `Msg` (a config error) is printed in the display language on stderr, and in the machine
    language (English unless --lang) on the Nagios line."""
    from srvdoctor.messages import localize, machine_language
    from srvdoctor.redact import redact_text
    from srvdoctor.render.safe import visible

    print(f"srvdoctor: error: {visible(redact_text(localize(message)))}", file=sys.stderr)
    if _wants_nagios(args):
        machine = visible(redact_text(localize(message, machine_language())))
        with contextlib.suppress(OSError, ValueError):
            print(f"SRVDOCTOR UNKNOWN - bad invocation: {machine.replace('|', '/')}", flush=True)
        return 3
    return 2


def _wants_nagios(args: Sequence[str]) -> bool:
    """`--format nagios`, `-f nagios`, `--format=nagios` or `-fnagios` among the arguments."""
    for i, arg in enumerate(args):
        if arg in ("--format", "-f") and i + 1 < len(args) and args[i + 1] == "nagios":
            return True
        if arg in ("--format=nagios", "-fnagios"):
            return True
    return False
