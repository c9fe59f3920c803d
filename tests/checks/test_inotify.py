"""fs.inotify on real inotify instances held by a real unprivileged process."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from srvdoctor.checks.inotify import InotifyLimits
from srvdoctor.model import Status
from srvdoctor.probes.inotify import InotifyUse
from tests.conftest import run_cli

#: Opens N inotify instances (a watch on /tmp in the first two), then waits for stdin to close.
HOLDER = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
fds = [libc.inotify_init1(0) for _ in range(int(sys.argv[1]))]
assert all(fd >= 0 for fd in fds), ctypes.get_errno()
for fd in fds[:2]:
    assert libc.inotify_add_watch(fd, b"/tmp", 0x100) >= 0
print("ready", flush=True)
sys.stdin.read()
"""


def test_judge_names_the_user_the_kind_and_the_limit() -> None:
    use = InotifyUse(max_user_instances=128, max_user_watches=8192, instances=Counter({0: 3}),
                     watches=Counter({0: 7900}), processes_read=10)  # fmt: skip
    r = InotifyLimits().judge(use)
    assert (r.status, r.playbook) == (Status.FAIL, "inotify-limit")
    assert r.summary.startswith(
        "root uses 7,900 of 8,192 inotify watches (96%; read the fds of 10 processes)"
    )
    assert InotifyLimits().judge(InotifyUse(128, 8192, Counter({0: 1}), Counter({0: 10}))).status is Status.OK


@pytest.mark.root
def test_an_unprivileged_user_near_its_instance_limit_fails(tmp_path: Path) -> None:
    setpriv = shutil.which("setpriv")
    python = "/usr/bin/python3"
    if setpriv is None or not Path(python).exists():
        pytest.fail("needs setpriv (util-linux) and /usr/bin/python3")
    limit = int(Path("/proc/sys/fs/inotify/max_user_instances").read_text())
    holder = subprocess.Popen(
        [setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups", python, "-c", HOLDER, str(limit - 2)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd="/",
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        res = run_cli("check", "--only", "load", "--format", "json")
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
    [r] = [r for r in json.loads(res.stdout)["results"] if r["check"] == "fs.inotify"]
    assert (r["status"], r["playbook"]) == ("fail", "inotify-limit")
    assert r["data"]["uid"] == 65534 and r["data"]["kind"] == "instances"
    assert r["data"]["used"] == limit - 2 and r["data"]["limit"] == limit
    assert f"uses {limit - 2:,} of {limit:,} inotify instances" in r["summary"]
