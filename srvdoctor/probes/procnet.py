"""Listening TCP sockets, their processes and this machine's addresses, read from /proc.

The same answers psutil gives (`net_connections("tcp")`, `Process.name/username/cmdline`,
`net_if_addrs`), read the way psutil reads them, without importing psutil (about 12 ms of
start-up for `port` and `firewall`). tests/probes/test_procnet.py compares the two on real
sockets and processes.

Shell equivalents: `ss -ltnp`, `ps -o comm,user,args -p PID`, `ip -brief address`.
"""

from __future__ import annotations

import ipaddress
import os
import sys

PROC = "/proc"

#: /proc/net file, address family; psutil reads them in this order.
_TCP_FILES: tuple[tuple[str, int], ...] = (
    ("tcp", 4),
    ("tcp6", 6),
)
_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's `st` column


def _socket_inodes(proc: str = PROC) -> dict[str, tuple[int, int]]:
    """socket inode -> (pid, fd), as psutil finds it: every process's fd links, in /proc
    order, a later process holding the same socket replacing an earlier one."""
    inodes: dict[str, tuple[int, int]] = {}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        pid = int(entry)
        mine: dict[str, tuple[int, int]] = {}
        try:
            fds = os.listdir(f"{proc}/{pid}/fd")
        except OSError:  # gone, or another user's process (no root)
            continue
        for fd in fds:
            try:
                link = os.readlink(f"{proc}/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                mine.setdefault(link[8:-1], (pid, int(fd)))
        inodes.update(mine)
    return inodes


def ntop(packed: bytes) -> str:
    """socket.inet_ntop for 4 or 16 bytes, as glibc writes them, without importing socket
    (its enums cost ~3 ms of `srvdoctor firewall`): IPv4 dotted; IPv6 with the longest run of
    two or more zero groups as `::` (the first of equals), and IPv4-mapped (`::ffff:a.b.c.d`)
    or IPv4-compatible (`::a.b.c.d`) addresses ending in their dotted quad."""
    if len(packed) == 4:
        return ".".join(str(b) for b in packed)
    dotted = ".".join(str(b) for b in packed[12:])
    if packed[:12] == b"\0" * 10 + b"\xff\xff":
        return "::ffff:" + dotted
    if packed[:12] == b"\0" * 12 and packed[12:14] != b"\0\0":
        return "::" + dotted
    return str(ipaddress.IPv6Address(packed))


def _decode(addr: str, family: int) -> tuple[str, int] | None:
    """`0100007F:1F90` -> ("127.0.0.1", 8080); None for port 0 (psutil's empty laddr)."""
    ip_hex, port_hex = addr.split(":")
    port = int(port_hex, 16)
    if not port:
        return None
    raw = bytes.fromhex(ip_hex)
    if family == 4:
        packed = raw[::-1] if sys.byteorder == "little" else raw
    else:  # four host-order 32-bit words
        words = [raw[i : i + 4] for i in range(0, 16, 4)]
        packed = b"".join(w[::-1] for w in words) if sys.byteorder == "little" else raw
    return ntop(packed), port


def listening_tcp(proc: str = PROC) -> list[tuple[str, int, int | None]]:
    """(address, port, pid) of every TCP socket in LISTEN state in this network namespace;
    pid None where the process cannot be seen. One entry per socket and process, as in
    psutil's `net_connections("tcp")` (a set: identical entries collapse)."""
    inodes = _socket_inodes(proc)
    seen: set[tuple[int, int, str, int, int | None]] = set()
    out: list[tuple[str, int, int | None]] = []
    for name, family in _TCP_FILES:
        path = f"{proc}/net/{name}"
        if name.endswith("6") and not os.path.exists(path):
            continue  # no IPv6 in this kernel
        with open(path, encoding="ascii") as f:
            f.readline()
            for line in f:
                fields = line.split()
                if len(fields) < 10 or fields[3] != _LISTEN:
                    continue
                laddr = _decode(fields[1], family)
                if laddr is None:
                    continue
                pid, fd = inodes.get(fields[9], (None, -1))
                key = (fd, family, *laddr, pid)
                if key not in seen:
                    seen.add(key)
                    out.append((*laddr, pid))
    return out


def process_details(pid: int, proc: str = PROC) -> tuple[str, str, str] | None:
    """(name, user, command line) as psutil's `Process.name()`, `.username()` and
    `" ".join(.cmdline())`; None where psutil would raise (gone, denied, a zombie)."""
    enc, errors = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
    try:
        with open(f"{proc}/{pid}/stat", "rb") as f:
            stat = f.read()
        with open(f"{proc}/{pid}/cmdline", encoding=enc, errors=errors) as f:
            data = f.read()
        with open(f"{proc}/{pid}/status", "rb") as f:
            status = f.read()
    except OSError:
        return None
    rpar = stat.rfind(b")")
    name = stat[stat.find(b"(") + 1 : rpar].decode(enc, errors)
    zombie = stat[rpar + 2 :].split()[:1] == [b"Z"]
    cmdline: list[str] = []
    if data:
        sep = "\x00" if data.endswith("\x00") else " "
        data = data.removesuffix(sep)
        cmdline = data.split(sep)
        if sep == "\x00" and len(cmdline) == 1 and " " in data:
            cmdline = data.split(" ")
    elif zombie:
        return None
    if len(name) >= 15 and cmdline:
        extended = os.path.basename(cmdline[0])
        if extended.startswith(name):
            name = extended
    uid = -1
    for line in status.splitlines():
        if line.startswith(b"Uid:"):
            uid = int(line.split()[1])
            break
    import pwd

    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    return name, user, " ".join(cmdline)


def local_addresses(proc: str = PROC) -> frozenset[str] | None:
    """Every IPv4 and IPv6 address of every interface (scope ids dropped), from
    /proc/net/fib_trie (the local /32 host routes the kernel keeps for each IPv4 address) and
    /proc/net/if_inet6; None where one of them cannot be read."""
    found: set[str] = set()
    try:
        with open(f"{proc}/net/fib_trie", encoding="ascii") as f:
            trie = f.read()
        if os.path.exists(f"{proc}/net/if_inet6"):
            with open(f"{proc}/net/if_inet6", encoding="ascii") as f:
                inet6 = f.read()
        else:
            inet6 = ""
    except OSError:
        return None
    leaf = ""
    for line in trie.splitlines():
        text = line.strip()
        if text.startswith("|-- "):
            leaf = text[4:]
        elif text == "/32 host LOCAL" and leaf:
            found.add(leaf)
    for line in inet6.splitlines():
        fields = line.split()
        if fields:
            found.add(ntop(bytes.fromhex(fields[0])))
    return frozenset(found)
