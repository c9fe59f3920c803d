"""GPU memory held by processes: who holds it, and memory no visible process accounts for."""

from __future__ import annotations

from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.gpu_common import gpu_reading, holders, proc_dict, target, title
from srvdoctor.messages import t, tn
from srvdoctor.model import Result, Status
from srvdoctor.probes.nvml import GpuDevice, GpuSample
from srvdoctor.record import dataclass
from srvdoctor.units import naturalsize


@dataclass(frozen=True)
class GpuProcesses:
    """Processes on each GPU (PID, user, command, GPU memory), and memory nobody here holds.

    Warn (→ gpu-orphan-memory) when NVML lists PIDs that do not exist here, or when at
    least `orphan_min_bytes` (512 MiB) of used memory belongs to no listed process —
    telling "srvdoctor runs in a container without --pid=host" (other namespaces'
    processes are hidden) apart from "a dead process still holds it". Shell equivalent:
    `nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv`.
    """

    id: ClassVar[str] = "gpu.processes"
    area: ClassVar[str] = "gpu"
    playbooks: ClassVar[tuple[str, ...]] = ("gpu-orphan-memory",)
    orphan_min_bytes: int = 512 * 1024 * 1024

    def run(self, ctx: CheckContext) -> list[Result]:
        reading = gpu_reading(ctx)
        if not isinstance(reading, GpuSample):
            return []
        return [self.judge(dev, reading.in_pid_namespace) for dev in reading.devices]

    def judge(self, dev: GpuDevice, in_pid_namespace: bool) -> Result:
        procs = dev.processes
        listed = sum(p.used_bytes or 0 for p in procs)
        unaccounted = max(0, dev.memory_used - listed)
        invisible = [p for p in procs if not p.visible]
        status = Status.OK
        details: list[str] = []
        hints: list[str] = []
        summary: str
        if procs:
            summary = tn(
                "{title}: {n} process: {holders}",
                "{title}: {n} processes: {holders}",
                len(procs),
                title=title(dev),
                holders=holders(procs),
            )
        else:
            summary = t("{title}: no processes", title=title(dev))
        if invisible:
            status = Status.WARN
            held = sum(p.used_bytes or 0 for p in invisible)
            pids = ", ".join(str(p.pid) for p in invisible)
            if in_pid_namespace:
                details.append(
                    t(
                        "PIDs {pids} hold {size} but are not visible here: srvdoctor runs in a "
                        "container without --pid=host; run it on the host to name them",
                        pids=pids,
                        size=naturalsize(held),
                    )
                )
                hints.append(t("nvidia-smi  # on the host"))
            else:
                details.append(
                    t(
                        "PIDs {pids} hold {size} but no such process exists: a dead process "
                        "(or one in another PID namespace) still holds GPU memory",
                        pids=pids,
                        size=naturalsize(held),
                    )
                )
                hints.append("sudo fuser -v /dev/nvidia*")
        if unaccounted >= self.orphan_min_bytes:
            status = Status.WARN
            if in_pid_namespace:
                details.append(
                    t(
                        "{size} is used by no process listed here: srvdoctor runs in a container "
                        "without --pid=host, where NVML hides processes of other PID namespaces",
                        size=naturalsize(unaccounted),
                    )
                )
                hints.append(t("docker run --pid=host ... (or run srvdoctor gpu on the host)"))
            else:
                details.append(
                    t(
                        "{size} is used by no listed process: a dead or zombie process "
                        "(or a container's process) still holds GPU memory",
                        size=naturalsize(unaccounted),
                    )
                )
                hints.append("sudo fuser -v /dev/nvidia*")
            if not procs:
                summary = t(
                    "{title}: no processes listed, yet {size} is used",
                    title=title(dev),
                    size=naturalsize(dev.memory_used),
                )
        return Result(
            self.id,
            target(dev),
            status,
            summary,
            details=tuple(details),
            data={
                "processes": [proc_dict(p) for p in procs],
                "listed_bytes": listed,
                "unaccounted_bytes": unaccounted,
                "in_pid_namespace": in_pid_namespace,
            },
            playbook="gpu-orphan-memory" if status is not Status.OK else None,
            hints=tuple(dict.fromkeys(hints)),
        )
