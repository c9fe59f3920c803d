"""The kernel log, from every source the machine has: /dev/kmsg, `journalctl -k`, kern.log.

Each source is read with a bound (the last `max_bytes` of it, a line count for journald,
a timeout for the subprocess) and reports what it read, whether it was cut, or why it
could not be read — a source that could not be read is never the same as an empty one.
"""

from __future__ import annotations

import collections
import datetime as dt
import errno
import os
import re
import shutil
import subprocess
import time
from dataclasses import field
from pathlib import Path

import psutil

from srvdoctor.lazyre import lazy
from srvdoctor.messages import Msg, oserror, t
from srvdoctor.record import dataclass

KMSG = Path("/dev/kmsg")
KERN_LOG = Path("/var/log/kern.log")
#: Default bound per source.
MAX_BYTES = 4 * 1024 * 1024
MAX_JOURNAL_LINES = 20000

#: What would make an unreadable kernel log readable.
ENABLE_HINT = t(
    "run as root, or add the user to the adm / systemd-journal group (journalctl -k, kern.log), "
    "or allow dmesg for everyone: sudo sysctl kernel.dmesg_restrict=0"
)

# journalctl -o short-unix: "1732620000.123456 host kernel: message"
_JOURNAL_LINE = lazy(r"^(?P<ts>\d{1,12}(?:\.\d{1,9})?) \S{1,255} kernel: (?P<msg>.*)$")
# rsyslog RFC 3339: "2026-12-01T20:45:26.123456+00:00 host kernel: [  12.345678] message"
_RFC3339_LINE = lazy(
    r"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?) \S{1,255} kernel: "
    r"(?:\[ {0,12}\d{1,12}\.\d{1,9}\] )?(?P<msg>.*)$"
)
# classic syslog: "Dec  1 20:45:26 host kernel: [  12.345678] message" (local time, no year)
_SYSLOG_LINE = lazy(
    r"^(?P<ts>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) \S{1,255} kernel: "
    r"(?:\[ {0,12}\d{1,12}\.\d{1,9}\] )?(?P<msg>.*)$"
)


@dataclass(frozen=True)
class KernelLine:
    """One kernel message: Unix time (None where unknown), text, the source it came from."""

    time: float | None
    text: str
    source: str


@dataclass(frozen=True)
class SourceRead:
    """What one source gave: how many lines and bytes, whether cut, or why it could not be read."""

    name: str
    readable: bool
    lines: int = 0
    bytes: int = 0
    truncated: bool = False
    reason: str = ""  # why not readable, or why it is absent

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "readable": self.readable, "lines": self.lines, "bytes": self.bytes,
                "truncated": self.truncated, "reason": self.reason}  # fmt: skip


@dataclass(frozen=True)
class KernelLog:
    lines: tuple[KernelLine, ...]
    sources: tuple[SourceRead, ...] = field(default_factory=tuple)

    @property
    def read(self) -> list[SourceRead]:
        return [s for s in self.sources if s.readable]

    @property
    def unreadable(self) -> list[SourceRead]:
        return [s for s in self.sources if not s.readable and s.reason != "absent"]


def boot_time() -> float:
    return float(psutil.boot_time())


# --------------------------------------------------------------------------- /dev/kmsg


def parse_kmsg_record(record: str, boot: float) -> tuple[float | None, str] | None:
    """'6,436,990025015,-;message\\n KEY=val' -> (Unix time, message); None for a malformed one."""
    head, sep, rest = record.partition(";")
    if not sep:
        return None
    parts = head.split(",")
    when: float | None = None
    if len(parts) >= 3 and parts[2].isdigit():
        when = boot + int(parts[2]) / 1e6
    return when, rest.split("\n", 1)[0]


