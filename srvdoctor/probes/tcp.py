"""One TCP connect, classified: open, refused, filtered (timed out), unreachable, rejected.

Shell equivalent: `nc -vz -w 3 HOST PORT`.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import time
from pathlib import Path

from srvdoctor.messages import oserror, t
from srvdoctor.record import dataclass

PROC_ARP = Path("/proc/net/arp")


@dataclass(frozen=True)
class TcpResult:
    """`state`: open | refused | filtered | unreachable | rejected | error."""

    address: str
    port: int
    state: str
    elapsed_ms: float
    error: str = ""
    errno_name: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "open"


def _family(address: str) -> int:
    return socket.AF_INET6 if ipaddress.ip_address(address.split("%", 1)[0]).version == 6 else socket.AF_INET


def neighbour_answers(address: str, arp: Path = PROC_ARP) -> bool:
    """True when the IPv4 `address` is on-link and answered ARP (a complete neighbour entry).

    Then an EHOSTUNREACH cannot mean "no route": the host itself (or its firewall)
    refused with an ICMP "host prohibited", as `iptables -j REJECT --reject-with
    icmp-host-prohibited` does.
    """
    try:
        lines = arp.read_text(encoding="ascii", errors="replace").splitlines()[1:]
    except OSError:
        return False
    for line in lines:
        words = line.split()
        if len(words) >= 3 and words[0] == address:
            return int(words[2], 16) & 0x2 != 0
    return False


def socket_host(host: str) -> str | bytes:
    """`host` for the socket module: bytes when it is plain ASCII. A str is IDNA-encoded by the
    socket module first, which loads encodings.idna, stringprep and unicodedata (~3 ms) even
    for an IP literal; the bytes are what that codec would return (a label that is empty or
    over 63 characters stays a str, so the codec still refuses it the same way)."""
    if not host.isascii():
        return host
    labels = host.split(".")
    if any(not 0 < len(label) < 64 for label in labels[:-1]) or len(labels[-1]) >= 64:
        return host
    return host.encode("ascii")


def connect(address: str, port: int, timeout: float) -> TcpResult:
    """Connect once to `address:port` (an IP literal) within `timeout`; never raises."""
    started = time.perf_counter()
    try:
        sock = socket.socket(_family(address), socket.SOCK_STREAM)
    except OSError as exc:
        return TcpResult(address, port, "error", 0.0, str(exc))
    sock.settimeout(timeout)
    try:
        sock.connect((socket_host(address), port))
    except TimeoutError:
        return TcpResult(
            address,
            port,
            "filtered",
            (time.perf_counter() - started) * 1000,
            t("Connection timed out after {timeout:g} s", timeout=timeout),
            "ETIMEDOUT",
        )
    except OSError as exc:
        elapsed = (time.perf_counter() - started) * 1000
        code = exc.errno or 0
        name = errno.errorcode.get(code, "")
        text = t("[Errno {code}] {error}", code=code, error=oserror(exc)) if exc.strerror else str(exc)
        if code == errno.ECONNREFUSED:
            state = "refused"
        elif code == errno.ETIMEDOUT:
            state = "filtered"
        elif code in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN):
            state = "rejected" if code == errno.EHOSTUNREACH and neighbour_answers(address) else "unreachable"
        elif code in (errno.EACCES, errno.EPERM):
            state = "rejected"  # a local OUTPUT rule (iptables -j REJECT on this machine)
        else:
            state = "error"
        return TcpResult(address, port, state, elapsed, text, name)
    finally:
        sock.close()
    return TcpResult(address, port, "open", (time.perf_counter() - started) * 1000)
