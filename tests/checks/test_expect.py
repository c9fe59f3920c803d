"""Every expectation kind against real things: files with set mtimes, sockets, child
processes, an HTTP(S) server, a container, a command. Loopback only."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from srvdoctor.checks import registry
from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.expect import judge_gpu
from srvdoctor.config import parse_config
from srvdoctor.expect.parse import expectations_of
from srvdoctor.model import Result, Status
from srvdoctor.probes.nvml import GpuMemory
from srvdoctor.runner import run_checks
from tests.conftest import _missing_gpu
from tests.expect.helpers import ensure_busybox_image, health_server


def run_expect(text: str, timeout: float = 2.0) -> list[Result]:
    cfg = parse_config(text, Path("smoke.toml"))
    checks = registry.build(registry.select(["expect"]), cfg)
    return run_checks(checks, CheckContext(config=cfg, timeout=timeout))


def statuses(results: list[Result]) -> list[tuple[str, str, str]]:
    return [(r.check, r.status.value, r.summary) for r in results]


# --------------------------------------------------------------------------- path


def test_path_size_type_and_age(tmp_path: Path) -> None:
    fresh, old, small = tmp_path / "fresh.bin", tmp_path / "old.bin", tmp_path / "small.bin"
    fresh.write_bytes(b"x" * 4096)
    old.write_bytes(b"x" * 4096)
    small.write_bytes(b"x" * 10)
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    results = run_expect(f"""
[[expect.path]]
path = "{fresh}"
kind = "file"
min_bytes = "4KiB"
max_age = "10m"
[[expect.path]]
path = "{old}"
max_age = "10m"
[[expect.path]]
path = "{small}"
min_bytes = "1KiB"
[[expect.path]]
path = "{tmp_path}"
kind = "file"
[[expect.path]]
path = "{tmp_path}/models/llama/w.bin"
""")
    got = [(r.status, r.summary.split(" (")[0] if r.status is Status.OK else r.summary) for r in results]
    assert got[0][0] is Status.OK and got[0][1].startswith(f"{fresh} is a file, 4.0 KiB, modified")
    assert got[1:] == [
        (Status.FAIL, f"{old} was last modified 1h00m ago (max_age 10m00s)"),
        (Status.FAIL, f"{small} is 10 B, smaller than 1.0 KiB"),
        (Status.FAIL, f"{tmp_path} is a dir, expected a file"),
        (Status.FAIL, f"{tmp_path}/models/llama/w.bin does not exist ({tmp_path}/models does not exist)"),
    ]
    assert {r.playbook for r in results[1:]} == {"stale-artifact"}
    assert results[1].data["config"] == "smoke.toml:7" and results[1].data["age_s"] >= 3600


# --------------------------------------------------------------------------- port and listen


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock
    sock.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_port_open_and_closed(listening: socket.socket) -> None:
    port, closed = listening.getsockname()[1], _closed_port()
    results = run_expect(f"""
