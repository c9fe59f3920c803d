"""net.dns: does this machine resolve names — resolv.conf, localhost, its own name, `[targets] hosts`.

Also the wording of a failed lookup, shared by every network check that resolves a name.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.netcommon import bad_target, config_hosts, is_loopback, resolution
from srvdoctor.messages import t
from srvdoctor.model import Result, Status
from srvdoctor.probes.dns import (
    Resolution,
    ResolvConf,
    files_before_dns,
    hosts_file_entries,
    read_resolv_conf,
)
from srvdoctor.record import dataclass
from srvdoctor.shellcmd import cmd
from srvdoctor.targets import TargetError, is_ip


def dns_failure_summary(res: Resolution) -> str:
    where = (
        t("resolver {servers} from /etc/resolv.conf", servers=", ".join(res.nameservers))
        if res.nameservers
        else t("no nameserver in /etc/resolv.conf")
    )
    name = res.name
    if res.kind == "nxdomain":
        return t(
            "{name} does not exist: the DNS says no such name (NXDOMAIN, {where})", name=name, where=where
        )
    if res.kind == "nodata":
        return t("{name} exists but has no address record ({where})", name=name, where=where)
    if res.kind == "unreachable":
        return t(
            "could not resolve {name}: no DNS server answered (EAI_AGAIN, {where})", name=name, where=where
        )
    if res.kind == "timeout":
        return t(
            "could not resolve {name}: the lookup took longer than the timeout ({where})",
            name=name,
            where=where,
        )
    return t("could not resolve {name}: {error} ({where})", name=name, error=res.error, where=where)


def dns_result(check_id: str, target: str, res: Resolution) -> Result:
    return Result(
        check_id,
        target,
        Status.FAIL,
        dns_failure_summary(res),
        details=(res.error,) if res.error else (),
        data={
            "name": res.name,
            "dns": res.kind,
            "nameservers": list(res.nameservers),
            "elapsed_ms": round(res.elapsed_ms, 3),
        },
        playbook="dns-failure",
        hints=(cmd("getent", "ahosts", res.name), "cat /etc/resolv.conf"),
    )


@dataclass(frozen=True)
class NetDns:
    """Name resolution: /etc/resolv.conf has a nameserver, `localhost` resolves to loopback,
    this host's own name is in /etc/hosts, and every `[targets] hosts` name resolves.

    The default look never sends a query outside: `localhost` and the host name are
    resolved through getaddrinfo only when /etc/hosts has them and nsswitch reads files
    before DNS. No thresholds. Shell equivalent: `getent ahosts NAME; cat /etc/resolv.conf`.
    """

    id: ClassVar[str] = "net.dns"
    area: ClassVar[str] = "network"
    playbooks: ClassVar[tuple[str, ...]] = ("dns-failure",)

    def run(self, ctx: CheckContext) -> list[Result]:
        out = [self.judge_resolv_conf(read_resolv_conf())]
        out.append(self._local_name(ctx, "localhost", loopback=True))
        out.append(self._local_name(ctx, socket.gethostname(), loopback=False))
        for host in config_hosts(ctx):
            if isinstance(host, TargetError):
                out.append(bad_target(self.id, host))
            else:
                out.append(self.judge_name(host, resolution(ctx, host)))
        return out

    def judge_resolv_conf(self, conf: ResolvConf) -> Result:
        if not conf.readable:
            return Result(
                self.id,
                conf.path,
                Status.FAIL,
                t("{path} cannot be read: {error}", path=conf.path, error=conf.error),
                playbook="dns-failure",
                hints=(cmd("ls", "-l", conf.path),),
            )
        if not conf.nameservers:
            return Result(
                self.id,
                conf.path,
                Status.WARN,
                t("{path} lists no nameserver: only names in /etc/hosts resolve", path=conf.path),
                playbook="dns-failure",
                hints=(cmd("cat", conf.path), "resolvectl status"),
            )
        return Result(
            self.id,
            conf.path,
            Status.OK,
            t("{path}: nameserver {servers}", path=conf.path, servers=", ".join(conf.nameservers)),
            data={"nameservers": list(conf.nameservers), "search": list(conf.search)},
        )

    def _local_name(self, ctx: CheckContext, name: str, loopback: bool) -> Result:
        entries = hosts_file_entries(name)
        if entries and files_before_dns():
            return self.judge_local_name(name, entries, resolution(ctx, name), loopback)
        return self.judge_local_name(name, entries, None, loopback)

    def judge_local_name(
        self, name: str, entries: Sequence[str], res: Resolution | None, loopback: bool
    ) -> Result:
        """`res` is None when resolving would have asked a DNS server (not done)."""
        data: dict[str, object] = {"name": name, "hosts_file": list(entries)}
        if res is None:
            if loopback:
                return Result(
                    self.id,
                    name,
                    Status.WARN,
                    t("{name} is not in /etc/hosts: programs that connect to {name} ask the DNS", name=name),
                    data=data,
                    playbook="dns-failure",
                    hints=("echo '127.0.0.1 localhost' | sudo tee -a /etc/hosts",),
                )
            return Result(
                self.id,
                name,
                Status.OK,
                t("host name {name} is not in /etc/hosts; it is left to DNS (not queried)", name=name),
                details=(t("if DNS cannot answer, sudo prints 'unable to resolve host'"),),
                data=data,
            )
        data["addresses"] = list(res.addresses)
        if not res.ok:
            return dns_result(self.id, name, res)
        if loopback and not all(is_loopback(a) for a in res.addresses):
            return Result(
                self.id,
                name,
                Status.FAIL,
                t(
                    "{name} resolves to {addresses}, not only to loopback",
                    name=name,
                    addresses=", ".join(res.addresses),
                ),
                data=data,
                playbook="dns-failure",
                hints=(cmd("grep", "-n", name, "/etc/hosts"),),
            )
        return Result(
            self.id,
            name,
            Status.OK,
            t("{name} resolves to {addresses}", name=name, addresses=", ".join(res.addresses)),
            data=data,
        )

    def judge_name(self, name: str, res: Resolution) -> Result:
        if is_ip(name):
            return Result(
                self.id,
                name,
                Status.OK,
                t("{name} is an IP address literal: nothing to resolve (no DNS query made)", name=name),
                data={"name": name, "addresses": [name], "literal": True},
            )
        if not res.ok:
            return dns_result(self.id, name, res)
        return Result(
            self.id,
            name,
            Status.OK,
            t(
                "{name} resolves to {addresses} in {ms:.0f} ms",
                name=name,
                addresses=", ".join(res.addresses),
                ms=res.elapsed_ms,
            ),
            data={"name": name, "addresses": list(res.addresses), "elapsed_ms": round(res.elapsed_ms, 3)},
        )
