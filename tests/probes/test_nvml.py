"""The NVML probe: fixtures parse into the plain values, errors map to reasons, no GPU here is clean."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from srvdoctor.probes import nvml
from tests.conftest import FIXTURES_NVML


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES_NVML / f"h200-{name}.json").read_text())
    return data


def no_such_pid(pid: int) -> None:
    return None


def test_idle_h200_uses_memory_v2_not_v1_reserved() -> None:
    # nvidia-smi shows 0MiB used idle; v1 would count the 615 MiB the driver reserves
    dev = nvml.parse_sample(fixture("idle")["sample"], no_such_pid, pid_namespace=False).devices[0]
    assert (dev.memory_version, dev.memory_used, dev.memory_reserved) == (2, 0, 644939776)
    assert dev.memory_total == 150754820096
    v1 = {k: v for k, v in fixture("idle")["sample"]["devices"][0].items() if k != "memory_v2"}
    assert nvml.parse_device(v1, no_such_pid).memory_used == 644939776


def test_not_supported_fields_become_none_and_the_rest_is_read() -> None:
    sample = nvml.parse_sample(fixture("busy")["sample"], no_such_pid, pid_namespace=False)
    dev = sample.devices[0]
    assert (dev.retired_pages_dbe, dev.retired_pages_pending) == (None, None)
    assert (dev.temperature, dev.temp_slowdown, dev.temp_shutdown, dev.temp_gpu_max) == (57, 89, 95, 87)
    assert dev.reasons == ("sw_power_cap",)
    assert dev.remapped_rows == (0, 0, 0, 0)
    assert (dev.pcie_gen, dev.pcie_width, dev.pcie_max_gen, dev.pcie_max_width) == (5, 16, 5, 16)
    assert [(p.pid, p.used_bytes, p.visible) for p in dev.processes] == [(574, 22525509632, False)]
    assert (sample.driver, sample.cuda_version, dev.bus_id) == ("580.159.04", "13.0", "00000000:00:06.0")


def test_processes_are_looked_up_through_psutil() -> None:
    import getpass

    import psutil

    me = nvml.lookup_process(os.getpid())
    assert me == (psutil.Process().name(), getpass.getuser(), " ".join(psutil.Process().cmdline()))
    dead = subprocess.Popen(["true"])
    dead.wait()
    assert nvml.lookup_process(dead.pid) is None


def test_pid_namespace_detection_matches_nspid() -> None:
    nspid = next(
        line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("NSpid")
    )
    assert nvml.in_pid_namespace() is (len(nspid.split()) > 2)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("NVML_ERROR_LIBRARY_NOT_FOUND", "missing"),
        ("NVML_ERROR_DRIVER_NOT_LOADED", "missing"),
        ("NVML_ERROR_LIB_RM_VERSION_MISMATCH", "mismatch"),
        ("NVML_ERROR_NO_PERMISSION", "permission"),
        ("NVML_ERROR_GPU_IS_LOST", "lost"),
        ("NVML_ERROR_UNKNOWN", "error"),
    ],
)
def test_nvml_errors_map_to_reasons(code: str, kind: str) -> None:
    import pynvml

    exc = pynvml.NVMLError(getattr(pynvml, code))  # pynvml returns the specific subclass
    assert nvml.classify_error(exc).kind == kind


def test_not_supported_wrapper_returns_none() -> None:
    import pynvml

    def unsupported() -> int:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)

    def lost() -> int:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_GPU_IS_LOST)

    assert nvml._nv(pynvml, unsupported) is None
    with pytest.raises(pynvml.NVMLError_GpuIsLost):
        nvml._nv(pynvml, lost)


@pytest.mark.skipif(nvml.probe(3.0).__class__ is nvml.GpuSample, reason="this machine has a GPU")
def test_probe_without_a_gpu_is_missing() -> None:
    reading = nvml.probe(3.0)
    assert isinstance(reading, nvml.NvmlUnavailable)
    assert (reading.kind, reading.error) in {
        ("missing", "NVMLError_LibraryNotFound"),
        ("missing", "NVMLError_DriverNotLoaded"),
    }


def test_free_memory_is_what_neither_processes_nor_the_driver_hold() -> None:
    raw = fixture("busy")["sample"]
    sample = nvml.parse_sample(raw, no_such_pid, pid_namespace=False)
    (mem, *_) = nvml.gpu_memory(sample)
    dev = sample.devices[0]
    raw_free = raw["devices"][0]["memory_v2"]["free"]  # NVML's own free: total - reserved - used
    assert (mem.index, mem.total_bytes, mem.free_bytes) == (0, dev.memory_total, raw_free)
