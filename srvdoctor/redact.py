"""Redaction: what a shareable report must never contain. Pure functions, no I/O.

- environment variables whose name says secret (TOKEN, KEY, SECRET, PASSWORD, PASS,
  CREDENTIAL, any case) show `***` for a value;
- credentials inside URLs (`https://user:pw@host`, `https://TOKEN@host`) become `***`;
- values that look like well-known token formats (GitHub, Hugging Face, OpenAI, AWS,
  Slack) are masked wherever they appear;
- `scrub` removes every secret value it was given from any text, as a last pass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

MASK = "***"

SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|PASS|CREDENTIAL", re.IGNORECASE)

_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/@'\"<>]+)@")

_TOKEN_FORMATS = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|hf_[A-Za-z0-9]{20,}"
    r"|sk-(?:proj-)?[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}"
    r"|glpat-[A-Za-z0-9_-]{20,})\b"
)

#: A secret shorter than this is not scrubbed from free text (it would mangle words).
MIN_SCRUB_LEN = 6


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def mask_urls(text: str) -> str:
    """`https://user:pw@host/x` -> `https://***@host/x`; URLs without credentials unchanged."""
    return _URL_USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)


def mask_tokens(text: str) -> str:
    return _TOKEN_FORMATS.sub(MASK, text)


def redact_value(name: str, value: str) -> str:
    """The value of environment variable `name` as a report may show it."""
    if is_secret_name(name):
        return MASK
    return mask_tokens(mask_urls(value))


def redact_env(environ: Mapping[str, str]) -> dict[str, str]:
    """Every variable by name, sorted, each value redacted."""
    return {name: redact_value(name, environ[name]) for name in sorted(environ)}


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """Values a report must never contain: of secret-named variables, and URL credentials."""
    found: set[str] = set()
    for name, value in environ.items():
        if is_secret_name(name) and value:
            found.add(value)
        for match in _URL_USERINFO.finditer(value):
            userinfo = match["userinfo"]
            found.add(userinfo)
            found.update(part for part in userinfo.split(":") if part)
    return sorted((v for v in found if len(v) >= MIN_SCRUB_LEN), key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """The last pass over a whole report: URLs, token formats, then every known secret value."""
    out = mask_tokens(mask_urls(text))
    for secret in secrets:
        if len(secret) >= MIN_SCRUB_LEN:
            out = out.replace(secret, MASK)
    return out


def anonymize_host(hostname: str) -> str:
    """A stable stand-in for a hostname: `host-` and 8 hex digits of its SHA-256."""
    return "host-" + hashlib.sha256(hostname.encode("utf-8")).hexdigest()[:8]
