"""fs.inotify in Korean: a real unprivileged process near its inotify instance limit, read
through `srvdoctor check --only load` under `--lang ko` (table) and `--format json --lang ko`."""

from __future__ import annotations

import json
import pwd
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.checks.test_disk_ko import table_line
from tests.checks.test_inotify import HOLDER
from tests.conftest import run_cli


@pytest.mark.root
def test_a_user_near_its_instance_limit_in_korean() -> None:
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
        report = run_cli("check", "--only", "load", "--format", "json", "--lang", "ko")
        table = run_cli("check", "--only", "load", "--lang", "ko")
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
    [r] = [r for r in json.loads(report.stdout)["results"] if r["check"] == "fs.inotify"]
    data = r["data"]
    assert (r["status"], data["uid"], data["kind"], data["used"]) == ("fail", 65534, "instances", limit - 2)
    user, pct = pwd.getpwuid(65534).pw_name, 100.0 * (limit - 2) / limit
    read, unreadable = data["processes_read"], data["processes_unreadable"]
    seen_en = f"read the fds of {read} processes"
    seen_ko = f"프로세스 {read}개의 fd 확인"
    if unreadable:
        seen_en += f"; {unreadable} other processes could not be read (run as root to see them)"
        seen_ko += f"; 다른 프로세스 {unreadable}개는 읽지 못함 (root로 실행하면 보임)"
    assert r["summary"] == (
        f"{user} uses {limit - 2:,} of {limit:,} inotify instances ({pct:.0f}%; {seen_en}): "
        f"file watchers of {user} will fail with ENOSPC/EMFILE"
    )
    ko = (
        f"{user}: inotify 인스턴스 {limit:,}개 중 {limit - 2:,}개 사용 ({pct:.0f}%; {seen_ko}): "
        f"{user}의 파일 감시(file watcher)가 ENOSPC/EMFILE로 실패하게 됨"
    )
    assert r["localized"]["summary"] == ko
    assert r["localized"]["details"] == [
        f"한도 올리기: sudo sysctl fs.inotify.max_user_instances={limit * 4} (계속 적용하려면 /etc/sysctl.d/에 저장)"
    ]
    assert r["localized"]["hints"] == r["hints"]  # commands stay commands
    # the table came from a second run: other processes may have come and gone meanwhile
    pattern = re.escape(f"fs.inotify inotify: {ko}").replace(
        re.escape(f"프로세스 {read}개"), r"프로세스 \d+개"
    )
    pattern = pattern.replace(re.escape(f"다른 프로세스 {unreadable}개"), r"다른 프로세스 \d+개")
    assert re.fullmatch(pattern, table_line(table.stdout, "fs.inotify", "inotify")), table.stdout
