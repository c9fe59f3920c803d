"""Facts about this machine and the user's Python for `srvdoctor report`.

OS and kernel, uptime, CPU, memory, the Python interpreter and its environment
(virtualenv, conda or system) with the versions of the packages that matter for ML
work, NVIDIA driver and CUDA versions through NVML, the Docker engine version.
Shell equivalents: `cat /etc/os-release; uname -a; uptime; nproc; free -h;
python -c 'import sys; print(sys.version, sys.prefix)'; pip list; nvidia-smi;
docker version`.

Every blocking call is bounded by a timeout. Nothing here prints.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from srvdoctor.messages import oserror, t
from srvdoctor.probes.timeout import call_with_timeout
from srvdoctor.record import dataclass

OS_RELEASE = (Path("/etc/os-release"), Path("/usr/lib/os-release"))

#: Packages the report always lists (with "not installed" where absent).
KEY_PACKAGES: tuple[str, ...] = (
    "torch", "torchvision", "torchaudio", "tensorflow", "jax", "jaxlib", "numpy",
    "transformers", "accelerate", "vllm", "onnxruntime-gpu", "nvidia-ml-py", "pynvml",
)  # fmt: skip


# --------------------------------------------------------------------------- system


@dataclass(frozen=True)
class SystemInfo:
    os_name: str
    kernel: str
    machine: str
    hostname: str
    boot_time: float
    uptime_s: float
    container: str | None  # "docker", "podman", "kubernetes", ... or None


def read_os_release(paths: Sequence[Path] = OS_RELEASE) -> dict[str, str]:
    """/etc/os-release as a dict (see os-release(5)); empty when there is none."""
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        out: dict[str, str] = {}
        for line in text.splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                out[key.strip()] = value.strip().strip("'\"")
        return out
    return {}


def _container() -> str | None:
    """The container runtime, from probes/container.py (a lone /.dockerenv is not a container)."""
    from srvdoctor.probes.container import detect

    return detect().runtime


def system_info() -> SystemInfo:
    import psutil

    release = read_os_release()
    name = release.get("PRETTY_NAME") or " ".join(filter(None, (release.get("NAME"), release.get("VERSION"))))
    boot = psutil.boot_time()
    return SystemInfo(
        os_name=name or platform.system(),
        kernel=f"{platform.system()} {platform.release()}",
        machine=platform.machine(),
        hostname=socket.gethostname(),
        boot_time=boot,
        uptime_s=max(0.0, time.time() - boot),
        container=_container(),
    )


@dataclass(frozen=True)
class CpuMemory:
    cpu_model: str
    cores_physical: int | None
    cores_logical: int | None
    load: tuple[float, float, float]
    mem_total_bytes: int
    mem_available_bytes: int
    swap_total_bytes: int
    swap_used_bytes: int


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or platform.machine()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "cpu model") and value.strip():
            return " ".join(value.split())
    return platform.processor() or platform.machine()


def cpu_memory() -> CpuMemory:
    import psutil

    mem = psutil.virtual_memory()
    swap = psutil.swap_memory()
    one, five, fifteen = os.getloadavg()
    return CpuMemory(
        cpu_model=cpu_model(),
        cores_physical=psutil.cpu_count(logical=False),
        cores_logical=psutil.cpu_count(logical=True),
        load=(one, five, fifteen),
        mem_total_bytes=mem.total,
        mem_available_bytes=mem.available,
        swap_total_bytes=swap.total,
        swap_used_bytes=swap.used,
    )


# --------------------------------------------------------------------------- python

#: Runs in-process or in another interpreter (`python -c`): standard library only.
_PYENV_SCRIPT = r"""
import json, os, platform, re, sys
from importlib import metadata

def _norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

