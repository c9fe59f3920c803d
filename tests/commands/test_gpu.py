"""`srvdoctor gpu` as a user runs it: clean on a machine without NVIDIA, and live against NVML."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from srvdoctor.probes import nvml
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
HAS_GPU = isinstance(nvml.probe(5.0), nvml.GpuSample)


@pytest.mark.skipif(HAS_GPU, reason="this machine has an NVIDIA GPU")
def test_no_nvidia_is_exit_0_one_skip_line_and_silence_from_the_bindings(cli: Cli) -> None:
    result = cli("gpu", env={"PYTHONWARNINGS": "error"})
    assert (result.rc, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "gpu",
        "  [-] gpu.driver driver: no NVIDIA driver (NVML Shared Library Not Found): no NVIDIA GPU to check",
        "",
        "No problems found (1 skip).",
    ]
    report = json.loads(cli("gpu", "--format", "json").stdout)
    assert [(r["check"], r["status"], r["data"]["reason"]) for r in report["results"]] == [
        ("gpu.driver", "skip", "missing")
    ]


def test_deprecated_pynvml_beside_nvidia_ml_py_warns(cli: Cli, tmp_path: Path) -> None:
    info = tmp_path / "pynvml-12.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pynvml\nVersion: 12.0.0\n")
    result = cli("gpu", "--format", "json", env={"PYTHONPATH": str(tmp_path)})
    conflict = [r for r in json.loads(result.stdout)["results"] if r["target"] == "pynvml"]
    assert [(r["status"], r["playbook"]) for r in conflict] == [("warn", "pynvml-conflict")]
    assert result.rc == 0  # a warning does not fail the run


def test_bad_input_is_one_line_exit_2(cli: Cli) -> None:
    result = cli("gpu", "--format", "xml")
    assert (result.rc, result.stderr.strip()) == (
        2,
        "srvdoctor: error: --format must be one of table, json, not 'xml'",
    )


# ------------------------------------------------------------------ live, on a real GPU


@pytest.mark.gpu
def test_gpu_json_agrees_with_nvml_read_directly(cli: Cli) -> None:
    import pynvml

    result = cli("gpu", "--format", "json")
    report = json.loads(result.stdout)
    pynvml.nvmlInit()
    try:
        count = pynvml.nvmlDeviceGetCount()
        driver = pynvml.nvmlSystemGetDriverVersion()
        expected = {}
        for i in range(count):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            try:
                mem = pynvml.nvmlDeviceGetMemoryInfo(h, pynvml.nvmlMemory_v2)
            except pynvml.NVMLError_NotSupported:
                mem = pynvml.nvmlDeviceGetMemoryInfo(h)
            expected[f"gpu{i}"] = (mem.total, mem.used, pynvml.nvmlDeviceGetName(h))
    finally:
        pynvml.nvmlShutdown()
    assert report["driver"] == (driver.decode() if isinstance(driver, bytes) else driver)
    assert report["gpus"] == count
    memory = {r["target"]: r for r in report["results"] if r["check"] == "gpu.memory"}
    assert set(memory) == set(expected)
    for target, (total, used, raw_name) in expected.items():
        name = raw_name.decode() if isinstance(raw_name, bytes) else raw_name
        assert memory[target]["data"]["total_bytes"] == total
        assert abs(memory[target]["data"]["used_bytes"] - used) <= 256 << 20  # memory moves between reads
        assert name in memory[target]["summary"]
    assert {r["check"] for r in report["results"]} == {
        "gpu.memory", "gpu.temperature", "gpu.throttle", "gpu.ecc", "gpu.processes", "gpu.driver",
    }  # fmt: skip
    assert result.rc in (0, 1) and "Traceback" not in result.stderr


@pytest.mark.gpu
def test_gpu_processes_are_the_pids_nvml_lists(cli: Cli) -> None:
    import pynvml

    pynvml.nvmlInit()
    try:
        pids = {p.pid for i in range(pynvml.nvmlDeviceGetCount())
                for p in pynvml.nvmlDeviceGetComputeRunningProcesses(pynvml.nvmlDeviceGetHandleByIndex(i))}  # fmt: skip
    finally:
        pynvml.nvmlShutdown()
    report = json.loads(cli("gpu", "--format", "json").stdout)
    listed = {
        p["pid"] for r in report["results"] if r["check"] == "gpu.processes" for p in r["data"]["processes"]
    }
    assert listed == pids  # the same compute PIDs (an idle test GPU: none, or a steady job's)
