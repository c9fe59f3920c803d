"""One HTTP request through httpx (imported lazily): status, time to first byte, redirects.

Shell equivalent: `curl -sS -o /dev/null -w '%{http_code} %{time_starttransfer}\\n' -L URL`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from srvdoctor.probes.tls import client_context

MAX_REDIRECTS = 5


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
        client = httpx.Client(
            verify=client_context(),
            timeout=timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            trust_env=False,
            headers={"User-Agent": "srvdoctor"},
        )
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
            url, error=f"{type(exc).__name__}: timed out after {timeout:g} s", error_kind="timeout"
        )
    except httpx.ConnectError as exc:
        text = str(exc)
        kind = "tls" if ("SSL" in text or "CERTIFICATE" in text.upper()) else "connect"
        return HttpResult(url, error=text, error_kind=kind)
    except (httpx.RemoteProtocolError, httpx.LocalProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        return HttpResult(url, error=f"{type(exc).__name__}: {exc}", error_kind="protocol")
    except httpx.HTTPError as exc:
        return HttpResult(url, error=f"{type(exc).__name__}: {exc}", error_kind="error")
