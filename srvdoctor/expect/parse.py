"""The `[[expect.<kind>]]` tables of a config, validated into `srvdoctor.expect.model` objects.

Every problem is a `ConfigError` worded `file:line: expect.<kind>.<key>: what is wrong`:
an unknown kind or key, a wrong type, a bad duration or size, an unset `${VAR}`.
Strings expand `${VAR}` from the environment; an unset variable is an error, never "".
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from srvdoctor.config import Config, ConfigError, find_line, located_error, reason
from srvdoctor.expect.model import (
    KINDS,
    CommandExpect,
    ContainerExpect,
    Expectation,
    Expectations,
    GpuExpect,
    HttpExpect,
    JsonMatch,
    ListenExpect,
    PathExpect,
    PortExpect,
    ProcessExpect,
    TextMatch,
    Where,
)
from srvdoctor.lazyre import lazy
from srvdoctor.messages import t
from srvdoctor.units import (
    MAX_SIZE_BYTES,
    check_duration,
    number_value,
    parse_duration,
    parse_size,
    short_repr,
)

_VAR = lazy(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_CONTAINER_STATES = ("running", "exited", "paused", "restarting", "created", "dead")


class _Bad(ValueError):
    """A value problem of one key; the caller adds file:line and the key."""


# --------------------------------------------------------------------------- env


def expand(value: Any, env: Mapping[str, str]) -> Any:
    """`${VAR}` replaced in every string, recursively; an unset variable raises _Bad."""
    if isinstance(value, str):

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in env:
                raise _Bad(t("environment variable {variable} is not set", variable="${" + name + "}"))
            return env[name]

        return _VAR.sub(sub, value)
    if isinstance(value, list):
        return [expand(v, env) for v in value]
    if isinstance(value, dict):
        return {k: expand(v, env) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- value parsers


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad(t("expected a string, got {value!r}", value=value))
    if not value.strip():
        raise _Bad(t("must not be empty"))
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad(t("expected an integer, got {value!r}", value=value))
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,30}\s*", value):
        value = int(value)
    if isinstance(value, int):
        if abs(value) > MAX_SIZE_BYTES:
            raise _Bad(t("integer out of range: {value}", value=short_repr(value)))
        return value
    raise _Bad(t("expected an integer, got {value}", value=short_repr(value)))


def _count(value: Any) -> int:
    n = _int(value)
    if n < 0:
        raise _Bad(t("expected a count >= 0, got {n}", n=n))
    return n


def _path(value: Any) -> str:
    text = _str(value)
    if "\0" in text:
        raise _Bad(t("a path cannot contain a NUL byte: {path}", path=short_repr(text)))
    return text


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(t("expected true or false, got {value!r}", value=value))
    return value


def _duration(value: Any) -> float:
    if isinstance(value, bool):
        raise _Bad(t('expected a duration such as "500ms" or "90s", got {value!r}', value=value))
    if not isinstance(value, (int, float, str)):
        raise _Bad(t('expected a duration such as "500ms" or "90s", got {value}', value=short_repr(value)))
    try:  # finite and at most 10 years: nan, inf, 1e400 and 10**400 are errors
        seconds = parse_duration(value) if isinstance(value, str) else check_duration(number_value(value))
    except ValueError as exc:
        raise _Bad(reason(exc)) from None
    if seconds <= 0:
        raise _Bad(t("expected a positive duration, got {value}", value=short_repr(value)))
    return seconds


def _size(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad(t('expected a size such as "512MiB", got {value!r}', value=value))
    if isinstance(value, int):
        size = value
        if size > MAX_SIZE_BYTES:
            raise _Bad(t("size {value} is too large (at most 8 EiB)", value=short_repr(value)))
    elif isinstance(value, str):
        try:
            size = parse_size(value)
        except ValueError as exc:
            raise _Bad(reason(exc)) from None
    else:
        raise _Bad(
            t('expected a size such as "512MiB" or a number of bytes, got {value}', value=short_repr(value))
        )
    if size < 0:
        raise _Bad(t("expected a size >= 0, got {value!r}", value=value))
    return size


def _choice(*options: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in options:
            raise _Bad(t("expected one of {options}, got {value!r}", options=", ".join(options), value=value))
        return str(value)

    return parse


def _port_number(value: Any) -> int:
    port = _int(value)
    if not 1 <= port <= 65535:
        raise _Bad(t("expected a port between 1 and 65535, got {port}", port=port))
    return port


def _statuses(value: Any) -> tuple[int, ...]:
    values = value if isinstance(value, list) else [value]
    if not values:
        raise _Bad(t("expected an HTTP status or a list of them, got []"))
    out = []
    for v in values:
        code = _int(v) if not isinstance(v, bool) else -1
        if not 100 <= code <= 599:
            raise _Bad(t("expected HTTP status codes (100-599), got {value!r}", value=v))
        out.append(code)
    return tuple(out)


def _text_match(value: Any) -> TextMatch:
    text = _str(value)
    if text.startswith("regex:"):
        try:
            return TextMatch(text, re.compile(text[len("regex:") :]))
        except re.error as exc:
            raise _Bad(t("invalid regular expression: {why}", why=str(exc))) from None
    return TextMatch(text)


def _regex(value: Any) -> re.Pattern[str]:
    text = _str(value)
    try:
        return re.compile(text)
    except re.error as exc:
        raise _Bad(t("invalid regular expression: {why}", why=str(exc))) from None


_JSON_EXAMPLE = '{path = "status", equals = "ok"}'


def _one_json(value: Any) -> JsonMatch:
    if not isinstance(value, dict):
        raise _Bad(t("expected a table such as {example}, got {value!r}", example=_JSON_EXAMPLE, value=value))
    unknown = set(value) - {"path", "equals"}
    if unknown:
        raise _Bad(t("unknown key {key!r}; known: path, equals", key=sorted(unknown)[0]))
    if "path" not in value:
        raise _Bad(t("needs a path, e.g. {example}", example=_JSON_EXAMPLE))
    path = _str(value["path"])
    if any(not part for part in path.split(".")):
        raise _Bad(t("path {path!r} has an empty part", path=path))
    return JsonMatch(path, value.get("equals"), "equals" in value)


def _json(value: Any) -> tuple[JsonMatch, ...]:
    values = value if isinstance(value, list) else [value]
    return tuple(_one_json(v) for v in values)


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Bad(
            t(
                "expected a table of header names to values, e.g. {example}, got {value!r}",
                example='{Authorization = "Bearer ..."}',
                value=value,
            )
        )
    out = {}
    for name, v in value.items():
        if not isinstance(v, str):
            raise _Bad(t("header {name!r}: expected a string, got {value!r}", name=name, value=v))
        out[str(name)] = v
    return out


def _argv(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        raise _Bad(
            t(
                "expected an argv list such as {example}, not a shell string {value!r}",
                example='["curl", "-fsS", "http://..."]',
                value=value,
            )
        )
    if not isinstance(value, list) or not value:
        raise _Bad(t("expected a non-empty list of strings, got {value!r}", value=value))
    if not all(isinstance(v, str) for v in value):
        raise _Bad(t("expected a list of strings, got {value!r}", value=value))
    return tuple(value)


def _url(value: Any) -> str:
    url = _str(value).strip()
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:  # "Invalid IPv6 URL": an unclosed [
        raise _Bad(t("not a valid URL ({why}): {url!r}", why=str(exc), url=url)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Bad(t("expected an http:// or https:// URL with a host, got {url!r}", url=url))
    if " " in url:
        raise _Bad(t("URL contains a space: {url!r}", url=url))
    try:
        _ = parts.port
    except ValueError:
        raise _Bad(t("URL has an invalid port: {url!r}", url=url)) from None
    return url


def _method(value: Any) -> str:
    method = _str(value).upper()
    if method not in _METHODS:
        raise _Bad(t("expected one of {options}, got {value!r}", options=", ".join(_METHODS), value=value))
    return method


def _host_port(value: Any) -> tuple[str, int]:
    text = _str(value).strip()
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\w+)|([^\s:\[\]]+):(\w+)", text)
    if not match:
        raise _Bad(t("expected HOST:PORT (or [IPv6]:PORT), got {value!r}", value=text))
    host = match.group(1) or match.group(3)
    port = _port_number(match.group(2) or match.group(4))
    if match.group(1):
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise _Bad(t("not an IPv6 address: {host!r}", host=host)) from None
    return host, port


def _address(value: Any) -> str:
    text = _str(value).strip()
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        raise _Bad(
            t("expected an IP address such as 0.0.0.0, 127.0.0.1 or ::, got {value!r}", value=text)
        ) from None


# --------------------------------------------------------------------------- kinds

_Fields = dict[str, Callable[[Any], Any]]

#: Per kind: config key -> value parser. The model field has the same name except `kind`
#: of `[[expect.path]]`, which becomes `type`.
SCHEMA: dict[str, _Fields] = {
    "http": {
        "url": _url,
        "status": _statuses,
        "within": _duration,
        "contains": _text_match,
        "json": _json,
        "headers": _headers,
        "insecure": _bool,
        "method": _method,
        "timeout": _duration,
    },
    "port": {"target": _host_port, "state": _choice("open", "closed"), "timeout": _duration},
    "listen": {"port": _port_number, "address": _address, "process": _str},
    "path": {"path": _path, "kind": _choice("file", "dir", "any"), "min_bytes": _size, "max_age": _duration},
    "process": {"name": _str, "cmdline": _regex, "min": _count, "user": _str},
    "container": {
        "name": _str,
        "state": _choice(*_CONTAINER_STATES),
        "health": _choice("healthy"),
        "max_restarts": _count,
    },
    "gpu": {"count": _count, "min_free_memory": _size, "optional": _bool},
    "command": {"run": _argv, "exit": _int, "contains": _text_match, "timeout": _duration},
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "http": ("url",),
    "port": ("target",),
    "listen": ("port",),
    "path": ("path",),
    "process": (),
    "container": ("name",),
    "gpu": (),
    "command": ("run",),
}

_MODELS: dict[str, type[Expectation]] = {
    "http": HttpExpect,
    "port": PortExpect,
    "listen": ListenExpect,
    "path": PathExpect,
    "process": ProcessExpect,
    "container": ContainerExpect,
    "gpu": GpuExpect,
    "command": CommandExpect,
}


def _suggest(word: str, choices: list[str]) -> str:
    near = difflib.get_close_matches(word, choices, n=1)
    return t(" (did you mean {word!r}?)", word=near[0]) if near else ""


def _build(kind: str, values: dict[str, Any], where: Where) -> Expectation:
    """Parsed key values -> the model object (keys renamed where the model differs)."""
    if kind == "port":
        host, port = values.pop("target")
        values.update(host=host, port=port)
    if kind == "path" and "kind" in values:
        values["type"] = values.pop("kind")
    return _MODELS[kind](where=where, **values)


def parse_expectations(raw: Any, cfg: Config, env: Mapping[str, str] | None = None) -> Expectations:
    """Validate the raw `expect` section of `cfg`; raise ConfigError at the first problem."""
    env = os.environ if env is None else env
    source = str(cfg.source) if cfg.source else "<config>"

    def error(kind: str | None, key: str | None, message: str, index: int = 0) -> ConfigError:
        table = ("expect", kind) if kind else ("expect",)
        return located_error(cfg.source, cfg.text, table, key, message, index)

    if not isinstance(raw, dict):
        raise error(None, None, t("expected tables such as [[expect.http]]"))
    items: list[Expectation] = []
    for kind, tables in raw.items():
        if kind not in SCHEMA:
            header = find_line(cfg.text, ("expect", kind)) if cfg.text else None
            raise error(
                kind if header else None,
                None if header else kind,
                t(
                    "{what}{suggestion}; known: {known}",
                    what=t("unknown expectation kind"),
                    suggestion=_suggest(kind, list(KINDS)),
                    known=", ".join(KINDS),
                ),
            )
        double = f"[[expect.{kind}]]"
        if isinstance(tables, dict):
            raise error(
                kind, None, t("write {header} (double brackets: a list of expectations)", header=double)
            )
        if not isinstance(tables, list) or not all(isinstance(x, dict) for x in tables):
            raise error(None, kind, t("expected {header} tables", header=double))
        schema = SCHEMA[kind]
        for index, table in enumerate(tables):
            values: dict[str, Any] = {}
            for key, value in table.items():
                if key not in schema:
                    raise error(
                        kind,
                        key,
                        t(
                            "{what}{suggestion}; known: {known}",
                            what=t("unknown key"),
                            suggestion=_suggest(key, list(schema)),
                            known=", ".join(schema),
                        ),
                        index,
                    )
                try:
                    values[key] = schema[key](expand(value, env))
                except _Bad as exc:
                    raise error(kind, key, reason(exc), index) from None
            for key in REQUIRED[kind]:
                if key not in values:
                    raise error(kind, None, t("missing required key {key!r}", key=key), index)
            if kind == "process" and "name" not in values and "cmdline" not in values:
                raise error(kind, None, t("needs name or cmdline (a regex)"), index)
            if kind == "path" and values.get("kind") == "dir" and "min_bytes" in values:
                raise error(kind, "min_bytes", t('applies to files only, not kind = "dir"'), index)
            line = cfg.text and _line(cfg, kind, index)
            items.append(_build(kind, values, Where(kind, index, source, line or None)))
    return Expectations(tuple(sorted(items, key=lambda e: (KINDS.index(e.kind), e.where.index))))


def _line(cfg: Config, kind: str, index: int) -> int | None:
    return find_line(cfg.text, ("expect", kind), None, index)


def validate_section(raw: Any, cfg: Config) -> None:
    """The `EXTRA_SECTIONS` hook: parse once at load time so errors surface as exit 2."""
    parse_expectations(raw, cfg)


def expectations_of(cfg: Config) -> Expectations:
    """The expectations of a loaded config (already validated at load)."""
    raw = cfg.sections.get("expect")
    return parse_expectations(raw, cfg) if raw is not None else Expectations()
