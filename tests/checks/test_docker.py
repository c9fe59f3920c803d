"""docker.logs, docker.daemon, docker.disk: judgment on values, and the whole against the
real Docker engine with real containers writing real logs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from srvdoctor.checks.docker import DockerDaemon, DockerDisk, DockerLogs, defaults_bounded
from srvdoctor.model import Status
from srvdoctor.probes.docker import DiskUsage, DockerUnavailable, Endpoint, UsageCategory
from srvdoctor.probes.docker_files import ContainerLogs, DaemonJson, LogFile
from tests.conftest import run_cli
from tests.dockerutil import Containers, docker_image, results_for, writer_script

__all__ = ["docker_image"]  # the session fixture, imported for pytest

MIB = 1024**2
GIB = 1024**3


def logs(size: int | None, driver: str = "json-file", state: str = "running", **opts: str) -> ContainerLogs:
    files = () if size is None else (LogFile("/var/lib/docker/containers/abc/abc-json.log", size),)
    return ContainerLogs(
        id="abc", name="web", image="nginx:1", state=state, created="", log_driver=driver,
        log_opts=opts, log_path="/var/lib/docker/containers/abc/abc-json.log",
        container_dir="/var/lib/docker/containers/abc", files=files, readable=size is not None,
        unreadable_reason="" if size is not None else "/var/lib/docker/containers/abc needs root to read",
    )  # fmt: skip


NO_DEFAULTS = DaemonJson("/etc/docker/daemon.json", exists=False)
BOUNDED_DEFAULTS = DaemonJson("/etc/docker/daemon.json", exists=True, log_opts={"max-size": "10m"})


@pytest.mark.parametrize(
    ("size", "opts", "expected"),
    [
        (5 * MIB, {"max-size": "10m"}, Status.OK),
        (5 * MIB, {}, Status.WARN),  # no max-size: unbounded, whatever its size now
        (5 * MIB, {"max-size": "-1"}, Status.WARN),
        (1 * GIB, {"max-size": "2g"}, Status.WARN),
        (10 * GIB, {"max-size": "20g"}, Status.FAIL),
    ],
)
def test_logs_thresholds(size: int, opts: dict[str, str], expected: Status) -> None:
    assert DockerLogs().judge(logs(size, **opts), NO_DEFAULTS).status is expected


def test_other_drivers_are_not_flagged_for_rotation() -> None:
    for driver in ("local", "journald", "none"):
        assert DockerLogs().judge(logs(0, driver=driver), NO_DEFAULTS).status is Status.OK


def test_unbounded_container_under_bounded_defaults_needs_recreating() -> None:
    result = DockerLogs().judge(logs(5 * MIB), BOUNDED_DEFAULTS)
    assert "still unbounded: recreate it" in result.summary
    assert (result.status, result.data["needs_recreate"]) == (Status.WARN, True)
    assert not DockerLogs().judge(logs(5 * MIB), NO_DEFAULTS).data["needs_recreate"]


def test_defaults_bounded_by_driver_or_max_size() -> None:
    assert defaults_bounded(DaemonJson("d", True, log_driver="local"), "json-file")
    assert not defaults_bounded(DaemonJson("d", True, log_opts={"max-file": "3"}), "json-file")
    assert not defaults_bounded(DaemonJson("d", True, error="not valid JSON"), "json-file")


def test_big_logs_print_the_emergency_truncate_with_its_caveat() -> None:
    result = DockerLogs().judge(logs(2 * GIB, state="exited"), NO_DEFAULTS)
    text = "\n".join(result.details)
    assert "truncate -s 0 /var/lib/docker/containers/abc/abc-json.log" in text
    assert "rm frees nothing while dockerd holds the file open" in text
    assert "docker rm web" in text and '"log-driver": "local"' in text


def test_unknown_size_without_root_still_judges_options() -> None:
    result = DockerLogs().judge(logs(None), NO_DEFAULTS)
    assert (result.status, result.data["log_bytes"]) == (Status.WARN, None)
    assert "unknown size (needs root)" in result.summary
    total = DockerLogs().judge_total([logs(None)], "/var/lib/docker", 100 * GIB)
    assert total.status is Status.SKIP and "needs root" in total.summary


def test_logs_over_a_share_of_the_filesystem_fail() -> None:
    big = [logs(3 * GIB), logs(2 * GIB)]
    assert DockerLogs().judge_total(big, "/var/lib/docker", 20 * GIB).status is Status.FAIL  # 25 %
    assert DockerLogs().judge_total(big, "/var/lib/docker", 30 * GIB).status is Status.OK  # 16.7 %


def test_inverted_log_thresholds_are_rejected() -> None:
    with pytest.raises(ValueError, match="warn_bytes <= fail_bytes"):
        DockerLogs(warn_bytes=2 * GIB, fail_bytes=GIB)


def test_disk_warns_over_reclaimable_size() -> None:
    usage = DiskUsage("summary", (UsageCategory("images", 5, 2, 12 * GIB, 11 * GIB),
                                  UsageCategory("build cache", 3, 0, GIB, GIB)))  # fmt: skip
    result = DockerDisk().judge(usage)
    assert (result.status, result.playbook, result.data["reclaimable_bytes"]) == (
        Status.WARN, "docker-disk-usage", 12 * GIB)  # fmt: skip
    assert (
        result.details[0].startswith("images: 5 (2 in use)") and "docker image prune -a" in result.details[0]
    )
    assert DockerDisk(warn_reclaimable_bytes=13 * GIB).judge(usage).status is Status.OK


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("missing", Status.SKIP),
        ("refused", Status.SKIP),
        ("permission", Status.WARN),
        ("timeout", Status.WARN),
    ],
)
def test_daemon_unavailable(kind: str, expected: Status) -> None:
    exc = DockerUnavailable(kind, "why", Endpoint("unix:///var/run/docker.sock", "default socket"))  # type: ignore[arg-type]
    result = DockerDaemon().judge_unavailable(exc)
    assert result.status is expected
    assert result.playbook == (None if expected is Status.SKIP else "docker-daemon-unreachable")


# --------------------------------------------------------------------------- the real engine


@pytest.fixture(scope="module")
def scenario(docker_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Five containers with real logs, made once for this module, removed at the end."""
    made = Containers(docker_image)
    try:
        names = {
            "unbounded": made.run(writer_script(30 * MIB, "exec sleep 3600")),
            "stopped": made.run(writer_script(15 * MIB)),
            "rotated": made.run(
                writer_script(5 * MIB), "--log-opt", "max-size=1m", "--log-opt", "max-file=2"
            ),
            "local": made.run(writer_script(5 * MIB), "--log-driver", "local"),
        }
        for name in names.values():
            made.wait_done(name)
        for key in ("stopped", "rotated", "local"):
            made.wait_exit(names[key])
        tmp = tmp_path_factory.mktemp("sddocker")
        daemon_json = tmp / "daemon.json"
        daemon_json.write_text(
            json.dumps({"log-driver": "json-file", "log-opts": {"max-size": "10m", "max-file": "3"}})
        )
        config = tmp / "srvdoctor.toml"
        config.write_text(
            '[checks."docker.logs"]\nwarn_bytes = "10MiB"\nfail_bytes = "25MiB"\n'
            f'daemon_json = "{tmp / "absent.json"}"\n'
        )
        bounded = tmp / "bounded.toml"
        bounded.write_text(config.read_text().replace(str(tmp / "absent.json"), str(daemon_json)))
        yield {**names, "config": str(config), "bounded_config": str(bounded)}
    finally:
        made.cleanup()


