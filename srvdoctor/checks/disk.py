"""Disk area: space and inodes per real filesystem, and deleted files still held open."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.messages import _, t, tn
from srvdoctor.model import Result, Status
from srvdoctor.probes.filesystems import Filesystem, FilesystemError, filesystems
from srvdoctor.probes.openfiles import DeletedOpenFile, DeletedOpenScan, deleted_open_files
from srvdoctor.probes.timeout import call_with_timeout
from srvdoctor.record import dataclass
from srvdoctor.shellcmd import cmd
from srvdoctor.units import naturalsize

MiB = 1024**2
GiB = 1024**3


#: Filesystems of disks, normally mounted read-write: read-only means an error or an intent
#: worth a look (squashfs, ISO images and the like are read-only by design).
WRITABLE_FSTYPES = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "jfs", "reiserfs"})


def _filesystems(ctx: CheckContext) -> list[Filesystem | FilesystemError]:
    return ctx.memo("filesystems", lambda: filesystems(ctx.timeout))


def _level(value: float, warn: float, fail: float) -> Status:
    return Status.FAIL if value >= fail else Status.WARN if value >= warn else Status.OK


def _check_thresholds(warn: float, fail: float) -> None:
    if not 0 <= warn <= fail <= 100:
        raise ValueError(
            _("need 0 <= warn_percent <= fail_percent <= 100, got {warn} and {fail}").format(
                warn=warn, fail=fail
            )
        )


def is_ext(fs: Filesystem) -> bool:
    """ext2/3/4 keep a reserve of blocks for root (5 % by default, `tune2fs -m`)."""
    return fs.fstype in ("ext2", "ext3", "ext4")


def reserve_holder(fs: Filesystem) -> str:
    """Who holds the blocks that are free but not available to users (statvfs f_bfree - f_bavail)."""
    if is_ext(fs):
        return t("reserved for {owner}", owner=fs.reserve_owner)
    return t("held back by {fstype} (free, not available to users)", fstype=fs.fstype)


def _unreadable(check_id: str, err: FilesystemError) -> Result:
    return Result(
        check_id,
        err.mountpoint,
        Status.ERROR,
        t(
            "{mountpoint} ({fstype}) could not be read: {reason}",
            mountpoint=err.mountpoint,
            fstype=err.fstype,
            reason=err.reason,
        ),
        hints=(cmd("stat", "-f", err.mountpoint),),
    )


@dataclass(frozen=True)
class DiskSpace:
    """Used space of every real mounted filesystem, as df's Use% counts it.

    Measures used / (used + available to users), so ext4's root reservation counts as
    full the way applications see it. Warn at `warn_percent` (80), fail at
    `fail_percent` (90). A disk filesystem (ext4, xfs, btrfs, ...) mounted read-only
    warns too: the kernel remounts one read-only after errors. Shell equivalent:
    `df -h` and `findmnt -o TARGET,OPTIONS`.
    """

    id: ClassVar[str] = "disk.space"
    area: ClassVar[str] = "disk"
    playbooks: ClassVar[tuple[str, ...]] = ("disk-full", "read-only-filesystem")
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
        if status is Status.OK and fs.readonly and fs.fstype in WRITABLE_FSTYPES:
            return Result(
                self.id,
                fs.mountpoint,
                Status.WARN,
                t(
                    "{mountpoint} is mounted read-only ({fstype}, {pct:.0f}% full)",
                    mountpoint=fs.mountpoint,
                    fstype=fs.fstype,
                    pct=fs.used_percent,
                ),
                data={
                    "used_percent": round(fs.used_percent, 2),
                    "readonly": True,
                    "fstype": fs.fstype,
                    "source": fs.source,
                },
                playbook="read-only-filesystem",
                hints=(f"findmnt -o TARGET,SOURCE,OPTIONS -T {shlex.quote(fs.mountpoint)}",),
            )
        if fs.reserved_bytes:
            # df's Use% leaves the reserve out; say it in the same line so the numbers add up
            summary = t(
                "{mountpoint} is {pct:.0f}% full ({used} used, {free} free to users, {reserved} {holder}; "
                "size {size})",
                mountpoint=fs.mountpoint,
                pct=fs.used_percent,
                used=naturalsize(fs.used_bytes),
                free=naturalsize(fs.avail_bytes),
                reserved=naturalsize(fs.reserved_bytes),
                holder=reserve_holder(fs),
                size=naturalsize(fs.size_bytes),
            )
        else:
            summary = t(
                "{mountpoint} is {pct:.0f}% full ({free} free of {size})",
                mountpoint=fs.mountpoint,
                pct=fs.used_percent,
                free=naturalsize(fs.avail_bytes),
                size=naturalsize(fs.size_bytes),
            )
        details: list[str] = []
        if fs.reserved_bytes and status is not Status.OK:
            reserve = {"reserved": naturalsize(fs.reserved_bytes), "holder": reserve_holder(fs)}
            details.append(
                t(
                    "{reserved} more is {holder} (only {owner} can still write)",
                    owner=fs.reserve_owner,
                    **reserve,
                )
                if is_ext(fs)
                else t("{reserved} more is {holder} (not available to users)", **reserve)
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
            hints=() if status is Status.OK else (cmd("srvdoctor", "disk", fs.mountpoint, "--depth", "2"),),
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
        summary = t(
            "{mountpoint} has {pct:.0f}% of its inodes in use ({free:,} of {total:,} free)",
            mountpoint=fs.mountpoint,
            pct=fs.inodes_used_percent,
            free=fs.inodes_avail,
            total=fs.inodes_total,
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
            hints=() if status is Status.OK else (cmd("srvdoctor", "disk", fs.mountpoint, "--depth", "3"),),
        )


@dataclass(frozen=True)
class DiskDeletedOpen:
    """Space held by files that were deleted while a process still has them open.

    Read from the /proc/PID/fd links marked "(deleted)", summed per filesystem (each
    inode once), naming PID, process and path. Warn from `warn_bytes` (100 MiB), fail
    from `fail_bytes` (1 GiB) or when they hold `gap_percent` (10) % of the filesystem:
    then they are the gap between what `df` counts and what `du` finds. Without root
    only the user's own processes can be read, which the result says. Shell
    equivalent: `lsof +L1`.
    """

    id: ClassVar[str] = "disk.deleted_open"
    area: ClassVar[str] = "disk"
    playbooks: ClassVar[tuple[str, ...]] = ("deleted-open-files",)
    warn_bytes: int = 100 * MiB
    fail_bytes: int = GiB
    gap_percent: float = 10.0

    def __post_init__(self) -> None:
        if not 0 <= self.warn_bytes <= self.fail_bytes:
            raise ValueError(
                _("need 0 <= warn_bytes <= fail_bytes, got {warn} and {fail}").format(
                    warn=self.warn_bytes, fail=self.fail_bytes
                )
            )

    def run(self, ctx: CheckContext) -> list[Result]:
        found = ctx.memo(
            "deleted_open", lambda: call_with_timeout(deleted_open_files, ctx.timeout, "reading /proc/*/fd")
        )
        mounts = [fs for fs in _filesystems(ctx) if isinstance(fs, Filesystem)]
        scope = None
        if ctx.memo("disk.scope", lambda: False):
            # `srvdoctor disk PATH`: only PATH's filesystem is judged, not another one's files
            devices = {fs.device for fs in mounts}
            found = replace(found, files=tuple(f for f in found.files if f.device in devices))
            scope = ", ".join(fs.mountpoint for fs in mounts) or None
        return self.judge(found, mounts, scope)

    def judge(
        self, scan: DeletedOpenScan, mounts: Sequence[Filesystem], scope: str | None = None
    ) -> list[Result]:
        """`scope`: the filesystems looked at when not every one (`disk PATH`), named in the verdict."""
        by_device: dict[str, list[DeletedOpenFile]] = {}
        for f in scan.files:
            if f.held_bytes == 0:
                continue  # holds no space (empty temp files, pipes' spool files)
            by_device.setdefault(f.device, []).append(f)
        note: tuple[str, ...] = ()
        if not scan.as_root and scan.denied:
            note = (
                t(
                    "only your own processes could be read ({denied} of {processes} were not): "
                    "run as root (sudo srvdoctor check --only disk) to see every process",
                    denied=scan.denied,
                    processes=scan.processes,
                ),
            )
        if scan.nested_pid_namespace:
            note += (
                t(
                    "this runs in a PID namespace of its own (a container): processes of the host and "
                    "of other containers are not visible here; run it on the host to see them"
                ),
            )
        if not by_device and scan.denied:
            # "none" is only earned for the processes read: the others are named, not taken as none
            read = scan.processes - scan.denied
            return [
                Result(
                    self.id,
                    "-",
                    Status.SKIP,
                    t(
                        "not checked for {denied} of {processes} processes (their open files need root); "
                        "none of the {read} read holds a deleted file open",
                        denied=scan.denied,
                        processes=scan.processes,
                        read=read,
                    )
                    if read
                    else t(
                        "not checked: the open files of none of the {processes} processes could be read "
                        "as this user (they need root)",
                        processes=scan.processes,
                    ),
                    details=note,
                    data={"held_bytes": None, "files": [], "processes_unreadable": scan.denied},
                    hints=("sudo srvdoctor check --only disk",),
                )
            ]
        if not by_device:
            return [
                Result(
                    self.id,
                    "-",
                    Status.OK,
                    _none_held(scan, scope),
                    details=note,
                    data={"held_bytes": 0, "files": [], "processes_unreadable": scan.denied},
                )
            ]
        fs_by_device = {fs.device: fs for fs in mounts}
        results = []
        for device, files in sorted(by_device.items()):
            results.append(self._judge_fs(files, fs_by_device.get(device), device, note))
        return results

    def _judge_fs(
        self, files: list[DeletedOpenFile], fs: Filesystem | None, device: str, note: tuple[str, ...]
    ) -> Result:
        inodes: dict[int, int] = {}
        for f in files:
            inodes[f.inode] = f.held_bytes
        held = sum(inodes.values())
        share = 100.0 * held / fs.size_bytes if fs is not None and fs.size_bytes else 0.0
        status = (
            Status.FAIL
            if held >= self.fail_bytes or (share >= self.gap_percent and held > 0)
            else Status.WARN
            if held >= self.warn_bytes
            else Status.OK
        )
        where = fs.mountpoint if fs is not None else t("device {device}", device=device)
        count = len(inodes)
        first = files[0]
        largest = t(
            "largest: PID {pid} {process}, {path}, {size}",
            pid=first.pid,
            process=first.process,
            path=first.path,
            size=naturalsize(first.held_bytes),
        )
        args = {"held": naturalsize(held), "where": where, "largest": largest}
        if share >= self.gap_percent and held > 0:
            summary = tn(
                "{held} on {where} is held by {n} deleted file still open ({largest}) "
                "({share:.0f}% of the filesystem: df counts it, du cannot see it)",
                "{held} on {where} is held by {n} deleted files still open ({largest}) "
                "({share:.0f}% of the filesystem: df counts it, du cannot see it)",
                count,
                share=share,
                **args,
            )
        else:
            summary = tn(
                "{held} on {where} is held by {n} deleted file still open ({largest})",
                "{held} on {where} is held by {n} deleted files still open ({largest})",
                count,
                **args,
            )
        details: list[str] = [
            f"PID {f.pid} ({f.process}) fd {f.fd}: {f.path} ({naturalsize(f.held_bytes)})" for f in files[:10]
        ]
        if len(files) > 10:
            details.append(t("... and {n} more descriptors", n=len(files) - 10))
        empty = f": > /proc/{first.pid}/fd/{first.fd}"
        hints = (
            t(
                "restart {process} (PID {pid}) to release {path}",
                process=first.process,
                pid=first.pid,
                path=first.path,
            ),
            t("or empty it in place: {command}", command=empty),
        )
        return Result(
            self.id,
            where,
            status,
            summary,
            details=(*details, *note),
            data={
                "held_bytes": held,
                "percent_of_filesystem": round(share, 2),
                "device": device,
                "files": [
                    {
                        "pid": f.pid,
                        "process": f.process,
                        "fd": f.fd,
                        "path": f.path,
                        "size_bytes": f.size_bytes,
                        "held_bytes": f.held_bytes,
                    }
                    for f in files
                ],
            },
            playbook="deleted-open-files" if status is not Status.OK else None,
            hints=hints if status is not Status.OK else (),
        )


CHECKS = (DiskSpace, DiskInodes, DiskDeletedOpen)


def _none_held(scan: DeletedOpenScan, scope: str | None) -> str:
    """The "none" verdict, saying what was read: the processes of this PID namespace only where
    this runs in one (a container), else the processes read, on `scope` when given."""
    read = scan.processes - scan.denied
    if scan.nested_pid_namespace:
        return t(
            "none of the {n} processes in this PID namespace holds a deleted file open "
            "(the host's processes are not visible here)",
            n=scan.processes,
        )
    if scope:
        return t(
            "no deleted file still held open takes up space on {scope} (read /proc/*/fd of {n} processes)",
            scope=scope,
            n=read,
        )
    return t("no deleted file still held open takes up space (read /proc/*/fd of {n} processes)", n=read)
