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

import itertools
import os
import re
from collections.abc import Callable
from typing import Any

from srvdoctor.lazyre import lazy

#: rich.markup.RE_TAGS: a tag, with the backslashes before it.
_TAGS = lazy(r"((\\*)\[([a-z#/@][^[]*?)])")
#: rich._emoji_replace's pattern: only text it matches can hold an emoji code.
_EMOJI = lazy(r"(:(\S*?)(?:(?:\-)(emoji|text))?:)")
#: What rich.text strips from every piece of text (rich.control.strip_control_codes).
_STRIPPED = str.maketrans(dict.fromkeys((7, 8, 11, 12, 13)))
#: rich.markup.escape's pattern.
_ESCAPE = lazy(r"(\\*)(\[[a-z#/@][^[]*?])")


def escape(markup: str) -> str:
    """rich.markup.escape: text that rich's markup shows as it is."""

    def escape_backslashes(match: re.Match[str]) -> str:
        backslashes, text = match.groups()
        return f"{backslashes}{backslashes}\\{text}"

    if "[" in markup:  # every match starts with one
        markup = _ESCAPE.sub(escape_backslashes, markup)
    if markup.endswith("\\") and not markup.endswith("\\\\"):
        return markup + "\\"
    return markup


def _emoji(text: str) -> str:
    first = text.find(":")
    if first == -1 or text.find(":", first + 1) == -1 or _EMOJI.search(text) is None:  # a code is :x:
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


#: rich._wrap.re_word: a word and the whitespace after it.
_WORD = lazy(r"\s*\S+\s*")
_TRAILING_SPACE = lazy(r"\s+$")


def _normalize(low: int, high: int) -> tuple[int, int]:
    low = min(max(0, low), high)
    return max(0, low), max(0, low, high)


def _get(low: int, high: int, max_width: int) -> tuple[int, int]:
    """rich.measure.Measurement.get's last steps: normalize, at most `max_width`, (0, 0) if empty."""
    low, high = _normalize(low, high)
    low, high = min(low, max_width), min(high, max_width)
    return (0, 0) if high < 1 else _normalize(low, high)


def _measure(texts: list[str], max_width: int, left: int, right: int) -> int:
    """The maximum of rich's measurement of a table column of Padding(text, (0, right, 0, left))."""
    if max_width < 1:
        return 0
    highs = []
    for text in texts:
        if max_width - left - right < 1:
            low, high = max_width, max_width
        else:
            lines, words = text.splitlines(), text.split()
            high = max((len(line) for line in lines), default=0)
            low = max((len(word) for word in words), default=high)
            low, high = _get(low, high, max_width)  # the text
            low, high = min(low + left + right, max_width), min(high + left + right, max_width)
        highs.append(_get(low, high, max_width)[1])  # the padding around it
    return min(max(highs) if highs else max_width, max_width)


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    """rich._ratio.ratio_reduce."""
    ratios = [ratio if maximum else 0 for ratio, maximum in zip(ratios, maximums, strict=True)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    total_remaining = total
    result: list[int] = []
    for ratio, maximum, value in zip(ratios, maximums, values, strict=True):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * total_remaining / total_ratio))
            result.append(value - distributed)
            total_remaining -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _collapse(widths: list[int], wrapable: list[bool], max_width: int) -> list[int]:
    """rich.table.Table._collapse_widths."""
    total_width = sum(widths)
    excess_width = total_width - max_width
    if any(wrapable):
        while total_width and excess_width > 0:
            max_column = max(w for w, wrap in zip(widths, wrapable, strict=True) if wrap)
            second = max(
                w if wrap and w != max_column else 0 for w, wrap in zip(widths, wrapable, strict=True)
            )
            difference = max_column - second
            ratios = [
                1 if (w == max_column and wrap) else 0 for w, wrap in zip(widths, wrapable, strict=True)
            ]
            if not any(ratios) or not difference:
                break
            widths = _ratio_reduce(
                excess_width, ratios, [min(excess_width, difference)] * len(widths), widths
            )
            total_width = sum(widths)
            excess_width = total_width - max_width
    return widths


