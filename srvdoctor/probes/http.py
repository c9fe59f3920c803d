"""HTTP through httpx (imported lazily: ~100 ms), bounded in time; a failure is a value.

Two questions, one module: `get` (http.status and the `port` ladder) asks what a URL
answers after redirects, reading only the headers — shell equivalent
`curl -sS -o /dev/null -w '%{http_code} %{time_starttransfer}\\n' -L URL`; `request`
(`[[expect.http]]`) sends one request without following redirects and keeps up to 1 MiB
of the body — `curl -sS -i URL`. Neither ever uses a proxy from the environment (the
target itself is diagnosed, and a proxy would send loopback traffic away) and both
verify TLS against the system trust store.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING

from srvdoctor.messages import t
from srvdoctor.probes.timeout import ProbeTimeout, call_with_timeout
from srvdoctor.probes.tls import client_context
from srvdoctor.record import dataclass

if TYPE_CHECKING:
    import ssl

    import httpx

MAX_REDIRECTS = 5
#: Bytes of the body `request` keeps (enough for a health document; a model server's 4 GiB answer is cut).
MAX_BODY = 1 << 20


def _client(timeout: float, verify: ssl.SSLContext | bool, follow: bool) -> httpx.Client:
    import httpx

    return httpx.Client(
        verify=verify,
        timeout=timeout,
        follow_redirects=follow,
        max_redirects=MAX_REDIRECTS,
        trust_env=False,
        headers={"User-Agent": "srvdoctor"},
    )


@dataclass(frozen=True)
class HttpResult:
    """`error_kind`: "" on an answer, else tls, timeout, connect, protocol, too-many-redirects, error."""

    url: str
    status: int | None = None
    reason: str = ""
    ttfb_ms: float | None = None
    redirects: tuple[tuple[int, str], ...] = ()
    final_url: str = ""
    http_version: str = ""
    server: str = ""
    error: str = ""
    error_kind: str = ""


def get(url: str, timeout: float) -> HttpResult:
    """GET `url`, following up to 5 redirects, reading only the headers; never raises.

    Proxies from the environment are ignored (the target itself is diagnosed).
    """
    import httpx

    try:
        client = _client(timeout, client_context(), follow=True)
    except Exception as exc:  # a bad URL or context: httpx raises several kinds
        return HttpResult(url, error=str(exc), error_kind="error")
    started = time.perf_counter()
    try:
        with client, client.stream("GET", url) as response:
            ttfb = (time.perf_counter() - started) * 1000
            return HttpResult(
                url,
                status=response.status_code,
                reason=response.reason_phrase,
                ttfb_ms=ttfb,
                redirects=tuple(
                    (r.status_code, str(r.headers.get("location", ""))) for r in response.history
                ),
                final_url=str(response.url),
                http_version=response.http_version,
                server=str(response.headers.get("server", "")),
            )
    except httpx.TooManyRedirects as exc:
        return HttpResult(url, error=str(exc), error_kind="too-many-redirects")
    except httpx.TimeoutException as exc:
        return HttpResult(
            url,
            error=t("{error}: timed out after {timeout:g} s", error=type(exc).__name__, timeout=timeout),
            error_kind="timeout",
        )
    except httpx.ConnectError as exc:
        text = str(exc)
        kind = "tls" if ("SSL" in text or "CERTIFICATE" in text.upper()) else "connect"
        return HttpResult(url, error=text, error_kind=kind)
    except (httpx.RemoteProtocolError, httpx.LocalProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        return HttpResult(url, error=f"{type(exc).__name__}: {exc}", error_kind="protocol")
    except httpx.HTTPError as exc:
        return HttpResult(url, error=f"{type(exc).__name__}: {exc}", error_kind="error")


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
    import ssl

    import httpx

    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in chain:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    text = str(exc) or type(exc).__name__
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return "tls", t("certificate verification failed: {error}", error=str(e.verify_message or e))
        if isinstance(e, ssl.SSLError):
            return "tls", t("TLS handshake failed: {error}", error=str(e.reason or e))
        if isinstance(e, ConnectionRefusedError):
            return "refused", t(
                "connection refused (no process accepts connections on that address and port)"
            )
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", t("no answer in time ({error})", error=type(exc).__name__)
    if isinstance(exc, httpx.ConnectError):
        low = text.lower()
        if "name or service not known" in low or "nodename nor servname" in low or "name resolution" in low:
            return "dns", t("host name does not resolve: {error}", error=text)
        if "refused" in low:
            return "refused", t(
                "connection refused (no process accepts connections on that address and port)"
            )
        if "ssl" in low or "certificate" in low:
            return "tls", text
        return "other", t("cannot connect: {error}", error=text)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.LocalProtocolError)):
        return "protocol", t("not an HTTP answer: {error}", error=text)
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
    started = time.perf_counter()
    # plain http needs no CA bundle: loading one costs ~50 ms that `within` would count
    tls = url.lower().startswith("https://")

    def send() -> HttpResponse:
        nonlocal started
        context: ssl.SSLContext | bool = client_context() if verify and tls else False
        with _client(timeout, context, follow=False) as client:
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
            "timeout",
            t("no complete answer within {timeout:g} s", timeout=timeout),
            time.perf_counter() - started,
        )
    except Exception as exc:
        kind, message = _classify(exc)
        return HttpFailure(kind, message, time.perf_counter() - started)
