"""Click's own words (`Usage:`, `Options`, `No such option: …`) in srvdoctor's language.

Click prints its words through `gettext.gettext` in each of its modules; Typer 0.2x vendors
click as `typer._click` with the English written into f-strings. Both are handled where a
language other than English is active:

* `install()` points the `_`/`ngettext` of every loaded click and typer module at
  srvdoctor's catalog, so click's own gettext calls speak the run's language;
* `localize_command()` gives a command a translated `Usage:` prefix and `--help` text
  (the vendored click writes both as literals);
* `translate()` reads an English click message back against the templates below and
  writes it in the display language (the vendored click's error texts).

The msgids are click's own, taken from the click 8.x source (`gettext` calls in
click/core.py, exceptions.py, formatting.py, parser.py, types.py, decorators.py) and
typer/core.py; the second group is how the vendored click writes its errors.
"""

from __future__ import annotations

import functools
import re
import sys
from typing import Any

from srvdoctor.lazyre import lazy
from srvdoctor.messages import N_, _, display_language, ngettext

#: click's and typer's gettext msgids that a srvdoctor run can print.
CLICK_MESSAGES = (
    N_("Usage:"),
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("Positional arguments"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Aborted!"),
    N_("deprecated"),
    N_("required"),
    N_("(dynamic)"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("No such option {name!r}."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Option {name!r} does not take a value."),
    N_("Argument {name!r} takes {nargs} values."),
    N_("Value must be an iterable."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is a file."),
    N_("file"),
    N_("directory"),
    N_("path"),
    # typer's completion options (typer/completion.py), translated with the other help texts
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
    N_("Install completion for the specified shell."),
    N_("Show completion for the specified shell, to copy it or customize the installation."),
)

#: click's plural messages (singular, plural).
CLICK_PLURALS = (
    (N_("Got unexpected extra argument ({args})"), N_("Got unexpected extra arguments ({args})")),
    (N_("Option {name!r} requires an argument."), N_("Option {name!r} requires {nargs} arguments.")),
    (N_("Did you mean {possibility}?"), N_("(Did you mean one of: {possibilities}?)")),
    (N_("{value!r} is not {choice}."), N_("{value!r} is not one of {choices}.")),
)

#: How the vendored click (typer._click) writes its errors, in the order they are tried.
VENDORED_MESSAGES = (
    N_("No such option: {name} (Possible options: {possibilities})"),
    N_("No such option: {name}"),
    N_("Missing argument {param}. {message}"),
    N_("Missing argument {param}."),
    N_("Missing option {param}. {message}"),
    N_("Missing option {param}."),
    N_("Missing parameter {param}."),
    N_("Got unexpected extra argument(s) ({args})"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("Option {name!r} requires an argument."),
    N_("Option {name!r} requires {nargs} arguments."),
    N_("Option {name!r} does not take a value."),
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("{value!r} is not one of {choices}."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
)

_FIELD = lazy(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}")


def install() -> None:
    """Point every loaded click/typer module's `_` and `ngettext` at srvdoctor's catalog."""
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in ("click", "typer"):
            continue
        namespace = vars(module)
        if callable(namespace.get("_")) and getattr(namespace["_"], "__module__", "") == "gettext":
            namespace["_"] = _
        if (
            callable(namespace.get("ngettext"))
            and getattr(namespace["ngettext"], "__module__", "") == "gettext"
        ):
            namespace["ngettext"] = ngettext


def localize_command(command: Any) -> None:
    """`Usage:` and the `--help` option's text of `command` in the display language."""

    def format_usage(ctx: Any, formatter: Any) -> None:
        pieces = command.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), _("Usage:") + " ")

    original = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None and getattr(option, "help", None):
            option.help = _(option.help)
        return option

    command.format_usage = format_usage
    command.get_help_option = get_help_option


@functools.lru_cache(maxsize=64)
def _pattern(template: str) -> re.Pattern[str]:
    """`template` as a regex: its literal text escaped, each field a named group."""
    out, pos, seen = [], 0, set()
    for m in _FIELD.finditer(template):
        out.append(re.escape(template[pos : m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def _fill(template: str, values: dict[str, str]) -> str:
    """`template` with each field replaced by the text matched for it (already formatted)."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def translate(text: str, depth: int = 0) -> str:
    """An English click message in the display language; unchanged when none matches."""
    if display_language() == "en" or depth > 2:
        return text
    for template in VENDORED_MESSAGES:
        match = _pattern(template).match(text)
        if match is None:
            continue
        translated = _(template)
        if translated == template:
            return text
        values = {k: translate(v, depth + 1) for k, v in match.groupdict().items()}
        return _fill(translated, values)
    return text
