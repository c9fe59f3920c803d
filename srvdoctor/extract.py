"""What an error text names, for the checks to look at: paths, ports, hosts, URLs.

Pure text in, plain values out. Every pattern is linear on a line; callers pass the
lines triage found an error on (`srvdoctor.textscan` bounds their length and number).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from srvdoctor.lazyre import lazy
from srvdoctor.record import dataclass

if TYPE_CHECKING:
    from srvdoctor.config import Config


@dataclass(frozen=True)
class Extracted:
    """Values named in the error text that checks can look at."""

    paths: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.paths or self.ports or self.hosts or self.urls)

    def to_dict(self) -> dict[str, list[str]]:
        return {"paths": list(self.paths), "ports": list(self.ports), "hosts": list(self.hosts),
                "urls": list(self.urls)}  # fmt: skip


_QUOTED = r"""(?:'(?P<sq>[^'\n]+)'|"(?P<dq>[^"\n]+)"|‘(?P<uq>[^’\n]+)’)"""
_PATH_ERRORS = r"(?:No such file or directory|Permission denied|ENOENT|EACCES)"
_PATH_PATTERNS = (
    # Python: [Errno 2] No such file or directory: '/data/x'
    lazy(_PATH_ERRORS + r"(?:\s*\(os error \d+\))?[,:]\s*" + _QUOTED, re.I),
    # Node: ENOENT: no such file or directory, open '/data/x'
    lazy(_PATH_ERRORS + r"[^'\"\n]*?,\s*(?:open|stat|lstat|access|scandir|mkdir|unlink)\s+" + _QUOTED,
               re.I),
    # ls: cannot access '/data/x': No such file or directory
    # python: can't open file '/x.py': [Errno 2] No such file or directory
    lazy(_QUOTED + r":\s*(?:\[Errno \d+\]\s*)?" + _PATH_ERRORS, re.I),
    # cat: /data/x: No such file or directory / bash: ./run.sh: Permission denied
    lazy(r"(?:^|[\s:])(?P<bare>(?:~|\.{1,2})?/[^\s:'\"]*|[\w.-]+/[^\s:'\"]+):\s*" + _PATH_ERRORS,
               re.I | re.M),
    # Go: open /data/x: no such file or directory
    lazy(r"\b(?:open|stat|lstat|mkdir|chdir|remove)\s+(?P<go>/[^\s:]+):\s*" + _PATH_ERRORS, re.I),
)  # fmt: skip

