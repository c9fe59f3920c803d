"""Load area: CPU use and load, the container's limits; memory, swap, PSI and OOM kills live in
checks/memory.py and checks/oom.py (re-exported here: one CHECKS tuple for the area)."""

from __future__ import annotations

import math
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.loadshare import SAMPLE_S, container, level_high, procs_line, readings, scoped_limits
from srvdoctor.checks.memory import MemAvailable, MemPressure, MemSwap
from srvdoctor.checks.oom import MemOom
from srvdoctor.messages import join, t, tn
from srvdoctor.model import Result, Status
from srvdoctor.probes.cgroup import CgroupLimits
from srvdoctor.probes.container import ContainerInfo, volumes
from srvdoctor.probes.system import CpuSample, Load
from srvdoctor.record import dataclass
from srvdoctor.units import naturalsize

__all__ = ["CHECKS", "SAMPLE_S", "ContainerLimits", "CpuLoad", "CpuUsage", "MemAvailable", "MemOom",
           "MemPressure", "MemSwap", "readings"]  # fmt: skip

_level_high = level_high
_procs_line = procs_line


@dataclass(frozen=True)
class CpuUsage:
    """CPU use over a short sample (≥ 0.2 s, overlapping the other checks): per core, iowait, steal.

    srvdoctor's own CPU time in the sample (loading and running the other checks, their
    child processes, and for `srvdoctor check`, whose sample starts with the process, its
    start-up: `os.times`) is left out — it is not the machine's load — and reported as
    `own_percent`: busy is the others' share of the time srvdoctor left them, so a saturated
    machine reads 100 %, not 100 % minus srvdoctor's share.

    Warn when every core is at least `busy_percent` (90) busy, naming the busiest
    processes (→ cpu-overload); warn when iowait is at least `iowait_percent` (20) of
    all CPU time (→ io-wait); warn when steal is at least `steal_percent` (10): the
    hypervisor gives this VM's CPU time to a noisy neighbour. Inside a container with a
    CPU quota (`docker run --cpus`; v2 cpu.max, v1 cfs_quota_us/cfs_period_us), the
    container's own CPU time (v2 cpu.stat usage_usec, v1 cpuacct.usage) is judged
    against the quota: warn when it uses at least `busy_percent` of it, or when the
    kernel throttled it in at least `throttled_percent` (50) of the quota periods of the
    sample (cpu.stat nr_throttled), with the host's figure beside. With a cpuset, only its cores
    count. Shell equivalent: `mpstat -P ALL 1 1` or `top` (press 1);
    `cat /sys/fs/cgroup/cpu.max` in a container.
    """

    id: ClassVar[str] = "cpu.usage"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("cpu-overload", "io-wait")
    busy_percent: float = 90.0
    iowait_percent: float = 20.0
    steal_percent: float = 10.0
    throttled_percent: float = 50.0

    def run(self, ctx: CheckContext) -> list[Result]:
        r = readings(ctx)
        return [self.judge(r.cpu, scoped_limits(r), in_container=bool(r.container and r.container.inside))]

    def judge(self, cpu: CpuSample, limits: CgroupLimits | None = None, in_container: bool = False) -> Result:
        cores = cpu.per_core_percent
        if limits is not None and limits.cpuset and len(limits.cpuset) < len(cores):
            cores = tuple(cores[i] for i in limits.cpuset if i < len(cores))
        all_busy = bool(cores) and min(cores) >= self.busy_percent
        status = Status.OK
        playbook: str | None = None
        details: list[str] = []
        hints: list[str] = []
        summary = t(
            "CPU {total:.0f}% busy over {interval:.2f} s ({cores} cores: {per_core}), "
            "iowait {iowait:.0f}%, steal {steal:.0f}%",
            total=cpu.total_percent,
            interval=cpu.interval_s,
            cores=len(cores),
            per_core=", ".join(f"{c:.0f}%" for c in cores[:16]) + (", …" if len(cores) > 16 else ""),
            iowait=cpu.iowait_percent,
            steal=cpu.steal_percent,
        )
        if all_busy:
            status, playbook = Status.WARN, "cpu-overload"
            top = cpu.top_cpu[0] if cpu.top_cpu and cpu.top_cpu[0].cpu_percent >= 10 else None
            summary = (
                t(
                    "every core is ≥ {busy:.0f}% busy (CPU {total:.0f}%); "
                    "busiest: {process} at {pct:.0f}% CPU",
                    busy=self.busy_percent,
                    total=cpu.total_percent,
                    process=top.label,
                    pct=top.cpu_percent,
                )
                if top
                else t("every core is ≥ {busy:.0f}% busy (CPU {total:.0f}%)", busy=self.busy_percent,
                       total=cpu.total_percent)
            )  # fmt: skip
            hints.append("top -o %CPU")
        if cpu.iowait_percent >= self.iowait_percent:
            status = Status.WARN
            playbook = playbook or "io-wait"
            details.append(
                t(
                    "iowait is {pct:.0f}% of CPU time: processes wait on the disk or network storage",
                    pct=cpu.iowait_percent,
                )
            )
            hints.append("iostat -xz 1 5")
        if cpu.steal_percent >= self.steal_percent:
            status = Status.WARN
            playbook = playbook or "cpu-overload"
            details.append(
                t(
                    "steal is {pct:.0f}%: the hypervisor gives this VM's CPU time to other VMs "
                    "(a noisy neighbour); ask the provider or move to a dedicated instance",
                    pct=cpu.steal_percent,
                )
            )
        quota_data: dict[str, object] = {}
        quota = limits.cpu_quota if limits is not None else None
        if quota is not None and cpu.cgroup_cpu_cores is not None:
            used = cpu.cgroup_cpu_cores
            pct = 100.0 * used / quota.value if quota.value else 0.0
            quota_data = {"cpu_quota_cores": quota.value, "cgroup_cpu_cores": round(used, 3),
                          "cgroup_quota_percent": round(pct, 1), "quota_set_at": quota.where}  # fmt: skip
            host = summary
            summary = t(
                "the cgroup used {used:.2f} of its {quota:g}-CPU quota ({pct:.0f}%) — host: {host}",
                used=used,
                quota=quota.value,
                pct=pct,
                host=host,
            )
            throttled = cpu.cgroup_throttled_percent
            quota_data["throttled_percent"] = round(throttled, 1) if throttled is not None else None
            if pct >= self.busy_percent or (throttled is not None and throttled >= self.throttled_percent):
                status, playbook = Status.WARN, playbook or "cpu-overload"
                stopped = (
                    t(", throttled in {pct:.0f}% of its periods", pct=throttled)
                    if throttled is not None
                    else ""
                )
                summary = t(
                    "the {quota:g}-CPU quota is saturated: the cgroup used {used:.2f} CPUs "
                    "({pct:.0f}% of its quota{stopped}) — host: CPU {total:.0f}% busy",
                    quota=quota.value,
                    used=used,
                    pct=pct,
                    stopped=stopped,
                    total=cpu.total_percent,
                )
                details.append(
                    t(
                        "more CPU will not come from idle host cores: raise the quota (docker run --cpus, "
                        "Kubernetes resources.limits.cpu) or use fewer threads (torch.set_num_threads, "
                        "DataLoader num_workers, OMP_NUM_THREADS)"
                    )
                )
                hints.append("cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null")
        if cpu.top_cpu and status is not Status.OK:
            details.append(_procs_line(cpu.top_cpu, "cpu", in_container=in_container))
        return Result(
            self.id,
            "cpu",
            status,
            summary,
            details=tuple(details),
            data={
                **quota_data,
                "total_percent": round(cpu.total_percent, 1),
                "per_core_percent": [round(c, 1) for c in cores],
                "iowait_percent": round(cpu.iowait_percent, 1),
                "steal_percent": round(cpu.steal_percent, 1),
                "interval_s": round(cpu.interval_s, 3),
                "own_percent": round(cpu.own_percent, 1),  # srvdoctor's own CPU, left out of the above
                "top_cpu": [p.to_dict() for p in cpu.top_cpu],
            },
            playbook=playbook,
            hints=tuple(hints),
        )


