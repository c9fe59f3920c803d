"""cgroup limits read from real cgroups on this machine (v1 controllers, and the v2 mount)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from srvdoctor.probes import cgroup
from tests.conftest import skip_or_fail

ROOT = Path("/sys/fs/cgroup")
MiB = 1024 * 1024


def test_cpu_max_and_psi_parsing() -> None:
    assert cgroup.parse_cpu_max("max 100000") is None
    assert cgroup.parse_cpu_max("150000 100000\n") == 1.5
    assert cgroup.parse_psi("some avg10=1.50 avg60=0.25 avg300=0.00 total=42\n")["some"]["avg10"] == 1.5


def test_this_process_has_a_readable_cgroup() -> None:
    limits = cgroup.read_limits()
    assert limits.version in (1, 2)
    assert Path(limits.directory).is_dir()
    assert limits.cpuset == tuple(sorted(os.sched_getaffinity(0)))


def _v1(controller: str) -> Path:
    path = ROOT / controller
    if not (path / "cgroup.procs").exists() or (ROOT / "cgroup.controllers").exists():
        skip_or_fail(f"no cgroup v1 {controller} controller mounted at {path}")
    return path


@pytest.fixture
def nested_v1() -> Iterator[tuple[Path, Path, Path, subprocess.Popen[bytes]]]:
    """parent (memory 64 MiB, CPU quota 0.5) / child (no limits), with a sleeping process in the child."""
    name = f"srvdoctor-cg-{uuid.uuid4().hex[:8]}"
    made: list[Path] = []
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        for controller in ("memory", "cpu"):
            parent = _v1(controller) / name
            child = parent / "job"
            child.mkdir(parents=True)
            made += [child, parent]
            (child / "cgroup.procs").write_text(str(sleeper.pid))
        (ROOT / "memory" / name / "memory.limit_in_bytes").write_text(str(64 * MiB))
        (ROOT / "cpu" / name / "cpu.cfs_quota_us").write_text("50000")
        yield ROOT / "memory" / name, ROOT / "memory" / name / "job", ROOT / "cpu" / name, sleeper
    finally:
        sleeper.kill()
        sleeper.wait()
        for path in made:
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


@pytest.mark.root
def test_the_tightest_limit_up_the_tree_counts(
    nested_v1: tuple[Path, Path, Path, subprocess.Popen[bytes]],
) -> None:
    parent, child, cpu_parent, sleeper = nested_v1
    limits = cgroup.read_limits(sleeper.pid)
    assert limits.version == 1 and limits.path == f"/{parent.name}/job"
    assert limits.memory_limit == cgroup.Limit(64 * MiB, str(parent))  # set on the parent, not the child
    assert limits.cpu_quota == cgroup.Limit(0.5, str(cpu_parent))
    assert limits.directory == str(child)
    assert limits.oom_kills == 0 and limits.memory_usage is not None
    by_path = cgroup.read_limits(cgroup=f"/{parent.name}/job")
    assert by_path.memory_limit == limits.memory_limit and by_path.cpu_quota == limits.cpu_quota


@pytest.mark.root
def test_cgroup2_mount_gives_the_cgroups_own_memory_pressure() -> None:
    """The real cgroup2 hierarchy here: a v2 cgroup's memory.pressure (PSI) is read as its own."""
    mounts = [m for m in cgroup.mounts() if m.version == 2]
    if not mounts:
        skip_or_fail("no cgroup2 mount")
    v2 = mounts[0].mountpoint
    path = v2 / f"srvdoctor-psi-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        (path / "cgroup.procs").write_text(str(sleeper.pid))
        if not (path / "memory.pressure").exists():
            skip_or_fail("the kernel has no PSI (memory.pressure missing)")
        limits = cgroup.read_limits(sleeper.pid)
        assert limits.pressure_file == str(path / "memory.pressure")
        assert limits.memory_pressure is not None and set(limits.memory_pressure) >= {"some", "full"}
        assert cgroup.membership(sleeper.pid)[""] == "/" + path.name
    finally:
        sleeper.kill()
        sleeper.wait()
        for _ in range(50):
            try:
                path.rmdir()
                break
            except OSError:
                time.sleep(0.1)


def test_a_namespaced_view_locates_the_mount_root(tmp_path: Path) -> None:
    """Inside a container (v1, host cgroup namespace) /proc/self/cgroup says /docker/<id> and the
    hierarchy is mounted from that very cgroup: its files are at the mount point."""
    mount = cgroup.CgroupMount(1, tmp_path, "/docker/abc", frozenset({"memory"}))
    assert cgroup.locate("/docker/abc", mount) == tmp_path
    (tmp_path / "sub").mkdir()
    assert cgroup.locate("/docker/abc/sub", mount) == tmp_path / "sub"
    assert cgroup.locate("/", mount) == tmp_path  # a private cgroup namespace shows "/"
