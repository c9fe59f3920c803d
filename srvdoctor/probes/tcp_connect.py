"""Can a TCP connection be made to HOST:PORT? Open, refused, no answer, or no such host."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from srvdoctor.probes.timeout import ProbeTimeout, call_with_timeout


@dataclass(frozen=True)
class TcpOutcome:
    state: str  # open | refused | timeout | dns | unreachable
    message: str
    address: str = ""
    elapsed_s: float = 0.0


def connect(host: str, port: int, timeout: float) -> TcpOutcome:
    """Resolve `host` and try each address once; the first that answers decides."""
    started = time.perf_counter()

    def resolve() -> list[tuple[int, str]]:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return [(info[0], str(info[4][0])) for info in infos]

    try:
        addrs = call_with_timeout(resolve, timeout, f"resolve {host}")
    except ProbeTimeout:
        return TcpOutcome(
            "dns", f"resolving {host} took over {timeout:g} s", "", time.perf_counter() - started
        )
    except socket.gaierror as exc:
        return TcpOutcome(
            "dns", f"{host} does not resolve: {exc.strerror}", "", time.perf_counter() - started
        )
    last = TcpOutcome("unreachable", f"no address for {host}")
    for family, addr in dict.fromkeys(addrs):
        remaining = max(0.05, timeout - (time.perf_counter() - started))
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(remaining)
        try:
            sock.connect((addr, port))
            return TcpOutcome("open", f"accepts connections on {addr}", addr, time.perf_counter() - started)
        except ConnectionRefusedError:
            last = TcpOutcome("refused", "connection refused", addr, time.perf_counter() - started)
        except TimeoutError:
            last = TcpOutcome(
                "timeout", f"no answer within {timeout:g} s (filtered?)", addr, time.perf_counter() - started
            )
        except OSError as exc:
            last = TcpOutcome("unreachable", exc.strerror or str(exc), addr, time.perf_counter() - started)
        finally:
            sock.close()
    return last
