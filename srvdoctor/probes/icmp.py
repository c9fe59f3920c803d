"""ICMP echo round trips: unprivileged ICMP sockets, raw sockets as root, or the system ping.

Shell equivalent: `ping -c 4 HOST`. Where no way works, `PingResult.method` is "" and
`error` says why; the caller falls back to a TCP connect.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import itertools
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
from dataclasses import field

from srvdoctor.messages import join, oserror, t
from srvdoctor.probes.tcp import socket_host
from srvdoctor.record import dataclass

_ECHO_REQUEST = {4: 8, 6: 128}
_ECHO_REPLY = {4: 0, 6: 129}
_UNREACHABLE = {4: 3, 6: 1}


@dataclass(frozen=True)
class PingResult:
    """`method`: icmp-dgram | icmp-raw | ping-command | "" (none worked)."""

    address: str
    method: str
    sent: int = 0
    received: int = 0
    rtts_ms: tuple[float, ...] = ()
    unreachable: bool = False  # an ICMP "destination unreachable" or no route
    error: str = ""
    tried: tuple[str, ...] = field(default=())
    #: who said "unreachable": "" no route from here (the send failed), an address (the sender
    #: of the ICMP error quoting our echo), "?" an error the socket type does not attribute
    unreachable_from: str = ""

    @property
    def loss_percent(self) -> float:
        return 100.0 * (self.sent - self.received) / self.sent if self.sent else 100.0


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _packet(version: int, ident: int, seq: int) -> bytes:
    payload = b"srvdoctor-ping" + struct.pack("!d", time.time())
    header = struct.pack("!BBHHH", _ECHO_REQUEST[version], 0, 0, ident, seq)
    if version == 6:  # the kernel fills in the ICMPv6 checksum
        return header + payload
    csum = _checksum(header + payload)
    return struct.pack("!BBHHH", _ECHO_REQUEST[version], 0, csum, ident, seq) + payload


def _open(version: int, kind: int) -> socket.socket:
    family = socket.AF_INET6 if version == 6 else socket.AF_INET
    proto = socket.IPPROTO_ICMPV6 if version == 6 else socket.IPPROTO_ICMP
    return socket.socket(family, kind, proto)


_ids = itertools.count(int.from_bytes(os.urandom(2), "big"))  # secrets.randbelow(0x10000), without hmac
_ids_lock = threading.Lock()


def _next_ident() -> int:
    """A fresh echo identifier per socket: concurrent probes in one process never share one."""
    with _ids_lock:
        return next(_ids) & 0xFFFF


def _same_address(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a.split("%", 1)[0]) == ipaddress.ip_address(b.split("%", 1)[0])
    except ValueError:
        return False


def quoted_probe(message: bytes, version: int) -> tuple[str, int, int] | None:
    """(destination, id, sequence) of the echo request an ICMP error message quotes.

    `message` starts at the ICMP header of the error (type 3 for IPv4, 1 for IPv6); the
    error carries the original IP header and at least the first 8 bytes of the original
    datagram, which for an echo request is its type, code, checksum, id and sequence.
    None when the quoted datagram is not one of our echo requests (a TCP probe, say).
    """
    inner = message[8:]
    if version == 4:
        if len(inner) < 20 or inner[0] >> 4 != 4:
            return None
        ihl = (inner[0] & 0x0F) * 4
        if inner[9] != socket.IPPROTO_ICMP or len(inner) < ihl + 8:
            return None
        dst = socket.inet_ntop(socket.AF_INET, inner[16:20])
        echo = inner[ihl : ihl + 8]
    else:
        if len(inner) < 48 or inner[0] >> 4 != 6 or inner[6] != socket.IPPROTO_ICMPV6:
            return None
        dst = socket.inet_ntop(socket.AF_INET6, inner[24:40])
        echo = inner[40:48]
    kind, _code, _csum, ident, seq = struct.unpack("!BBHHH", echo)
    if kind != _ECHO_REQUEST[version]:
        return None
    return dst, ident, seq


def _echo(
    sock: socket.socket, raw: bool, address: str, version: int, count: int, interval: float, timeout: float
) -> tuple[int, list[float], bool, str]:
    """Send `count` echoes and collect the replies and errors that belong to them.

    A raw socket sees every ICMP message reaching this machine (other probes' replies and
    errors included): a reply counts only from `address` with our id, an error only when
    the datagram it quotes is one of our requests. An unprivileged ICMP socket gets only
    its own (the kernel matches by id); with IP_RECVERR set its errors wait in the
    socket's error queue with the sender's address.
    """
    ident = _next_ident()
    sent_at: dict[int, float] = {}
    sent_seqs: set[int] = set()
    rtts: list[float] = []
    unreachable = False
    sender = ""
    start = time.monotonic()
    next_send = start
    seq = 0
    deadline = start + interval * (count - 1) + timeout
    while time.monotonic() < deadline and len(rtts) < count:
        now = time.monotonic()
        if seq < count and now >= next_send:
            if not _send(sock, raw, _packet(version, ident, seq), address):
                return seq, rtts, True, ""
            sent_at[seq] = now
            sent_seqs.add(seq)
            seq += 1
            next_send = now + interval
        wait = max(0.0, min(next_send if seq < count else deadline, deadline) - time.monotonic())
        ready, _, _ = select.select([sock], [], [], wait)
        if not ready:
            continue
        if not raw:
            queued = _queued_error(sock, version)
            if queued is not None:
                if queued[1] in sent_seqs:
                    unreachable, sender = True, queued[0]
                continue
        try:
            data, peer = sock.recvfrom(2048)
        except OSError as exc:
            if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
                # On a raw socket a pending error may be another probe's: the message itself says.
                if not raw:
                    unreachable, sender = True, "?"
                continue
            raise
        if raw and version == 4:
            data = data[(data[0] & 0x0F) * 4 :]
        if len(data) < 8:
            continue
        kind, _code, _csum, rid, rseq = struct.unpack("!BBHHH", data[:8])
        if kind == _UNREACHABLE[version]:
            quoted = quoted_probe(data, version) if raw else None
            if (
                quoted is not None
                and quoted[1] == ident
                and quoted[2] in sent_seqs
                and _same_address(quoted[0], address)
            ):
                unreachable, sender = True, str(peer[0])
            continue
        if kind != _ECHO_REPLY[version] or rseq not in sent_at:
            continue
        if raw and (rid != ident or not _same_address(str(peer[0]), address)):
            continue
        rtts.append((time.monotonic() - sent_at.pop(rseq)) * 1000)
    return seq, rtts, unreachable, sender


_IP_RECVERR = 11  # linux/in.h
_IPV6_RECVERR = 25  # linux/in6.h
_ORIGIN_ICMP = (2, 3)  # SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_ICMP6


def _want_errors(sock: socket.socket, version: int) -> None:
    """Queue ICMP errors with their sender (an unprivileged ICMP socket drops them otherwise)."""
    level, option = (socket.IPPROTO_IPV6, _IPV6_RECVERR) if version == 6 else (socket.IPPROTO_IP, _IP_RECVERR)
    with contextlib.suppress(OSError):
        sock.setsockopt(level, option, 1)


def _queued_error(sock: socket.socket, version: int) -> tuple[str, int] | None:
    """(the ICMP error's sender, the sequence of the echo it answers) from the error queue."""
    try:
        data, ancdata, _flags, _addr = sock.recvmsg(2048, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return None
    for _level, _type, cmsg in ancdata:
        if len(cmsg) < 16 + 8:
            continue
        origin = cmsg[4]
        offender = cmsg[16:]
        if origin not in _ORIGIN_ICMP:
            sender = ""  # a local error: no route from here
        elif version == 4:
            sender = socket.inet_ntop(socket.AF_INET, offender[4:8])
        elif len(offender) >= 24:
            sender = socket.inet_ntop(socket.AF_INET6, offender[8:24])
        else:
            sender = "?"
        seq = struct.unpack("!H", data[6:8])[0] if len(data) >= 8 else -1
        return sender, seq
    return None


def _send(sock: socket.socket, raw: bool, packet: bytes, address: str) -> bool:
    """False when there is no route; raises other errors.

    A failed send on a raw socket may report an error left pending by another probe's
    ICMP message (the kernel hands it to every raw socket, then clears it): try again once
    before believing it.
    """
    for attempt in range(2 if raw else 1):
        try:
            sock.sendto(packet, (socket_host(address), 0))
            return True
        except OSError as exc:
            if exc.errno not in (errno.ENETUNREACH, errno.EHOSTUNREACH):
                raise
            if attempt == (1 if raw else 0):
                return False
    return False


def _system_ping(address: str, version: int, count: int, interval: float, timeout: float) -> PingResult:
    binary = shutil.which("ping")
    if binary is None:
        return PingResult(address, "", error=t("no ping command"))
    cmd = [binary, "-n", "-c", str(count), "-i", f"{max(interval, 0.2):g}", "-W", f"{max(timeout, 1):g}"]
    cmd += ["-6"] if version == 6 else ["-4"]
    try:
        proc = subprocess.run(
            [*cmd, address],
            check=False,
            capture_output=True,
            text=True,
            timeout=interval * count + timeout + 2,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return PingResult(address, "", error=str(exc))
    out = proc.stdout + proc.stderr
    stats = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received", out)
    if not stats:
        lines = out.strip().splitlines()
        return PingResult(address, "", error=lines[-1] if lines else t("ping failed"))
    rtts = tuple(float(m) for m in re.findall(r"time[=<]([\d.]+) ?ms", out))
    unreachable = "Unreachable" in out or "unreachable" in out
    sender = re.search(r"From (\S+?)(?: \([^)]*\))?:? icmp_seq=\d+ Destination .*Unreachable", out)
    return PingResult(
        address,
        "ping-command",
        int(stats.group(1)),
        int(stats.group(2)),
        rtts,
        unreachable,
        unreachable_from=sender.group(1) if sender else ("?" if unreachable and stats else ""),
    )


def ping(address: str, count: int = 4, timeout: float = 3.0, interval: float = 0.2) -> PingResult:
    """Echo `count` times to the IP `address`; each reply may take up to `timeout`."""
    version = ipaddress.ip_address(address.split("%", 1)[0]).version
    tried: list[str] = []
    for method, kind in (("icmp-dgram", socket.SOCK_DGRAM), ("icmp-raw", socket.SOCK_RAW)):
        try:
            sock = _open(version, kind)
        except OSError as exc:
            tried.append(join(": ", (method, oserror(exc))))
            continue
        try:
            with sock:
                if kind == socket.SOCK_DGRAM:
                    _want_errors(sock, version)
                sent, rtts, unreachable, sender = _echo(
                    sock, kind == socket.SOCK_RAW, address, version, count, interval, timeout
                )
        except OSError as exc:
            tried.append(join(": ", (method, oserror(exc))))
            continue
        return PingResult(
            address,
            method,
            sent,
            len(rtts),
            tuple(rtts),
            unreachable,
            tried=tuple(tried),
            unreachable_from=sender,
        )
    result = _system_ping(address, version, count, interval, timeout)
    if not result.method:
        tried.append(t("ping command: {error}", error=result.error))
    return PingResult(
        result.address,
        result.method,
        result.sent,
        result.received,
        result.rtts_ms,
        result.unreachable,
        result.error,
        tuple(tried),
        result.unreachable_from,
    )
