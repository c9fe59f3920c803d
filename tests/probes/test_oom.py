"""OOM-kill sources: kernel log text captured from real kills, and a real kill in a small cgroup."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from srvdoctor.checks.load import MemOom
from srvdoctor.model import Status
from srvdoctor.probes import oom
from tests.conftest import skip_or_fail

# /dev/kmsg records captured on this project's VM (kernel 6.18) while a python3 child in a
# cgroup v1 memory group of 32 MiB allocated 200 MiB
KMSG_MEMCG = [
    "4,358,990021640,-;python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n",
    "6,436,990025015,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
    "oom_memcg=/srvdoctor-load-probe,task_memcg=/srvdoctor-load-probe,task=python3,pid=11675,uid=0\n",
    "3,437,990025038,-;Memory cgroup out of memory: Killed process 11675 (python3) total-vm:221364kB, "
    "anon-rss:32512kB, file-rss:6644kB, shmem-rss:0kB, UID:0 pgtables:128kB oom_score_adj:0\n",
]
# `journalctl -k -o short-unix` lines of a whole-machine OOM kill (Ubuntu 22.04, kernel 5.15)
JOURNAL_GLOBAL = """\
1732612205.118532 gpu07 kernel: python invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
1732612205.121344 gpu07 kernel: oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice/user-1000.slice/session-4.scope,task=python,pid=4242,uid=1000
1732612205.121377 gpu07 kernel: Out of memory: Killed process 4242 (python) total-vm:66712540kB, anon-rss:62001604kB, file-rss:70312kB, shmem-rss:0kB, UID:1000 pgtables:122412kB oom_score_adj:0
"""


def test_kmsg_records_of_a_cgroup_kill() -> None:
    lines = [oom.parse_kmsg_record(r, boot_time=1_000_000.0) for r in KMSG_MEMCG]
    (kill,) = oom.parse_kernel_lines(lines)
    assert kill == oom.OomKill(
        pid=11675, name="python3", time=1_000_000.0 + 990.025038, source="kernel log",
        cgroup="/srvdoctor-load-probe", anon_rss_bytes=32512 * 1024, uid=0,
    )  # fmt: skip


def test_journal_lines_of_a_whole_machine_kill() -> None:
    (kill,) = oom.parse_kernel_lines(oom.parse_journal(JOURNAL_GLOBAL))
    assert (kill.pid, kill.name, kill.time, kill.uid) == (4242, "python", 1732612205.121377, 1000)
    assert kill.cgroup == "/user.slice/user-1000.slice/session-4.scope"
    assert kill.anon_rss_bytes == 62001604 * 1024


def test_judged_kills_fail_within_an_hour_warn_within_a_day_then_ok() -> None:
    (kill,) = oom.parse_kernel_lines(oom.parse_journal(JOURNAL_GLOBAL))
    reading = oom.OomReading((kill,), ("journalctl -k",), ())
    assert kill.time is not None
    recent = MemOom().judge(reading, now=kill.time + 1800)
    assert (recent.status, recent.playbook) == (Status.FAIL, "oom-killed")
    assert recent.summary.startswith("1 OOM kill since boot; latest: python (pid 4242) killed 30m00s ago")
    assert recent.summary.endswith(
        "in cgroup /user.slice/user-1000.slice/session-4.scope, 59.1 GiB resident [kernel log]"
    )
    assert MemOom().judge(reading, now=kill.time + 3 * 3600).status is Status.WARN
    old = MemOom().judge(reading, now=kill.time + 3 * 86400)
    assert (old.status, old.playbook) == (Status.OK, None) and "killed 3d" in old.summary
    custom = MemOom(fail_within_s=6 * 3600, warn_within_s=7 * 86400)
    assert custom.judge(reading, now=kill.time + 3 * 3600).status is Status.FAIL
    assert custom.judge(reading, now=kill.time + 3 * 86400).status is Status.WARN
    with pytest.raises(ValueError, match="fail_within_s <= warn_within_s"):
        MemOom(fail_within_s=7200, warn_within_s=3600)


def test_a_counted_kill_is_recent_when_its_cgroup_is() -> None:
    """A container's counter says a kill happened, not when: it happened after the cgroup was made."""
    now = 1_800_000_000.0
    young = oom.OomKill(None, "?", None, "cgroup counter x", count=2, not_before=now - 600)
    reading = oom.OomReading((young,), ("/sys/fs/cgroup/memory.events",), ("kernel log: /dev/kmsg: EPERM",),
                             kernel_log=False, scope="container")  # fmt: skip
    result = MemOom().judge(reading, now)
    assert result.status is Status.FAIL
    assert result.summary == (
        "2 OOM kills in this container's cgroup; latest: 2 processes killed within the last 10m00s "
        "(time unknown: counted, not logged) [cgroup counter x]"
    )
    old = oom.OomKill(None, "?", None, "/proc/vmstat oom_kill", not_before=now - 5 * 86400)
    reading = oom.OomReading((old,), ("/proc/vmstat",), ("kernel log: ...",), kernel_log=False)
    assert MemOom().judge(reading, now).status is Status.WARN  # may be recent: never ok


