"""cgroup v2 parsing on files a real v2 kernel produced (origins: tests/fixtures/cgroup2/README.md).

This host's cgroup2 mount has no memory/cpu/pids controllers, so a live v2 cgroup with
limits cannot be made here; the fixtures are laid out as a cgroup2 mount and read through
the same path as a real one: a mountinfo line naming a cgroup2 mount -> read_limits().
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from srvdoctor.probes import cgroup

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cgroup2"


def _limits(tmp_path: Path, name: str, path: str) -> cgroup.CgroupLimits:
    """Mount fixture `name` as the cgroup2 hierarchy (via a mountinfo file) and read cgroup `path`."""
    root = tmp_path / "cgroup"
    shutil.copytree(FIXTURES / name, root)
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        f"35 24 0:30 / {root} rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"
    )
    limits = cgroup.read_limits(cgroup=path, mountinfo=mountinfo)
    assert limits.version == 2
    assert limits.directory == str(root / path.lstrip("/"))
    return limits


def test_memory_pids_and_cpu_limits_of_a_runc_container(tmp_path: Path) -> None:
    limits = _limits(tmp_path, "runc-unified", "/test_cgroups_unified")
    assert limits.memory_limit is not None and limits.memory_limit.value == 41943040
    assert limits.memory_limit.where == limits.directory
    assert limits.pids_max is not None and limits.pids_max.value == 99
    # cpu.max is "QUOTA PERIOD": 10000/100000 = 0.1 core (swapped it would read 10 cores)
    assert limits.cpu_quota is not None and limits.cpu_quota.value == pytest.approx(0.1)
    assert limits.swap_limit is None  # no memory.swap.max file: no swap limit, not 0
    assert limits.limited


def test_swap_limit_is_memory_swap_max_alone(tmp_path: Path) -> None:
    """v2 memory.swap.max is swap alone (v1 memsw is memory+swap): it must not be reduced by memory.max."""
    limits = _limits(tmp_path, "runc-unified-swap", "/test_cgroups_unified")
    assert limits.memory_limit is not None and limits.memory_limit.value == 20512768
    assert limits.swap_limit is not None and limits.swap_limit.value == 20971520
    assert limits.to_dict()["swap_limit_bytes"]["value"] == 20971520


def test_max_means_no_limit(tmp_path: Path) -> None:
    limits = _limits(tmp_path, "runc-run-default", "/test_run_keep")
    assert Path(limits.directory, "pids.max").read_text() == "max\n"
    assert limits.pids_max is None
    assert limits.memory_limit is None and limits.cpu_quota is None
    assert not limits.limited


def test_cpu_max_without_quota_is_no_quota_but_pids_still_count(tmp_path: Path) -> None:
    limits = _limits(tmp_path, "runc-update", "/test_update")
    assert limits.cpu_quota is None  # "max 100000": no quota, not 1 core and not a parse error
    assert limits.pids_max is not None and limits.pids_max.value == 10


def test_inactive_file_and_memory_pressure_from_real_files(tmp_path: Path) -> None:
    limits = _limits(tmp_path, "runc-fs2-stats", "/pod")
    # inactive_file, not inactive_anon (892223488) nor active_file (1179316224)
    assert limits.inactive_file == 5307346944
    assert limits.memory_usage is None  # memory.current absent: usage unknown, not 0
    assert limits.working_set is None
    assert limits.pressure_file.endswith("/pod/memory.pressure")
    assert limits.memory_pressure == {
        "some": {"avg10": 1.71, "avg60": 2.36, "avg300": 2.57, "total": 230548833.0},
        "full": {"avg10": 1.00, "avg60": 1.01, "avg300": 1.00, "total": 157622356.0},
    }


def test_working_set_subtracts_the_real_inactive_file(tmp_path: Path) -> None:
    """memory.stat is real; memory.current here is anon + file of that same memory.stat
    (what the kernel charges those pages as), so working set = current - inactive_file."""
    stat = cgroup.read_keyed(FIXTURES / "runc-fs2-stats" / "pod" / "memory.stat")
    current = stat["anon"] + stat["file"]
    limits = cgroup.CgroupLimits(
        version=2,
        path="/pod",
        directory="",
        memory_limit=cgroup.Limit(8 * 1024**3, "/pod"),
        memory_usage=current,
        inactive_file=stat["inactive_file"],
    )
    assert limits.working_set == 790425600 + 6502666240 - 5307346944
    assert limits.memory_available == 8 * 1024**3 - (790425600 + 6502666240 - 5307346944)


def test_the_tightest_v2_limit_up_the_tree_counts(tmp_path: Path) -> None:
    """A slice above the container with a lower memory.max wins; "max" files above do not."""
    root = tmp_path / "tree"
    shutil.copytree(FIXTURES / "runc-unified", root / "mnt")
    slice_dir = root / "mnt" / "pod.slice"
    slice_dir.mkdir()
    (root / "mnt" / "test_cgroups_unified").rename(slice_dir / "test_cgroups_unified")
    shutil.copy(
        FIXTURES / "runc-unified-swap" / "test_cgroups_unified" / "memory.max", slice_dir / "memory.max"
    )
    shutil.copy(FIXTURES / "runc-run-default" / "test_run_keep" / "pids.max", slice_dir / "pids.max")
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(f"35 24 0:30 / {root / 'mnt'} rw - cgroup2 cgroup2 rw\n")
    limits = cgroup.read_limits(cgroup="/pod.slice/test_cgroups_unified", mountinfo=mountinfo)
    assert limits.memory_limit is not None
    assert (limits.memory_limit.value, limits.memory_limit.where) == (20512768, str(slice_dir))
    assert limits.pids_max is not None
    assert (limits.pids_max.value, limits.pids_max.where) == (99, str(slice_dir / "test_cgroups_unified"))
