"""The process table: pid, name, cmdline and user of every process (psutil.process_iter)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import psutil


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


def processes() -> list[ProcessInfo]:
    """Every process visible to us, except this one."""
    me = os.getpid()
    out = []
    for proc in psutil.process_iter(["pid", "name", "cmdline", "username"]):
        info = proc.info
        if info["pid"] == me:
            continue
        out.append(
            ProcessInfo(info["pid"], info["name"] or "", tuple(info["cmdline"] or ()), info["username"])
        )
    return out
