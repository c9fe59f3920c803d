"""net.ping: is the host there? DNS first, then ICMP echo, then a TCP connect as the fallback.

A host that drops ICMP is not down: no echo reply is "inconclusive" unless a TCP
connect (open or refused, either proves the host answers) says otherwise.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.dns import dns_result
from srvdoctor.checks.netcommon import bad_target, config_hosts, resolution
from srvdoctor.messages import join, t
from srvdoctor.model import Result, Status
from srvdoctor.probes import interfaces
from srvdoctor.probes.dns import Resolution
from srvdoctor.probes.icmp import PingResult, ping
from srvdoctor.probes.tcp import TcpResult, connect
from srvdoctor.probes.timeout import map_with_timeout
from srvdoctor.record import dataclass
from srvdoctor.shellcmd import cmd
from srvdoctor.targets import TargetError

#: Ports tried when ICMP is impossible or unanswered: SSH and web servers are the usual ones.
FALLBACK_PORTS: tuple[int, ...] = (22, 80, 443)


def _fmean(values: Sequence[float]) -> float:
    """statistics.fmean, whose module loads fractions and decimal (~8 ms) for one division."""
    return math.fsum(values) / len(values)


@dataclass(frozen=True)
class Probe:
    host: str
    resolution: Resolution
    ping: PingResult | None = None
    tcp: tuple[TcpResult, ...] = ()
    sender_is_local: bool = False  # the ICMP error came from this machine's own address


def probe_host(host: str, res: Resolution, count: int, ports: Sequence[int], timeout: float) -> Probe:
    """ICMP to the first address; TCP to `ports` when ICMP is impossible or got no reply."""
    if not res.ok:
        return Probe(host, res)
    address = res.addresses[0]
    echo = ping(address, count=count, timeout=timeout)
    tcp: tuple[TcpResult, ...] = ()
    itself = echo.unreachable and _same(echo.unreachable_from, address)
    if (not echo.method or echo.received == 0) and (not echo.unreachable or itself) and ports:
        got = map_with_timeout(lambda p: connect(address, p, timeout), list(ports), timeout + 0.5, str)
        tcp = tuple(g for g in got if isinstance(g, TcpResult))
    sender = echo.unreachable_from
    local = bool(sender) and sender != "?" and sender.split("%", 1)[0] in interfaces.local_addresses()
    return Probe(host, res, echo, tcp, local and not itself)


def _same(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a.split("%", 1)[0]) == ipaddress.ip_address(b.split("%", 1)[0])
    except ValueError:
        return False


@dataclass(frozen=True)
class NetPing:
    """ICMP echo to every `[targets] hosts` entry: round trip min/avg/max and loss over
    `count` (4) echoes, 0.2 s apart.

    Warns at `warn_loss_percent` (20) loss or an average round trip over `warn_rtt_ms`
    (500); no reply at all is inconclusive (warn) unless a TCP connect to
    `fallback_ports` (22, 80, 443) proves the host is up; no route fails (host-unreachable).
    ICMP goes through an unprivileged ICMP socket where net.ipv4.ping_group_range allows,
    a raw socket as root, else the system ping. Shell equivalent: `ping -c 4 HOST`.
    """

    id: ClassVar[str] = "net.ping"
    area: ClassVar[str] = "network"
    playbooks: ClassVar[tuple[str, ...]] = ("dns-failure", "host-unreachable", "port-filtered")
    count: int = 4
    warn_loss_percent: float = 20.0
    warn_rtt_ms: float = 500.0
    fallback_ports: tuple[int, ...] = FALLBACK_PORTS

    @property
    def timeout_factor(self) -> float:
        """DNS, the echoes (0.2 s apart) and the TCP fallback: the runner's deadline."""
        return 3.5 + 0.2 * self.count

    def run(self, ctx: CheckContext) -> list[Result]:
        hosts = config_hosts(ctx)
        names = [h for h in hosts if isinstance(h, str)]
        out = [bad_target(self.id, h) for h in hosts if isinstance(h, TargetError)]
        probes = map_with_timeout(
            lambda h: probe_host(h, resolution(ctx, h), self.count, self.fallback_ports, ctx.timeout),
            names,
            ctx.timeout * 3 + 0.2 * self.count,
            lambda h: f"ping {h}",
        )
        for host, got in zip(names, probes, strict=True):
            if isinstance(got, Probe):
                out.append(self.judge(got))
            else:
                out.append(
                    Result(
                        self.id,
                        host,
                        Status.ERROR,
                        t("ping {host} could not finish: {error}", host=host, error=str(got)),
                    )
                )
        return out

    def judge(self, p: Probe) -> Result:
        if p.ping is None:
            return dns_result(self.id, p.host, p.resolution)
        echo = p.ping
        address = echo.address
        host = f"{p.host} ({address})" if address != p.host else p.host
        alive = [t for t in p.tcp if t.state in ("open", "refused")]
        data: dict[str, object] = {
            "address": address,
            "method": echo.method or None,
            "sent": echo.sent,
            "received": echo.received,
            "loss_percent": round(echo.loss_percent, 1),
            "tcp_fallback": [{"port": t.port, "state": t.state} for t in p.tcp],
        }
        tcp_words = join(", ", [t("port {port} {state}", port=x.port, state=x.state) for x in p.tcp])
        if echo.rtts_ms:
            rtts = echo.rtts_ms
            data.update(
                rtt_min_ms=round(min(rtts), 3),
                rtt_avg_ms=round(_fmean(rtts), 3),
                rtt_max_ms=round(max(rtts), 3),
            )
        if echo.unreachable:
            return self._unreachable(p, host, data, alive, tcp_words)
        if not echo.method:
            tried = join("; ", echo.tried)
            if alive:
                return Result(
                    self.id,
                    p.host,
                    Status.OK,
                    t("{host} answers TCP ({tcp}); ICMP was not possible here", host=host, tcp=tcp_words),
                    details=(tried,),
                    data=data,
                )
            return Result(
                self.id,
                p.host,
                Status.WARN,
                t("inconclusive: ICMP is not possible here and no TCP answer from {host}", host=host),
                details=(tried, tcp_words),
                data=data,
                playbook="port-filtered",
                hints=(cmd("sudo", "srvdoctor", "ping", p.host),),
            )
        if echo.received == 0:
            if alive:
                return Result(
                    self.id,
                    p.host,
                    Status.OK,
                    t(
                        "{host} is up (TCP answers) but ICMP echo gets no reply, dropped by it or on "
                        "the way: 0/{sent} echo replies, TCP {tcp}",
                        host=host,
                        sent=echo.sent,
                        tcp=tcp_words,
                    ),
                    data={**data, "icmp_blocked": True},
                )
            return Result(
                self.id,
                p.host,
                Status.WARN,
                t(
                    "inconclusive: no echo reply from {host} (0/{sent}) and no TCP answer ({tcp}): "
                    "down, or dropping everything",
                    host=host,
                    sent=echo.sent,
                    tcp=tcp_words,
                )
                if tcp_words
                else t(
                    "inconclusive: no echo reply from {host} (0/{sent}) and no TCP answer: "
                    "down, or dropping everything",
                    host=host,
                    sent=echo.sent,
                ),
                details=(t("many hosts and clouds drop ICMP; this does not prove the host is down"),),
                data=data,
                playbook="port-filtered",
                hints=(t("srvdoctor port {host}:PORT   (a port the host should serve)", host=p.host),),
            )
        stats = {
            "host": host,
            "received": echo.received,
            "sent": echo.sent,
            "min": data["rtt_min_ms"],
            "avg": data["rtt_avg_ms"],
            "max": data["rtt_max_ms"],
            "method": echo.method,
        }
        avg = float(data.get("rtt_avg_ms", 0.0))  # type: ignore[arg-type]
        if echo.loss_percent >= self.warn_loss_percent or avg > self.warn_rtt_ms:
            return Result(
                self.id,
                p.host,
                Status.WARN,
                t(
                    "{host}: {received}/{sent} replies, rtt min/avg/max {min:.2f}/{avg:.2f}/{max:.2f} ms "
                    "({method}), {loss:.0f}% loss",
                    loss=echo.loss_percent,
                    **stats,
                ),
                data=data,
            )
        summary = t(
            "{host}: {received}/{sent} replies, rtt min/avg/max {min:.2f}/{avg:.2f}/{max:.2f} ms ({method})",
            **stats,
        )
        return Result(self.id, p.host, Status.OK, summary, data=data)

    def _unreachable(
        self, p: Probe, host: str, data: dict[str, object], alive: Sequence[TcpResult], tcp_words: str
    ) -> Result:
        """Who said "unreachable" decides what it proves (`host`: the name, with its address)."""
        assert p.ping is not None
        address, sender = p.ping.address, p.ping.unreachable_from
        data = {**data, "unreachable_from": sender or None}
        hints = (cmd("ip", "route", "get", address), cmd("ip", "neigh", "show", address))
        if sender and _same(sender, address):
            words = t(
                "{host} answers, but rejects ICMP echo: it sent back 'destination unreachable' itself",
                host=host,
            )
            if alive:
                return Result(
                    self.id,
                    p.host,
                    Status.OK,
                    t("{words}; TCP {tcp}", words=words, tcp=tcp_words),
                    data={**data, "icmp_blocked": True},
                )
            return Result(
                self.id,
                p.host,
                Status.WARN,
                t("{words} (a firewall REJECT rule on it); no TCP answer ({tcp})", words=words, tcp=tcp_words)
                if tcp_words
                else t("{words} (a firewall REJECT rule on it); no TCP answer", words=words),
                details=(t("the host is up: something on it (iptables/nft REJECT) refuses ICMP echo"),),
                data=data,
                playbook="firewall-blocking",
                hints=(t("srvdoctor port {host}:PORT   (a port the host should serve)", host=p.host),),
            )
        if p.sender_is_local:
            return Result(
                self.id,
                p.host,
                Status.FAIL,
                t(
                    "{host} is unreachable: this machine ({sender}) got no answer from it on the local "
                    "link (no ARP/neighbour reply: down, or not at that address)",
                    host=host,
                    sender=sender,
                ),
                data=data,
                playbook="host-unreachable",
                hints=hints,
            )
        if sender and sender != "?":
            return Result(
                self.id,
                p.host,
                Status.FAIL,
                t(
                    "{host} is unreachable: {sender} answered 'destination unreachable' on the way "
                    "(no route past it, or a firewall there rejects)",
                    host=host,
                    sender=sender,
                ),
                data=data,
                playbook="host-unreachable",
                hints=(*hints, cmd("tracepath", "-n", address)),
            )
        if sender == "?":
            return Result(
                self.id,
                p.host,
                Status.FAIL,
                t(
                    "{host} is unreachable: an ICMP 'destination unreachable' came back "
                    "(no route to the host on the way, or a firewall that rejects)",
                    host=host,
                ),
                data=data,
                playbook="host-unreachable",
                hints=hints,
            )
        return Result(
            self.id,
            p.host,
            Status.FAIL,
            t("{host} is unreachable: this machine has no route to it (the send failed here)", host=host),
            data=data,
            playbook="host-unreachable",
            hints=hints,
        )


CHECKS = (NetPing,)
