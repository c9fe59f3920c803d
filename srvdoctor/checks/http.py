"""HTTP and TLS of URL targets: the answer decides, not the handshake.

Both checks climb the same ladder first (name, then TCP, shared with port.tcp through
the memo); a URL whose port does not answer is skipped here and reported by port.tcp.
"""

from __future__ import annotations

from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.netcommon import Reach, config_targets, reach_all
from srvdoctor.messages import N_, t
from srvdoctor.model import Result, Status
from srvdoctor.probes.http import HttpResult, get
from srvdoctor.probes.timeout import map_with_timeout
from srvdoctor.probes.tls import TlsResult, handshake, speaks_tls
from srvdoctor.record import dataclass
from srvdoctor.shellcmd import cmd
from srvdoctor.targets import Target

#: Translated where they are used (`t(...)`).
_HTTP_HINTS: dict[int, str] = {
    401: N_("401/403 from Jupyter usually means a missing token: open the URL `jupyter server list` prints"),
    403: N_("401/403 from Jupyter usually means a missing token: open the URL `jupyter server list` prints"),
    404: N_("the server answers but has no such path: check the URL (and a proxy's base path)"),
    502: N_("a proxy in front (nginx, a load balancer) could not reach the application behind it"),
    503: N_("the application is overloaded, starting, or in maintenance"),
    504: N_("a proxy in front gave up waiting for the application behind it"),
}

_TLS_WORDS: dict[str, str] = {
    "expired": N_("the certificate has expired"),
    "not-yet-valid": N_("the certificate is not valid yet (check the clock: timedatectl)"),
    "self-signed": N_("the certificate is self-signed (no trusted CA signed it)"),
    "unknown-ca": N_("the certificate is from a CA this machine does not trust (or its chain is incomplete)"),
    "hostname-mismatch": N_("the certificate is for another name"),
    "not-tls": N_("the port speaks plain HTTP, not TLS: use http://, or the TLS port"),
    "handshake": N_("the TLS handshake failed"),
    "timeout": N_("the TLS handshake did not finish in time"),
    "connect": N_("the TCP connection failed"),
}


def _url_reaches(ctx: CheckContext) -> list[Reach]:
    targets = [t for t in config_targets(ctx) if isinstance(t, Target) and t.is_url]
    return reach_all(ctx, targets)


def _skip(check_id: str, r: Reach) -> Result:
    summary = (
        t("not reached: the name did not resolve (see port.tcp)")
        if r.tcp is None
        else t("not reached: TCP {state} (see port.tcp)", state=r.tcp.state)
    )
    return Result(check_id, r.target.raw, Status.SKIP, summary)


def fetch_all(ctx: CheckContext, reaches: list[Reach]) -> dict[str, HttpResult]:
    """One GET per URL whose port answered, concurrently, shared by the checks."""
    urls = [r.target.url or "" for r in reaches if r.tcp is not None and r.tcp.ok]

    def one(url: str) -> HttpResult:
        return ctx.memo(f"http:{url}", lambda: get(url, ctx.timeout))

    got = map_with_timeout(one, urls, ctx.timeout * 2, lambda u: f"GET {u}")
    return {
        u: g if isinstance(g, HttpResult) else HttpResult(u, error=str(g), error_kind="timeout")
        for u, g in zip(urls, got, strict=True)
    }


def plain_to_tls(r: Reach, h: HttpResult, timeout: float) -> bool:
    """An http:// URL that got no answer (or a 400) from a port that speaks TLS."""
    if r.target.scheme != "http" or r.tcp is None or h.error_kind == "timeout":
        return False
    if h.status is not None and h.status != 400:
        return False
    return speaks_tls(r.tcp.address, r.target.port, timeout)


