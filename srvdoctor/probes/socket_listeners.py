"""Listening TCP sockets with their owning process (psutil.net_connections)."""

from __future__ import annotations

from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Listener:
    address: str
    port: int
    pid: int | None
    process: str | None  # None when the owner is not visible (another user, not root)


def listeners(port: int | None = None) -> list[Listener]:
    """Every TCP socket in LISTEN state (optionally only on `port`), deduplicated."""
    out: dict[tuple[str, int, int | None], Listener] = {}
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status != psutil.CONN_LISTEN or not conn.laddr:
            continue
        if port is not None and conn.laddr.port != port:
            continue
        name: str | None = None
        if conn.pid:
            try:
                name = psutil.Process(conn.pid).name()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                name = None
        key = (conn.laddr.ip, conn.laddr.port, conn.pid)
        out[key] = Listener(conn.laddr.ip, conn.laddr.port, conn.pid, name)
    return sorted(out.values(), key=lambda x: (x.port, x.address, x.pid or 0))
