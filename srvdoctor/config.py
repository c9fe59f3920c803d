"""srvdoctor.toml: thresholds, targets and the notes directory, validated.

Every error names the file, the line where TOML gives one or where the key stands,
and the key, so that `srvdoctor` can print it as one line and exit 2.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from srvdoctor.messages import join, oserror, t
from srvdoctor.model import FAIL_ON
from srvdoctor.record import dataclass
from srvdoctor.units import (
    MAX_SIZE_BYTES,
    check_duration,
    number_value,
    parse_duration,
    parse_size,
    short_repr,
)

CONFIG_NAME = "srvdoctor.toml"
SYSTEM_CONFIG = Path("/etc/srvdoctor/srvdoctor.toml")
DEFAULT_NOTES_DIR = Path("~/.config/srvdoctor/notes")
#: `timeout` (per probe), in the config as on the command line (`--timeout`): (0, 1h].
MAX_TIMEOUT_S = 3600.0
#: The largest config file read (a config is a few kB; /dev/zero is not one).
MAX_CONFIG_BYTES = 16 * 2**20


class ConfigError(Exception):
    """A config problem, already worded as one line: `file:line: key: what is wrong`.

    Its argument is a `srvdoctor.messages.Msg`: English as a string, printed in the user's
    language by the CLI (`reason`)."""


def reason(exc: BaseException) -> str:
    """The text of an exception as raised: the `Msg` itself where it carries one (so that it can
    still be printed in another language), else `str(exc)`."""
    args = exc.args
    return args[0] if len(args) == 1 and isinstance(args[0], str) else str(exc)


@dataclass(frozen=True)
class Targets:
    """What `check` looks at beyond this machine's own resources."""

    paths: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """The effective configuration: file values over defaults."""

    source: Path | None = None
    timeout: float = 3.0
    fail_on: str = "fail"
    notes_dir: Path | None = None
    targets: Targets = field(default_factory=Targets)
    #: validated threshold overrides per check id, e.g. {"disk.space": {"warn_percent": 85.0}}
    checks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: sections other modules own (e.g. `expect`), validated by them; raw TOML values
    sections: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""

    def resolved_notes_dir(self) -> Path:
        env = os.environ.get("SRVDOCTOR_NOTES")
        if env:
            return Path(env).expanduser()
        return (self.notes_dir or DEFAULT_NOTES_DIR).expanduser()

    def error(self, table: tuple[str, ...], key: str | None, message: str) -> ConfigError:
        """A ConfigError located at `table`/`key` of this config's file."""
        return located_error(self.source, self.text, table, key, message)


# --------------------------------------------------------------------------- locating


def _split_dotted(text: str) -> tuple[str, ...]:
    parts: list[str] = []
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^.\s"\']+)', text):
        parts.append(next(g for g in m.groups() if g is not None))
    return tuple(parts)


def _skip_quoted(s: str, i: int) -> int:
    """The index after the quoted key starting at s[i] (a " or '), or -1 when it is not closed."""
    quote, n = s[i], len(s)
    i += 1
    while i < n and s[i] != quote:
        i += 2 if quote == '"' and s[i] == "\\" else 1
    return i + 1 if i < n else -1


def _dotted_end(s: str, i: int, stop: str) -> int:
    """Scan a dotted key from s[i] to the first `stop` character outside quotes; -1 when the
    text there is not a key. One pass, no backtracking: a line of any length costs its length."""
    n = len(s)
    while i < n:
        c = s[i]
        if c in "\"'":
            i = _skip_quoted(s, i)
            if i < 0:
                return -1
        elif c == stop:
            return i
        elif c.isalnum() or c in "_-. \t":
            i += 1
        else:
            return -1
    return -1