[[expect.port]]
target = "127.0.0.1:{port}"
[[expect.port]]
target = "127.0.0.1:{closed}"
[[expect.port]]
target = "127.0.0.1:{closed}"
state = "closed"
[[expect.port]]
target = "127.0.0.1:{port}"
state = "closed"
""")
    assert statuses(results) == [
        ("expect.port", "ok", f"127.0.0.1:{port} is open (accepts connections on 127.0.0.1)"),
        ("expect.port", "fail", f"127.0.0.1:{closed} is not open: connection refused"),
        ("expect.port", "ok", f"127.0.0.1:{closed} is closed (connection refused)"),
        ("expect.port", "fail", f"127.0.0.1:{port} accepts connections but should be closed"),
    ]


def test_port_reports_tcp_states_as_before() -> None:
    """probes/tcp.py's finer states fold into expect.port's own (as its old connect probe did)."""
    from srvdoctor.checks.expect import tcp_outcome
    from srvdoctor.probes.tcp import TcpResult

    def got(state: str, error: str = "") -> tuple[str, str]:
        out = tcp_outcome(TcpResult("127.0.0.2", 80, state, 1.0, error), 3.0, 0.5)
        return out.state, out.message

    assert [
        got("open"),
        got("refused", "[Errno 111] Connection refused"),
        got("filtered", "Connection timed out after 3 s"),
        got("unreachable", "[Errno 113] No route to host"),
        got("rejected", "[Errno 1] Operation not permitted"),
        got("error", "[Errno 22] Invalid argument"),
    ] == [
        ("open", "accepts connections on 127.0.0.2"),
        ("refused", "connection refused"),
        ("timeout", "no answer within 3 s (filtered?)"),
        ("unreachable", "No route to host"),
        ("unreachable", "Operation not permitted"),
        ("unreachable", "Invalid argument"),
    ]


@pytest.mark.root
def test_listen_address_and_process(listening: socket.socket) -> None:
    port, closed = listening.getsockname()[1], _closed_port()
    me = psutil.Process().name()
    results = run_expect(f"""
[[expect.listen]]
port = {port}
address = "127.0.0.1"
process = "{me}"
[[expect.listen]]
port = {port}
address = "0.0.0.0"
[[expect.listen]]
port = {port}
process = "sdexpect-nginx"
[[expect.listen]]
port = {closed}
""")
    assert statuses(results) == [
        ("expect.listen", "ok", f"listening: 127.0.0.1:{port} ({me})"),
        ("expect.listen", "fail", f"port {port} listens on 127.0.0.1:{port} ({me}), not on 0.0.0.0"),
        ("expect.listen", "fail", f"port {port} is held by 127.0.0.1:{port} ({me}), not sdexpect-nginx"),
        ("expect.listen", "fail", f"nothing listens on port {closed}"),
    ]
    assert results[1].details == (
        "it is bound to loopback only: other machines cannot reach it; start the server with --host 0.0.0.0",
    )
    assert results[0].data["listeners"] == [{"address": "127.0.0.1", "pid": os.getpid(), "process": me}]


# --------------------------------------------------------------------------- process


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Two children named sdexpect-worker (a copy of sleep), with a marker in their argv."""
    exe = tmp_path / "sdexpect-worker"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", exe)
    procs = [subprocess.Popen([str(exe), f"{300 + i}"]) for i in range(2)]
    yield procs
    for p in procs:
        p.kill()
        p.wait()


def test_process_by_name_cmdline_count_and_user(workers: list[subprocess.Popen[bytes]]) -> None:
    me = psutil.Process().username()
    results = run_expect(f"""
[[expect.process]]
name = "sdexpect-worker"
min = 2
user = "{me}"
[[expect.process]]
cmdline = "sdexpect-worker 301$"
[[expect.process]]
name = "sdexpect-worker"
min = 3
[[expect.process]]
name = "sdexpect-worker"
user = "sdexpect-nobody"
""")
    pids = sorted(p.pid for p in workers)
    assert [(r.status, r.data["count"]) for r in results] == [
        (Status.OK, 2), (Status.OK, 1), (Status.FAIL, 2), (Status.FAIL, 0),
    ]  # fmt: skip
    assert sorted(results[0].data["pids"]) == pids and results[1].data["pids"] == [workers[1].pid]
    assert results[2].summary.startswith("2 running, expected at least 3 (pid ")
    assert results[3].summary == "0 running, expected one" and results[3].hints == (
        "pgrep -a sdexpect-worker",
    )


# --------------------------------------------------------------------------- command


