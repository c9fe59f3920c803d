"""Shell commands srvdoctor prints ("→ try: ..."), built so that pasting one runs what it says.

People paste these into a root shell, and their arguments come from the machine: directory
names, paths from a pasted log, container names, host names. Each argument is quoted:

- `shlex.quote` for ordinary text: `x;touch INJECTED;` becomes `'x;touch INJECTED;'`;
- bash's ANSI-C quoting (`$'...'`) when the argument holds a control character or a byte that
  is not UTF-8, so the printed line holds no raw control character and still names the file
  exactly (`$'a\\nb'`, `$'\\xff'`). Such a line is for bash (and zsh, ksh); plain sh has no `$'`.

`cmd("ls", "-la", path)` gives the line; `quote(path)` one word of a longer template;
`split(line)` is the inverse, used by the tests (it understands both forms).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable

from srvdoctor.lazyre import lazy

_NEEDS_ANSI_C = lazy("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


_SHORT = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _ansi_c(arg: str) -> str:
    """bash's `$'...'`: printable characters as they are, the rest as `\\n`, `\\t`, `\\r` or
    `\\xNN` bytes (an undecodable byte of a file name is its own `\\xNN`)."""
    out = []
    for char in arg:
        if char in "\\'":
            out.append("\\" + char)
        elif char in _SHORT:
            out.append(_SHORT[char])
        elif _NEEDS_ANSI_C.match(char):
            out += [f"\\x{byte:02x}" for byte in os.fsencode(char)]
        else:
            out.append(char)
    return "$'" + "".join(out) + "'"


def quote(arg: str) -> str:
    """One shell word for `arg`, whatever it holds."""
    if not arg.isprintable() and _NEEDS_ANSI_C.search(arg):  # all it holds is unprintable
        return _ansi_c(arg)
    return shlex.quote(arg)


def cmd(*argv: object) -> str:
    """A command line whose words are exactly `argv` (each turned into a string)."""
    return " ".join(quote(str(a)) for a in argv)


def join(argv: Iterable[object]) -> str:
    """`cmd(*argv)` for a sequence."""
    return " ".join(quote(str(a)) for a in argv)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "e": "\x1b"}


def _ansi_c_body(line: str, i: int, raw: bytearray) -> int:
    """Decode a `$'...'` body starting at line[i] into `raw`; the index after the closing quote."""
    while i < len(line):
        char = line[i]
        if char == "'":
            return i + 1
        if char == "\\" and i + 1 < len(line):
            nxt = line[i + 1]
            digits = re.match(r"[0-9a-fA-F]{1,2}", line[i + 2 :]) if nxt == "x" else None
            if digits:
                raw.append(int(digits.group(), 16))
                i += 2 + len(digits.group())
                continue
            if nxt in _ESCAPES:
                raw += _ESCAPES[nxt].encode()
                i += 2
                continue
        raw += char.encode("utf-8", "surrogateescape")
        i += 1
    raise ValueError("no closing quotation")


def split(line: str) -> list[str]:
    """The argv bash would give `line` (quotes, backslashes, `$'...'`; no expansions)."""
    words: list[str] = []
    raw = bytearray()
    in_word = False
    i = 0
    while i < len(line):
        char = line[i]
        if char in " \t\n":
            if in_word:
                words.append(os.fsdecode(bytes(raw)))
                raw, in_word = bytearray(), False
            i += 1
            continue
        in_word = True
        if char == "'":
            end = line.index("'", i + 1)
            raw += line[i + 1 : end].encode("utf-8", "surrogateescape")
            i = end + 1
        elif char == "$" and line.startswith("$'", i):
            i = _ansi_c_body(line, i + 2, raw)
        elif char == '"':
            i += 1
            while line[i] != '"':
                if line[i] == "\\" and line[i + 1] in '"\\$`':
                    i += 1
                raw += line[i].encode("utf-8", "surrogateescape")
                i += 1
            i += 1
        elif char == "\\" and i + 1 < len(line):
            raw += line[i + 1].encode("utf-8", "surrogateescape")
            i += 2
        else:
            raw += char.encode("utf-8", "surrogateescape")
            i += 1
    if in_word:
        words.append(os.fsdecode(bytes(raw)))
    return words


#: "COMMAND   (a remark)": the remark would be a bash syntax error once pasted.
_TRAILING_REMARK = lazy(r"^(?P<cmd>.*\S)   \((?P<remark>[^()]*(?:\([^()]*\)[^()]*)*)\)$", re.DOTALL)


def pasteable(hint: str) -> str:
    """A hint whose command ends in a remark in parentheses, as a line that runs:
    `sudo iptables -S OUTPUT   (on this machine)` -> `sudo iptables -S OUTPUT   # on this machine`.
    A hint without that shape, or with a `#` already, is returned as it is."""
    match = _TRAILING_REMARK.match(hint)
    if match is None or "#" in hint or "\n" in hint:
        return hint
    return f"{match['cmd']}   # {match['remark']}"
