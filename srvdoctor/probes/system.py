"""CPU, memory, swap, load and pressure (PSI) readings, and the top processes (psutil, /proc).

CPU use is a rate: a `CpuSampler` is primed once (CPU times, swap counters, every
process's CPU time) and read later, at least `min_interval_s` apart, so a run pays one
short overlap instead of a one-second sleep per reading.
"""

from __future__ import annotations

import os
import time
from dataclasses import field
from pathlib import Path
from typing import Any

from srvdoctor.probes.cgroup import CgroupLimits, Pressure, parse_psi, read_cpu_usage_s, read_throttling
from srvdoctor.probes.container import ContainerInfo
from srvdoctor.probes.cpustat import Baseline, own_cpu_s, per_cpu_times, vmstat_swap
from srvdoctor.probes.process_table import HZ, ProcessTable, ProcRow
from srvdoctor.record import dataclass

PSI_DIR = Path("/proc/pressure")
PSI_RESOURCES = ("cpu", "memory", "io")


@dataclass(frozen=True)
class ProcInfo:
    """One process as `ps` would show it, with its CPU share over the sample."""

    pid: int
    name: str
    user: str
    cmdline: str
    cpu_percent: float  # of one core, as top shows it (can exceed 100)
    rss_bytes: int

    @property
    def label(self) -> str:
        """'python train.py (pid 4242, user kim)'; long command lines are cut at 80 characters."""
        command = self.cmdline or self.name
        if len(command) > 80:
            command = command[:79] + "…"
        from srvdoctor.messages import t

        return t("{command} (pid {pid}, user {user})", command=command, pid=self.pid, user=self.user or "?")

    def to_dict(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "name": self.name,
            "user": self.user,
            "cmdline": self.cmdline,
            "cpu_percent": round(self.cpu_percent, 1),
            "rss_bytes": self.rss_bytes,
        }


@dataclass(frozen=True)
class CpuSample:
    """CPU use between two readings: per core, iowait and steal, plus the busiest processes."""

    interval_s: float
    total_percent: float
    per_core_percent: tuple[float, ...]
    iowait_percent: float
    steal_percent: float
    swap_in_per_s: float  # bytes/s swapped in (pswpin × page size, /proc/vmstat)
    swap_out_per_s: float
    top_cpu: tuple[ProcInfo, ...] = ()
    top_mem: tuple[ProcInfo, ...] = ()
    cgroup_cpu_cores: float | None = None  # CPUs the cgroup (container) used over the sample
    cgroup_throttled_percent: float | None = None  # of the quota periods in the sample, throttled
    own_percent: float = 0.0  # srvdoctor's own CPU (and its children's), left out of the figures above


@dataclass(frozen=True)
class Memory:
    total_bytes: int
    available_bytes: int
    swap_total_bytes: int
    swap_used_bytes: int

    @property
    def available_percent(self) -> float:
        return 100.0 * self.available_bytes / self.total_bytes if self.total_bytes else 100.0

    @property
    def swap_used_percent(self) -> float:
        return 100.0 * self.swap_used_bytes / self.swap_total_bytes if self.swap_total_bytes else 0.0


@dataclass(frozen=True)
class Load:
    avg1: float
    avg5: float
    avg15: float
    cpus: int


__all__ = ["Pressure", "parse_psi"]  # re-exported: PSI parsing lives in probes/cgroup.py


def pressure(directory: Path = PSI_DIR) -> dict[str, Pressure] | None:
    """PSI per resource, or None where the kernel has no PSI (CONFIG_PSI off, or psi=0)."""
    out: dict[str, Pressure] = {}
    for resource in PSI_RESOURCES:
        try:
            out[resource] = parse_psi((directory / resource).read_text())
        except OSError:
            continue
    return out or None


def memory() -> Memory:
    import psutil  # here: the commands that never read CPU or memory need not load it

    vm = psutil.virtual_memory()
    sw = psutil.swap_memory()
    return Memory(int(vm.total), int(vm.available), int(sw.total), int(sw.used))


def load() -> Load:
    import psutil  # here: the commands that never read CPU or memory need not load it

    one, five, fifteen = os.getloadavg()
    return Load(one, five, fifteen, psutil.cpu_count() or 1)


