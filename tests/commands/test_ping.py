"""`srvdoctor ping` inside a client namespace: replies, ICMP dropped, no route, bad names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

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
    assert "drops ICMP" in r["summary"]


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
