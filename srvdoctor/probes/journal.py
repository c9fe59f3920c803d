"""systemd and journald: failed units, units in a restart loop, a unit's last log lines,
journald's disk use and its limit. Every call is a bounded subprocess with a timeout."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from srvdoctor.lazyre import lazy
from srvdoctor.messages import t
from srvdoctor.record import dataclass

#: sd_booted(3): systemd is the init system when this directory exists.
SYSTEMD_RUN = Path("/run/systemd/system")
JOURNALD_CONF = Path("/etc/systemd/journald.conf")
JOURNALD_CONF_DIRS = (Path("/etc/systemd/journald.conf.d"), Path("/run/systemd/journald.conf.d"),
                      Path("/usr/lib/systemd/journald.conf.d"))  # fmt: skip
#: Lines of a unit's log read for triage.
UNIT_LINES = 200


class SystemdUnavailable(Exception):
    """systemd is not the init system here, or systemctl cannot talk to it."""


@dataclass(frozen=True)
class Unit:
    name: str
    active: str  # ActiveState
    sub: str  # SubState
    result: str  # Result (exit-code, signal, oom-kill, ...)
    restarts: int  # NRestarts
    exec_status: int | None  # ExecMainStatus
    load: str = "loaded"  # LoadState: loaded | not-found | masked | ...

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "active": self.active, "sub": self.sub, "result": self.result,
                "restarts": self.restarts, "exec_status": self.exec_status, "load": self.load}  # fmt: skip


def systemd_reason() -> str | None:
    """None when systemd runs as PID 1 here; else why not (the reason a check skips with)."""
    if not SYSTEMD_RUN.is_dir():
        try:
            init = Path("/proc/1/comm").read_text().strip()
        except OSError:
            init = "?"
        return t(
            "systemd is not the init system here (PID 1 is {init!r}; no {path})", init=init, path=SYSTEMD_RUN
        )
    if shutil.which("systemctl") is None:
        return t("systemctl is not installed")
    return None


def _run(argv: list[str], timeout: float) -> str:
    proc = subprocess.run(argv, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise SystemdUnavailable(err.splitlines()[-1] if err else f"{argv[0]} exit {proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


def parse_show(text: str) -> list[Unit]:
    """`systemctl show -p Id,ActiveState,... A B` output (blank-line separated blocks) -> units."""
    units: list[Unit] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if not props.get("Id"):
            continue
        restarts = props.get("NRestarts", "0")
        status = props.get("ExecMainStatus", "")
        units.append(
            Unit(props["Id"], props.get("ActiveState", ""), props.get("SubState", ""),
                 props.get("Result", ""),
                 int(restarts) if restarts.isdigit() else 0,
                 int(status) if status.lstrip("-").isdigit() else None,
                 props.get("LoadState", "loaded"))
        )  # fmt: skip
    return units


_PROPS = "Id,LoadState,ActiveState,SubState,Result,NRestarts,ExecMainStatus"


def units(timeout: float, names: list[str] | None = None, limit: int = 500) -> list[Unit]:
    """Every loaded service unit (or the ones named), with restart counts."""
    if names is None:
        listed = _run(["systemctl", "list-units", "--type=service", "--all", "--no-legend", "--plain",
                       "--no-pager"], timeout)  # fmt: skip
        names = [line.split()[0] for line in listed.splitlines() if line.split()][:limit]
    if not names:
        return []
    return parse_show(_run(["systemctl", "show", "--no-pager", "-p", _PROPS, "--", *names], timeout))


def unit_log(name: str, timeout: float, lines: int = UNIT_LINES, since: float | None = None) -> str:
    """The last `lines` lines of a unit's journal (this boot unless `since` says otherwise)."""
    argv = ["journalctl", "-u", name, "--no-pager", "-q", "-o", "short-iso", "-n", str(lines)]
    argv += ["--since", f"@{int(since)}"] if since is not None else ["-b"]
    return _run(argv, timeout)


@dataclass(frozen=True)
class JournalUsage:
    used_bytes: int
    limit_bytes: int | None
    limit_source: (
        str  # "SystemMaxUse=4G in /etc/systemd/journald.conf" or "default (10% of the filesystem, ≤ 4 GiB)"
    )


_SIZE = lazy(r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[KMGTPE]?)i?B?\b", re.I)
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5, "E": 1024**6}


def parse_size(text: str) -> int | None:
    m = _SIZE.search(text)
    if m is None:
        return None
    return int(float(m["num"]) * _UNITS[m["unit"].upper()])


def parse_disk_usage(text: str) -> int | None:
    """'Archived and active journals take up 1.2G in the file system.' -> bytes."""
    m = re.search(r"take up (\S+) ", text)
    return parse_size(m.group(1)) if m else None


def configured_limit() -> tuple[int | None, str]:
    """SystemMaxUse from journald.conf and its drop-ins (the last one set wins)."""
    files = [JOURNALD_CONF]
    for d in JOURNALD_CONF_DIRS:
        try:
            files += sorted(d.glob("*.conf"))
        except OSError:
            continue
    value: tuple[int | None, str] = (None, t("default (10% of the journal's filesystem, at most 4 GiB)"))
    for f in files:
        try:
            text = f.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            key, _, raw = line.strip().partition("=")
            if key.strip() == "SystemMaxUse" and raw.strip():
                value = (
                    parse_size(raw.strip()),
                    t("SystemMaxUse={value} in {file}", value=raw.strip(), file=f),
                )
    return value


def journal_usage(timeout: float) -> JournalUsage:
    text = _run(["journalctl", "--disk-usage"], timeout)
    used = parse_disk_usage(text)
    if used is None:
        raise SystemdUnavailable(
            t("cannot read `journalctl --disk-usage`: {output}", output=text.strip()[:200])
        )
    limit, source = configured_limit()
    return JournalUsage(used, limit, source)
