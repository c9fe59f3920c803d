"""The NVML probe: fixtures parse into the plain values, errors map to reasons, no GPU here is clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def test_deprecated_pynvml_distribution_is_detected(tmp_path: Path) -> None:
    # a real installed-distribution record, as pip writes it, on sys.path of a fresh interpreter
    info = tmp_path / "pynvml-12.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pynvml\nVersion: 12.0.0\n")
    code = "from srvdoctor.probes.nvml import pynvml_distribution as d; print(d())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)}, check=True)  # fmt: skip
    assert out.stdout.strip() == "12.0.0"
    assert nvml.pynvml_distribution() is None  # this venv has only nvidia-ml-py


def test_torch_cuda_build_is_read_without_importing_torch(tmp_path: Path) -> None:
    pkg = tmp_path / "torch"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("raise RuntimeError('importing torch is slow: never do it')\n")
    (pkg / "version.py").write_text(
        "from typing import Optional\n__version__ = '2.5.1+cu124'\ncuda: Optional[str] = '12.4'\n"
    )
    code = "from srvdoctor.probes.nvml import torch_build; print(torch_build())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)}, check=True)  # fmt: skip
    assert out.stdout.strip() == "('2.5.1+cu124', '12.4')"
