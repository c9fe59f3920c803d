"""This machine's own addresses, from its network interfaces (/proc/net/fib_trie and
/proc/net/if_inet6; psutil.net_if_addrs where /proc cannot tell).

Shell equivalent: `ip -brief address`.
"""

from __future__ import annotations

from srvdoctor.probes import procnet


def local_addresses() -> frozenset[str]:
    """Every address of every interface (IPv6 scope ids dropped), plus 127.0.0.1 and ::1."""
    found = {"127.0.0.1", "::1"}
    from_proc = procnet.local_addresses()
    if from_proc is not None:
        return frozenset(found | from_proc)
    import psutil

    for addrs in psutil.net_if_addrs().values():
        for addr in addrs:
            found.add(addr.address.split("%", 1)[0])
    return frozenset(found)
