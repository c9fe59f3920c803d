"""One HTTP request, bounded in time and body size: status, headers, body, elapsed, or why not.

httpx is imported lazily (it costs ~100 ms to import). A failure is a value, not an
exception: `HttpFailure.kind` is one of dns, refused, timeout, tls, protocol, other.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from srvdoctor.probes.timeout import ProbeTimeout, call_with_timeout

#: Bytes of the body kept (enough for a health document; a model server's 4 GiB answer is cut).
MAX_BODY = 1 << 20


@dataclass(frozen=True)
class HttpResponse:
    status: int
    reason: str
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    truncated: bool = False
    elapsed_s: float = 0.0
    http_version: str = ""

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class HttpFailure:
    kind: str  # dns | refused | timeout | tls | protocol | other
    message: str
    elapsed_s: float = 0.0


def _classify(exc: BaseException) -> tuple[str, str]:
    import httpx

    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in chain:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    text = str(exc) or type(exc).__name__
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return "tls", f"certificate verification failed: {e.verify_message or e}"
        if isinstance(e, ssl.SSLError):
            return "tls", f"TLS handshake failed: {e.reason or e}"
        if isinstance(e, ConnectionRefusedError):
            return "refused", "connection refused (nothing listens on that port)"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", f"no answer in time ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        low = text.lower()
        if "name or service not known" in low or "nodename nor servname" in low or "name resolution" in low:
            return "dns", f"host name does not resolve: {text}"
        if "refused" in low:
            return "refused", "connection refused (nothing listens on that port)"
        if "ssl" in low or "certificate" in low:
            return "tls", text
        return "other", f"cannot connect: {text}"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.LocalProtocolError)):
        return "protocol", f"not an HTTP answer: {text}"
    return "other", f"{type(exc).__name__}: {text}"


def request(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    timeout: float = 3.0,
    verify: bool = True,
    max_body: int = MAX_BODY,
) -> HttpResponse | HttpFailure:
    """Send one request; redirects are not followed (the status is what the URL answers)."""
    import httpx

    started = time.perf_counter()
    # plain http needs no CA bundle: loading one costs ~50 ms that `within` would count
    tls = url.lower().startswith("https://")

    def send() -> HttpResponse:
        nonlocal started
        from srvdoctor.probes.tls import client_context

        # the system trust store, as http.status uses; never a proxy from the environment:
        # the expectation is about the URL itself, and a proxy would send loopback traffic away
        context: ssl.SSLContext | bool = client_context() if verify and tls else False
        with httpx.Client(verify=context, timeout=timeout, follow_redirects=False, trust_env=False) as client:
            started = time.perf_counter()
            with client.stream(method, url, headers=dict(headers or {})) as resp:
                chunks: list[bytes] = []
                size = 0
                truncated = False
                for chunk in resp.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= max_body:
                        truncated = True
                        break
                body = b"".join(chunks)[:max_body]
                return HttpResponse(
                    status=resp.status_code,
                    reason=resp.reason_phrase,
                    headers={k.lower(): v for k, v in resp.headers.items()},
                    body=body,
                    truncated=truncated,
                    elapsed_s=time.perf_counter() - started,
                    http_version=resp.http_version,
                )

    try:
        return call_with_timeout(send, timeout + 0.5, f"{method} {url}")
    except ProbeTimeout:
        return HttpFailure(
            "timeout", f"no complete answer within {timeout:g} s", time.perf_counter() - started
        )
    except Exception as exc:
        kind, message = _classify(exc)
        return HttpFailure(kind, message, time.perf_counter() - started)
