"""port.listen: who listens on the port on this machine, on which addresses, and whether that
covers the address asked for; without targets, the usual servers bound to loopback only."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.netcommon import (
    REMOTE_PORTS,
    all_listeners,
    config_targets,
    is_local,
    is_loopback,
    listeners_on,
    resolution,
)
from srvdoctor.checks.servers import (
    bind_fixes,
    bound_words,
    covers,
    endpoint,
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
from srvdoctor.targets import Target, TargetError, is_ip


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
        fit = endpoint(
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