def test_no_kill_counted_while_the_log_is_unreadable_names_what_was_not_read() -> None:
    reading = oom.OomReading((), ("/proc/vmstat",), ("kernel log: /dev/kmsg: Operation not permitted",),
                             kernel_log=False)  # fmt: skip
    result = MemOom().judge(reading, now=time.time())
    assert result.status is Status.OK
    assert result.summary == (
        "no OOM kills since boot (read /proc/vmstat); the kernel log could not be read, "
        "so victims and times are unknown"
    )
    assert result.details == ("kernel log: /dev/kmsg: Operation not permitted",)


def test_nothing_readable_is_a_skip_with_the_reason() -> None:
    reading = oom.OomReading((), (), ("kernel log: /dev/kmsg: Operation not permitted",))
    result = MemOom().judge(reading, now=time.time())
    assert result.status is Status.SKIP and result.details[0].endswith("Operation not permitted")


def test_reading_dev_kmsg_does_not_block() -> None:
    if not os.access("/dev/kmsg", os.R_OK):
        skip_or_fail("/dev/kmsg is not readable here")
    started = time.monotonic()
    oom.read_kmsg()
    assert time.monotonic() - started < 5  # returns at the end of the buffer instead of waiting


# ------------------------------------------------------------------ a real OOM kill


@dataclass
class MemoryCgroup:
    path: Path
    counter: Path  # memory.events (v2) or memory.oom_control (v1)


def _make_cgroup(name: str, limit: int) -> MemoryCgroup:
    root = Path("/sys/fs/cgroup")
    if (
        "memory" in (root / "cgroup.controllers").read_text().split()
        if (root / "cgroup.controllers").exists()
        else False
    ):
        path = root / name
        path.mkdir()
        (path / "memory.max").write_text(str(limit))
        if (path / "memory.swap.max").exists():
            (path / "memory.swap.max").write_text("0")
        return MemoryCgroup(path, path / "memory.events")
    if (root / "memory" / "memory.limit_in_bytes").exists():
        path = root / "memory" / name
        path.mkdir()
        (path / "memory.limit_in_bytes").write_text(str(limit))
        if (path / "memory.memsw.limit_in_bytes").exists():
            (path / "memory.memsw.limit_in_bytes").write_text(str(limit))
        return MemoryCgroup(path, path / "memory.oom_control")
    skip_or_fail("no memory cgroup controller (neither v2 memory.max nor v1 memory.limit_in_bytes)")


@pytest.fixture
def small_cgroup() -> Iterator[MemoryCgroup]:
    cg = _make_cgroup(f"srvdoctor-load-{uuid.uuid4().hex[:8]}", 32 << 20)
    try:
        yield cg
    finally:
        for _ in range(50):
            try:
                cg.path.rmdir()
                break
            except OSError:  # the killed child is still being torn down
                time.sleep(0.1)