WINDOWS = ("1-minute", "5-minute", "15-minute")
#: WINDOWS as words a person reads (the data keeps WINDOWS)
_WINDOW_WORDS = {"1-minute": t("1-minute"), "5-minute": t("5-minute"), "15-minute": t("15-minute")}


@dataclass(frozen=True)
class CpuLoad:
    """1/5/15-minute load average per logical CPU; says which window tripped.

    Warn when any window's load per core is at least `warn_per_core` (1.0): more runnable
    (or disk-blocked) tasks than cores, even for a one-minute burst; fail when the 5- or
    15-minute load per core reaches `fail_per_core` (2.0) (a 1-minute burst alone only
    warns). Inside a container the load average is still the host's (every task on the
    host counts), so it is judged per CPU the container may run on (its cpuset); a CPU
    quota is named beside it and judged by cpu.usage from the container's own CPU time.
    Shell equivalent: `uptime; nproc`.
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
        inside = bool(r.container and r.container.inside)
        return [self.judge(r.load, r.cpu, scoped_limits(r), in_container=inside)]

    def judge(
        self,
        load: Load,
        cpu: CpuSample | None = None,
        limits: CgroupLimits | None = None,
        in_container: bool = False,
    ) -> Result:
        cpus = load.cpus
        if limits is not None and limits.cpuset and len(limits.cpuset) < cpus:
            cpus = len(limits.cpuset)
        values = (load.avg1, load.avg5, load.avg15)
        per = [x / cpus for x in values]
        statuses = [level_high(v, self.warn_per_core, self.fail_per_core) for v in per]
        statuses[0] = Status.WARN if statuses[0] is Status.FAIL else statuses[0]  # a burst alone warns
        status = max(statuses, key=lambda s: s.rank)
        tripped = [w for w, s in zip(WINDOWS, statuses, strict=True) if s is not Status.OK]
        where = (
            t("{cpus} CPUs (the cpuset; the host has {host})", cpus=cpus, host=load.cpus)
            if cpus != load.cpus
            else t("{cpus} CPUs", cpus=cpus)
        )
        summary = t(
            "load {avg1:.2f} {avg5:.2f} {avg15:.2f} on {where} "
            "({per1:.2f} / {per5:.2f} / {per15:.2f} per core)",
            avg1=load.avg1,
            avg5=load.avg5,
            avg15=load.avg15,
            where=where,
            per1=per[0],
            per5=per[1],
            per15=per[2],
        )
        details: list[str] = []
        if status is not Status.OK:
            worst = max(range(3), key=lambda i: (statuses[i].rank, per[i]))
            summary = t(
                "{window} load {value:.2f} is {per:.2f} per core (≥ {limit:g}); {summary}",
                window=_WINDOW_WORDS[WINDOWS[worst]],
                value=values[worst],
                per=per[worst],
                limit=self.fail_per_core if statuses[worst] is Status.FAIL else self.warn_per_core,
                summary=summary,
            )
            details.append(
                tn(
                    "more runnable or disk-blocked tasks than cores in the {windows} average",
                    "more runnable or disk-blocked tasks than cores in the {windows} averages",
                    max(1, len(tripped)),
                    windows=join(", ", [_WINDOW_WORDS[w] for w in tripped]),
                )
            )
            if cpu is not None and cpu.top_cpu:
                details.append(procs_line(cpu.top_cpu, "cpu", in_container=in_container))
        quota = limits.cpu_quota if limits is not None else None
        if quota is not None:
            details.append(
                t(
                    "the cgroup's CPU quota is {quota} (load counts every task on the host; "
                    "cpu.usage judges the quota)",
                    quota=_cpus(quota.value),
                )
            )
        data: dict[str, object] = {
            "load1": round(load.avg1, 2),
            "load5": round(load.avg5, 2),
            "load15": round(load.avg15, 2),
            "cpus": load.cpus,
            "load1_per_core": round(per[0], 3),
            "load5_per_core": round(per[1], 3),
            "load15_per_core": round(per[2], 3),
            "tripped": tripped,
        }
        if cpus != load.cpus:
            data["cpuset_cpus"] = cpus
        if quota is not None:
            data["cpu_quota_cores"] = quota.value
        return Result(
            self.id,
            "cpu",
            status,
            summary,
            details=tuple(details),
            data=data,
            playbook="cpu-overload" if status is not Status.OK else None,
            hints=("top -o %CPU", "ps -eo pid,user,stat,pcpu,comm --sort=-pcpu | head")
            if status is not Status.OK
            else (),
        )


@dataclass(frozen=True)
class ContainerLimits:
    """Where am I: a container (Docker, containerd/Kubernetes, Podman, LXC) and its cgroup limits.

    Said once per run, and only inside a container or for `load --pid/--cgroup` (a plain
    host gets no result): runtime, id, memory and swap limits, CPU quota, cpuset, pids
    limit, each with the cgroup that sets it (the tightest up the tree). Warns when the
    pids in use reach `pids_warn_percent` (80) of the pids limit ("fork: Resource
    temporarily unavailable" follows). Shell equivalent: `cat /proc/1/cgroup`,
    `cat /sys/fs/cgroup/{memory.max,cpu.max,pids.max}` (v1: memory/memory.limit_in_bytes,
    cpu/cpu.cfs_quota_us, pids/pids.max), `nproc`.
    """

    id: ClassVar[str] = "container.limits"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ()
    pids_warn_percent: float = 80.0

    def run(self, ctx: CheckContext) -> list[Result]:
        r = readings(ctx)
        lim = scoped_limits(r)
        if lim is None:
            return []
        return [self.judge(container(ctx), lim, r.load.cpus)]

    def judge(self, where: ContainerInfo, lim: CgroupLimits, host_cpus: int) -> Result:
        parts: list[str] = []
        if lim.memory_limit is not None:
            parts.append(t("memory {size}", size=naturalsize(lim.memory_limit.value)))
            if lim.swap_limit is not None:
                parts.append(
                    t("swap {size}", size=naturalsize(lim.swap_limit.value))
                    if lim.swap_limit.value
                    else t("no swap")
                )
        if lim.cpu_quota is not None:
            parts.append(t("CPU quota {cpus}", cpus=_cpus(lim.cpu_quota.value)))
        if lim.cpuset and len(lim.cpuset) < host_cpus:
            parts.append(
                t(
                    "cpuset {cpulist} ({n} of {host} CPUs)",
                    cpulist=_cpulist(lim.cpuset),
                    n=len(lim.cpuset),
                    host=host_cpus,
                )
            )
        if lim.pids_max is not None:
            parts.append(
                t(
                    "pids {current} of {max:g}",
                    current=lim.pids_current if lim.pids_current is not None else "?",
                    max=lim.pids_max.value,
                )
            )
        subject = (
            where.describe()
            if where.inside
            else t("cgroup {path} (cgroup v{version})", path=lim.path, version=lim.version)
        )
        summary = (
            t("{subject}: {limits}", subject=subject, limits=join(", ", parts))
            if parts
            else t("{subject}: no memory, CPU or pids limit set", subject=subject)
        )
        status = Status.OK
        details: list[str] = [
            t(
                "cgroup v{version} {path} (read {directory})",
                version=lim.version,
                path=lim.path,
                directory=lim.directory,
            )
        ]
        data_volumes: list[dict[str, str]] = []
        if where.inside:
            details.append(t("seen from: {signals}", signals=join("; ", where.signals[:3])))
            if where.root_fstype == "overlay":
                vols = volumes()
                data_volumes = [{"mountpoint": m, "fstype": fs} for m, fs in vols]
                shown = ", ".join(f"{m} ({fs})" for m, fs in vols[:8]) + (", …" if len(vols) > 8 else "")
                details.append(
                    t(
                        "writes outside volumes land in the container's writable layer (overlay root: "
                        "lost with the container, counted by `docker system df`); "
                        "volumes and bind mounts: {shown}",
                        shown=shown,
                    )
                    if vols
                    else t(
                        "writes outside volumes land in the container's writable layer (overlay root: "
                        "lost with the container, counted by `docker system df`); no volumes are mounted"
                    )
                )
        for name, limit in (
            (t("memory"), lim.memory_limit),
            (t("CPU quota"), lim.cpu_quota),
            (t("pids"), lim.pids_max),
        ):
            if limit is not None and limit.where != lim.directory:
                details.append(
                    t("the {name} limit is set higher up the tree, at {where}", name=name, where=limit.where)
                )
        if lim.pids_max is not None and lim.pids_current is not None and lim.pids_max.value:
            pct = 100.0 * lim.pids_current / lim.pids_max.value
            if pct >= self.pids_warn_percent:
                status = Status.WARN
                details.append(
                    t(
                        "{pct:.0f}% of the pids limit is in use: the next fork/thread fails with "
                        "'Resource temporarily unavailable' (docker run --pids-limit)",
                        pct=pct,
                    )
                )
        return Result(
            self.id,
            "cgroup",
            status,
            summary,
            details=tuple(details),
            data={"container": where.to_dict(), "limits": lim.to_dict(), "volumes": data_volumes},
        )


def _cpus(n: float) -> str:
    return t("{n:g} CPU", n=n) if n == 1 else t("{n:g} CPUs", n=n)


def _cpulist(cpus: tuple[int, ...]) -> str:
    """(0, 1, 2, 5) -> '0-2,5' (the cpuset.cpus notation)."""
    out: list[str] = []
    start = prev = cpus[0]
    for c in (*cpus[1:], math.inf):
        if c == prev + 1:
            prev = int(c)
            continue
        out.append(f"{start}-{prev}" if prev != start else f"{start}")
        if c != math.inf:
            start = prev = int(c)
    return ",".join(out)


CHECKS = (ContainerLimits, CpuUsage, CpuLoad, MemAvailable, MemSwap, MemPressure, MemOom)
