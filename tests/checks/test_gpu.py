"""GPU judgment on the real H200 readings (idle, busy, after, PID namespace) and variants of them."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from srvdoctor.checks.gpu import GpuDriver, GpuEcc, GpuMemory, GpuProcesses, GpuTemperature, GpuThrottle
from srvdoctor.model import Status
from srvdoctor.probes import nvml
from srvdoctor.probes.cuda_env import Environment
from srvdoctor.probes.nvml import GpuDevice, NvmlUnavailable
from tests.conftest import FIXTURES_NVML

GiB = 1024**3


def raw(phase: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES_NVML / f"h200-{phase}.json").read_text())
    return data


#: what psutil would say about the busy fixture's PyTorch job on its own host
TRAINER = {574: ("python3", "kim", "python train.py --bf16")}


def device(
    phase: str = "idle", lookup: dict[int, tuple[str, str, str]] | None = None, **changes: Any
) -> GpuDevice:
    dev = copy.deepcopy(raw(phase)["sample"]["devices"][0])
    dev.update(changes)
    table = lookup or {}
    return nvml.parse_device(dev, table.get)


def sample(phase: str, lookup: dict[int, tuple[str, str, str]] | None = None) -> nvml.GpuSample:
    table = lookup or {}
    return nvml.parse_sample(raw(phase)["sample"], table.get, pid_namespace=False)


# ------------------------------------------------------------------ the real readings


@pytest.mark.parametrize("phase", ["idle", "busy", "after_busy"])
def test_real_readings_are_healthy(phase: str) -> None:
    lookup = TRAINER if phase == "busy" else None
    dev = device(phase, lookup)
    checks = [GpuMemory(), GpuTemperature(), GpuThrottle(), GpuEcc()]
    statuses = {c.id: c.judge(dev).status for c in checks}
    statuses["gpu.processes"] = GpuProcesses().judge(dev, in_pid_namespace=False).status
    assert set(statuses.values()) == {Status.OK}, statuses


def test_idle_memory_is_zero_like_nvidia_smi() -> None:
    result = GpuMemory().judge(device("idle"))
    assert result.summary == "GPU 0 (NVIDIA H200): 0 B of 140.4 GiB memory used (0%), utilisation 0%"
    assert (result.data["used_bytes"], result.data["reserved_bytes"]) == (0, 644939776)


def test_busy_names_the_process_holding_the_memory() -> None:
    dev = device("busy", TRAINER)
    memory = GpuMemory().judge(dev)
    assert memory.summary.endswith("; held by python train.py --bf16 (pid 574, user kim) 21.0 GiB")
    procs = GpuProcesses().judge(dev, in_pid_namespace=False)
    assert procs.data["processes"][0] == {
        "pid": 574, "used_bytes": 22525509632, "kind": "compute", "name": "python3", "user": "kim",
        "cmdline": "python train.py --bf16", "visible": True,
    }  # fmt: skip
    assert procs.data["unaccounted_bytes"] == 22534750208 - 22525509632


def test_busy_sw_power_cap_is_not_a_problem() -> None:
    result = GpuThrottle().judge(device("busy", TRAINER))
    assert result.status is Status.OK and result.playbook is None
    assert result.data["reasons"] == ["sw_power_cap"]
    assert "at its power limit (SW power cap: normal under full load)" in result.summary
    assert ", power 693 W of 700 W, P0" in result.summary


def test_after_busy_power_cap_at_idle_is_normal_too() -> None:
    assert GpuThrottle().judge(device("after_busy")).status is Status.OK


def test_retired_pages_not_supported_on_hopper_is_na() -> None:
    result = GpuEcc().judge(device("busy"))
    assert result.status is Status.OK
    assert result.summary.endswith(
        "ECC on, volatile uncorrected 0, remapped rows 0 (pending 0, failed 0), retired pages n/a"
    )


def test_pid_namespace_reading_is_memory_hidden_by_the_container() -> None:
    pidns = raw("pidns-no-processes")
    dev = device("idle", memory_v2=pidns["memory_v2"], compute_processes=pidns["nvml_compute_processes"])
    result = GpuProcesses().judge(dev, in_pid_namespace=True)
    assert (result.status, result.playbook) == (Status.WARN, "gpu-orphan-memory")
    assert result.summary == "GPU 0 (NVIDIA H200): no processes listed, yet 8.8 GiB is used"
    assert "container without --pid=host" in result.details[0]


def test_same_reading_on_the_host_is_a_dead_process() -> None:
    pidns = raw("pidns-no-processes")
    dev = device("idle", memory_v2=pidns["memory_v2"], compute_processes=[])
    result = GpuProcesses().judge(dev, in_pid_namespace=False)
    assert result.status is Status.WARN
    assert "a dead or zombie process" in result.details[0]
    assert "--pid=host" not in " ".join(result.details)


def test_listed_pid_that_no_longer_exists_is_orphan_memory() -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    procs = [{"pid": gone.pid, "usedGpuMemory": 8 * GiB}, {"pid": os.getpid(), "usedGpuMemory": GiB}]
    # the real psutil lookup: one PID is this test, the other is dead
    dev = nvml.parse_device(
        {**raw("busy")["sample"]["devices"][0], "compute_processes": procs,
         "memory_v2": {"total": 150754820096, "used": 9 * GiB, "reserved": 644939776, "free": 0}},
    )  # fmt: skip
    result = GpuProcesses().judge(dev, in_pid_namespace=False)
    assert result.status is Status.WARN
    assert result.details[0].startswith(f"PIDs {gone.pid} hold 8.0 GiB but no such process exists")
    visible = [p for p in result.data["processes"] if p["visible"]]
    assert [p["pid"] for p in visible] == [os.getpid()]


# ------------------------------------------------------------------ variants


def test_memory_full_names_the_biggest_holders() -> None:
    total = 150754820096
    used = int(total * 0.97)
    procs = [{"pid": 574, "usedGpuMemory": used - 10 * GiB}, {"pid": 575, "usedGpuMemory": 10 * GiB}]
    lookup = {**TRAINER, 575: ("python3", "ana", "jupyter-kernel")}
    dev = device("busy", lookup, memory_v2={"total": total, "used": used, "reserved": 0, "free": total - used},
                 compute_processes=procs)  # fmt: skip
    result = GpuMemory().judge(dev)
    assert (result.status, result.playbook) == (Status.WARN, "gpu-memory-full")
    assert result.details[0] == (
        "biggest holders: python train.py --bf16 (pid 574, user kim) 126.2 GiB; "
        "jupyter-kernel (pid 575, user ana) 10.0 GiB"
    )


def test_thermal_slowdown_fails_on_the_cards_own_threshold() -> None:
    hot = device("busy", temperature_gpu=90, clock_event_reasons=0x4 | 0x40 | 0x20)
    temperature = GpuTemperature().judge(hot)
    assert (temperature.status, temperature.playbook) == (Status.FAIL, "gpu-thermal")
    assert (
        temperature.summary
        == "GPU 0 (NVIDIA H200) is at 90 °C (card limits: max 87 °C, slowdown 89 °C, shutdown 95 °C)"
    )
    throttle = GpuThrottle().judge(hot)
    assert (throttle.status, throttle.playbook) == (Status.FAIL, "gpu-thermal")
    assert throttle.data["reasons"] == ["sw_power_cap", "sw_thermal_slowdown", "hw_thermal_slowdown"]


def test_near_max_operating_temperature_warns() -> None:
    assert GpuTemperature().judge(device("busy", temperature_gpu=87)).status is Status.WARN
    assert GpuTemperature().judge(device("busy", temperature_gpu=86)).status is Status.OK


def test_sw_thermal_alone_warns() -> None:
    assert GpuThrottle().judge(device("busy", clock_event_reasons=0x20)).status is Status.WARN


@pytest.mark.parametrize(("bits", "name"), [(0x8, "HW slowdown"), (0x80, "HW power brake")])
def test_hardware_slowdowns_fail_as_throttling(bits: int, name: str) -> None:
    result = GpuThrottle().judge(device("busy", clock_event_reasons=bits))
    assert (result.status, result.playbook) == (Status.FAIL, "gpu-throttling")
    assert result.details[0].startswith(name)


def test_pcie_width_below_max_warns_but_idle_gen_drop_does_not() -> None:
    narrow = GpuThrottle().judge(device("busy", pcie_link_width=8))
    assert (narrow.status, narrow.playbook) == (Status.WARN, "gpu-throttling")
    assert GpuThrottle().judge(device("idle", pcie_link_gen=1)).status is Status.OK
    assert GpuThrottle().judge(device("busy", pcie_link_gen=3)).status is Status.WARN


def test_volatile_uncorrected_ecc_fails() -> None:
    result = GpuEcc().judge(device("busy", ecc_volatile_uncorrected=2, ecc_aggregate_uncorrected=2))
    assert (result.status, result.playbook) == (Status.FAIL, "gpu-ecc-errors")
    assert result.details == ("2 uncorrected ECC errors since the driver loaded",)


@pytest.mark.parametrize(
    ("rows", "status"), [([0, 1, 1, 0], Status.WARN), ([3, 2, 0, 1], Status.FAIL), ([5, 0, 0, 0], Status.OK)]
)
def test_remapped_rows(rows: list[int], status: Status) -> None:
    assert GpuEcc().judge(device("busy", remapped_rows=rows)).status is status


# ------------------------------------------------------------------ driver and stack


def test_driver_ok_line_has_the_cuda_stack() -> None:
    env = Environment(torch_version="2.5.1+cu124", torch_cuda="12.4")
    (result,) = GpuDriver().judge(sample("idle"), env)
    assert result.status is Status.OK
    assert (
        result.summary
        == "1 GPU, driver 580.159.04, supports CUDA 13.0; torch 2.5.1+cu124 built for CUDA 12.4"
    )


def test_torch_built_for_newer_cuda_than_the_driver_fails() -> None:
    (result,) = GpuDriver().judge(sample("idle"), Environment(torch_version="3.0.0+cu131", torch_cuda="13.1"))
    assert (result.status, result.playbook) == (Status.FAIL, "gpu-driver-mismatch")
    assert result.hints[0] == "pip install torch --index-url https://download.pytorch.org/whl/cu130"


def test_driver_library_mismatch_fails() -> None:
    import pynvml

    reading = nvml.classify_error(pynvml.NVMLError(pynvml.NVML_ERROR_LIB_RM_VERSION_MISMATCH))
    (result,) = GpuDriver().judge(reading, Environment())
    assert (result.status, result.playbook) == (Status.FAIL, "gpu-driver-mismatch")


def test_no_driver_is_a_plain_skip_without_hardware_and_a_playbook_with_it() -> None:
    missing = NvmlUnavailable(
        "missing", "no NVIDIA driver (NVML Shared Library Not Found)", "NVMLError_LibraryNotFound"
    )
    (bare,) = GpuDriver().judge(missing, Environment(), nvidia_hardware=0)
    assert (bare.status, bare.playbook, bare.details) == (Status.SKIP, None, ())
    (gpu_box,) = GpuDriver().judge(missing, Environment(), nvidia_hardware=8)
    assert (gpu_box.status, gpu_box.playbook) == (Status.SKIP, "gpu-driver-missing")
    assert gpu_box.summary.startswith("8 NVIDIA GPUs on the PCI bus but no NVIDIA driver")


def test_lost_gpu_fails() -> None:
    import pynvml

    reading = nvml.classify_error(pynvml.NVMLError(pynvml.NVML_ERROR_GPU_IS_LOST))
    assert GpuDriver().judge(reading, Environment())[0].status is Status.FAIL


def test_pynvml_conflict_warns_beside_the_stack() -> None:
    results = GpuDriver().judge(sample("idle"), Environment(pynvml_dist="12.0.0"))
    assert [(r.target, r.status, r.playbook) for r in results] == [
        ("driver", Status.OK, None),
        ("pynvml", Status.WARN, "pynvml-conflict"),
    ]


def test_a_hung_nvml_is_bounded_by_the_timeout_and_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    release = threading.Event()
    # a driver call that never returns: nothing real can hang NVML on demand
    monkeypatch.setattr(nvml, "read_raw", lambda: release.wait(30))
    try:
        reading = nvml.probe(0.2)
    finally:
        release.set()
    assert isinstance(reading, NvmlUnavailable) and reading.kind == "timeout"
    (result,) = GpuDriver().judge(reading, Environment())
    assert (result.status, result.summary) == (Status.ERROR, "NVML did not answer within 0.2 s")


def test_nvidia_hardware_is_counted_from_sysfs(tmp_path: Path) -> None:
    from srvdoctor.checks.gpu import nvidia_pci_devices

    for name, vendor, klass in [("0000:00:06.0", "0x10de", "0x030200"), ("0000:00:07.0", "0x10de", "0x068000"),
                                ("0000:00:08.0", "0x8086", "0x030000")]:  # fmt: skip
        (tmp_path / name).mkdir()
        (tmp_path / name / "vendor").write_text(vendor + "\n")
        (tmp_path / name / "class").write_text(klass + "\n")
    assert nvidia_pci_devices(tmp_path) == 1  # the 3D controller; not the NVIDIA bridge, not the Intel GPU
    real = sum(
        1 for d in Path("/sys/bus/pci/devices").iterdir()
        if (d / "vendor").read_text().strip() == "0x10de" and (d / "class").read_text().startswith("0x03")
    )  # fmt: skip
    assert nvidia_pci_devices() == real
