"""expect.command's runner: real processes, bounded in time even when they fork."""

from __future__ import annotations

import time

from srvdoctor.probes.run_command import run_argv


def test_a_grandchild_holding_the_pipe_does_not_outlast_the_timeout() -> None:
    started = time.monotonic()
    outcome = run_argv(("sh", "-c", "sleep 60 & echo started; wait"), timeout=1.0)
    assert (outcome.problem, outcome.exit, outcome.output) == ("timeout", None, "started\n")
    assert time.monotonic() - started < 30  # without the process group, 60 s


def test_exit_status_and_both_streams() -> None:
    outcome = run_argv(("sh", "-c", "echo out; echo err >&2; exit 3"), timeout=5)
    assert (outcome.exit, outcome.output, outcome.problem) == (3, "out\nerr\n", None)
