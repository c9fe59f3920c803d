"""Read the firewalls of this machine, read-only: ufw, firewalld, nftables, iptables.

Shell equivalents: `ufw status verbose`, `firewall-cmd --state; firewall-cmd --list-all`,
`nft -j list ruleset`, `iptables-save -c; ip6tables-save -c`. Nothing here changes a rule.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from dataclasses import field
from pathlib import Path
from typing import Any

from srvdoctor.messages import N_, join, oserror, t
from srvdoctor.probes.fwrules import (
    IPTABLES_TABLES,
    Ruleset,
    nft_text_handles,
    parse_iptables_save,
    parse_nft_json,
)
from srvdoctor.record import dataclass

UFW_CONF = Path("/etc/ufw/ufw.conf")
DMI = Path("/sys/class/dmi/id")

#: DMI strings of clouds whose security groups filter traffic before it reaches the machine
#: (where to look: N_ marks the ones with words to translate; the rest are console names).
CLOUDS: tuple[tuple[str, str, str], ...] = (
    ("amazon", "AWS", N_("EC2 console → the instance → Security → security groups → inbound rules")),
    ("google", "Google Cloud", "VPC network → Firewall (gcloud compute firewall-rules list)"),
    ("microsoft", "Azure", N_("the VM → Networking → inbound port rules (network security group)")),
    ("alibaba", "Alibaba Cloud", "ECS → Security groups → inbound rules"),
    ("oraclecloud", "Oracle Cloud", N_("the VCN → Security Lists / Network Security Groups")),
    ("digitalocean", "DigitalOcean", "Networking → Firewalls"),
    ("hetzner", "Hetzner", "Cloud Console → Firewalls"),
    ("openstack", "OpenStack", "openstack security group rule list"),
    ("scaleway", "Scaleway", "Instances → Security groups"),
    ("linode", "Linode/Akamai", "Cloud Firewalls"),
)


@dataclass(frozen=True)
class Layer:
    """One firewall tool's readout. `active` None means it could not be told."""

    name: str
    installed: bool
    active: bool | None = None
    readable: bool = True
    error: str = ""
    text: str = ""
    rulesets: tuple[Ruleset, ...] = ()
    info: dict[str, Any] = field(default_factory=dict)


#: Commands started ahead by `all_layers` in this thread (so that the tools run side by side,
#: not one after another), keyed by their argv; `_run` takes its answer from there.
_ahead = threading.local()


def _started() -> dict[tuple[str, ...], subprocess.Popen[str]]:
    started: dict[tuple[str, ...], subprocess.Popen[str]] | None = getattr(_ahead, "started", None)
    if started is None:
        started = _ahead.started = {}
    return started


def _start(cmd: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )


