"""`srvdoctor ping` inside a client namespace: replies, ICMP dropped, no route, bad names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netlab import REPO, NetLab, results, sh

pytestmark = pytest.mark.netns


@pytest.fixture(scope="module")
def lab() -> Iterator[NetLab]:
    lab = NetLab()
    try:
        lab.up()
        lab.serve("http", "0.0.0.0", "8080")
        yield lab
    finally:
        lab.down()


def ping_json(lab: NetLab, *args: str) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    proc = lab.run("ping", *args, "--format", "json", "--timeout", "1")
    assert proc.stdout, proc.stderr
    return proc.returncode, list(results(json.loads(proc.stdout), "net.ping"))


def test_replies_with_round_trip_times(lab: NetLab) -> None:
    rc, [r] = ping_json(lab, lab.server_ip, "--count", "3")
    assert (rc, r["status"], r["data"]["sent"], r["data"]["received"]) == (0, "ok", 3, 3)
    assert r["data"]["method"] == "icmp-raw"  # root here, and ping_group_range does not allow dgram
    assert 0 < r["data"]["rtt_min_ms"] <= r["data"]["rtt_avg_ms"] <= r["data"]["rtt_max_ms"]


def test_icmp_dropped_is_not_down_when_tcp_answers(lab: NetLab) -> None:
    lab.iptables("-A", "INPUT", "-p", "icmp", "-j", "DROP")
    try:
        rc, [r] = ping_json(lab, lab.server_ip, "--port", "8080")
    finally:
        lab.iptables("-D", "INPUT", "-p", "icmp", "-j", "DROP")
    assert (rc, r["status"], r["data"]["received"], r["data"]["icmp_blocked"]) == (0, "ok", 0, True)
    assert r["data"]["tcp_fallback"] == [{"port": 8080, "state": "open"}]
    assert "ICMP echo gets no reply, dropped by it or on the way" in r["summary"]


def test_icmp_and_tcp_dropped_is_inconclusive_not_down(lab: NetLab) -> None:
    lab.iptables("-A", "INPUT", "-j", "DROP")
    try:
        rc, [r] = ping_json(lab, lab.server_ip, "--count", "2", "--port", "8080")
    finally:
        lab.iptables("-D", "INPUT", "-j", "DROP")
    assert (rc, r["status"]) == (0, "warn")
    assert r["summary"].startswith("inconclusive: no echo reply")


def test_no_route_is_host_unreachable(lab: NetLab) -> None:
    elsewhere = f"10.231.{(lab.subnet % 250) + 1}.9"  # no route in the client namespace
    rc, [r] = ping_json(lab, elsewhere)
    assert (rc, r["status"], r["playbook"]) == (1, "fail", "host-unreachable")


def test_unresolvable_name_is_dns_failure(lab: NetLab) -> None:
    lab.resolv_conf("nameserver 10.231.255.254\n")  # not routable from the client namespace
    rc, [r] = ping_json(lab, "nosuch.invalid")
    assert (rc, r["playbook"], r["data"]["dns"]) == (1, "dns-failure", "unreachable")


def test_bad_host_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("ping", "my host")
    assert result.rc == 2 and "cannot contain spaces" in result.stderr


def test_unprivileged_icmp_socket_where_ping_group_range_allows(lab: NetLab) -> None:
    sh("ip", "netns", "exec", lab.cli_ns, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647")
    try:
        rc, [r] = ping_json(lab, lab.server_ip, "--count", "2")
    finally:
        sh("ip", "netns", "exec", lab.cli_ns, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=1 0")
    assert (rc, r["data"]["method"], r["data"]["received"]) == (0, "icmp-dgram", 2)


def test_tcp_fallback_where_no_icmp_is_possible(lab: NetLab) -> None:
    # Without CAP_NET_RAW (not even for the setuid/file-cap ping) and no ping_group_range: no ICMP at all.
    proc = subprocess.run(
        ["ip", "netns", "exec", lab.cli_ns, "setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw",
         sys.executable, "-m", "srvdoctor", "ping", lab.server_ip, "--port", "8080", "--format", "json",
         "--timeout", "1"],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "SRVDOCTOR_CONFIG": os.devnull}, timeout=60,
    )  # fmt: skip
    [r] = results(json.loads(proc.stdout), "net.ping")
    assert (proc.returncode, r["status"], r["data"]["method"]) == (0, "ok", None)
    assert r["summary"] == f"{lab.server_ip} answers TCP (port 8080 open); ICMP was not possible here"


@pytest.fixture
def rejecting(lab: NetLab) -> Iterator[str]:
    """A second server address that answers, while server_ip REJECTs echo with host-unreachable."""
    good = f"10.231.{lab.subnet}.3"
    sh("ip", "-n", lab.srv, "addr", "add", f"{good}/24", "dev", f"sdv{lab.suffix}b")
    rule = ("INPUT", "-d", lab.server_ip, "-p", "icmp", "--icmp-type", "echo-request",
            "-j", "REJECT", "--reject-with", "icmp-host-unreachable")  # fmt: skip
    lab.iptables("-A", *rule)
    try:
        yield good
    finally:
        lab.iptables("-D", *rule)
        sh("ip", "-n", lab.srv, "addr", "del", f"{good}/24", "dev", f"sdv{lab.suffix}b")


@pytest.mark.parametrize("dgram", [False, True], ids=["raw", "dgram"])
def test_an_icmp_error_counts_only_for_the_probe_it_quotes(lab: NetLab, rejecting: str, dgram: bool) -> None:
    if dgram:
        sh("ip", "netns", "exec", lab.cli_ns, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647")
    try:
        rc, got = ping_json(lab, "127.0.0.1", lab.server_ip, rejecting, "--count", "3", "--port", "8080")
    finally:
        sh("ip", "netns", "exec", lab.cli_ns, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=1 0")
    by = {r["target"]: r for r in got}
    assert by["127.0.0.1"]["data"]["method"] == ("icmp-dgram" if dgram else "icmp-raw")
    for fine in ("127.0.0.1", rejecting):
        assert (by[fine]["status"], by[fine]["data"]["received"]) == ("ok", 3), by[fine]
    rejected = by[lab.server_ip]
    # the error came from the host itself: it is up, a firewall on it rejects ICMP
    assert (rejected["data"]["received"], rejected["data"]["unreachable_from"]) == (0, lab.server_ip)
    assert (rejected["status"], rejected["data"]["icmp_blocked"]) == ("ok", True)
    assert "rejects ICMP echo" in rejected["summary"]
    assert rc == 0


def test_check_hosts_share_no_icmp_errors(lab: NetLab, rejecting: str, tmp_path: Path) -> None:
    config = tmp_path / "srvdoctor.toml"
    config.write_text(f'timeout = 1\n[targets]\nhosts = ["127.0.0.1", "{lab.server_ip}", "{rejecting}"]\n')
    proc = lab.run("check", "--only", "network", "--format", "json", "--config", str(config))
    assert proc.stdout, proc.stderr
    by = {r["target"]: r for r in results(json.loads(proc.stdout), "net.ping")}
    assert by["127.0.0.1"]["status"] == "ok" and by[rejecting]["status"] == "ok"
    assert by[lab.server_ip]["data"]["unreachable_from"] == lab.server_ip


def test_no_answer_on_the_local_link_is_named_as_such(lab: NetLab) -> None:
    absent = f"10.231.{lab.subnet}.77"  # on the client's subnet, nobody there: ARP fails
    proc = lab.run(
        "ping", absent, "--count", "1", "--format", "json", "--timeout", "5"
    )  # ARP gives up after 3 s
    rc, [r] = proc.returncode, list(results(json.loads(proc.stdout), "net.ping"))
    assert (rc, r["status"], r["playbook"]) == (1, "fail", "host-unreachable")
    assert r["data"]["unreachable_from"] == lab.client_ip and "local link" in r["summary"]


def test_icmpv6_errors_are_matched_too(lab: NetLab) -> None:
    a, b = f"sdv{lab.suffix}a", f"sdv{lab.suffix}b"
    net = f"fd00:231:{lab.subnet:x}"
    sh("ip", "-n", lab.cli_ns, "addr", "add", f"{net}::1/64", "dev", a, "nodad")
    for host in ("2", "3"):
        sh("ip", "-n", lab.srv, "addr", "add", f"{net}::{host}/64", "dev", b, "nodad")
    rule = ("INPUT", "-d", f"{net}::2", "-p", "icmpv6", "--icmpv6-type", "echo-request",
            "-j", "REJECT", "--reject-with", "icmp6-adm-prohibited")  # fmt: skip
    sh("ip", "netns", "exec", lab.srv, "ip6tables", "-A", *rule)
    try:
        rc, got = ping_json(lab, "::1", f"{net}::2", f"{net}::3", "--count", "3", "--port", "8080")
    finally:
        sh("ip", "netns", "exec", lab.srv, "ip6tables", "-D", *rule)
        sh("ip", "-n", lab.cli_ns, "addr", "del", f"{net}::1/64", "dev", a)
        for host in ("2", "3"):
            sh("ip", "-n", lab.srv, "addr", "del", f"{net}::{host}/64", "dev", b)
    by = {r["target"]: r for r in got}
    assert [by[h]["data"]["received"] for h in ("::1", f"{net}::2", f"{net}::3")] == [3, 0, 3]
    assert by[f"{net}::2"]["data"]["unreachable_from"] == f"{net}::2" and rc == 0
