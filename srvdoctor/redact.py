"""Redaction: what srvdoctor's output must never contain. Pure functions, no I/O.

`redact_text` is THE redaction step: every output srvdoctor writes passes through it at the
sink (`commands/common.py`: `write_output` for every format and file, the terminal stream for
tables), so tables, JSON, JUnit, Prometheus labels, Nagios lines, Markdown reports and GitHub
annotations are all covered by one function. It masks, with `***`:

- credentials inside URLs (`https://user:pw@host`, `https://TOKEN@host`);
- values that look like well-known token formats: GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`,
  `ghr_`, `github_pat_`), Hugging Face (`hf_`), OpenAI (`sk-`, `sk-proj-`), AWS access key ids
  (`AKIA`, `ASIA`), Slack (`xox?-`), GitLab (`glpat-`);
- the value of a command-line option named like a secret (`--password=X`, `--password X`,
  `--token X`, `--api-key X`, `--client-secret X`; not `--password-file PATH`);
- `-p X`/`-pX` after mysql, mysqldump, mysqladmin, mariadb and sshpass; `-a X` after redis-cli;
- `Authorization:`/`Proxy-Authorization:` header values, and `Bearer X`/`Basic X`/`Token X`
  credentials anywhere;
- `NAME=value` where NAME is secret-like (`HF_TOKEN=...`, `?password=...` in a query string).

A value that is only a reference (`$HF_TOKEN`, `${TOKEN}`, `<token>`, `***`) is left as it is.
The value a pattern masks stops at whitespace, quotes, backslashes and control characters, so
masking inside JSON, XML or Prometheus text keeps that text well-formed.

For `report --env`: environment variables whose name says secret show `***` for a value, and
`scrub` removes every secret value it was given from any text, as a last pass.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from srvdoctor.lazyre import lazy

if TYPE_CHECKING:
    from srvdoctor.model import Report, Result

MASK = "***"


SECRET_NAME = lazy(r"TOKEN|KEY|SECRET|PASSWORD|PASS|CREDENTIAL", re.IGNORECASE)

_URL_USERINFO = lazy(
    r"(?P<scheme>(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/@'\"<>\\\x00-\x1f\x7f]+)@"
)

_TOKEN_FORMATS = lazy(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|hf_[A-Za-z0-9]{20,}"
    r"|sk-(?:proj-)?[A-Za-z0-9_-]{20,}|xox[abeprs]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}"
    r"|glpat-[A-Za-z0-9_-]{20,})\b"
)

#: What a masked value may hold: it ends at whitespace, quotes, a backslash (JSON and
#: Prometheus escapes), angle brackets (XML) and control characters (ANSI colour codes).
_VALUE = r"""(?![-$<*%{])[^\s"'\\<>\x00-\x1f\x7f]+"""
_ASSIGN_VALUE = r"""(?![-$<*%{])[^\s"'\\<>&\x00-\x1f\x7f]+"""
_OPTION = lazy(rf"(?P<key>(?<![\w-])--?[A-Za-z][A-Za-z0-9_-]*)(?P<sep>=|[ \t]+)(?P<value>{_VALUE})")
_ASSIGN = lazy(rf"(?P<key>(?<![\w.-])[A-Za-z_][A-Za-z0-9_.-]*)(?P<sep>=)(?P<value>{_ASSIGN_VALUE})")
_SECRET_PARTS = ("password", "passwd", "passphrase", "pwd", "token", "secret", "apikey", "credential",
                 "credentials")  # fmt: skip
_KEY_OWNERS = frozenset({"api", "access", "private", "secret", "ssh", "signing", "encryption", "master",
                         "license", "client"})  # fmt: skip
_NOT_A_VALUE = frozenset({"file", "path", "dir", "env", "type", "length", "len", "count", "name", "id"})


def is_secret_option(name: str) -> bool:
    """`--db-password`, `--api-key`, `HF_TOKEN`, `PGPASSWORD`: yes; `--tokenizer`, `--max-tokens`,
    `--password-file`, `TOKENIZERS_PARALLELISM`: no."""
    parts = [p for p in re.split(r"[-_.]+", name.lower()) if p]
    if not parts or parts[-1] in _NOT_A_VALUE:
        return False
    for i, part in enumerate(parts):
        if part.endswith(_SECRET_PARTS) or part == "pass":
            return True
        if part == "key" and i > 0 and parts[i - 1] in _KEY_OWNERS:
            return True
    return False


_HEADER = lazy(
    rf"(?P<key>\b(?:proxy-)?authorization\s*[:=]\s*(?:(?:bearer|basic|token|digest|negotiate)\s+)?)"
    rf"(?P<value>(?!(?:bearer|basic|token|digest|negotiate)\s){_VALUE})",
    re.IGNORECASE,
)
_SCHEME = lazy(
    rf"(?P<key>\b(?:bearer|basic)\s+)(?P<value>(?=[A-Za-z0-9._~+/=-]{{8,}})(?=[A-Za-z]*[0-9._~+/=-]){_VALUE})",
    re.IGNORECASE,
)
_TOOL_FLAG = lazy(
    r"(?P<tool>(?<![\w-])(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump|sshpass|redis-cli)\b)"
    r"(?P<args>[^\n;|&]*)"
)
_TOOL_PASSWORD = {"redis-cli": lazy(rf"(?P<key>(?<!\S)-a[ \t]*)(?P<value>{_VALUE})")}
_DASH_P = lazy(rf"(?P<key>(?<!\S)-p[ \t]*)(?P<value>{_VALUE})")

#: A secret shorter than this is not scrubbed from free text (it would mangle words).
MIN_SCRUB_LEN = 6


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def mask_urls(text: str) -> str:
    """`https://user:pw@host/x` -> `https://***@host/x`; URLs without credentials unchanged."""
    return _URL_USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)


def mask_tokens(text: str) -> str:
    return _TOKEN_FORMATS.sub(MASK, text)


def _mask_value(match: re.Match[str]) -> str:
    return match["key"] + (match["sep"] if "sep" in match.re.groupindex else "") + MASK


def _mask_named(match: re.Match[str]) -> str:
    return _mask_value(match) if is_secret_option(match["key"]) else match.group()


def _mask_tool(match: re.Match[str]) -> str:
    tool = match["tool"]
    flag = _TOOL_PASSWORD.get(tool, _DASH_P)
    return tool + flag.sub(_mask_value, match["args"])


_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "hf_", "sk-", "xox", "akia", "asia",
                   "glpat-")  # fmt: skip
