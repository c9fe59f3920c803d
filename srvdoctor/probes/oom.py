"""OOM kills: the kernel log (/dev/kmsg, else `journalctl -k`), cgroup counters, Docker.

Every source gives `OomKill` records or a reason it could not be read; the kernel log is
the one that names victims and times, the counters only say how many.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psutil

from srvdoctor.lazyre import lazy
from srvdoctor.messages import join, oserror, t
from srvdoctor.record import dataclass

KMSG = Path("/dev/kmsg")
CGROUP_ROOT = Path("/sys/fs/cgroup")

# "Out of memory: Killed process 4242 (python3) total-vm:..., anon-rss:...kB, ... UID:1000 ..."
# "Memory cgroup out of memory: Killed process 11675 (python3) total-vm:221364kB, anon-rss:32512kB, ..."
_KILLED = lazy(
    r"(?P<kind>Memory cgroup out of memory|Out of memory)(?: \(oom_kill_allocating_task\))?: "
    r"Killed process (?P<pid>\d+) \((?P<name>[^)]*)\)"
    r"(?:.*?anon-rss:(?P<anon>\d+)kB)?(?:.*?UID:(?P<uid>\d+))?"
)
# "oom-kill:constraint=CONSTRAINT_MEMCG,...,oom_memcg=/x,task_memcg=/x/y,task=python3,pid=11675,uid=0"
_OOM_KILL_CTX = lazy(r"oom-kill:.*?task_memcg=(?P<memcg>[^,]*),task=(?P<name>[^,]*),pid=(?P<pid>\d+)")
# journalctl -o short-unix: "1732620000.123456 host kernel: message"
_JOURNAL_LINE = lazy(r"^(?P<ts>\d+(?:\.\d+)?) \S+ kernel: (?P<msg>.*)$")


@dataclass(frozen=True)
class OomKill:
    """One process the kernel's OOM killer (or a cgroup limit) killed."""

    pid: int | None
    name: str
    time: float | None  # Unix time; None where the source has no clock
    source: str  # "kernel log", "cgroup memory.events", "docker"
    cgroup: str = ""  # the memory cgroup it ran in ("" = whole machine)
    anon_rss_bytes: int | None = None
    uid: int | None = None
    count: int = 1  # counters report several kills at once
    #: where `time` is unknown: the kill happened after this (the cgroup's creation, or boot)
    not_before: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "name": self.name,
            "time": self.time,
            "source": self.source,
            "cgroup": self.cgroup,
            "anon_rss_bytes": self.anon_rss_bytes,
            "uid": self.uid,
            "count": self.count,
            "not_before": self.not_before,
        }


@dataclass(frozen=True)
class OomReading:
    kills: tuple[OomKill, ...]
    sources: tuple[str, ...]  # what could be read
    unreadable: tuple[str, ...]  # "what: why" for sources that exist but could not be read
    #: the kernel log (victims and times) was read; else the counts come from counters alone
    kernel_log: bool = True
    #: "machine", "container" (this container's cgroup) or "cgroup" (`load --pid/--cgroup`)
    scope: str = "machine"
    cgroup_path: str = ""  # the cgroup of scope "container"/"cgroup"


def parse_kernel_lines(lines: list[tuple[float | None, str]]) -> list[OomKill]:
    """Kernel messages (time, text) -> OOM kills; the `oom-kill:` line adds the cgroup."""
    memcgs: dict[int, str] = {}
    kills: list[OomKill] = []
    for when, text in lines:
        ctx = _OOM_KILL_CTX.search(text)
        if ctx:
            memcgs[int(ctx["pid"])] = ctx["memcg"]
            continue
        m = _KILLED.search(text)
        if not m:
            continue
        pid = int(m["pid"])
        kills.append(
            OomKill(
                pid=pid,
                name=m["name"],
                time=when,
                source=t("kernel log"),
                cgroup=memcgs.get(pid, "/" if m["kind"] == "Out of memory" else ""),
                anon_rss_bytes=int(m["anon"]) * 1024 if m["anon"] else None,
                uid=int(m["uid"]) if m["uid"] else None,
            )
        )
    return kills


