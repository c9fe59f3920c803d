"""port.tcp: does the port answer (one connect per address), and if not, why: refused by
nothing listening here, a listener on another address, a firewall, a route."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.dns import dns_result
from srvdoctor.checks.netcommon import (
    Reach,
    bad_target,
    config_targets,
    is_local,
    is_loopback,
    listeners_on,
    reach_all,
)
from srvdoctor.checks.servers import (
    bind_fixes,
    covers,
    endpoint,
    family,
    reachable,
    tunnel,
)
from srvdoctor.messages import join, t
from srvdoctor.model import Result, Status
from srvdoctor.probes.listeners import (
    Listener,
)
from srvdoctor.record import dataclass
from srvdoctor.shellcmd import cmd
from srvdoctor.targets import Target, TargetError


@dataclass(frozen=True)
class PortTcp:
    """TCP connect to every `[targets] ports` and `urls` entry: open, refused, filtered, unreachable.

    Resolves the name first (getaddrinfo), then connects once per address family within
    the probe timeout. Refused → port-closed; for a target on this machine the listening
    sockets say why: bound-to-loopback (127.0.0.1 only), address-family-mismatch (IPv4
    only, asked over IPv6, or the reverse), firewall-blocking (a socket covers the address:
    a REJECT with tcp-reset). From another machine a refusal proves only that nothing
    accepts there, and the result says so. Timed out → port-filtered; no route →
    host-unreachable; an ICMP "host prohibited" from an on-link host → firewall-blocking.
    No thresholds.
    Shell equivalent: `nc -vz -w 3 HOST PORT`.
    """

    id: ClassVar[str] = "port.tcp"
    area: ClassVar[str] = "network"
    playbooks: ClassVar[tuple[str, ...]] = (
        "dns-failure",
        "port-closed",
        "port-filtered",
        "host-unreachable",
        "bound-to-loopback",
        "firewall-blocking",
        "address-family-mismatch",
    )
    timeout_factor: ClassVar[float] = 2.0

    def run(self, ctx: CheckContext) -> list[Result]:
        parsed = config_targets(ctx)
        targets = [t for t in parsed if isinstance(t, Target)]
        out = [bad_target(self.id, t) for t in parsed if isinstance(t, TargetError)]
        for r in reach_all(ctx, targets):
            local = r.tcp is not None and is_local(ctx, r.target, r.resolution)
            out.append(self.judge(r, listeners_on(ctx, r.target.port) if local else None))
        return out

    def judge(self, r: Reach, local_listeners: Sequence[Listener] | None = None) -> Result:
        """`local_listeners`: this machine's listeners on the port when the target is local."""
        target = r.target
        if r.tcp is None:
            return dns_result(self.id, target.raw, r.resolution)
        tcp = r.tcp
        where = endpoint(tcp.address, target.port)
        data = {
            "host": target.connect_host,
            "port": target.port,
            "address": tcp.address,
            "addresses": list(r.resolution.addresses),
            "state": tcp.state,
            "elapsed_ms": round(tcp.elapsed_ms, 3),
            "errno": tcp.errno_name or None,
        }
        detail = (tcp.error,) if tcp.error else ()
        fw_hint = t(
            "srvdoctor firewall --port {port}   (on the machine that runs the server)", port=target.port
        )
        if tcp.state == "open":
            host, port, ms = target.connect_host, target.port, tcp.elapsed_ms
            return Result(
                self.id,
                target.raw,
                Status.OK,
                t(
                    "{host}:{port} accepts TCP connections ({where}) in {ms:.1f} ms",
                    host=host,
                    port=port,
                    where=where,
                    ms=ms,
                )
                if tcp.address != target.connect_host
                else t("{host}:{port} accepts TCP connections in {ms:.1f} ms", host=host, port=port, ms=ms),
                data=data,
            )
        if tcp.state == "refused":
            return self._refused(r, local_listeners, data, detail)
        if tcp.state == "filtered":
            return Result(
                self.id,
                target.raw,
                Status.FAIL,
                t(
                    "{where} did not answer within {s:.1f} s: the connection attempt got "
                    "no reply, neither accepted nor refused",
                    where=where,
                    s=tcp.elapsed_ms / 1000,
                ),
                details=(
                    *detail,
                    t(
                        "usually a firewall or cloud security group dropping packets; also a host that is "
                        "down or absent where no router says so, or a server whose accept queue is full"
                    ),
                ),
                data=data,
                playbook="port-filtered",
                hints=(fw_hint,),
            )
        if tcp.state == "rejected" and tcp.errno_name in ("EPERM", "EACCES"):
            return Result(
                self.id,
                target.raw,
                Status.FAIL,
                t(
                    "{where} was refused by this machine's own firewall: an OUTPUT rule stopped the "
                    "connection before it left ({errno})",
                    where=where,
                    errno=tcp.errno_name,
                ),
                details=detail,
                data=data,
                playbook="firewall-blocking",
                hints=(t("sudo iptables -S OUTPUT; sudo nft list ruleset   (on this machine)"),),
            )
        if tcp.state == "rejected":
            return Result(
                self.id,
                target.raw,
                Status.FAIL,
                t(
                    "{where} was rejected with an ICMP error by a host that answers on its link: "
                    "a firewall refuses port {port}",
                    where=where,
                    port=target.port,
                ),
                details=(*detail, t("the host answered ARP, so 'no route to host' here means a REJECT rule")),
                data=data,
                playbook="firewall-blocking",
                hints=(fw_hint,),
            )
        if tcp.state == "unreachable":
            return Result(
                self.id,
                target.raw,
                Status.FAIL,
                t("{where} is unreachable: this machine has no route to it (ENETUNREACH)", where=where)
                if tcp.errno_name == "ENETUNREACH"
                else t(
                    "{where} is unreachable: 'no route to host' ({error})",
                    where=where,
                    error=tcp.errno_name or tcp.error,
                ),
                details=(
                    *detail,
                    t(
                        "EHOSTUNREACH: a router on the way has no route, the host does not answer ARP on its "
                        "link, "
                        "or a firewall REJECTs with icmp-host-unreachable/prohibited"
                    ),
                )
                if tcp.errno_name != "ENETUNREACH"
                else detail,
                data=data,
                playbook="host-unreachable",
                hints=(cmd("ip", "route", "get", tcp.address), cmd("srvdoctor", "ping", target.connect_host)),
            )
        return Result(
            self.id,
            target.raw,
            Status.ERROR,
            t("could not connect to {where}: {error}", where=where, error=tcp.error),
            data=data,
        )

    def _refused(
        self,
        r: Reach,
        local: Sequence[Listener] | None,
        data: dict[str, object],
        detail: tuple[str, ...],
    ) -> Result:
        """A refusal proves one thing: no socket accepts connections on that address and port.

        Why, only this machine's listening sockets can tell; for another machine, say
        what the usual causes are and how to look on it.
        """
        target, tcp = r.target, r.tcp
        assert tcp is not None
        where = endpoint(tcp.address, target.port)
        look = f"ss -ltnp 'sport = :{target.port}'"

        def fail(summary: str, playbook: str, details: Sequence[str], hints: Sequence[str]) -> Result:
            return Result(
                self.id,
                target.raw,
                Status.FAIL,
                summary,
                tuple(details),
                data,
                playbook=playbook,
                hints=tuple(hints),
            )

        if local is None:  # another machine: its sockets cannot be read from here
            return fail(
                t(
                    "{where} refused the connection: no process accepts connections on that address and port",
                    where=where,
                ),
                "port-closed",
                (
                    *detail,
                    t(
                        "a refusal proves only that; the usual cause is a server on {host} bound to "
                        "127.0.0.1 (loopback only), else it is not running, listens on another port, or a "
                        "firewall rejects with a TCP reset",
                        host=target.connect_host,
                    ),
                ),
                (
                    t(
                        "{look}   (on {host}: Local Address 127.0.0.1 = loopback only, "
                        "no line = nothing listens)",
                        look=look,
                        host=target.connect_host,
                    ),
                    t("srvdoctor port {port}   (on {host})", port=target.port, host=target.connect_host),
                ),
            )
        if not local:
            return fail(
                t(
                    "{where} refused the connection: nothing listens on port {port} on this machine "
                    "(listening sockets read)",
                    where=where,
                    port=target.port,
                ),
                "port-closed",
                detail,
                (look,),
            )
        bound = join(
            ", ",
            [t("{who} on {endpoint}", who=x.who(), endpoint=endpoint(x.address, x.port)) for x in local],
        )
        if any(covers(x, tcp.address) for x in local):
            return fail(
                t(
                    "{where} refused the connection, yet {bound} accepts on that address: a firewall rule "
                    "rejects it with a TCP reset",
                    where=where,
                    bound=bound,
                ),
                "firewall-blocking",
                (
                    *detail,
                    t("iptables -j REJECT --reject-with tcp-reset (or nft reject with tcp reset) does this"),
                ),
                (f"srvdoctor firewall --port {target.port}",),
            )
        if any(covers(x, tcp.address) is None for x in local):
            return fail(
                t(
                    "{where} refused the connection, though {bound} listens: the program set IPV6_V6ONLY "
                    "(IPv6 only: nginx's default for [::]), or a firewall rule rejects IPv4 with a TCP reset",
                    where=where,
                    bound=bound,
                ),
                "address-family-mismatch",
                (
                    *detail,
                    t(
                        "connect over IPv6 ([::1]:{port} here), or make it listen on 0.0.0.0 too",
                        port=target.port,
                    ),
                ),
                (
                    t("{look}   (ss shows [::]:PORT for IPv6 only, *:PORT for both)", look=look),
                    f"srvdoctor firewall --port {target.port}",
                ),
            )
        asked = family(tcp.address)
        if asked and all(family(x.address) not in (0, asked) for x in local):
            other = 4 if asked == 6 else 6
            instead = endpoint(reachable(next(x.address for x in local)), target.port)
            either = (
                t(
                    "connect to {instead} instead, or make the server bind ::  (every address, IPv4 too)",
                    instead=instead,
                )
                if other == 4
                else t("connect to {instead} instead, or make the server bind 0.0.0.0 or ::", instead=instead)
            )
            return fail(
                t(
                    "{where} refused the connection: the server listens on IPv{other} only ({bound}) and "
                    "{address} is IPv{asked}",
                    where=where,
                    other=other,
                    bound=bound,
                    address=tcp.address,
                    asked=asked,
                ),
                "address-family-mismatch",
                (*detail, either),
                (f"srvdoctor port {shlex.quote(instead)}", look),
            )
        if all(x.loopback for x in local) and not is_loopback(tcp.address):
            return fail(
                t(
                    "{where} refused the connection: the server listens only on {bound} (loopback)",
                    where=where,
                    bound=bound,
                ),
                "bound-to-loopback",
                (*detail, *bind_fixes(local, target.port), tunnel(target.port)),
                (t("{look}   (Local Address 127.0.0.1 = loopback only)", look=look),),
            )
        return fail(
            t(
                "{where} refused the connection: the server listens only on {bound}, not on {address}",
                where=where,
                bound=bound,
                address=tcp.address,
            ),
            "bound-to-loopback" if all(x.loopback for x in local) else "port-closed",
            detail,
            (look,),
        )