def _report(*args: str) -> dict[str, object]:
    result = run_cli("docker", "--format", "json", *args)
    assert result.rc in (0, 1), result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    return report


@pytest.mark.docker
def test_unbounded_container_fails_and_is_named(scenario: dict[str, str]) -> None:
    found = results_for(_report("-c", scenario["config"]), "docker.logs", scenario["unbounded"])
    data = found["data"]
    assert isinstance(data, dict)
    assert (found["status"], found["playbook"], data["state"], data["unbounded"]) == (
        "fail", "docker-log-bloat", "running", True)  # fmt: skip
    assert 30 * MIB <= data["log_bytes"] < 40 * MIB  # the 30 MiB written plus json-file's framing
    assert str(found["summary"]).startswith(f"{scenario['unbounded']} (running): ")


@pytest.mark.docker
def test_stopped_container_with_big_logs_warns(scenario: dict[str, str]) -> None:
    found = results_for(_report("-c", scenario["config"]), "docker.logs", scenario["stopped"])
    assert (found["status"], found["data"]["state"]) == ("warn", "exited")  # type: ignore[index]
    assert f"docker rm {scenario['stopped']}" in "\n".join(found["details"])  # type: ignore[arg-type]


@pytest.mark.docker
def test_rotated_and_local_driver_containers_are_not_flagged(scenario: dict[str, str]) -> None:
    report = _report("-c", scenario["config"])
    rotated = results_for(report, "docker.logs", scenario["rotated"])
    local = results_for(report, "docker.logs", scenario["local"])
    assert (rotated["status"], local["status"]) == ("ok", "ok")
    # 5 MiB written, kept to max-size 1m × 2 files: the rotated sibling is counted too
    assert rotated["data"]["log_files"] == 2 and rotated["data"]["log_bytes"] <= 2 * MIB + 64 * 1024  # type: ignore[index]
    assert local["data"]["log_driver"] == "local" and local["data"]["log_bytes"] >= 4 * MIB  # type: ignore[index]


@pytest.mark.docker
def test_daemon_json_default_the_old_container_lacks(scenario: dict[str, str]) -> None:
    found = results_for(_report("-c", scenario["bounded_config"]), "docker.logs", scenario["unbounded"])
    assert "still unbounded: recreate it" in str(found["summary"])
    assert found["data"]["needs_recreate"] is True  # type: ignore[index]
    plain = results_for(_report("-c", scenario["config"]), "docker.logs", scenario["unbounded"])
    assert plain["data"]["needs_recreate"] is False  # type: ignore[index]


@pytest.mark.docker
def test_table_output_names_the_container_and_the_fix(scenario: dict[str, str]) -> None:
    result = run_cli("docker", "--fast", "-c", scenario["config"])
    assert result.rc == 1, result.stderr
    line = next(x for x in result.stdout.splitlines() if scenario["unbounded"] in x and "docker.logs" in x)
    assert "[✗]" in line and "json-file with no max-size" in line
    assert "srvdoctor notes docker-log-bloat" in result.stdout
    assert "docker.disk: skipped by --fast" in result.stdout


@pytest.mark.docker
def test_daemon_and_disk_against_the_real_engine(scenario: dict[str, str]) -> None:
    report = _report("-c", scenario["config"])
    results = report["results"]
    assert isinstance(results, list)
    daemon = next(r for r in results if r["check"] == "docker.daemon")
    disk = next(r for r in results if r["check"] == "docker.disk")
    assert daemon["status"] == "ok" and daemon["data"]["root_dir"] == "/var/lib/docker"
    assert disk["status"] == "ok" and disk["data"]["images"]["total"] >= 1
    assert disk["data"]["containers"]["total"] >= 4
