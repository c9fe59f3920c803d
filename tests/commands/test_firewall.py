"""`srvdoctor firewall` run inside a namespace the test made: its iptables and nft rules only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netlab import NetLab, results, sh

pytestmark = pytest.mark.netns


@pytest.fixture
def lab() -> Iterator[NetLab]:
    lab = NetLab()
    try:
        lab.up()
        yield lab
    finally:
        lab.down()


def firewall_json(lab: NetLab, *ports: int) -> tuple[int, dict[str, dict]]:  # type: ignore[type-arg]
    args = [a for p in ports for a in ("--port", str(p))]
    proc = lab.run("firewall", *args, "--format", "json", ns=lab.srv)
    assert proc.stdout, proc.stderr
    return proc.returncode, {r["target"]: r for r in results(json.loads(proc.stdout), "firewall.rules")}


def test_quotes_the_iptables_drop_rule_and_prints_the_fix(lab: NetLab) -> None:
    lab.iptables("-A", "INPUT", "-p", "tcp", "--dport", "8082", "-j", "DROP")
    rc, got = firewall_json(lab, 8082, 8080)
    blocked = got["8082/tcp"]
    assert (rc, blocked["status"], blocked["playbook"]) == (1, "fail", "firewall-blocking")
    assert blocked["summary"] == (
        "port 8082/tcp is blocked by the DROP rule in iptables table filter, chain INPUT: "
        "-A INPUT -p tcp -m tcp --dport 8082 -j DROP   (0 packets, 0 bytes matched since its counters "
        "were last zeroed)"
    )
    assert blocked["hints"][:2] == [
        "sudo iptables -D INPUT -p tcp -m tcp --dport 8082 -j DROP   # removes the blocking rule",
        "sudo iptables -I INPUT -p tcp --dport 8082 -j ACCEPT",
    ]
    assert got["8080/tcp"]["status"] == "ok"
    assert "iptables" in got["firewall"]["data"]["active"]


def test_reject_rule_in_a_user_chain_is_found_through_the_jump(lab: NetLab) -> None:
    lab.iptables("-N", "sdnet-in")
    lab.iptables("-A", "INPUT", "-j", "sdnet-in")
    lab.iptables("-A", "sdnet-in", "-p", "tcp", "-m", "multiport", "--dports", "8000:8100,9000",
                 "-j", "REJECT", "--reject-with", "icmp-host-prohibited")  # fmt: skip
    _, got = firewall_json(lab, 8083, 9000, 9001)
    assert got["8083/tcp"]["data"]["verdicts"][0]["chain"] == "INPUT"
    assert "--reject-with icmp-host-prohibited" in got["8083/tcp"]["summary"]
    assert got["9000/tcp"]["status"] == "fail" and got["9001/tcp"]["status"] == "ok"


def test_conditional_drop_is_a_warning(lab: NetLab) -> None:
    lab.iptables("-A", "INPUT", "-s", "10.231.0.0/16", "-p", "tcp", "--dport", "8888", "-j", "DROP")
    _, got = firewall_json(lab, 8888)
    assert got["8888/tcp"]["status"] == "warn"
    assert "-s 10.231.0.0/16" in got["8888/tcp"]["details"][0]


def test_nftables_default_drop_policy_without_accept(lab: NetLab) -> None:
    nft = ["ip", "netns", "exec", lab.srv, "nft"]
    sh(*nft, "add", "table", "inet", "sdnet")
    sh(*nft, "add chain inet sdnet input { type filter hook input priority 0 ; policy drop ; }")
    sh(*nft, "add", "rule", "inet", "sdnet", "input", "tcp", "dport", "22", "accept")
    rc, got = firewall_json(lab, 22, 8888)
    assert got["22/tcp"]["status"] == "ok" and "tcp dport 22 accept" in got["22/tcp"]["summary"]
    policy = got["8888/tcp"]
    assert (
        policy["status"] == "fail" and "default DROP policy of nftables table inet sdnet" in policy["summary"]
    )
    assert "sudo nft insert rule inet sdnet input tcp dport 8888 accept" in policy["hints"]
    assert rc == 1


def test_no_rules_no_active_firewall(lab: NetLab) -> None:
    rc, got = firewall_json(lab, 8080)
    assert (rc, got["8080/tcp"]["summary"]) == (0, "port 8080/tcp: no rule blocks it")


def test_without_port_every_listening_port_is_crossed_with_the_rules_and_hits_counted(lab: NetLab) -> None:
    # A server on a port outside every default list, dropped; another one, open; one on loopback.
    lab.serve("http", "0.0.0.0", "18093", "18094")
    lab.serve("http", "127.0.0.1", "18095")
    lab.iptables("-A", "INPUT", "-p", "tcp", "--dport", "18093", "-j", "DROP")
    probe = lab.run("port", f"{lab.server_ip}:18093", "--timeout", "1")  # SYNs that hit the rule
    assert probe.returncode == 1
    rc, got = firewall_json(lab)
    blocked = got["18093/tcp"]
    assert (rc, blocked["status"], blocked["playbook"]) == (1, "fail", "firewall-blocking")
    [verdict] = blocked["data"]["verdicts"]
    assert verdict["packets"] >= 1 and verdict["bytes"] >= 40
    assert f"({verdict['packets']} packet" in blocked["summary"]
    rest = got["listening"]
    assert (rest["status"], rest["data"]["ports"]) == (
        "ok",
        [18094],
    )  # loopback-only 18095 is no firewall matter
    assert "18095/tcp" not in got


def test_without_port_configured_target_ports_are_crossed_too(lab: NetLab, tmp_path: Path) -> None:
    lab.iptables("-A", "INPUT", "-p", "tcp", "--dport", "18097", "-j", "DROP")  # nothing listens there yet
    config = tmp_path / "srvdoctor.toml"
    config.write_text('[targets]\nports = ["18097"]\n')
    proc = lab.run("firewall", "--format", "json", "--config", str(config), ns=lab.srv)
    got = {r["target"]: r for r in results(json.loads(proc.stdout), "firewall.rules")}
    assert (proc.returncode, got["18097/tcp"]["status"]) == (1, "fail")


def test_nft_counters_are_shown(lab: NetLab) -> None:
    nft = ["ip", "netns", "exec", lab.srv, "nft"]
    sh(*nft, "add", "table", "inet", "sdnet")
    sh(*nft, "add chain inet sdnet input { type filter hook input priority 0 ; policy accept ; }")
    sh(*nft, "add", "rule", "inet", "sdnet", "input", "tcp", "dport", "18096", "counter", "drop")
    assert lab.run("port", f"{lab.server_ip}:18096", "--timeout", "1").returncode == 1
    _, got = firewall_json(lab, 18096)
    [verdict] = got["18096/tcp"]["data"]["verdicts"]
    assert verdict["kind"] == "blocked" and verdict["packets"] >= 1


def test_bad_port_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("firewall", "--port", "99999")
    assert result.rc == 2 and "out of range" in result.stderr
