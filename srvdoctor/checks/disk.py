"""Disk area: space and inodes per real filesystem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.model import Result, Status
from srvdoctor.probes.filesystems import Filesystem, FilesystemError, filesystems
from srvdoctor.units import naturalsize


def _filesystems(ctx: CheckContext) -> list[Filesystem | FilesystemError]:
    return ctx.memo("filesystems", lambda: filesystems(ctx.timeout))


def _level(value: float, warn: float, fail: float) -> Status:
    return Status.FAIL if value >= fail else Status.WARN if value >= warn else Status.OK


def _check_thresholds(warn: float, fail: float) -> None:
    if not 0 <= warn <= fail <= 100:
        raise ValueError(f"need 0 <= warn_percent <= fail_percent <= 100, got {warn} and {fail}")


def _unreadable(check_id: str, err: FilesystemError) -> Result:
    return Result(
        check_id,
        err.mountpoint,
        Status.ERROR,
        f"{err.mountpoint} ({err.fstype}) could not be read: {err.reason}",
        hints=(f"stat -f {err.mountpoint}",),
    )


@dataclass(frozen=True)
class DiskSpace:
    """Used space of every real mounted filesystem, as df's Use% counts it.

    Measures used / (used + available to users), so ext4's root reservation counts as
    full the way applications see it. Warn at `warn_percent` (80), fail at
    `fail_percent` (90). Shell equivalent: `df -h`.
    """

    id: ClassVar[str] = "disk.space"
    area: ClassVar[str] = "disk"
    playbooks: ClassVar[tuple[str, ...]] = ("disk-full",)
    warn_percent: float = 80.0
    fail_percent: float = 90.0

    def __post_init__(self) -> None:
        _check_thresholds(self.warn_percent, self.fail_percent)

    def run(self, ctx: CheckContext) -> list[Result]:
        return [
            self.judge(fs) if isinstance(fs, Filesystem) else _unreadable(self.id, fs)
            for fs in _filesystems(ctx)
        ]

    def judge(self, fs: Filesystem) -> Result:
        status = _level(fs.used_percent, self.warn_percent, self.fail_percent)
        summary = (
            f"{fs.mountpoint} is {fs.used_percent:.0f}% full "
            f"({naturalsize(fs.avail_bytes)} free of {naturalsize(fs.size_bytes)})"
        )
        details: list[str] = []
        if fs.reserved_bytes and status is not Status.OK:
            details.append(
                f"{naturalsize(fs.reserved_bytes)} more is reserved for root "
                "(only root processes can still write)"
            )
        return Result(
            self.id,
            fs.mountpoint,
            status,
            summary,
            details=tuple(details),
            data={
                "used_percent": round(fs.used_percent, 2),
                "size_bytes": fs.size_bytes,
                "used_bytes": fs.used_bytes,
                "free_bytes": fs.avail_bytes,
                "reserved_bytes": fs.reserved_bytes,
                "fstype": fs.fstype,
                "source": fs.source,
            },
            playbook="disk-full" if status is not Status.OK else None,
            hints=(f"srvdoctor disk {fs.mountpoint} --depth 2",) if status is not Status.OK else (),
        )


@dataclass(frozen=True)
class DiskInodes:
    """Used inodes of every real filesystem that counts them (btrfs and some FUSE do not).

    A filesystem out of inodes says "No space left on device" while df -h shows free
    space. Warn at `warn_percent` (80), fail at `fail_percent` (90). Shell equivalent:
    `df -i`.
    """

    id: ClassVar[str] = "disk.inodes"
    area: ClassVar[str] = "disk"
    playbooks: ClassVar[tuple[str, ...]] = ("inode-exhaustion",)
    warn_percent: float = 80.0
    fail_percent: float = 90.0

    def __post_init__(self) -> None:
        _check_thresholds(self.warn_percent, self.fail_percent)

    def run(self, ctx: CheckContext) -> list[Result]:
        return [
            self.judge(fs) if isinstance(fs, Filesystem) else _unreadable(self.id, fs)
            for fs in _filesystems(ctx)
            if isinstance(fs, FilesystemError) or fs.has_inodes
        ]

    def judge(self, fs: Filesystem) -> Result:
        status = _level(fs.inodes_used_percent, self.warn_percent, self.fail_percent)
        summary = (
            f"{fs.mountpoint} has {fs.inodes_used_percent:.0f}% of its inodes in use "
            f"({fs.inodes_avail:,} of {fs.inodes_total:,} free)"
        )
        return Result(
            self.id,
            fs.mountpoint,
            status,
            summary,
            data={
                "inodes_used_percent": round(fs.inodes_used_percent, 2),
                "inodes_total": fs.inodes_total,
                "inodes_used": fs.inodes_used,
                "inodes_free": fs.inodes_avail,
            },
            playbook="inode-exhaustion" if status is not Status.OK else None,
            hints=(f"srvdoctor disk {fs.mountpoint} --depth 3",) if status is not Status.OK else (),
        )


CHECKS = (DiskSpace, DiskInodes)
