"""The conditions table made ready to search: one regex per condition (compiled when first
needed), its literal keys, and for each key the run of letters that tests its presence
cheaply (`srvdoctor.textscan`). Built ahead of time into condindex_data.py."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from srvdoctor.conditions import CONDITIONS, LOCALISED, Condition, localised, program_messages
from srvdoctor.lazyre import lazy
from srvdoctor.record import dataclass


@dataclass(frozen=True)
class Compiled:
    """A condition ready to search: its regex (compiled when first needed) and keys,
    localised messages included."""

    condition: Condition
    source: str  # the regex: the condition's own patterns
    literals: tuple[str, ...]  # localised messages, lower-cased: found with `in`, no regex
    keys: tuple[str, ...]
    anchors: tuple[bytes, ...]  # per key, its longest word (UTF-8): the cheap test of presence
    phrases: tuple[tuple[str, ...], ...] = ()  # program messages, lower-cased: fragments in order

    @property
    def regex(self) -> re.Pattern[str]:
        return _compile(self.source)


@cache
def _compile(source: str) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE | re.MULTILINE)


def inputs() -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """What the table is built from in Python: each condition's id, patterns and keys."""
    return tuple((c.id, c.patterns, c.keys) for c in CONDITIONS)


@lru_cache(maxsize=1)
def compiled() -> tuple[Compiled, ...]:
    """Every condition ready to search, from the table built ahead of time
    (srvdoctor/condindex_data.py, scripts/gen_condindex.py) while the conditions are the ones
    it was built from, else built now (`build`: the same table, ~8 ms slower)."""
    from srvdoctor import condindex_data as ahead

    if inputs() != ahead.INPUTS:
        return build()
    return tuple(
        Compiled(cond, "|".join(f"(?:{p})" for p in cond.patterns), literals, keys, anchors, phrases)
        for cond, (literals, keys, anchors, phrases) in zip(CONDITIONS, ahead.TABLE, strict=True)
    )


def build() -> tuple[Compiled, ...]:
    """Every condition with its localised messages added as literals, its localised program
    messages as phrases, and the keys and anchors that gate its regex."""
    extra: dict[str, list[str]] = {}
    for name, messages in localised().items():
        target = LOCALISED.get(name)
        if target:
            extra.setdefault(target, []).extend(messages)
    programs = program_messages()
    out = []
    for cond in CONDITIONS:
        literals = tuple(dict.fromkeys(w.lower() for w in extra.get(cond.id, [])))
        phrases = tuple(tuple(f.lower() for f in frags) for frags in programs.get(cond.id, ()))
        source = "|".join(f"(?:{p})" for p in cond.patterns)
        plain = (lit.lower() for p in cond.patterns if (lit := literal(p)))
        longest = (max(frags, key=len) for frags in phrases)  # a line holding the phrase holds it
        unique = tuple(dict.fromkeys((*cond.keys, *plain, *literals, *longest)))
        out.append(Compiled(cond, source, literals, unique, tuple(anchor(k) for k in unique), phrases))
    return tuple(out)


_ESCAPED = lazy(r"\\([.()\[\]/:\-'\"<>_ ])")
_META = lazy(r"[\\^$.|?*+()\[\]{}]")


def literal(pattern: str) -> str | None:
    """The text a pattern matches when it is a plain phrase (`\\bENOSPC\\b` -> `ENOSPC`),
    else None. Such a phrase is a key of its condition by itself."""
    text = pattern.removeprefix(r"\b").removesuffix(r"\b")
    if _META.search(_ESCAPED.sub("", text)):
        return None
    text = _ESCAPED.sub(r"\1", text)
    return text if text.strip() else None


def anchor(key: str) -> bytes:
    """The longest run of letters in `key` (UTF-8): a text holds `key` only if one of its
    words (`srvdoctor.textscan.tokens`) holds this run. Empty for a key without letters."""
    words = _ANCHOR_SPLIT.split(key.lower())
    return max(words, key=len).encode("utf-8", "surrogatepass")


_ANCHOR_SPLIT = lazy(r"[\x00-\x60\x7b-\x7f]+")


def find_phrase(line: str, low: str, frags: tuple[str, ...]) -> str | None:
    """The text of `line` from the first fragment to the last when `low` (the line lower-cased,
    same length) holds every fragment in order, else None. Linear: one `find` per fragment."""
    start = pos = low.find(frags[0])
    if start == -1:
        return None
    pos += len(frags[0])
    for frag in frags[1:]:
        pos = low.find(frag, pos)
        if pos == -1:
            return None
        pos += len(frag)
    return line[start:pos]