@pytest.mark.root
def test_a_real_oom_kill_is_found_with_victim_and_time(small_cgroup: MemoryCgroup) -> None:
    before = time.time()
    # the shell joins the 32 MiB group, then becomes python (same PID), which allocates 200 MiB
    script = f'echo $$ > {small_cgroup.path}/cgroup.procs && exec "$0" -c "b = b\'x\' * (200 << 20)"'
    child = subprocess.Popen(["sh", "-c", script, sys.executable], stderr=subprocess.DEVNULL)
    assert child.wait(timeout=30) == -9  # SIGKILL from the OOM killer
    assert oom.read_oom_counter(small_cgroup.counter) == 1
    reading = oom.read_oom(3.0, with_docker=False)
    mine = [k for k in reading.kills if k.pid == child.pid]
    assert len(mine) == 1, reading
    kill = mine[0]
    comm = Path(sys.executable).name[:15]  # the kernel names the victim by its comm
    assert (kill.name, kill.source, kill.cgroup) == (comm, "kernel log", "/" + small_cgroup.path.name)
    assert kill.time is not None and abs(kill.time - before) < 60
    result = MemOom().judge(reading, now=time.time())
    assert (result.status, result.playbook) == (Status.FAIL, "oom-killed")
    assert f"(pid {child.pid})" in result.summary + " ".join(result.details)


# ------------------------------------------------------------------ Docker's OOMKilled


@pytest.fixture
def busybox_image(tmp_path: Path) -> Iterator[str]:
    """A one-binary image from Debian's busybox-static (no pulls): `dd` allocates its block size."""
    tag = f"srvdoctor-load-test/busybox:{uuid.uuid4().hex[:8]}"
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "busybox").write_bytes(Path("/bin/busybox").read_bytes())
    (root / "bin" / "busybox").chmod(0o755)
    for applet in ("sh", "dd"):
        (root / "bin" / applet).symlink_to("busybox")
    tar = subprocess.run(["tar", "-C", str(root), "-c", "."], capture_output=True, check=True)
    subprocess.run(["docker", "import", "-", tag], input=tar.stdout, capture_output=True, check=True)
    try:
        yield tag
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)


@pytest.mark.docker
def test_a_container_killed_by_its_memory_limit_is_found(busybox_image: str) -> None:
    if not Path("/bin/busybox").exists():
        pytest.fail("needs /bin/busybox (apt-get install busybox-static)")
    name = f"srvdoctor-load-{uuid.uuid4().hex[:8]}"
    try:
        run = subprocess.run(
            ["docker", "run", "--name", name, "--network", "none", "--memory", "16m", "--memory-swap", "16m", busybox_image,
             "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert run.returncode == 137, run.stderr
        kills = [k for k in oom.docker_oom_kills(10.0) if k.name == f"container {name}"]
        assert len(kills) == 1 and kills[0].source == "docker"
        assert kills[0].time is not None and abs(kills[0].time - time.time()) < 120
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


# ------------------------------------------------------------------ dmesg restricted (issue 12.2)


@pytest.fixture
def dmesg_restricted() -> Iterator[None]:
    path = Path("/proc/sys/kernel/dmesg_restrict")
    before = path.read_text().strip()
    path.write_text("1")
    try:
        yield
    finally:
        path.write_text(before)


@pytest.mark.root
def test_an_unprivileged_user_with_dmesg_restricted_never_hears_no_kills(
    small_cgroup: MemoryCgroup, dmesg_restricted: None
) -> None:
    """A real OOM kill, then `srvdoctor load` as nobody: /dev/kmsg is EPERM and `journalctl -k`
    answers nothing; 0.1.0 said "no OOM kills since boot (read journalctl -k)"."""
    if shutil.which("setpriv") is None:
        skip_or_fail("needs setpriv (util-linux)")
    script = f'echo $$ > {small_cgroup.path}/cgroup.procs && exec "$0" -c "b = b\'x\' * (200 << 20)"'
    child = subprocess.Popen(["sh", "-c", script, sys.executable], stderr=subprocess.DEVNULL)
    assert child.wait(timeout=30) == -9
    proc = subprocess.run(
        ["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups",
         sys.executable, "-m", "srvdoctor", "load", "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False, cwd="/",
        env={**os.environ, "SRVDOCTOR_CONFIG": os.devnull, "PYTHONPATH": str(Path(__file__).parents[2])},
    )  # fmt: skip
    report = json.loads(proc.stdout)
    (result,) = [r for r in report["results"] if r["check"] == "mem.oom"]
    assert result["status"] in ("warn", "fail"), result
    assert not result["summary"].startswith("no OOM"), result
    assert "OOM kill" in result["summary"] and "/proc/vmstat" in result["data"]["sources"]
    assert result["data"]["kernel_log_read"] is False
    assert any("kernel log: /dev/kmsg: Operation not permitted" in d for d in result["details"]), result
