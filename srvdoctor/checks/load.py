"""Load area: CPU use and load, memory, swap, pressure (PSI) and OOM kills."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.model import Result, Status
from srvdoctor.probes.oom import OomKill, OomReading, read_oom
from srvdoctor.probes.system import CpuSample, CpuSampler, Load, LoadReadings, Memory, ProcInfo, sample_all
from srvdoctor.units import naturalduration, naturalsize

#: The CPU sample spans at least this long after the run starts, overlapping the other checks.
SAMPLE_S = 0.25


def readings(ctx: CheckContext) -> LoadReadings:
    """One shared reading per run: primed when the first load check starts, read ≥ 0.2 s later."""

    def take() -> LoadReadings:
        sampler = CpuSampler()
        return sample_all(sampler, min_interval_s=0.2, not_before=ctx.started + SAMPLE_S)

    return ctx.memo("load.readings", take)


def _level_high(value: float, warn: float, fail: float) -> Status:
    return Status.FAIL if value >= fail else Status.WARN if value >= warn else Status.OK


def _procs_line(procs: tuple[ProcInfo, ...], what: str, n: int = 3) -> str:
    if what == "cpu":
        items = [f"{p.label} {p.cpu_percent:.0f}% CPU" for p in procs[:n] if p.cpu_percent >= 1]
        if not items:
            return (
                "no single process stands out: the CPU goes to short-lived processes (builds, tests, cron?)"
            )
    else:
        items = [f"{p.label} {naturalsize(p.rss_bytes)}" for p in procs[:n]]
    return "top by " + ("CPU" if what == "cpu" else "memory") + ": " + "; ".join(items)


@dataclass(frozen=True)
class CpuUsage:
    """CPU use over a short sample (≥ 0.2 s, overlapping the other checks): per core, iowait, steal.

    Warn when every core is at least `busy_percent` (90) busy, naming the busiest
    processes (→ cpu-overload); warn when iowait is at least `iowait_percent` (20) of
    all CPU time (→ io-wait); warn when steal is at least `steal_percent` (10): the
    hypervisor gives this VM's CPU time to a noisy neighbour. Shell equivalent:
    `mpstat -P ALL 1 1` or `top` (press 1).
    """

    id: ClassVar[str] = "cpu.usage"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("cpu-overload", "io-wait")
    busy_percent: float = 90.0
    iowait_percent: float = 20.0
    steal_percent: float = 10.0

    def run(self, ctx: CheckContext) -> list[Result]:
        return [self.judge(readings(ctx).cpu)]

    def judge(self, cpu: CpuSample) -> Result:
        cores = cpu.per_core_percent
        all_busy = bool(cores) and min(cores) >= self.busy_percent
        status = Status.OK
        playbook: str | None = None
        details: list[str] = []
        hints: list[str] = []
        summary = (
            f"CPU {cpu.total_percent:.0f}% busy over {cpu.interval_s:.2f} s "
            f"({len(cores)} cores: {', '.join(f'{c:.0f}%' for c in cores[:16])}"
            f"{', …' if len(cores) > 16 else ''}), "
            f"iowait {cpu.iowait_percent:.0f}%, steal {cpu.steal_percent:.0f}%"
        )
        if all_busy:
            status, playbook = Status.WARN, "cpu-overload"
            top = cpu.top_cpu[0] if cpu.top_cpu and cpu.top_cpu[0].cpu_percent >= 10 else None
            summary = f"every core is ≥ {self.busy_percent:.0f}% busy (CPU {cpu.total_percent:.0f}%)" + (
                f"; busiest: {top.label} at {top.cpu_percent:.0f}% CPU" if top else ""
            )
            hints.append("top -o %CPU")
        if cpu.iowait_percent >= self.iowait_percent:
            status = Status.WARN
            playbook = playbook or "io-wait"
            details.append(
                f"iowait is {cpu.iowait_percent:.0f}% of CPU time: "
                "processes wait on the disk or network storage"
            )
            hints.append("iostat -xz 1 5")
        if cpu.steal_percent >= self.steal_percent:
            status = Status.WARN
            playbook = playbook or "cpu-overload"
            details.append(
                f"steal is {cpu.steal_percent:.0f}%: the hypervisor gives this VM's CPU time to other VMs "
                "(a noisy neighbour); ask the provider or move to a dedicated instance"
            )
        if cpu.top_cpu and status is not Status.OK:
            details.append(_procs_line(cpu.top_cpu, "cpu"))
        return Result(
            self.id,
            "cpu",
            status,
            summary,
            details=tuple(details),
            data={
                "total_percent": round(cpu.total_percent, 1),
                "per_core_percent": [round(c, 1) for c in cores],
                "iowait_percent": round(cpu.iowait_percent, 1),
                "steal_percent": round(cpu.steal_percent, 1),
                "interval_s": round(cpu.interval_s, 3),
                "top_cpu": [p.to_dict() for p in cpu.top_cpu],
            },
            playbook=playbook,
            hints=tuple(hints),
        )


@dataclass(frozen=True)
class CpuLoad:
    """1/5/15-minute load average per logical CPU.

    Warn when the 15-minute load per core is at least `warn_per_core` (1.0), fail at
    `fail_per_core` (2.0): more runnable (or disk-blocked) tasks than cores, for a
    quarter of an hour. Shell equivalent: `uptime; nproc`.
    """

    id: ClassVar[str] = "cpu.load"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("cpu-overload",)
    warn_per_core: float = 1.0
    fail_per_core: float = 2.0

    def __post_init__(self) -> None:
        if not 0 < self.warn_per_core <= self.fail_per_core:
            raise ValueError(
                f"need 0 < warn_per_core <= fail_per_core, got {self.warn_per_core} and {self.fail_per_core}"
            )

    def run(self, ctx: CheckContext) -> list[Result]:
        r = readings(ctx)
        return [self.judge(r.load, r.cpu)]

    def judge(self, load: Load, cpu: CpuSample | None = None) -> Result:
        per = [x / load.cpus for x in (load.avg1, load.avg5, load.avg15)]
        status = _level_high(per[2], self.warn_per_core, self.fail_per_core)
        summary = (
            f"load {load.avg1:.2f} {load.avg5:.2f} {load.avg15:.2f} on {load.cpus} CPUs "
            f"({per[0]:.2f} / {per[1]:.2f} / {per[2]:.2f} per core)"
        )
        details: list[str] = []
        if status is not Status.OK:
            details.append(f"for 15 minutes there were {per[2]:.1f} runnable or disk-blocked tasks per core")
            if cpu is not None and cpu.top_cpu:
                details.append(_procs_line(cpu.top_cpu, "cpu"))
        return Result(
            self.id,
            "cpu",
            status,
            summary,
            details=tuple(details),
            data={
                "load1": round(load.avg1, 2),
                "load5": round(load.avg5, 2),
                "load15": round(load.avg15, 2),
                "cpus": load.cpus,
                "load15_per_core": round(per[2], 3),
            },
            playbook="cpu-overload" if status is not Status.OK else None,
            hints=("top -o %CPU", "ps -eo pid,user,stat,pcpu,comm --sort=-pcpu | head")
            if status is not Status.OK
            else (),
        )


@dataclass(frozen=True)
class MemAvailable:
    """Available memory (MemAvailable: free plus reclaimable cache, not "free").

    Warn at or below `warn_percent` (10) of RAM, fail at or below `fail_percent` (5),
    naming the processes with the most resident memory. Shell equivalent: `free -h`
    (the `available` column) and `ps aux --sort=-rss | head`.
    """

    id: ClassVar[str] = "mem.available"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("memory-pressure",)
    warn_percent: float = 10.0
    fail_percent: float = 5.0

    def __post_init__(self) -> None:
        if not 0 <= self.fail_percent <= self.warn_percent <= 100:
            raise ValueError(
                "need 0 <= fail_percent <= warn_percent <= 100, "
                f"got {self.fail_percent} and {self.warn_percent}"
            )

    def run(self, ctx: CheckContext) -> list[Result]:
        r = readings(ctx)
        return [self.judge(r.memory, r.cpu.top_mem)]

    def judge(self, mem: Memory, top_mem: tuple[ProcInfo, ...] = ()) -> Result:
        pct = mem.available_percent
        status = (
            Status.FAIL
            if pct <= self.fail_percent
            else Status.WARN
            if pct <= self.warn_percent
            else Status.OK
        )
        avail, total = naturalsize(mem.available_bytes), naturalsize(mem.total_bytes)
        summary = f"{avail} of {total} memory available ({pct:.0f}%)"
        details: list[str] = []
        if top_mem:
            top = top_mem[0]
            if status is not Status.OK:
                summary += f"; {top.label} is using {naturalsize(top.rss_bytes)}"
            details.append(_procs_line(top_mem, "mem"))
        return Result(
            self.id,
            "memory",
            status,
            summary,
            details=tuple(details) if status is not Status.OK else (),
            data={
                "total_bytes": mem.total_bytes,
                "available_bytes": mem.available_bytes,
                "available_percent": round(pct, 2),
                "top_mem": [p.to_dict() for p in top_mem],
            },
            playbook="memory-pressure" if status is not Status.OK else None,
            hints=("ps aux --sort=-rss | head",) if status is not Status.OK else (),
        )


@dataclass(frozen=True)
class MemSwap:
    """Swap use and swap-in activity over the sample.

    Swap merely in use is normal (idle pages pushed out). Swapping pages back *in* means
    the working set no longer fits: warn when swap-in reaches `swapin_warn_bytes` per
    second (1 MiB/s), fail at `swapin_fail_bytes` per second (20 MiB/s) (→ swap-thrashing); warn when swap
    is at least `used_warn_percent` (80) full. Shell equivalent: `free -h; vmstat 1 5`
    (the si/so columns).
    """

    id: ClassVar[str] = "mem.swap"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("swap-thrashing",)
    used_warn_percent: float = 80.0
    swapin_warn_bytes: int = 1024 * 1024  # per second
    swapin_fail_bytes: int = 20 * 1024 * 1024  # per second

    def run(self, ctx: CheckContext) -> list[Result]:
        r = readings(ctx)
        return [self.judge(r.memory, r.cpu)]

    def judge(self, mem: Memory, cpu: CpuSample) -> Result:
        data = {
            "swap_total_bytes": mem.swap_total_bytes,
            "swap_used_bytes": mem.swap_used_bytes,
            "swap_used_percent": round(mem.swap_used_percent, 2),
            "swap_in_bytes_s": round(cpu.swap_in_per_s),
            "swap_out_bytes_s": round(cpu.swap_out_per_s),
        }
        if mem.swap_total_bytes == 0:
            return Result(self.id, "swap", Status.OK, "no swap configured", data=data)
        status = _level_high(cpu.swap_in_per_s, self.swapin_warn_bytes, self.swapin_fail_bytes)
        if status is Status.OK and mem.swap_used_percent >= self.used_warn_percent:
            status = Status.WARN
        summary = (
            f"swap {naturalsize(mem.swap_used_bytes)} of {naturalsize(mem.swap_total_bytes)} used "
            f"({mem.swap_used_percent:.0f}%), swapping in {naturalsize(cpu.swap_in_per_s)}/s, "
            f"out {naturalsize(cpu.swap_out_per_s)}/s"
        )
        details = (
            ("pages are being read back from swap: the working set does not fit in RAM",)
            if cpu.swap_in_per_s >= self.swapin_warn_bytes
            else ()
        )
        return Result(
            self.id,
            "swap",
            status,
            summary,
            details=details,
            data=data,
            playbook="swap-thrashing" if status is not Status.OK else None,
            hints=("vmstat 1 5",) if status is not Status.OK else (),
        )


@dataclass(frozen=True)
class MemPressure:
    """Pressure stall information (PSI) from /proc/pressure/{cpu,memory,io}.

    The share of time tasks stalled waiting for memory: warn when memory "full" avg60
    (every task stalled at once) reaches `warn_full_avg60` (10 %), fail at
    `fail_full_avg60` (40 %). CPU and IO pressure are reported alongside. Skips where
    the kernel has no PSI (enable with the `psi=1` boot parameter). Shell equivalent:
    `cat /proc/pressure/memory`.
    """

    id: ClassVar[str] = "mem.pressure"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("memory-pressure",)
    warn_full_avg60: float = 10.0
    fail_full_avg60: float = 40.0

    def run(self, ctx: CheckContext) -> list[Result]:
        return [self.judge(readings(ctx).pressure)]

    def judge(self, psi: dict[str, dict[str, dict[str, float]]] | None) -> Result:
        if not psi or "memory" not in psi:
            return Result(
                self.id,
                "memory",
                Status.SKIP,
                "the kernel has no pressure stall information (/proc/pressure missing)",
                details=("PSI needs Linux ≥ 4.20 with CONFIG_PSI; enable it with the psi=1 boot parameter",),
            )
        full60 = psi["memory"].get("full", {}).get("avg60", 0.0)
        some60 = psi["memory"].get("some", {}).get("avg60", 0.0)
        status = _level_high(full60, self.warn_full_avg60, self.fail_full_avg60)
        parts = [f"memory some {some60:.1f}% full {full60:.1f}%"]
        for res in ("cpu", "io"):
            if res in psi:
                parts.append(f"{res} some {psi[res].get('some', {}).get('avg60', 0.0):.1f}%")
        summary = "pressure (avg60): " + ", ".join(parts)
        details: tuple[str, ...] = ()
        if status is not Status.OK:
            details = (
                f"for {full60:.0f}% of the last minute every task was stalled waiting for memory "
                "(reclaim or swap-in)",
            )
        return Result(
            self.id,
            "memory",
            status,
            summary,
            details=details,
            data={
                f"{res}_{kind}_{window}": value
                for res, kinds in psi.items()
                for kind, values in kinds.items()
                for window, value in values.items()
                if window != "total"
            },
            playbook="memory-pressure" if status is not Status.OK else None,
            hints=("cat /proc/pressure/memory", "vmstat 1 5") if status is not Status.OK else (),
        )


@dataclass(frozen=True)
class MemOom:
    """OOM kills since boot: kernel log ("Out of memory: Killed process"), cgroup counters, Docker.

    Fail when a process was killed within `recent_s` (24 h), warn for an older kill
    since boot (or a cgroup counter without a time). Names victim, PID and time.
    Shell equivalent: `dmesg -T | grep -i 'killed process'` and
    `docker inspect -f '{{.State.OOMKilled}}' CONTAINER`.
    """

    id: ClassVar[str] = "mem.oom"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("oom-killed",)
    recent_s: float = 24 * 3600.0

    def run(self, ctx: CheckContext) -> list[Result]:
        return [self.judge(ctx.memo("oom", lambda: read_oom(ctx.timeout)), time.time())]

    def judge(self, reading: OomReading, now: float) -> Result:
        kills = sorted(reading.kills, key=lambda k: k.time or 0.0, reverse=True)
        data = {"kills": [k.to_dict() for k in kills], "sources": list(reading.sources)}
        if not reading.sources:
            return Result(
                self.id,
                "oom",
                Status.SKIP,
                "no OOM kill record is readable here",
                details=(
                    *reading.unreadable,
                    "run as root (or join the adm/systemd-journal group) to read the kernel log",
                ),
                data=data,
            )
        if not kills:
            return Result(
                self.id,
                "oom",
                Status.OK,
                f"no OOM kills since boot (read {', '.join(reading.sources)})",
                data=data,
            )
        recent = [k for k in kills if k.time is not None and now - k.time <= self.recent_s]
        status = Status.FAIL if recent else Status.WARN
        total = sum(k.count for k in kills)
        latest = recent[0] if recent else kills[0]
        summary = f"{total} OOM kill{'s' if total != 1 else ''} since boot; latest: {_describe(latest, now)}"
        details = tuple(_describe(k, now) for k in kills[1:6]) + reading.unreadable
        return Result(
            self.id,
            "oom",
            status,
            summary,
            details=details,
            data=data,
            playbook="oom-killed",
            hints=("dmesg -T | grep -iE 'killed process|oom-kill'",),
        )


def _describe(kill: OomKill, now: float) -> str:
    who = f"{kill.name} (pid {kill.pid})" if kill.pid is not None else kill.name
    if kill.count > 1:
        who = f"{kill.count} processes"
    when = (
        f"{naturalduration(now - kill.time)} ago "
        f"({time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(kill.time))})"
        if kill.time is not None
        else "time unknown"
    )
    where = f" in cgroup {kill.cgroup}" if kill.cgroup and kill.cgroup != "/" else ""
    rss = f", {naturalsize(kill.anon_rss_bytes)} resident" if kill.anon_rss_bytes else ""
    return f"{who} killed {when}{where}{rss} [{kill.source}]"


CHECKS = (CpuUsage, CpuLoad, MemAvailable, MemSwap, MemPressure, MemOom)
