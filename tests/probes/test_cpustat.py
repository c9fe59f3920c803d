"""probes/cpustat.py: /proc/stat read as psutil reads it, and the baseline `check` takes at start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import psutil
import pytest

from srvdoctor.probes import cpustat
from srvdoctor.probes.system import CpuSampler


def test_per_cpu_times_are_psutils() -> None:
    """Same fields and values as psutil.cpu_times(percpu=True): read around one psutil call,
    every column lies between our two readings."""
    before = cpustat.per_cpu_times()
    theirs = [t._asdict() for t in psutil.cpu_times(percpu=True)]
    after = cpustat.per_cpu_times()
    assert [list(c) for c in before] == [list(c) for c in theirs]
    for b, p, a in zip(before, theirs, after, strict=True):
        assert all(b[k] - 1e-9 <= p[k] <= a[k] + 1e-9 for k in p), (b, p, a)


def test_the_early_baseline_is_taken_for_check_and_used_once(monkeypatch: pytest.MonkeyPatch) -> None:
    cpustat.take_early(["notes", "show", "disk-full"])
    assert cpustat.early_baseline() is None
    cpustat.take_early(["load", "--format", "json"])
    assert cpustat.early_baseline() is not None
    cpustat.take_early(["--lang", "ko", "check", "--only", "load"])
    baseline = cpustat.early_baseline()
    assert baseline is not None and baseline.cpu and baseline.own > 0
    assert cpustat.early_baseline() is None  # once: a later sampler takes its own
    cpustat.take_early(["check"])
    monkeypatch.setattr(cpustat, "MAX_AGE_S", 0.0)
    time.sleep(0.01)
    assert cpustat.early_baseline() is None  # too old to stand for this sample


def test_a_sampler_from_an_early_baseline_spans_it() -> None:
    """The window opens at the early baseline; the processes get at least half of it."""
    cpustat.take_early(["check"])
    early = cpustat.early_baseline()
    assert early is not None
    time.sleep(0.15)  # start-up happening
    sampler = CpuSampler(early=early)
    sample = sampler.read(min_interval_s=0.2)
    assert sampler.early_t0 == early.t0
    assert 0.2 <= sample.interval_s < 0.4
    assert time.monotonic() - early.t0 >= 0.15 + 0.1  # the processes' own half-window


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs: one busy, one for srvdoctor")
def test_check_from_the_console_script_measures_a_busy_core() -> None:
    """`python -m srvdoctor check` (the console script's path: early baseline) on a machine with
    one core spinning reports that core's load, with srvdoctor's own start-up left out."""
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        env = {**os.environ, "SRVDOCTOR_CONFIG": os.devnull}
        proc = subprocess.run(
            [sys.executable, "-m", "srvdoctor", "check", "--only", "load", "--format", "json"],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
    finally:
        spin.kill()
        spin.wait()
    report = json.loads(proc.stdout)
    usage = next(r for r in report["results"] if r["check"] == "cpu.usage")
    data = usage["data"]
    cores = os.cpu_count() or 1
    assert data["interval_s"] >= 0.2
    assert data["total_percent"] >= 100 / cores * 0.7, data  # one of `cores` cores busy
    assert data["own_percent"] > 0, data  # start-up (typer, the checks) measured, and left out
