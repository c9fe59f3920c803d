"""disk.shm judged on real tmpfs mounts of Docker's default size and of a useful one."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.shm import ShmSize
from srvdoctor.model import Status

GiB = 1024**3


def _statvfs(path: Path) -> tuple[int, int]:
    st = os.statvfs(path)
    return st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize


@pytest.mark.root
def test_dockers_64_mib_default_warns(tmpfs: Callable[..., Path]) -> None:
    size, free = _statvfs(tmpfs("shm", size="64M"))
    result = ShmSize().judge(size, free, memory=24 * GiB, inside=True)
    assert (result.status, result.playbook) == (Status.WARN, "shm-too-small")
    assert result.summary == (
        "/dev/shm is 64.0 MiB (Docker's default): too small for DataLoader workers/NCCL (want ≥ 1.0 GiB); 0% used"
    )
    assert result.hints[0].startswith("docker run --shm-size=8g")


@pytest.mark.root
def test_an_8g_shm_is_fine_and_a_small_hosts_default_too(tmpfs: Callable[..., Path]) -> None:
    size, free = _statvfs(tmpfs("shm8g", size="8G"))
    assert ShmSize().judge(size, free, memory=24 * GiB, inside=True).status is Status.OK
    # a 2 GiB VM: /dev/shm defaults to half of RAM, 1 GiB — enough for what the machine can hold
    size, free = _statvfs(tmpfs("shm1g", size="1G"))
    assert ShmSize().judge(size, free, memory=2 * GiB).status is Status.OK


@pytest.mark.root
def test_a_nearly_full_shm_warns(tmpfs: Callable[..., Path]) -> None:
    shm = tmpfs("shmfull", size="4M")
    (shm / "torch_leftover").write_bytes(b"x" * (3900 * 1024))
    size, free = _statvfs(shm)
    result = ShmSize(min_bytes=1024 * 1024).judge(size, free, memory=24 * GiB)
    assert result.status is Status.WARN and "full: leftover files" in result.details[-1]


def test_this_machines_dev_shm_is_judged() -> None:
    (result,) = ShmSize().run(CheckContext())
    assert result.check == "disk.shm" and result.target == "/dev/shm"
    assert result.status in (Status.OK, Status.WARN) and result.data["size_bytes"] > 0
