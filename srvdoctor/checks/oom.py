"""Load area, OOM kills: the kernel log where it can be read, the counters that can where not."""

from __future__ import annotations

import time
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.loadshare import target
from srvdoctor.messages import t, tn
from srvdoctor.model import Result, Status
from srvdoctor.probes.oom import OomKill, OomReading, read_oom
from srvdoctor.record import dataclass
from srvdoctor.units import naturalduration, naturalsize


def oom_reading(ctx: CheckContext) -> OomReading:
    t = target(ctx)
    pid = t.pid if t.pid is not None else "self"
    return ctx.memo("oom", lambda: read_oom(ctx.timeout, pid=pid, cgroup=t.cgroup))


@dataclass(frozen=True)
class MemOom:
    """OOM kills: kernel log ("Out of memory: Killed process"), /proc/vmstat oom_kill, the
    cgroup's own counters (v2 memory.events, v1 memory.oom_control), Docker's OOMKilled.

    Fail while the latest kill is less than `fail_within_s` (1 h) old, warn until
    `warn_within_s` (24 h); an older kill is reported with status ok. Where only a counter
    saw a kill (the kernel log is unreadable: an unprivileged user with
    kernel.dmesg_restrict=1, or a container), its time is bounded by the cgroup's creation
    (or boot): recent when that bound is. A source that could not be read is named,
    never taken as "no kills". Shell equivalent: `dmesg -T | grep -i 'killed process'`,
    `grep oom_kill /proc/vmstat /sys/fs/cgroup/memory.events` and
    `docker inspect -f '{{.State.OOMKilled}}' CONTAINER`.
    """

    id: ClassVar[str] = "mem.oom"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ("oom-killed",)
    fail_within_s: float = 3600.0
    warn_within_s: float = 24 * 3600.0
    #: the former single window (fail within it, warn before); where set it replaces fail_within_s
    recent_s: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.fail_within_s <= self.warn_within_s:
            raise ValueError(
                f"need 0 <= fail_within_s <= warn_within_s, got {self.fail_within_s} and {self.warn_within_s}"
            )

    def run(self, ctx: CheckContext) -> list[Result]:
        return [self.judge(oom_reading(ctx), time.time())]

    def _windows(self) -> tuple[float, float]:
        if self.recent_s is not None:
            return self.recent_s, max(self.warn_within_s, self.recent_s)
        return self.fail_within_s, self.warn_within_s

    def judge(self, reading: OomReading, now: float) -> Result:
        kills = sorted(reading.kills, key=lambda k: _when(k) or 0.0, reverse=True)
        data = {
            "kills": [k.to_dict() for k in kills],
            "sources": list(reading.sources),
            "unreadable": list(reading.unreadable),
            "kernel_log_read": reading.kernel_log,
            "scope": reading.scope,
        }
        if not reading.sources:
            return Result(
                self.id,
                "oom",
                Status.SKIP,
                t("no OOM kill record is readable here"),
                details=(
                    *reading.unreadable,
                    t("run as root (or join the adm/systemd-journal group) to read the kernel log"),
                ),
                data=data,
            )
        read = ", ".join(reading.sources)
        if not kills:
            where = _scope(reading)
            summary = t("no OOM kills {where} (read {sources})", where=where, sources=read)
            if not reading.kernel_log:
                summary = t(
                    "{summary}; the kernel log could not be read, so victims and times are unknown",
                    summary=summary,
                )
            return Result(self.id, "oom", Status.OK, summary, details=reading.unreadable, data=data)
        judged = [(self._status(k, now), k) for k in kills]
        status = max((s for s, _ in judged), key=lambda s: s.rank)
        latest = next(k for s, k in judged if s is status)
        total = sum(k.count for k in kills)
        where = _scope(reading)
        summary = tn(
            "{n} OOM kill {where}; latest: {latest}",
            "{n} OOM kills {where}; latest: {latest}",
            total,
            where=where,
            latest=_describe(latest, now),
        )
        details = tuple(_describe(k, now) for k in kills[1:6]) + reading.unreadable
        if not reading.kernel_log:
            details += (
                t(
                    "the kernel log (victim names and times) could not be read; counted by {sources}",
                    sources=read,
                ),
            )
        return Result(
            self.id,
            "oom",
            status,
            summary,
            details=details,
            data=data,
            playbook="oom-killed" if status is not Status.OK else None,
            hints=("dmesg -T | grep -iE 'killed process|oom-kill'",) if status is not Status.OK else (),
        )

    def _status(self, kill: OomKill, now: float) -> Status:
        """Fail within the first window, warn within the second; a counted kill (no time) is
        recent when its bound (the cgroup's creation, boot) is, else warn: it may be recent."""
        fail_s, warn_s = self._windows()
        age = _age(kill, now)
        if age is None:
            return Status.WARN
        if age < fail_s:
            return Status.FAIL
        if kill.time is None or age < warn_s:
            return Status.WARN
        return Status.OK


def _scope(reading: OomReading) -> str:
    if reading.scope == "container":
        return t("in this container's cgroup")
    if reading.scope == "cgroup":
        return t("in cgroup {path}", path=reading.cgroup_path)
    return t("since boot")


def _when(kill: OomKill) -> float | None:
    return kill.time if kill.time is not None else kill.not_before


def _age(kill: OomKill, now: float) -> float | None:
    """Seconds since the kill; for a counter, at most the age of its bound (cgroup creation, boot)."""
    when = _when(kill)
    return None if when is None else max(0.0, now - when)


def _describe(kill: OomKill, now: float) -> str:
    who: str = f"{kill.name} (pid {kill.pid})" if kill.pid is not None else kill.name
    if kill.count > 1 or kill.pid is None:
        who = tn("{n} process", "{n} processes", kill.count)
    if kill.time is not None:
        when = t(
            "{duration} ago ({time})",
            duration=naturalduration(now - kill.time),
            time=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(kill.time)),
        )
    elif kill.not_before is not None:
        when = t(
            "within the last {duration} (time unknown: counted, not logged)",
            duration=naturalduration(now - kill.not_before),
        )
    else:
        when = t("time unknown")
    where = t(" in cgroup {cgroup}", cgroup=kill.cgroup) if kill.cgroup and kill.cgroup != "/" else ""
    rss = t(", {size} resident", size=naturalsize(kill.anon_rss_bytes)) if kill.anon_rss_bytes else ""
    return t(
        "{who} killed {when}{where}{rss} [{source}]",
        who=who,
        when=when,
        where=where,
        rss=rss,
        source=kill.source,
    )


CHECKS = (MemOom,)
