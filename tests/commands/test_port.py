"""`srvdoctor port` end to end, run inside a client namespace against a server namespace.

Server namespace: HTTP on 0.0.0.0:8080 (open, /status/NNN answers NNN), nothing on
8081 (closed), DROP on 8082 (filtered), REJECT icmp-host-prohibited on 8083, HTTP
bound to 127.0.0.1:8084 (loopback only), TLS with an expired self-signed certificate
on 8443, a DNS server saying NXDOMAIN, DROP on 9100-9109 for the concurrency test;
HTTP on 127.0.0.1:18888 (loopback only, a port the user asks about), on ::1:8085 (IPv6
only), on 0.0.0.0:8086 behind a REJECT --reject-with tcp-reset.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.netlab import NetLab, expired_cert, results

pytestmark = pytest.mark.netns


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetLab]:
    lab = NetLab()
    try:
        lab.up()
        lab.serve("http", "0.0.0.0", "8080")
        lab.serve("http", "127.0.0.1", "8084", "18888")
        lab.serve("http", "::1", "8085")
        lab.serve("http", "0.0.0.0", "8086")
        lab.iptables(
            "-A", "INPUT", "-p", "tcp", "--dport", "8086", "-j", "REJECT", "--reject-with", "tcp-reset"
        )
        cert, key = expired_cert(tmp_path_factory.mktemp("tls"), lab.server_ip)
        lab.serve("tls", "0.0.0.0", "8443", str(cert), str(key))
        lab.iptables("-A", "INPUT", "-p", "tcp", "--dport", "8082", "-j", "DROP")
        lab.iptables("-A", "INPUT", "-p", "tcp", "--dport", "8083", "-j", "REJECT",
                     "--reject-with", "icmp-host-prohibited")  # fmt: skip
        lab.iptables("-A", "INPUT", "-p", "tcp", "--dport", "9100:9109", "-j", "DROP")
        yield lab
    finally:
        lab.down()


def port_json(lab: NetLab, *targets: str, ns: str | None = None, timeout: str = "2") -> tuple[int, dict]:  # type: ignore[type-arg]
    proc = lab.run("port", *targets, "--format", "json", "--timeout", timeout, ns=ns)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def one(report: dict, check: str, target: str) -> dict:  # type: ignore[type-arg]
    found = [r for r in results(report, check) if r["target"] == target]
    assert len(found) == 1, results(report)
    return found[0]


def test_open_closed_filtered_rejected(lab: NetLab) -> None:
    ip = lab.server_ip
    rc, report = port_json(lab, f"{ip}:8080", f"{ip}:8081", f"{ip}:8082", f"{ip}:8083")
    states = {
        r["target"]: (r["data"]["state"], r["status"], r["playbook"]) for r in results(report, "port.tcp")
    }
    assert states == {
        f"{ip}:8080": ("open", "ok", None),
        f"{ip}:8081": ("refused", "fail", "port-closed"),
        f"{ip}:8082": ("filtered", "fail", "port-filtered"),
        f"{ip}:8083": ("rejected", "fail", "firewall-blocking"),
    }
    assert rc == 1


def test_url_ok_and_http_errors(lab: NetLab) -> None:
    ip = lab.server_ip
    rc, report = port_json(lab, f"http://{ip}:8080/", f"http://{ip}:8080/status/403",
                           f"http://{ip}:8080/status/502")  # fmt: skip
    got = {r["target"]: (r["status"], r["data"]["status_code"], r["playbook"])
           for r in results(report, "http.status")}  # fmt: skip
    assert got == {
        f"http://{ip}:8080/": ("ok", 200, None),
        f"http://{ip}:8080/status/403": ("fail", 403, "http-error"),
        f"http://{ip}:8080/status/502": ("fail", 502, "http-error"),
    }
    assert any("token" in d for d in one(report, "http.status", f"http://{ip}:8080/status/403")["details"])
    assert rc == 1


def test_expired_self_signed_certificate(lab: NetLab) -> None:
    url = f"https://{lab.server_ip}:8443/"
    rc, report = port_json(lab, url)
    tls = one(report, "http.tls", url)
    assert (tls["status"], tls["data"]["tls"], tls["playbook"]) == ("fail", "expired", "tls-error")
    assert tls["data"]["days_left"] < 0 and tls["data"]["self_signed"] is True
    assert tls["summary"] == "TLS failed: the certificate has expired (and it is self-signed)"
    assert results(report, "http.status") == []  # the ladder stops at the broken rung
    assert rc == 1


def test_plain_http_on_a_tls_port(lab: NetLab) -> None:
    url = f"http://{lab.server_ip}:8443/"
    _, report = port_json(lab, url)
    assert one(report, "http.status", url)["playbook"] == "tls-error"


def test_https_to_a_plain_http_port(lab: NetLab) -> None:
    url = f"https://{lab.server_ip}:8080/"
    _, report = port_json(lab, url)
    assert one(report, "http.tls", url)["data"]["tls"] == "not-tls"


def test_bound_to_loopback_seen_from_the_server(lab: NetLab) -> None:
    target = f"{lab.server_ip}:8084"
    rc, report = port_json(lab, target, ns=lab.srv)
    tcp, listen = one(report, "port.tcp", target), one(report, "port.listen", target)
    assert (tcp["data"]["state"], tcp["playbook"]) == ("refused", "bound-to-loopback")
    assert (listen["status"], listen["playbook"]) == ("fail", "bound-to-loopback")
    assert listen["data"]["listeners"][0]["address"] == "127.0.0.1"
    assert "--ip 0.0.0.0" in " ".join(listen["hints"])
    assert rc == 1


def test_filtered_local_port_quotes_the_firewall_rule(lab: NetLab) -> None:
    target = f"{lab.server_ip}:8082"
    _, report = port_json(lab, target, ns=lab.srv, timeout="1")
    rule = one(report, "firewall.rules", "8082/tcp")
    assert rule["status"] == "fail" and "-A INPUT -p tcp -m tcp --dport 8082 -j DROP   (" in rule["summary"]


def test_local_port_names_the_listening_process(lab: NetLab) -> None:
    rc, report = port_json(lab, "8080", ns=lab.srv)
    listen = one(report, "port.listen", "8080")
    assert listen["status"] == "ok" and listen["data"]["listeners"][0]["process"].startswith("python")
    assert "on all IPv4 addresses (0.0.0.0)" in listen["summary"] and rc == 0


def test_dns_unreachable_resolver_is_told_apart_from_no_such_name(lab: NetLab) -> None:
    # No nameserver reachable: the client namespace has no route to /etc/resolv.conf's server.
    lab.resolv_conf("nameserver 10.231.255.254\n")
    _, report = port_json(lab, "nosuch.invalid:80")
    unreachable = one(report, "port.tcp", "nosuch.invalid:80")
    assert (unreachable["data"]["dns"], unreachable["playbook"]) == ("unreachable", "dns-failure")
    assert "10.231.255.254" in unreachable["summary"]
    # A nameserver in the server namespace that answers NXDOMAIN.
    lab.serve("dns", lab.server_ip)
    lab.resolv_conf(f"nameserver {lab.server_ip}\n")
    _, report = port_json(lab, "nosuch.invalid:80")
    nx = one(report, "port.tcp", "nosuch.invalid:80")
    assert (nx["data"]["dns"], nx["playbook"]) == ("nxdomain", "dns-failure")
    assert "does not exist" in nx["summary"]


def test_fifty_targets_ten_filtered_cost_about_one_timeout(lab: NetLab) -> None:
    ip = lab.server_ip
    targets = [f"{ip}:{p}" for p in range(9000, 9040)] + [f"{ip}:{p}" for p in range(9100, 9110)]
    started = time.monotonic()
    _, report = port_json(lab, *targets, timeout="2")
    elapsed = time.monotonic() - started
    states = [r["data"]["state"] for r in results(report, "port.tcp")]
    assert (states.count("refused"), states.count("filtered")) == (40, 10)
    assert elapsed < 3 * 2, elapsed


def test_a_port_asked_about_on_loopback_only_warns_with_the_fix(lab: NetLab) -> None:
    rc, report = port_json(lab, "18888", ns=lab.srv)
    listen = one(report, "port.listen", "18888")
    assert (listen["status"], listen["playbook"]) == ("warn", "bound-to-loopback")
    assert "other machines cannot connect" in listen["summary"]
    assert listen["hints"] and all("0.0.0.0" in h for h in listen["hints"])
    assert "ssh -L 18888:localhost:18888" in " ".join(listen["details"])
    assert rc == 0  # a warning: the port works here


def test_refusal_from_another_machine_says_what_it_proves(lab: NetLab) -> None:
    target = f"{lab.server_ip}:8084"  # the server listens on 127.0.0.1:8084 over there
    rc, report = port_json(lab, target)
    tcp = one(report, "port.tcp", target)
    assert (tcp["data"]["state"], tcp["status"]) == ("refused", "fail")
    assert "nothing listens" not in tcp["summary"]
    assert (
        tcp["summary"]
        == f"{target} refused the connection: no process accepts connections on that address and port"
    )
    assert "bound to 127.0.0.1 (loopback only)" in " ".join(tcp["details"])
    assert tcp["hints"][0].startswith("ss -ltnp 'sport = :8084'   # on " + lab.server_ip)
    assert rc == 1


@pytest.mark.parametrize(
    ("target", "server", "asked", "other"),
    [
        ("[::1]:8084", "127.0.0.1:8084", "::1", "4"),
        ("[::1]:8080", "127.0.0.1:8080", "::1", "4"),
        ("127.0.0.1:8085", "[::1]:8085", "127.0.0.1", "6"),
    ],
)
def test_ipv6_against_an_ipv4_listener_names_the_mismatch(
    lab: NetLab, target: str, server: str, asked: str, other: str
) -> None:
    rc, report = port_json(lab, target, ns=lab.srv)
    tcp, listen = one(report, "port.tcp", target), one(report, "port.listen", target)
    assert (tcp["data"]["state"], tcp["playbook"]) == ("refused", "address-family-mismatch")
    assert (
        f"the server listens on IPv{other} only" in tcp["summary"] and "nothing listens" not in tcp["summary"]
    )
    assert f"connect to {server} instead" in " ".join(tcp["details"])
    assert (listen["status"], listen["playbook"]) == ("warn", "address-family-mismatch")
    assert f"but not on {asked} (the address asked for): IPv{other} only" in listen["summary"]
    assert rc == 1


def test_refused_though_a_socket_covers_the_address_is_a_tcp_reset_rule(lab: NetLab) -> None:
    _, report = port_json(lab, "127.0.0.1:8086", ns=lab.srv)
    tcp = one(report, "port.tcp", "127.0.0.1:8086")
    assert (tcp["data"]["state"], tcp["playbook"]) == ("refused", "firewall-blocking")
    assert "a firewall rule rejects it with a TCP reset" in tcp["summary"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("99999", "port 99999 is out of range"),
        ("0", "port 0 is out of range"),
        ("my host:80", "cannot contain spaces"),
        ("http://h:99999/", "port 99999 is out of range"),
        ("ftp://h/", "only http:// and https://"),
        ("::1:80", "in brackets"),
        ("::1", "[::1]:PORT"),
        ("[zz]:80", "'zz' is not one"),
    ],
)
def test_bad_targets_are_usage_errors(cli, target: str, message: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("port", target)
    assert result.rc == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_redirect_to_a_filtered_port_is_not_called_a_hung_server(lab: NetLab) -> None:
    url = f"http://{lab.server_ip}:8080/to/{lab.server_ip}:8082"
    _, report = port_json(lab, url, timeout="1")
    http = one(report, "http.status", url)
    assert (http["status"], http["playbook"]) == ("fail", "port-filtered")
    assert http["summary"].startswith("the HTTP request could not connect in time: ConnectTimeout")