def test_command_exit_output_and_timeout() -> None:
    py = sys.executable
    results = run_expect(f"""
[[expect.command]]
run = ["{py}", "-c", "print('model loaded: tiny'); raise SystemExit(3)"]
exit = 3
contains = "regex:loaded: \\\\w+"
[[expect.command]]
run = ["{py}", "-c", "import sys; print('boom', file=sys.stderr); sys.exit(1)"]
[[expect.command]]
run = ["sleep", "5"]
timeout = "300ms"
[[expect.command]]
run = ["sdexpect-no-such-command"]
""")
    assert [(r.status, r.summary) for r in results[1:]] == [
        (Status.FAIL, "exited 1, expected 0"),
        (Status.FAIL, "did not finish within 0.3 s (raise timeout = ...)"),
        (Status.FAIL, "sdexpect-no-such-command: command not found"),
    ]
    assert results[0].status is Status.OK and results[0].summary.startswith("exited 3 in ")
    assert results[1].details == ("| boom",) and results[1].playbook == "deploy-unhealthy"


# --------------------------------------------------------------------------- http


def test_http_status_body_json_latency_headers_and_method() -> None:
    with health_server() as srv:
        refused = _closed_port()
        results = run_expect(f"""
[[expect.http]]
url = "{srv.url()}"
contains = "regex:\\"name\\": \\"tiny\\""
json = [{{path = "status", equals = "ok"}}, {{path = "model.replicas.1", equals = 2}}]
within = "2s"
[[expect.http]]
url = "{srv.url("/echo")}"
method = "POST"
headers = {{X-Deploy = "sdexpect-42"}}
json = {{path = "headers.X-Deploy", equals = "sdexpect-42"}}
[[expect.http]]
url = "{srv.url()}"
status = [503, 204]
json = {{path = "model.name"}}
[[expect.http]]
url = "{srv.url("/slow")}"
within = "200ms"
[[expect.http]]
url = "http://127.0.0.1:{refused}/health"
""")
        assert ("POST", "/echo") in [(method, path) for method, path, _ in srv.requests]
    assert [r.status for r in results[:2]] == [Status.OK, Status.OK]
    assert results[0].data["status_code"] == 200 and results[0].summary.startswith("HTTP 200 in ")
    assert results[2].summary == "HTTP 200 OK (expected 503 or 204)"
    assert results[3].status is Status.FAIL and results[3].data["elapsed_ms"] >= 1500
    assert re.fullmatch(r"took 1\.\d s \(budget 200 ms\)", results[3].summary)
    assert (
        results[4].summary == "connection refused (no process accepts connections on that address and port)"
    )
    assert results[4].data["error"] == "refused" and results[4].playbook == "deploy-unhealthy"


def test_http_json_mismatch_names_the_value() -> None:
    with health_server(never=True) as srv:
        results = run_expect(
            f'[[expect.http]]\nurl = "{srv.url()}"\njson = {{path = "status", equals = "ok"}}\n'
        )
    assert (
        results[0].summary
        == 'HTTP 503 Service Unavailable (expected 200); JSON status is "loading", expected "ok"'
    )
    assert results[0].details == ('body: {"status": "loading"}',)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[int]:
    """An HTTPS server on 127.0.0.1 with a freshly made self-signed certificate."""
    import http.server
    import threading

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sdexpect.invalid")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256())
    )  # fmt: skip
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_https_self_signed_fails_unless_insecure(tls_server: int) -> None:
    url = f"https://127.0.0.1:{tls_server}/"
    results = run_expect(f'[[expect.http]]\nurl = "{url}"\n[[expect.http]]\nurl = "{url}"\ninsecure = true\n')
    assert results[0].status is Status.FAIL and results[0].data["error"] == "tls"
    assert "certificate verification failed: self-signed certificate" in results[0].summary
    assert results[0].hints[1].startswith("set insecure = true only for a self-signed test certificate")
    assert (results[1].status, results[1].data["status_code"]) == (Status.OK, 200)


# --------------------------------------------------------------------------- gpu


