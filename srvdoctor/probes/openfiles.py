"""Files deleted but still held open by a process: /proc/PID/fd links marked "(deleted)".

Shell equivalent: `lsof +L1` (or `find /proc/*/fd -lname '*(deleted)' -printf '%p -> %l\\n'`).
The space of such a file comes back only when the last process closes it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from srvdoctor.record import dataclass

PROC = Path("/proc")
_SUFFIX = " (deleted)"


@dataclass(frozen=True)
class DeletedOpenFile:
    """One open descriptor of a deleted regular file."""

    pid: int
    process: str
    fd: int
    path: str  # where the file was, before it was deleted
    size_bytes: int  # its length
    held_bytes: int  # the blocks it still holds on disk (st_blocks * 512)
    device: str  # major:minor of its filesystem
    inode: int


@dataclass(frozen=True)
class DeletedOpenScan:
    files: tuple[DeletedOpenFile, ...]
    processes: int  # processes looked at
    denied: int  # processes whose descriptors could not be read (not ours, not root)
    as_root: bool
    #: this process sees only its own PID namespace (a container): the host's processes are not read
    nested_pid_namespace: bool = False


#: The inode of the initial PID namespace, a kernel constant (PROC_PID_INIT_INO).
INIT_PID_NAMESPACE = "pid:[4026531836]"


def nested_pid_namespace(proc: Path = PROC) -> bool:
    """True where this process is in a PID namespace below the host's (a container without
    --pid=host, `unshare --pid`): /proc/self/ns/pid is not the initial namespace. Where the link
    cannot be read, NSpid in /proc/self/status (more than one PID: nested) decides."""
    try:
        return os.readlink(proc / "self" / "ns" / "pid") != INIT_PID_NAMESPACE
    except OSError:
        pass
    try:
        for line in (proc / "self" / "status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return len(line.split()) > 2
    except OSError:
        pass
    return False


def _comm(pid_dir: Path) -> str:
    try:
        return (pid_dir / "comm").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return "?"


def deleted_open_files(proc: Path = PROC) -> DeletedOpenScan:
    """Every open descriptor of a deleted regular file that no other name keeps alive."""
    found: list[DeletedOpenFile] = []
    processes = denied = 0
    me = os.getpid()
    try:
        pids = [int(name) for name in os.listdir(proc) if name.isdigit()]
    except OSError:
        pids = []
    for pid in pids:
        if pid == me:
            continue
        processes += 1
        fd_dir = proc / str(pid) / "fd"
        try:
            entries = list(os.scandir(fd_dir))
        except PermissionError:
            denied += 1
            continue
        except OSError:  # the process exited
            continue
        comm: str | None = None
        for entry in entries:
            try:
                target = os.readlink(entry.path)
            except OSError:
                continue
            if not target.endswith(_SUFFIX) or not target.startswith("/") or target.startswith("/memfd:"):
                continue
            try:
                st = os.stat(entry.path)  # follows the link to the deleted inode itself
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode) or st.st_nlink > 0:
                continue
            if comm is None:
                comm = _comm(proc / str(pid))
            found.append(
                DeletedOpenFile(
                    pid=pid,
                    process=comm,
                    fd=int(entry.name),
                    path=target[: -len(_SUFFIX)],
                    size_bytes=st.st_size,
                    held_bytes=st.st_blocks * 512,
                    device=f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}",
                    inode=st.st_ino,
                )
            )
    found.sort(key=lambda f: (-f.held_bytes, f.pid, f.fd))
    return DeletedOpenScan(tuple(found), processes, denied, os.geteuid() == 0, nested_pid_namespace(proc))
