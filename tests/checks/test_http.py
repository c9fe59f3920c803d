"""http.status and http.tls: judgment on values, and a real TLS server on loopback whose
certificate (signed by a CA the test makes and trusts through SSL_CERT_FILE) expires soon."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from srvdoctor.checks.http import HttpStatus, HttpTls
from srvdoctor.model import Status
from srvdoctor.probes.http import HttpResult
from srvdoctor.probes.tls import TlsResult
from srvdoctor.targets import parse_target

URL = parse_target("http://127.0.0.1:8888/lab")


def test_jupyter_token_hint_on_403() -> None:
    r = HttpStatus().judge(URL, HttpResult(URL.raw, status=403, reason="Forbidden", ttfb_ms=3.0))
    assert (r.status, r.playbook, r.summary) == (Status.FAIL, "http-error", "HTTP 403 Forbidden in 3 ms")
    assert "token" in r.details[0]


def test_redirects_are_listed_and_slow_answers_warn() -> None:
    h = HttpResult(URL.raw, status=200, reason="OK", ttfb_ms=2500.0, redirects=((302, "/lab?"),))
    r = HttpStatus().judge(URL, h)
    assert (r.status, r.details) == (Status.WARN, ("redirects: 302 /lab?",))
    assert HttpStatus(warn_ttfb_s=5).judge(URL, h).status is Status.OK


def test_tls_thresholds() -> None:
    t = parse_target("https://example.test/")
    soon = TlsResult(
        "example.test", "10.0.0.1", 443, "ok", days_left=13.5, not_after="2026-12-10T00:00:00+00:00"
    )
    assert HttpTls().judge(t, soon).status is Status.WARN
    assert HttpTls(warn_days=7).judge(t, soon).status is Status.OK
    mismatch = TlsResult("example.test", "10.0.0.1", 443, "hostname-mismatch", "Hostname mismatch")
    assert HttpTls().judge(t, mismatch).summary == "TLS failed: the certificate is for another name"


def _cert(subject: str, issuer_key: ec.EllipticCurvePrivateKey | None, issuer: str | None, days: float,
          ca: bool) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer or subject)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256()), key


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    ca, ca_key = _cert("sdnet test CA", None, None, 30, ca=True)
    leaf, leaf_key = _cert("127.0.0.1", ca_key, "sdnet test CA", 5, ca=False)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.key").write_bytes(leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))  # fmt: skip
    server = HTTPServer(("127.0.0.1", 0), _Ok)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], tmp_path / "ca.pem"
    server.shutdown()
    server.server_close()


def test_certificate_expiring_in_five_days_warns(tls_server: tuple[int, Path], cli) -> None:  # type: ignore[no-untyped-def]
    port, ca = tls_server
    url = f"https://127.0.0.1:{port}/"
    result = cli("port", url, "--format", "json", env={"SSL_CERT_FILE": str(ca)})
    by_check = {r["check"]: r for r in json.loads(result.stdout)["results"]}
    tls, http = by_check["http.tls"], by_check["http.status"]
    assert (tls["status"], tls["data"]["tls"], tls["playbook"]) == ("warn", "ok", "tls-error")
    assert 4.9 < tls["data"]["days_left"] < 5.1 and tls["summary"].startswith(
        "certificate expires in 5.0 days"
    )
    assert (http["status"], http["data"]["status_code"]) == ("ok", 200)
    assert result.rc == 0
