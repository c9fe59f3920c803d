"""Regular expressions written by users (notes' `matches`), matched in linear time.

Python's `re` backtracks: one note with `(a+)+$` would hang `triage` for everyone who shares
the notes directory. RE2 (Google's engine, `google-re2`) never backtracks: every search is
linear in the text, whatever the pattern. It has no lookaround and no backreferences; a
pattern that needs them is reported as `UnsafePattern`, and the caller decides (a note's
pattern is then matched literally, `notes new --match` refuses it).
"""

from __future__ import annotations

from typing import Any, Protocol

#: The longest pattern taken from a note (a longer one is matched literally).
MAX_PATTERN_CHARS = 2000


class MatchLike(Protocol):
    def group(self, index: int, /) -> Any: ...


class Matcher(Protocol):
    """What both `re.Pattern` and a compiled RE2 pattern offer: `search(text)`."""

    def search(self, text: str, /) -> MatchLike | None: ...


class UnsafePattern(ValueError):
    """A pattern RE2 cannot run in linear time (lookaround, backreference, too large)."""


class _Linear:
    """A compiled RE2 pattern behind the one method the matchers use."""

    def __init__(self, pattern: str, compiled: Any) -> None:
        self.pattern = pattern
        self._compiled = compiled

    def search(self, text: str, /) -> MatchLike | None:
        try:
            match: MatchLike | None = self._compiled.search(text)
        except UnicodeEncodeError:  # lone surrogates (undecodable bytes of an argument)
            match = self._compiled.search(text.encode("utf-8", "replace").decode("utf-8"))
        return match

    def __repr__(self) -> str:
        return f"<linear-time pattern {self.pattern!r}>"


def compile_linear(pattern: str, ignore_case: bool = True) -> Matcher:
    """`pattern` compiled by RE2; UnsafePattern (with RE2's reason) when it cannot be."""
    import re2

    if len(pattern) > MAX_PATTERN_CHARS:
        raise UnsafePattern(f"longer than {MAX_PATTERN_CHARS} characters")
    options = re2.Options()
    options.case_sensitive = not ignore_case
    options.log_errors = False
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise UnsafePattern(f"not a linear-time (RE2) pattern: {reason}") from None
    except (TypeError, ValueError) as exc:  # a lone surrogate cannot be encoded for RE2
        raise UnsafePattern(f"cannot be compiled: {exc}") from None
    return _Linear(pattern, compiled)
