"""Scheduled runs: the text of a systemd service + timer pair, or of a cron file. Pure: no I/O.

The scheduled command is `srvdoctor check --format prometheus --output DIR/srvdoctor.prom`:
the file is replaced atomically (temp file + rename), as node_exporter's textfile collector
needs, and exit 1 ("a check failed") is a successful run as far as systemd is concerned —
the failure is in the metrics, where the alert rules see it.
"""

from __future__ import annotations

import itertools
import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from srvdoctor.messages import t
from srvdoctor.record import dataclass
from srvdoctor.units import naturalduration

NAME = "srvdoctor"
#: First line of every file srvdoctor writes; `remove` deletes only files that carry it.
MARKER = "# Written by `srvdoctor schedule install`; remove with `srvdoctor schedule remove`."
PROM_FILE = "srvdoctor.prom"
#: Debian's and Ubuntu's prometheus-node-exporter read this directory (ARGS in /etc/default).
DEFAULT_TEXTFILE_DIR = Path("/var/lib/prometheus/node-exporter")
SYSTEMD_UNIT_DIR = Path("/etc/systemd/system")
CRON_DIR = Path("/etc/cron.d")
MIN_EVERY_S = 60.0


@dataclass(frozen=True)
class ScheduledFile:
    path: Path
    content: str


def check_argv(
    srvdoctor: Sequence[str], textfile_dir: Path, config: Path | None = None, timeout: float | None = None
) -> list[str]:
    """The scheduled command line."""
    argv = [*srvdoctor, "check", "--format", "prometheus", "--output", str(textfile_dir / PROM_FILE)]
    if config is not None:
        argv += ["--config", str(config)]
    if timeout is not None:
        argv += ["--timeout", f"{timeout:g}"]
    return argv


def systemd_quote(arg: str) -> str:
    """One ExecStart= word: specifiers (%) and variables ($) escaped, quoted when needed."""
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if escaped and re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", escaped):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_timespan(seconds: float) -> str:
    """300 -> '5min', 5400 -> '1h 30min', 90 -> '1min 30s'."""
    total = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0"


def check_every(seconds: float) -> None:
    if seconds < MIN_EVERY_S:
        raise ValueError(t("must be at least 1m, not {every}", every=naturalduration(seconds)))


def service_unit(argv: Sequence[str], every_s: float) -> str:
    # A run may take up to the interval; never let two overlap (systemd would not start a
    # second instance of a running oneshot anyway), and do not let a hung probe hold forever.
    timeout = systemd_timespan(max(60.0, min(every_s, 15 * 60.0)))
    return f"""{MARKER}
[Unit]
Description=srvdoctor health checks into node_exporter's textfile directory
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart={" ".join(systemd_quote(a) for a in argv)}
# Exit 1 means "a check failed": the metrics carry that; the run itself succeeded.
SuccessExitStatus=1
TimeoutStartSec={timeout}
Nice=10
IOSchedulingClass=idle
# No PrivateTmp=/ProtectSystem=: they would change the mounts the disk checks look at.
"""


def timer_unit(every_s: float) -> str:
    every = systemd_timespan(every_s)
    spread = systemd_timespan(min(every_s / 10, 300.0))
    return f"""{MARKER}
[Unit]
Description=Run srvdoctor every {every}

[Timer]
OnActiveSec=1min
OnUnitActiveSec={every}
# A fleet's servers should not all probe shared targets in the same second.
RandomizedDelaySec={spread}
AccuracySec=1s

[Install]
WantedBy=timers.target
"""


