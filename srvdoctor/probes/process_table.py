"""The process table, read from /proc the way `top` does: one pass, incremental.

Each pass reads one file per process (/proc/PID/stat: name, state, CPU ticks, RSS).
The command line and owner of a process are read once, when it is first seen (keyed by
PID and start time, so a reused PID is read again), and kept while it lives. A
`ProcessTable` kept between passes (`load --watch`) therefore costs one small read
per process per tick.
"""

from __future__ import annotations

import os
import pwd

from srvdoctor.record import dataclass

PAGE = os.sysconf("SC_PAGE_SIZE")
HZ = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    name: str
    cmdline: tuple[str, ...]
    user: str | None

    def names(self) -> set[str]:
        """The short name, and the basename of argv[0] (comm is cut at 15 characters)."""
        out = {self.name}
        if self.cmdline:
            out.add(os.path.basename(self.cmdline[0]))
        return out


@dataclass(frozen=True)
class ProcRow:
    """One process in one pass: CPU ticks so far, resident memory, state."""

    pid: int
    name: str
    state: str
    ticks: int  # utime + stime, in clock ticks
    start: int  # start time in ticks after boot (identifies the process with the PID)
    rss_bytes: int
    cmdline: tuple[str, ...]
    user: str


def parse_stat(text: str) -> tuple[str, str, int, int, int] | None:
    """/proc/PID/stat -> (comm, state, utime+stime, starttime, rss pages); comm may hold ') '."""
    left, right = text.find("("), text.rfind(")")
    if left < 0 or right < 0:
        return None
    rest = text[right + 2 :].split()
    if len(rest) < 22:
        return None
    # fields after comm: state(0) ... utime(11) stime(12) ... starttime(19) vsize(20) rss(21)
    return text[left + 1 : right], rest[0], int(rest[11]) + int(rest[12]), int(rest[19]), int(rest[21])


class ProcessTable:
    """Reads every process once per `scan`, remembering what does not change while it lives."""

    def __init__(self, proc: str = "/proc") -> None:
        self.proc = proc
        self._static: dict[int, tuple[int, tuple[str, ...], str]] = {}  # pid -> (start, cmdline, user)
        self._users: dict[int, str] = {}

    def _user(self, uid: int) -> str:
        name = self._users.get(uid)
        if name is None:
            try:
                name = pwd.getpwuid(uid).pw_name
            except KeyError:
                name = str(uid)
            self._users[uid] = name
        return name

    def scan(self, skip_self: bool = True) -> list[ProcRow]:
        me = os.getpid()
        rows: list[ProcRow] = []
        alive: set[int] = set()
        with os.scandir(self.proc) as it:
            for entry in it:
                if not entry.name.isdigit():
                    continue
                pid = int(entry.name)
                if skip_self and pid == me:
                    continue
                try:
                    with open(f"{self.proc}/{pid}/stat", "rb") as fh:
                        parsed = parse_stat(fh.read().decode("utf-8", "replace"))
                except OSError:  # exited between the listing and the read
                    continue
                if parsed is None:
                    continue
                name, state, ticks, start, rss = parsed
                alive.add(pid)
                static = self._static.get(pid)
                if static is None or static[0] != start:
                    static = (start, self._cmdline(pid), self._owner(pid))
                    self._static[pid] = static
                rows.append(ProcRow(pid, name, state, ticks, start, rss * PAGE, static[1], static[2]))
        for gone in self._static.keys() - alive:
            del self._static[gone]
        return rows

    def _cmdline(self, pid: int) -> tuple[str, ...]:
        try:
            with open(f"{self.proc}/{pid}/cmdline", "rb") as fh:
                raw = fh.read(4096)
        except OSError:
            return ()
        return tuple(raw.decode("utf-8", "replace").rstrip("\0").split("\0")) if raw else ()

    def _owner(self, pid: int) -> str:
        try:
            return self._user(os.stat(f"{self.proc}/{pid}").st_uid)
        except OSError:
            return ""


def processes() -> list[ProcessInfo]:
    """Every process visible to us, except this one."""
    return [
        ProcessInfo(r.pid, r.name, r.cmdline, r.user or None) for r in ProcessTable().scan(skip_self=True)
    ]
