"""Why df and du disagree for `srvdoctor disk PATH`: the reserve, deleted-open files, hidden files.

Judging only (no printing): the lines are messages (`t()`), printed in the display language
by render/disk.py and written in English to JSON by commands/disk.py.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from srvdoctor.messages import t, tn

if TYPE_CHECKING:
    from srvdoctor.model import Report
    from srvdoctor.probes.filesystems import Filesystem, FilesystemError
    from srvdoctor.probes.scan import ScanResult


def inodes_full(own: list[Filesystem | FilesystemError]) -> Filesystem | None:
    """PATH's filesystem when its inodes, not its bytes, are what is running out (>= 80 %)."""
    from srvdoctor.probes.filesystems import Filesystem

    for fs in own:
        if (isinstance(fs, Filesystem) and fs.has_inodes and fs.inodes_used_percent >= 80
                and fs.inodes_used_percent >= fs.used_percent):  # fmt: skip
            return fs
    return None


def reserve_note(fs: Filesystem) -> str:  # a Msg: printed in the display language
    """Why used + avail < size: blocks free but not available to users (statvfs f_bfree - f_bavail)."""
    from srvdoctor.checks.disk import is_ext, reserve_holder
    from srvdoctor.units import naturalsize

    share = 100.0 * fs.reserved_bytes / fs.size_bytes if fs.size_bytes else 0.0
    text = t(
        "{mount}: {size} ({share:.0f}% of the size) is free but {holder} "
        "(statvfs: free blocks minus those available to users)",
        mount=fs.mountpoint, size=naturalsize(fs.reserved_bytes), share=share, holder=reserve_holder(fs),
    )  # fmt: skip
    if not is_ext(fs):
        return text
    tune2fs = f"tune2fs -l {fs.source} | grep -i 'reserved block'"
    ext4 = t("ext4 keeps 5% by default: {command}", command=tune2fs)
    if share > 6:
        keeps = t(
            "(this one keeps {share:.0f}%: set by tune2fs -m or the resuid/resgid mount options)", share=share
        )
        return t("{note}; {ext4} {keeps}", note=text, ext4=ext4, keeps=keeps)
    return t("{note}; {ext4}", note=text, ext4=ext4)


def df_gap(own: list[Filesystem | FilesystemError], r: ScanResult) -> tuple[Filesystem, int] | None:
    """(PATH's filesystem, bytes df counts used that the scan did not find), when PATH is its root."""
    from srvdoctor.probes.filesystems import Filesystem

    fs = next((f for f in own if isinstance(f, Filesystem)), None)
    if fs is None or r.apparent_size or r.incomplete or os.path.realpath(fs.mountpoint) != r.root.path:
        return None
    gap = fs.used_bytes - r.root.bytes
    if gap <= max(1024**2, fs.used_bytes // 20):  # metadata, journal: a few percent
        return None
    return fs, gap


def gap_lines(fs: Filesystem, gap: int, r: ScanResult, report: Report) -> list[str]:
    """What the df/du gap can be, with what this run read about each cause."""
    from srvdoctor.units import naturalsize

    share = 100.0 * gap / fs.used_bytes if fs.used_bytes else 0.0
    held = sum(
        int(x.data.get("held_bytes", 0) or 0)
        for x in report.results
        if x.check == "disk.deleted_open" and x.target == fs.mountpoint
    )
    unread = any(x.check == "disk.deleted_open" and x.status.value == "skip" for x in report.results)
    lines: list[str] = [
        t(
            "df counts {used} used on {mount}, the scan found {found}: {gap} ({share:.0f}%) is where "
            "the scan cannot see. It is not the reserve (df leaves that out of used). It can be:",
            used=naturalsize(fs.used_bytes), mount=fs.mountpoint, found=naturalsize(r.root.bytes),
            gap=naturalsize(gap), share=share,
        ),
        t("deleted files still open: {size} on {mount} (see below)", size=naturalsize(held),
          mount=fs.mountpoint)
        if held
        else t("deleted files still open: not checked for every process (see below)")
        if unread
        else t("deleted files still open: none found on this filesystem (see below)"),
    ]  # fmt: skip
    if r.errors:
        count = f"{r.errors:,}"
        lines.append(tn("{count} unreadable directory: their contents were not counted (run as root)",
                        "{count} unreadable directories: their contents were not counted (run as root)",
                        r.errors, count=count))  # fmt: skip
    if r.skipped_mounts:
        # another filesystem mounted on a directory hides what was written into it before
        first = r.skipped_mounts[0]
        inner = os.path.relpath(first, fs.mountpoint)
        command = f"mount --bind {fs.mountpoint} /mnt/peek && du -sh /mnt/peek/{inner}"
        if len(r.skipped_mounts) > 1:
            lines.append(t(
                "files hidden under the mount point {first} (and {more} more mount points): written there "
                "before a filesystem was mounted over it; see them with: {command}",
                first=first, more=len(r.skipped_mounts) - 1, command=command,
            ))  # fmt: skip
        else:
            lines.append(t(
                "files hidden under the mount point {first}: written there before a filesystem was "
                "mounted over it; see them with: {command}",
                first=first, command=command,
            ))  # fmt: skip
    else:
        command = f"mount --bind {fs.mountpoint} /mnt/peek && du -sh /mnt/peek/*"
        lines.append(t(
            "files hidden under a mount point (none is mounted below it now; one mounted earlier and "
            "gone keeps nothing hidden): {command}",
            command=command,
        ))  # fmt: skip
    lines.append(t("filesystem metadata and snapshots (journal, btrfs/ZFS snapshots)"))
    return lines