def _wrap(text: str, width: int, no_wrap: bool) -> list[str]:
    """rich's Text.wrap (justify left, overflow ellipsis) of one line of ASCII text, each line
    padded to `width`."""
    if no_wrap:
        lines = [text]
    else:
        breaks, offset = [], 0
        for match in _WORD.finditer(text):
            start, word = match.start(), match.group()
            length = len(word.rstrip())
            if width - offset >= length:
                offset += len(word)
            elif length > width:  # no folding: the word is cut with an ellipsis below
                if start:
                    breaks.append(start)
                offset = len(word)
            elif offset and start:
                breaks.append(start)
                offset = len(word)
        bounds = [0, *breaks, len(text)]
        lines = [text[a:b] for a, b in itertools.pairwise(bounds)] or [""]
        for i, line in enumerate(lines):
            if len(line) > width and (space := _TRAILING_SPACE.search(line)) is not None:
                lines[i] = line[: len(line) - min(len(space.group()), len(line) - width)]
    return [line[: width - 1] + "…" if len(line) > width else line.ljust(width) for line in lines]


def plain_table(rows: list[tuple[str, ...]], no_wrap: tuple[bool, ...], max_width: int) -> str | None:
    """What rich prints, to no terminal, for `Table(box=None, show_header=True, pad_edge=False)`
    with `rows[0]` as the header and columns that wrap unless `no_wrap`: the text (markup
    already made plain) cut to `max_width` columns as rich does. None where this function does
    not follow rich (text that is not printable ASCII, a column too narrow for its padding)."""
    if any(not cell.isascii() or not cell.isprintable() for row in rows for cell in row):
        return None
    count = len(no_wrap)
    pads = [(0 if i == 0 else 1, 0 if i == count - 1 else 1) for i in range(count)]
    columns = [[row[i] for row in rows] for i in range(count)]
    widths = [_measure(col, max_width, *pad) or 1 for col, pad in zip(columns, pads, strict=True)]
    if sum(widths) > max_width:
        widths = _collapse(widths, [not nw for nw in no_wrap], max_width)
        if sum(widths) > max_width:
            widths = _ratio_reduce(sum(widths) - max_width, [1] * count, widths, widths)
        widths = [_measure(col, w, *pad) for col, w, pad in zip(columns, widths, pads, strict=True)]
    if any(w - left - right < 1 for w, (left, right) in zip(widths, pads, strict=True)):
        return None
    out: list[str] = []
    for index, row in enumerate(rows):
        cells: list[list[str]] = []
        for text, w, (left, right), nw in zip(row, widths, pads, no_wrap, strict=True):
            inner = _wrap(text, w - left - right, nw)
            cells.append([" " * left + line + " " * right for line in inner])
        height = max(len(c) for c in cells)
        for lines, w in zip(cells, widths, strict=True):
            blank = [" " * w] * (height - len(lines))
            lines[:] = blank + lines if index == 0 else lines + blank  # the header sits at the bottom
        out.extend("".join(parts) + "\n" for parts in zip(*cells, strict=True))
    return "".join(out)


def rich_width() -> int:
    """The width rich's Console gives itself off a terminal: the first of stdin, stdout and
    stderr that is a terminal, else 80; $COLUMNS (digits) over either."""
    width: int | None = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    return width or 80


class PlainConsole:
    """The part of rich's Console the report printers use, for a stream that is no terminal:
    `print` writes the text of its markup (one write per call, as rich does), styles ignored."""

    is_terminal = False

    def __init__(self, file: Any, width: int | None = None) -> None:
        self.file = file
        self.width = width if width is not None else rich_width()

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

    def print_table(self, rows: list[tuple[str, ...]], no_wrap: tuple[bool, ...]) -> bool:
        """A borderless table of markup cells, header first (`plain_table`); False, printing
        nothing, where the caller must let rich draw it."""
        from srvdoctor.render.safe import visible_lines

        plain = [tuple(markup_text(visible_lines(cell)) for cell in row) for row in rows]
        text = plain_table(plain, no_wrap, self.width)
        if text is None:
            return False
        self.file.write(text)
        self.file.flush()
        return True
