"""The limits of a control group (cgroup v1 and v2): memory, swap, CPU quota, cpuset, pids, OOM kills.

A process's cgroup comes from /proc/PID/cgroup; where its files are comes from
/proc/self/mountinfo (inside a container the hierarchy is mounted from the container's
own cgroup, so /sys/fs/cgroup/memory *is* /docker/<id>). A limit set higher up the tree
counts too: the tightest one between the cgroup and the mount's root wins.

Memory is counted the way `docker stats` and the kernel's OOM decision do: usage minus
inactive file cache (v2 `memory.current` - `memory.stat` inactive_file; v1
`memory.usage_in_bytes` - `total_inactive_file`).
"""

from __future__ import annotations

import os
from dataclasses import field
from pathlib import Path
from typing import Any

from srvdoctor.record import dataclass

#: Above this a limit means "no limit" (v1 writes PAGE_COUNTER_MAX, 9223372036854771712).
UNLIMITED = 1 << 60
MOUNTINFO = Path("/proc/self/mountinfo")

#: PSI of one resource: {"some": {"avg10": ..., "avg60": ..., ...}, "full": {...}}
Pressure = dict[str, dict[str, float]]


@dataclass(frozen=True)
class CgroupMount:
    version: int  # 1 or 2
    mountpoint: Path
    root: str  # the cgroup mounted there ("/" on a host, "/docker/<id>" inside a v1 container)
    controllers: frozenset[str]