def _classify(line: str) -> tuple[str, tuple[str, ...]] | None:
    """('table', name) for a `[table]`/`[[table]]` header, ('key', dotted key) for `key = ...`."""
    s = line.lstrip(" \t")
    if not s or s[0] == "#":
        return None
    if s[0] == "[":
        start = 2 if s.startswith("[[") else 1
        end = _dotted_end(s, start, "]")
        if end < 0:
            return None
        rest = s[end + start :].lstrip(" \t")
        if s[end : end + start] != "]" * start or (rest and rest[0] != "#"):
            return None
        name = _split_dotted(s[start:end])
        return ("table", name) if name else None
    end = _dotted_end(s, 0, "=")
    if end <= 0:
        return None
    key = _split_dotted(s[:end])
    return ("key", key) if key else None


@dataclass(frozen=True)
class _LineIndex:
    """Where each table header and key of a config stands, built in one pass over the text."""

    #: (table, occurrence) -> line of the header
    headers: dict[tuple[tuple[str, ...], int], int]
    #: full dotted key -> {table the line is in: first line}
    keys: dict[tuple[str, ...], dict[tuple[str, ...], int]]
    #: (table, occurrence, full dotted key) -> first line
    exact: dict[tuple[tuple[str, ...], int, tuple[str, ...]], int]


@functools.lru_cache(maxsize=4)
def _index(text: str) -> _LineIndex:
    headers: dict[tuple[tuple[str, ...], int], int] = {}
    keys: dict[tuple[str, ...], dict[tuple[str, ...], int]] = {}
    exact: dict[tuple[tuple[str, ...], int, tuple[str, ...]], int] = {}
    seen: dict[tuple[str, ...], int] = {}
    current: tuple[str, ...] = ()
    occurrence = -1
    for number, line in enumerate(text.splitlines(), start=1):
        kind = _classify(line)
        if kind is None:
            continue
        if kind[0] == "table":
            current = kind[1]
            occurrence = seen[current] = seen.get(current, -1) + 1
            headers.setdefault((current, occurrence), number)
            continue
        full = current + kind[1]
        keys.setdefault(full, {}).setdefault(current, number)
        exact.setdefault((current, occurrence, full), number)
    return _LineIndex(headers, keys, exact)


def find_line(text: str, table: tuple[str, ...], key: str | None = None, index: int = 0) -> int | None:
    """The 1-based line of `key` inside `[table]` (the `index`-th `[[table]]`), or of the header.

    A dotted key written elsewhere (`expect.http.url = ...` at the top) counts too. Linear in
    the text, once: the index of lines is built in one pass and kept for the next question.
    """
    idx = _index(text)
    header = idx.headers.get((table, index))
    if key is None:
        return header
    full = (*table, key)
    lines = [n for where, n in idx.keys.get(full, {}).items() if not table or where != table]
    if table and (table, index, full) in idx.exact:
        lines.append(idx.exact[(table, index, full)])
    return min(lines) if lines else header


def located_error(
    source: Path | None, text: str, table: tuple[str, ...], key: str | None, message: str, index: int = 0
) -> ConfigError:
    where = str(source) if source else "<config>"
    line = find_line(text, table, key, index) if text else None
    if line is not None:
        where += f":{line}"
    parts = (*table, key) if key else table
    name = ".".join(f'"{p}"' if not re.fullmatch(r"[A-Za-z0-9_-]+", p) else p for p in parts)
    return ConfigError(join(": ", (where, name, message) if name else (where, message)))


# --------------------------------------------------------------------------- values


