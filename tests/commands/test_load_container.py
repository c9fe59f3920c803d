"""srvdoctor inside real containers: it judges the container's limits, its /dev/shm and its
OOM kills, and says where it runs; on the host itself none of that appears."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import CliResult, run_cli
from tests.containerrun import hold, report_inside, result, run_inside
from tests.dockerutil import docker_image

__all__ = ["docker_image"]  # a fixture, imported for pytest

pytestmark = pytest.mark.docker
GiB = 1024**3


def test_memory_limit_nearly_used_warns_about_the_limit_not_the_host(docker_image: str) -> None:
    report = report_inside(
        docker_image,
        f"{hold(900)} sleep 4; $SRVDOCTOR load --format json",
        "--memory",
        "1g",
        "--memory-swap",
        "1g",
    )
    mem = result(report, "mem.available")
    assert mem["status"] == "warn", mem
    assert mem["data"]["scope"] == "cgroup" and mem["data"]["limit_bytes"] == GiB
    assert "memory limit available" in mem["summary"] and "host:" in mem["summary"]
    where = result(report, "container.limits")
    assert where["summary"].startswith("a docker container (id ")
    assert "memory 1.0 GiB" in where["summary"] and "no swap" in where["summary"]


def test_cpu_quota_is_named(docker_image: str) -> None:
    report = report_inside(docker_image, "$SRVDOCTOR load --format json", "--cpus", "1")
    usage = result(report, "cpu.usage")
    assert "1-CPU quota" in usage["summary"] and usage["data"]["cpu_quota_cores"] == 1.0
    assert "CPU quota 1 CPU" in result(report, "container.limits")["summary"]


def test_a_saturated_quota_warns(docker_image: str) -> None:
    spin = f'{sys.executable} -c "while True: pass" &'
    report = report_inside(
        docker_image, f"{spin} {spin} sleep 2; $SRVDOCTOR load --format json", "--cpus", "0.1"
    )
    usage = result(report, "cpu.usage")
    assert usage["status"] == "warn" and "quota is saturated" in usage["summary"], usage


def test_an_oom_kill_inside_fails_mem_oom_from_inside(docker_image: str) -> None:
    script = (
        f'{sys.executable} -c "b = bytearray(400 << 20); b[::4096] = bytes(len(b[::4096]))"; '
        "echo exit=$?; $SRVDOCTOR load --format json"
    )
    proc = run_inside(docker_image, script, "--memory", "128m", "--memory-swap", "128m")
    assert "exit=137" in proc.stdout, proc.stdout[:500]
    report = report_inside(docker_image, script, "--memory", "128m", "--memory-swap", "128m")
    oom = result(report, "mem.oom")
    assert (oom["status"], oom["playbook"]) == ("fail", "oom-killed"), oom
    assert oom["summary"].startswith("1 OOM kill in this container's cgroup")
    assert oom["data"]["kernel_log_read"] is False and oom["data"]["unreadable"]


def test_no_oom_inside_is_ok_and_says_what_it_read(docker_image: str) -> None:
    report = report_inside(docker_image, "$SRVDOCTOR load --format json", "--memory", "256m")
    oom = result(report, "mem.oom")
    assert oom["status"] == "ok"
    assert "no OOM kills in this container's cgroup (read /sys/fs/cgroup/" in oom["summary"]
    assert "the kernel log could not be read" in oom["summary"]


@pytest.mark.parametrize(("options", "status"), [((), "warn"), (("--shm-size", "8g"), "ok")])
def test_dev_shm_default_warns_and_8g_does_not(
    docker_image: str, options: tuple[str, ...], status: str
) -> None:
    report = report_inside(docker_image, "$SRVDOCTOR check --only disk --format json", *options)
    shm = result(report, "disk.shm")
    assert shm["status"] == status, shm
    if status == "warn":
        assert shm["summary"].startswith("/dev/shm is 64.0 MiB (Docker's default): too small")
        assert shm["playbook"] == "shm-too-small" and any("--shm-size" in h for h in shm["hints"])


def test_no_gpu_in_the_container_names_the_runtime(docker_image: str) -> None:
    report = report_inside(docker_image, "$SRVDOCTOR check --only gpu --format json")
    driver = result(report, "gpu.driver")
    assert driver["status"] == "skip"
    assert driver["summary"].startswith(
        "no GPU in this container: the runtime passed none in (no /dev/nvidia*"
    )
    assert driver["playbook"] == "gpu-container-toolkit"


def test_the_host_shows_no_container_noise() -> None:
    proc: CliResult = run_cli("load", "--format", "json")
    import json

    report = json.loads(proc.stdout)
    assert "container.limits" not in {r["check"] for r in report["results"]}
    assert "scope" not in result(report, "mem.available")["data"]
    assert "quota" not in result(report, "cpu.usage")["summary"]


def test_report_gives_the_container_and_its_limits(docker_image: str) -> None:
    proc = run_inside(docker_image, "$SRVDOCTOR report --format json", "--memory", "512m", "--cpus", "1.5",
                      "--pids-limit", "100")  # fmt: skip
    import json

    data = json.loads(proc.stdout[proc.stdout.find("{") :])
    ctr = data["container"]
    assert ctr["runtime"] == "docker" and len(ctr["id"]) == 64
    assert ctr["limits"]["memory_limit_bytes"]["value"] == 512 * 1024 * 1024
    assert ctr["limits"]["cpu_quota_cores"]["value"] == 1.5
    assert ctr["limits"]["pids_max"]["value"] == 100
    text = run_inside(docker_image, "$SRVDOCTOR report", "--memory", "512m").stdout
    assert "| Container | docker, id " in text and "| Limits | memory 512.0 MiB" in text


def test_the_host_report_has_no_container() -> None:
    import json

    from srvdoctor.probes.container import detect

    if detect().inside:
        pytest.skip("the tests run inside a container")
    data = json.loads(run_cli("report", "--format", "json").stdout)
    assert data["container"] is None and data["system"]["container"] is None
