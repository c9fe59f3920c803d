"""A two-namespace lab for network tests: a server namespace and a client namespace.

Both are created by the test (`sdnet-srv-XXXX`, `sdnet-cli-XXXX`), joined by one veth
pair inside 10.231.0.0/16, with no default route in either, so nothing can leave the
machine even when setup goes wrong. srvdoctor runs *inside* the client namespace.
iptables rules only ever go into these namespaces.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERVER_SCRIPT = Path(__file__).resolve().parent / "netlab_server.py"


def sh(*cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), capture_output=True, text=True, check=check, timeout=30)


@dataclass
class NetLab:
    suffix: str = field(default_factory=lambda: secrets.token_hex(3))
    subnet: int = field(default_factory=lambda: 1 + secrets.randbelow(250))
    procs: list[subprocess.Popen[str]] = field(default_factory=list)
    tmp: Path | None = None

    @property
    def srv(self) -> str:
        return f"sdnet-srv-{self.suffix}"

    @property
    def cli_ns(self) -> str:
        return f"sdnet-cli-{self.suffix}"

    @property
    def client_ip(self) -> str:
        return f"10.231.{self.subnet}.1"

    @property
    def server_ip(self) -> str:
        return f"10.231.{self.subnet}.2"

    @property
    def etc_dir(self) -> Path:
        return Path("/etc/netns") / self.cli_ns

    def up(self) -> NetLab:
        try:
            return self._up()
        except BaseException:
            self.down()  # a half-built lab leaves nothing behind
            raise

    def _up(self) -> NetLab:
        a, b = f"sdv{self.suffix}a", f"sdv{self.suffix}b"
        sh("ip", "netns", "add", self.srv)
        sh("ip", "netns", "add", self.cli_ns)
        sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
        sh("ip", "link", "set", a, "netns", self.cli_ns)
        sh("ip", "link", "set", b, "netns", self.srv)
        sh("ip", "-n", self.cli_ns, "addr", "add", f"{self.client_ip}/24", "dev", a)
        sh("ip", "-n", self.srv, "addr", "add", f"{self.server_ip}/24", "dev", b)
        for ns, dev in ((self.cli_ns, a), (self.srv, b)):
            sh("ip", "-n", ns, "link", "set", dev, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        return self

    def down(self) -> None:
        for proc in self.procs:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):  # never let cleanup stop halfway
                proc.wait(timeout=10)
        for ns in (self.cli_ns, self.srv):
            sh("ip", "netns", "del", ns, check=False)
        # a veth end that never moved into its namespace is still in the root namespace
        sh("ip", "link", "del", f"sdv{self.suffix}a", check=False)
        shutil.rmtree(self.etc_dir, ignore_errors=True)

    def iptables(self, *rule: str) -> None:
        """Add a rule inside the server namespace (never the root namespace)."""
        sh("ip", "netns", "exec", self.srv, "iptables", *rule)

    def serve(self, *args: str, ns: str | None = None) -> subprocess.Popen[str]:
        """Start tests/netlab_server.py inside a namespace; waits until it prints 'ready'."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", ns or self.srv, sys.executable, str(SERVER_SCRIPT), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "ready", (line, proc.stderr.read() if proc.stderr else "")
        return proc

    def run(self, *args: str, ns: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """`python -m srvdoctor ARGS` inside the client namespace (or `ns`)."""
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "SRVDOCTOR_CONFIG": os.devnull}
        return subprocess.run(
            ["ip", "netns", "exec", ns or self.cli_ns, sys.executable, "-m", "srvdoctor", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=timeout,
        )

    def resolv_conf(self, text: str) -> None:
        """/etc/resolv.conf as the client namespace sees it (ip netns exec bind-mounts it)."""
        self.etc_dir.mkdir(parents=True, exist_ok=True)
        (self.etc_dir / "resolv.conf").write_text(text)


def expired_cert(directory: Path, ip: str) -> tuple[Path, Path]:
    """A self-signed certificate for `ip` that expired yesterday, made with cryptography."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sdnet-expired")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now - dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def wait_for(predicate: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def results(report: dict[str, object], check: str | None = None) -> Sequence[dict[str, object]]:
    found = report["results"]
    assert isinstance(found, list)
    return [r for r in found if check is None or r["check"] == check]
