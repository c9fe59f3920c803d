"""One frozen dataclass per expectation kind: validated values, no I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from typing import Any, ClassVar

from srvdoctor.record import dataclass

#: Every kind, in report order; `[[expect.<kind>]]` in the config, check id `expect.<kind>`.
KINDS: tuple[str, ...] = ("http", "port", "listen", "path", "process", "container", "gpu", "command")


@dataclass(frozen=True)
class TextMatch:
    """`contains`: a plain substring, or a regular expression written `regex:PATTERN`."""

    text: str
    regex: re.Pattern[str] | None = None

    def found_in(self, haystack: str) -> bool:
        return bool(self.regex.search(haystack)) if self.regex else self.text in haystack

    def describe(self) -> str:
        from srvdoctor.messages import t

        return t("regex {pattern!r}", pattern=self.regex.pattern) if self.regex else repr(self.text)


@dataclass(frozen=True)
class JsonMatch:
    """`json = {path = "status", equals = "ok"}`: a dotted path into the body, and its value.

    Without `equals` the path only has to exist. Path parts that are digits index lists
    (`models.0.id`).
    """

    path: str
    equals: Any = None
    has_equals: bool = False


@dataclass(frozen=True)
class Where:
    """Where an expectation stands: its kind, its position among that kind, file and line."""

    kind: str
    index: int
    source: str = "<config>"
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass(frozen=True)
class Expectation:
    """Common to every kind: where it was declared."""

    kind: ClassVar[str] = ""
    where: Where

    @property
    def target(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class HttpExpect(Expectation):
    kind: ClassVar[str] = "http"
    url: str
    status: tuple[int, ...] = (200,)
    within: float | None = None
    contains: TextMatch | None = None
    json: tuple[JsonMatch, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    insecure: bool = False
    method: str = "GET"
    timeout: float | None = None

    @property
    def target(self) -> str:
        return self.url if self.method == "GET" else f"{self.method} {self.url}"


@dataclass(frozen=True)
class PortExpect(Expectation):
    kind: ClassVar[str] = "port"
    host: str
    port: int
    state: str = "open"  # open | closed
    timeout: float | None = None

    @property
    def target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class ListenExpect(Expectation):
    kind: ClassVar[str] = "listen"
    port: int
    address: str | None = None
    process: str | None = None

    @property
    def target(self) -> str:
        where = f"{self.address}:{self.port}" if self.address else f"port {self.port}"
        return f"{where} ({self.process})" if self.process else where


@dataclass(frozen=True)
class PathExpect(Expectation):
    kind: ClassVar[str] = "path"
    path: str
    type: str = "any"  # file | dir | any  (the `kind` key in the config)
    min_bytes: int | None = None
    max_age: float | None = None

    @property
    def target(self) -> str:
        return self.path


@dataclass(frozen=True)
class ProcessExpect(Expectation):
    kind: ClassVar[str] = "process"
    name: str | None = None
    cmdline: re.Pattern[str] | None = None
    min: int = 1
    user: str | None = None

    @property
    def target(self) -> str:
        parts = []
        if self.name:
            parts.append(self.name)
        if self.cmdline:
            parts.append(f"cmdline~{self.cmdline.pattern}")
        if self.user:
            parts.append(f"user={self.user}")
        return " ".join(parts)


@dataclass(frozen=True)
class ContainerExpect(Expectation):
    kind: ClassVar[str] = "container"
    name: str
    state: str = "running"
    health: str | None = None
    max_restarts: int | None = None

    @property
    def target(self) -> str:
        return self.name


@dataclass(frozen=True)
class GpuExpect(Expectation):
    kind: ClassVar[str] = "gpu"
    count: int = 1
    min_free_memory: int | None = None
    optional: bool = False

    @property
    def target(self) -> str:
        text = f"{self.count} GPU" + ("s" if self.count != 1 else "")
        return text


@dataclass(frozen=True)
class CommandExpect(Expectation):
    kind: ClassVar[str] = "command"
    run: tuple[str, ...]
    exit: int = 0
    contains: TextMatch | None = None
    timeout: float | None = None

    @property
    def target(self) -> str:
        import shlex

        return shlex.join(self.run)


@dataclass(frozen=True)
class Expectations:
    """Every expectation of a config, grouped by kind in declaration order."""

    items: tuple[Expectation, ...] = ()

    def of(self, kind: str) -> list[Expectation]:
        return [e for e in self.items if e.kind == kind]

    def find(self, kind: str, index: int) -> Expectation | None:
        for e in self.items:
            if e.kind == kind and e.where.index == index:
                return e
        return None
