"""A Docker-published port: `srvdoctor port` names docker-proxy and the container."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.root]

IMAGE = "srvdoctor-net-test/busybox:1"


def _docker(*args: str, check: bool = True) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=120).stdout


@pytest.fixture
def container(tmp_path: Path) -> Iterator[tuple[str, int]]:
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    shutil.copy("/bin/busybox", root / "bin" / "busybox")
    for applet in ("sh", "httpd", "sleep"):
        (root / "bin" / applet).symlink_to("busybox")
    (root / "www").mkdir()
    (root / "www" / "index.html").write_text("ok\n")
    tar = subprocess.run(["tar", "-C", str(root), "-c", "."], capture_output=True, check=True).stdout
    subprocess.run(["docker", "import", "-", IMAGE], input=tar, capture_output=True, check=True, timeout=120)
    name = f"sdnet-{secrets.token_hex(3)}"
    _docker("run", "-d", "--name", name, "-p", "127.0.0.1::8080", IMAGE,
            "/bin/httpd", "-f", "-p", "8080", "-h", "/www")  # fmt: skip
    try:
        port = int(_docker("port", name, "8080/tcp").strip().rsplit(":", 1)[1])
        yield name, port
    finally:
        _docker("rm", "-f", name, check=False)
        _docker("rmi", IMAGE, check=False)


def test_published_port_names_docker_proxy_and_the_container(container: tuple[str, int], cli) -> None:  # type: ignore[no-untyped-def]
    name, port = container
    result = cli("port", f"http://127.0.0.1:{port}/", "--format", "json")
    by_check = {r["check"]: r for r in json.loads(result.stdout)["results"]}
    listen = by_check["port.listen"]
    assert listen["data"]["listeners"][0]["process"] == "docker-proxy", listen
    assert f"for container {name} (" in listen["summary"]
    assert by_check["http.status"]["data"]["status_code"] == 200
