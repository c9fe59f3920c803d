"""Network targets as users write them: `PORT`, `HOST:PORT`, `[v6]:PORT`, URLs, bare hosts.

Pure parsing, no I/O. Every malformed target raises `TargetError` with one line that
says what is wrong, which commands turn into exit 2.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from srvdoctor.lazyre import lazy
from srvdoctor.messages import t
from srvdoctor.record import dataclass

_LABEL = lazy(r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")  # fullmatch: `$` takes "a\n"
DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetError(ValueError):
    """A target that cannot be parsed; the message is one line (`text`, still translatable)."""

    @property
    def text(self) -> str:
        """The message as a `Msg`: `localize(exc.text)` prints it in the user's language."""
        return self.args[0] if self.args and isinstance(self.args[0], str) else str(self)


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
            raise TargetError(t("{raw!r}...: the port is out of range (1-65535)", raw=raw[:40])) from None
        raise TargetError(t("{raw!r}: port {port!r} is not a number", raw=raw, port=text)) from None
    if not 1 <= port <= 65535:
        raise TargetError(t("{raw!r}: port {port} is out of range (1-65535)", raw=raw, port=port))
    return port


def validate_host(host: str, raw: str) -> str:
    """A hostname, an IPv4 address or an IPv6 address (without brackets)."""
    if not host:
        raise TargetError(t("{raw!r}: the host is empty", raw=raw))
    if any(c.isspace() for c in host):
        raise TargetError(t("{raw!r}: a host name cannot contain spaces", raw=raw))
    if ":" in host:
        try:
            return str(ipaddress.IPv6Address(host.split("%", 1)[0])) + (
                "%" + host.split("%", 1)[1] if "%" in host else ""
            )
        except ValueError:
            raise TargetError(
                t("{raw!r}: {host!r} is not a valid IPv6 address", raw=raw, host=host)
            ) from None
    name = host[:-1] if host.endswith(".") else host
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in name.split(".")):
        raise TargetError(t("{raw!r}: {host!r} is not a valid host name", raw=raw, host=host))
    return host


def parse_host(raw: str) -> str:
    """A bare host for `ping`: a name, an IPv4 address, an IPv6 address with or without []."""
    text = raw.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
        if ":" not in text:
            raise TargetError(
                t("{raw!r}: brackets hold an IPv6 address, and {text!r} is not one", raw=raw, text=text)
            )
    if "://" in text or "/" in text:
        raise TargetError(t("{raw!r}: expected a host name or address, not a URL or path", raw=raw))
    return validate_host(text, raw)


def parse_target(raw: str) -> Target:
    """`8888`, `host:8888`, `[::1]:8888`, `http://host:8888/path`, `https://host/`."""
    text = raw.strip()
    if not text:
        raise TargetError(t("empty target (expected PORT, HOST:PORT, [IPv6]:PORT or a URL)"))
    if text.isdigit():
        return Target(raw=raw, host=None, port=validate_port(text, raw))
    if "://" in text:
        return _parse_url(raw, text)
    if text.startswith("["):
        match = re.fullmatch(r"\[([^\]]+)\]:(\S+)", text)
        if not match:
            raise TargetError(t("{raw!r}: expected [IPv6]:PORT, e.g. [::1]:8888", raw=raw))
        if ":" not in match.group(1):
            raise TargetError(
                t(
                    "{raw!r}: brackets hold an IPv6 address, and {text!r} is not one",
                    raw=raw,
                    text=match.group(1),
                )
            )
        host = validate_host(match.group(1), raw)
        return Target(raw=raw, host=host, port=validate_port(match.group(2), raw))
    if ":" not in text:
        raise TargetError(t("{raw!r}: no port (expected PORT, HOST:PORT, [IPv6]:PORT or a URL)", raw=raw))
    host, _, port = text.rpartition(":")
    if ":" in host:
        whole = f"[{text}]:PORT" if is_ip(text) else ""
        split = f"[{host}]:{port}" if is_ip(host) and port.isdigit() else ""
        examples = [x for x in (split, whole) if x]
        if len(examples) == 2:
            raise TargetError(
                t(
                    "{raw!r}: write an IPv6 address in brackets, then the port: {one} or {other}",
                    raw=raw,
                    one=examples[0],
                    other=examples[1],
                )
            )
        example = examples[0] if examples else "[::1]:8888"
        raise TargetError(
            t(
                "{raw!r}: write an IPv6 address in brackets, then the port: {example}",
                raw=raw,
                example=example,
            )
        )
    return Target(raw=raw, host=validate_host(host, raw), port=validate_port(port, raw))


def _parse_url(raw: str, text: str) -> Target:
    if any(c.isspace() for c in text):
        raise TargetError(t("{raw!r}: a URL cannot contain spaces", raw=raw))
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # "Invalid IPv6 URL": an unclosed [
        raise TargetError(t("{raw!r}: not a valid URL ({error})", raw=raw, error=str(exc))) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise TargetError(
            t(
                "{raw!r}: only http:// and https:// URLs are supported, not {scheme}://",
                raw=raw,
                scheme=scheme,
            )
        )
    try:
        port = parts.port
    except ValueError:
        netloc_port = parts.netloc.rpartition(":")[2]
        raise TargetError(
            t("{raw!r}: port {port} is out of range (1-65535)", raw=raw, port=netloc_port)
        ) from None
    if port == 0:
        raise TargetError(t("{raw!r}: port {port} is out of range (1-65535)", raw=raw, port=0))
    host = parts.hostname
    if not host:
        raise TargetError(t("{raw!r}: the URL has no host", raw=raw))
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