def read_kmsg(
    since: float, max_bytes: int = MAX_BYTES, path: Path = KMSG
) -> tuple[list[KernelLine], SourceRead]:
    """Every record of the ring buffer at or after `since`, the newest `max_bytes` of them.

    Non-blocking: reads until the buffer is drained (EAGAIN), never waits for new ones.
    Raises OSError when the device cannot be opened or read.
    """
    boot = boot_time()
    kept: collections.deque[KernelLine] = collections.deque()
    size = 0
    dropped = False
    total = 0
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        while True:
            try:
                chunk = os.read(fd, 16384)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # overwritten while we read: the next one follows
                    continue
                raise
            if not chunk:
                break
            total += len(chunk)
            parsed = parse_kmsg_record(chunk.decode("utf-8", "replace"), boot)
            if parsed is None:
                continue
            when, text = parsed
            if when is not None and when < since:
                continue
            kept.append(KernelLine(when, _unescape_kmsg(text), str(path)))
            size += len(text) + 1
            while size > max_bytes and kept:
                size -= len(kept.popleft().text) + 1
                dropped = True
    finally:
        os.close(fd)
    return list(kept), SourceRead(str(path), True, len(kept), size, dropped)


_KMSG_ESCAPE = lazy(r"\\x([0-9a-f]{2})")


def _unescape_kmsg(text: str) -> str:
    """/dev/kmsg writes non-printable bytes as \\xNN; keep printable ones, leave control ones escaped."""
    if "\\x" not in text:
        return text

    def repl(m: re.Match[str]) -> str:
        ch = chr(int(m.group(1), 16))
        return ch if ch.isprintable() else m.group(0)

    return _KMSG_ESCAPE.sub(repl, text)


# --------------------------------------------------------------------------- journald


def parse_journal(text: str, source: str = "journalctl -k") -> list[KernelLine]:
    out: list[KernelLine] = []
    for line in text.splitlines():
        m = _JOURNAL_LINE.match(line)
        if m:
            out.append(KernelLine(float(m["ts"]), m["msg"], source))
    return out


def read_journal(
    since: float, timeout: float, max_lines: int = MAX_JOURNAL_LINES, max_bytes: int = MAX_BYTES
) -> tuple[list[KernelLine], SourceRead]:
    """This boot's kernel messages from journald, since `since`, at most `max_lines` of them.

    Raises OSError (with journalctl's own words) when it cannot be read, including when
    there are no journal files at all (journald not running or not persistent here).
    """
    name = "journalctl -k"
    if shutil.which("journalctl") is None:
        raise FileNotFoundError(t("journalctl not installed"))
    # no -q: it would hide "No journal files were found." and the permission hint
    argv = ["journalctl", "-k", "-b", "--no-pager", "-o", "short-unix", "-n", str(max_lines),
            "--since", f"@{int(since)}"]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    err = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        raise OSError(err.splitlines()[-1] if err else f"exit {proc.returncode}")
    if "No journal files were found" in err:
        raise OSError(t("no journal files were found (journald not running or not storing logs here)"))
    if "insufficient permissions" in err.lower() or "not seeing messages from other users" in err:
        raise PermissionError(t("insufficient permissions (not in the adm / systemd-journal group)"))
    raw = proc.stdout
    truncated = False
    if len(raw) > max_bytes:
        raw = raw[-max_bytes:]
        raw = raw[raw.find(b"\n") + 1 :]
        truncated = True
    lines = parse_journal(raw.decode("utf-8", "replace"), name)
    truncated = truncated or len(lines) >= max_lines
    return lines, SourceRead(name, True, len(lines), len(raw), truncated)


# --------------------------------------------------------------------------- kern.log


def parse_syslog_time(stamp: str, now: float) -> float | None:
    """An RFC 3339 or classic syslog stamp -> Unix time (classic: local time, the year that fits)."""
    try:
        if "T" in stamp:
            return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        year = dt.datetime.fromtimestamp(now).year
        when = dt.datetime.strptime(f"{year} {stamp}", "%Y %b %d %H:%M:%S").timestamp()
        if when > now + 86400:  # December's lines read in January
            when = dt.datetime.strptime(f"{year - 1} {stamp}", "%Y %b %d %H:%M:%S").timestamp()
        return when
    except ValueError:
        return None


def parse_syslog(text: str, source: str, now: float | None = None) -> list[KernelLine]:
    now = time.time() if now is None else now
    out: list[KernelLine] = []
    for line in text.splitlines():
        m = _RFC3339_LINE.match(line) or _SYSLOG_LINE.match(line)
        if m:
            out.append(KernelLine(parse_syslog_time(m["ts"], now), m["msg"], source))
    return out