def parse_kmsg_record(record: str, boot_time: float) -> tuple[float | None, str]:
    """'6,436,990025015,-;message' -> (Unix time, message); microseconds count from boot."""
    head, _, message = record.partition(";")
    parts = head.split(",")
    when: float | None = None
    if len(parts) >= 3 and parts[2].isdigit():
        when = boot_time + int(parts[2]) / 1e6
    return when, message.split("\n", 1)[0]


def parse_journal(text: str) -> list[tuple[float | None, str]]:
    out: list[tuple[float | None, str]] = []
    for line in text.splitlines():
        m = _JOURNAL_LINE.match(line)
        if m:
            out.append((float(m["ts"]), m["msg"]))
    return out


def _interesting(message: str) -> bool:
    return "Killed process" in message or message.startswith("oom-kill:")


def read_kmsg(path: Path = KMSG) -> list[tuple[float | None, str]]:
    """Every OOM-related record in the kernel ring buffer (non-blocking; raises OSError)."""
    boot = psutil.boot_time()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    out: list[tuple[float | None, str]] = []
    try:
        while True:
            try:
                chunk = os.read(fd, 16384)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # record overwritten while reading: go on
                    continue
                raise
            if not chunk:
                break
            record = chunk.decode("utf-8", "replace")
            if "Killed process" in record or "oom-kill:" in record:
                when, message = parse_kmsg_record(record, boot)
                if _interesting(message):
                    out.append((when, message))
    finally:
        os.close(fd)
    return out