def test_gpu_without_a_gpu_fails_or_skips_when_optional() -> None:
    if _missing_gpu() is None:
        pytest.skip("this machine has a GPU; the no-GPU branch cannot be reached")
    results = run_expect(
        '[[expect.gpu]]\ncount = 1\n[[expect.gpu]]\nmin_free_memory = "20GiB"\noptional = true\n'
    )
    assert [r.status for r in results] == [Status.FAIL, Status.SKIP]
    assert results[0].summary.startswith("no usable GPU (no NVIDIA driver (") and results[0].playbook == (
        "gpu-unavailable"
    )
    assert results[1].summary.endswith("; optional = true")


@pytest.mark.gpu
def test_gpu_live_count() -> None:
    results = run_expect("[[expect.gpu]]\ncount = 1\n[[expect.gpu]]\ncount = 4096\n")
    assert [r.status for r in results] == [Status.OK, Status.FAIL]


def test_gpu_judgment_on_h200_readings() -> None:
    """Free memory as NVML reported it on an H200 with a PyTorch job holding GPU 0."""
    gib = 1 << 30
    gpus = [
        GpuMemory(0, "NVIDIA H200", 150 * gib, 9 * gib),
        GpuMemory(1, "NVIDIA H200", 150 * gib, 140 * gib),
    ]
    cfg = parse_config('[[expect.gpu]]\ncount = 2\nmin_free_memory = "20GiB"\n', Path("s.toml"))
    (exp,) = expectations_of(cfg).items
    result = judge_gpu(exp, gpus)  # type: ignore[arg-type]
    assert (result.status, result.summary) == (
        Status.FAIL, "1 GPUs have 20.0 GiB free, expected 2 (GPU 0 9.0 GiB free, GPU 1 140.0 GiB free)",
    )  # fmt: skip


# --------------------------------------------------------------------------- container


@pytest.fixture
def containers() -> Iterator[list[str]]:
    """Names of the containers a test creates; all removed at the end."""
    names: list[str] = []
    yield names
    if names:
        subprocess.run(["docker", "rm", "-f", *names], capture_output=True, timeout=60)