_BIND_LINE = lazy(r"address already in use|EADDRINUSE|Errno 98\b|already allocated|bind|listen", re.I)
_PORT_PATTERNS = (
    lazy(r"\bport\s*[:=]?\s*(\d{1,5})\b", re.I),
    lazy(r"\(\s*'[^']*'\s*,\s*(\d{1,5})\s*\)"),  # ('0.0.0.0', 8000)
)
#: HOST:PORT in a bind/listen line: `0.0.0.0:80`, `:::3000`, `[::1]:8000`, `:8080`, `localhost:5000`;
#: never a time of day (`12:34:56.789`).
_HOSTPORT_IN_BIND = lazy(
    r"(?<![\w:.])(?:\[[0-9a-f:]*\]|::|(?:\d{1,3}\.){3}\d{1,3}|[a-z][\w.-]*)?:(\d{1,5})\b(?![:.]\d)", re.I
)
_URL = lazy(r"""\b(?:https?|wss?)://[^\s'"<>)\]}]+""", re.I)
_HOST_PATTERNS = (
    lazy(r"\bhost\s*=\s*['\"]([^'\"\s]+)['\"]", re.I),
    lazy(r"(?:Failed to resolve|Could not resolve host:?|resolve host)\s+['\"]?([\w.-]+)", re.I),
    lazy(r"\blookup\s+([\w.-]+)(?:\s+on\s|:)", re.I),
    lazy(r"\bgetaddrinfo (?:ENOTFOUND|EAI_AGAIN)\s+([\w.-]+)", re.I),
    lazy(r"\b(?:connect(?:ing)? to|to host)\s+['\"]?([A-Za-z][\w-]*(?:\.[\w-]+)+)", re.I),
)
_HOSTNAME = lazy(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*$")
_IN_USE_LINE = lazy(
    r"address already in use|EADDRINUSE|Errno 98\b|already allocated|is (?:already )?in use", re.I
)
_REFUSED_LINE = lazy(r"refused|ECONNREFUSED|Errno 111\b|timed out|unreachable", re.I)


def _group(match: re.Match[str]) -> str:
    return next(
        v for k, v in match.groupdict().items() if v is not None and k in {"sq", "dq", "uq", "bare", "go"}
    )


def _valid_port(text: str) -> bool:
    return text.isdigit() and 1 <= int(text) <= 65535


def extract_paths(text: str) -> list[str]:
    """Paths that a "No such file or directory" / "Permission denied" message names."""
    found: list[str] = []
    for line in text.splitlines():
        if not re.search(_PATH_ERRORS, line, re.I):
            continue
        for pattern in _PATH_PATTERNS:
            for match in pattern.finditer(line):
                path = _group(match).strip()
                if path and "://" not in path and "docker.sock" not in path:
                    found.append(path)
    return list(dict.fromkeys(found))


_ANY_ERRNO_PATH = (
    lazy(r"\[Errno \d+\][^'\"\n]*?:\s*" + _QUOTED),  # Python OSError: [Errno 28] ...: '/x'
    lazy(r"\bE[A-Z]{3,}:[^,\n]*,\s*\w+\s+" + _QUOTED),  # Node: ENOSPC: ..., write '/x'
)


def mentioned_paths(text: str) -> list[str]:
    """Absolute paths an OS error names, whatever the error (`[Errno 28] ...: '/data/x'`)."""
    found = [
        _group(m) for line in text.splitlines() for pattern in _ANY_ERRNO_PATH for m in pattern.finditer(line)
    ]
    return list(dict.fromkeys(p for p in [*found, *extract_paths(text)] if p.startswith("/")))


def containing(path: str, candidates: Iterable[str]) -> str | None:
    """The longest of `candidates` (mount points) that contains `path`, or None."""
    best: str | None = None
    for c in candidates:
        inside = c in ("/", path) or path.startswith(c.rstrip("/") + "/")
        if c.startswith("/") and inside and (best is None or len(c) > len(best)):
            best = c
    return best


def extract_ports(text: str) -> list[str]:
    """Ports from "Address already in use" / "port 8888" / refused-connection lines.

    `PORT` for a local listener (a port in use); `HOST:PORT` when a connection to a named
    host was refused (`HTTPConnectionPool(host='localhost', port=8000)`).
    """
    found: list[str] = []
    for line in text.splitlines():
        in_use = bool(_IN_USE_LINE.search(line))
        host = re.search(r"\bhost\s*=\s*['\"]([^'\"\s]+)['\"]", line)
        for pattern in _PORT_PATTERNS:
            for match in pattern.finditer(line):
                port = match.group(1)
                if not _valid_port(port):
                    continue
                if host and not in_use and _REFUSED_LINE.search(line):
                    found.append(f"{host.group(1)}:{port}")
                else:
                    found.append(port)
        if in_use and _BIND_LINE.search(line):
            for match in _HOSTPORT_IN_BIND.finditer(_URL.sub(" ", line)):
                if _valid_port(match.group(1)):
                    found.append(match.group(1))
    return list(dict.fromkeys(found))


def extract_urls(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0).rstrip(".,;:'\"") for m in _URL.finditer(text)))


def extract_hosts(text: str) -> list[str]:
    """Hostnames named where a connection or a lookup failed."""
    found: list[str] = []
    for pattern in _HOST_PATTERNS:
        for match in pattern.finditer(text):
            host = match.group(1).rstrip(".")
            if (_HOSTNAME.match(host) and not host.replace(".", "").isdigit()) or _is_ip(host):
                found.append(host)
    return list(dict.fromkeys(found))


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def extract(text: str, areas: Iterable[str] = ()) -> Extracted:
    """Paths, ports, hosts and URLs the error names, for the checks to look at; `areas`
    (of the conditions found) say which kinds to look for."""
    areas = set(areas)
    return Extracted(
        paths=tuple(extract_paths(text)) if "path" in areas else (),
        ports=tuple(extract_ports(text)) if "network" in areas else (),
        hosts=tuple(extract_hosts(text)) if "network" in areas else (),
        urls=tuple(extract_urls(text)) if "network" in areas else (),
    )


def scoped_config(config: Config, extracted: Extracted) -> Config:
    """A copy of `config` whose targets are what the error text names (and nothing else),
    so that target checks (`path.exists`, `port.listen`, ...) look at those."""
    from srvdoctor.config import Targets

    targets = Targets(
        paths=extracted.paths, ports=extracted.ports, hosts=extracted.hosts, urls=extracted.urls
    )
    return replace(config, targets=targets)
