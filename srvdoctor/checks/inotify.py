"""Load area, OS limits: inotify instances and watches per user against the kernel's limits."""

from __future__ import annotations

import pwd
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.messages import t
from srvdoctor.model import JsonValue, Result, Status
from srvdoctor.probes.inotify import InotifyUse, read_inotify_use
from srvdoctor.record import dataclass


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


@dataclass(frozen=True)
class InotifyLimits:
    """inotify instances and watches of the busiest user against `fs.inotify.max_user_*`.

    File watchers (webpack, VS Code server, Jupyter's autoreload, `tail -f`, kubelet) fail
    with "No space left on device" (ENOSPC from inotify_add_watch) or "Too many open files"
    (EMFILE from inotify_init) when a user reaches the limit, although the disk has room.
    Warn at `warn_percent` (80) of either limit, fail at `fail_percent` (95). What was read
    is said: processes whose fds could not be read (other users', without root) are
    counted in the result. Shell equivalent:
    `find /proc/*/fd -lname anon_inode:inotify | wc -l; sysctl fs.inotify`.
    """

    id: ClassVar[str] = "fs.inotify"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("inotify-limit",)
    warn_percent: float = 80.0
    fail_percent: float = 95.0

    def run(self, ctx: CheckContext) -> list[Result]:
        return [self.judge(read_inotify_use())]

    def judge(self, use: InotifyUse) -> Result:
        if use.max_user_instances is None and use.max_user_watches is None:
            missing = t("no inotify limits to read ({path} is missing)", path="/proc/sys/fs/inotify")
            return Result(self.id, "inotify", Status.SKIP, missing, area=self.area)
        worst: tuple[float, str, int, int, int] | None = None  # percent, what, uid, used, limit
        for what, per_uid, limit in (
            ("instances", use.instances, use.max_user_instances),
            ("watches", use.watches, use.max_user_watches),
        ):
            if not limit:
                continue
            for uid, used in per_uid.items():
                percent = 100.0 * used / limit
                if worst is None or percent > worst[0]:
                    worst = (percent, what, uid, used, limit)
        if use.processes_unreadable:
            seen = t(
                "read the fds of {read} processes; {unreadable} other processes could not be read "
                "(run as root to see them)",
                read=use.processes_read,
                unreadable=use.processes_unreadable,
            )
        else:
            seen = t("read the fds of {read} processes", read=use.processes_read)
        data: dict[str, JsonValue] = {
            "max_user_instances": use.max_user_instances,
            "max_user_watches": use.max_user_watches,
            "processes_read": use.processes_read,
            "processes_unreadable": use.processes_unreadable,
        }
        if worst is None:
            return Result(self.id, "inotify", Status.OK, t("no inotify instance in use ({seen})", seen=seen),
                          data=data, area=self.area)  # fmt: skip
        percent, what, uid, used, limit = worst
        data |= {"used_percent": round(percent, 1), "used": used, "limit": limit, "uid": uid, "kind": what}
        user = _user(uid)
        args = {"user": user, "used": used, "limit": limit, "pct": percent, "seen": seen}
        summary = (
            t("{user} uses {used:,} of {limit:,} inotify instances ({pct:.0f}%; {seen})", **args)
            if what == "instances"
            else t("{user} uses {used:,} of {limit:,} inotify watches ({pct:.0f}%; {seen})", **args)
        )
        if percent < self.warn_percent:
            return Result(self.id, "inotify", Status.OK, summary, data=data, area=self.area)
        status = Status.FAIL if percent >= self.fail_percent else Status.WARN
        setting = f"fs.inotify.max_user_{what}"
        raise_it = f"sudo sysctl {setting}={limit * 4}"
        return Result(
            self.id, "inotify", status,
            t("{summary}: file watchers of {user} will fail with ENOSPC/EMFILE", summary=summary, user=user),
            details=(
                t(
                    "raise the limit: {command} (keep it in {directory})",
                    command=raise_it,
                    directory="/etc/sysctl.d/",
                ),
            ),
            data=data, playbook="inotify-limit",
            hints=("find /proc/*/fd -lname anon_inode:inotify -printf '%hinfo/%f\\n' 2>/dev/null | "
                   "xargs grep -c '^inotify' | sort -t: -k2 -n | tail", f"sysctl {setting}"),
            area=self.area,
        )  # fmt: skip


CHECKS = (InotifyLimits,)
