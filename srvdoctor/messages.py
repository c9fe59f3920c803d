"""Translatable text: gettext catalogs, and messages that keep their English.

Two kinds of text, two functions:

* `_("…")` and `ngettext(singular, plural, n)` translate *now*, into the language the run
  speaks (`activate`): help texts, table headers, errors — text printed once, for a person.
* `t("… {name} …", name=value)` and `tn(singular, plural, n, name=value)` make a `Msg`: a
  `str` holding the English text (so every existing use of a result's summary, JSON and
  tests alike, keeps working) that also remembers its template and arguments, so a renderer
  can print it in another language later (`localize`). Checks build their summaries,
  details and hints with these: the JSON report keeps the English `summary` and adds the
  localised one next to it.

Templates use `str.format` fields (`{path}`, `{pct:.0f}`), never f-strings (an f-string is
formatted before it could be looked up). An argument that is itself a `Msg` is localised
with its parent. `join(sep, parts)` joins messages and stays localisable.

Catalogs are `po/<lang>.po` in the source tree, compiled at build time into
`srvdoctor/locale/<lang>/LC_MESSAGES/srvdoctor.mo` (hatch_build.py); `scripts/i18n.py`
extracts, checks and merges them. English needs no catalog, and nothing here imports
`gettext` until another language is active, so English start-up pays nothing.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gettext as gettext_module

__all__ = [
    "N_",
    "Msg",
    "_",
    "activate",
    "display_language",
    "join",
    "localize",
    "machine_language",
    "ngettext",
    "oserror",
    "t",
    "tn",
]

DOMAIN = "srvdoctor"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
STRERROR_FILE = Path(__file__).resolve().parent / "data" / "strerror.json"

_state = {"display": "en", "machine": "en"}


def activate(display: str, machine: str = "en") -> None:
    """Speak `display` to people (tables, help, errors) and `machine` in JSON/JUnit/Nagios text.

    `machine` is English unless the user asked with `--lang`: a CI job parsing text must
    not change with the server's locale.
    """
    _state["display"] = display
    _state["machine"] = machine


def display_language() -> str:
    return _state["display"]


def machine_language() -> str:
    return _state["machine"]


@functools.lru_cache(maxsize=8)
def catalog(lang: str) -> gettext_module.NullTranslations | None:
    """The compiled catalog of `lang`; None for English or when none is installed."""
    if lang == "en":
        return None
    import gettext

    mo = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    except (OSError, ValueError):
        return None


def installed_languages() -> frozenset[str]:
    """English plus every language with a compiled catalog."""
    found = {"en"}
    with contextlib.suppress(OSError):
        found.update(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file())
    return frozenset(found)


def _(message: str) -> str:
    """`message` in the display language (the English text where no translation exists)."""
    found = catalog(_state["display"])
    return found.gettext(message) if found is not None else message


def N_(message: str) -> str:
    """Marks `message` for the catalog without translating it (translated where it is printed)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the display language."""
    found = catalog(_state["display"])
    if found is not None:
        return found.ngettext(singular, plural, n)
    return singular if n == 1 else plural


class Msg(str):
    """English text that can be printed in another language: see the module docstring."""

    template: str
    plural: str | None
    number: int | None
    args: Mapping[str, Any]
    parts: tuple[str, ...] | None

    def __new__(
        cls,
        english: str,
        template: str,
        args: Mapping[str, Any],
        plural: str | None = None,
        number: int | None = None,
        parts: tuple[str, ...] | None = None,
    ) -> Msg:
        self = super().__new__(cls, english)
        self.template, self.args, self.plural, self.number, self.parts = template, args, plural, number, parts
        return self

    def __reduce__(self) -> Any:
        return (type(self), (str(self), self.template, dict(self.args), self.plural, self.number, self.parts))

    def retext(self, english: str) -> Msg:
        """The same message with other English text (a reworded copy for one sink)."""
        return type(self)(english, self.template, self.args, self.plural, self.number, self.parts)

    def localized(self, lang: str) -> str:
        """This message in `lang`; the English text when `lang` has no translation for it."""
        if self.parts is not None:
            return self.template.join(localize(p, lang) for p in self.parts)
        found = catalog(lang)
        if found is None:
            return str(self)
        if self.plural is not None:
            text = found.ngettext(self.template, self.plural, self.number or 0)
        else:
            text = found.gettext(self.template)
        if not self.args:
            return text
        args = {k: localize(v, lang) if isinstance(v, str) else v for k, v in self.args.items()}
        try:
            return text.format(**args)
        except (KeyError, IndexError, ValueError):
            return str(self)  # a broken translation never costs the message


def _format(template: str, args: Mapping[str, Any]) -> str:
    return template.format(**args) if args else template


def t(template: str, /, **args: Any) -> Msg:
    """A message: `template` formatted with `args` (`str.format` fields), translatable later."""
    return Msg(_format(template, args), template, args)


def tn(singular: str, plural: str, n: int, /, **args: Any) -> Msg:
    """A message with a count: `{n}` is available in both forms."""
    args = {"n": n, **args}
    return Msg(_format(singular if n == 1 else plural, args), singular, args, plural=plural, number=n)


def join(sep: str, parts: Iterable[str]) -> Msg:
    """`sep.join(parts)`, localisable part by part (the separator stays as it is)."""
    items = tuple(parts)
    return Msg(sep.join(items), sep, {}, parts=items)


def localize(text: str, lang: str | None = None) -> str:
    """`text` in `lang` (default: the display language) when it is a `Msg`, else unchanged.

    Plain strings are what srvdoctor did not write (paths, command output, names) and
    operating-system error texts, which `oserror` already wraps.
    """
    lang = _state["display"] if lang is None else lang
    if lang == "en" or not isinstance(text, Msg):
        return str(text)
    return text.localized(lang)


class _OsText(Msg):
    """An operating-system error text (`No space left on device`), localised from glibc's catalogs."""

    def localized(self, lang: str) -> str:
        return _strerror_table(lang).get(str(self), str(self))


@functools.lru_cache(maxsize=1)
def strerror_data() -> Mapping[str, Any]:
    """data/strerror.json (glibc's strerror texts per errno name and language); {} if unreadable.
    Read once per run, by this module and by the triage conditions."""
    import json

    try:
        data = json.loads(STRERROR_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@functools.lru_cache(maxsize=4)
def _strerror_table(lang: str) -> Mapping[str, str]:
    """English strerror text → `lang`'s, from glibc's own catalogs (data/strerror.json)."""
    data = strerror_data()
    english: Mapping[str, str] = data.get("english", {})
    messages: Mapping[str, Mapping[str, str]] = data.get("messages", {})
    return {english[k]: texts[lang] for k, texts in messages.items() if k in english and lang in texts}


def oserror(exc: BaseException | str) -> Msg:
    """The text of an OSError (its strerror, else str(exc)), printed in the user's language."""
    text = exc if isinstance(exc, str) else (getattr(exc, "strerror", None) or str(exc))
    return _OsText(text, text, {})