def _unescape(text: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal (\\040)."""
    return text.encode().decode("unicode_escape") if "\\" in text else text


def mounts(mountinfo: Path = MOUNTINFO) -> list[CgroupMount]:
    """Every cgroup (v1) and cgroup2 mount this process sees."""
    try:
        text = mountinfo.read_text()
    except OSError:
        return []
    out: list[CgroupMount] = []
    for line in text.splitlines():
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(fields) < 5 or len(rfields) < 3 or rfields[0] not in ("cgroup", "cgroup2"):
            continue
        options = set(rfields[2].split(","))
        if rfields[0] == "cgroup2":
            out.append(CgroupMount(2, Path(_unescape(fields[4])), _unescape(fields[3]), frozenset()))
        else:
            names = {o for o in options if o in V1_CONTROLLERS or o.startswith("name=")}
            out.append(CgroupMount(1, Path(_unescape(fields[4])), _unescape(fields[3]), frozenset(names)))
    return out


V1_CONTROLLERS = frozenset(
    {"cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "devices", "freezer", "net_cls", "hugetlb"}
)


def membership(pid: int | str = "self") -> dict[str, str]:
    """controller -> cgroup path from /proc/PID/cgroup; "" is the v2 (unified) entry."""
    out: dict[str, str] = {}
    try:
        text = Path(f"/proc/{pid}/cgroup").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            out[""] = path
        for name in controllers.split(","):
            if name:
                out[name] = path
    return out


def locate(path: str, mount: CgroupMount) -> Path:
    """The directory of cgroup `path` under `mount` (falls back to the mount point itself)."""
    root = mount.root.rstrip("/")
    if path == root or path.startswith(root + "/"):
        rel = path[len(root) :].lstrip("/")
    elif mount.root == "/":
        rel = path.lstrip("/")
    else:  # a namespaced view: /proc/PID/cgroup shows "/" for the container's own cgroup
        rel = ""
    directory = mount.mountpoint / rel if rel else mount.mountpoint
    return directory if directory.is_dir() else mount.mountpoint


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except (OSError, ValueError):
        return None


def _int(path: Path) -> int | None:
    """An integer file; "max" and PAGE_COUNTER_MAX-like values are None (no limit)."""
    text = _read(path)
    if text is None:
        return None
    text = text.strip()
    if text in ("max", "-1", ""):
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return None if value >= UNLIMITED or value < 0 else value


def read_keyed(path: Path) -> dict[str, int]:
    """A 'key value' file (memory.stat, memory.events, memory.oom_control, cpu.stat)."""
    out: dict[str, int] = {}
    for line in (_read(path) or "").splitlines():
        key, _, value = line.partition(" ")
        try:
            out[key] = int(value)
        except ValueError:
            continue
    return out


def parse_psi(text: str) -> Pressure:
    """Parse one pressure file ('some avg10=0.00 avg60=0.00 avg300=0.00 total=0')."""
    out: Pressure = {}
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        if kind not in ("some", "full"):
            continue
        values: dict[str, float] = {}
        for pair in rest.split():
            key, _, value = pair.partition("=")
            try:
                values[key] = float(value)
            except ValueError:
                continue
        out[kind] = values
    return out


def parse_cpu_max(text: str) -> float | None:
    """v2 cpu.max 'QUOTA PERIOD' ('max 100000' = no quota) -> cores."""
    parts = text.split()
    if len(parts) != 2 or parts[0] == "max":
        return None
    try:
        quota, period = int(parts[0]), int(parts[1])
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def _ancestors(directory: Path, top: Path) -> list[Path]:
    """directory, its parent, ... up to and including `top` (the mount point)."""
    out = [directory]
    while directory != top and top in directory.parents:
        directory = directory.parent
        out.append(directory)
    return out


@dataclass(frozen=True)
class Limit:
    value: float
    where: str  # the cgroup directory that sets it


def _tightest(dirs: list[Path], read: Any) -> Limit | None:
    best: Limit | None = None
    for d in dirs:
        value = read(d)
        if value is not None and (best is None or value < best.value):
            best = Limit(value, str(d))
    return best


@dataclass(frozen=True)
class CgroupLimits:
    """One cgroup's limits and usage; None where no limit is set or the file is absent."""

    version: int  # 2, 1, or 0 (no cgroup filesystem readable)
    path: str  # the cgroup as /proc/PID/cgroup names it (the memory controller's on v1)
    directory: str  # where its files were read
    memory_limit: Limit | None = None
    memory_usage: int | None = None
    inactive_file: int | None = None
    swap_limit: Limit | None = None  # swap alone (v1: memsw minus memory)
    swap_usage: int | None = None
    cpu_quota: Limit | None = None  # in cores (quota / period)
    cpuset: tuple[int, ...] = ()
    pids_max: Limit | None = None
    pids_current: int | None = None
    oom_kills: int | None = None
    oom_file: str = ""
    memory_pressure: Pressure | None = None
    pressure_file: str = ""
    created: float | None = None  # when the cgroup directory appeared (an OOM kill is after it)
    cpu_usage_file: str = ""  # v2 cpu.stat (usage_usec) or v1 cpuacct.usage (ns)
    cpu_stat_file: str = ""  # cpu.stat with nr_periods / nr_throttled (v1 cpu controller, v2)
    unreadable: tuple[str, ...] = field(default=())

    @property
    def working_set(self) -> int | None:
        """Usage minus inactive file cache: what `docker stats` shows, and what the limit squeezes."""
        if self.memory_usage is None:
            return None
        return max(0, self.memory_usage - (self.inactive_file or 0))

    @property
    def memory_available(self) -> int | None:
        if self.memory_limit is None or self.working_set is None:
            return None
        return max(0, int(self.memory_limit.value) - self.working_set)

    @property
    def limited(self) -> bool:
        return any(x is not None for x in (self.memory_limit, self.cpu_quota, self.pids_max, self.swap_limit))

    def to_dict(self) -> dict[str, Any]:
        def lim(x: Limit | None) -> Any:
            return None if x is None else {"value": x.value, "set_at": x.where}

        return {
            "version": self.version,
            "path": self.path,
            "directory": self.directory,
            "memory_limit_bytes": lim(self.memory_limit),
            "memory_usage_bytes": self.memory_usage,
            "inactive_file_bytes": self.inactive_file,
            "working_set_bytes": self.working_set,
            "swap_limit_bytes": lim(self.swap_limit),
            "swap_usage_bytes": self.swap_usage,
            "cpu_quota_cores": lim(self.cpu_quota),
            "cpuset": list(self.cpuset),
            "pids_max": lim(self.pids_max),
            "pids_current": self.pids_current,
            "oom_kills": self.oom_kills,
            "oom_file": self.oom_file,
        }


def _v2(path: str, mount: CgroupMount) -> dict[str, Any]:
    d = locate(path, mount)
    dirs = _ancestors(d, mount.mountpoint)
    stat = read_keyed(d / "memory.stat")
    events = d / "memory.events"
    out: dict[str, Any] = {
        "version": 2,
        "directory": str(d),
        "memory_limit": _tightest(dirs, lambda x: _int(x / "memory.max")),
        "memory_usage": _int(d / "memory.current"),
        "inactive_file": stat.get("inactive_file"),
        "swap_limit": _tightest(dirs, lambda x: _int(x / "memory.swap.max")),
        "swap_usage": _int(d / "memory.swap.current"),
        "cpu_quota": _tightest(dirs, lambda x: parse_cpu_max(_read(x / "cpu.max") or "")),
        "pids_max": _tightest(dirs, lambda x: _int(x / "pids.max")),
        "pids_current": _int(d / "pids.current"),
        "cpu_usage_file": str(d / "cpu.stat") if (d / "cpu.stat").exists() else "",
        "cpu_stat_file": str(d / "cpu.stat") if (d / "cpu.stat").exists() else "",
    }
    counts = read_keyed(events)
    if "oom_kill" in counts:
        out["oom_kills"], out["oom_file"] = counts["oom_kill"], str(events)
    return out


def _v1(member: dict[str, str], by_controller: dict[str, CgroupMount]) -> dict[str, Any]:
    out: dict[str, Any] = {"version": 1}
    mem = by_controller.get("memory")
    if mem is not None and "memory" in member:
        d = locate(member["memory"], mem)
        dirs = _ancestors(d, mem.mountpoint)
        out["directory"] = str(d)
        limit = _tightest(dirs, lambda x: _int(x / "memory.limit_in_bytes"))
        out["memory_limit"] = limit
        out["memory_usage"] = _int(d / "memory.usage_in_bytes")
        out["inactive_file"] = read_keyed(d / "memory.stat").get("total_inactive_file")

        def swap(x: Path) -> int | None:
            memsw, memory = _int(x / "memory.memsw.limit_in_bytes"), _int(x / "memory.limit_in_bytes")
            return memsw - memory if memsw is not None and memory is not None else None

        out["swap_limit"] = _tightest(dirs, swap)
        memsw_usage, usage = _int(d / "memory.memsw.usage_in_bytes"), out["memory_usage"]
        out["swap_usage"] = memsw_usage - usage if memsw_usage is not None and usage is not None else None
        control = d / "memory.oom_control"
        counts = read_keyed(control)
        if "oom_kill" in counts:
            out["oom_kills"], out["oom_file"] = counts["oom_kill"], str(control)
    cpu = by_controller.get("cpu")
    if cpu is not None and "cpu" in member:
        d = locate(member["cpu"], cpu)

        def quota(x: Path) -> float | None:
            q, p = _int(x / "cpu.cfs_quota_us"), _int(x / "cpu.cfs_period_us")
            return q / p if q and p else None

        out["cpu_quota"] = _tightest(_ancestors(d, cpu.mountpoint), quota)
        out["cpu_stat_file"] = str(d / "cpu.stat") if (d / "cpu.stat").exists() else ""
    acct = by_controller.get("cpuacct")
    if acct is not None and "cpuacct" in member:
        usage = locate(member["cpuacct"], acct) / "cpuacct.usage"
        out["cpu_usage_file"] = str(usage) if usage.exists() else ""
    pids = by_controller.get("pids")
    if pids is not None and "pids" in member:
        d = locate(member["pids"], pids)
        out["pids_max"] = _tightest(_ancestors(d, pids.mountpoint), lambda x: _int(x / "pids.max"))
        out["pids_current"] = _int(d / "pids.current")
    return out


def read_limits(
    pid: int | str = "self", cgroup: str | None = None, mountinfo: Path = MOUNTINFO
) -> CgroupLimits:
    """The limits of process `pid`'s cgroup, or of cgroup path `cgroup` (e.g. '/system.slice/x.service')."""
    found = mounts(mountinfo)
    member = membership(pid) if cgroup is None else {}
    if cgroup is not None:
        member = {"": cgroup, **{c: cgroup for m in found if m.version == 1 for c in m.controllers}}
    v2 = next((m for m in found if m.version == 2), None)
    by_controller = {c: m for m in found if m.version == 1 for c in m.controllers}
    values: dict[str, Any]
    if "memory" in by_controller or "cpu" in by_controller:
        values = _v1(member, by_controller)
        path = member.get("memory") or member.get("cpu") or ""
    elif v2 is not None and "" in member:
        values = _v2(member[""], v2)
        path = member[""]
    else:
        return CgroupLimits(0, "", "", cpuset=_affinity(pid), unreadable=("no cgroup filesystem is mounted",))
    # memory PSI lives in the v2 hierarchy, also on hybrid hosts (/sys/fs/cgroup/unified)
    if v2 is not None and "" in member:
        d = locate(member[""], v2)
        text = _read(d / "memory.pressure")
        if text is not None and (member[""] != "/" or values["version"] == 2):
            values["memory_pressure"], values["pressure_file"] = parse_psi(text), str(d / "memory.pressure")
    directory = values.pop("directory", "")
    created: float | None = None
    if directory:
        try:
            created = os.stat(directory).st_ctime
        except OSError:
            created = None
    return CgroupLimits(path=path, directory=directory, cpuset=_affinity(pid), created=created, **values)


def _affinity(pid: int | str) -> tuple[int, ...]:
    """The CPUs the process may run on (its cpuset, or taskset)."""
    try:
        return tuple(sorted(os.sched_getaffinity(0 if pid == "self" else int(pid))))
    except (OSError, ValueError):
        return ()


def read_cpu_usage_s(file: str) -> float | None:
    """CPU seconds the cgroup used so far: v2 cpu.stat usage_usec, v1 cpuacct.usage (ns)."""
    if not file:
        return None
    if file.endswith("cpu.stat"):
        usec = read_keyed(Path(file)).get("usage_usec")
        return usec / 1e6 if usec is not None else None
    text = _read(Path(file))
    try:
        return int(text) / 1e9 if text else None
    except ValueError:
        return None


def read_throttling(file: str) -> tuple[int, int] | None:
    """(nr_periods, nr_throttled) of a cpu.stat: how often the quota stopped the cgroup."""
    if not file:
        return None
    stat = read_keyed(Path(file))
    if "nr_periods" not in stat or "nr_throttled" not in stat:
        return None
    return stat["nr_periods"], stat["nr_throttled"]


def in_root_cgroup(limits: CgroupLimits) -> bool:
    return limits.path in ("", "/")
