"""Load area, memory: available memory (against a container's limit), swap, pressure (PSI)."""

from __future__ import annotations

from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.loadshare import level_high, procs_line, readings, scope_name, scoped_limits
from srvdoctor.messages import join, t
from srvdoctor.model import Result, Status
from srvdoctor.probes.cgroup import CgroupLimits
from srvdoctor.probes.system import CpuSample, Memory, ProcInfo
from srvdoctor.record import dataclass
from srvdoctor.units import naturalsize


@dataclass(frozen=True)
class MemAvailable:
    """Available memory (MemAvailable: free plus reclaimable cache, not "free").

    On a host: warn at or below `warn_percent` (10) of RAM, fail at or below
    `fail_percent` (5). Inside a container (or for `load --pid/--cgroup`) with a memory
    limit, the limit is the machine: available = limit - (usage - inactive file cache),
    counted as `docker stats` does, and judged with `limit_warn_percent` (15) and
    `limit_fail_percent` (5) — at the limit the OOM killer acts at once, with no other
    memory to fall back on. The host's figure is shown beside it; the tighter of the two
    is judged. Names the processes with the most resident memory. Shell equivalent:
    `free -h` (the `available` column), `docker stats --no-stream`,
    `cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.current`, `ps aux --sort=-rss | head`.
    """

    id: ClassVar[str] = "mem.available"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("memory-pressure",)
    warn_percent: float = 10.0
    fail_percent: float = 5.0
    limit_warn_percent: float = 15.0
    limit_fail_percent: float = 5.0

    def __post_init__(self) -> None:
        for fail, warn in (
            (self.fail_percent, self.warn_percent),
            (self.limit_fail_percent, self.limit_warn_percent),
        ):
            if not 0 <= fail <= warn <= 100:
                raise ValueError(f"need 0 <= fail_percent <= warn_percent <= 100, got {fail} and {warn}")

    def run(self, ctx: CheckContext) -> list[Result]:
        r = readings(ctx)
        return [self.judge(r.memory, r.cpu.top_mem, scoped_limits(r), scope_name(r))]

    def _status(self, pct: float, warn: float, fail: float) -> Status:
        return Status.FAIL if pct <= fail else Status.WARN if pct <= warn else Status.OK

    def judge(
        self,
        mem: Memory,
        top_mem: tuple[ProcInfo, ...] = (),
        limits: CgroupLimits | None = None,
        scope: str = "",
    ) -> Result:
        scope = scope or t("the container")
        host_pct = mem.available_percent
        avail, total = naturalsize(mem.available_bytes), naturalsize(mem.total_bytes)
        data: dict[str, object] = {
            "total_bytes": mem.total_bytes,
            "available_bytes": mem.available_bytes,
            "available_percent": round(host_pct, 2),
            "top_mem": [p.to_dict() for p in top_mem],
        }
        limit = limits.memory_limit if limits is not None else None
        cg_avail = limits.memory_available if limits is not None else None
        consequence: str
        if (
            limits is not None
            and limit is not None
            and cg_avail is not None
            and cg_avail < mem.available_bytes
        ):
            pct = 100.0 * cg_avail / limit.value if limit.value else 0.0
            status = self._status(pct, self.limit_warn_percent, self.limit_fail_percent)
            used = limits.working_set or 0
            summary = t(
                "{available} of {scope}'s {limit} memory limit available "
                "({pct:.0f}%; {used} in use) — host: {host_available} of {host_total} available",
                available=naturalsize(cg_avail),
                scope=scope,
                limit=naturalsize(limit.value),
                pct=pct,
                used=naturalsize(used),
                host_available=avail,
                host_total=total,
            )
            data.update(
                {
                    "scope": "cgroup",
                    "limit_bytes": int(limit.value),
                    "limit_set_at": limit.where,
                    "working_set_bytes": used,
                    "cgroup_available_bytes": cg_avail,
                    "cgroup_available_percent": round(pct, 2),
                }
            )
            hint = "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.current 2>/dev/null || docker stats"
            consequence = t(
                "when {scope}'s usage reaches the {limit} limit the kernel OOM-kills a "
                "process in it (the host's free memory does not help); raise the limit "
                "(docker run --memory, Kubernetes resources.limits.memory, systemd MemoryMax=) or use less",
                scope=scope,
                limit=naturalsize(limit.value),
            )
        else:
            pct = host_pct
            status = self._status(pct, self.warn_percent, self.fail_percent)
            summary = t(
                "{available} of {total} memory available ({pct:.0f}%)", available=avail, total=total, pct=pct
            )
            if limit is not None:
                summary = t(
                    "{summary}; {scope}'s limit {limit} is not the tighter bound",
                    summary=summary,
                    scope=scope,
                    limit=naturalsize(limit.value),
                )
                data.update({"scope": "machine", "limit_bytes": int(limit.value)})
            hint, consequence = "", ""
        details: list[str] = []
        if top_mem:
            top = top_mem[0]
            if status is not Status.OK:
                summary = t(
                    "{summary}; {process} is using {size}",
                    summary=summary,
                    process=top.label,
                    size=naturalsize(top.rss_bytes),
                )
            details.append(procs_line(top_mem, "mem"))
        if consequence and status is not Status.OK:
            details.append(consequence)
        hints = ("ps aux --sort=-rss | head",) + ((hint,) if hint else ())
        return Result(
            self.id,
            "memory",
            status,
            summary,
            details=tuple(details) if status is not Status.OK else (),
            data=data,
            playbook="memory-pressure" if status is not Status.OK else None,
            hints=hints if status is not Status.OK else (),
        )


