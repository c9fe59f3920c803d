"""probes/procnet.py against psutil, the library it stands in for, on real sockets and processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from srvdoctor.probes import procnet
from srvdoctor.probes.listeners import Listener, listeners
from tests.netlab import NetLab, sh, wait_for


def _psutil_listeners() -> list[Listener]:
    """What probes/listeners.py answered when it read psutil (the code it replaced)."""
    out: list[Listener] = []
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status != psutil.CONN_LISTEN or not conn.laddr:
            continue
        ip, port, pid = conn.laddr.ip, conn.laddr.port, conn.pid
        if pid is None:
            out.append(Listener(ip, port))
            continue
        try:
            proc = psutil.Process(pid)
            with proc.oneshot():
                described = Listener(ip, port, pid, proc.name(), proc.username(), " ".join(proc.cmdline()))
        except (psutil.Error, OSError):
            described = Listener(ip, port, pid)
        out.append(described)
    out.sort(key=lambda item: (item.port, item.address))
    return out


def _listen(family: socket.AddressFamily, address: str, port: int = 0, reuse: bool = False) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((address, port))
    sock.listen()
    return sock


@pytest.fixture
def sockets(tmp_path: Path) -> Iterator[list[socket.socket]]:
    """Listening sockets of every kind psutil tells apart, some shared with child processes."""
    socks = [_listen(socket.AF_INET, "127.0.0.1"), _listen(socket.AF_INET, "0.0.0.0")]
    if socket.has_ipv6 and os.path.exists("/proc/net/tcp6"):
        socks += [_listen(socket.AF_INET6, "::1"), _listen(socket.AF_INET6, "::")]
        dual = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        dual.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        dual.bind(("::", 0))
        dual.listen()
        socks.append(dual)
    first = _listen(socket.AF_INET, "127.0.0.2", reuse=True)  # two sockets, one port, one process
    socks += [first, _listen(socket.AF_INET, "127.0.0.2", first.getsockname()[1], reuse=True)]
    # a child with a name longer than the kernel's 15 characters, holding a socket it shares
    # with this process (psutil names the later process) and one of its own
    long_name = tmp_path / "srvdoctor-test-long-listener"
    long_name.symlink_to(sys.executable)
    code = (
        "import socket, sys, time\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
        "print(s.getsockname()[1], flush=True); time.sleep(60)"
    )
    child = subprocess.Popen(
        [str(long_name), "-c", code, "with spaces", ""],
        stdout=subprocess.PIPE,
        text=True,
        pass_fds=[socks[0].fileno()],
    )
    assert child.stdout is not None
    own_port = int(child.stdout.readline())
    try:
        wait_for(lambda: any(p == own_port for _a, p, _pid in procnet.listening_tcp()))
        yield socks
    finally:
        child.kill()
        child.wait()
        for sock in socks:
            sock.close()


def test_listening_sockets_and_their_processes_are_psutil_s(sockets: list[socket.socket]) -> None:
    ours = listeners()
    assert ours == _psutil_listeners()
    mine = {s.getsockname()[1] for s in sockets}
    assert mine <= {x.port for x in ours}
    assert any(x.process == "srvdoctor-test-long-listener" for x in ours)  # beyond comm's 15 characters
    assert any(x.cmdline.endswith(" with spaces ") for x in ours)  # an empty last argument kept


def test_a_process_that_is_gone_or_a_zombie_is_described_as_psutil_would() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    wait_for(lambda: Path(f"/proc/{child.pid}/stat").read_bytes().split(b") ", 1)[1][:1] == b"Z")
    with pytest.raises(psutil.ZombieProcess):
        psutil.Process(child.pid).cmdline()
    assert procnet.process_details(child.pid) is None  # a zombie: name only, like psutil's error
    child.wait()
    assert procnet.process_details(child.pid) is None  # gone


def test_this_process_is_described_as_psutil_describes_it() -> None:
    proc = psutil.Process()
    assert procnet.process_details(os.getpid()) == (proc.name(), proc.username(), " ".join(proc.cmdline()))


def _psutil_addresses() -> set[str]:
    return {
        addr.address.split("%", 1)[0]
        for addrs in psutil.net_if_addrs().values()
        for addr in addrs
        if addr.family in (socket.AF_INET, socket.AF_INET6)
    }


def test_local_addresses_are_psutil_s_here() -> None:
    assert procnet.local_addresses() == _psutil_addresses()


@pytest.mark.netns
def test_local_addresses_are_psutil_s_with_secondary_ipv6_and_down_interfaces() -> None:
    lab = NetLab()
    try:
        lab.up()
        ns, dev = lab.cli_ns, f"sdv{lab.suffix}a"
        sh("ip", "-n", ns, "addr", "add", "10.231.253.7/32", "dev", dev)  # a secondary, a /32
        sh("ip", "-n", ns, "addr", "add", f"10.231.{lab.subnet}.9/24", "dev", dev)
        sh("ip", "-n", ns, "-6", "addr", "add", "fd00:231::7/64", "dev", dev, "nodad")
        sh(
            "ip",
            "-n",
            ns,
            "link",
            "add",
            f"sdw{lab.suffix}a",
            "type",
            "veth",
            "peer",
            "name",
            f"sdw{lab.suffix}b",
        )
        sh("ip", "-n", ns, "addr", "add", "10.231.254.3/24", "dev", f"sdw{lab.suffix}a")  # link down
        code = (
            "import psutil, socket; from srvdoctor.probes import procnet\n"
            "p = {a.address.split('%')[0] for v in psutil.net_if_addrs().values() for a in v"
            " if a.family in (socket.AF_INET, socket.AF_INET6)}\n"
            "print(sorted(procnet.local_addresses()) == sorted(p), sorted(p))"
        )
        out = sh("ip", "netns", "exec", ns, sys.executable, "-c", code).stdout
        assert out.startswith("True "), out
        assert "10.231.254.3" in out and "10.231.253.7" in out and "fd00:231::7" in out
    finally:
        lab.down()


def test_addresses_are_written_as_inet_ntop_writes_them() -> None:
    """procnet.ntop (no socket module) against glibc's inet_ntop on every shape of address:
    zero runs of every length and place, IPv4-mapped and IPv4-compatible, random ones."""
    import random

    rng = random.Random(17)
    cases = [bytes(16), bytes(15) + b"\1", bytes(10) + b"\xff\xff" + bytes([127, 0, 0, 1]),
             bytes(10) + b"\xff\xff" + bytes(4), bytes(12) + bytes([1, 2, 3, 4]), bytes(12) + bytes([0, 0, 3, 4]),
             bytes.fromhex("20010db8000000000001000000000001"), bytes.fromhex("fe800000000000000000000000000001")]  # fmt: skip
    for _ in range(5000):
        words = [rng.choice((0, 0, 1, 0xFFFF, rng.getrandbits(16))) for _ in range(8)]
        cases.append(b"".join(w.to_bytes(2, "big") for w in words))
    assert [c.hex() for c in cases if procnet.ntop(c) != socket.inet_ntop(socket.AF_INET6, c)] == []
    for quad in (bytes([127, 0, 0, 1]), bytes([10, 0, 255, 3]), bytes(4)):
        assert procnet.ntop(quad) == socket.inet_ntop(socket.AF_INET, quad)
