"""The load checks in Korean, on this machine's real readings (memory, load average, PSI) and
on crafted ones where a branch needs them: the exact Korean text, and English unchanged."""

from __future__ import annotations

import re

import pytest

from srvdoctor import messages
from srvdoctor.checks.load import ContainerLimits, CpuLoad, CpuUsage, MemAvailable, MemPressure, MemSwap
from srvdoctor.messages import localize
from srvdoctor.model import Status
from srvdoctor.probes import system
from srvdoctor.probes.cgroup import CgroupLimits, Limit
from srvdoctor.probes.container import ContainerInfo
from srvdoctor.probes.system import CpuSample, Load, Memory, ProcInfo
from srvdoctor.units import naturalsize

pytestmark = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)
GiB = 1024**3


def ko(text: str) -> str:
    return localize(text, "ko")


def test_real_available_memory_in_korean() -> None:
    mem = system.memory()
    result = MemAvailable().judge(mem)
    avail, total = naturalsize(mem.available_bytes), naturalsize(mem.total_bytes)
    pct = f"{mem.available_percent:.0f}"
    assert result.summary == f"{avail} of {total} memory available ({pct}%)"
    assert ko(result.summary) == f"메모리 {total} 중 {avail} 사용 가능 ({pct}%)"


def test_real_load_average_in_korean_both_verdicts() -> None:
    load = system.load()
    per = [x / load.cpus for x in (load.avg1, load.avg5, load.avg15)]
    base_en = (
        f"load {load.avg1:.2f} {load.avg5:.2f} {load.avg15:.2f} on {load.cpus} CPUs "
        f"({per[0]:.2f} / {per[1]:.2f} / {per[2]:.2f} per core)"
    )
    base_ko = (
        f"부하 {load.avg1:.2f} {load.avg5:.2f} {load.avg15:.2f}, CPU {load.cpus}개 "
        f"(코어당 {per[0]:.2f} / {per[1]:.2f} / {per[2]:.2f})"
    )
    calm = CpuLoad(warn_per_core=1e6, fail_per_core=1e6).judge(load)
    assert (calm.status, calm.summary, ko(calm.summary)) == (Status.OK, base_en, base_ko)
    # every window over a tiny threshold: the worst of the 5- and 15-minute windows is named
    tripped = CpuLoad(warn_per_core=1e-9, fail_per_core=1e-9).judge(load)
    worst = 1 if per[1] >= per[2] else 2
    window = ("1분", "5분", "15분")[worst]
    value = (load.avg1, load.avg5, load.avg15)[worst]
    assert tripped.status is Status.FAIL
    assert ko(tripped.summary) == f"{window} 부하 {value:.2f} = 코어당 {per[worst]:.2f} (≥ 1e-09); {base_ko}"
    assert (
        ko(tripped.details[0])
        == "1분, 5분, 15분 평균에서 실행 대기 중이거나 디스크에 막힌 작업이 코어 수보다 많습니다"
    )
    assert (
        tripped.details[0]
        == "more runnable or disk-blocked tasks than cores in the 1-minute, 5-minute, 15-minute averages"
    )


@pytest.mark.parametrize(
    ("load", "english", "korean"),
    [
        (Load(3.0, 0.5, 0.5, 2), "1-minute average", "1분 평균에서"),
        (Load(3.0, 3.0, 0.5, 2), "1-minute, 5-minute averages", "1분, 5분 평균에서"),
    ],
    ids=["one window", "two windows"],
)
def test_one_window_is_singular_two_are_plural(load: Load, english: str, korean: str) -> None:
    detail = CpuLoad().judge(load).details[0]
    assert detail == f"more runnable or disk-blocked tasks than cores in the {english}"
    assert ko(detail) == f"{korean} 실행 대기 중이거나 디스크에 막힌 작업이 코어 수보다 많습니다"