def _run(names: list[str], *args: str) -> str:
    name = f"sdexpect-{uuid.uuid4().hex[:10]}"
    names.append(name)
    subprocess.run(["docker", "run", "-d", "--name", name, "--network", "none", *args], check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    return name


@pytest.mark.docker
def test_container_state_health_and_restarts(containers: list[str]) -> None:
    image = ensure_busybox_image()
    running = _run(containers, image, "sleep", "300")
    exited = _run(containers, image, "sh", "-c", "exit 3")
    subprocess.run(["docker", "wait", exited], capture_output=True, timeout=60, check=True)
    results = run_expect(
        f"""
[[expect.container]]
name = "{running}"
max_restarts = 0
[[expect.container]]
name = "{running}"
health = "healthy"
[[expect.container]]
name = "{exited}"
[[expect.container]]
name = "{exited}"
state = "exited"
[[expect.container]]
name = "sdexpect-missing-{uuid.uuid4().hex[:6]}"
""",
        timeout=10,
    )
    assert [r.status for r in results] == [Status.OK, Status.WARN, Status.FAIL, Status.OK, Status.FAIL]
    assert results[0].summary == f"{running} is running ({image})"
    assert results[1].details == ("the image has no HEALTHCHECK, so health was not checked",)
    assert results[2].summary == f"{exited} is exited (exit 3), expected running"
    assert results[2].hints == (f"docker logs --tail 50 {exited}", f"docker inspect {exited}")
    assert results[4].summary.startswith("no container named sdexpect-missing-")


@pytest.mark.docker
def test_container_unhealthy_names_healthcheck_output(containers: list[str]) -> None:
    image = ensure_busybox_image()
    name = _run(containers, "--health-cmd", "echo sdexpect-probe-said-no; exit 1", "--health-interval", "200ms",
                "--health-retries", "1", image, "sleep", "300")  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        proc = subprocess.run(["docker", "inspect", "-f", "{{.State.Health.Status}}", name], capture_output=True,
                              text=True, timeout=30)  # fmt: skip
        if proc.stdout.strip() == "unhealthy":
            break
        time.sleep(0.2)
    results = run_expect(f'[[expect.container]]\nname = "{name}"\nhealth = "healthy"\n', timeout=10)
    assert (results[0].status, results[0].summary) == (
        Status.FAIL,
        f"{name} health is unhealthy, expected healthy",
    )
    assert results[0].details == ("last healthcheck output: sdexpect-probe-said-no",)


def test_container_skips_when_no_daemon_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    results = run_expect('[[expect.container]]\nname = "model-server"\n')
    assert results[0].status is Status.SKIP and results[0].summary.startswith("no Docker daemon answers: ")
    assert results[0].details == ("start Docker (systemctl start docker) or set DOCKER_HOST, then run again",)


def test_container_is_an_error_when_the_daemon_is_there_but_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A socket that accepts and never answers (a hung dockerd): the expectation could not be
    checked, which is not the same as "no Docker here" (a skip)."""
    path = tmp_path / "hung.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as hung:
        hung.bind(str(path))
        hung.listen(8)
        monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
        (result,) = run_expect('[[expect.container]]\nname = "model-server"\n', timeout=0.5)
    assert (result.status, result.summary) == (
        Status.ERROR,
        f"the Docker daemon does not answer: unix://{path} did not answer within 0.5 s",
    )


@pytest.mark.root
@pytest.mark.docker
def test_container_skips_with_the_fix_when_this_user_may_not_use_the_daemon() -> None:
    """As a user outside the docker group: the daemon is there, the expectation cannot be checked
    by this user (a skip naming the permission), never "no Docker daemon"."""
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as shared:
        os.chmod(shared, 0o755)
        config = Path(shared) / "smoke.toml"
        config.write_text('[[expect.container]]\nname = "model-server"\n')
        config.chmod(0o644)
        env = {**os.environ, "HOME": "/tmp"}
        env.pop("DOCKER_HOST", None)
        proc = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "srvdoctor",
             "check", "--only", "expect", "-c", str(config), "--format", "json"],
            capture_output=True, text=True, env=env, cwd="/", timeout=60,
        )  # fmt: skip
    (result,) = json.loads(proc.stdout)["results"]
    assert (result["status"], result["summary"]) == (
        "skip",
        "cannot use the Docker daemon: permission denied while connecting to /var/run/docker.sock",
    ), proc.stderr


def test_a_slow_expectation_gets_its_own_timeout_not_the_probe_timeout() -> None:
    """The runner's deadline for expect checks is their longest `timeout`, not --timeout."""
    cfg = parse_config('[[expect.command]]\nrun = ["sleep", "1.5"]\ntimeout = "10s"\n', Path("smoke.toml"))
    checks = registry.build(registry.select(["expect"]), cfg)
    (result,) = run_checks(checks, CheckContext(config=cfg, timeout=0.2))
    assert (result.status, result.data["exit"]) == (Status.OK, 0)


@pytest.mark.root
def test_container_skips_when_there_is_no_docker_socket_at_all(tmp_path: Path) -> None:
    """DOCKER_HOST unset and neither /run/docker.sock nor the rootless socket: a skip naming
    what was looked for, not a check that 'could not run'. /run is hidden by a tmpfs in a
    mount namespace of its own, so the real engine's socket really is absent."""
    config = tmp_path / "smoke.toml"
    config.write_text('[[expect.container]]\nname = "model-server"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "XDG_RUNTIME_DIR")}
    script = 'mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/run 2>/dev/null; exec "$@"'
    cli = [
        sys.executable,
        "-m",
        "srvdoctor",
        "check",
        "--only",
        "expect",
        "-c",
        str(config),
        "--format",
        "json",
    ]
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *cli], capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip
    import json

    (result,) = json.loads(proc.stdout)["results"]
    assert (result["status"], result["summary"]) == (
        "skip",
        "no Docker daemon answers: no Docker socket: DOCKER_HOST is unset, "
        "/var/run/docker.sock and /run/user/0/docker.sock do not exist",
    ), proc.stderr
