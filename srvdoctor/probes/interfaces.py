"""This machine's own addresses, from its network interfaces (psutil.net_if_addrs).

Shell equivalent: `ip -brief address`.
"""

from __future__ import annotations

import psutil


def local_addresses() -> frozenset[str]:
    """Every address of every interface (IPv6 scope ids dropped), plus 127.0.0.1 and ::1."""
    found = {"127.0.0.1", "::1"}
    for addrs in psutil.net_if_addrs().values():
        for addr in addrs:
            found.add(addr.address.split("%", 1)[0])
    return frozenset(found)
