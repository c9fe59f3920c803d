"""The load dashboard: inside a container it says where it runs and draws the limits."""

from __future__ import annotations

import dataclasses
import io

from rich.console import Console

from srvdoctor.probes.cgroup import CgroupLimits, Limit
from srvdoctor.probes.container import ContainerInfo
from srvdoctor.probes.system import CpuSampler, sample_all
from srvdoctor.render.dashboard import load_dashboard

GiB = 1024**3


def _text(renderable: object) -> str:
    con = Console(file=io.StringIO(), width=120, color_system=None)
    con.print(renderable)
    assert isinstance(con.file, io.StringIO)
    return con.file.getvalue()


def test_the_host_dashboard_has_no_container_rows() -> None:
    text = _text(load_dashboard(sample_all(CpuSampler(), 0.1)))
    assert "where" not in text and "limit " not in text and "quota" not in text
    assert "cpu0" in text and "top processes" in text


def test_inside_a_container_where_limit_and_quota_rows_come_first() -> None:
    readings = sample_all(CpuSampler(), 0.1)
    limits = CgroupLimits(1, "/docker/abc", "/sys/fs/cgroup/memory", memory_limit=Limit(GiB, "/sys/fs/cgroup/memory"),
                          memory_usage=950 << 20, inactive_file=20 << 20, cpu_quota=Limit(1.0, "/sys/fs/cgroup/cpu"))  # fmt: skip
    readings = dataclasses.replace(
        readings,
        limits=limits,
        container=ContainerInfo("docker", "3f2a9c1e7b40" + "0" * 52),
        cpu=dataclasses.replace(readings.cpu, cgroup_cpu_cores=0.97),
    )
    lines = [line.rstrip() for line in _text(load_dashboard(readings)).splitlines()]
    assert lines[0].startswith("where a docker container (id 3f2a9c1e7b40)")
    limit = next(line for line in lines if line.startswith("limit"))
    assert limit.endswith("91%  930.0 MiB used of the cgroup's 1.0 GiB memory limit")
    quota = next(line for line in lines if line.startswith("quota"))
    assert quota.endswith("97%  0.97 of the cgroup's 1-CPU quota")
