"""Network area: does the name resolve, does the port answer, who listens on it.

The ladder a person climbs when "the browser cannot reach my notebook": resolve the
name, connect, look at the listener on this machine. Each rung has its own check;
they share one lookup and one connect per target through `checks.netcommon`.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.dns import NetDns, dns_result
from srvdoctor.checks.netcommon import (
    REMOTE_PORTS,
    Reach,
    all_listeners,
    bad_target,
    config_targets,
    is_local,
    is_loopback,
    listeners_on,
    reach_all,
    resolution,
)
from srvdoctor.checks.servers import (
    bind_fixes,
    bound_words,
    covers,
    family,
    reachable,
    remote_server,
    tunnel,
)
from srvdoctor.messages import join, t, tn
from srvdoctor.model import Result, Status
from srvdoctor.probes.listeners import (
    Listener,
    RunningServer,
    container_name_for_ip,
    docker_proxy_target,
    usual_servers_running,
)
from srvdoctor.record import dataclass
from srvdoctor.shellcmd import cmd
from srvdoctor.targets import Target, TargetError, is_ip


def _endpoint(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


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
        where = _endpoint(tcp.address, target.port)
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
        where = _endpoint(tcp.address, target.port)
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
            [t("{who} on {endpoint}", who=x.who(), endpoint=_endpoint(x.address, x.port)) for x in local],
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
            instead = _endpoint(reachable(next(x.address for x in local)), target.port)
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


@dataclass(frozen=True)
class PortListen:
    """Who listens on this machine's ports: the configured local ones (`[targets]`, or the
    ports given to `srvdoctor port`), and, in the default look, loopback-only listeners on
    ports usually meant for remote use (`remote_ports`: 8888, 8080, 8000, 5000, 6006, 7860,
    8501) or of a known remote-serving program on any port (jupyter, tensorboard, mlflow,
    vllm, ray dashboard, gradio, streamlit, code-server, uvicorn, gunicorn, flask, ...).

    A port the user asked about that listens on loopback only is a warn (a fail when it was
    asked for by a non-loopback address), as is a loopback-only remote port or remote
    server (`bound-to-loopback`); a listener that does not cover the address asked for
    (IPv4 only, asked over IPv6) is a warn (`address-family-mismatch`); nothing listening
    on a configured port is a fail (`port-closed`). Shell equivalent: `ss -ltnp`.
    """

    id: ClassVar[str] = "port.listen"
    area: ClassVar[str] = "network"
    playbooks: ClassVar[tuple[str, ...]] = ("port-closed", "bound-to-loopback", "address-family-mismatch")
    remote_ports: tuple[int, ...] = REMOTE_PORTS

    def run(self, ctx: CheckContext) -> list[Result]:
        out: list[Result] = []
        asked: set[int] = set()
        for target in config_targets(ctx):
            if isinstance(target, TargetError):
                continue
            res = resolution(ctx, target.connect_host) if target.host is not None else None
            if target.port in asked or not is_local(ctx, target, res):
                continue
            asked.add(target.port)
            on_port = listeners_on(ctx, target.port)
            running = usual_servers_running(target.port) if not on_port else []
            address = target.host if target.host is not None and is_ip(target.host) else None
            out.append(self.judge_port(target, on_port, running, ctx.timeout, address))
        out.extend(self.judge_default(all_listeners(ctx), skip=asked))
        return out

    def judge_port(
        self,
        target: Target,
        on_port: Sequence[Listener],
        running: Sequence[RunningServer],
        timeout: float = 3.0,
        address: str | None = None,
    ) -> Result:
        """`t` is local; `on_port` this machine's listeners on its port; `address` the one connected to."""
        data: dict[str, object] = {"port": target.port, "listeners": [_listener_data(x) for x in on_port]}
        if not on_port:
            details = [
                t("{name} (pid {pid}) is running: {cmdline}", name=s.name, pid=s.pid, cmdline=s.cmdline)
                for s in running
            ]
            if running:
                details.append(t("it may still be starting, have crashed while binding, or use another port"))
            return Result(
                self.id,
                target.raw,
                Status.FAIL,
                t(
                    "nothing listens on port {port} on this machine (listening sockets read)",
                    port=target.port,
                ),
                details=tuple(details),
                data=data,
                playbook="port-closed",
                hints=(
                    f"ss -ltnp 'sport = :{target.port}'",
                    t("check the server's log for the port it chose"),
                ),
            )
        names = join("; ", [_describe(x, timeout) for x in on_port])
        wanted = target.host
        used_remote = wanted is not None and wanted.lower() not in ("localhost",) and not is_loopback(wanted)
        loopback_only = all(x.loopback for x in on_port)
        uncovered = address is not None and not any(covers(x, address) is not False for x in on_port)
        if uncovered and address is not None and not (loopback_only and not is_loopback(address)):
            return self._not_covered(target, on_port, names, address, data)  # loopback-only is told below
        if loopback_only:
            return Result(
                self.id,
                target.raw,
                Status.FAIL if used_remote else Status.WARN,
                t(
                    "port {port} listens only on loopback ({names}): other machines cannot connect",
                    port=target.port,
                    names=names,
                ),
                details=(
                    t("fine if only this machine uses it, or you reach it through an SSH tunnel"),
                    tunnel(target.port),
                ),
                data=data,
                playbook="bound-to-loopback",
                hints=bind_fixes(on_port, target.port),
            )
        return Result(
            self.id,
            target.raw,
            Status.OK,
            t("port {port}: {names}", port=target.port, names=names),
            data=data,
        )

    def _not_covered(
        self, target: Target, on_port: Sequence[Listener], names: str, address: str, data: dict[str, object]
    ) -> Result:
        """Listeners on the port, none on the address asked for: say which family or address."""
        other = 6 if family(address) == 4 else 4
        mismatch = all(family(x.address) == other for x in on_port)
        fit = _endpoint(
            reachable(next((x.address for x in on_port if family(x.address)), "127.0.0.1")), target.port
        )
        return Result(
            self.id,
            target.raw,
            Status.WARN,
            t(
                "port {port}: {names}, but not on {address} (the address asked for): IPv{other} only",
                port=target.port,
                names=names,
                address=address,
                other=other,
            )
            if mismatch
            else t(
                "port {port}: {names}, but not on {address} (the address asked for)",
                port=target.port,
                names=names,
                address=address,
            ),
            details=(
                t(
                    "connect to {fit}, or make the server listen on :: (every address, both families)",
                    fit=fit,
                ),
            ),
            data=data,
            playbook="address-family-mismatch" if mismatch else "bound-to-loopback",
            hints=(f"srvdoctor port {shlex.quote(fit)}",),
        )

    def judge_default(
        self, found: Sequence[Listener], skip: set[int] | frozenset[int] = frozenset()
    ) -> list[Result]:
        """Loopback-only remote ports, and loopback-only known remote servers on any port."""
        out: list[Result] = []
        for port in sorted({x.port for x in found} - set(skip)):
            on_port = [x for x in found if x.port == port]
            if not all(x.loopback for x in on_port):
                continue
            servers = [s for s in (remote_server(x) for x in on_port) if s is not None]
            if port not in self.remote_ports and not servers:
                continue
            names = join("; ", [_describe(x, 0) for x in on_port])
            out.append(
                Result(
                    self.id,
                    str(port),
                    Status.WARN,
                    t(
                        "{program} port {port} listens only on loopback ({names}): "
                        "reachable from this machine only",
                        program=servers[0].name,
                        port=port,
                        names=names,
                    )
                    if servers
                    else t(
                        "port {port} listens only on loopback ({names}): reachable from this machine only",
                        port=port,
                        names=names,
                    ),
                    details=(
                        t("fine if you reach it through an SSH tunnel; otherwise make it listen on 0.0.0.0"),
                        tunnel(port),
                    ),
                    data={
                        "port": port,
                        "listeners": [_listener_data(x) for x in on_port],
                        "program": servers[0].name if servers else None,
                    },
                    playbook="bound-to-loopback",
                    hints=bind_fixes(on_port, port),
                )
            )
        if not out:
            ports = ", ".join(str(p) for p in self.remote_ports)
            open_ports = sorted({x.port for x in found if x.port in self.remote_ports})
            listed = (
                t(" ({ports} listen beyond loopback)", ports=", ".join(map(str, open_ports)))
                if open_ports
                else ""
            )
            hidden = sorted({x.port for x in found if x.pid is None})
            sockets = tn("{n} listening socket read", "{n} listening sockets read", len(found))
            blind = (
                t(
                    "; the program behind port(s) {ports} is not visible from here",
                    ports=", ".join(map(str, hidden)),
                )
                if hidden
                else ""
            )
            out.append(
                Result(
                    self.id,
                    "loopback-only",
                    Status.OK,
                    t(
                        "no loopback-only listener on the usual remote ports {ports}{listed}, nor of a known "
                        "remote-serving program ({sockets}{blind})",
                        ports=ports,
                        listed=listed,
                        sockets=sockets,
                        blind=blind,
                    ),
                    details=(
                        (
                            t(
                                "another user's process (run as root), or one in another PID namespace "
                                "(a container; run on the host)"
                            ),
                        )
                        if hidden
                        else ()
                    ),
                    data={"ports": list(self.remote_ports), "unidentified_ports": hidden},
                )
            )
        return out


def _listener_data(x: Listener) -> dict[str, object]:
    return {"address": x.address, "port": x.port, "pid": x.pid, "process": x.process, "user": x.user}


def _describe(x: Listener, timeout: float) -> str:
    bound = bound_words(x)
    proxied = docker_proxy_target(x)
    if proxied is not None:
        name = container_name_for_ip(proxied.rsplit(":", 1)[0], timeout) if timeout > 0 else None
        if name:
            return t(
                "docker-proxy (pid {pid}) for container {name} ({proxied}) on {bound}",
                pid=x.pid,
                name=name,
                proxied=proxied,
                bound=bound,
            )
        return t(
            "docker-proxy (pid {pid}) for container {proxied} on {bound}",
            pid=x.pid,
            proxied=proxied,
            bound=bound,
        )
    return t("{who} on {bound}", who=x.who(), bound=bound)


CHECKS = (NetDns, PortTcp, PortListen)
