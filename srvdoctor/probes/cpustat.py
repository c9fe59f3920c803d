"""CPU and swap counters from /proc/stat and /proc/vmstat, and a baseline of them taken as the
process starts.

`srvdoctor check` and `srvdoctor load` measure CPU use over at least 0.2 s
(checks/loadshare.SAMPLE_S). Primed when the command runs, that window opens after the
interpreter, typer and the check modules have loaded (~120 ms) and the run waits for it to
close; primed by the console script before any of that (`take_early`), it spans the start-up
instead, and the command ends ~0.1 s sooner. The start-up
is srvdoctor's own CPU, which the sample leaves out of the machine's figure anyway
(`own_percent`). Reads two small /proc files and os.times(): ~0.2 ms, and only when `check` or
`load` is on the command line. Shell equivalent: `head -3 /proc/stat; grep pswp /proc/vmstat`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

#: /proc/stat's CPU columns, in order (a kernel shows the first 7 to 10 of them).
CPU_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice")
#: An early baseline older than this when the sample starts is not used (the sample takes its own).
MAX_AGE_S = 2.0


def per_cpu_times(path: str = "/proc/stat") -> list[dict[str, float]]:
    """Each CPU's times in seconds, as `psutil.cpu_times(percpu=True)` reads them (its per-CPU
    lines of /proc/stat, each column over the clock tick), without importing psutil."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: list[dict[str, float]] = []
    with open(path, "rb") as fh:
        fh.readline()  # the machine's total
        for line in fh:
            if line.startswith(b"cpu"):
                values = line.split()[1 : len(CPU_FIELDS) + 1]
                out.append(dict(zip(CPU_FIELDS, (float(v) / ticks for v in values), strict=False)))
    return out


def vmstat_swap() -> tuple[int, int]:
    """(pages swapped in, pages swapped out) since boot; (0, 0) where unreadable."""
    try:
        with open("/proc/vmstat") as fh:
            values = dict(line.split() for line in fh if line.startswith(("pswpin ", "pswpout ")))
        return int(values.get("pswpin", 0)), int(values.get("pswpout", 0))
    except OSError:
        return 0, 0


def own_cpu_s() -> float:
    """CPU seconds this process and its reaped children have used (os.times)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class Baseline:
    """The system-wide counters at one moment: when, each CPU's times, swap, our own CPU."""

    __slots__ = ("cpu", "own", "swap", "t0")

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.cpu = per_cpu_times()
        self.swap = vmstat_swap()
        self.own = own_cpu_s()


_early: list[Baseline] = []


#: The commands whose CPU sample the start-up baseline opens (`load --watch` keeps its own).
SAMPLING_COMMANDS = frozenset({"check", "load"})


def take_early(args: Sequence[str]) -> None:
    """Take the start-up baseline when `args` (the command line) holds the word `check` or
    `load`. A false match (`notes search check`) costs the two reads and nothing else."""
    if not SAMPLING_COMMANDS.isdisjoint(args):
        try:
            _early[:] = [Baseline()]
        except OSError:  # no /proc/stat: the sample takes its own baseline, and says why
            _early.clear()


def early_baseline() -> Baseline | None:
    """The start-up baseline, once (a later sampler in this process takes its own), if it is
    less than MAX_AGE_S old."""
    if not _early:
        return None
    baseline = _early.pop()
    return baseline if time.monotonic() - baseline.t0 <= MAX_AGE_S else None