def coerce(value: Any, hint: Any, key: str) -> Any:
    """Check a TOML value against a dataclass field type; accept human units.

    int fields named *_bytes take sizes ("512MiB"); float fields named *_s or
    *_seconds take durations ("90s"). Raises ValueError with the reason.
    """
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in typing.get_args(hint):
            if option is type(None):
                if value is None:
                    return None
                continue
            try:
                return coerce(value, option, key)
            except ValueError as exc:
                errors.append(reason(exc))
        raise ValueError(errors[0] if errors else t("unexpected value {value!r}", value=value))
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ValueError(t("expected true or false, got {value}", value=short_repr(value)))
    if hint is int:
        if isinstance(value, str) and key.endswith("_bytes"):
            return parse_size(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if abs(value) > MAX_SIZE_BYTES:
                raise ValueError(t("integer out of range (at most {maximum})", maximum=MAX_SIZE_BYTES))
            return value
        raise ValueError(t("expected an integer, got {value}", value=short_repr(value)))
    if hint is float:
        if isinstance(value, str) and key.endswith(("_s", "_seconds")):
            return parse_duration(value)
        number = number_value(value)  # finite: nan, inf and 1e400 are errors
        return check_duration(number, value) if key.endswith(("_s", "_seconds")) else number
    if hint is str:
        if isinstance(value, str):
            return value
        raise ValueError(t("expected a string, got {value}", value=short_repr(value)))
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, list):
            raise ValueError(t("expected a list, got {value}", value=short_repr(value)))
        inner = args[0] if args else Any
        return tuple(coerce(v, inner, key) for v in value)
    if hint is Any:
        return value
    raise ValueError(t("unsupported setting type {hint!r}", hint=hint))


def dataclass_overrides(cls: type[Any], table: Mapping[str, Any]) -> dict[str, Any]:
    """Validate `table` as keyword arguments for dataclass `cls`.

    Raises KeyError(key, message) pointing at the offending key.
    """
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in fields:
            raise KeyError(key, _unknown(t("unknown setting"), key, fields))
        try:
            out[key] = coerce(value, hints[key], key)
        except ValueError as exc:
            raise KeyError(key, reason(exc)) from None
    return out


def _suggest(word: str, choices: typing.Iterable[str]) -> str:
    near = difflib.get_close_matches(word, list(choices), n=1)
    return t(" (did you mean {word!r}?)", word=near[0]) if near else ""


def _unknown(what: str, word: str, choices: typing.Iterable[str]) -> str:
    """`unknown setting (did you mean 'x'?); known: a, b` with `what` the first words."""
    known = list(choices)
    return t(
        "{what}{suggestion}; known: {known}",
        what=what,
        suggestion=_suggest(word, known),
        known=", ".join(known),
    )


# --------------------------------------------------------------------------- sections

SectionValidator = Callable[[Any, "Config"], None]

#: Sections owned by other modules, validated by them once the file is read.
EXTRA_SECTIONS: dict[str, SectionValidator] = {}

_TOP_LEVEL = ("timeout", "fail_on", "notes", "targets", "checks")


def _parse_targets(raw: Any, cfg: Config) -> Targets:
    if not isinstance(raw, dict):
        raise cfg.error(("targets",), None, t("expected a table"))
    kwargs = {}
    for key, value in raw.items():
        if key not in {f.name for f in dataclasses.fields(Targets)}:
            raise cfg.error(("targets",), key, t("unknown target kind; known: paths, ports, hosts, urls"))
        if not isinstance(value, list) or not all(
            isinstance(v, (str, int)) and not isinstance(v, bool) for v in value
        ):
            raise cfg.error(("targets",), key, t("expected a list of strings"))
        kwargs[key] = tuple(str(v) for v in value)
        for item in kwargs[key]:
            problem = _bad_target(key, item)
            if problem:
                raise cfg.error(("targets",), key, problem)
    return Targets(**kwargs)


def _bad_target(kind: str, item: str) -> str | None:
    """Why one `[targets]` entry cannot be checked, or None: the same rules as the command line
    (`srvdoctor port`, `ping`, `path`), so that a bad entry is exit 2 at load, not a result."""
    from srvdoctor.targets import TargetError, parse_host, parse_target

    if kind == "paths":
        bare = item.removeprefix("file:").removeprefix("dir:")
        if not bare.strip():
            return t("a path is empty (write the path; an empty one is not the current directory)")
        if "\0" in bare:
            return t("{path}: a path cannot contain a NUL byte", path=short_repr(item))
        return None
    try:
        target = parse_host(item) if kind == "hosts" else parse_target(item)
    except TargetError as exc:
        return reason(exc)
    if kind == "urls" and not (isinstance(target, str) or target.is_url):
        return t("{target}: expected an http:// or https:// URL", target=short_repr(item))
    return None


