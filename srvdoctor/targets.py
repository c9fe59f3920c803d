"""Network targets as users write them: `PORT`, `HOST:PORT`, `[v6]:PORT`, URLs, bare hosts.

Pure parsing, no I/O. Every malformed target raises `TargetError` with one line that
says what is wrong, which commands turn into exit 2.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_LABEL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")  # fullmatch: `$` takes "a\n"
DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetError(ValueError):
    """A target that cannot be parsed; the message is one line."""


@dataclass(frozen=True)
class Target:
    """One thing to reach. `host` is None for a bare PORT (this machine)."""

    raw: str
    host: str | None
    port: int
    scheme: str | None = None  # "http" / "https" for URL targets
    url: str | None = None

    @property
    def connect_host(self) -> str:
        """The name to resolve: a bare PORT means this machine, reached as localhost."""
        return self.host or "localhost"

    @property
    def is_url(self) -> bool:
        return self.url is not None

    @property
    def label(self) -> str:
        return self.raw


def validate_port(text: str | int, raw: str) -> int:
    try:
        port = int(text)
    except ValueError:
        if isinstance(text, str) and text.strip().isdigit():  # more than 4,300 digits
            raise TargetError(f"{raw[:40]!r}...: the port is out of range (1-65535)") from None
        raise TargetError(f"{raw!r}: port {text!r} is not a number") from None
    if not 1 <= port <= 65535:
        raise TargetError(f"{raw!r}: port {port} is out of range (1-65535)")
    return port


def validate_host(host: str, raw: str) -> str:
    """A hostname, an IPv4 address or an IPv6 address (without brackets)."""
    if not host:
        raise TargetError(f"{raw!r}: the host is empty")
    if any(c.isspace() for c in host):
        raise TargetError(f"{raw!r}: a host name cannot contain spaces")
    if ":" in host:
        try:
            return str(ipaddress.IPv6Address(host.split("%", 1)[0])) + (
                "%" + host.split("%", 1)[1] if "%" in host else ""
            )
        except ValueError:
            raise TargetError(f"{raw!r}: {host!r} is not a valid IPv6 address") from None
    name = host[:-1] if host.endswith(".") else host
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in name.split(".")):
        raise TargetError(f"{raw!r}: {host!r} is not a valid host name")
    return host


def parse_host(raw: str) -> str:
    """A bare host for `ping`: a name, an IPv4 address, an IPv6 address with or without []."""
    text = raw.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
        if ":" not in text:
            raise TargetError(f"{raw!r}: brackets hold an IPv6 address, and {text!r} is not one")
    if "://" in text or "/" in text:
        raise TargetError(f"{raw!r}: expected a host name or address, not a URL or path")
    return validate_host(text, raw)


def parse_target(raw: str) -> Target:
    """`8888`, `host:8888`, `[::1]:8888`, `http://host:8888/path`, `https://host/`."""
    text = raw.strip()
    if not text:
        raise TargetError("empty target (expected PORT, HOST:PORT, [IPv6]:PORT or a URL)")
    if text.isdigit():
        return Target(raw=raw, host=None, port=validate_port(text, raw))
    if "://" in text:
        return _parse_url(raw, text)
    if text.startswith("["):
        match = re.fullmatch(r"\[([^\]]+)\]:(\S+)", text)
        if not match:
            raise TargetError(f"{raw!r}: expected [IPv6]:PORT, e.g. [::1]:8888")
        if ":" not in match.group(1):
            raise TargetError(f"{raw!r}: brackets hold an IPv6 address, and {match.group(1)!r} is not one")
        host = validate_host(match.group(1), raw)
        return Target(raw=raw, host=host, port=validate_port(match.group(2), raw))
    if ":" not in text:
        raise TargetError(f"{raw!r}: no port (expected PORT, HOST:PORT, [IPv6]:PORT or a URL)")
    host, _, port = text.rpartition(":")
    if ":" in host:
        whole = f"[{text}]:PORT" if is_ip(text) else ""
        split = f"[{host}]:{port}" if is_ip(host) and port.isdigit() else ""
        example = " or ".join(x for x in (split, whole) if x) or "[::1]:8888"
        raise TargetError(f"{raw!r}: write an IPv6 address in brackets, then the port: {example}")
    return Target(raw=raw, host=validate_host(host, raw), port=validate_port(port, raw))


def _parse_url(raw: str, text: str) -> Target:
    if any(c.isspace() for c in text):
        raise TargetError(f"{raw!r}: a URL cannot contain spaces")
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # "Invalid IPv6 URL": an unclosed [
        raise TargetError(f"{raw!r}: not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise TargetError(f"{raw!r}: only http:// and https:// URLs are supported, not {scheme}://")
    try:
        port = parts.port
    except ValueError:
        netloc_port = parts.netloc.rpartition(":")[2]
        raise TargetError(f"{raw!r}: port {netloc_port} is out of range (1-65535)") from None
    if port == 0:
        raise TargetError(f"{raw!r}: port 0 is out of range (1-65535)")
    host = parts.hostname
    if not host:
        raise TargetError(f"{raw!r}: the URL has no host")
    return Target(
        raw=raw,
        host=validate_host(host, raw),
        port=port or DEFAULT_PORTS[scheme],
        scheme=scheme,
        url=text,
    )


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True