@dataclass(frozen=True)
class MemSwap:
    """Swap use and swap-in activity over the sample.

    Swap merely in use is normal (idle pages pushed out). Swapping pages back *in* means
    the working set no longer fits: warn when swap-in reaches `swapin_warn_bytes` per
    second (1 MiB/s), fail at `swapin_fail_bytes` per second (20 MiB/s) (→ swap-thrashing); warn when swap
    is at least `used_warn_percent` (80) full. Inside a container the swap limit
    (`--memory-swap`; v2 memory.swap.max, v1 memsw minus memory) is shown beside it.
    Shell equivalent: `free -h; vmstat 1 5` (the si/so columns).
    """

    id: ClassVar[str] = "mem.swap"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("swap-thrashing",)
    used_warn_percent: float = 80.0
    swapin_warn_bytes: int = 1024 * 1024  # per second
    swapin_fail_bytes: int = 20 * 1024 * 1024  # per second

    def run(self, ctx: CheckContext) -> list[Result]:
        r = readings(ctx)
        return [self.judge(r.memory, r.cpu, scoped_limits(r))]

    def judge(self, mem: Memory, cpu: CpuSample, limits: CgroupLimits | None = None) -> Result:
        data: dict[str, object] = {
            "swap_total_bytes": mem.swap_total_bytes,
            "swap_used_bytes": mem.swap_used_bytes,
            "swap_used_percent": round(mem.swap_used_percent, 2),
            "swap_in_bytes_s": round(cpu.swap_in_per_s),
            "swap_out_bytes_s": round(cpu.swap_out_per_s),
        }
        beside = ""
        if limits is not None and limits.memory_limit is not None:
            swap_limit = limits.swap_limit
            data["cgroup_swap_limit_bytes"] = int(swap_limit.value) if swap_limit is not None else None
            data["cgroup_swap_used_bytes"] = limits.swap_usage
            if swap_limit is not None and mem.swap_total_bytes:
                beside = (
                    t("; the cgroup may swap {size}", size=naturalsize(swap_limit.value))
                    if swap_limit.value
                    else t("; the cgroup may not swap (--memory-swap equals --memory)")
                )
        if mem.swap_total_bytes == 0:
            return Result(
                self.id, "swap", Status.OK, t("no swap configured{beside}", beside=beside), data=data
            )
        status = level_high(cpu.swap_in_per_s, self.swapin_warn_bytes, self.swapin_fail_bytes)
        if status is Status.OK and mem.swap_used_percent >= self.used_warn_percent:
            status = Status.WARN
        summary = t(
            "swap {used} of {total} used ({pct:.0f}%), swapping in {swap_in}/s, out {swap_out}/s{beside}",
            used=naturalsize(mem.swap_used_bytes),
            total=naturalsize(mem.swap_total_bytes),
            pct=mem.swap_used_percent,
            swap_in=naturalsize(cpu.swap_in_per_s),
            swap_out=naturalsize(cpu.swap_out_per_s),
            beside=beside,
        )
        details = (
            (t("pages are being read back from swap: the working set does not fit in RAM"),)
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
    """Pressure stall information (PSI): the cgroup's own memory.pressure inside a container
    (cgroup v2), else /proc/pressure/{cpu,memory,io}.

    The share of time tasks stalled waiting for memory: warn when memory "full" avg60
    (every task stalled at once) reaches `warn_full_avg60` (10 %), fail at
    `fail_full_avg60` (40 %). CPU and IO pressure are reported alongside. Skips where
    the kernel has no PSI (enable with the `psi=1` boot parameter). Shell equivalent:
    `cat /proc/pressure/memory` (in a container: `cat /sys/fs/cgroup/memory.pressure`).
    """

    id: ClassVar[str] = "mem.pressure"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("memory-pressure",)
    warn_full_avg60: float = 10.0
    fail_full_avg60: float = 40.0

    def run(self, ctx: CheckContext) -> list[Result]:
        r = readings(ctx)
        return [self.judge(r.pressure, scoped_limits(r))]

    def judge(
        self, psi: dict[str, dict[str, dict[str, float]]] | None, limits: CgroupLimits | None = None
    ) -> Result:
        own = limits.memory_pressure if limits is not None else None
        if not psi and not own:
            return Result(
                self.id,
                "memory",
                Status.SKIP,
                t("the kernel has no pressure stall information (/proc/pressure missing)"),
                details=(
                    t("PSI needs Linux ≥ 4.20 with CONFIG_PSI; enable it with the psi=1 boot parameter"),
                ),
            )
        psi = dict(psi or {})
        host_mem = psi.get("memory")
        if own:
            psi["memory"] = own
        if "memory" not in psi:
            return Result(self.id, "memory", Status.SKIP, t("no memory pressure file is readable here"))
        full60 = psi["memory"].get("full", {}).get("avg60", 0.0)
        some60 = psi["memory"].get("some", {}).get("avg60", 0.0)
        status = level_high(full60, self.warn_full_avg60, self.fail_full_avg60)
        parts: list[str] = [t("memory some {some:.1f}% full {full:.1f}%", some=some60, full=full60)]
        if own and host_mem:
            parts[0] = t("cgroup memory some {some:.1f}% full {full:.1f}%", some=some60, full=full60)
            parts.append(t("host memory full {full:.1f}%", full=host_mem.get("full", {}).get("avg60", 0.0)))
        for res in ("cpu", "io"):
            if res in psi:
                parts.append(
                    t(
                        "{resource} some {some:.1f}%",
                        resource=res,
                        some=psi[res].get("some", {}).get("avg60", 0.0),
                    )
                )
        summary = t("pressure (avg60): {parts}", parts=join(", ", parts))
        if limits is not None and not own:
            summary = t(
                "{summary} (host-wide: the cgroup's own memory.pressure needs cgroup v2)", summary=summary
            )
        details: tuple[str, ...] = ()
        if status is not Status.OK:
            details = (
                t(
                    "for {pct:.0f}% of the last minute every task was stalled waiting for memory "
                    "(reclaim or swap-in)",
                    pct=full60,
                ),
            )
        data: dict[str, object] = {
            f"{res}_{kind}_{window}": value
            for res, kinds in psi.items()
            for kind, values in kinds.items()
            for window, value in values.items()
            if window != "total"
        }
        if own and limits is not None:
            data["memory_source"] = limits.pressure_file
        return Result(
            self.id,
            "memory",
            status,
            summary,
            details=details,
            data=data,
            playbook="memory-pressure" if status is not Status.OK else None,
            hints=("cat /proc/pressure/memory", "vmstat 1 5") if status is not Status.OK else (),
        )


CHECKS = (MemAvailable, MemSwap, MemPressure)
