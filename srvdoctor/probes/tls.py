"""A TLS handshake, verified the way browsers and httpx verify, with the failure told apart.

Shell equivalent: `openssl s_client -connect HOST:PORT -servername HOST </dev/null`.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from typing import TYPE_CHECKING

from srvdoctor.record import dataclass

if TYPE_CHECKING:
    import ssl

from srvdoctor.messages import t

# OpenSSL X509_V_ERR_* codes (include/openssl/x509_vfy.h)
_EXPIRED = 10
_NOT_YET_VALID = 9
_SELF_SIGNED = 18
_SELF_SIGNED_IN_CHAIN = 19
_UNKNOWN_ISSUER = (2, 20, 21)
_HOSTNAME_MISMATCH = (62, 64)


@dataclass(frozen=True)
class TlsResult:
    """`kind`: ok | expired | not-yet-valid | self-signed | unknown-ca | hostname-mismatch |
    not-tls | handshake | timeout | connect."""

    host: str
    address: str
    port: int
    kind: str
    message: str = ""
    verify_code: int | None = None
    not_after: str | None = None  # ISO 8601, UTC
    days_left: float | None = None
    subject: str = ""
    issuer: str = ""
    version: str = ""
    self_signed: bool = False
    elapsed_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def client_context() -> ssl.SSLContext:
    """The context srvdoctor verifies with (the system trust store), shared with httpx."""
    import ssl  # here: a command that makes no TLS handshake need not load OpenSSL

    return ssl.create_default_context()


def _classify(exc: ssl.SSLCertVerificationError) -> str:
    code = exc.verify_code
    if code == _EXPIRED:
        return "expired"
    if code == _NOT_YET_VALID:
        return "not-yet-valid"
    if code in (_SELF_SIGNED, _SELF_SIGNED_IN_CHAIN):
        return "self-signed"
    if code in _UNKNOWN_ISSUER:
        return "unknown-ca"
    if code in _HOSTNAME_MISMATCH:
        return "hostname-mismatch"
    return "handshake"


def _name(rdns: object) -> str:
    parts: list[str] = []
    if isinstance(rdns, tuple):
        for rdn in rdns:
            for key, value in rdn:
                if key in ("commonName", "organizationName"):
                    parts.append(f"{'CN' if key == 'commonName' else 'O'}={value}")
    return ", ".join(parts)


def _from_der(der: bytes) -> tuple[str | None, str, str]:
    """(notAfter ISO, subject, issuer) of a DER certificate; needs `cryptography`, else unknown."""
    try:
        from cryptography import x509
    except ImportError:
        return None, "", ""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None, "", ""
    return (
        cert.not_valid_after_utc.isoformat(),
        cert.subject.rfc4514_string(),
        cert.issuer.rfc4514_string(),
    )


def _days_left(not_after_iso: str | None, now: dt.datetime) -> float | None:
    if not not_after_iso:
        return None
    return (dt.datetime.fromisoformat(not_after_iso) - now).total_seconds() / 86400


def handshake(host: str, address: str, port: int, timeout: float) -> TlsResult:
    """Connect to `address:port`, handshake with SNI `host`, verify; never raises."""
    import ssl  # here: a command that makes no TLS handshake need not load OpenSSL

    now = dt.datetime.now(dt.timezone.utc)
    started = time.perf_counter()

    def elapsed() -> float:
        return (time.perf_counter() - started) * 1000

    ctx = client_context()
    try:
        raw = socket.create_connection((address, port), timeout=timeout)
    except TimeoutError:
        return TlsResult(
            host, address, port, "timeout", t("TCP connect timed out after {timeout:g} s", timeout=timeout)
        )
    except OSError as exc:
        return TlsResult(host, address, port, "connect", str(exc))
    try:
        with ctx.wrap_socket(raw, server_hostname=host) as tls:
            cert = tls.getpeercert() or {}
            not_after_raw = cert.get("notAfter")
            not_after = (
                dt.datetime.fromtimestamp(
                    ssl.cert_time_to_seconds(str(not_after_raw)), dt.timezone.utc
                ).isoformat()
                if not_after_raw
                else None
            )
            return TlsResult(
                host,
                address,
                port,
                "ok",
                not_after=not_after,
                days_left=_days_left(not_after, now),
                subject=_name(cert.get("subject")),
                issuer=_name(cert.get("issuer")),
                version=tls.version() or "",
                elapsed_ms=elapsed(),
            )
    except ssl.SSLCertVerificationError as exc:
        kind = _classify(exc)
        not_after, subject, issuer = _unverified_cert(host, address, port, timeout)
        left = _days_left(not_after, now)
        self_signed = kind == "self-signed" or (bool(subject) and subject == issuer)
        if left is not None and left < 0:
            kind = "expired"  # OpenSSL names one error; expiry is the one to fix first
        return TlsResult(
            host,
            address,
            port,
            kind,
            f"{exc.verify_message} (SSL: CERTIFICATE_VERIFY_FAILED)",
            verify_code=exc.verify_code,
            not_after=not_after,
            days_left=left,
            subject=subject,
            issuer=issuer,
            self_signed=self_signed,
            elapsed_ms=elapsed(),
        )
    except ssl.SSLError as exc:
        reason = str(exc.reason or exc)
        not_tls = any(r in reason.upper() for r in ("WRONG_VERSION_NUMBER", "RECORD_LAYER", "PACKET_LENGTH"))
        return TlsResult(
            host, address, port, "not-tls" if not_tls else "handshake", f"SSL: {reason}", elapsed_ms=elapsed()
        )
    except TimeoutError:
        return TlsResult(
            host,
            address,
            port,
            "timeout",
            t("TLS handshake timed out after {timeout:g} s", timeout=timeout),
            elapsed_ms=elapsed(),
        )
    except OSError as exc:
        return TlsResult(host, address, port, "handshake", str(exc), elapsed_ms=elapsed())


def speaks_tls(address: str, port: int, timeout: float) -> bool:
    """True when `address:port` completes a TLS handshake (certificate not checked)."""
    import ssl  # here: a command that makes no TLS handshake need not load OpenSSL

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((address, port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=None),
        ):
            return True
    except OSError:
        return False


def _unverified_cert(host: str, address: str, port: int, timeout: float) -> tuple[str | None, str, str]:
    import ssl  # here: a command that makes no TLS handshake need not load OpenSSL

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((address, port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except OSError:
        return None, "", ""
    return _from_der(der) if der else (None, "", "")
