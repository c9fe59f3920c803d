"""Mounted filesystems and their space and inode counts: /proc/self/mountinfo + statvfs.

Shell equivalent: `df -h` and `df -i`.
"""

from __future__ import annotations

import os
from pathlib import Path

from srvdoctor.lazyre import lazy
from srvdoctor.messages import oserror, t
from srvdoctor.probes.timeout import ProbeTimeout, map_with_timeout
from srvdoctor.record import dataclass

MOUNTINFO = Path("/proc/self/mountinfo")

#: Kernel and virtual filesystems that hold no user data.
PSEUDO_FSTYPES = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs",
        "devpts", "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs",
        "proc", "pstore", "ramfs", "rpc_pipefs", "securityfs", "selinuxfs", "sysfs",
        "tracefs", "fuse.gvfsd-fuse", "fuse.portal", "fuse.lxcfs",
        # read-only images are 100 % full by design (snaps, live media)
        "squashfs", "iso9660",
        "nfsd", "overlay", "aufs",
    }
)  # fmt: skip

#: Kernel trees whose sub-mounts are never user data.
PSEUDO_PREFIXES = ("/proc", "/sys")

_OCTAL_ESCAPE = lazy(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal (\\040)."""
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


@dataclass(frozen=True)
class Mount:
    """One line of /proc/self/mountinfo."""

    mount_id: int
    parent_id: int
    device: str  # major:minor
    root: str
    mountpoint: str
    options: str
    fstype: str
    source: str
    super_options: str = ""  # the filesystem's own options (ext4: resuid=, errors=...)

    @property
    def readonly(self) -> bool:
        return "ro" in self.options.split(",")


@dataclass(frozen=True)
class Filesystem:
    """Space and inode counts of one mounted filesystem, in bytes and inodes."""

    mountpoint: str
    source: str
    fstype: str
    device: str
    readonly: bool
    size_bytes: int
    used_bytes: int
    avail_bytes: int  # available to unprivileged users
    free_bytes: int  # free including the root-reserved blocks
    inodes_total: int
    inodes_used: int
    inodes_avail: int
    options: str = ""  # mount options (ext4's resuid=/resgid= say whom the reserve is for)

    @property
    def reserve_owner(self) -> str:
        """Who may use the reserved blocks: "root", or the resuid=/resgid= of the mount options."""
        opts = dict(o.split("=", 1) for o in self.options.split(",") if "=" in o)
        owners = [f"{key} {opts[name]}" for name, key in (("resuid", "uid"), ("resgid", "gid"))
                  if opts.get(name, "0") != "0"]  # fmt: skip
        if len(owners) == 2:
            return t("{first} and {second}", first=owners[0], second=owners[1])
        return owners[0] if owners else "root"

    @property
    def used_percent(self) -> float:
        """Like df's Use%: used / (used + available to users)."""
        denominator = self.used_bytes + self.avail_bytes
        return 100.0 * self.used_bytes / denominator if denominator else 0.0

    @property
    def reserved_bytes(self) -> int:
        """Blocks only root may use (ext4 reserves 5 % by default)."""
        return max(0, self.free_bytes - self.avail_bytes)

    @property
    def has_inodes(self) -> bool:
        """False where the filesystem does not count inodes (btrfs, some FUSE)."""
        return self.inodes_total > 0

    @property
    def inodes_used_percent(self) -> float:
        denominator = self.inodes_used + self.inodes_avail
        return 100.0 * self.inodes_used / denominator if denominator else 0.0


def parse_mountinfo(text: str) -> list[Mount]:
    """Parse the text of /proc/PID/mountinfo (see proc(5))."""
    mounts: list[Mount] = []
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields:
            continue
        sep = fields.index("-")
        if sep < 6 or len(fields) < sep + 3:
            continue
        mounts.append(
            Mount(
                mount_id=int(fields[0]),
                parent_id=int(fields[1]),
                device=fields[2],
                root=_unescape(fields[3]),
                mountpoint=_unescape(fields[4]),
                options=fields[5],
                fstype=fields[sep + 1],
                source=_unescape(fields[sep + 2]),
                super_options=fields[sep + 3] if len(fields) > sep + 3 else "",
            )
        )
    return mounts


def read_mounts(path: Path = MOUNTINFO) -> list[Mount]:
    return parse_mountinfo(path.read_text(encoding="utf-8", errors="surrogateescape"))


def is_pseudo(mount: Mount) -> bool:
    """True for kernel/virtual mounts; overlay counts as real only as the root (containers)."""
    if mount.fstype == "overlay" and mount.mountpoint == "/":
        return False
    if mount.fstype in PSEUDO_FSTYPES:
        return True
    return any(mount.mountpoint == p or mount.mountpoint.startswith(p + "/") for p in PSEUDO_PREFIXES)


def select_mounts(mounts: list[Mount], include_pseudo: bool = False) -> list[Mount]:
    """Visible mounts, one per filesystem.

    A later mount on the same mount point hides the earlier one. Bind mounts of one
    filesystem (same device) are counted once, preferring the mount of the
    filesystem's root, then the shortest mount point.
    """
    by_mountpoint: dict[str, Mount] = {}
    for m in mounts:
        by_mountpoint.pop(m.mountpoint, None)  # re-insert: keep mount order, top wins
        by_mountpoint[m.mountpoint] = m
    by_device: dict[str, Mount] = {}
    for m in by_mountpoint.values():
        if not include_pseudo and is_pseudo(m):
            continue
        best = by_device.get(m.device)
        if best is None or _preference(m) < _preference(best):
            by_device[m.device] = m
    return sorted(by_device.values(), key=lambda m: m.mountpoint)


def _preference(m: Mount) -> tuple[int, int, str]:
    return (0 if m.root == "/" else 1, len(m.mountpoint), m.mountpoint)


def statfs(mount: Mount) -> Filesystem:
    """statvfs of one mount point. Can block (a dead NFS server): call it with a timeout."""
    st = os.statvfs(mount.mountpoint)
    frsize = st.f_frsize or st.f_bsize
    size = st.f_blocks * frsize
    free = st.f_bfree * frsize
    return Filesystem(
        mountpoint=mount.mountpoint,
        source=mount.source,
        fstype=mount.fstype,
        device=mount.device,
        readonly=mount.readonly,
        size_bytes=size,
        used_bytes=size - free,
        avail_bytes=st.f_bavail * frsize,
        free_bytes=free,
        inodes_total=st.f_files,
        inodes_used=st.f_files - st.f_ffree,
        inodes_avail=st.f_favail,
        options=f"{mount.options},{mount.super_options}".strip(","),
    )


@dataclass(frozen=True)
class FilesystemError:
    """A mount that could not be read (timed out, permission denied, gone)."""

    mountpoint: str
    fstype: str
    reason: str


def filesystems(
    timeout: float, include_pseudo: bool = False, mountinfo: Path = MOUNTINFO
) -> list[Filesystem | FilesystemError]:
    """Every real mounted filesystem with its counts; 0-block mounts are left out."""
    mounts = select_mounts(read_mounts(mountinfo), include_pseudo)
    readings = map_with_timeout(statfs, mounts, timeout, lambda m: f"statfs {m.mountpoint}")
    out: list[Filesystem | FilesystemError] = []
    for mount, reading in zip(mounts, readings, strict=True):
        if isinstance(reading, Filesystem):
            if reading.size_bytes > 0 or include_pseudo:
                out.append(reading)
        elif isinstance(reading, OSError) and not isinstance(reading, ProbeTimeout):
            out.append(FilesystemError(mount.mountpoint, mount.fstype, oserror(reading)))
        elif isinstance(reading, ProbeTimeout):
            out.append(FilesystemError(mount.mountpoint, mount.fstype, reading.message))
        elif isinstance(reading, Exception):
            out.append(FilesystemError(mount.mountpoint, mount.fstype, str(reading)))
        else:
            raise reading
    return out
