"""Shared fixtures and the integration markers.

`root`, `docker`, `netns` and `gpu` skip with a reason where the resource is missing;
with SRVDOCTOR_REQUIRE_INTEGRATION=1 (CI) the first three fail instead of skipping.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_INTEGRATION = os.environ.get("SRVDOCTOR_REQUIRE_INTEGRATION") == "1"
REPO = Path(__file__).resolve().parent.parent
FIXTURES_NVML = REPO / "tests" / "fixtures" / "nvml"  # copied from ../shared/fixtures/nvml


@functools.cache
def _missing_root() -> str | None:
    return None if os.geteuid() == 0 else "needs root (run the suite as root: sudo ./scripts/test)"


@functools.cache
def _missing_netns() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            return f"needs {tool} (apt-get install iproute2 iptables)"
    return None


@functools.cache
def _missing_docker() -> str | None:
    if shutil.which("docker") is None:
        return "needs the docker CLI and engine (apt-get install docker.io; ./scripts/test starts dockerd)"
    try:
        proc = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"],
                              capture_output=True, text=True, timeout=20)  # fmt: skip
    except subprocess.TimeoutExpired:
        return "the Docker daemon did not answer within 20 s"
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        return f"no Docker daemon answers: {last}"
    return None


@functools.cache
def _missing_gpu() -> str | None:
    try:
        import pynvml

        pynvml.nvmlInit()
        count = pynvml.nvmlDeviceGetCount()
        pynvml.nvmlShutdown()
    except Exception as exc:
        return f"no NVIDIA GPU usable through NVML ({type(exc).__name__})"
    return None if count else "NVML found no GPU"


_CHECKS: dict[str, Callable[[], str | None]] = {
    "root": _missing_root,
    "netns": _missing_netns,
    "docker": _missing_docker,
    "gpu": _missing_gpu,
}


def skip_or_fail(reason: str) -> None:
    """Inside a root/docker/netns test: skip here, but fail under SRVDOCTOR_REQUIRE_INTEGRATION=1."""
    if REQUIRE_INTEGRATION:
        pytest.fail(f"SRVDOCTOR_REQUIRE_INTEGRATION=1 but {reason}", pytrace=False)
    pytest.skip(reason)


#: Variables of the caller's environment that would change what srvdoctor does in a test:
#: proxies (traffic must stay on loopback), CI annotations, an editor to open, a config.
_LEAKY_ENV = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "VISUAL", "EDITOR", "SRVDOCTOR_CONFIG", "SRVDOCTOR_NOTES",
)  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def _remove_test_images() -> Iterator[None]:
    yield
    from tests.dockerutil import remove_built_images

    remove_built_images()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for name, missing in _CHECKS.items():
        if item.get_closest_marker(name) is None:
            continue
        reason = missing()
        if reason is None:
            continue
        if REQUIRE_INTEGRATION and name != "gpu":
            pytest.fail(f"SRVDOCTOR_REQUIRE_INTEGRATION=1 but [{name}] {reason}", pytrace=False)
        pytest.skip(f"[{name}] {reason}")


@dataclass(frozen=True)
class CliResult:
    rc: int
    stdout: str
    stderr: str


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            input_text: str | None = None, timeout: float = 60) -> CliResult:  # fmt: skip
    """Run `python -m srvdoctor ARGS` as a real process, as a user would.

    Unless the test runs it in a directory of its own (`cwd`) or names a config, no config
    file applies: not a stray ./srvdoctor.toml nor /etc/srvdoctor/srvdoctor.toml.
    """
    pinned = {} if cwd is not None else {"SRVDOCTOR_CONFIG": os.devnull}
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **pinned, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "srvdoctor", *args],
        capture_output=True, text=True, env=full_env, cwd=cwd, input=input_text, timeout=timeout,
    )  # fmt: skip
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return run_cli


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Mount real tmpfs filesystems under tmp_path: `tmpfs("full", size="2M", nr_inodes=40)`."""
    mounted: list[Path] = []

    def mount(name: str, size: str = "2M", nr_inodes: int | None = None) -> Path:
        target = tmp_path / name
        target.mkdir()
        options = f"size={size}" + (f",nr_inodes={nr_inodes}" if nr_inodes else "")
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], check=True)
        mounted.append(target)
        return target

    yield mount
    for target in reversed(mounted):
        subprocess.run(["umount", "-l", str(target)], check=False)


def require_tool(tool: str, package: str) -> str:
    """The path of `tool`; skip (fail under SRVDOCTOR_REQUIRE_INTEGRATION=1) when it is missing."""
    path = shutil.which(tool) or next(
        (p for p in (f"/usr/sbin/{tool}", f"/usr/bin/{tool}") if os.access(p, os.X_OK)), None
    )
    if path is None:
        reason = f"needs {tool} (apt-get install {package}; ./scripts/test installs it as root)"
        if REQUIRE_INTEGRATION:
            pytest.fail(f"SRVDOCTOR_REQUIRE_INTEGRATION=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return path