def _busy_idle(fields: dict[str, float]) -> tuple[float, float, float, float]:
    """(total, idle incl. iowait, iowait, steal) of one CPU's times, guest excluded."""
    total = sum(fields.values()) - fields.get("guest", 0.0) - fields.get("guest_nice", 0.0)
    iowait = fields.get("iowait", 0.0)
    return total, fields["idle"] + iowait, iowait, fields.get("steal", 0.0)


def _clamp_percent(value: float) -> float:
    """0..100: float sums of jiffies can land a hair outside (-5.8e-11 was seen on an idle box)."""
    return min(100.0, max(0.0, value))


def _info(row: ProcRow, cpu_percent: float) -> ProcInfo:
    return ProcInfo(
        pid=row.pid,
        name=row.name,
        user=row.user,
        cmdline=" ".join(row.cmdline)[:200],
        cpu_percent=cpu_percent,
        rss_bytes=row.rss_bytes,
    )


def _throttled(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    if before is None or after is None or after[0] <= before[0]:
        return None
    return _clamp_percent(100.0 * (after[1] - before[1]) / (after[0] - before[0]))


class CpuSampler:
    """Prime now, read later: CPU times per core, swap counters and per-process CPU ticks.

    Every `read` becomes the baseline of the next one, so a sampler kept alive
    (`load --watch`) pays one /proc pass per tick; the process table only reads the
    command line and owner of processes it has not seen before.
    """

    def __init__(
        self,
        top: int = 5,
        cgroup_cpu_file: str = "",
        table: ProcessTable | None = None,
        cgroup_stat_file: str = "",
        early: Baseline | None = None,
    ) -> None:
        self.top = top
        self.cgroup_stat_file = cgroup_stat_file
        self._thr0: tuple[int, int] | None = None
        self.table = table or ProcessTable()
        self.cgroup_cpu_file = cgroup_cpu_file
        self._t0 = 0.0
        self._uptime0 = 0.0
        self._cpu0: list[dict[str, float]] = []
        self._swap0 = (0, 0)
        self._ticks0: dict[tuple[int, int], int] = {}
        self._cg0: float | None = None
        self._own0 = 0.0
        self._t0_procs = 0.0
        #: when the system-wide baseline was taken at start-up (probes/cpustat.py), else None
        self.early_t0: float | None = early.t0 if early is not None else None
        self.prime(early)

    def prime(self, early: Baseline | None = None) -> None:
        """Take the baseline now; the system-wide counters from `early` when given (taken as
        the process started: the sample then spans the start-up, srvdoctor's own CPU)."""
        self._baseline(self.table.scan(), early)

    def _baseline(self, rows: list[ProcRow], early: Baseline | None = None) -> None:
        system = early if early is not None else Baseline()
        self._t0 = system.t0
        self._cpu0 = system.cpu
        self._swap0 = system.swap
        self._own0 = system.own
        # the processes' and the cgroup's counters: from now, over their own interval
        self._t0_procs = time.monotonic()
        self._uptime0 = time.clock_gettime(time.CLOCK_BOOTTIME)
        self._ticks0 = {(r.pid, r.start): r.ticks for r in rows}
        self._cg0 = read_cpu_usage_s(self.cgroup_cpu_file)
        self._thr0 = read_throttling(self.cgroup_stat_file)

    def read(self, min_interval_s: float = 0.2, not_before: float = 0.0) -> CpuSample:
        """Wait until `min_interval_s` after the baseline (and until `not_before`), then read.
        The processes and the cgroup, read later than an early baseline, get at least half that."""
        wait = (
            max(self._t0 + min_interval_s, self._t0_procs + min_interval_s / 2, not_before) - time.monotonic()
        )
        if wait > 0:
            time.sleep(wait)
        cpu1 = per_cpu_times()
        t1 = time.monotonic()
        swap1 = vmstat_swap()
        cg1 = read_cpu_usage_s(self.cgroup_cpu_file)
        thr1 = read_throttling(self.cgroup_stat_file)
        own1 = own_cpu_s()
        rows = self.table.scan()
        interval = max(t1 - self._t0, 1e-6)
        procs_interval = max(t1 - self._t0_procs, 1e-6)
        deltas = []
        sums = [0.0, 0.0, 0.0, 0.0]
        for before, after in zip(self._cpu0, cpu1, strict=False):
            b, a = _busy_idle(before), _busy_idle(after)
            delta = [max(0.0, x - y) for x, y in zip(a, b, strict=True)]
            deltas.append(delta)
            sums = [s + d for s, d in zip(sums, delta, strict=True)]
        total = sums[0]
        # srvdoctor's own work (loading checks, reading /proc, its children) is not the load it
        # reports: left out of the busy time and of the time there was, shared among the cores
        # in proportion to their busy time. Busy / (total - own), not / total: on a saturated
        # machine the others would have had srvdoctor's share too, so the figure stays 100 %.
        busy = sums[0] - sums[1]
        own = min(max(0.0, own1 - self._own0), busy)
        per_core: list[float] = []
        for delta in deltas:
            core_busy = delta[0] - delta[1]
            core_own = own * core_busy / busy if busy > 0 else 0.0
            core_total = delta[0] - core_own
            per_core.append(
                _clamp_percent(100.0 * (core_busy - core_own) / core_total) if core_total > 0 else 0.0
            )
        others_total = total - own

        def pct(x: float) -> float:
            return _clamp_percent(100.0 * x / others_total) if others_total > 0 else 0.0

        procs = [_info(r, self._cpu_percent(r, procs_interval)) for r in rows]
        page = os.sysconf("SC_PAGE_SIZE")
        cg_cores = (cg1 - self._cg0) / procs_interval if cg1 is not None and self._cg0 is not None else None
        sample = CpuSample(
            interval_s=interval,
            total_percent=pct(busy - own),
            per_core_percent=tuple(per_core),
            iowait_percent=pct(sums[2]),
            steal_percent=pct(sums[3]),
            swap_in_per_s=(swap1[0] - self._swap0[0]) * page / interval,
            swap_out_per_s=(swap1[1] - self._swap0[1]) * page / interval,
            top_cpu=tuple(sorted(procs, key=lambda p: p.cpu_percent, reverse=True)[: self.top]),
            top_mem=tuple(sorted(procs, key=lambda p: p.rss_bytes, reverse=True)[: self.top]),
            cgroup_cpu_cores=max(0.0, cg_cores) if cg_cores is not None else None,
            cgroup_throttled_percent=_throttled(self._thr0, thr1),
            own_percent=_clamp_percent(100.0 * own / total) if total > 0 else 0.0,
        )
        self._thr0 = thr1
        self._own0 = own1
        self._cpu0, self._swap0, self._cg0 = cpu1, swap1, cg1
        self._t0 = self._t0_procs = t1
        self._uptime0 = time.clock_gettime(time.CLOCK_BOOTTIME)
        self._ticks0 = {(r.pid, r.start): r.ticks for r in rows}
        return sample

    def _cpu_percent(self, row: ProcRow, interval: float) -> float:
        before = self._ticks0.get((row.pid, row.start))
        if before is None:  # started during the sample: all its CPU time falls inside it
            before = 0 if row.start / HZ >= self._uptime0 - 1.0 / HZ else row.ticks
        return 100.0 * (row.ticks - before) / HZ / interval


@dataclass
class LoadReadings:
    """Everything the load checks share in one run (memoised in the CheckContext)."""

    cpu: CpuSample
    memory: Memory
    load: Load
    pressure: dict[str, Pressure] | None = field(default=None)
    limits: CgroupLimits | None = None  # the cgroup judged (this process's, or --pid/--cgroup)
    container: ContainerInfo | None = None


def sample_all(
    sampler: CpuSampler,
    min_interval_s: float = 0.2,
    not_before: float = 0.0,
    limits: CgroupLimits | None = None,
    container: ContainerInfo | None = None,
) -> LoadReadings:
    cpu = sampler.read(min_interval_s, not_before)
    return LoadReadings(
        cpu=cpu, memory=memory(), load=load(), pressure=pressure(), limits=limits, container=container
    )
