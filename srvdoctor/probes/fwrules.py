"""Firewall rules as one small model, from `iptables-save` text and `nft -j list ruleset` JSON,
and the question the user asks of them: what happens to a new TCP connection to port N?

The evaluation follows the input chain in order, into jumped-to chains, and stops at the
first ACCEPT, DROP or REJECT that applies to every new connection to the port. Rules with
other conditions (a source address, an interface, a connection state) are noted, not
decided on: srvdoctor cannot know where the user's connection comes from.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Any

from srvdoctor.record import dataclass

#: iptables-save options that do not restrict which new TCP connections a rule sees.
_NEUTRAL = {
    "-m",
    "--comment",
    "--reject-with",
    "-j",
    "-g",
    "-A",
    "-p",
    "--protocol",
    "--dport",
    "--dports",
    "--destination-port",
    "--destination-ports",
}
_NEW_STATES = {"NEW", "NEW,ESTABLISHED", "NEW,RELATED,ESTABLISHED", "RELATED,ESTABLISHED,NEW"}
#: iptables-nft's own table names: with iptables-save read, nft's copy of them is skipped.
IPTABLES_TABLES = ("filter", "nat", "mangle", "raw", "security")


@dataclass(frozen=True)
class Rule:
    source: str  # iptables | ip6tables | nftables
    table: str
    chain: str
    text: str  # as the user would see it (iptables-save line, nft rule with its handle)
    verdict: str  # accept | drop | reject | jump | goto | return | other
    proto: str | None = None  # None: any protocol
    dports: tuple[tuple[int, int], ...] | None = None  # None: any port
    target: str | None = None  # the chain of a jump/goto
    conditions: tuple[str, ...] = ()  # what else the rule matches on
    handle: int | None = None
    family: str = ""
    #: hit counters where the firewall keeps them (`iptables-save -c`, an nft `counter`)
    packets: int | None = None
    bytes: int | None = None

    def applies_to(self, port: int, proto: str = "tcp") -> bool:
        if self.proto not in (None, proto):
            return False
        return self.dports is None or any(lo <= port <= hi for lo, hi in self.dports)


@dataclass(frozen=True)
class Chain:
    name: str
    policy: str | None  # accept / drop for base chains, None for user chains
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Ruleset:
    source: str
    table: str
    family: str
    chains: Mapping[str, Chain]
    input_chains: tuple[str, ...]  # base chains on the input hook


@dataclass(frozen=True)
class Verdict:
    """`kind`: blocked (a DROP/REJECT rule), policy (the chain's default DROP), allowed
    (an ACCEPT rule), open (nothing decides: policy ACCEPT)."""

    ruleset: Ruleset
    chain: str
    kind: str
    rule: Rule | None = None
    maybe: tuple[Rule, ...] = field(default=())  # conditional DROP/REJECT rules on the way


# --------------------------------------------------------------------------- iptables-save


def _ports(spec: str) -> tuple[tuple[int, int], ...]:
    out = []
    for part in spec.split(","):
        lo, _, hi = part.partition(":")
        out.append((int(lo or 0), int(hi or 65535) if ":" in part else int(lo)))
    return tuple(out)


def parse_iptables_save(text: str, source: str = "iptables") -> list[Ruleset]:
    """Every table of `iptables-save` output; only `filter` has an input chain to evaluate."""
    tables: list[Ruleset] = []
    table = ""
    policies: dict[str, str | None] = {}
    rules: dict[str, list[Rule]] = {}

    def close() -> None:
        if table:
            chains = {n: Chain(n, p, tuple(rules.get(n, []))) for n, p in policies.items()}
            family = "ip6" if source == "ip6tables" else "ip"
            inputs = ("INPUT",) if table == "filter" and "INPUT" in chains else ()
            tables.append(Ruleset(source, table, family, chains, inputs))

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("*"):
            close()
            table, policies, rules = line[1:], {}, {}
        elif line.startswith(":"):
            name, policy = [*line[1:].split(), "-"][:2]
            policies[name] = None if policy == "-" else policy.lower()
        elif line.startswith(("-A ", "[")):
            counters, line = _counters(line)
            rule = _parse_iptables_rule(line, source, table)
            if rule is not None and counters is not None:
                rule = dataclasses.replace(rule, packets=counters[0], bytes=counters[1])
            if rule is not None:
                policies.setdefault(rule.chain, None)
                rules.setdefault(rule.chain, []).append(rule)
        elif line == "COMMIT":
            close()
            table = ""
    close()
    return tables


def _counters(line: str) -> tuple[tuple[int, int] | None, str]:
    """`[12:720] -A INPUT ...` (iptables-save -c) → ((12, 720), "-A INPUT ...")."""
    if not line.startswith("["):
        return None, line
    head, _, rest = line.partition("] ")
    packets, _, size = head[1:].partition(":")
    if packets.isdigit() and size.isdigit():
        return (int(packets), int(size)), rest
    return None, rest


def _parse_iptables_rule(line: str, source: str, table: str) -> Rule | None:
    try:
        words = shlex.split(line)
    except ValueError:
        return None
    chain = words[1]
    proto: str | None = None
    dports: tuple[tuple[int, int], ...] | None = None
    target: str | None = None
    goto = False
    conditions: list[str] = []
    i = 2
    while i < len(words):
        word = words[i]
        value = words[i + 1] if i + 1 < len(words) else ""
        if word in ("-p", "--protocol"):
            proto = value.lower()
            i += 2
        elif word in ("--dport", "--dports", "--destination-port", "--destination-ports"):
            try:
                dports = _ports(value)
            except ValueError:
                conditions.append(f"{word} {value}")
            i += 2
        elif word in ("-j", "-g"):
            target, goto = value, word == "-g"
            i += 2
        elif word in ("--state", "--ctstate"):
            if value not in _NEW_STATES:
                conditions.append(f"{word} {value}")
            i += 2
        elif word in _NEUTRAL:
            i += 2
        elif word == "!":
            conditions.append(f"! {value} {words[i + 2] if i + 2 < len(words) else ''}".strip())
            i += 3
        elif word.startswith("-"):
            conditions.append(f"{word} {value}".strip() if value and not value.startswith("-") else word)
            i += 2 if value and not value.startswith("-") else 1
        else:
            i += 1
    verdicts = {"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject", "RETURN": "return"}
    if target is None:
        verdict = "other"
    elif target in verdicts:
        verdict = verdicts[target]
    elif target.isupper() and target in ("LOG", "MARK", "CONNMARK", "NFLOG", "CT", "TCPMSS", "NOTRACK"):
        verdict = "other"
    else:
        verdict = "goto" if goto else "jump"
    return Rule(
        source,
        table,
        chain,
        line,
        verdict,
        proto,
        dports,
        target if verdict in ("jump", "goto") else None,
        tuple(conditions),
        family="ip6" if source == "ip6tables" else "ip",
    )


# --------------------------------------------------------------------------- nft -j


def parse_nft_json(
    ruleset: Mapping[str, Any],
    text_by_handle: Mapping[tuple[str, str, int], str],
    skip_tables: Sequence[tuple[str, str]] = (),
) -> list[Ruleset]:
    """Tables of `nft -j list ruleset`; `text_by_handle` maps (table, chain, handle) to the rule's text."""
    chains: dict[tuple[str, str], dict[str, Chain]] = {}
    hooks: dict[tuple[str, str], list[str]] = {}
    rules: dict[tuple[str, str, str], list[Rule]] = {}
    for item in ruleset.get("nftables", []):
        if "table" in item:
            key = (item["table"]["family"], item["table"]["name"])
            chains.setdefault(key, {})
            hooks.setdefault(key, [])
        elif "chain" in item:
            c = item["chain"]
            key = (c["family"], c["table"])
            chains.setdefault(key, {})[c["name"]] = Chain(c["name"], c.get("policy"))
            if c.get("hook") == "input" and c.get("type", "filter") == "filter":
                hooks.setdefault(key, []).append(c["name"])
        elif "rule" in item:
            r = item["rule"]
            text = text_by_handle.get((r["table"], r["chain"], int(r.get("handle", -1))), "")
            rules.setdefault((r["family"], r["table"], r["chain"]), []).append(_nft_rule(r, text))
    out: list[Ruleset] = []
    for (family, table), table_chains in chains.items():
        if (family, table) in skip_tables:
            continue
        full = {
            n: Chain(n, c.policy, tuple(rules.get((family, table, n), []))) for n, c in table_chains.items()
        }
        out.append(Ruleset("nftables", table, family, full, tuple(hooks.get((family, table), []))))
    return out


def _nft_ports(right: Any) -> tuple[tuple[int, int], ...] | None:
    if isinstance(right, int):
        return ((right, right),)
    if isinstance(right, dict) and "range" in right:
        lo, hi = right["range"]
        return ((int(lo), int(hi)),)
    if isinstance(right, dict) and "set" in right:
        out: list[tuple[int, int]] = []
        for item in right["set"]:
            got = _nft_ports(item)
            if got is None:
                return None
            out.extend(got)
        return tuple(out)
    return None


def _nft_rule(r: Mapping[str, Any], text: str) -> Rule:
    proto: str | None = None
    dports: tuple[tuple[int, int], ...] | None = None
    verdict, target = "other", None
    conditions: list[str] = []
    counter: dict[str, Any] = {}
    for expr in r.get("expr", []):
        if isinstance(expr.get("counter"), dict):
            counter = expr["counter"]
        elif "match" in expr:
            m = expr["match"]
            left, right, op = m.get("left", {}), m.get("right"), m.get("op", "==")
            payload = left.get("payload", {}) if isinstance(left, dict) else {}
            meta = left.get("meta", {}) if isinstance(left, dict) else {}
            if payload.get("field") == "dport" and op in ("==", "in"):
                proto = payload.get("protocol", proto)
                dports = _nft_ports(right)
                if dports is None:
                    conditions.append(f"dport {right}")
            elif meta.get("key") == "l4proto" and op == "==" and isinstance(right, str):
                proto = right
            elif "ct" in left and left["ct"].get("key") == "state" and _new_ok(right):
                continue
            else:
                conditions.append(f"{left} {op} {right}")
        elif any(k in expr for k in ("accept", "drop", "reject", "return")):
            verdict = next(k for k in ("accept", "drop", "reject", "return") if k in expr)
        elif "jump" in expr or "goto" in expr:
            verdict = "jump" if "jump" in expr else "goto"
            target = expr[verdict].get("target")
    return Rule(
        "nftables",
        r["table"],
        r["chain"],
        text or f"handle {r.get('handle')}",
        verdict,
        proto,
        dports,
        target,
        tuple(conditions),
        r.get("handle"),
        r["family"],
        counter.get("packets"),
        counter.get("bytes"),
    )


def _new_ok(right: Any) -> bool:
    states = right if isinstance(right, list) else [right]
    return "new" in states


def nft_text_handles(text: str) -> dict[tuple[str, str, int], str]:
    """(table, chain, handle) -> rule text, from `nft -a list ruleset`."""
    out: dict[tuple[str, str, int], str] = {}
    table = chain = ""
    for raw in text.splitlines():
        line = raw.strip()
        words = line.split()
        if line.startswith("table ") and len(words) >= 3:
            table = words[2]
        elif line.startswith("chain ") and len(words) >= 2:
            chain = words[1]
        elif "# handle " in line and table and chain and not line.startswith(("type ", "chain ", "table ")):
            body, _, handle = line.rpartition("# handle ")
            if handle.strip().isdigit():
                out[(table, chain, int(handle))] = body.strip()
    return out


# --------------------------------------------------------------------------- evaluation


def evaluate(ruleset: Ruleset, port: int, proto: str = "tcp") -> list[Verdict]:
    """What each input base chain of `ruleset` does with a new connection to `port`."""
    out = []
    for name in ruleset.input_chains:
        maybe: list[Rule] = []
        found = _walk(ruleset, name, port, proto, maybe, depth=0)
        chain = ruleset.chains[name]
        if found is not None:
            kind = "allowed" if found.verdict == "accept" else "blocked"
            out.append(Verdict(ruleset, name, kind, found, tuple(maybe)))
        elif chain.policy in ("drop", "reject"):
            out.append(Verdict(ruleset, name, "policy", None, tuple(maybe)))
        else:
            out.append(Verdict(ruleset, name, "open", None, tuple(maybe)))
    return out


def _walk(rs: Ruleset, name: str, port: int, proto: str, maybe: list[Rule], depth: int) -> Rule | None:
    chain = rs.chains.get(name)
    if chain is None or depth > 16:
        return None
    for rule in chain.rules:
        if not rule.applies_to(port, proto):
            continue
        if rule.verdict in ("jump", "goto") and rule.target:
            found = _walk(rs, rule.target, port, proto, maybe, depth + 1)
            if found is not None:
                return found
            continue
        if rule.verdict == "return" and not rule.conditions:
            return None
        if rule.verdict in ("accept", "drop", "reject"):
            if rule.conditions:
                if rule.verdict != "accept":
                    maybe.append(rule)
                continue
            return rule
    return None
