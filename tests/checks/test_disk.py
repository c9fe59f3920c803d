"""disk.space and disk.inodes: judgment on values, and on real full tmpfs mounts."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from srvdoctor.checks.disk import DiskInodes, DiskSpace
from srvdoctor.model import Status
from srvdoctor.probes.filesystems import Filesystem


def fs(used: int, avail: int, free: int | None = None, inodes: tuple[int, int] = (100, 50)) -> Filesystem:
    size = used + (free if free is not None else avail)
    return Filesystem(
        mountpoint="/data", source="/dev/sdb1", fstype="ext4", device="8:17", readonly=False,
        size_bytes=size, used_bytes=used, avail_bytes=avail,
        free_bytes=free if free is not None else avail,
        inodes_total=inodes[0], inodes_used=inodes[0] - inodes[1], inodes_avail=inodes[1],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("used", "avail", "expected"),
    [(79, 21, Status.OK), (80, 20, Status.WARN), (89, 11, Status.WARN), (90, 10, Status.FAIL)],
)
def test_space_thresholds(used: int, avail: int, expected: Status) -> None:
    assert DiskSpace().judge(fs(used, avail)).status is expected


def test_space_counts_root_reserve_as_full_like_df() -> None:
    # 95 used, 0 available to users, 5 reserved for root: df says 100 %.
    result = DiskSpace().judge(fs(95, 0, free=5))
    assert (result.status, result.data["used_percent"], result.playbook) == (Status.FAIL, 100.0, "disk-full")
    assert "reserved for root" in result.details[0]


def test_space_thresholds_come_from_fields() -> None:
    assert DiskSpace(warn_percent=50, fail_percent=60).judge(fs(55, 45)).status is Status.WARN


def test_inverted_thresholds_are_rejected() -> None:
    with pytest.raises(ValueError, match="warn_percent <= fail_percent"):
        DiskSpace(warn_percent=95, fail_percent=90)


def test_inodes_judged_on_user_visible_inodes() -> None:
    result = DiskInodes().judge(fs(1, 99, inodes=(1000, 50)))
    assert (result.status, result.data["inodes_used_percent"]) == (Status.FAIL, 95.0)


def _results_for(report: dict[str, object], check: str, target: Path) -> dict[str, object]:
    results = report["results"]
    assert isinstance(results, list)
    matching = [r for r in results if r["check"] == check and r["target"] == str(target)]
    assert len(matching) == 1, matching
    return matching[0]


@pytest.mark.root
def test_full_tmpfs_fails_disk_space(tmpfs, cli) -> None:  # type: ignore[no-untyped-def]
    full = tmpfs("full", size="2M")
    with open(full / "blob", "wb") as fh, pytest.raises(OSError, match="No space left on device"):
        fh.write(b"\0" * (3 * 1024 * 1024))
        fh.flush()
    result = cli("check", "--only", "disk", "--format", "json")
    assert result.rc == 1, result.stderr
    found = _results_for(json.loads(result.stdout), "disk.space", full)
    assert (found["status"], found["playbook"], found["data"]["free_bytes"]) == ("fail", "disk-full", 0)


@pytest.mark.root
def test_inode_exhausted_tmpfs_fails_disk_inodes_only(tmpfs, cli) -> None:  # type: ignore[no-untyped-def]
    target = tmpfs("inodes", size="2M", nr_inodes=40)
    created = 0
    with pytest.raises(OSError) as excinfo:
        for i in range(100):
            (target / f"f{i}").touch()
            created += 1
    assert excinfo.value.errno == 28  # ENOSPC, as the user sees it
    report = json.loads(cli("check", "--only", "disk", "--format", "json").stdout)
    assert _results_for(report, "disk.inodes", target)["status"] == "fail"
    assert _results_for(report, "disk.space", target)["status"] == "ok"


@pytest.mark.root
def test_thresholds_from_config_apply(tmpfs, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    half = tmpfs("half", size="4M")
    (half / "blob").write_bytes(os.urandom(2 * 1024 * 1024 + 4096))
    config = tmp_path / "srvdoctor.toml"
    config.write_text('[checks."disk.space"]\nwarn_percent = 40\nfail_percent = 95\n')
    report = json.loads(cli("check", "--only", "disk", "-f", "json", "-c", str(config)).stdout)
    assert _results_for(report, "disk.space", half)["status"] == "warn"


def test_space_summary_explains_the_reserve_in_the_same_line() -> None:
    """used + free + reserved add up to the size in the summary itself (issue 12.12)."""
    gib = 1024**3
    ext4 = fs(24 * gib, 78 * gib, free=228 * gib)  # 150 GiB free but not for users
    summary = DiskSpace().judge(ext4).summary
    assert summary == (
        "/data is 24% full (24.0 GiB used, 78.0 GiB free to users, 150.0 GiB reserved for root; size 252.0 GiB)"
    )
    other = dataclasses.replace(ext4, fstype="xfs")
    assert "root" not in DiskSpace().judge(other).summary
    assert "150.0 GiB held back by xfs" in DiskSpace().judge(other).summary
    nobody = dataclasses.replace(ext4, options="rw,relatime,resuid=65534,resgid=65534")
    assert "reserved for uid 65534 and gid 65534;" in DiskSpace().judge(nobody).summary
    assert DiskSpace().judge(fs(10, 90)).summary == "/data is 10% full (90 B free of 100 B)"