def tail_bytes(path: Path, max_bytes: int) -> tuple[bytes, bool]:
    """The last `max_bytes` of a file, from a line start; and whether anything was cut."""
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        cut = size > max_bytes
        if cut:
            fh.seek(size - max_bytes)
        data = fh.read(max_bytes)
    if cut:
        data = data[data.find(b"\n") + 1 :]
    return data, cut


def read_kern_log(
    since: float, max_bytes: int = MAX_BYTES, path: Path = KERN_LOG
) -> tuple[list[KernelLine], SourceRead]:
    """The kernel lines of a syslog file (its last `max_bytes`) at or after `since`. Raises OSError."""
    data, cut = tail_bytes(path, max_bytes)
    lines = parse_syslog(data.decode("utf-8", "replace"), str(path))
    kept = [line for line in lines if line.time is None or line.time >= since]
    # cut only matters when what was cut off may be newer than `since`
    truncated = cut and bool(lines) and (lines[0].time is None or lines[0].time > since)
    return kept, SourceRead(str(path), True, len(kept), len(data), truncated)


# --------------------------------------------------------------------------- all of them


def _reason(exc: BaseException) -> str:
    if isinstance(exc, subprocess.TimeoutExpired):
        return t("did not answer within {timeout:g} s", timeout=exc.timeout)
    if isinstance(exc, OSError) and exc.strerror:
        return oserror(exc)
    if len(exc.args) == 1 and isinstance(exc.args[0], Msg):
        return exc.args[0]  # srvdoctor's own words, translatable (str(exc) would drop that)
    return str(exc) or type(exc).__name__


def merge(groups: list[list[KernelLine]], slack_s: float = 5.0) -> list[KernelLine]:
    """Lines from several sources, each message once: the same text within `slack_s`
    seconds from a later source is the same message read twice. Oldest first."""
    seen: dict[str, list[float | None]] = {}
    out: list[KernelLine] = []
    for group in groups:
        fresh: list[tuple[str, float | None]] = []
        for line in group:
            times = seen.get(line.text)
            if times is not None and any(
                t is None or line.time is None or abs(t - line.time) <= slack_s for t in times
            ):
                continue
            out.append(line)
            fresh.append((line.text, line.time))
        for text, when in fresh:
            seen.setdefault(text, []).append(when)
    out.sort(key=lambda line: line.time if line.time is not None else 0.0)
    return out


def read_kernel_log(
    since: float | None = None,
    timeout: float = 3.0,
    max_bytes: int = MAX_BYTES,
    kmsg: Path = KMSG,
    kern_log: Path = KERN_LOG,
    journal: bool = True,
) -> KernelLog:
    """Every readable source since `since` (default: boot), merged; each source's outcome named."""
    start = boot_time() if since is None else since
    groups: list[list[KernelLine]] = []
    sources: list[SourceRead] = []
    try:
        lines, read = read_kmsg(start, max_bytes, kmsg)
        groups.append(lines)
        sources.append(read)
    except OSError as exc:
        sources.append(SourceRead(str(kmsg), False, reason=_reason(exc)))
    if journal:
        if shutil.which("journalctl") is None:
            sources.append(SourceRead("journalctl -k", False, reason="absent"))
        else:
            try:
                lines, read = read_journal(start, timeout, max_bytes=max_bytes)
                groups.append(lines)
                sources.append(read)
            except (OSError, subprocess.TimeoutExpired) as exc:
                sources.append(SourceRead("journalctl -k", False, reason=_reason(exc)))
    if kern_log.exists():
        try:
            lines, read = read_kern_log(start, max_bytes, kern_log)
            groups.append(lines)
            sources.append(read)
        except OSError as exc:
            sources.append(SourceRead(str(kern_log), False, reason=_reason(exc)))
    else:
        sources.append(SourceRead(str(kern_log), False, reason="absent"))
    return KernelLog(tuple(merge(groups)), tuple(sources))