def test_real_pressure_in_korean() -> None:
    psi = system.pressure()
    if psi is None:
        result = MemPressure().judge(None)
        assert ko(result.summary) == "커널에 PSI(pressure stall information)가 없음 (/proc/pressure 없음)"
        return
    result = MemPressure().judge(psi)
    assert result.summary.startswith("pressure (avg60): memory some ")
    assert ko(result.summary) == result.summary.replace("memory some", "메모리 some", 1)


def test_real_swap_in_korean() -> None:
    mem = system.memory()
    cpu = CpuSample(1.0, 0.0, (0.0,), 0.0, 0.0, 0.0, 0.0)
    result = MemSwap().judge(mem, cpu)
    if mem.swap_total_bytes == 0:
        assert (result.summary, ko(result.summary)) == ("no swap configured", "스왑 설정 없음")
    else:
        used, total = naturalsize(mem.swap_used_bytes), naturalsize(mem.swap_total_bytes)
        assert ko(result.summary) == (
            f"스왑 {total} 중 {used} 사용 ({mem.swap_used_percent:.0f}%), swap-in 0.0 B/s, swap-out 0.0 B/s"
        )


def test_busy_cores_name_the_process_in_korean() -> None:
    top = (ProcInfo(4242, "python", "kim", "python train.py", 187.0, 3 * GiB),)
    cpu = CpuSample(1.0, 97.0, (96.0, 98.0), 25.0, 0.0, 0.0, 0.0, top, top)
    result = CpuUsage().judge(cpu)
    assert result.summary == (
        "every core is ≥ 90% busy (CPU 97%); busiest: python train.py (pid 4242, user kim) at 187% CPU"
    )
    assert ko(result.summary) == (
        "모든 코어 사용률 ≥ 90% (CPU 97%); 가장 바쁜 프로세스: python train.py (pid 4242, 사용자 kim), CPU 187%"
    )
    assert [ko(d) for d in result.details] == [
        "iowait가 CPU 시간의 25%: 프로세스들이 디스크나 네트워크 스토리지를 기다리고 있습니다",
        "CPU 상위: python train.py (pid 4242, 사용자 kim) 187% CPU",
    ]


def test_container_memory_limit_in_korean() -> None:
    lim = CgroupLimits(2, "/docker/3f2a9c1e7b40", "/sys/fs/cgroup", memory_limit=Limit(4 * GiB, "/sys/fs/cgroup"),
                       memory_usage=int(3.9 * GiB), inactive_file=0, cpu_quota=Limit(2.0, "/sys/fs/cgroup"))  # fmt: skip
    mem = Memory(64 * GiB, 40 * GiB, 0, 0)
    result = MemAvailable().judge(mem, (), lim, messages.t("the container"))
    assert result.status is Status.FAIL
    assert result.summary == (
        "102.4 MiB of the container's 4.0 GiB memory limit available (3%; 3.9 GiB in use) "
        "— host: 40.0 GiB of 64.0 GiB available"
    )
    assert ko(result.summary) == (
        "컨테이너 메모리 제한 4.0 GiB 중 102.4 MiB 사용 가능 (3%; 3.9 GiB 사용 중) — 호스트: 64.0 GiB 중 40.0 GiB 사용 가능"
    )
    where = ContainerInfo("docker", "3f2a9c1e7b40aa", None, "pytorch:2.4", "ext4", ("/.dockerenv exists",))
    limits = ContainerLimits().judge(where, lim, 8)
    assert (
        limits.summary
        == "a docker container (id 3f2a9c1e7b40, image pytorch:2.4): memory 4.0 GiB, CPU quota 2 CPUs"
    )
    assert (
        ko(limits.summary)
        == "docker 컨테이너 (id 3f2a9c1e7b40, 이미지 pytorch:2.4): 메모리 4.0 GiB, CPU 쿼터 2코어"
    )
    assert re.fullmatch(r"cgroup v2 /docker/3f2a9c1e7b40 \(/sys/fs/cgroup에서 읽음\)", ko(limits.details[0]))
