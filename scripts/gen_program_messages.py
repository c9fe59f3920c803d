#!/usr/bin/env python3
"""Generate srvdoctor/data/program_messages.json: what bash, coreutils, apt and glibc print in
other languages for the errors triage recognises, where their words are their own (not a
strerror text: those are in data/strerror.json, see scripts/gen_strerror.py).

A Korean server prints `bash: ./run.sh: /bin/bash^M: 잘못된 인터프리터` for "bad interpreter",
`죽었음` for "Killed", `'deb.debian.org'의 주소를 알아내는데 임시로 실패했습니다` for apt's
"Temporary failure resolving". These texts come from the programs' own gettext catalogs on a
Debian machine (`/usr/share/locale/<lang>/LC_MESSAGES/<domain>.mo`; packages bash, coreutils,
apt, libapt-pkg6.0, libc-l10n), never retyped.

Each message is a printf format; the generator keeps the fixed words between its directives
(its *fragments*, in order). Triage finds a message when a line holds all its fragments in
that order. A message can name some of its arguments (`nvidia-smi` in "%s: command not
found"): those are filled in and become part of a fragment.

Languages: every language srvdoctor has a catalog for (`po/<lang>.po`), or `--lang`. Program
messages are short phrases ("Killed"), so unlike errno texts they are not taken in every
language glibc speaks: a language is added with its catalog.

Python prints no messages of its own in other languages (CPython ships no catalogs); its
`OSError` text is glibc's strerror, in the language of LC_MESSAGES once a program calls
`locale.setlocale(locale.LC_ALL, "")`: data/strerror.json covers it.

    python3 scripts/gen_program_messages.py            # rewrite the data file
    python3 scripts/gen_program_messages.py --check    # exit 1 if the data file differs
"""

from __future__ import annotations

import argparse
import gettext
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from genmodule import check_or_write  # noqa: E402

DATA = ROOT / "srvdoctor" / "data" / "program_messages.json"
LOCALE_DIR = Path("/usr/share/locale")


@dataclass(frozen=True)
class Message:
    """One message of one program: its catalog, its English text and the condition it names."""

    domain: str  # the gettext domain: <domain>.mo
    msgid: str  # the English printf format, exactly as in the catalog
    condition: str  # a condition id of srvdoctor.conditions
    args: tuple[str, ...] = ()  # the first arguments, filled in (the rest stay gaps)


#: The messages, grouped by program. The English text of each (its `msgid`, arguments
#: filled, gaps as "x") is recognised by its condition: tests/test_program_messages.py.
MESSAGES: tuple[Message, ...] = (
    # bash: the shell's own words (execute_cmd.c, siglist.c)
    Message("bash", "%s: %s: bad interpreter", "bad-interpreter"),
    Message("bash", "%s: cannot execute binary file", "bad-interpreter"),
    Message("bash", "%s: cannot execute binary file: %s", "bad-interpreter"),
    Message("bash", "%s: cannot execute: required file not found", "bad-interpreter"),
    Message("bash", "%s: command not found", "bad-interpreter", ("$'\\r'",)),
    Message("bash", "%s: command not found", "gpu-driver-absent", ("nvidia-smi",)),
    Message("bash", "Killed", "SIGKILL"),
    Message("bash", "Bus error", "SIGBUS"),
    Message("bash", "Segmentation fault", "SIGSEGV"),
    # coreutils (and the gnulib messages inside it)
    Message("coreutils", "memory exhausted", "ENOMEM"),
    Message("coreutils", "Memory exhausted", "ENOMEM"),
    Message("coreutils", "inotify resources exhausted", "inotify-watches"),
    Message("coreutils", "Killed", "SIGKILL"),
    # apt and libapt-pkg
    Message("apt", "You don't have enough free space in %s.", "apt-space"),
    Message("apt", "Temporary failure resolving '%s'", "EAI"),
    Message("apt", "Could not resolve '%s'", "EAI"),
    Message("apt", "Could not connect to %s:%s (%s), connection timed out", "ETIMEDOUT"),
    Message("apt", "Connection timed out", "ETIMEDOUT"),
    Message("apt", "Could not connect data socket, connection timed out", "ETIMEDOUT"),
    # glibc, beyond strerror: signal names (strsignal) and resolver errors (gai_strerror)
    Message("libc", "Killed", "SIGKILL"),
    Message("libc", "Bus error", "SIGBUS"),
    Message("libc", "Segmentation fault", "SIGSEGV"),
    Message("libc", "Name or service not known", "EAI"),
    Message("libc", "Temporary failure in name resolution", "EAI"),
    Message("libc", "No address associated with hostname", "EAI"),
    Message("libc", "Input/output error", "EIO"),
    Message("libc", "Exec format error", "bad-interpreter"),
)

