"""Network probes on loopback: connect, listeners, resolver files."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from srvdoctor.probes.dns import files_before_dns, hosts_file_entries, read_resolv_conf, resolve
from srvdoctor.probes.interfaces import local_addresses
from srvdoctor.probes.listeners import listeners
from srvdoctor.probes.tcp import connect, neighbour_answers


def test_connect_open_and_refused_on_loopback() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert connect("127.0.0.1", port, 1.0).state == "open"
    refused = connect("127.0.0.1", port, 1.0)
    assert (refused.state, refused.errno_name) == ("refused", "ECONNREFUSED")


def test_listener_names_this_process_and_its_address() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        [mine] = [x for x in listeners() if x.port == port]
    assert (mine.address, mine.pid, mine.loopback) == ("127.0.0.1", os.getpid(), True)


def test_local_addresses_are_the_interfaces_addresses() -> None:
    shown = subprocess.run(["ip", "-o", "address", "show"], capture_output=True, text=True, check=True)
    addresses = {line.split()[3].split("/")[0] for line in shown.stdout.splitlines()}
    assert "127.0.0.1" in addresses and addresses <= local_addresses()


def test_resolver_files(tmp_path: Path) -> None:
    (tmp_path / "resolv.conf").write_text(
        "# comment\nnameserver 10.0.0.2\nnameserver 10.0.0.3 # x\nsearch lab.test\n"
    )
    conf = read_resolv_conf(tmp_path / "resolv.conf")
    assert (conf.nameservers, conf.search) == (("10.0.0.2", "10.0.0.3"), ("lab.test",))
    (tmp_path / "hosts").write_text("127.0.0.1 localhost\n10.0.0.7 gpu07.lab gpu07 # box\n")
    assert hosts_file_entries("GPU07", tmp_path / "hosts") == ("10.0.0.7",)
    (tmp_path / "nsswitch.conf").write_text("hosts: dns [NOTFOUND=return] files\n")
    assert files_before_dns(tmp_path / "nsswitch.conf") is False
    (tmp_path / "nsswitch.conf").write_text("hosts: sss files dns\n")
    assert files_before_dns(tmp_path / "nsswitch.conf") is False
    (tmp_path / "nsswitch.conf").write_text("hosts:  files [NOTFOUND=return] mdns4_minimal dns\n")
    assert files_before_dns(tmp_path / "nsswitch.conf") is True
    arp = tmp_path / "arp"
    arp.write_text("IP address       HW type     Flags       HW address            Mask     Device\n"
                   "10.0.0.9         0x1         0x2         02:42:ac:11:00:02     *        eth0\n")  # fmt: skip
    assert neighbour_answers("10.0.0.9", arp) and not neighbour_answers("10.0.0.8", arp)


def test_literal_addresses_and_localhost_resolve_without_dns() -> None:
    assert resolve("::1", 1.0).addresses == ("::1",)
    assert "127.0.0.1" in resolve("localhost", 1.0).addresses  # /etc/hosts, files before dns