def _parse_checks(raw: Any, cfg: Config) -> dict[str, dict[str, Any]]:
    from srvdoctor.checks import registry

    if not isinstance(raw, dict):
        raise cfg.error(("checks",), None, t("expected a table of check ids"))
    # only the modules of the ids named (every check only to suggest a name for an unknown one)
    by_id = registry.by_id(raw)
    if any(check_id not in by_id for check_id in raw):
        by_id = {c.id: c for c in registry.CHECKS}
    out: dict[str, dict[str, Any]] = {}
    for check_id, table in raw.items():
        if check_id not in by_id:
            raise cfg.error(
                ("checks", check_id),
                None,
                t("unknown check{suggestion}", suggestion=_suggest(check_id, by_id)),
            )
        if not isinstance(table, dict):
            raise cfg.error(("checks",), check_id, t("expected a table of settings"))
        try:
            out[check_id] = dataclass_overrides(by_id[check_id], table)
            by_id[check_id](**out[check_id])  # __post_init__ validates combinations
        except KeyError as exc:
            key, message = exc.args
            raise cfg.error(("checks", check_id), key, message) from None
        except ValueError as exc:
            raise cfg.error(("checks", check_id), None, reason(exc)) from None
    return out


def _parse_toml(text: str, where: str) -> dict[str, Any]:
    """The TOML document `text`; malformed, a ConfigError naming `where` and the line."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

    try:
        raw: dict[str, Any] = tomllib.loads(text)
        return raw
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        loc = f":{match.group(1)}" if match else ""
        raise ConfigError(t("{where}: malformed TOML: {why}", where=where + loc, why=message)) from None
    except RecursionError:
        raise ConfigError(
            t("{where}: malformed TOML: arrays or tables nested too deeply", where=where)
        ) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        first = str(exc).split(";")[0]
        raise ConfigError(t("{where}: malformed TOML: {why}", where=where, why=first)) from None


def parse_config(text: str, source: Path | None) -> Config:
    """Parse and validate the text of a config file."""
    where = str(source) if source else "<config>"
    raw = _parse_toml(text, where) if text.strip() else {}  # blank: tomllib need not load
    cfg = Config(source=source, text=text)
    for key in raw:
        if key not in _TOP_LEVEL and key not in EXTRA_SECTIONS:
            known = (*_TOP_LEVEL, *EXTRA_SECTIONS)
            raise cfg.error((), key, _unknown(t("unknown setting"), key, known))
    given = raw.get("timeout", cfg.timeout)
    try:
        timeout = parse_duration(given) if isinstance(given, str) else number_value(given)
    except ValueError as exc:
        raise cfg.error((), "timeout", reason(exc)) from None
    if not 0 < timeout <= MAX_TIMEOUT_S:
        raise cfg.error(
            (),
            "timeout",
            t(
                "expected a positive number of seconds, at most {maximum:g} (1h), got {value}",
                maximum=MAX_TIMEOUT_S,
                value=short_repr(given),
            ),
        )
    fail_on = raw.get("fail_on", cfg.fail_on)
    if not isinstance(fail_on, str) or fail_on not in FAIL_ON:
        raise cfg.error(
            (),
            "fail_on",
            t(
                "expected one of {options}, got {value}",
                options=", ".join(FAIL_ON),
                value=short_repr(fail_on),
            ),
        )
    notes_dir: Path | None = None
    if "notes" in raw:
        notes = raw["notes"]
        if not isinstance(notes, dict):
            raise cfg.error(("notes",), None, t("expected a table"))
        for key in notes:
            if key != "dir":
                raise cfg.error(("notes",), key, t("unknown setting; known: dir"))
        if not isinstance(notes.get("dir", ""), str):
            raise cfg.error(("notes",), "dir", t("expected a path string"))
        if "\0" in notes.get("dir", ""):
            raise cfg.error(("notes",), "dir", t("a path cannot contain a NUL byte"))
        if notes.get("dir"):
            notes_dir = Path(notes["dir"]).expanduser()
    cfg = dataclasses.replace(
        cfg,
        timeout=float(timeout),
        fail_on=fail_on,
        notes_dir=notes_dir,
        targets=_parse_targets(raw["targets"], cfg) if "targets" in raw else Targets(),
        checks=_parse_checks(raw["checks"], cfg) if "checks" in raw else {},
        sections={k: v for k, v in raw.items() if k in EXTRA_SECTIONS},
    )
    for name, validate in EXTRA_SECTIONS.items():
        if name in raw:
            validate(raw[name], cfg)
    return cfg


def find_config(explicit: Path | None) -> Path | None:
    """--config, else $SRVDOCTOR_CONFIG, else ./srvdoctor.toml, else /etc/srvdoctor/srvdoctor.toml."""
    if explicit is not None:
        return explicit
    env = os.environ.get("SRVDOCTOR_CONFIG")
    if env:
        return Path(env)
    for candidate in (Path.cwd() / CONFIG_NAME, SYSTEM_CONFIG):
        if candidate.is_file():
            return candidate
    return None


def load_config(explicit: Path | None = None) -> Config:
    """Find, read and validate the config; defaults when there is no file."""
    path = find_config(explicit)
    if path is None:
        return Config()
    from srvdoctor.readinput import open_input, read_fd

    try:  # a FIFO or /dev/zero as --config: bounded in time and size, never a hang
        fd, _ = open_input(path)
        try:
            got = read_fd(fd, MAX_CONFIG_BYTES, 5.0)
        finally:
            os.close(fd)
        if got.truncated:
            raise ConfigError(
                t("{path}: config file larger than {mib} MiB", path=str(path), mib=MAX_CONFIG_BYTES // 2**20)
            )
        if not got.finished:
            raise ConfigError(
                t("{path}: config not read to its end within 5 s (a FIFO nobody writes to?)", path=str(path))
            )
        text = got.data.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(t("{path}: config file not found", path=str(path))) from None
    except IsADirectoryError:
        raise ConfigError(t("{path}: config path is a directory, not a file", path=str(path))) from None
    except PermissionError:
        raise ConfigError(t("{path}: config file not readable (permission denied)", path=str(path))) from None
    except UnicodeDecodeError:
        raise ConfigError(t("{path}: config file is not UTF-8 text", path=str(path))) from None
    except OSError as exc:
        raise ConfigError(t("{path}: cannot read config: {why}", path=str(path), why=oserror(exc))) from None
    return parse_config(text, path)


def effective_config(cfg: Config) -> dict[str, Any]:
    """The config with every default filled in, as `check --print-config` shows it."""
    from srvdoctor.checks.registry import CHECKS

    checks: dict[str, dict[str, Any]] = {}
    for cls in CHECKS:
        instance = cls(**cfg.checks.get(cls.id, {}))
        values = {f.name: getattr(instance, f.name) for f in dataclasses.fields(instance) if f.init}
        if values:
            checks[cls.id] = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
    out: dict[str, Any] = {
        "source": str(cfg.source) if cfg.source else None,
        "timeout": cfg.timeout,
        "fail_on": cfg.fail_on,
        "notes": {"dir": str(cfg.resolved_notes_dir())},
        "targets": {f.name: list(getattr(cfg.targets, f.name)) for f in dataclasses.fields(Targets)},
        "checks": checks,
    }
    out.update(cfg.sections)
    return out


def _validate_expect(raw: Any, cfg: Config) -> None:
    from srvdoctor.expect.parse import validate_section

    validate_section(raw, cfg)


#: `[[expect.<kind>]]` deploy expectations (srvdoctor.expect), checks `expect.<kind>`.
EXTRA_SECTIONS["expect"] = _validate_expect
