"""What the load checks share: one reading per run, the cgroup judged, and wording helpers."""

from __future__ import annotations

from srvdoctor.checks.base import CheckContext
from srvdoctor.messages import join, t
from srvdoctor.model import Status
from srvdoctor.probes.cgroup import CgroupLimits, read_limits
from srvdoctor.probes.container import ContainerInfo, detect
from srvdoctor.probes.cpustat import early_baseline
from srvdoctor.probes.system import CpuSampler, LoadReadings, ProcInfo, sample_all
from srvdoctor.record import dataclass
from srvdoctor.units import naturalsize

#: The CPU sample spans at least this long after the run starts, overlapping the other checks
#: (srvdoctor's own CPU in it is left out, so the work it overlaps does not inflate it).
SAMPLE_S = 0.2


@dataclass(frozen=True)
class LoadTarget:
    """Whose limits to judge: this process's cgroup (default), process `pid`'s, or cgroup `cgroup`."""

    pid: int | None = None
    cgroup: str | None = None

    @property
    def explicit(self) -> bool:
        return self.pid is not None or self.cgroup is not None


def target(ctx: CheckContext) -> LoadTarget:
    """`load --pid/--cgroup` seeds this memo before the checks run."""
    return ctx.memo("load.target", LoadTarget)


def container(ctx: CheckContext) -> ContainerInfo:
    return ctx.memo("container", detect)


def limits(ctx: CheckContext) -> CgroupLimits:
    t = target(ctx)
    return ctx.memo("cgroup.limits", lambda: read_limits(t.pid if t.pid is not None else "self", t.cgroup))


def sampler(ctx: CheckContext) -> CpuSampler:
    """The run's CPU sampler, primed on first use: `check` primes it before it loads the check
    modules, so that the sample spans that work instead of being waited for after it."""

    def prime() -> CpuSampler:
        lim = limits(ctx) if judged_cgroup(ctx) else None
        return CpuSampler(
            cgroup_cpu_file=lim.cpu_usage_file if lim is not None else "",
            cgroup_stat_file=lim.cpu_stat_file if lim is not None else "",
            early=early_baseline(),  # `check` from the console script: taken as it started
        )

    return ctx.memo("load.sampler", prime)


def readings(ctx: CheckContext) -> LoadReadings:
    """One shared reading per run: primed when the first load check starts (or `check` primed
    it earlier, or the console script as `check` started), read ≥ 0.2 s later."""

    def take() -> LoadReadings:
        lim = limits(ctx) if judged_cgroup(ctx) else None
        cpu = sampler(ctx)
        began = cpu.early_t0 if cpu.early_t0 is not None else ctx.started
        return sample_all(
            cpu,
            min_interval_s=0.2,
            not_before=began + SAMPLE_S,
            limits=lim,
            container=container(ctx),
        )

    return ctx.memo("load.readings", take)


def judged_cgroup(ctx: CheckContext) -> bool:
    """Judge a cgroup's limits: inside a container, or when the user named a process or cgroup."""
    return container(ctx).inside or target(ctx).explicit


def scoped_limits(r: LoadReadings) -> CgroupLimits | None:
    """The limits to judge against, or None on a plain host (no container noise there)."""
    lim = r.limits
    return None if lim is None or lim.version == 0 else lim


def scope_name(r: LoadReadings) -> str:
    """'the container' or 'cgroup /system.slice/x.service'."""
    if r.container is not None and r.container.inside:
        return t("the container")
    return t("cgroup {path}", path=r.limits.path) if r.limits is not None else t("the cgroup")


def level_high(value: float, warn: float, fail: float) -> Status:
    return Status.FAIL if value >= fail else Status.WARN if value >= warn else Status.OK


def procs_line(procs: tuple[ProcInfo, ...], what: str, n: int = 3, in_container: bool = False) -> str:
    if what == "cpu":
        items = [join(" ", [p.label, f"{p.cpu_percent:.0f}% CPU"]) for p in procs[:n] if p.cpu_percent >= 1]
        if not items and in_container:
            return t(
                "no process visible here stands out: inside a container the host's other processes "
                "(other containers, the host itself) are not visible"
            )
        if not items:
            return t(
                "no single process stands out: the CPU goes to short-lived processes (builds, tests, cron?)"
            )
        return t("top by CPU: {processes}", processes=join("; ", items))
    items = [join(" ", [p.label, naturalsize(p.rss_bytes)]) for p in procs[:n]]
    return t("top by memory: {processes}", processes=join("; ", items))
