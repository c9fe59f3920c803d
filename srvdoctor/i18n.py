"""Which language srvdoctor speaks: `--lang`, then `SRVDOCTOR_LANG`, then the POSIX locale.

The order follows GNU gettext, so a server set up for Korean (`LANG=ko_KR.UTF-8`) gets
Korean without any srvdoctor setting:

1. the explicit `--lang` value (an unsupported one is a usage error, not a silent fallback);
2. `SRVDOCTOR_LANG`;
3. `LANGUAGE`, a colon-separated priority list (`ko:en`): its first supported entry.
   As in gettext, it is ignored when the locale below is `C` or `POSIX`, so `LANG=C`
   always means English even where a desktop session exported `LANGUAGE`;
4. the locale: the first non-empty of `LC_ALL`, `LC_MESSAGES`, `LANG`.

`C`, `POSIX`, empty and unknown values mean English. A language is supported when the
shipped playbooks have a `playbooks/<lang>/` directory with notes in it; English always is.
Machine-readable output (JSON and friends) stays English unless `--lang` is given: that
choice belongs to the commands, which pass `explicit` only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from srvdoctor.lazyre import lazy

DEFAULT = "en"

#: `ko`, `ko_KR`, `ko-KR`, `ko_KR.UTF-8`, `ko_KR.eucKR@dict`: the language is the first subtag.
_LOCALE = lazy(r"^(?P<lang>[A-Za-z]{2,3})(?:[_-][A-Za-z0-9]+)?(?:\.[^@]*)?(?:@.*)?$")
_LANG_DIR = lazy(r"^[a-z]{2,3}$")


class UnknownLanguageError(ValueError):
    """An explicit `--lang` that srvdoctor does not speak, worded for the user."""


def normalize(value: str | None) -> str | None:
    """The language code of a locale name (`ko_KR.UTF-8` → `ko`), None for C/POSIX/junk."""
    if not value:
        return None
    value = value.strip()
    if _is_c_locale(value):
        return None
    match = _LOCALE.match(value)
    return match.group("lang").lower() if match else None


def available_languages(playbooks_root: Path | None = None) -> frozenset[str]:
    """English plus every `playbooks/<lang>/` directory that holds at least one note."""
    if playbooks_root is None:
        from srvdoctor.playbooks import shipped_dir

        playbooks_root = shipped_dir()
    found = {DEFAULT}
    try:
        for entry in playbooks_root.iterdir():
            if entry.is_dir() and _LANG_DIR.match(entry.name) and any(entry.glob("*.md")):
                found.add(entry.name)
    except OSError:
        pass
    return frozenset(found)


def _is_c_locale(value: str) -> bool:
    return value.strip().upper() in {"C", "POSIX"} or value.strip().upper().startswith("C.")


def resolve_language(
    explicit: str | None,
    environ: Mapping[str, str],
    available: Collection[str] | None = None,
) -> str:
    """The language to speak: a code from `available` (default: the shipped ones), or "en".

    Raises UnknownLanguageError for an explicit value that is not supported.
    """
    supported = available_languages() if available is None else frozenset({DEFAULT, *available})
    if explicit is not None and explicit.strip():
        lang = normalize(explicit)
        if lang is None and _is_c_locale(explicit):
            return DEFAULT
        if lang is None or lang not in supported:
            raise UnknownLanguageError(
                f"--lang {explicit}: not a language srvdoctor speaks; "
                f"choose one of {', '.join(sorted(supported))}"
            )
        return lang
    own = environ.get("SRVDOCTOR_LANG", "")
    if own.strip():
        lang = normalize(own)
        return lang if lang is not None and lang in supported else DEFAULT
    locale = next((environ[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(k, "").strip()), "")
    if not (locale and _is_c_locale(locale)):
        for entry in environ.get("LANGUAGE", "").split(":"):
            lang = normalize(entry)
            if lang is not None and lang in supported:
                return lang
    lang = normalize(locale)
    return lang if lang is not None and lang in supported else DEFAULT
