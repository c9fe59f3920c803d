"""`srvdoctor port`: the ladder per target — name, TCP, listener, TLS, HTTP — all targets at once.

A local target whose port is filtered or rejected also gets the firewall rule that does it.

It stops at the rung that breaks: a name that does not resolve is not connected to, a
port that does not answer is not spoken HTTP to. Results come grouped per target.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.netcommon import Reach, is_local, listeners_on, reach_all
from srvdoctor.checks.network import PortListen, PortTcp
from srvdoctor.messages import t
from srvdoctor.model import Result, Status
from srvdoctor.probes.listeners import usual_servers_running
from srvdoctor.probes.timeout import map_with_timeout
from srvdoctor.targets import Target


def _build(cls: type, ctx: CheckContext) -> object:
    return cls(**ctx.config.checks.get(cls.id, {}))  # type: ignore[attr-defined]


def _upper_rungs(ctx: CheckContext, r: Reach) -> list[Result]:
    """Listener (local targets), then TLS and HTTP (URL targets whose port answered)."""
    t = r.target
    out: list[Result] = []
    tcp = r.tcp
    if tcp is None:
        return out
    if is_local(ctx, t, r.resolution):
        listen = _build(PortListen, ctx)
        assert isinstance(listen, PortListen)
        on_port = listeners_on(ctx, t.port)
        running = usual_servers_running(t.port) if not on_port else []
        out.append(listen.judge_port(t, on_port, running, ctx.timeout, tcp.address))
        if tcp.state in ("filtered", "rejected"):  # the firewall's modules only then
            from srvdoctor.checks.firewall import FirewallRules
            from srvdoctor.probes.firewall import all_layers

            rules = _build(FirewallRules, ctx)
            assert isinstance(rules, FirewallRules)
            layers = ctx.memo("firewall:layers", lambda: all_layers(ctx.timeout))
            out.append(dataclasses.replace(rules.judge_port(t.port, layers), area="firewall"))
    if not (t.is_url and tcp.ok):
        return out
    from srvdoctor.checks.http import HttpStatus, HttpTls, plain_to_tls  # URL targets only
    from srvdoctor.probes.http import get
    from srvdoctor.probes.tls import handshake

    if t.scheme == "https":
        tls_check = _build(HttpTls, ctx)
        assert isinstance(tls_check, HttpTls)
        tls = handshake(t.connect_host, tcp.address, t.port, ctx.timeout)
        out.append(tls_check.judge(t, tls))
        if not tls.ok and tls.kind != "not-tls":
            return out  # a browser stops here too
    status_check = _build(HttpStatus, ctx)
    assert isinstance(status_check, HttpStatus)
    answer = get(t.url or "", ctx.timeout)
    out.append(status_check.judge(t, answer, plain_to_tls(r, answer, ctx.timeout)))
    return out


def walk(ctx: CheckContext, targets: Sequence[Target]) -> list[Result]:
    """Every rung for every target; targets concurrently, each rung bounded by the timeout."""
    started = time.perf_counter()
    tcp_check = _build(PortTcp, ctx)
    assert isinstance(tcp_check, PortTcp)
    reaches = reach_all(ctx, list(targets))
    firsts = []
    for r in reaches:
        local = r.tcp is not None and is_local(ctx, r.target, r.resolution)
        firsts.append(tcp_check.judge(r, listeners_on(ctx, r.target.port) if local else None))
    uppers = map_with_timeout(
        lambda r: _upper_rungs(ctx, r), reaches, ctx.timeout * 3 + 1, lambda r: r.target.raw
    )
    elapsed = time.perf_counter() - started
    out: list[Result] = []
    for r, first, upper in zip(reaches, firsts, uppers, strict=True):
        out.append(first)
        if isinstance(upper, BaseException):
            out.append(
                Result(
                    "http.status",
                    r.target.raw,
                    Status.ERROR,
                    t("could not finish: {error}", error=str(upper)),
                )
            )
        else:
            out.extend(upper)
    return [dataclasses.replace(x, area=x.area or "network", duration_s=x.duration_s or elapsed) for x in out]