def describe(key, extra):
    prefix, base = sys.prefix, getattr(sys, "base_prefix", sys.prefix)
    conda = os.path.isdir(os.path.join(prefix, "conda-meta"))
    if prefix != base:
        kind = "venv"
    elif conda:
        kind = "conda"
    else:
        kind = "system"
    name = None
    if kind == "conda":
        name = os.environ.get("CONDA_DEFAULT_ENV") or os.path.basename(prefix)
    elif kind == "venv":
        name = os.path.basename(prefix)
    installed = {}
    for dist in metadata.distributions():
        try:
            dname = dist.metadata["Name"]
        except Exception:
            continue
        if dname:
            installed.setdefault(_norm(dname), (dname, dist.version))
    packages = {}
    for wanted in list(key) + list(extra):
        hit = installed.get(_norm(wanted))
        packages[hit[0] if hit else wanted] = hit[1] if hit else None
    for norm, (dname, version) in sorted(installed.items()):
        if norm.startswith("nvidia-") or "cuda" in norm:
            packages.setdefault(dname, version)
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "prefix": prefix,
        "base_prefix": base,
        "kind": kind,
        "env_name": name,
        "conda": conda,
        "packages": packages,
    }

if __name__ == "__main__":
    args = json.loads(sys.argv[1])
    print(json.dumps(describe(args["key"], args["extra"])))
