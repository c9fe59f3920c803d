"""Which listener is which program, and which addresses a listening socket covers.

Pure judgment over `Listener` values: the programs ML/AI engineers start to be reached
from another machine (notebooks, dashboards, model servers), the flag that makes each
one listen on every address, and the address-family rules of listening sockets.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence

from srvdoctor.messages import N_, t
from srvdoctor.probes.listeners import Listener
from srvdoctor.record import dataclass


@dataclass(frozen=True)
class RemoteServer:
    """A program usually served to other machines; `fix` makes it listen on every address
    (a template: `{port}` is the port; marked N_ where it carries a remark to translate)."""

    name: str
    words: tuple[str, ...]  # argv basenames or `python -m` modules that name it
    fix: str


#: Order matters: a more specific program first (mlflow runs under gunicorn/uvicorn).
REMOTE_SERVERS: tuple[RemoteServer, ...] = (
    RemoteServer(
        "jupyter",
        (
            "jupyter",
            "jupyter-lab",
            "jupyter-notebook",
            "jupyter-server",
            "jupyterlab",
            "notebook",
            "jupyterhub",
        ),
        N_("jupyter lab --ip 0.0.0.0   (or c.ServerApp.ip = '0.0.0.0' in jupyter_server_config.py)"),
    ),
    RemoteServer("tensorboard", ("tensorboard",), "tensorboard --logdir DIR --bind_all"),
    RemoteServer("mlflow", ("mlflow",), N_("mlflow server --host 0.0.0.0   (mlflow ui takes --host too)")),
    RemoteServer("vllm", ("vllm",), "vllm serve MODEL --host 0.0.0.0"),
    RemoteServer("ray dashboard", ("ray-dashboard",), "ray start --head --dashboard-host 0.0.0.0"),
    RemoteServer("gradio", ("gradio",), "gradio: demo.launch(server_name='0.0.0.0')"),
    RemoteServer("streamlit", ("streamlit",), "streamlit run app.py --server.address 0.0.0.0"),
    RemoteServer("code-server", ("code-server",), "code-server --bind-addr 0.0.0.0:{port}"),
    RemoteServer(
        "text-generation-inference",
        ("text-generation-launcher", "text-generation-server"),
        "text-generation-launcher --hostname 0.0.0.0",
    ),
    RemoteServer("uvicorn", ("uvicorn",), "uvicorn app:app --host 0.0.0.0"),
    RemoteServer("gunicorn", ("gunicorn",), "gunicorn --bind 0.0.0.0:{port} app:app"),
    RemoteServer("flask", ("flask",), "flask run --host 0.0.0.0"),
    RemoteServer("http.server", ("http.server",), "python -m http.server --bind 0.0.0.0 {port}"),
    RemoteServer("marimo", ("marimo",), "marimo edit --host 0.0.0.0"),
)

#: The fallback list when the program is not known.
GENERIC_FIXES: tuple[str, ...] = (
    N_("jupyter lab --ip 0.0.0.0   (or c.ServerApp.ip = '0.0.0.0' in jupyter_server_config.py)"),
    "uvicorn app:app --host 0.0.0.0",
    "flask run --host 0.0.0.0",
    "python -m http.server --bind 0.0.0.0 {port}",
)
#: `{port}` is filled in; the text is translated where it is printed.
TUNNEL = N_("or keep it on 127.0.0.1 and tunnel: ssh -L {port}:localhost:{port} user@server")


def _words(listener: Listener) -> list[str]:
    """The argv words that name a program: the first few basenames, `-m MODULE`, and ray's dashboard."""
    argv = listener.cmdline.split()
    words = [listener.process.lower()]
    for i, word in enumerate(argv[:6]):
        base = os.path.basename(word).lower()
        words.append(base[:-3] if base.endswith(".py") else base)
        if word == "-m" and i + 1 < len(argv):
            words.append(argv[i + 1].lower())
    if any(w.endswith("dashboard/dashboard.py") for w in argv):
        words.append("ray-dashboard")
    if any(":app" in w and w.startswith("mlflow.") for w in argv):  # gunicorn ... mlflow.server:app
        words.append("mlflow")
    return [w for w in words if w]


def remote_server(listener: Listener) -> RemoteServer | None:
    """The known remote-serving program behind a listener, from its name and command line."""
    words = _words(listener)
    for server in REMOTE_SERVERS:
        for word in words:
            for name in server.words:
                if word == name or word.startswith((name + ".", name + ":")):
                    return server
    return None


def bind_fixes(listeners: Sequence[Listener], port: int) -> tuple[str, ...]:
    """The fix for the programs behind `listeners` (the generic list if none is known)."""
    known = [s.fix for s in (remote_server(x) for x in listeners) if s is not None]
    fixes = list(dict.fromkeys(known)) or list(GENERIC_FIXES)
    return tuple(t(f, port=port) for f in fixes)


def tunnel(port: int) -> str:
    return t(TUNNEL, port=port)


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def family(address: str) -> int:
    """4 or 6 (an IPv4-mapped IPv6 address counts as 4); 0 for a non-address."""
    ip = _ip(address)
    return ip.version if ip is not None else 0


def covers(listener: Listener, address: str) -> bool | None:
    """Does a socket listening on `listener.address` accept connections to `address`?

    True/False where the address says; None for `::` and an IPv4 `address`: a socket on
    `::` takes IPv4 too unless the program set IPV6_V6ONLY, which /proc does not show.
    """
    target, bound = _ip(address), listener.address
    if target is None:
        return None
    if bound in ("0.0.0.0", ""):
        return target.version == 4
    if bound == "::":
        return True if target.version == 6 else None
    mine = _ip(bound)
    return mine == target


def bound_words(listener: Listener) -> str:
    """Where a socket listens, in words that keep the address family visible."""
    if listener.address in ("0.0.0.0", ""):
        return t("all IPv4 addresses (0.0.0.0)")
    if listener.address == "::":
        return t("all addresses (::)")
    return listener.address


def reachable(bound: str) -> str:
    """An address to connect to for a socket bound to `bound` on this machine (a wildcard → loopback)."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(bound, bound)


def endpoint(address: str, port: int) -> str:
    """ADDRESS:PORT, with an IPv6 address in brackets ([::1]:8888)."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
