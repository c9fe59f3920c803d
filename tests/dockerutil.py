"""Real Docker objects for the `docker`-marked tests: the busybox test image and
containers named `sddocker-<random>`, removed (only they) at the end."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

IMAGE = "srvdoctor-test/busybox:2"
#: Every applet any docker-marked test runs (one image for all, whichever test builds it).
APPLETS = ("sh", "echo", "sleep", "true", "false", "cat")
#: One log line of ~1 KiB; `busybox yes LINE | busybox head -c N` writes N bytes of them fast.
LINE = "x" * 1000


def _docker(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=timeout)


#: Set when this test session imported IMAGE; conftest removes it at the end of the session.
built_here: list[str] = []


def build_image() -> bool:
    """Import the busybox image unless it exists; True when this call built it.

    Idempotent and safe to race: another session importing the same tag imports the
    same content.
    """
    if _docker("image", "inspect", IMAGE, check=False).returncode == 0:
        return False
    busybox = shutil.which("busybox")
    if busybox is None:
        pytest.fail("needs busybox (apt-get install busybox-static) to build the test image", pytrace=False)
    with tempfile.TemporaryDirectory(prefix="sddocker-root-") as tmp:
        root = Path(tmp)
        (root / "bin").mkdir()
        shutil.copy2(busybox, root / "bin" / "busybox")
        for applet in APPLETS:
            (root / "bin" / applet).symlink_to("busybox")
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", "-", IMAGE], stdin=tar.stdout, check=True,
                       capture_output=True, timeout=120)  # fmt: skip
        assert tar.stdout is not None
        tar.stdout.close()
        tar.wait(timeout=30)
    built_here.append(IMAGE)
    return True


@pytest.fixture(scope="session")
def docker_image() -> str:
    build_image()  # removed at the end of the session (tests/conftest.py)
    return IMAGE


def remove_built_images() -> None:
    """Remove the images this session imported; never forced (another run may still use them)."""
    while built_here:
        _docker("rmi", built_here.pop(), check=False)


def writer_script(nbytes: int, then: str = "") -> str:
    """A shell line writing `nbytes` of ~1 KiB log lines, then a marker, then `then`."""
    script = f"busybox yes {LINE} | busybox head -c {nbytes}; echo; echo sddocker-done"
    return f"{script}; {then}" if then else script


class Containers:
    """Starts containers with unique names; `cleanup` removes exactly those."""

    def __init__(self, image: str) -> None:
        self.image = image
        self.names: list[str] = []

    def run(self, script: str, *options: str) -> str:
        name = f"sddocker-{secrets.token_hex(4)}"
        self.names.append(name)
        _docker("run", "-d", "--name", name, "--network", "none", *options, self.image, "sh", "-c", script)
        return name

    def wait_done(self, name: str, timeout: float = 120) -> None:
        """Until the container logged its marker: every line before it is on disk."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tail = _docker("logs", "--tail", "1", name, check=False)
            if "sddocker-done" in tail.stdout:
                return
            time.sleep(0.2)
        raise AssertionError(f"{name} did not finish writing its logs within {timeout} s")

    def wait_exit(self, name: str) -> None:
        _docker("wait", name, timeout=120)

    def inspect(self, name: str, fmt: str) -> str:
        return _docker("inspect", "--format", fmt, name).stdout.strip()

    def cleanup(self) -> None:
        if self.names:
            _docker("rm", "-f", *self.names, check=False)
            self.names.clear()


@pytest.fixture
def containers(docker_image: str) -> Iterator[Containers]:
    made = Containers(docker_image)
    yield made
    made.cleanup()


def results_for(report: dict[str, object], check: str, target: str) -> dict[str, object]:
    results = report["results"]
    assert isinstance(results, list)
    matching = [r for r in results if r["check"] == check and r["target"] == target]
    assert len(matching) == 1, (check, target, matching)
    found: dict[str, object] = matching[0]
    return found


RunCli = Callable[..., object]
