"""disk.deleted_open: judgment on values, and a real child process holding a deleted 5 MiB file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.disk import DiskDeletedOpen
from srvdoctor.model import Status
from srvdoctor.probes.filesystems import Filesystem
from srvdoctor.probes.openfiles import DeletedOpenFile, DeletedOpenScan

MiB = 1024**2
HOLDER = """
import os, sys, time
with open("/proc/self/comm", "w") as fh:
    fh.write("srvdoctor-held")
f = open(sys.argv[1], "wb")
f.write(os.urandom(5 * 1024 * 1024))
f.flush()
os.fsync(f.fileno())
os.unlink(sys.argv[1])
print("ready", f.fileno(), flush=True)
time.sleep(120)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path, int]]:
    """A child process that holds a deleted 5 MiB file open; yields (process, file path, fd)."""

    def start(directory: Path) -> tuple[subprocess.Popen[str], Path, int]:
        target = directory / "checkpoint.bin"
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(target)], stdout=subprocess.PIPE, text=True
        )
        started.append(proc)
        assert proc.stdout is not None
        word, fd = proc.stdout.readline().split()
        assert word == "ready"
        return proc, target, int(fd)

    started: list[subprocess.Popen[str]] = []
    yield start  # type: ignore[misc]
    for proc in started:
        proc.kill()
        proc.wait()


def fs(size: int, device: str = "0:99") -> Filesystem:
    return Filesystem(mountpoint="/data", source="tmpfs", fstype="tmpfs", device=device, readonly=False,
                      size_bytes=size, used_bytes=size // 2, avail_bytes=size // 2, free_bytes=size // 2,
                      inodes_total=10, inodes_used=1, inodes_avail=9)  # fmt: skip


def held(nbytes: int, pid: int = 42, inode: int = 7, fd: int = 3) -> DeletedOpenFile:
    return DeletedOpenFile(pid=pid, process="python", fd=fd, path="/data/train.log", size_bytes=nbytes,
                           held_bytes=nbytes, device="0:99", inode=inode)  # fmt: skip


@pytest.mark.parametrize(
    ("nbytes", "expected"),
    [(99 * MiB, Status.OK), (100 * MiB, Status.WARN), (1023 * MiB, Status.WARN), (1024 * MiB, Status.FAIL)],
)
def test_thresholds(nbytes: int, expected: Status) -> None:
    scan = DeletedOpenScan((held(nbytes),), processes=10, denied=0, as_root=True)
    (result,) = DiskDeletedOpen().judge(scan, [fs(1000 * 1024**3)])
    assert (result.status, result.target, result.data["held_bytes"]) == (expected, "/data", nbytes)


def test_a_file_held_twice_counts_once_and_a_big_share_fails() -> None:
    scan = DeletedOpenScan(
        (held(30 * MiB, pid=1), held(30 * MiB, pid=2)), processes=2, denied=0, as_root=True
    )
    (result,) = DiskDeletedOpen().judge(scan, [fs(200 * MiB)])
    assert (result.status, result.data["held_bytes"], result.playbook) == (
        Status.FAIL,
        30 * MiB,
        "deleted-open-files",
    )
    assert "df counts it, du cannot see it" in result.summary


def test_without_root_says_only_own_processes_were_seen() -> None:
    (result,) = DiskDeletedOpen().judge(DeletedOpenScan((), 50, 40, as_root=False), [])
    assert (result.status, result.summary) == (
        Status.SKIP,
        "not checked for 40 of 50 processes (their open files need root); "
        "none of the 10 read holds a deleted file open",
    )
    assert result.details[0].startswith("only your own processes could be read (40 of 50 were not)")


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.root
def test_a_user_who_can_read_no_process_gets_a_skip_not_none_found() -> None:
    """As nobody with no process of its own, /proc/*/fd of every other process is unreadable:
    "none found" would be a claim about files nobody looked at."""
    proc = subprocess.run([*NOBODY, sys.executable, "-m", "srvdoctor", "check", "--only", "disk", "--format", "json"],
                          capture_output=True, text=True, cwd="/", env={**os.environ, "HOME": "/tmp"},
                          timeout=60)  # fmt: skip
    (found,) = [r for r in json.loads(proc.stdout)["results"] if r["check"] == "disk.deleted_open"]
    assert (found["status"], found["data"]["held_bytes"]) == ("skip", None), found
    assert found["summary"].startswith("not checked: the open files of none of the "), found


@pytest.mark.root
def test_in_a_pid_namespace_the_verdict_says_the_host_was_not_seen() -> None:
    """`unshare --pid --mount-proc`, as a container without --pid=host: /proc holds only this
    namespace's processes, so "none" is said of them, with the host named as not read."""
    code = ("from srvdoctor.probes.openfiles import deleted_open_files as d; "
            "from srvdoctor.checks.disk import DiskDeletedOpen as c; "
            "(r,) = c().judge(d(), []); print(d().nested_pid_namespace, r.status.value, r.summary)")  # fmt: skip
    proc = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert proc.stdout.startswith("True ok none of the "), proc.stdout
    assert proc.stdout.rstrip().endswith(
        "processes in this PID namespace holds a deleted file open (the host's processes are not visible here)"
    ), proc.stdout


def test_child_holding_a_deleted_file_is_found(holder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proc, path, fd = holder(tmp_path)
    results = DiskDeletedOpen().run(CheckContext())
    # (pytest's own capture file, deleted and inherited as stderr, may show up too)
    files = [f for r in results for f in r.data["files"] if f["pid"] == proc.pid and f["fd"] == fd]
    assert files == [{"pid": proc.pid, "process": "srvdoctor-held", "fd": fd, "path": str(path),
                      "size_bytes": 5 * MiB, "held_bytes": files[0]["held_bytes"]}]  # fmt: skip
    assert files[0]["held_bytes"] >= 5 * MiB


@pytest.mark.root
def test_deleted_file_filling_a_tmpfs_fails_the_check(holder, tmpfs, cli) -> None:  # type: ignore[no-untyped-def]
    mount = tmpfs("held", size="16M")
    proc, path, fd = holder(mount)
    result = cli("check", "--only", "disk", "--format", "json")
    assert result.rc == 1, result.stderr
    (found,) = [r for r in json.loads(result.stdout)["results"]
                if r["check"] == "disk.deleted_open" and r["target"] == str(mount)]  # fmt: skip
    assert (found["status"], found["playbook"], found["data"]["held_bytes"]) == (
        "fail",
        "deleted-open-files",
        5 * MiB,
    )
    assert found["details"][0] == f"PID {proc.pid} (srvdoctor-held) fd {fd}: {path} (5.0 MiB)"
    assert f": > /proc/{proc.pid}/fd/{fd}" in found["hints"][1]
