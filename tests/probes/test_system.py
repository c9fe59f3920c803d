"""CPU, memory and PSI probes on this machine's real counters, with real busy and big processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from srvdoctor.probes import system
from srvdoctor.probes.system import CpuSampler
from tests.conftest import REQUIRE_INTEGRATION

SPIN = "import time\nwhile True:\n    pass\n"
# writes every page (bytes * n), so RSS really grows by 512 MiB, then waits
HOLD = "import sys, time\nb = b'x' * (512 << 20)\nprint('ready', flush=True)\ntime.sleep(60)\n"


@pytest.fixture
def spinners() -> Iterator[list[subprocess.Popen[bytes]]]:
    """A busy-looping child per core (and one more), killed whatever happens."""
    procs = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range((os.cpu_count() or 1) + 1)]
    try:
        time.sleep(0.5)  # let them get scheduled
        yield procs
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


@pytest.fixture
def big_child() -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_spinning_children_make_every_core_busy(spinners: list[subprocess.Popen[bytes]]) -> None:
    sample = CpuSampler().read(min_interval_s=1.0)
    assert sample.interval_s >= 1.0
    assert min(sample.per_core_percent) >= 90, sample
    busiest = {p.pid for p in sample.top_cpu}
    assert busiest & {p.pid for p in spinners}, sample


def test_a_child_holding_512_mib_is_a_top_memory_process(big_child: subprocess.Popen[str]) -> None:
    sample = CpuSampler().read(min_interval_s=0.2)
    mine = [p for p in sample.top_mem if p.pid == big_child.pid]
    assert mine, [p.label for p in sample.top_mem]
    assert mine[0].rss_bytes >= 512 << 20
    assert mine[0].cmdline.startswith(sys.executable) and mine[0].user == psutil.Process().username()


def test_cpu_percentages_are_consistent_when_idle_or_not() -> None:
    sample = CpuSampler().read(min_interval_s=0.2)
    assert len(sample.per_core_percent) == psutil.cpu_count()
    assert 0 <= sample.total_percent <= 100 and 0 <= sample.iowait_percent <= 100
    assert sample.swap_in_per_s >= 0
    assert os.getpid() not in {p.pid for p in (*sample.top_cpu, *sample.top_mem)}  # never names itself


def test_long_command_lines_are_cut_in_labels() -> None:
    proc = system.ProcInfo(7, "python", "kim", "python " + "x" * 300, 0.0, 0)
    assert proc.label == "python " + "x" * 72 + "… (pid 7, user kim)"


@pytest.mark.skipif(
    not Path("/proc/pressure/memory").exists() and not REQUIRE_INTEGRATION, reason="this kernel has no PSI"
)
def test_psi_parsing_on_this_kernels_files() -> None:
    for resource in ("cpu", "memory", "io"):
        text = Path(f"/proc/pressure/{resource}").read_text()
        parsed = system.parse_psi(text)
        some = text.splitlines()[0].split()
        assert some[0] == "some" and parsed["some"]["avg10"] == float(some[1].split("=")[1])
        assert set(parsed["some"]) == {"avg10", "avg60", "avg300", "total"}
    reading = system.pressure()
    assert reading is not None and set(reading) == {"cpu", "memory", "io"}
    assert set(reading["memory"]) == {"some", "full"}


def test_no_psi_directory_means_none(tmp_path: Path) -> None:
    assert system.pressure(tmp_path) is None


def test_memory_and_load_match_proc() -> None:
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    mem = system.memory()
    assert mem.total_bytes == int(meminfo["MemTotal"].split()[0]) * 1024
    assert mem.swap_total_bytes == int(meminfo["SwapTotal"].split()[0]) * 1024
    assert system.load().cpus == os.cpu_count()


def test_srvdoctors_own_cpu_is_left_out_of_the_sample() -> None:
    """`check` loads its modules while the sample runs: that work is not the machine's load.
    Burn one core in this process for the whole window: it shows as own_percent (one core of
    the machine's), not in total_percent, which is the others' busy share of the time srvdoctor
    left them."""
    cores = psutil.cpu_count() or 1
    before = psutil.cpu_times()
    sampler = CpuSampler()
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:
        pass
    sample = sampler.read(min_interval_s=0.0)
    after = psutil.cpu_times()
    idle = (after.idle + after.iowait) - (before.idle + before.iowait)
    elapsed = sum(after) - sum(before)
    counted = 100.0 * (elapsed - idle) / elapsed  # busy share of all cores, srvdoctor included
    assert sample.own_percent >= 0.7 * 100 / cores, sample
    others = 100.0 * (counted - sample.own_percent) / (100.0 - sample.own_percent)
    assert abs(sample.total_percent - others) < 100 / cores / 2, (sample, counted)


def test_a_saturated_machine_reads_as_saturated_even_while_srvdoctor_runs() -> None:
    """One spinning process per core, and this process burning too: every core is busy. What
    srvdoctor took would have gone to the spinners, so the machine reads (nearly) 100 % busy,
    not 100 % minus srvdoctor's share (which on two cores hid a saturated box under 90 %)."""
    cores = psutil.cpu_count() or 1
    spin = "import time\nend = time.monotonic() + 5\nwhile time.monotonic() < end: pass\n"
    spinners = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(cores)]
    try:
        time.sleep(0.3)  # the spinners are running
        sampler = CpuSampler()
        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:
            pass
        sample = sampler.read(min_interval_s=0.0)
    finally:
        for proc in spinners:
            proc.kill()
            proc.wait()
    assert sample.own_percent > 0 and sample.total_percent >= 95.0, sample
