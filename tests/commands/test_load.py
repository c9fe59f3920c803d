"""`srvdoctor load` as a user runs it: the dashboard, JSON, --watch until Ctrl-C, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from tests.conftest import CliResult

Cli = Callable[..., CliResult]
LOAD_CHECKS = ["cpu.usage", "cpu.load", "mem.available", "mem.swap", "mem.pressure", "mem.oom", "fs.inotify"]


def test_json_has_every_load_check_and_the_top_processes(cli: Cli) -> None:
    result = cli("load", "--format", "json")
    report = json.loads(result.stdout)
    assert [r["check"] for r in report["results"]] == LOAD_CHECKS
    assert result.rc == (1 if report["status"] in ("fail", "error") else 0)
    assert len(report["top_mem"]) == 5 and all(p["rss_bytes"] > 0 for p in report["top_mem"])
    assert report["top_mem"] == sorted(report["top_mem"], key=lambda p: p["rss_bytes"], reverse=True)


def test_table_is_the_dashboard_then_the_results(cli: Cli) -> None:
    lines = cli("load").stdout.splitlines()
    cores = os.cpu_count() or 1
    assert [line.split()[0] for line in lines[: cores + 4]] == [
        *(f"cpu{i}" for i in range(cores)),
        "cpu",
        "load",
        "mem",
        "swap",
    ]
    assert any(line.startswith("top by memory (resident)") for line in lines)
    assert "load" in lines and any("mem.available memory:" in line for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["load", "--watch", "0.1"], "--watch must be between 0.5 and 3600 seconds, not 0.1"),
        (["load", "--watch", "2", "--format", "json"], "--watch draws a live dashboard"),
        (["load", "--timeout", "-1"], "--timeout must be more than 0 and at most 3600 seconds"),
    ],
)
def test_bad_input_is_one_line_exit_2(cli: Cli, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.rc == 2 and result.stdout == ""
    assert result.stderr.startswith("srvdoctor: error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_watch_refreshes_until_ctrl_c() -> None:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    proc = subprocess.Popen([sys.executable, "-m", "srvdoctor", "load", "--watch", "0.5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    try:
        time.sleep(3.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert (proc.returncode, err) == (0, "")
    # not a terminal: rich prints each refresh as it comes
    assert out.count("top by memory (resident)") >= 2


def test_watch_on_a_terminal_redraws_in_place() -> None:
    import pty
    import select

    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "LINES": "50", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "srvdoctor", "load", "--watch", "0.5"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)  # fmt: skip
    os.close(slave)
    chunks: list[bytes] = []
    try:
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                chunks.append(os.read(master, 65536))
        proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:  # keep draining: a full pty blocks it
            if select.select([master], [], [], 0.1)[0]:
                try:
                    chunks.append(os.read(master, 65536))
                except OSError:  # EIO: the child closed the terminal
                    break
        assert proc.wait(timeout=5) == 0
    finally:
        proc.kill()
        os.close(master)
    out = b"".join(chunks).decode("utf-8", "replace")
    assert "top by memory (resident)" in out
    assert "\x1b[2K" in out or "\x1b[1A" in out  # rich Live moves the cursor up and clears lines to redraw
    assert "Traceback" not in out