def read_journal(timeout: float) -> list[tuple[float | None, str]]:
    """The kernel messages of this boot from journald (raises OSError/TimeoutExpired)."""
    proc = subprocess.run(
        ["journalctl", "-k", "-b", "--no-pager", "-q", "-o", "short-unix"],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise OSError(
            proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        )
    lines = parse_journal(proc.stdout)
    if not lines:
        # an unprivileged user, or no journald: exit 0 with nothing. The kernel always logs at
        # boot, so an empty answer means the log was not read, not that it is empty.
        why = (
            proc.stderr.strip().splitlines()[-1]
            if proc.stderr.strip()
            else t("no kernel messages of this boot")
        )
        raise OSError(why)
    return [(t, m) for t, m in lines if _interesting(m)]


def own_cgroup_counters(root: Path = CGROUP_ROOT) -> list[tuple[str, int]]:
    """(file, oom_kill count) for this process's memory cgroup: v2 memory.events, v1 oom_control."""
    out: list[tuple[str, int]] = []
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # cgroup v2 (unified) entry
            candidates = [
                root / path.lstrip("/") / "memory.events",
                root / "unified" / path.lstrip("/") / "memory.events",
            ]
        elif "memory" in controllers.split(","):
            candidates = [root / "memory" / path.lstrip("/") / "memory.oom_control"]
        else:
            continue
        for file in candidates:
            count = read_oom_counter(file)
            if count is not None:
                out.append((str(file), count))
                break
    return out


def read_oom_counter(file: Path) -> int | None:
    """The `oom_kill` counter of a memory.events (v2) or memory.oom_control (v1) file."""
    try:
        text = file.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "oom_kill":
            return int(value)
    return None


def docker_oom_kills(timeout: float, limit: int = 50) -> list[OomKill]:
    """Exited containers whose State.OOMKilled is true (Docker SDK; raises on no daemon)."""
    import datetime as dt

    from srvdoctor.probes.docker_api import default_url, read_with

    def read(api: Any) -> list[OomKill]:
        out: list[OomKill] = []
        for summary in api.containers(all=True, filters={"status": "exited"}, limit=limit):
            state = api.inspect_container(summary["Id"]).get("State", {})
            if not state.get("OOMKilled"):
                continue
            finished = str(state.get("FinishedAt") or "")
            when: float | None = None
            try:
                # '2026-11-26T11:40:51.123456789Z': keep microseconds
                stamp = re.sub(r"(\.\d{6})\d*", r"\1", finished).replace("Z", "+00:00")
                when = dt.datetime.fromisoformat(stamp).timestamp()
            except ValueError:
                pass
            names = summary.get("Names") or ["?"]
            out.append(
                OomKill(pid=None, name=f"container {names[0].lstrip('/')}", time=when, source="docker")
            )
        return out

    # the engine docker.from_env() would use; a unix socket is read without the Docker SDK
    return read_with(default_url(), max(1, int(timeout)), read)


def docker_present() -> bool:
    host = os.environ.get("DOCKER_HOST", "")
    return bool(host) or Path("/var/run/docker.sock").exists()


def vmstat_oom_kills(path: Path = Path("/proc/vmstat")) -> int | None:
    """Every OOM kill on this machine since boot (/proc/vmstat oom_kill, Linux ≥ 4.13; anyone may read it)."""
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def read_kernel_log(timeout: float) -> tuple[list[OomKill], str | None, str | None]:
    """(kills, source read, why unreadable): /dev/kmsg, else `journalctl -k`."""
    try:
        return parse_kernel_lines(read_kmsg()), "/dev/kmsg", None
    except OSError as exc:
        reason: str = join(": ", ["/dev/kmsg", _why(exc)])
    if shutil.which("journalctl"):
        try:
            return parse_kernel_lines(read_journal(timeout)), "journalctl -k", None
        except (OSError, subprocess.TimeoutExpired) as jexc:
            reason = join("; ", [reason, join(": ", ["journalctl -k", _why(jexc, strerror=False)])])
    return [], None, t("kernel log: {reason}", reason=reason)


def _why(exc: BaseException, strerror: bool = True) -> str:
    """`exc.strerror` (or, without `strerror`, `str(exc)`), translatable where srvdoctor or glibc wrote it."""
    if strerror and isinstance(exc, OSError) and exc.strerror:
        return oserror(exc)
    if isinstance(exc, OSError) and len(exc.args) == 1 and isinstance(exc.args[0], str):
        return exc.args[0]  # a Msg stays one (str(exc) would make it plain)
    return str(exc)


def read_oom(
    timeout: float, with_docker: bool = True, pid: int | str = "self", cgroup: str | None = None
) -> OomReading:
    """OOM kills seen from here: the kernel log where readable, else the counters that are.

    On a host (or for `cgroup`), `/proc/vmstat` counts every kill since boot; inside a
    container it counts the host's, so there the container's own cgroup counter is used.
    """
    from srvdoctor.probes.cgroup import in_root_cgroup, read_limits
    from srvdoctor.probes.container import detect

    kills: list[OomKill] = []
    sources: list[str] = []
    unreadable: list[str] = []
    logged, source, why = read_kernel_log(timeout)
    inside = detect().inside
    limits = read_limits(pid, cgroup)
    explicit = cgroup is not None or pid != "self"
    if explicit:  # only the kills inside the cgroup asked about
        cg = limits.path.rstrip("/")
        logged = [k for k in logged if k.cgroup == (cg or "/") or k.cgroup.startswith(cg + "/")]
    if source is not None:
        kills += logged
        sources.append(source)
    else:
        unreadable.append(why or "")
    own = limits.oom_kills is not None and (not in_root_cgroup(limits) or inside or explicit)
    if own:
        sources.append(limits.oom_file)
        cg = limits.path
        seen = sum(1 for k in logged if cg and k.cgroup and (k.cgroup == cg or k.cgroup.startswith(cg + "/")))
        if source is None or inside:
            seen = len(logged) if inside else seen
        missing = (limits.oom_kills or 0) - seen
        if missing > 0:  # kills the kernel log no longer shows (rotated, or unreadable here)
            kills.append(
                OomKill(None, "?", None, t("cgroup counter {file}", file=limits.oom_file), cgroup=cg,
                        count=missing, not_before=limits.created)
            )  # fmt: skip
    scope = "container" if inside else "cgroup" if explicit else "machine"
    if scope == "machine":
        counted = vmstat_oom_kills()
        if counted is not None:
            sources.append("/proc/vmstat")
            already = sum(k.count for k in kills)
            if counted > already:
                kills.append(
                    OomKill(None, "?", None, "/proc/vmstat oom_kill", count=counted - already,
                            not_before=psutil.boot_time())
                )  # fmt: skip
    if with_docker and docker_present() and not inside and not explicit:
        try:
            kills += docker_oom_kills(timeout)
            sources.append("docker")
        except Exception as exc:  # the daemon may be down: not this check's business
            unreadable.append(f"docker: {type(exc).__name__}")
    path = limits.path if scope != "machine" else ""
    return OomReading(tuple(kills), tuple(sources), tuple(unreadable), source is not None, scope, path)
