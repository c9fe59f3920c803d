"""Firewall area: which firewall is active, and which rule drops or rejects a port.

Read-only: the commands that would open a port are printed for the user to run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.netcommon import REMOTE_PORTS, all_listeners, config_targets, is_local, resolution
from srvdoctor.messages import join, t, tn
from srvdoctor.model import Result, Status
from srvdoctor.probes.firewall import Layer, all_layers, cloud_vendor
from srvdoctor.probes.fwrules import Rule, Verdict, evaluate
from srvdoctor.record import dataclass
from srvdoctor.shellcmd import cmd
from srvdoctor.targets import Target


def _layers(ctx: CheckContext) -> list[Layer]:
    return ctx.memo("firewall:layers", lambda: all_layers(ctx.timeout))


def _where(v: Verdict) -> str:
    rs = v.ruleset
    if rs.source == "nftables":
        return t(
            "nftables table {family} {table}, chain {chain}", family=rs.family, table=rs.table, chain=v.chain
        )
    return t("{source} table {table}, chain {chain}", source=rs.source, table=rs.table, chain=v.chain)


def _hits(rule: Rule) -> str:
    """The rule's hit counters, where the firewall keeps them."""
    if rule.packets is None:
        return ""
    return tn(
        "   ({n} packet, {bytes} bytes matched since its counters were last zeroed)",
        "   ({n} packets, {bytes} bytes matched since its counters were last zeroed)",
        rule.packets,
        bytes=rule.bytes,
    )


def _delete_command(v: Verdict) -> str | None:
    rule = v.rule
    if rule is None:
        return None
    if rule.source == "nftables" and rule.handle is not None:
        return f"sudo nft delete rule {rule.family} {rule.table} {rule.chain} handle {rule.handle}"
    if rule.text.startswith("-A "):
        binary = "ip6tables" if rule.source == "ip6tables" else "iptables"
        table = "" if rule.table == "filter" else f"-t {rule.table} "
        return f"sudo {binary} {table}-D {rule.text[3:]}"
    return None


