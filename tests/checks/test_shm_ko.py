"""disk.shm in Korean: the machine's real /dev/shm through the CLI, and a real tmpfs of
Docker's 64 MiB default judged as a container's /dev/shm."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from srvdoctor.checks.shm import ShmSize
from srvdoctor.units import naturalsize
from tests.checks.test_disk_ko import table_line
from tests.checks.test_shm import _statvfs
from tests.conftest import CliResult

GiB = 1024**3


def test_this_machines_dev_shm_in_korean(cli: Callable[..., CliResult]) -> None:
    report = cli("check", "--only", "disk", "--format", "json", "--lang", "ko")
    [r] = [r for r in json.loads(report.stdout)["results"] if r["check"] == "disk.shm"]
    if r["status"] != "ok":
        pytest.skip(f"this machine's /dev/shm is not healthy: {r['summary']}")
    d = r["data"]
    size, free, pct = naturalsize(d["size_bytes"]), naturalsize(d["free_bytes"]), f"{d['used_percent']:.0f}"
    assert r["summary"] == f"/dev/shm is {size}, {pct}% used ({free} free)"
    assert r["localized"]["summary"] == f"/dev/shm 크기 {size}, {pct}% 사용 중 (여유 공간 {free})"
    table = cli("check", "--only", "disk", "--lang", "ko")
    assert table_line(table.stdout, "disk.shm", "/dev/shm") == (
        f"disk.shm: /dev/shm 크기 {size}, {pct}% 사용 중 (여유 공간 {free})"
    )


@pytest.mark.root
def test_dockers_64_mib_default_in_korean(tmpfs: Callable[..., Path]) -> None:
    size, free = _statvfs(tmpfs("shm", size="64M"))
    result = ShmSize().judge(size, free, memory=24 * GiB, inside=True).to_dict("ko")
    assert result["summary"] == (
        "/dev/shm is 64.0 MiB (Docker's default): too small for DataLoader workers/NCCL (want ≥ 1.0 GiB); 0% used"
    )
    assert result["localized"] == {
        "lang": "ko",
        "summary": "/dev/shm 크기 64.0 MiB (Docker 기본값): DataLoader 워커/NCCL에는 너무 작음 (1.0 GiB 이상 필요); "
        "0% 사용 중",
        "details": [
            "PyTorch DataLoader 워커는 배치를 /dev/shm에 넣어 넘기므로, 가득 차면 'Bus error'나 "
            "'unable to write to file </torch_…>'로 죽습니다. NCCL과 Ray도 필요로 합니다 "
            "(여기서는 최소 1.0 GiB, 보통 몇 GiB)"
        ],
        "hints": [
            "docker run --shm-size=8g … (또는 --ipc=host)",
            "Kubernetes: medium: Memory인 emptyDir을 /dev/shm에 마운트",
        ],
    }
    assert result["hints"] == [
        "docker run --shm-size=8g … (or --ipc=host)",
        "Kubernetes: mount an emptyDir with medium: Memory at /dev/shm",
    ]
