"""Who listens on which TCP port, on which address: /proc/net/tcp{,6} read as psutil reads it.

Shell equivalent: `ss -ltnp` (`sudo` to see other users' processes).
"""

from __future__ import annotations

import ipaddress
import os

from srvdoctor.messages import t
from srvdoctor.probes import procnet
from srvdoctor.record import dataclass

#: Process names that usually serve a port (for "nothing listens, but jupyter runs").
USUAL_SERVERS: dict[int, tuple[str, ...]] = {
    22: ("sshd",),
    80: ("nginx", "apache2", "httpd", "caddy", "traefik"),
    443: ("nginx", "apache2", "httpd", "caddy", "traefik"),
    3000: ("grafana", "grafana-server", "node"),
    5000: ("flask", "gunicorn", "python"),
    5432: ("postgres",),
    6006: ("tensorboard",),
    6379: ("redis-server",),
    7860: ("gradio", "python"),
    8000: ("uvicorn", "gunicorn", "python", "vllm"),
    8080: ("java", "nginx", "code-server", "python"),
    8501: ("streamlit",),
    8888: ("jupyter", "jupyter-lab", "jupyter-notebook", "jupyter-server"),
    11434: ("ollama",),
}


_GENERIC = frozenset({"python", "node", "java"})


@dataclass(frozen=True)
class Listener:
    address: str
    port: int
    pid: int | None = None
    process: str = ""
    user: str = ""
    cmdline: str = ""

    @property
    def loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.address.split("%", 1)[0]).is_loopback
        except ValueError:
            return False

    @property
    def wildcard(self) -> bool:
        return self.address in ("0.0.0.0", "::", "")

    def who(self) -> str:
        if self.pid is None:
            return t("a process this user cannot see (run as root to name it)")
        if self.user:
            return t(
                "{process} (pid {pid}, user {user})",
                process=self.process or "?",
                pid=self.pid,
                user=self.user,
            )
        return t("{process} (pid {pid})", process=self.process or "?", pid=self.pid)


@dataclass(frozen=True)
class RunningServer:
    pid: int
    name: str
    cmdline: str


def listeners() -> list[Listener]:
    """Every TCP socket in LISTEN state in this network namespace."""
    out = [_describe(address, port, pid) for address, port, pid in procnet.listening_tcp()]
    out.sort(key=lambda item: (item.port, item.address))
    return out


def _describe(address: str, port: int, pid: int | None) -> Listener:
    if pid is None:
        return Listener(address, port)
    details = procnet.process_details(pid)
    if details is None:
        return Listener(address, port, pid)
    name, user, cmdline = details
    return Listener(address, port, pid, name, user, cmdline)


def usual_servers_running(port: int) -> list[RunningServer]:
    """Processes whose name or command line suggests they usually serve `port`."""
    names = USUAL_SERVERS.get(port, ())
    if not names:
        return []
    import psutil

    found: list[RunningServer] = []
    me = os.getpid()
    for proc in psutil.process_iter(["pid", "name", "cmdline"]):
        info = proc.info
        if info["pid"] == me:
            continue
        name = str(info.get("name") or "")
        cmdline = " ".join(info.get("cmdline") or [])
        tokens = {name, *(os.path.basename(w) for w in cmdline.split()[:4])}
        hit = any(t.startswith(n) for n in names if n not in _GENERIC for t in tokens)
        if hit:
            found.append(RunningServer(int(info["pid"]), name, cmdline[:200]))
    return found[:5]


def docker_proxy_target(listener: Listener) -> str | None:
    """For a docker-proxy listener: `container-ip:port`, from its command line."""
    if listener.process != "docker-proxy":
        return None
    words = listener.cmdline.split()
    values = {}
    for i, word in enumerate(words[:-1]):
        if word in ("-container-ip", "-container-port"):
            values[word] = words[i + 1]
    if len(values) == 2:
        return f"{values['-container-ip']}:{values['-container-port']}"
    return None


def container_name_for_ip(ip: str, timeout: float) -> str | None:
    """The name of the running container with `ip`, through the Docker API; None if unknown."""
    try:
        import docker
    except ImportError:
        return None
    try:
        client = docker.from_env(timeout=max(1, int(timeout)))
        for container in client.containers.list():
            networks = container.attrs.get("NetworkSettings", {}).get("Networks", {}) or {}
            if any(net.get("IPAddress") == ip for net in networks.values()):
                return str(container.name)
    except Exception:
        return None
    return None
