"""docker.daemon, docker.logs and docker.disk in Korean: a DOCKER_HOST socket that does not
exist or that nobody listens on, and the real Docker engine with a real container writing
real unbounded logs, through `srvdoctor docker --lang ko` and `--format json --lang ko`."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from srvdoctor.units import naturalsize
from tests.checks.test_disk_ko import json_result, table_line
from tests.conftest import CliResult
from tests.dockerutil import Containers, containers, docker_image, writer_script

__all__ = ["containers", "docker_image"]  # the fixtures, imported for pytest

MIB = 1024**2


@pytest.fixture
def dead_socket(tmp_path: Path) -> Iterator[Path]:
    """A unix socket that exists but that nothing listens on (a stopped daemon leaves one)."""
    path = tmp_path / "docker.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()
    yield path


def test_missing_socket_skips_in_korean(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    sock = tmp_path / "docker.sock"
    env = {"DOCKER_HOST": f"unix://{sock}"}
    table = cli("docker", "--lang", "ko", env=env)
    assert table.rc == 0, table.stderr
    assert table_line(table.stdout, "docker.daemon", f"unix://{sock}") == (
        f"docker.daemon unix://{sock}: 이 호스트에 Docker 데몬 없음: 소켓 {sock} 없음"
    )
    report = cli("docker", "--format", "json", "--lang", "ko", env=env)
    daemon = json_result(report, "docker.daemon", f"unix://{sock}")
    assert daemon["status"] == "skip"
    assert daemon["summary"] == f"no Docker daemon here: socket {sock} does not exist"
    assert daemon["localized"] == {
        "lang": "ko",
        "summary": f"이 호스트에 Docker 데몬 없음: 소켓 {sock} 없음",
        "details": [
            "Docker를 검사하려면 데몬을 시작하거나(sudo systemctl start docker) DOCKER_HOST가 그 소켓을 "
            "가리키게 하십시오 (rootless라면 예: DOCKER_HOST=unix:///run/user/1000/docker.sock)"
        ],
        "hints": [],
    }
    logs = json_result(report, "docker.logs", "-")
    assert logs["summary"] == f"no Docker daemon to ask: socket {sock} does not exist"
    assert logs["localized"]["summary"] == f"물어볼 Docker 데몬 없음: 소켓 {sock} 없음"  # type: ignore[index]
    assert logs["localized"]["details"] == ["이유와 해결 방법은 docker.daemon 결과 참고"]  # type: ignore[index]


def test_socket_nobody_listens_on_in_korean(dead_socket: Path, cli: Callable[..., CliResult]) -> None:
    env = {"DOCKER_HOST": f"unix://{dead_socket}"}
    report = cli("docker", "--format", "json", "--lang", "ko", env=env)
    daemon = json_result(report, "docker.daemon", f"unix://{dead_socket}")
    assert daemon["summary"] == (
        f"no Docker daemon here: {dead_socket} exists but no daemon listens on it (connection refused)"
    )
    assert daemon["localized"]["summary"] == (  # type: ignore[index]
        f"이 호스트에 Docker 데몬 없음: {dead_socket} 있음, 하지만 수신 대기 중인 데몬 없음 (연결 거부됨)"
    )


@pytest.mark.docker
def test_real_daemon_and_unbounded_logs_in_korean(
    containers: Containers, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    name = containers.run(writer_script(2 * MIB, "exec sleep 3600"))
    containers.wait_done(name)
    config = tmp_path / "srvdoctor.toml"
    config.write_text(f'[checks."docker.logs"]\ndaemon_json = "{tmp_path / "absent.json"}"\n')
    report = cli("docker", "--format", "json", "--lang", "ko", "-c", str(config))
    table = cli("docker", "--lang", "ko", "-c", str(config))

    logs = json_result(report, "docker.logs", name)
    data = logs["data"]
    assert isinstance(data, dict)
    size = naturalsize(data["log_bytes"])
    assert (logs["status"], logs["playbook"], data["unbounded"]) == ("warn", "docker-log-bloat", True)
    assert (
        logs["summary"]
        == f"{name} (running): {size} of logs, json-file with no max-size: grows without bound"
    )
    ko = f"{name} (running): 로그 {size}, max-size 없는 json-file: 끝없이 커짐"
    assert logs["localized"]["summary"] == ko  # type: ignore[index]
    opts = ", ".join(f"{k}={v}" for k, v in sorted(data["log_opts"].items())) or "없음"
    assert logs["localized"]["details"][0] == (  # type: ignore[index]
        f"이미지 {data['image']}, 로그 드라이버 json-file, 로그 옵션: {opts}"
    )
    assert logs["localized"]["details"][-1] == (  # type: ignore[index]
        f"그다음 {name} 컨테이너를 다시 만드십시오: 컨테이너의 로그 옵션은 생성할 때 정해집니다"
    )
    assert table_line(table.stdout, "docker.logs", name) == f"docker.logs: {ko}"

    (daemon,) = [r for r in json.loads(report.stdout)["results"] if r["check"] == "docker.daemon"]
    d = daemon["data"]
    assert daemon["status"] == "ok"
    rootless = ", rootless" if d["rootless"] else ""
    assert daemon["localized"]["summary"] == (  # type: ignore[index]
        f"Docker {d['version']} (API {d['api_version']}{rootless}): "
        f"로깅 드라이버 {d['logging_driver']}, 데이터 루트 {d['root_dir']}"
    )