"""


@dataclass(frozen=True)
class PythonEnv:
    """One Python interpreter and its environment, as the user runs it."""

    version: str
    implementation: str
    executable: str
    prefix: str
    kind: str  # venv | conda | system
    env_name: str | None
    packages: dict[str, str | None]
    source: str  # "this interpreter", "$VIRTUAL_ENV", "$CONDA_PREFIX", "--python"
    conda: bool = False
    error: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _same(a: str, b: str) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except OSError:
        return a == b


def choose_interpreter(python: str | None, environ: dict[str, str] | None = None) -> tuple[str | None, str]:
    """Which interpreter to describe: --python, else the activated venv or conda env when
    srvdoctor itself runs elsewhere (pipx), else this one (None)."""
    env = os.environ if environ is None else environ
    if python:
        return python, "--python"
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        root = env.get(var)
        if root and not _same(root, sys.prefix):
            candidate = Path(root) / "bin" / "python"
            if candidate.exists():
                return str(candidate), f"${var}"
    return None, "this interpreter"


def python_env(python: str | None, extra: Sequence[str], timeout: float) -> PythonEnv:
    """Describe the chosen interpreter; an interpreter that fails is reported, not raised."""
    exe, source = choose_interpreter(python)
    args = {"key": list(KEY_PACKAGES), "extra": list(extra)}
    if exe is None:
        namespace: dict[str, Any] = {"__name__": "srvdoctor_pyenv"}
        exec(compile(_PYENV_SCRIPT, "<srvdoctor pyenv>", "exec"), namespace)
        data = namespace["describe"](args["key"], args["extra"])
    else:
        from srvdoctor.probes.run_command import run_in_group

        try:  # its own process group, killed whole on timeout: a child it starts cannot linger
            proc = run_in_group((exe, "-c", _PYENV_SCRIPT, json.dumps(args)), timeout)
        except subprocess.TimeoutExpired:
            return _failed(
                exe, source, t("{what} did not answer within {timeout:g} s", what=exe, timeout=timeout)
            )
        except OSError as exc:
            return _failed(
                exe, source, t("cannot run {exe}: {error}", exe=exe, error=oserror(str(exc.strerror)))
            )
        stderr = proc.stderr.decode("utf-8", "replace")
        if proc.returncode != 0:
            last = (stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            return _failed(exe, source, t("{exe} failed: {error}", exe=exe, error=last))
        try:
            data = json.loads(proc.stdout.decode("utf-8", "replace"))
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except (ValueError, RecursionError):
            return _failed(
                exe, source, t("{exe} did not describe itself (not the JSON srvdoctor asked for)", exe=exe)
            )
    try:
        return _python_env_of(data, exe, source)
    except (KeyError, TypeError, ValueError):
        return _failed(
            str(exe), source, t("{exe} did not describe itself (not the JSON srvdoctor asked for)", exe=exe)
        )


def _python_env_of(data: dict[str, Any], exe: str | None, source: str) -> PythonEnv:
    notes: list[str] = []
    active = os.environ.get("VIRTUAL_ENV")
    if exe is None and active and not _same(active, data["prefix"]):
        notes.append(
            t(
                "$VIRTUAL_ENV is {active}, but srvdoctor runs in {prefix}",
                active=active,
                prefix=data["prefix"],
            )
        )
    return PythonEnv(
        version=data["version"],
        implementation=data["implementation"],
        executable=data["executable"],
        prefix=data["prefix"],
        kind=data["kind"],
        env_name=data["env_name"],
        packages=dict(data["packages"]),
        source=source,
        conda=bool(data["conda"]),
        notes=tuple(notes),
    )


def _failed(exe: str, source: str, reason: str) -> PythonEnv:
    return PythonEnv("", "", exe, "", "unknown", None, {}, source, error=reason)


# --------------------------------------------------------------------------- gpu


@dataclass(frozen=True)
class GpuDevice:
    name: str
    memory_total_bytes: int


@dataclass(frozen=True)
class GpuInfo:
    driver: str | None
    cuda: str | None  # the highest CUDA version the driver supports, e.g. "12.4"
    devices: tuple[GpuDevice, ...]
    reason: str | None = None  # why there is no reading


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _nvml_read() -> GpuInfo:
    import pynvml

    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return GpuInfo(None, None, (), _nvml_reason(exc))
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        try:
            raw = int(pynvml.nvmlSystemGetCudaDriverVersion_v2())
            cuda: str | None = f"{raw // 1000}.{raw % 1000 // 10}"
        except pynvml.NVMLError:
            cuda = None
        devices = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            name = _text(pynvml.nvmlDeviceGetName(handle))
            try:
                total = int(pynvml.nvmlDeviceGetMemoryInfo(handle).total)
            except pynvml.NVMLError:
                total = 0
            devices.append(GpuDevice(name, total))
        return GpuInfo(driver, cuda, tuple(devices))
    finally:
        pynvml.nvmlShutdown()


def _nvml_reason(exc: Exception) -> str:
    name = type(exc).__name__
    if "LibraryNotFound" in name:
        return t("no NVIDIA driver: libnvidia-ml.so not found")
    if "DriverNotLoaded" in name:
        return t("the NVIDIA driver is installed but not loaded")
    return f"NVML: {exc}"


def gpu_info(timeout: float) -> GpuInfo:
    try:
        return call_with_timeout(_nvml_read, timeout, "NVML")
    except ImportError:
        return GpuInfo(None, None, (), t("nvidia-ml-py is not installed"))
    except Exception as exc:
        return GpuInfo(None, None, (), str(exc) or type(exc).__name__)


# --------------------------------------------------------------------------- docker


@dataclass(frozen=True)
class DockerInfo:
    version: str | None
    api_version: str | None
    reason: str | None = None


def _docker_read(timeout: float) -> DockerInfo:
    from srvdoctor.probes.docker_api import default_url, read_with

    # the engine docker.from_env() would use; a unix socket is read without the Docker SDK
    version = read_with(default_url(), max(1, round(timeout)), lambda api: api.version())
    return DockerInfo(version.get("Version"), version.get("ApiVersion"))


def docker_info(timeout: float) -> DockerInfo:
    try:
        return call_with_timeout(lambda: _docker_read(timeout), timeout + 0.5, "the Docker engine")
    except ImportError:
        return DockerInfo(None, None, t("the docker Python package is not installed"))
    except Exception as exc:
        text = str(exc).strip().splitlines()
        reason = text[0] if text else type(exc).__name__
        if "FileNotFoundError" in reason or "No such file" in reason:
            return DockerInfo(None, None, t("no Docker engine (no socket at /var/run/docker.sock)"))
        return DockerInfo(None, None, reason[:200])
