"""Untrusted text made visible before it reaches a terminal: THE function for it is `visible`.

File and directory names, process command lines, host names from merged reports, container
names and log lines come from people and programs srvdoctor does not control. Written raw
to a terminal, an escape sequence in a name (`ESC [2J`, `ESC ] 0;title BEL`) rewrites the
screen or the window title, and a newline forges a whole result line. `visible` spells every
control character out as Python does in a string literal:

- C0 controls and DEL: `\\n`, `\\r`, `\\t`, others `\\x1b`-style; C1 controls `\\x9b`-style;
- Unicode bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the line and
  paragraph separators: `\\u202e`-style, so text cannot be shown reversed;
- bytes of a file name that are not UTF-8 (decoded by Python as lone surrogates,
  `surrogateescape`): `\\xff`-style, the byte itself.

A backslash stays a backslash, so `visible` is not reversible; the JSON output keeps the exact
value (see `render/json.py`). `markup` is `visible` plus rich's markup escaping, for strings
printed through rich.
"""

from __future__ import annotations

import re

from srvdoctor.lazyre import lazy

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

#: Everything `visible` rewrites: C0, DEL, C1, bidi controls, U+2028/9, lone surrogates.
UNSAFE = lazy("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _plain(text: str) -> bool:
    """True when every character is printable (`str.isprintable`: no character of the
    categories Cc, Cf, Cs, Co, Cn, Zl, Zp, nor a space other than U+0020). Every character the
    sets below hold is of one of those, so none can match, and no pattern need be compiled or
    run for the text most output is made of (a `✓`, Hangul, a path)."""
    return text.isprintable()


def _spell(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte itself
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code > 0xFFFF:
        return f"\\U{code:08x}"
    return f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control character spelled out (`\\x1b`, `\\n`, `\\u202e`, `\\xff`)."""
    if _plain(text):
        return text
    return UNSAFE.sub(_spell, text) if UNSAFE.search(text) else text


def visible_lines(text: str) -> str:
    """`visible` line by line: newlines kept, every other control character spelled out. For
    whole blocks of srvdoctor's own text (a note); names inside them go through `visible`."""
    if _plain(text.replace("\n", " ")) or not UNSAFE.search(text):
        return text
    return "\n".join(visible(line) for line in text.split("\n"))


def is_visible(text: str) -> bool:
    """True when `visible(text) == text`: nothing a terminal would act on."""
    return _plain(text) or UNSAFE.search(text) is None


def markup(text: str) -> str:
    """`text` for rich markup: control characters spelled out, `[` escaped."""
    from srvdoctor.render.plain import escape  # rich.markup.escape, without importing rich

    return escape(visible(text))


_SURROGATE = lazy("[\ud800-\udfff]")


def visible_surrogates(text: str) -> str:
    """Only the lone surrogates of `text` spelled out (`\\xff` for an undecodable byte): what any
    text must go through before it is encoded as UTF-8."""
    if text.isprintable():  # a lone surrogate (category Cs) is not
        return text
    try:
        text.encode("utf-8")  # what fails on a lone surrogate, at C speed
    except UnicodeEncodeError:
        return _SURROGATE.sub(_spell, text)
    return text


#: What XML 1.0 forbids (C0 but tab, LF, CR; surrogates; U+FFFE/U+FFFF), plus DEL and C1,
#: which it discourages (and which carry terminal escapes).
_XML_UNSAFE = lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` as XML 1.0 can hold it: forbidden characters spelled out (`\\x1b`, `\\x01`)."""
    if _plain(text):
        return text
    return _XML_UNSAFE.sub(_spell, text) if _XML_UNSAFE.search(text) else text


def fit_middle(text: str, width: int) -> str:
    """`text` in at most `width` cells, cut in the middle (`/very/lo…/model.pt`): the start
    and the end of a path are what tell it apart. Double-width characters count twice."""
    from rich.cells import cell_len

    if width <= 0 or cell_len(text) <= width:
        return text
    if width == 1:
        return "…"
    head_cells = (width - 1) // 2
    tail_cells = width - 1 - head_cells
    head, used = "", 0
    for ch in text:
        if used + cell_len(ch) > head_cells:
            break
        head, used = head + ch, used + cell_len(ch)
    tail, used = "", 0
    for ch in reversed(text):
        if used + cell_len(ch) > tail_cells:
            break
        tail, used = ch + tail, used + cell_len(ch)
    return f"{head}…{tail}"
