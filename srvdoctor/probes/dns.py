"""Name resolution as applications see it (getaddrinfo), and the files behind it.

Shell equivalents: `getent ahosts NAME`, `cat /etc/resolv.conf`, `grep NAME /etc/hosts`.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import field
from pathlib import Path

from srvdoctor.messages import oserror, t
from srvdoctor.probes.tcp import socket_host
from srvdoctor.probes.timeout import ProbeTimeout, call_with_timeout
from srvdoctor.record import dataclass

RESOLV_CONF = Path("/etc/resolv.conf")
HOSTS = Path("/etc/hosts")
NSSWITCH = Path("/etc/nsswitch.conf")


@dataclass(frozen=True)
class ResolvConf:
    path: str
    nameservers: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    readable: bool = True
    error: str = ""


@dataclass(frozen=True)
class Resolution:
    """Addresses a name resolved to, or why it did not.

    `kind` is "ok", "nxdomain" (the name does not exist: EAI_NONAME), "nodata" (exists,
    no address: EAI_NODATA), "unreachable" (no resolver answered: EAI_AGAIN), "timeout"
    (getaddrinfo did not return in time) or "error".
    """

    name: str
    kind: str
    addresses: tuple[str, ...] = ()
    families: tuple[int, ...] = ()
    error: str = ""
    elapsed_ms: float = 0.0
    nameservers: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def read_resolv_conf(path: Path = RESOLV_CONF) -> ResolvConf:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return ResolvConf(str(path), readable=False, error=oserror(exc))
    servers: list[str] = []
    search: list[str] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(words) >= 2 and words[0] == "nameserver":
            servers.append(words[1])
        elif words and words[0] in ("search", "domain"):
            search = words[1:]
    return ResolvConf(str(path), tuple(servers), tuple(search))


def hosts_file_entries(name: str, path: Path = HOSTS) -> tuple[str, ...]:
    """Addresses /etc/hosts gives `name` (case-insensitive), in file order."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    found: list[str] = []
    wanted = name.lower().rstrip(".")
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and wanted in (w.lower() for w in words[1:]):
            found.append(words[0])
    return tuple(found)


def files_before_dns(path: Path = NSSWITCH) -> bool:
    """True when nsswitch consults /etc/hosts first (glibc's default without the file).

    Only then does looking up a name that /etc/hosts holds stay on this machine: a source
    before `files` (dns, resolve, sss, ldap, nis) could send the query out.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if words and words[0] == "hosts:":
            sources = [w for w in words[1:] if not w.startswith("[")]
            return sources[:1] == ["files"]
    return True


def _classify(exc: socket.gaierror) -> str:
    code = exc.errno
    if code == socket.EAI_NONAME:
        return "nxdomain"
    if code == getattr(socket, "EAI_NODATA", -5):
        return "nodata"
    if code == socket.EAI_AGAIN:
        return "unreachable"
    return "error"


def resolve(name: str, timeout: float, port: int | None = None) -> Resolution:
    """getaddrinfo(name) bounded by `timeout`; never raises."""
    ns = read_resolv_conf().nameservers
    try:
        literal = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        literal = None
    if literal is not None:
        fam = int(socket.AF_INET6 if literal.version == 6 else socket.AF_INET)
        return Resolution(name, "ok", (name,), (fam,), nameservers=ns)
    started = time.perf_counter()

    def lookup() -> list[tuple[int, str]]:
        infos = socket.getaddrinfo(socket_host(name), port, type=socket.SOCK_STREAM)
        return [(int(info[0]), str(info[4][0])) for info in infos]

    try:
        found = call_with_timeout(lookup, timeout, f"getaddrinfo({name})")
    except ProbeTimeout:
        elapsed = (time.perf_counter() - started) * 1000
        return Resolution(
            name,
            "timeout",
            error=t("no answer within {timeout:g} s", timeout=timeout),
            elapsed_ms=elapsed,
            nameservers=ns,
        )
    except socket.gaierror as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return Resolution(
            name,
            _classify(exc),
            error=t("[Errno {code}] {error}", code=exc.errno, error=oserror(str(exc.strerror))),
            elapsed_ms=elapsed,
            nameservers=ns,
        )
    except (OSError, UnicodeError) as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return Resolution(name, "error", error=str(exc), elapsed_ms=elapsed, nameservers=ns)
    elapsed = (time.perf_counter() - started) * 1000
    seen: dict[str, int] = {}
    for family, addr in found:
        seen.setdefault(addr, family)
    return Resolution(name, "ok", tuple(seen), tuple(seen.values()), elapsed_ms=elapsed, nameservers=ns)
