"""ICMP echo round trips: unprivileged ICMP sockets, raw sockets as root, or the system ping.

Shell equivalent: `ping -c 4 HOST`. Where no way works, `PingResult.method` is "" and
`error` says why; the caller falls back to a TCP connect.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import time
from dataclasses import dataclass, field

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


def _echo(
    sock: socket.socket, raw: bool, address: str, version: int, count: int, interval: float, timeout: float
) -> tuple[int, list[float], bool]:
    ident = (os.getpid() ^ id(sock)) & 0xFFFF
    sent_at: dict[int, float] = {}
    rtts: list[float] = []
    unreachable = False
    start = time.monotonic()
    next_send = start
    seq = 0
    deadline = start + interval * (count - 1) + timeout
    while time.monotonic() < deadline and len(rtts) < count:
        now = time.monotonic()
        if seq < count and now >= next_send:
            try:
                sock.sendto(_packet(version, ident, seq), (address, 0))
            except OSError as exc:
                if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
                    return seq, rtts, True
                raise
            sent_at[seq] = now
            seq += 1
            next_send = now + interval
        wait = max(0.0, min(next_send if seq < count else deadline, deadline) - time.monotonic())
        ready, _, _ = select.select([sock], [], [], wait)
        if not ready:
            continue
        try:
            data, _peer = sock.recvfrom(2048)
        except OSError as exc:
            if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
                unreachable = True
                continue
            raise
        if raw and version == 4:
            data = data[(data[0] & 0x0F) * 4 :]
        if len(data) < 8:
            continue
        kind, _code, _csum, rid, rseq = struct.unpack("!BBHHH", data[:8])
        if kind == _UNREACHABLE[version]:
            unreachable = True
            continue
        if kind != _ECHO_REPLY[version] or (raw and rid != ident) or rseq not in sent_at:
            continue
        rtts.append((time.monotonic() - sent_at.pop(rseq)) * 1000)
    return seq, rtts, unreachable


def _system_ping(address: str, version: int, count: int, interval: float, timeout: float) -> PingResult:
    binary = shutil.which("ping")
    if binary is None:
        return PingResult(address, "", error="no ping command")
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
        return PingResult(address, "", error=(out.strip().splitlines() or ["ping failed"])[-1])
    rtts = tuple(float(m) for m in re.findall(r"time[=<]([\d.]+) ?ms", out))
    unreachable = "Unreachable" in out or "unreachable" in out
    return PingResult(address, "ping-command", int(stats.group(1)), int(stats.group(2)), rtts, unreachable)


def ping(address: str, count: int = 4, timeout: float = 3.0, interval: float = 0.2) -> PingResult:
    """Echo `count` times to the IP `address`; each reply may take up to `timeout`."""
    version = ipaddress.ip_address(address.split("%", 1)[0]).version
    tried: list[str] = []
    for method, kind in (("icmp-dgram", socket.SOCK_DGRAM), ("icmp-raw", socket.SOCK_RAW)):
        try:
            sock = _open(version, kind)
        except OSError as exc:
            tried.append(f"{method}: {exc.strerror or exc}")
            continue
        try:
            with sock:
                sent, rtts, unreachable = _echo(
                    sock, kind == socket.SOCK_RAW, address, version, count, interval, timeout
                )
        except OSError as exc:
            tried.append(f"{method}: {exc.strerror or exc}")
            continue
        return PingResult(address, method, sent, len(rtts), tuple(rtts), unreachable, tried=tuple(tried))
    result = _system_ping(address, version, count, interval, timeout)
    if not result.method:
        tried.append(f"ping command: {result.error}")
    return PingResult(
        result.address,
        result.method,
        result.sent,
        result.received,
        result.rtts_ms,
        result.unreachable,
        result.error,
        tuple(tried),
    )
