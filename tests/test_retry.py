"""--retry-for against a real service that becomes healthy only after a delay, and one that never does."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

from tests.expect.helpers import health_server


def _smoke(tmp_path: Path, url: str, extra: str = "") -> Path:
    config = tmp_path / "smoke.toml"
    config.write_text(
        f'[[expect.http]]\nurl = "{url}"\njson = {{path = "status", equals = "ok"}}\n{extra}'
        f'[[expect.path]]\npath = "{tmp_path}"\nkind = "dir"\n'
    )
    return config


def test_retry_until_the_service_is_healthy(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with health_server(ready_after=2.0) as srv:
        config = _smoke(tmp_path, srv.url())
        result = cli("check", "--only", "expect", "--config", str(config), "--format", "json",
                     "--retry-for", "30s", "--retry-interval", "0.3s")  # fmt: skip
        paths = [p for _, p, _ in srv.requests]
    report = json.loads(result.stdout)
    assert result.rc == 0, result.stderr
    attempts = result.stderr.splitlines()
    assert attempts[0].startswith("srvdoctor: attempt 1 at ") and attempts[0].endswith(
        f"1 of 2 expectations failing: expect.http {srv.url()}: "
        'HTTP 503 Service Unavailable (expected 200); JSON status is "loading", expected "ok"'
    )
    assert (
        attempts[-1].endswith("all 2 expectations hold") and len(attempts) == report["retry"]["attempts"] >= 3
    )
    # only the failing expectation was retried: one request per attempt
    assert paths == ["/health"] * len(attempts)
    healthy_after = report["retry"]["healthy_after_s"]
    assert report["retry"]["healthy"] is True and 0 < healthy_after <= report["duration_s"] + 0.001
    last_at = float(attempts[-1].split(" at ")[1].split(" s:")[0])
    assert (
        attempts[-1].startswith(f"srvdoctor: attempt {len(attempts)} at ")
        and last_at
        <= healthy_after + 0.05  # the attempt that held starts before it ends (line rounds to 0.1 s)
    )
    http = report["results"][0]
    assert http["status"] == "ok" and http["data"]["attempts"] == len(attempts)
    assert f"(held at attempt {len(attempts)}, " in http["summary"]


def test_table_report_says_how_long_it_took(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with health_server(ready_after=1.0) as srv:
        result = cli("check", "--only", "expect", "--config", str(_smoke(tmp_path, srv.url())),
                     "--retry-for", "30s", "--retry-interval", "0.2s")  # fmt: skip
    last = result.stdout.rstrip().splitlines()[-1]
    assert (
        result.rc == 0 and last.startswith("Healthy after ") and last.endswith(": every expectation holds.")
    )


def test_never_healthy_exits_1_after_the_window(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with health_server(never=True) as srv:
        config = _smoke(tmp_path, srv.url())
        started = time.monotonic()
        result = cli("check", "--only", "expect", "--config", str(config), "--format", "json",
                     "--retry-for", "3s", "--retry-interval", "0.5s")  # fmt: skip
        wall = time.monotonic() - started
    report = json.loads(result.stdout)
    assert result.rc == 1
    assert report["retry"] == {"retry_for_s": 3.0, "attempts": report["retry"]["attempts"], "healthy": False,
                               "healthy_after_s": None}  # fmt: skip
    assert report["duration_s"] >= 3.0  # not before the window closed
    assert wall < 3.0 + 6.0  # nor much after (start-up and one last attempt; loose on a busy machine)
    assert report["retry"]["attempts"] >= 4 and report["results"][0]["status"] == "fail"
    assert "1 of 2 expectations failing" in result.stderr.splitlines()[-1]


def test_bad_retry_duration_is_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("check", "--only", "expect", "--retry-for", "soon")
    assert (result.rc, result.stderr) == (
        2, "srvdoctor: error: --retry-for: not a duration: 'soon' (use e.g. 500ms, 90s, 2m, 1h)\n",
    )  # fmt: skip


def test_retry_sees_a_process_that_starts_late(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Each attempt reads the process table afresh (nothing memoised from the first run)."""
    exe = tmp_path / "sdexpect-worker"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", exe)
    config = tmp_path / "smoke.toml"
    config.write_text(f'[[expect.process]]\nname = "sdexpect-worker"\ncmdline = "{tmp_path}"\n')
    started: list[subprocess.Popen[bytes]] = []
    timer = threading.Timer(1.0, lambda: started.append(subprocess.Popen([str(exe), "60"])))
    timer.start()
    try:
        result = cli("check", "--only", "expect", "--config", str(config), "--format", "json",
                     "--retry-for", "30s", "--retry-interval", "0.2s")  # fmt: skip
    finally:
        timer.join()
        for proc in started:
            proc.kill()
            proc.wait()
    report = json.loads(result.stdout)
    assert result.rc == 0 and report["retry"]["attempts"] >= 2
    assert report["results"][0]["data"]["pids"] == [started[0].pid]
    assert "0 running, expected one" in result.stderr.splitlines()[0]
