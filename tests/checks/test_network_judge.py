"""Judgment of the network and firewall checks on values that real probes return."""

from __future__ import annotations

from srvdoctor.checks.dns import NetDns
from srvdoctor.checks.firewall import FirewallRules
from srvdoctor.checks.netcommon import Reach
from srvdoctor.checks.network import PortListen, PortTcp
from srvdoctor.checks.ping import NetPing, Probe
from srvdoctor.model import Status
from srvdoctor.probes.dns import Resolution, ResolvConf
from srvdoctor.probes.firewall import Layer
from srvdoctor.probes.fwrules import parse_iptables_save
from srvdoctor.probes.icmp import PingResult
from srvdoctor.probes.listeners import Listener, RunningServer
from srvdoctor.probes.tcp import TcpResult
from srvdoctor.targets import parse_target

OK_DNS = Resolution("10.0.0.5", "ok", ("10.0.0.5",), (2,))


def test_refused_on_a_remote_address_with_loopback_listener_is_bound_to_loopback() -> None:
    t = parse_target("10.0.0.5:8888")
    r = Reach(
        t,
        OK_DNS,
        TcpResult("10.0.0.5", 8888, "refused", 0.2, "[Errno 111] Connection refused", "ECONNREFUSED"),
    )
    result = PortTcp().judge(r, [Listener("127.0.0.1", 8888, 42, "jupyter-lab", "ana")])
    assert (result.status, result.playbook) == (Status.FAIL, "bound-to-loopback")
    assert result.summary == (
        "10.0.0.5:8888 refused the connection: the server listens only on "
        "jupyter-lab (pid 42, user ana) on 127.0.0.1:8888 (loopback)"
    )
    assert "jupyter lab --ip 0.0.0.0" in result.details[1]


def test_eai_again_names_the_resolver() -> None:
    res = Resolution("db.invalid", "unreachable", error="[Errno -3] Temporary failure in name resolution",
                     nameservers=("10.0.0.2",))  # fmt: skip
    result = PortTcp().judge(Reach(parse_target("db.invalid:5432"), res, None))
    assert result.summary == (
        "could not resolve db.invalid: no DNS server answered (EAI_AGAIN, resolver 10.0.0.2 from /etc/resolv.conf)"
    )


def test_nothing_listening_names_the_usual_server_that_runs() -> None:
    result = PortListen().judge_port(
        parse_target("8888"), [], [RunningServer(7, "jupyter-lab", "jupyter-lab --port 8899")]
    )
    assert (result.status, result.playbook) == (Status.FAIL, "port-closed")
    assert result.details[0] == "jupyter-lab (pid 7) is running: jupyter-lab --port 8899"


def test_default_look_warns_for_loopback_remote_ports_and_remote_servers_on_any_port() -> None:
    found = [Listener("127.0.0.1", 6006, 5, "tensorboard", "ana"), Listener("0.0.0.0", 8888, 6, "jupyter-lab", "ana"),
             Listener("127.0.0.1", 5432, 7, "postgres", "postgres"),
             Listener("127.0.0.1", 8889, 8, "python3", "ana", "/usr/bin/python3 /usr/local/bin/jupyter-lab"),
             Listener("::1", 8889, 8, "python3", "ana", "/usr/bin/python3 /usr/local/bin/jupyter-lab"),
             Listener("127.0.0.1", 41000, 9, "python3", "ana", "python3 -m vllm.entrypoints.openai.api_server")]  # fmt: skip
    warns = PortListen().judge_default(found)
    assert [(w.target, w.status, w.playbook, w.data["program"]) for w in warns] == [
        ("6006", Status.WARN, "bound-to-loopback", "tensorboard"),
        ("8889", Status.WARN, "bound-to-loopback", "jupyter"),
        ("41000", Status.WARN, "bound-to-loopback", "vllm"),
    ]
    assert warns[0].hints == ("tensorboard --logdir DIR --bind_all",)
    assert warns[2].hints == ("vllm serve MODEL --host 0.0.0.0",)


def test_docker_proxy_listener_names_the_container() -> None:
    proxy = Listener("0.0.0.0", 8080, 99, "docker-proxy", "root",
                     "/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2 -container-port 80")  # fmt: skip
    result = PortListen().judge_port(parse_target("8080"), [proxy], [], timeout=0)
    assert (
        result.summary
        == "port 8080: docker-proxy (pid 99) for container 172.17.0.2:80 on all IPv4 addresses (0.0.0.0)"
    )


