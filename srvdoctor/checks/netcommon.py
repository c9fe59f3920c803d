"""Readings the network checks share through `ctx.memo`: one lookup, one connect per target.

port.tcp, port.listen, http.status and http.tls (and the `port` command) ask for the same
name and the same connect; the memo makes an unreachable target cost one timeout, not one
per check.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from srvdoctor.checks.base import CheckContext
from srvdoctor.messages import t
from srvdoctor.model import Result, Status
from srvdoctor.probes import interfaces
from srvdoctor.probes.listeners import Listener, listeners
from srvdoctor.probes.timeout import map_with_timeout
from srvdoctor.record import dataclass
from srvdoctor.targets import Target, TargetError, parse_host, parse_target

if TYPE_CHECKING:  # imported where used: `firewall` reads listeners and rules, never a socket
    from srvdoctor.probes.dns import Resolution
    from srvdoctor.probes.tcp import TcpResult

#: Ports commonly meant to be reached from another machine (notebooks, dashboards, APIs).
REMOTE_PORTS: tuple[int, ...] = (8888, 8080, 8000, 5000, 6006, 7860, 8501)


@dataclass(frozen=True)
class Reach:
    """A target after the first two rungs: the name, then a TCP connect."""

    target: Target
    resolution: Resolution
    tcp: TcpResult | None  # None when the name did not resolve

    @property
    def address(self) -> str:
        return self.tcp.address if self.tcp else ""


def config_targets(ctx: CheckContext) -> list[Target | TargetError]:
    """The config's `ports` and `urls`, parsed; bad ones kept as errors to report."""

    def parse() -> list[Target | TargetError]:
        out: list[Target | TargetError] = []
        for raw in (*ctx.config.targets.ports, *ctx.config.targets.urls):
            try:
                out.append(parse_target(raw))
            except TargetError as exc:
                out.append(exc)
        return out

    return ctx.memo("net:targets", parse)


def config_hosts(ctx: CheckContext) -> list[str | TargetError]:
    def parse() -> list[str | TargetError]:
        out: list[str | TargetError] = []
        for raw in ctx.config.targets.hosts:
            try:
                out.append(parse_host(raw))
            except TargetError as exc:
                out.append(exc)
        return out

    return ctx.memo("net:hosts", parse)


def bad_target(check_id: str, exc: TargetError) -> Result:
    return Result(
        check_id,
        str(exc).split(":", 1)[0],
        Status.ERROR,
        t("bad target in the config: {error}", error=exc.text),
        hints=(t("fix [targets] in srvdoctor.toml"),),
    )


def resolution(ctx: CheckContext, name: str) -> Resolution:
    from srvdoctor.probes.dns import resolve

    return ctx.memo(f"dns:{name.lower()}", lambda: resolve(name, ctx.timeout))


def local_addresses(ctx: CheckContext) -> frozenset[str]:
    return ctx.memo("net:local-addresses", interfaces.local_addresses)


def all_listeners(ctx: CheckContext) -> list[Listener]:
    return ctx.memo("net:listeners", listeners)


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def is_local(ctx: CheckContext, target: Target, res: Resolution | None = None) -> bool:
    """A bare PORT, localhost, or a name/address that is one of this machine's addresses."""
    if target.host is None or target.host.lower() in ("localhost", "localhost."):
        return True
    addresses = res.addresses if res is not None and res.ok else (target.host,)
    local = local_addresses(ctx)
    return any(a.split("%", 1)[0] in local or is_loopback(a) for a in addresses)


def _pick(
    results: list[TcpResult | BaseException], addresses: list[str], port: int, timeout: float
) -> TcpResult:
    from srvdoctor.probes.tcp import TcpResult

    tcp = [r for r in results if isinstance(r, TcpResult)]
    for r in tcp:
        if r.ok:
            return r
    for r in tcp:
        if r.state == "refused":
            return r
    if tcp:
        return tcp[0]
    return TcpResult(
        addresses[0],
        port,
        "filtered",
        timeout * 1000,
        t("Connection timed out after {timeout:g} s", timeout=timeout),
        "ETIMEDOUT",
    )


def reach(ctx: CheckContext, target: Target) -> Reach:
    """Resolve, then connect to (at most) one address per family, concurrently."""
    from srvdoctor.probes.tcp import connect

    key = f"tcp:{target.connect_host.lower()}:{target.port}"

    def probe() -> tuple[Resolution, TcpResult | None]:
        res = resolution(ctx, target.connect_host)
        if not res.ok:
            return res, None
        chosen: dict[int, str] = {}
        for address, family in zip(res.addresses, res.families, strict=True):
            chosen.setdefault(family, address)
        addresses = list(chosen.values())
        results = map_with_timeout(
            lambda a: connect(a, target.port, ctx.timeout),
            addresses,
            ctx.timeout + 0.5,
            lambda a: f"connect {a}",
        )
        return res, _pick(results, addresses, target.port, ctx.timeout)

    res, tcp = ctx.memo(key, probe)
    return Reach(target, res, tcp)


def reach_all(ctx: CheckContext, targets: list[Target]) -> list[Reach]:
    """`reach` for every target at once: ten filtered targets cost one timeout, not ten."""
    results = map_with_timeout(lambda t: reach(ctx, t), targets, ctx.timeout * 2 + 1, lambda t: t.raw)
    out: list[Reach] = []
    for target, got in zip(targets, results, strict=True):
        if isinstance(got, Reach):
            out.append(got)
        else:
            from srvdoctor.probes.dns import Resolution

            res = Resolution(target.connect_host, "timeout", error=str(got))
            out.append(Reach(target, res, None))
    return out


def listeners_on(ctx: CheckContext, port: int) -> list[Listener]:
    return [item for item in all_listeners(ctx) if item.port == port]