@dataclass(frozen=True)
class HttpStatus:
    """GET every `[targets] urls` entry through httpx: status, time to first byte, redirects.

    2xx/3xx after at most 5 redirects is ok; a time to first byte over `warn_ttfb_s` (2 s)
    warns; 4xx/5xx fails (http-error); a TLS failure fails (tls-error). Proxies from the
    environment are not used. Shell equivalent: `curl -sS -o /dev/null -w '%{http_code}' -L URL`.
    """

    id: ClassVar[str] = "http.status"
    area: ClassVar[str] = "network"
    playbooks: ClassVar[tuple[str, ...]] = ("http-error", "tls-error", "port-filtered")
    timeout_factor: ClassVar[float] = 4.0
    warn_ttfb_s: float = 2.0

    def run(self, ctx: CheckContext) -> list[Result]:
        reaches = _url_reaches(ctx)
        answers = fetch_all(ctx, reaches)
        out: list[Result] = []
        for r in reaches:
            url = r.target.url or ""
            if url not in answers:
                out.append(_skip(self.id, r))
                continue
            out.append(self.judge(r.target, answers[url], plain_to_tls(r, answers[url], ctx.timeout)))
        return out

    def judge(self, target: Target, h: HttpResult, speaks_tls: bool = False) -> Result:
        """`speaks_tls`: an http:// URL's port completed a TLS handshake (plain HTTP sent to TLS)."""
        data: dict[str, object] = {
            "url": h.url,
            "status_code": h.status,
            "ttfb_ms": round(h.ttfb_ms, 3) if h.ttfb_ms else None,
            "redirects": [{"status": s, "location": loc} for s, loc in h.redirects],
            "final_url": h.final_url or None,
            "http_version": h.http_version or None,
            "server": h.server or None,
        }
        if h.status is None:
            if h.error_kind == "tls":
                return Result(
                    self.id,
                    target.raw,
                    Status.FAIL,
                    t("TLS failed before any HTTP answer: {error}", error=h.error),
                    data=data,
                    playbook="tls-error",
                    hints=(cmd("srvdoctor", "port", target.raw),),
                )
            if speaks_tls:
                return Result(
                    self.id,
                    target.raw,
                    Status.FAIL,
                    t("no HTTP answer: the port speaks TLS, use https:// ({error})", error=h.error),
                    data=data,
                    playbook="tls-error",
                )
            if h.error_kind == "timeout" and h.error.startswith("ConnectTimeout"):
                return Result(
                    self.id,
                    target.raw,
                    Status.FAIL,
                    t("the HTTP request could not connect in time: {error}", error=h.error),
                    details=(t("the port answered a plain connect; a redirect to another host, or a full "
                               "accept queue, can leave the request's own connection unanswered"),),
                    data=data,
                    playbook="port-filtered",
                )  # fmt: skip
            if h.error_kind == "timeout":
                return Result(
                    self.id,
                    target.raw,
                    Status.FAIL,
                    t("the server accepted the connection but sent no answer: {error}", error=h.error),
                    details=(t("the application is likely hung or overloaded"),),
                    data=data,
                    playbook="http-error",
                )
            return Result(
                self.id,
                target.raw,
                Status.FAIL,
                t("no HTTP answer: {error}", error=h.error),
                data=data,
                playbook="http-error",
            )
        chain = " → ".join(f"{s} {loc}" for s, loc in h.redirects)
        details = (t("redirects: {chain}", chain=chain),) if chain else ()
        ttfb = f"{h.ttfb_ms:.0f} ms" if h.ttfb_ms is not None else "?"
        summary = (
            t(
                "HTTP {status} {reason} in {ttfb} from {server}",
                status=h.status,
                reason=h.reason,
                ttfb=ttfb,
                server=h.server,
            )
            if h.server
            else t("HTTP {status} {reason} in {ttfb}", status=h.status, reason=h.reason, ttfb=ttfb)
        )
        if h.status >= 400:
            known = _HTTP_HINTS.get(h.status)
            hint = t(known) if known else None
            if speaks_tls:
                hint = t("the port speaks TLS: plain HTTP was sent to an HTTPS port, use https://")
            return Result(
                self.id,
                target.raw,
                Status.FAIL,
                summary,
                details=(*details, *([hint] if hint else [])),
                data=data,
                playbook="http-error",
                hints=(cmd("curl", "-sv", h.final_url or h.url),),
            )
        if h.ttfb_ms is not None and h.ttfb_ms > self.warn_ttfb_s * 1000:
            return Result(
                self.id,
                target.raw,
                Status.WARN,
                t("{summary}: slower than {limit:g} s", summary=summary, limit=self.warn_ttfb_s),
                details=details,
                data=data,
            )
        return Result(self.id, target.raw, Status.OK, summary, details=details, data=data)


