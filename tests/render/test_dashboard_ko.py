"""The load and GPU dashboards in Korean on an 80-column console: every line fits (Hangul is
double-width), the numbers are the English ones."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator

import pytest
from rich.cells import cell_len
from rich.console import Console

from srvdoctor import messages
from srvdoctor.probes import nvml
from srvdoctor.probes.cgroup import CgroupLimits, Limit
from srvdoctor.probes.container import ContainerInfo
from srvdoctor.probes.system import CpuSampler, sample_all
from srvdoctor.render.dashboard import gpu_dashboard, load_dashboard
from tests.conftest import FIXTURES_NVML

pytestmark = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)
GiB = 1024**3


@pytest.fixture
def korean() -> Iterator[None]:
    messages.activate("ko")
    yield
    messages.activate("en")


def _lines(renderable: object) -> list[str]:
    con = Console(file=io.StringIO(), width=80, color_system=None)
    con.print(renderable)
    assert isinstance(con.file, io.StringIO)
    lines = [line.rstrip() for line in con.file.getvalue().splitlines()]
    assert max(cell_len(line) for line in lines) <= 80, [line for line in lines if cell_len(line) > 80]
    return lines


def test_container_dashboard_in_korean(korean: None) -> None:
    readings = sample_all(CpuSampler(), 0.1)
    limits = CgroupLimits(1, "/docker/abc", "/sys/fs/cgroup/memory", memory_limit=Limit(GiB, "/sys/fs/cgroup/memory"),
                          memory_usage=950 << 20, inactive_file=20 << 20, cpu_quota=Limit(1.0, "/sys/fs/cgroup/cpu"))  # fmt: skip
    readings = dataclasses.replace(
        readings,
        limits=limits,
        container=ContainerInfo("docker", "3f2a9c1e7b40" + "0" * 52),
        cpu=dataclasses.replace(readings.cpu, cgroup_cpu_cores=0.97),
    )
    lines = _lines(load_dashboard(readings))
    assert lines[0].startswith("위치 ")
    at = next(i for i, line in enumerate(lines) if line.startswith("한도 "))
    # the note wraps in its own column at 80 columns: its second line starts under the first
    assert lines[at].endswith("91%  cgroup 메모리 한도 1.0 GiB 중 930.0")
    assert lines[at + 1].strip() == "MiB 사용" and cell_len(lines[at + 1].split("MiB")[0]) == cell_len(
        lines[at].split("cgroup")[0]
    )
    quota = next(line for line in lines if line.startswith("할당량 "))
    assert quota.endswith("97%  cgroup CPU 할당량 1개 중 0.97")
    assert "메모리 상위 (상주)" in lines


def test_gpu_dashboard_of_the_h200_in_korean(korean: None) -> None:
    raw = json.loads((FIXTURES_NVML / "h200-busy.json").read_text())["sample"]
    trainer = {574: ("python3", "kim", "python train.py --bf16")}
    lines = _lines(gpu_dashboard(nvml.parse_sample(raw, trainer.get, pid_namespace=False)))
    assert lines[0] == "드라이버 580.159.04, CUDA 13.0"
    assert lines[1].split() == ["GPU", "이름", "메모리", "사용률", "온도", "전력", "pstate", "클럭"]
    # every number whole at 80 columns; the name and the throttle reason wrap instead
    assert lines[2].split()[:3] == ["0", "NVIDIA", "21.0"]
    assert "21.0 GiB / 140.4 GiB  100%    57 °C  693 / 700 W  P0" in lines[2]
    assert lines[3].split() == ["H200", "_cap"] and lines[2].endswith("sw_power")
    assert lines[5].split() == ["GPU", "pid", "사용자", "GPU", "메모리", "명령"]
    assert lines[6].split() == ["0", "574", "kim", "21.0", "GiB", "python", "train.py", "--bf16"]


def test_gpu_dashboard_in_english_keeps_its_numbers_whole_at_80_columns() -> None:
    raw = json.loads((FIXTURES_NVML / "h200-busy.json").read_text())["sample"]
    lines = _lines(gpu_dashboard(nvml.parse_sample(raw, {}.get, pid_namespace=False)))
    assert lines[1].split() == ["gpu", "name", "memory", "util", "temp", "power", "pstate", "clocks"]
    assert "21.0 GiB / 140.4 GiB  100%  57 °C  693 / 700 W  P0" in lines[2]
