"""Environment facts: os-release, the interpreter to describe, a real virtualenv."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from srvdoctor.probes.environment import (
    choose_interpreter,
    cpu_memory,
    python_env,
    read_os_release,
    system_info,
)


def test_os_release_parsing(tmp_path: Path) -> None:
    path = tmp_path / "os-release"
    path.write_text('PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\n# comment\nVERSION_ID=22.04\n')
    assert read_os_release([tmp_path / "missing", path]) == {
        "PRETTY_NAME": "Ubuntu 22.04.4 LTS",
        "NAME": "Ubuntu",
        "VERSION_ID": "22.04",
    }


def test_system_and_cpu_are_read() -> None:
    info = system_info()
    assert info.kernel.startswith("Linux ") and info.uptime_s > 0
    cm = cpu_memory()
    assert cm.mem_total_bytes > cm.mem_available_bytes > 0 and cm.cores_logical


def test_this_interpreter_in_its_venv() -> None:
    env = python_env(None, ["pytest"], 5)
    assert (env.executable, env.prefix, env.source) == (sys.executable, sys.prefix, "this interpreter")
    assert env.kind == ("venv" if sys.prefix != sys.base_prefix else "system")
    assert env.packages["pytest"] == pytest.__version__
    assert env.packages["torch"] is None


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv") / "proj-env"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(root)], check=True
    )
    return root


def test_activated_venv_is_chosen_over_srvdoctors(venv: Path) -> None:
    exe, source = choose_interpreter(None, {"VIRTUAL_ENV": str(venv)})
    assert (exe, source) == (str(venv / "bin" / "python"), "$VIRTUAL_ENV")
    assert choose_interpreter(None, {"VIRTUAL_ENV": sys.prefix}) == (None, "this interpreter")
    assert choose_interpreter("/usr/bin/python3", {"VIRTUAL_ENV": str(venv)}) == (
        "/usr/bin/python3",
        "--python",
    )


def test_another_interpreter_is_described_by_running_it(venv: Path) -> None:
    env = python_env(str(venv / "bin" / "python"), ["pip"], 10)
    assert env.error is None
    assert (env.kind, env.prefix, env.env_name) == ("venv", str(venv), "proj-env")
    assert env.executable == str(venv / "bin" / "python")


def test_a_broken_interpreter_is_reported_not_raised(tmp_path: Path) -> None:
    env = python_env(str(tmp_path / "nope" / "python"), [], 5)
    assert env.error is not None and "cannot run" in env.error


@pytest.mark.gpu
def test_gpu_driver_and_cuda_are_read_through_nvml() -> None:
    from srvdoctor.probes.environment import gpu_info

    info = gpu_info(5)
    assert info.reason is None and info.driver and info.devices
    assert info.cuda is not None and info.cuda.count(".") == 1
    assert all(d.memory_total_bytes > 0 for d in info.devices)


def test_no_gpu_is_a_reason_not_an_exception() -> None:
    from srvdoctor.probes.environment import gpu_info

    info = gpu_info(5)
    assert (info.driver is None) == (info.reason is not None)