def test_dns_defaults() -> None:
    assert NetDns().judge_resolv_conf(ResolvConf("/etc/resolv.conf")).status is Status.WARN
    bad = Resolution("localhost", "ok", ("10.1.2.3",), (2,))
    assert NetDns().judge_local_name("localhost", ["10.1.2.3"], bad, loopback=True).status is Status.FAIL
    unknown = NetDns().judge_local_name("gpu07", [], None, loopback=False)
    assert unknown.status is Status.OK and "not queried" in unknown.summary


def test_ping_judgments() -> None:
    res = Resolution("h", "ok", ("10.0.0.9",), (2,))
    lossy = Probe("h", res, PingResult("10.0.0.9", "icmp-raw", 4, 2, (1.0, 3.0)))
    assert NetPing().judge(lossy).status is Status.WARN
    impossible = Probe("h", res, PingResult("10.0.0.9", "", tried=("icmp-dgram: Permission denied",)),
                       (TcpResult("10.0.0.9", 22, "refused", 0.3),))  # fmt: skip
    result = NetPing().judge(impossible)
    assert result.status is Status.OK and "ICMP was not possible here" in result.summary


def test_firewall_without_root_says_what_was_not_read() -> None:
    layers = [Layer("iptables", True, None, readable=False, error="iptables-save needs root"),
              Layer("nftables", True, None, readable=False, error="nft needs root"), Layer("ufw", False)]  # fmt: skip
    result = FirewallRules().judge_summary(layers, None)
    assert result.details == ("iptables: iptables-save needs root", "nftables: nft needs root")
    assert result.data["unreadable"] == ["iptables: iptables-save needs root", "nftables: nft needs root"]
    port = FirewallRules().judge_port(8888, layers)
    assert (port.status, port.summary) == (
        Status.SKIP,
        "port 8888/tcp: rules not read (iptables, nftables need root)",
    )


def test_docker_port_with_ufw_names_the_trap_and_cloud_is_named() -> None:
    rules = tuple(parse_iptables_save("*filter\n:INPUT DROP [0:0]\nCOMMIT\n"))
    layers = [Layer("ufw", True, True, info={"default": "deny (incoming)"}),
              Layer("iptables", True, True, rulesets=rules)]  # fmt: skip
    docker = FirewallRules().judge_port(8080, layers, docker_port=True)
    assert docker.status is Status.WARN and docker.summary.endswith("ufw rules do not apply to it")
    blocked = FirewallRules().judge_port(8888, layers)
    assert blocked.status is Status.FAIL and blocked.hints == ("sudo ufw allow 8888/tcp",)
    summary = FirewallRules().judge_summary(layers, ("AWS", "EC2 console"))
    assert any("runs on AWS" in d for d in summary.details)


def test_eperm_is_this_machines_own_output_rule() -> None:
    # connect() gets EPERM from a cgroup/BPF egress filter or an OUTPUT rule on some kernels.
    r = Reach(parse_target("10.0.0.5:8087"), OK_DNS,
              TcpResult("10.0.0.5", 8087, "rejected", 0.1, "[Errno 1] Operation not permitted", "EPERM"))  # fmt: skip
    result = PortTcp().judge(r)
    assert (result.playbook, result.status) == ("firewall-blocking", Status.FAIL)
    assert "this machine's own firewall" in result.summary


def test_firewall_all_clear_names_what_it_could_not_read() -> None:
    rules = parse_iptables_save("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n")
    layers = [Layer("iptables", True, False, rulesets=tuple(rules)),
              Layer("nftables", True, None, readable=False, error="nft -j output is not JSON")]  # fmt: skip
    summary = FirewallRules().judge_summary(layers, None)
    assert summary.summary == "no active firewall rules on input (read: iptables); not read: nftables"
    port = FirewallRules().judge_port(8888, layers)
    assert port.status is Status.OK and port.summary.endswith("in what was read (not read: nftables)")
    nothing = FirewallRules().judge_summary([Layer("iptables", False), Layer("nftables", False)], None)
    assert "were not read" in nothing.summary