@dataclass(frozen=True)
class HttpTls:
    """The TLS certificate of every https:// URL target, verified with the system CAs.

    Fails on an expired, self-signed, unknown-CA or wrong-name certificate, or plain
    HTTP on the port (tls-error); warns when it expires within `warn_days` (14).
    Shell equivalent: `openssl s_client -connect HOST:443 -servername HOST | openssl x509 -noout -dates`.
    """

    id: ClassVar[str] = "http.tls"
    area: ClassVar[str] = "network"
    playbooks: ClassVar[tuple[str, ...]] = ("tls-error",)
    timeout_factor: ClassVar[float] = 3.0
    warn_days: float = 14.0

    def run(self, ctx: CheckContext) -> list[Result]:
        reaches = [r for r in _url_reaches(ctx) if r.target.scheme == "https"]
        ready = [r for r in reaches if r.tcp is not None and r.tcp.ok]

        def one(r: Reach) -> TlsResult:
            tcp = r.tcp
            assert tcp is not None
            host = r.target.connect_host
            return ctx.memo(
                f"tls:{host}:{tcp.address}:{r.target.port}",
                lambda: handshake(host, tcp.address, r.target.port, ctx.timeout),
            )

        got = map_with_timeout(one, ready, ctx.timeout * 2, lambda r: f"TLS {r.target.raw}")
        by_raw = dict(zip([r.target.raw for r in ready], got, strict=True))
        out: list[Result] = []
        for r in reaches:
            value = by_raw.get(r.target.raw)
            if value is None:
                out.append(_skip(self.id, r))
            elif isinstance(value, TlsResult):
                out.append(self.judge(r.target, value))
            else:
                out.append(
                    Result(
                        self.id, r.target.raw, Status.ERROR, t("TLS probe failed: {error}", error=str(value))
                    )
                )
        return out

    def judge(self, target: Target, tls: TlsResult) -> Result:
        data: dict[str, object] = {
            "tls": tls.kind,
            "self_signed": tls.self_signed,
            "verify_code": tls.verify_code,
            "not_after": tls.not_after,
            "days_left": round(tls.days_left, 2) if tls.days_left is not None else None,
            "subject": tls.subject or None,
            "issuer": tls.issuer or None,
            "version": tls.version or None,
        }
        connect = cmd("openssl", "s_client", "-connect", f"{tls.address}:{tls.port}", "-servername", tls.host)
        hints = (connect + " </dev/null",)
        if not tls.ok:
            details = [tls.message] if tls.message else []
            if tls.not_after:
                details.append(
                    t(
                        "valid until {date} ({subject}, issued by {issuer})",
                        date=tls.not_after,
                        subject=tls.subject,
                        issuer=tls.issuer,
                    )
                )
            words = t(_TLS_WORDS[tls.kind]) if tls.kind in _TLS_WORDS else tls.kind
            return Result(
                self.id,
                target.raw,
                Status.FAIL,
                t("TLS failed: {why} (and it is self-signed)", why=words)
                if tls.self_signed and tls.kind != "self-signed"
                else t("TLS failed: {why}", why=words),
                details=tuple(details),
                data=data,
                playbook="tls-error",
                hints=hints,
            )
        left = tls.days_left
        until = t("valid until {date}", date=tls.not_after[:10]) if tls.not_after else t("valid")
        if left is not None and left < self.warn_days:
            return Result(
                self.id,
                target.raw,
                Status.WARN,
                t(
                    "certificate expires in {days:.1f} days ({until}, {subject})",
                    days=left,
                    until=until,
                    subject=tls.subject,
                ),
                data=data,
                playbook="tls-error",
                hints=hints,
            )
        summary = (
            t(
                "{version} certificate {until}, {days:.0f} days left ({subject})",
                version=tls.version,
                until=until,
                days=left,
                subject=tls.subject,
            )
            if left is not None
            else t(
                "{version} certificate {until} ({subject})",
                version=tls.version,
                until=until,
                subject=tls.subject,
            )
        )
        return Result(self.id, target.raw, Status.OK, summary, data=data)


CHECKS = (HttpStatus, HttpTls)
