"""Disk area, /dev/shm: big enough for PyTorch DataLoader workers, NCCL and Ray?"""

from __future__ import annotations

import os
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.loadshare import container, limits
from srvdoctor.messages import oserror, t
from srvdoctor.model import Result, Status
from srvdoctor.record import dataclass
from srvdoctor.units import naturalsize

SHM = "/dev/shm"
DOCKER_DEFAULT = 64 * 1024 * 1024


@dataclass(frozen=True)
class ShmSize:
    """The size of /dev/shm (POSIX shared memory, a tmpfs) against what ML jobs need.

    PyTorch DataLoader workers (num_workers > 0) hand every batch to the main process
    through /dev/shm; NCCL uses it for intra-node transfers; Ray puts its object store
    there. Docker gives a container 64 MiB unless told otherwise. Warn when /dev/shm is
    smaller than `min_bytes` (1 GiB) and than `min_memory_percent` (25) of the memory the
    machine (or the container's limit) has — a small host's default (half of RAM) is
    fine — and when it is at least `full_percent` (90) full. Shell equivalent:
    `df -h /dev/shm`.
    """

    id: ClassVar[str] = "disk.shm"
    area: ClassVar[str] = "disk"
    playbooks: ClassVar[tuple[str, ...]] = ("shm-too-small",)
    min_bytes: int = 1024**3
    min_memory_percent: float = 25.0
    full_percent: float = 90.0

    def run(self, ctx: CheckContext) -> list[Result]:
        import psutil

        memory = int(psutil.virtual_memory().total)
        inside = container(ctx).inside
        if inside:
            lim = limits(ctx).memory_limit
            if lim is not None:
                memory = min(memory, int(lim.value))
        try:
            st = os.statvfs(SHM)
        except OSError as exc:
            return [
                Result(
                    self.id,
                    SHM,
                    Status.WARN,
                    t("{path} cannot be read: {reason}", path=SHM, reason=oserror(exc)),
                    details=(
                        t("POSIX shared memory (shm_open) fails without it: DataLoader workers, NCCL, Ray"),
                    ),
                    playbook="shm-too-small",
                )
            ]
        size, free = st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize
        return [self.judge(size, free, memory, inside)]

    def judge(self, size: int, free: int, memory: int, inside: bool = False) -> Result:
        used_pct = 100.0 * (size - free) / size if size else 100.0
        need = min(self.min_bytes, memory * self.min_memory_percent / 100)
        data = {"size_bytes": size, "free_bytes": free, "used_percent": round(used_pct, 1),
                "memory_bytes": memory, "min_bytes": int(need)}  # fmt: skip
        if size == DOCKER_DEFAULT and inside:
            what = t("{path} is {size} (Docker's default)", path=SHM, size=naturalsize(size))
        else:
            what = t("{path} is {size}", path=SHM, size=naturalsize(size))
        details: list[str] = []
        status = Status.OK
        if size < need:
            status = Status.WARN
            details += [
                t(
                    "PyTorch DataLoader workers pass batches through {path} and die with 'Bus error' or "
                    "'unable to write to file </torch_…>' when it is full; NCCL and Ray need it too "
                    "(at least {need} here; commonly several GiB)",
                    path=SHM,
                    need=naturalsize(need),
                ),
            ]
        if used_pct >= self.full_percent:
            status = Status.WARN
            details.append(
                t(
                    "{path} is {pct:.0f}% full: leftover files of crashed jobs? (ls -la {path})",
                    path=SHM,
                    pct=used_pct,
                )
            )
        summary = t("{what}, {pct:.0f}% used ({free} free)", what=what, pct=used_pct, free=naturalsize(free))
        if status is Status.WARN and size < need:
            summary = t(
                "{what}: too small for DataLoader workers/NCCL (want ≥ {need}); {pct:.0f}% used",
                what=what,
                need=naturalsize(need),
                pct=used_pct,
            )
        hints: tuple[str, ...] = ()
        if status is Status.WARN:
            hints = (
                t("docker run --shm-size=8g … (or {alternative})", alternative="--ipc=host"),
                t("Kubernetes: mount an emptyDir with medium: Memory at {path}", path=SHM),
            ) if inside else (f"sudo mount -o remount,size=8G {SHM}",)  # fmt: skip
        return Result(
            self.id,
            SHM,
            status,
            summary,
            details=tuple(details),
            data=data,
            playbook="shm-too-small" if status is Status.WARN else None,
            hints=hints,
        )


CHECKS = (ShmSize,)