def open_commands(port: int, layers: Sequence[Layer], verdicts: Sequence[Verdict]) -> list[str]:
    """The commands that would let new TCP connections to `port` in, for the active tools."""
    active = {layer.name for layer in layers if layer.active}
    out: list[str] = []
    if "ufw" in active:
        out.append(f"sudo ufw allow {port}/tcp")
    if "firewalld" in active:
        out.append(f"sudo firewall-cmd --add-port={port}/tcp --permanent && sudo firewall-cmd --reload")
    if active & {"ufw", "firewalld"}:
        return out  # they own the rules below; editing those directly is undone on reload
    for v in verdicts:
        if v.kind not in ("blocked", "policy"):
            continue
        delete = _delete_command(v)
        if delete:
            out.append(t("{command}   (removes the blocking rule)", command=delete))
        rs = v.ruleset
        if rs.source == "nftables":
            where = (rs.family, rs.table, v.chain)
            out.append(cmd("sudo", "nft", "insert", "rule", *where, "tcp", "dport", port, "accept"))
        else:
            binary = "ip6tables" if rs.source == "ip6tables" else "iptables"
            out.append(cmd("sudo", binary, "-I", v.chain, "-p", "tcp", "--dport", port, "-j", "ACCEPT"))
    if out and active & {"iptables", "ip6tables"}:
        out.append(t("sudo netfilter-persistent save   # survives a reboot (package iptables-persistent)"))
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class FirewallRules:
    """Which firewall is active (ufw, firewalld, nftables, iptables) and, for every local port
    in `[targets]`, every port in `remote_ports` and every other port this machine listens
    on beyond loopback, the rule that drops or rejects new TCP connections to it — quoted,
    with its chain and hit counters (`iptables-save -c`, nft `counter`).

    Fails when a rule or a default DROP policy blocks a port (firewall-blocking); warns
    when only conditional rules (by source, interface) may block it. Needs root to read
    iptables/nftables; without it, says which parts could not be read. Cloud security
    groups cannot be seen from inside: the DMI vendor names the cloud to look at.
    Shell equivalent: `sudo iptables-save; sudo nft list ruleset; sudo ufw status verbose`.
    """

    id: ClassVar[str] = "firewall.rules"
    area: ClassVar[str] = "firewall"
    playbooks: ClassVar[tuple[str, ...]] = ("firewall-blocking", "port-filtered")
    timeout_factor: ClassVar[float] = 2.0
    remote_ports: tuple[int, ...] = REMOTE_PORTS

    def run(self, ctx: CheckContext) -> list[Result]:
        layers = _layers(ctx)
        asked = configured_ports(ctx)
        asked += [x.port for x in all_listeners(ctx) if x.port in self.remote_ports and not x.loopback]
        out = [self.judge_summary(layers, cloud_vendor())]
        out += self.judge_ports(asked, listening_ports(ctx), layers, docker_published(ctx))
        return out

    def judge_ports(
        self, asked: Sequence[int], listening: Sequence[int], layers: Sequence[Layer], docker: set[int]
    ) -> list[Result]:
        """One result per port asked about; of the other listening ports, those a rule may
        block, then one line for the rest (which ports were crossed with the rules)."""
        out = [self.judge_port(p, layers, p in docker) for p in dict.fromkeys(asked)]
        rest = [p for p in dict.fromkeys(listening) if p not in set(asked)]
        judged = [self.judge_port(p, layers, p in docker) for p in rest]
        out += [r for r in judged if r.status not in (Status.OK, Status.SKIP)]
        skipped = [p for p, r in zip(rest, judged, strict=True) if r.status is Status.SKIP]
        fine = [p for p, r in zip(rest, judged, strict=True) if r.status is Status.OK]
        unread = [x.name for x in layers if x.installed and not x.readable and x.name != "ufw"]
        if skipped:
            out.append(
                Result(
                    self.id,
                    "listening",
                    Status.SKIP,
                    t(
                        "listening port(s) {ports}/tcp not crossed with the rules: "
                        "{unread} not read (needs root)",
                        ports=", ".join(map(str, skipped)),
                        unread=", ".join(unread),
                    ),
                    data={"ports": skipped, "unreadable": unread},
                    hints=("sudo srvdoctor firewall",),
                )
            )
        if fine:
            read = [
                x.name for x in layers if x.installed and x.readable and x.name not in ("ufw", "firewalld")
            ]
            out.append(
                Result(
                    self.id,
                    "listening",
                    Status.OK,
                    t(
                        "no rule blocks the other listening port(s) {ports}/tcp (read: {read})",
                        ports=", ".join(map(str, fine)),
                        read=", ".join(read) or t("no rules"),
                    ),
                    details=(t("not read: {unread} (needs root)", unread=", ".join(unread)),)
                    if unread
                    else (),
                    data={"ports": fine, "unreadable": unread},
                )
            )
        return out

    def judge_summary(self, layers: Sequence[Layer], cloud: tuple[str, str] | None) -> Result:
        installed = [x for x in layers if x.installed]
        active = [x.name for x in installed if x.active]
        unreadable = [join(": ", (x.name, x.error)) for x in installed if not x.readable and x.error]
        details = list(unreadable)
        for x in installed:
            if x.name == "ufw" and x.info.get("default"):
                details.append(t("ufw default: {policy}", policy=x.info["default"]))
            if x.name == "firewalld" and x.info:
                details.append(
                    t(
                        "firewalld zone {zone}: services {services}, ports {ports}",
                        zone=x.info.get("zone"),
                        services=" ".join(x.info["services"]),
                        ports=" ".join(x.info["ports"]) or t("(none)"),
                    )
                )
            for rs in x.rulesets:
                for name in rs.input_chains:
                    chain = rs.chains[name]
                    details.append(
                        t(
                            "{where}: policy {policy}, {count} rules",
                            where=_where(Verdict(rs, name, "open")),
                            policy=chain.policy or "-",
                            count=len(chain.rules),
                        )
                    )
        if cloud:
            details.append(
                t(
                    "this machine runs on {cloud}: its security groups filter traffic before it "
                    "arrives and cannot be seen from inside ({where})",
                    cloud=cloud[0],
                    where=t(cloud[1]),
                )
            )
        data = {
            "active": active,
            "installed": [x.name for x in installed],
            "unreadable": unreadable,
            "cloud": cloud[0] if cloud else None,
        }
        if installed and all(not x.readable for x in installed if x.name != "ufw") and os.geteuid() != 0:
            return Result(
                self.id,
                "firewall",
                Status.SKIP,
                t("firewall rules not read: not root (iptables and nft need CAP_NET_ADMIN)"),
                details=tuple(details),
                data=data,
                hints=("sudo srvdoctor firewall",),
            )
        if not installed:
            return Result(
                self.id,
                "firewall",
                Status.OK,
                t("no firewall tool found (ufw, firewalld, nft, iptables): the kernel's rules were not read"),
                details=(*details, t("rules loaded by another tool or a container runtime may still filter")),
                data=data,
            )
        read = [x.name for x in installed if x.readable and x.name != "ufw"]
        unread = [x.name for x in installed if not x.readable and x.name != "ufw"]
        if active and unread:
            summary = t(
                "active: {active}; not read: {unread}", active=", ".join(active), unread=", ".join(unread)
            )
        elif active:
            summary = t("active: {active}", active=", ".join(active))
        elif unread:
            summary = t(
                "no active firewall rules on input (read: {read}); not read: {unread}",
                read=", ".join(read) or t("nothing"),
                unread=", ".join(unread),
            )
        else:
            summary = t(
                "no active firewall rules on input (read: {read})", read=", ".join(read) or t("nothing")
            )
        return Result(self.id, "firewall", Status.OK, summary, details=tuple(details), data=data)

    def judge_port(self, port: int, layers: Sequence[Layer], docker_port: bool = False) -> Result:
        verdicts = [v for x in layers for rs in x.rulesets for v in evaluate(rs, port)]
        blocking = [v for v in verdicts if v.kind in ("blocked", "policy")]
        maybe = [r for v in verdicts for r in v.maybe]
        unread = [x.name for x in layers if x.installed and not x.readable and x.name != "ufw"]
        data: dict[str, object] = {
            "port": port,
            "verdicts": [
                {
                    "source": v.ruleset.source,
                    "table": v.ruleset.table,
                    "chain": v.chain,
                    "kind": v.kind,
                    "rule": v.rule.text if v.rule else None,
                    "packets": v.rule.packets if v.rule else None,
                    "bytes": v.rule.bytes if v.rule else None,
                }
                for v in verdicts
            ],
            "unreadable": unread,
        }
        details: list[str] = []
        if docker_port:
            ufw = any(x.name == "ufw" and x.active for x in layers)
            return Result(
                self.id,
                f"{port}/tcp",
                Status.WARN if ufw else Status.OK,
                t(
                    "port {port}/tcp is published by Docker: its traffic goes through Docker's own chains "
                    "(FORWARD/DOCKER), not INPUT: ufw rules do not apply to it",
                    port=port,
                )
                if ufw
                else t(
                    "port {port}/tcp is published by Docker: its traffic goes through Docker's own chains "
                    "(FORWARD/DOCKER), not INPUT",
                    port=port,
                ),
                details=(
                    t("filter it in the DOCKER-USER chain, or publish on 127.0.0.1 (-p 127.0.0.1:PORT:PORT)"),
                ),
                data=data,
                playbook="firewall-blocking" if ufw else None,
            )
        if blocking:
            for v in blocking[1:]:
                if v.kind == "blocked" and v.rule is not None:
                    details.append(
                        t("{where}: {rule}{hits}", where=_where(v), rule=v.rule.text, hits=_hits(v.rule))
                    )
                else:
                    details.append(
                        t(
                            "{where}: default policy DROP and no ACCEPT rule for {port}/tcp",
                            where=_where(v),
                            port=port,
                        )
                    )
            details += [
                t("may also block: {source} {chain}: {rule}", source=r.source, chain=r.chain, rule=r.text)
                for r in maybe
            ]
            first = blocking[0]
            summary = (
                t(
                    "port {port}/tcp is blocked by the {verdict} rule in {where}: {rule}{hits}",
                    port=port,
                    verdict=first.rule.verdict.upper(),
                    where=_where(first),
                    rule=first.rule.text,
                    hits=_hits(first.rule),
                )
                if first.kind == "blocked" and first.rule
                else t(
                    "port {port}/tcp is blocked by the default DROP policy of {where} "
                    "(no ACCEPT rule for it)",
                    port=port,
                    where=_where(first),
                )
            )
            return Result(
                self.id,
                f"{port}/tcp",
                Status.FAIL,
                summary,
                details=tuple(details),
                data=data,
                playbook="firewall-blocking",
                hints=tuple(open_commands(port, layers, blocking)),
            )
        if maybe:
            details += [f"{r.source} {r.chain}: {r.text}" for r in maybe]
            return Result(
                self.id,
                f"{port}/tcp",
                Status.WARN,
                t(
                    "port {port}/tcp may be blocked for some clients: "
                    "{count} conditional DROP/REJECT rule(s)",
                    port=port,
                    count=len(maybe),
                ),
                details=tuple(details),
                data=data,
                playbook="firewall-blocking",
            )
        allowed = [v for v in verdicts if v.kind == "allowed" and v.rule is not None]
        reason = (
            t("allowed by {rule}", rule=allowed[0].rule.text)
            if allowed and allowed[0].rule
            else t("no rule blocks it")
        )
        if unread and not verdicts:
            return Result(
                self.id, f"{port}/tcp", Status.SKIP,
                t("port {port}/tcp: rules not read ({unread} need root)",
                  port=port, unread=", ".join(unread)),
                data=data, hints=(f"sudo srvdoctor firewall --port {port}",),
            )  # fmt: skip
        return Result(
            self.id,
            f"{port}/tcp",
            Status.OK,
            t(
                "port {port}/tcp: {reason} in what was read (not read: {unread})",
                port=port,
                reason=reason,
                unread=", ".join(unread),
            )
            if unread
            else t("port {port}/tcp: {reason}", port=port, reason=reason),
            details=tuple(details),
            data=data,
        )


def configured_ports(ctx: CheckContext) -> list[int]:
    """The ports of `[targets]` that are on this machine."""
    ports: list[int] = []
    for target in config_targets(ctx):
        if isinstance(target, Target) and is_local(
            ctx, target, resolution(ctx, target.host) if target.host else None
        ):
            ports.append(target.port)
    return ports


def listening_ports(ctx: CheckContext) -> list[int]:
    """TCP ports this machine listens on beyond loopback (where a firewall can matter)."""
    return sorted({x.port for x in all_listeners(ctx) if not x.loopback})


def docker_published(ctx: CheckContext) -> set[int]:
    """Ports a docker-proxy listens on (Docker-published ports)."""
    return {x.port for x in all_listeners(ctx) if x.process == "docker-proxy"}


CHECKS = (FirewallRules,)
