"""`srvdoctor docker` as a user runs it: no daemon, a socket this user may not open, a
docker-group user who cannot read the log files, --fast, bad input."""

from __future__ import annotations

import grp
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CliResult, run_cli
from tests.dockerutil import Containers, containers, docker_image, results_for, writer_script

__all__ = ["containers", "docker_image"]  # fixtures, imported for pytest

NOBODY = ("--reuid=65534", "--regid=65534")


def run_as_nobody(*args: str, groups: tuple[str, ...] = ()) -> CliResult:
    """srvdoctor as uid 65534 (root ignores file modes, so the permission test needs a user)."""
    group_opts = (f"--groups={','.join(groups)}",) if groups else ("--clear-groups",)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "HOME": "/tmp"}
    env.pop("DOCKER_HOST", None)
    proc = subprocess.run(
        ["setpriv", *NOBODY, *group_opts, sys.executable, "-m", "srvdoctor", *args],
        capture_output=True, text=True, env=env, cwd="/", timeout=60,
    )  # fmt: skip
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def test_docker_host_at_a_missing_socket_skips(tmp_path: Path) -> None:
    sock = tmp_path / "gone" / "docker.sock"
    result = run_cli("docker", "--format", "json", env={"DOCKER_HOST": f"unix://{sock}"})
    assert result.rc == 0, result.stderr
    report = json.loads(result.stdout)
    statuses = {r["check"]: r["status"] for r in report["results"]}
    assert statuses == {"docker.daemon": "skip", "docker.logs": "skip", "docker.disk": "skip"}
    daemon = results_for(report, "docker.daemon", f"unix://{sock}")
    assert daemon["summary"] == f"no Docker daemon here: socket {sock} does not exist"


@pytest.mark.root
@pytest.mark.docker
def test_socket_without_permission_warns_with_the_fix() -> None:
    result = run_as_nobody("docker")
    assert result.rc == 0, result.stderr  # a warning, not a failure
    assert (
        "[!] docker.daemon unix:///var/run/docker.sock: cannot use the Docker daemon: "
        "permission denied while connecting to /var/run/docker.sock"
    ) in result.stdout
    assert "fix: sudo usermod -aG docker $USER" in result.stdout
    assert "srvdoctor notes docker-daemon-unreachable" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.root
@pytest.mark.docker
def test_docker_group_user_without_root_gets_options_not_sizes(containers: Containers) -> None:
    name = containers.run(writer_script(64 * 1024, "exec sleep 3600"))
    containers.wait_done(name)
    socket_gid = str(os.stat("/var/run/docker.sock").st_gid)
    assert grp.getgrgid(int(socket_gid)).gr_name == "docker"
    result = run_as_nobody("docker", "--fast", "--format", "json", groups=(socket_gid,))
    assert result.rc == 0, result.stderr
    report = json.loads(result.stdout)
    found = results_for(report, "docker.logs", name)
    assert (found["status"], found["data"]["log_bytes"], found["playbook"]) == (
        "warn",
        None,
        "docker-log-bloat",
    )
    total = results_for(report, "docker.logs", "/var/lib/docker")
    assert total["status"] == "skip" and "needs root" in total["summary"]


@pytest.mark.docker
def test_check_fast_skips_system_df() -> None:
    result = run_cli("check", "--only", "docker", "--fast", "--format", "json")
    report = json.loads(result.stdout)
    disk = results_for(report, "docker.disk", "-")
    assert (disk["status"], disk["summary"]) == (
        "skip", "skipped by --fast (docker system df can take minutes on big hosts)")  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "xml"), "srvdoctor: error: --format must be one of table, json, not 'xml'"),
        (
            ("--timeout", "0"),
            "srvdoctor: error: --timeout must be more than 0 and at most 3600 seconds, not 0",
        ),
    ],
)
def test_bad_input_exits_2(args: tuple[str, ...], message: str) -> None:
    result = run_cli("docker", *args)
    assert (result.rc, result.stderr.strip()) == (2, message)


def test_bad_threshold_in_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "srvdoctor.toml"
    config.write_text('[checks."docker.logs"]\nwarn_bytes = "lots"\n')
    result = run_cli("docker", "-c", str(config))
    assert result.rc == 2 and result.stderr.startswith(f"srvdoctor: error: {config}:2: "), result.stderr


def test_hung_daemon_warns_once_and_the_other_checks_skip(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "hung.sock"
    hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hung.bind(str(path))
    hung.listen(8)
    try:
        result = run_cli("docker", "--timeout", "0.5", "-f", "json", env={"DOCKER_HOST": f"unix://{path}"})
    finally:
        hung.close()
    assert result.rc == 0, result.stderr
    statuses = {r["check"]: (r["status"], r["playbook"]) for r in json.loads(result.stdout)["results"]}
    assert statuses == {
        "docker.daemon": ("warn", "docker-daemon-unreachable"),
        "docker.logs": ("skip", None),
        "docker.disk": ("skip", None),
    }