def cron_schedule(every_s: float) -> str:
    """The five cron time fields, or ValueError when cron cannot run that evenly."""
    minutes = every_s / 60
    if minutes != int(minutes):
        raise ValueError(t("cron runs whole minutes; this is not a whole number of minutes"))
    m = int(minutes)
    if m < 60 and 60 % m == 0:
        return "* * * * *" if m == 1 else f"*/{m} * * * *"
    if m == 24 * 60:
        return "0 0 * * *"
    if m % 60 == 0 and 24 % (m // 60) == 0:
        hours = m // 60
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    raise ValueError(
        t(
            "cron cannot run that evenly; use a divisor of an hour "
            "(1m, 2m, 5m, 10m, 15m, 30m) or of a day (1h, 2h, 3h, 4h, 6h, 8h, 12h, 24h)"
        )
    )


def cron_file(argv: Sequence[str], every_s: float) -> str:
    """/etc/cron.d format (with the user field). `%` is special to cron and escaped."""
    command = " ".join(shlex.quote(a) for a in argv).replace("%", "\\%")
    return (
        f"{MARKER}\n"
        "# srvdoctor check into node_exporter's textfile directory; exit 1 only means a check failed.\n"
        "SHELL=/bin/sh\n"
        f"{cron_schedule(every_s)} root {command} >/dev/null\n"
    )


@dataclass(frozen=True)
class Plan:
    """What `schedule install` or `schedule remove` writes or deletes, and the commands a person runs."""

    using: str  # "systemd" or "cron"
    files: tuple[ScheduledFile, ...]
    before: tuple[str, ...] = ()  # commands to run before the files change
    after: tuple[str, ...] = ()  # commands to run after


def install_plan(
    using: str,
    argv: Sequence[str],
    every_s: float,
    unit_dir: Path = SYSTEMD_UNIT_DIR,
    cron_dir: Path = CRON_DIR,
) -> Plan:
    check_every(every_s)
    if using == "systemd":
        files = (
            ScheduledFile(unit_dir / f"{NAME}.service", service_unit(argv, every_s)),
            ScheduledFile(unit_dir / f"{NAME}.timer", timer_unit(every_s)),
        )
        after = ("systemctl daemon-reload", f"systemctl enable --now {NAME}.timer")
        return Plan(using, files, after=after)
    return Plan(using, (ScheduledFile(cron_dir / NAME, cron_file(argv, every_s)),))


def remove_plan(
    using: str, textfile_dir: Path, unit_dir: Path = SYSTEMD_UNIT_DIR, cron_dir: Path = CRON_DIR
) -> Plan:
    """The files to delete (content empty); the .prom file goes too, or its stale metrics stay."""
    prom = ScheduledFile(textfile_dir / PROM_FILE, "")
    if using == "systemd":
        files = (
            ScheduledFile(unit_dir / f"{NAME}.timer", ""),
            ScheduledFile(unit_dir / f"{NAME}.service", ""),
        )
        return Plan(using, (*files, prom), before=(f"systemctl disable --now {NAME}.timer",),
                    after=("systemctl daemon-reload",))  # fmt: skip
    return Plan(using, (ScheduledFile(cron_dir / NAME, ""), prom))


def scheduled_argv(service_or_cron_text: str) -> list[str] | None:
    """The command line a file written by `install` runs, parsed with the quoting it was written
    with: systemd's for `ExecStart=` (`systemd_quote`), the shell's for the cron line (`cron_file`)."""
    for line in service_or_cron_text.splitlines():
        if line.startswith("ExecStart="):
            try:
                words = shlex.split(line[len("ExecStart=") :])
            except ValueError:
                return None
            return [w.replace("%%", "%").replace("$$", "$") for w in words]
        fields = line.split(None, 6)
        if line.startswith("#") or len(fields) < 7 or "=" in fields[0]:
            continue
        try:  # five time fields, the user, then the command (cron's `\%` is a literal %)
            words = shlex.split(fields[6].replace("\\%", "%"))
        except ValueError:
            return None
        return words[:-1] if words and words[-1] == ">/dev/null" else words
    return None


def textfile_dir_of(service_or_cron_text: str) -> Path | None:
    """The textfile directory a file written by `install` points at."""
    argv = scheduled_argv(service_or_cron_text) or []
    for option, value in itertools.pairwise(argv):
        if option == "--output" and Path(value).name == PROM_FILE:
            return Path(value).parent
    return None
