"""Markup printed as plain text, byte for byte as rich prints it to a pipe or file, without rich.

rich costs about 25 ms to import, a quarter of a light command's run. When stdout is not a
terminal (a pipe, a redirect, `watch`, a cron job) rich prints no colour and, with soft wrap,
no line breaks of its own: what it writes is the text of the markup, tags dropped, `\\[`
unescaped and `:emoji:` codes replaced. `PlainConsole` does exactly that for the calls the
report printers make (`print(str, style=...)`); a terminal, `--output FILE` (wrapped at 120
columns) and rich renderables (tables, dashboards) still go through rich. Tests compare the two
on many strings (tests/render/test_plain.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

#: rich.markup.RE_TAGS: a tag, with the backslashes before it.
_TAGS = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
#: rich._emoji_replace's pattern: only text it matches can hold an emoji code.
_EMOJI = re.compile(r"(:(\S*?)(?:(?:\-)(emoji|text))?:)")
#: What rich.text strips from every piece of text (rich.control.strip_control_codes).
_STRIPPED = str.maketrans(dict.fromkeys((7, 8, 11, 12, 13)))
#: rich.markup.escape's pattern.
_ESCAPE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def escape(markup: str) -> str:
    """rich.markup.escape: text that rich's markup shows as it is."""

    def escape_backslashes(match: re.Match[str]) -> str:
        backslashes, text = match.groups()
        return f"{backslashes}{backslashes}\\{text}"

    markup = _ESCAPE.sub(escape_backslashes, markup)
    if markup.endswith("\\") and not markup.endswith("\\\\"):
        return markup + "\\"
    return markup


def _emoji(text: str) -> str:
    if _EMOJI.search(text) is None:
        return text
    from rich._emoji_replace import _emoji_replace  # the codes table only when one may occur

    return _emoji_replace(text)


def _plain(text: str) -> str:
    return _emoji(text.replace("\\[", "["))


def markup_text(markup: str, emoji: bool = True) -> str:
    """The text rich.markup.render makes of `markup`: tags dropped, escapes undone, emoji."""
    if "[" not in markup:
        return _emoji(markup) if emoji else markup
    out: list[str] = []
    position = 0
    plain: Callable[[str], str] = _plain if emoji else (lambda t: t.replace("\\[", "["))
    for match in _TAGS.finditer(markup):
        full_text, escapes, _tag = match.groups()
        start, end = match.span()
        if start > position:
            out.append(plain(markup[position:start]))
        if escapes:
            backslashes, escaped = divmod(len(escapes), 2)
            if backslashes:
                out.append("\\" * backslashes)
            if escaped:
                out.append(plain(full_text[len(escapes) :]))
                position = end
                continue
        position = end
    if position < len(markup):
        out.append(plain(markup[position:]))
    return "".join(out)


def rich_is_terminal(stream: Any) -> bool:
    """Whether rich's Console would treat `stream` as a terminal (rich.console.is_terminal):
    TTY_COMPATIBLE=0/1, then FORCE_COLOR (set and non-empty: yes), then isatty()."""
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    force_color = os.environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color != ""
    try:
        return bool(stream.isatty())
    except (OSError, ValueError):
        return False


class PlainConsole:
    """The part of rich's Console the report printers use, for a stream that is no terminal:
    `print` writes the text of its markup (one write per call, as rich does), styles ignored."""

    is_terminal = False

    def __init__(self, file: Any) -> None:
        self.file = file

    @property
    def encoding(self) -> str:
        return (getattr(self.file, "encoding", "utf-8") or "utf-8").lower()

    def print(
        self,
        *objects: str,
        style: str | None = None,
        markup: bool | None = None,
        highlight: bool | None = None,
        emoji: bool | None = None,
        end: str = "\n",
    ) -> None:
        from srvdoctor.render.safe import visible_lines

        del style, highlight  # no colour off a terminal; the highlighter only adds styles
        texts = []
        for obj in objects:
            if not isinstance(obj, str):
                raise TypeError(f"PlainConsole prints strings, not {type(obj).__name__}")
            text = visible_lines(obj)
            with_emoji = emoji is None or emoji
            if markup is None or markup:
                texts.append(markup_text(text, with_emoji))
            else:
                texts.append(_emoji(text) if with_emoji else text)
        self.file.write((" ".join(texts) + end).translate(_STRIPPED))
        self.file.flush()
