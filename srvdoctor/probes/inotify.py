"""inotify use per user against the kernel's per-user limits (/proc, no root needed for
one's own processes; other users' fds need root).

Each inotify instance is an fd whose link reads `anon_inode:inotify`; each watch on it is a
line `inotify wd:…` in `/proc/PID/fdinfo/FD`. The limits are per user (real uid):
`/proc/sys/fs/inotify/max_user_instances` and `max_user_watches`.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import field

from srvdoctor.record import dataclass

PROC = "/proc"
LIMITS = "/proc/sys/fs/inotify"


@dataclass(frozen=True)
class InotifyUse:
    max_user_instances: int | None
    max_user_watches: int | None
    instances: Counter[int] = field(default_factory=Counter)  # uid -> inotify instances
    watches: Counter[int] = field(default_factory=Counter)  # uid -> watches
    processes_read: int = 0
    processes_unreadable: int = 0


def _limit(name: str, proc: str) -> int | None:
    try:
        with open(os.path.join(proc, "sys/fs/inotify", name)) as fh:
            return int(fh.read().strip())
    except (OSError, ValueError):
        return None


def read_inotify_use(proc: str = PROC) -> InotifyUse:
    """Instances and watches per uid across every process whose fds could be read."""
    instances: Counter[int] = Counter()
    watches: Counter[int] = Counter()
    read = unreadable = 0
    try:
        pids = [p for p in os.listdir(proc) if p.isdigit()]
    except OSError:
        pids = []
    for pid in pids:
        fd_dir = os.path.join(proc, pid, "fd")
        try:
            uid = os.stat(os.path.join(proc, pid)).st_uid
            fds = os.listdir(fd_dir)
        except (PermissionError, ProcessLookupError):
            unreadable += 1
            continue
        except OSError:
            continue  # the process ended
        read += 1
        for fd in fds:
            try:
                if os.readlink(os.path.join(fd_dir, fd)) != "anon_inode:inotify":
                    continue
                with open(os.path.join(proc, pid, "fdinfo", fd)) as fh:
                    count = sum(1 for line in fh if line.startswith("inotify wd:"))
            except OSError:
                continue
            instances[uid] += 1
            watches[uid] += count
    return InotifyUse(
        max_user_instances=_limit("max_user_instances", proc),
        max_user_watches=_limit("max_user_watches", proc),
        instances=instances,
        watches=watches,
        processes_read=read,
        processes_unreadable=unreadable,
    )