def _run(cmd: list[str], timeout: float) -> tuple[int, str, str]:
    try:
        proc = _started().pop(tuple(cmd), None) or _start(cmd)
    except OSError as exc:
        return 127, "", str(exc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return 124, "", t("{program} did not answer within {timeout:g} s", program=cmd[0], timeout=timeout)
    return proc.returncode, out, err


def _start_ahead() -> None:
    """Start the read-only commands `all_layers` will run, all at once."""
    root = os.geteuid() == 0
    ahead: list[list[str]] = []
    for binary in ("iptables-save", "ip6tables-save"):
        if path := shutil.which(binary):
            ahead.append([path, "-c"])
    if nft := shutil.which("nft"):
        ahead.append([nft, "-j", "list", "ruleset"])
        if root:  # read only after `nft -j` answered, which needs root
            ahead.append([nft, "-a", "list", "ruleset"])
    if (ufw := shutil.which("ufw")) and root:
        ahead.append([ufw, "status", "verbose"])
    if firewall_cmd := shutil.which("firewall-cmd"):
        ahead.append([firewall_cmd, "--state"])
    for cmd in ahead:
        try:
            _started()[tuple(cmd)] = _start(cmd)
        except OSError:
            continue  # `_run` starts it again and words the error


def _reap_unused() -> None:
    """End what was started ahead and not asked for (`nft -a` when `nft -j` failed)."""
    started = _started()
    while started:
        _cmd, proc = started.popitem()
        proc.kill()
        proc.communicate()


def _denied(rc: int, err: str) -> bool:
    low = err.lower()
    return rc != 0 and (
        "permission denied" in low or "operation not permitted" in low or "must be root" in low
    )


def _not_root_error(tool: str) -> str:
    return t("{tool} needs root (CAP_NET_ADMIN) to read the rules: run sudo srvdoctor firewall", tool=tool)


def read_iptables(timeout: float, binary: str = "iptables-save") -> Layer:
    name = "ip6tables" if binary.startswith("ip6") else "iptables"
    path = shutil.which(binary)
    if path is None:
        return Layer(name, installed=False)
    rc, out, err = _run([path, "-c"], timeout)  # -c: with each rule's packet and byte counters
    if rc != 0 or _denied(rc, err):
        message = _not_root_error(binary) if _denied(rc, err) or os.geteuid() != 0 else err.strip()
        return Layer(name, True, None, readable=False, error=message)
    rulesets = tuple(parse_iptables_save(out, name))
    filtering = any(rs.chains[c].rules for rs in rulesets for c in rs.input_chains)
    return Layer(name, True, filtering or _any_drop_policy(rulesets), text=out, rulesets=rulesets)


def _any_drop_policy(rulesets: tuple[Ruleset, ...]) -> bool:
    return any(rs.chains[c].policy in ("drop", "reject") for rs in rulesets for c in rs.input_chains)


def read_nft(timeout: float, skip_tables: list[tuple[str, str]]) -> Layer:
    path = shutil.which("nft")
    if path is None:
        return Layer("nftables", installed=False)
    rc, out, err = _run([path, "-j", "list", "ruleset"], timeout)
    if rc != 0:
        message = _not_root_error("nft") if _denied(rc, err) or os.geteuid() != 0 else err.strip()
        return Layer("nftables", True, None, readable=False, error=message)
    try:
        data = json.loads(out or '{"nftables": []}')
    except json.JSONDecodeError as exc:
        return Layer(
            "nftables",
            True,
            None,
            readable=False,
            error=t("nft -j output is not JSON: {error}", error=str(exc)),
        )
    _rc, text, _err = _run([path, "-a", "list", "ruleset"], timeout)
    rulesets = tuple(parse_nft_json(data, nft_text_handles(text), skip_tables))
    active = any(rs.input_chains for rs in rulesets)
    return Layer("nftables", True, active, text=text, rulesets=rulesets)


def read_ufw(timeout: float) -> Layer:
    path = shutil.which("ufw")
    if path is None and not UFW_CONF.exists():
        return Layer("ufw", installed=False)
    if path is not None and os.geteuid() == 0:
        rc, out, _err = _run([path, "status", "verbose"], timeout)
        if rc == 0:
            return Layer("ufw", True, "Status: active" in out, text=out, info=parse_ufw_status(out))
    try:
        conf = UFW_CONF.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return Layer("ufw", True, None, readable=False, error=join(": ", (str(UFW_CONF), oserror(exc))))
    enabled = any(line.strip().lower() in ("enabled=yes", 'enabled="yes"') for line in conf.splitlines())
    return Layer(
        "ufw",
        True,
        enabled,
        readable=False,
        error=t("rules not read: `ufw status verbose` needs root; enabled per /etc/ufw/ufw.conf"),
    )


def parse_ufw_status(text: str) -> dict[str, Any]:
    """`ufw status verbose` → {"active", "default", "rules": [(to, action, from)]}."""
    info: dict[str, Any] = {"active": "Status: active" in text, "default": "", "rules": []}
    in_rules = False
    for line in text.splitlines():
        if line.startswith("Default:"):
            info["default"] = line.split(":", 1)[1].strip()
        elif line.startswith("--"):
            in_rules = True
        elif in_rules and line.strip():
            parts = [p for p in line.split("  ") if p.strip()]
            if len(parts) >= 3:
                info["rules"].append((parts[0].strip(), parts[1].strip(), parts[2].strip()))
    return info


def read_firewalld(timeout: float) -> Layer:
    path = shutil.which("firewall-cmd")
    if path is None:
        return Layer("firewalld", installed=False)
    rc, out, err = _run([path, "--state"], timeout)
    if rc != 0:
        running = "not running" not in (out + err)
        return Layer(
            "firewalld", True, False if not running else None, readable=running, error=(out + err).strip()
        )
    rc, listing, err = _run([path, "--list-all"], timeout)
    if rc != 0:
        return Layer(
            "firewalld", True, True, readable=False, error=err.strip() or t("firewall-cmd --list-all failed")
        )
    return Layer("firewalld", True, True, text=listing, info=parse_firewalld_list(listing))


def parse_firewalld_list(text: str) -> dict[str, Any]:
    """`firewall-cmd --list-all` → {"zone", "ports": ["8888/tcp"], "services": ["ssh"]}."""
    info: dict[str, Any] = {"zone": "", "ports": [], "services": [], "target": ""}
    lines = text.splitlines()
    if lines:
        info["zone"] = lines[0].split()[0] if lines[0].split() else ""
    for line in lines[1:]:
        key, _, value = line.strip().partition(":")
        if key in ("ports", "services"):
            info[key] = value.split()
        elif key == "target":
            info["target"] = value.strip()
    return info


def start_reading() -> None:
    """Start the firewall tools now, side by side, for the next `all_layers` in this thread
    to read: a caller with other work first (importing the checks) lets them run meanwhile."""
    if not getattr(_ahead, "begun", False):
        _ahead.begun = True
        _start_ahead()


def all_layers(timeout: float) -> list[Layer]:
    """ufw, firewalld, iptables, ip6tables, then nftables without iptables-nft's own tables."""
    start_reading()
    try:
        ipt = read_iptables(timeout)
        ip6 = read_iptables(timeout, "ip6tables-save")
        skip = [
            (layer_family, rs.table)
            for layer, layer_family in ((ipt, "ip"), (ip6, "ip6"))
            for rs in layer.rulesets
            if rs.table in IPTABLES_TABLES
        ]
        return [read_ufw(timeout), read_firewalld(timeout), ipt, ip6, read_nft(timeout, skip)]
    finally:
        _reap_unused()
        _ahead.begun = False


def cloud_vendor(dmi: Path = DMI) -> tuple[str, str] | None:
    """(cloud, where its security groups are) from the DMI strings, or None."""
    words = []
    for name in ("sys_vendor", "product_name", "bios_vendor", "board_vendor", "chassis_asset_tag"):
        try:
            words.append((dmi / name).read_text(encoding="utf-8", errors="replace").strip().lower())
        except OSError:
            continue
    text = " ".join(words)
    if "7783-7084-3265-9085-8269-3286-77" in text:  # Azure's chassis asset tag
        return CLOUDS[2][1], CLOUDS[2][2]
    for needle, cloud, where in CLOUDS:
        if needle in text.replace(" ", ""):
            return cloud, where
    return None