_NAME_WORDS = ("pass", "pwd", "token", "secret", "key", "credential")
_TOOLS = ("mysql", "mariadb", "sshpass", "redis-cli")


#: Short strings already redacted: a report repeats its keys and words (`status`, `summary`,
#: `ok`) thousands of times, and the answer depends on the text alone.
_SHORT: dict[str, str] = {}
_SHORT_LEN = 64
_SHORT_MAX = 8192


def redact_text(text: str) -> str:
    """THE redaction step: `text` with every credential srvdoctor can recognise masked.

    Linear in the length of `text` (each pattern starts only where a word starts), and each
    pattern runs only when a literal it needs occurs, so megabytes of JSON cost milliseconds."""
    if len(text) <= _SHORT_LEN:
        done = _SHORT.get(text)
        if done is None:
            if len(_SHORT) >= _SHORT_MAX:
                _SHORT.clear()
            done = _SHORT[text] = _redact(text)
        return done
    return _redact(text)


def _redact(text: str) -> str:
    if not text:
        return text
    lowered = text.lower()
    out = mask_urls(text) if "://" in text else text
    if any(p in lowered for p in _TOKEN_PREFIXES):
        out = mask_tokens(out)
    if "authorization" in lowered:
        out = _HEADER.sub(_mask_value, out)
    if "bearer" in lowered or "basic" in lowered:
        out = _SCHEME.sub(_mask_value, out)
    if any(w in lowered for w in _NAME_WORDS):
        out = _OPTION.sub(_mask_named, out) if "-" in out else out
        out = _ASSIGN.sub(_mask_named, out) if "=" in out else out
    if any(t in lowered for t in _TOOLS):
        out = _TOOL_FLAG.sub(_mask_tool, out)
    return out


def redact_obj(obj: object) -> object:
    """`redact_text` on every string (keys included) of a JSON-like value."""
    if isinstance(obj, str):
        return redact_text(obj)
    if isinstance(obj, dict):
        return {redact_text(k) if isinstance(k, str) else k: redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact_obj(v) for v in obj]
    return obj


def redact_value(name: str, value: str) -> str:
    """The value of environment variable `name` as a report may show it: `***` when the name
    says secret, or when the value is a credential whatever the name (`Bearer ...`, `Basic ...`)."""
    if is_secret_name(name) or re.fullmatch(r"\s*(?:bearer|basic|digest)\s+\S{4,}\s*", value, re.IGNORECASE):
        return MASK
    return redact_text(value)


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
    import hashlib

    return "host-" + hashlib.sha256(hostname.encode("utf-8")).hexdigest()[:8]


def redact_result(result: Result) -> Result:
    """`redact_text` over every string of a result (target, summary, details, hints, data)."""
    data = redact_obj(dict(result.data))
    assert isinstance(data, dict)
    return dataclasses.replace(
        result,
        target=redact_text(result.target),
        summary=redact_text(result.summary),
        details=tuple(redact_text(d) for d in result.details),
        hints=tuple(redact_text(h) for h in result.hints),
        data=data,
    )


def redact_report(report: Report) -> Report:
    """The report as renderers see it: every result through `redact_result`, and the host name.
    Renderers that reshape text (Nagios perfdata labels, Prometheus names) start from this, so
    the sink's `redact_text` pass is not the only one that sees the original shape."""
    return dataclasses.replace(
        report, host=redact_text(report.host), results=[redact_result(r) for r in report.results]
    )
