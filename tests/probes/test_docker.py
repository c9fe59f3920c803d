"""The Docker probe: finding the daemon, reading log files and daemon.json, and both
shapes of `/system/df`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from srvdoctor.probes.docker import DockerUnavailable, connect, find_endpoint, parse_system_df
from srvdoctor.probes.docker_files import log_files, read_daemon_json

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "docker"
GIB = 1024**3


def test_docker_host_wins(tmp_path: Path) -> None:
    endpoint = find_endpoint({"DOCKER_HOST": "unix:///srv/d.sock", "XDG_RUNTIME_DIR": str(tmp_path)})
    assert (endpoint.url, endpoint.source, endpoint.socket_path) == (
        "unix:///srv/d.sock", "DOCKER_HOST", "/srv/d.sock")  # fmt: skip


def test_missing_socket_is_missing_not_an_error(tmp_path: Path) -> None:
    sock = tmp_path / "nothing" / "docker.sock"
    with pytest.raises(DockerUnavailable) as excinfo:
        connect(2.0, {"DOCKER_HOST": f"unix://{sock}"})
    assert (excinfo.value.kind, excinfo.value.reason) == ("missing", f"socket {sock} does not exist")


def test_socket_nobody_listens_on_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dead.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))  # bound, never listening: what a crashed daemon leaves behind
    try:
        with pytest.raises(DockerUnavailable) as excinfo:
            connect(2.0, {"DOCKER_HOST": f"unix://{path}"})
    finally:
        dead.close()
    assert excinfo.value.kind == "refused"


def test_log_files_counts_rotations_local_logs_and_cache(tmp_path: Path) -> None:
    cid = "4f1c" * 16
    cdir = tmp_path / cid
    (cdir / "local-logs").mkdir(parents=True)
    sizes = {
        f"{cid}-json.log": 300_000, f"{cid}-json.log.1": 200_000, f"{cid}-json.log.2.gz": 40_000,
        "local-logs/container.log": 100_000, "local-logs/container.log.1.gz": 30_000,
        "container-cached.log": 50_000,
        # not logs:
        "config.v2.json": 9_000, "hostconfig.json": 1_000, f"{cid}-json.logx": 7_000, "hosts": 100,
    }  # fmt: skip
    for name, size in sizes.items():
        (cdir / name).write_bytes(os.urandom(size))
    found = {os.path.relpath(f.path, cdir): f.size_bytes for f in log_files(str(cdir), cid)}
    assert sorted(found) == sorted(n for n in sizes if n.endswith(("log", ".1", ".gz")) and "logx" not in n)
    assert all(found[n] >= sizes[n] for n in found)  # blocks on disk, like du


def test_daemon_json_defaults(tmp_path: Path) -> None:
    path = tmp_path / "daemon.json"
    assert not read_daemon_json(str(path)).exists
    path.write_text('{"log-driver": "json-file", "log-opts": {"max-size": "10m", "max-file": "3"}}')
    got = read_daemon_json(str(path))
    assert (got.log_driver, dict(got.log_opts)) == ("json-file", {"max-size": "10m", "max-file": "3"})
    path.write_text('{"log-driver": "local",}')
    error = read_daemon_json(str(path)).error or ""
    assert error.startswith("not valid JSON: ") and error.endswith(" at line 1"), error


def test_system_df_summary_shape_from_fixture() -> None:
    raw = json.loads((FIXTURES / "system_df_api_1.52.json").read_text())
    usage = parse_system_df(raw)
    assert usage.shape == "summary"
    images, containers, volumes, cache = usage.categories
    assert (images.total_count, images.active_count, images.reclaimable_bytes) == (7, 2, 12 * GIB)
    assert (containers.total_count, volumes.total_count, cache.total_count) == (3, 4, 24)
    assert usage.reclaimable_bytes == 12 * GIB + 50 * 1024**2 + 2 * GIB + 4 * GIB


def test_system_df_legacy_shape_reclaimable_like_the_cli() -> None:
    raw = {
        "LayersSize": 1000,
        "Images": [
            {"Containers": 1, "Size": 600, "SharedSize": 100},
            {"Containers": 0, "Size": 400, "SharedSize": 100},
        ],
        "Containers": [{"State": "running", "SizeRw": 10}, {"State": "exited", "SizeRw": 30}],
        "Volumes": [{"UsageData": {"Size": 70, "RefCount": 0}}, {"UsageData": {"Size": -1, "RefCount": -1}}],
        "BuildCache": [
            {"Size": 5, "InUse": False, "Shared": False},
            {"Size": 9, "InUse": False, "Shared": True},
        ],
    }
    usage = parse_system_df(raw)
    assert [(c.name, c.size_bytes, c.reclaimable_bytes) for c in usage.categories] == [
        ("images", 1000, 500), ("containers", 40, 30), ("volumes", 70, 70), ("build cache", 5, 5)]  # fmt: skip


@pytest.mark.docker
def test_system_df_legacy_shape_from_the_real_engine() -> None:
    session = connect(10.0)
    for _ in range(3):  # other sessions may add images or containers between the two reads
        raw = session.system_df()
        cli = subprocess.run(["docker", "system", "df", "--format", "{{.Type}}={{.TotalCount}}/{{.Active}}"],
                             capture_output=True, text=True, check=True, timeout=60).stdout.splitlines()  # fmt: skip
        usage = parse_system_df(raw)
        ours = [f"{c.total_count}/{c.active_count}" for c in usage.categories]
        theirs = [line.split("=")[1] for line in cli]
        if ours == theirs:
            break
    assert "Images" in raw and "ImageUsage" not in raw  # API 1.41 answers with lists
    assert (usage.shape, ours) == ("legacy", theirs)
    assert usage.get("images").size_bytes == raw["LayersSize"]  # type: ignore[union-attr]


def test_daemon_that_accepts_but_never_answers_times_out(tmp_path: Path) -> None:
    path = tmp_path / "hung.sock"
    hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hung.bind(str(path))
    hung.listen(8)  # connections queue up; nothing ever reads or answers them
    try:
        with pytest.raises(DockerUnavailable) as excinfo:
            connect(0.5, {"DOCKER_HOST": f"unix://{path}"})
    finally:
        hung.close()
    assert (excinfo.value.kind, excinfo.value.reason) == (
        "timeout", f"unix://{path} did not answer within 0.5 s")  # fmt: skip
