"""probes/docker_api.py answers as the Docker SDK's APIClient does, on the real engine."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from srvdoctor.probes.docker_api import ApiError, UnixApiClient, api_client
from tests.dockerutil import Containers, containers, docker_image  # noqa: F401  (fixtures)

SOCKET = "/var/run/docker.sock"


def _sdk() -> object:
    import docker

    return docker.APIClient(base_url=f"unix://{SOCKET}", version="auto", timeout=10)


@pytest.mark.docker
def test_reads_are_the_sdks(containers: Containers) -> None:  # noqa: F811
    # stdout and stderr reach the log through two copiers: the marker comes last, after a pause
    plain = containers.run("echo err >&2; echo out; sleep 0.5; echo sddocker-done")
    # a TTY container that exits at once can lose its output (the pty closes first): it waits
    tty = containers.run("sleep 1; echo on-a-tty; echo sddocker-done; sleep 60", "-t")
    for name in (plain, tty):
        containers.wait_done(name)
    mine, sdk = UnixApiClient(SOCKET, 10), _sdk()
    assert mine.version(api_version=False)["ApiVersion"] == sdk.version(api_version=False)["ApiVersion"]  # type: ignore[attr-defined]
    assert mine.info()["DockerRootDir"] == sdk.info()["DockerRootDir"]  # type: ignore[attr-defined]
    listed = {c["Id"] for c in mine.containers(all=True)}
    assert listed == {c["Id"] for c in sdk.containers(all=True)}  # type: ignore[attr-defined]
    assert {containers.inspect(n, "{{.Id}}") for n in (plain, tty)} <= listed
    running = {c["Id"] for c in mine.containers(all=True, filters={"status": "running"}, limit=50)}
    assert running == {c["Id"] for c in sdk.containers(all=True, filters={"status": "running"}, limit=50)}  # type: ignore[attr-defined]
    for name in (plain, tty):
        assert mine.inspect_container(name) == sdk.inspect_container(name)  # type: ignore[attr-defined]
        for tail in (1, 10, "all"):
            assert mine.logs(name, tail=tail) == sdk.logs(name, stdout=True, stderr=True, tail=tail)  # type: ignore[attr-defined]
    assert b"err" in mine.logs(plain, tail="all") and b"\x01\x00\x00\x00" not in mine.logs(plain)
    assert set(mine.df()) == set(sdk.df())  # type: ignore[attr-defined]


@pytest.mark.docker
def test_an_error_answer_is_worded_as_the_sdk_words_it() -> None:
    import docker.errors

    with pytest.raises(ApiError) as mine:
        UnixApiClient(SOCKET, 10).inspect_container("sddocker-no-such-container")
    with pytest.raises(docker.errors.NotFound) as sdk:
        _sdk().inspect_container("sddocker-no-such-container")  # type: ignore[attr-defined]
    assert mine.value.status_code == sdk.value.status_code == 404
    assert str(mine.value) == str(sdk.value)


def test_a_chunked_answer_is_read_to_its_end(tmp_path: Path) -> None:
    """An engine (here a socket server of the test's own) that answers in chunks."""
    path = str(tmp_path / "engine.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    seen: list[bytes] = []

    def serve() -> None:
        for body in (b'{"ApiVersion": "1.41", "Version": "x"}', b'{"Containers": 3}'):
            conn, _ = server.accept()
            seen.append(conn.recv(65536))
            half = len(body) // 2
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                         + f"{half:x}\r\n".encode() + body[:half] + b"\r\n"
                         + f"{len(body) - half:x}\r\n".encode() + body[half:] + b"\r\n0\r\n\r\n")  # fmt: skip
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = UnixApiClient(path, 5)
    assert client.info() == {"Containers": 3}
    assert seen[0].startswith(b"GET /version HTTP/1.1\r\n") and seen[1].startswith(
        b"GET /v1.41/info HTTP/1.1\r\n"
    )
    thread.join(5)
    server.close()


def test_a_unix_socket_needs_no_sdk_and_anything_else_goes_through_it(tmp_path: Path) -> None:
    import docker.errors

    assert isinstance(api_client("unix:///var/run/docker.sock", 3, env={}), UnixApiClient)
    with pytest.raises(docker.errors.DockerException):  # the SDK, asking 127.0.0.1:1 for its version
        api_client("tcp://127.0.0.1:1", 1, env={})
    tls = {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)}
    with pytest.raises(docker.errors.DockerException):  # the SDK, looking for the certificates
        api_client("unix:///var/run/docker.sock", 1, env=tls)
