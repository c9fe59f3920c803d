"""`load --pid N` / `--cgroup PATH` on a bare host: a process in a limited cgroup (as a systemd
slice with MemoryMax would be) is judged against its limits."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli, skip_or_fail

MiB = 1024 * 1024
MEMORY = Path("/sys/fs/cgroup/memory")


@pytest.fixture
def limited_job() -> Iterator[tuple[str, int]]:
    """A python process holding ~100 MiB in a v1 memory cgroup limited to 112 MiB."""
    if not (MEMORY / "memory.limit_in_bytes").exists():
        skip_or_fail("no cgroup v1 memory controller at /sys/fs/cgroup/memory")
    name = f"srvdoctor-job-{uuid.uuid4().hex[:8]}"
    path = MEMORY / name
    path.mkdir()
    (path / "memory.limit_in_bytes").write_text(str(112 * MiB))
    code = "import sys, time; b = bytearray(100 << 20); b[::4096] = bytes(len(b[::4096])); print('ready', flush=True); time.sleep(60)"
    script = f'echo $$ > {path}/cgroup.procs && exec "$0" -c "{code}"'
    job = subprocess.Popen(["sh", "-c", script, sys.executable], stdout=subprocess.PIPE, text=True)
    try:
        assert job.stdout is not None and job.stdout.readline().strip() == "ready"
        yield f"/{name}", job.pid
    finally:
        job.kill()
        job.wait()
        for _ in range(50):
            try:
                path.rmdir()
                break
            except OSError:
                time.sleep(0.1)


@pytest.mark.root
@pytest.mark.parametrize("how", ["pid", "cgroup"])
def test_a_process_near_its_cgroup_limit_warns(limited_job: tuple[str, int], how: str) -> None:
    cgroup, pid = limited_job
    args = ["--pid", str(pid)] if how == "pid" else ["--cgroup", cgroup]
    report = json.loads(run_cli("load", *args, "--format", "json").stdout)
    by_check = {r["check"]: r for r in report["results"]}
    mem = by_check["mem.available"]
    assert mem["status"] in ("warn", "fail") and mem["data"]["limit_bytes"] == 112 * MiB, mem
    assert f"cgroup {cgroup}'s 112.0 MiB memory limit" in mem["summary"]
    assert by_check["container.limits"]["summary"].startswith(
        f"cgroup {cgroup} (cgroup v1): memory 112.0 MiB"
    )
    assert by_check["mem.oom"]["summary"].startswith(f"no OOM kills in cgroup {cgroup} (read ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pid", "0"], "--pid 0: no such process"),
        (["--cgroup", "relative/path"], "give the cgroup path as /proc/PID/cgroup shows it"),
        (
            ["--cgroup", "/srvdoctor-no-such-cgroup"],
            "--cgroup /srvdoctor-no-such-cgroup: no such cgroup under",
        ),
        (["--pid", "1", "--cgroup", "/"], "give one of them"),
    ],
)
def test_bad_targets_are_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = run_cli("load", *args)
    assert result.rc == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1, result