#: The Debian package that ships each domain's catalogs.
PACKAGES: dict[str, str] = {
    "bash": "bash",
    "coreutils": "coreutils",
    "apt": "apt",
    "libc": "libc-l10n",
}

#: A printf conversion: `%s`, `%1$s`, `%-10lu`, `%'d`; `%%` is a literal per cent sign.
_DIRECTIVE = re.compile(
    r"%(?:(\d+)\$)?[-+ #0']*(?:\d+|\*)?(?:\.\d+)?(?:hh|h|ll|l|L|q|j|z|Z|t)?([diouxXeEfFgGaAcspn%])"
)
#: Around a fragment: spaces and punctuation that carry no meaning.
_TRIM = " \t\r\n:;,.()[]'\"`‘’“”«»「」"


def fragments(fmt: str, args: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The fixed words of a printf format, in order; the first len(args) arguments filled in.

    >>> fragments("%s: %s: 잘못된 인터프리터")
    ('잘못된 인터프리터',)
    >>> fragments("%s: 명령어를 찾을 수 없음", ("nvidia-smi",))
    ('nvidia-smi: 명령어를 찾을 수 없음',)
    """
    pieces: list[str] = [""]
    position = 0
    pos = 0
    for m in _DIRECTIVE.finditer(fmt):
        pieces[-1] += fmt[pos : m.start()]
        pos = m.end()
        if m.group(2) == "%":
            pieces[-1] += "%"
            continue
        index = int(m.group(1)) - 1 if m.group(1) else position
        position += 1
        if index < len(args):
            pieces[-1] += args[index]
        else:
            pieces.append("")
    pieces[-1] += fmt[pos:]
    out = []
    for piece in pieces:
        text = " ".join(piece.split()).strip(_TRIM)
        if any(ch.isalpha() for ch in text):
            out.append(text)
    return tuple(out)


def languages(root: Path = ROOT) -> list[str]:
    """The languages srvdoctor has a catalog for: po/<lang>.po (fragments po/<lang>.<x>.po aside)."""
    return sorted(p.stem for p in (root / "po").glob("*.po") if "." not in p.stem)


def generate(langs: list[str], locale_dir: Path = LOCALE_DIR) -> dict[str, object]:
    entries: list[dict[str, object]] = []
    missing: list[str] = []
    for msg in MESSAGES:
        texts: dict[str, str] = {}
        frags: dict[str, list[str]] = {}
        for lang in langs:
            path = locale_dir / lang / "LC_MESSAGES" / f"{msg.domain}.mo"
            if not path.is_file():
                missing.append(f"{path} (Debian package {PACKAGES.get(msg.domain, msg.domain)})")
                continue
            with path.open("rb") as fh:
                text = gettext.GNUTranslations(fh).gettext(msg.msgid)
            if not text or text == msg.msgid:
                continue
            found = fragments(text, msg.args)
            if found and found != fragments(msg.msgid, msg.args):
                texts[lang] = text
                frags[lang] = list(found)
        entries.append(
            {
                "domain": msg.domain,
                "msgid": msg.msgid,
                "args": list(msg.args),
                "condition": msg.condition,
                "text": dict(sorted(texts.items())),
                "fragments": dict(sorted(frags.items())),
            }
        )
    if missing:
        raise SystemExit("catalogs missing:\n  " + "\n  ".join(sorted(set(missing))))
    return {
        "source": "the programs' own gettext catalogs (Debian bash, coreutils, apt, libc-l10n),"
        " generated by scripts/gen_program_messages.py",
        "languages": langs,
        "messages": entries,
    }


def render(data: dict[str, object]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the data file is out of date")
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR)
    parser.add_argument("--lang", action="append", help="a language (repeatable); default: po/<lang>.po")
    args = parser.parse_args()
    text = render(generate(args.lang or languages(), args.locale_dir))
    return check_or_write(DATA, text, "gen_program_messages.py", args.check)


if __name__ == "__main__":
    sys.exit(main())
