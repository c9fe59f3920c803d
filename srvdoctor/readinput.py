"""Reading what a user points srvdoctor at — a log, a config — bounded in size and in time.

A path may name a FIFO nobody writes to, a pipe (`--file <(cmd)`), a device that never
ends (/dev/zero) or a file of gigabytes. `open_input` never blocks in open(); `read_fd`
keeps at most `limit` bytes (the head or the tail) and, given `wait_s`, stops waiting
after that many seconds. No printing here; callers word the errors.
"""

from __future__ import annotations

import os
import select
import stat
import time

from srvdoctor.record import dataclass


@dataclass(frozen=True)
class Read:
    data: bytes
    finished: bool  # the end of the stream was reached (not cut by time)
    truncated: bool  # more than `limit` bytes were there


def open_input(path: str | os.PathLike[str]) -> tuple[int, os.stat_result]:
    """An fd opened without blocking (a FIFO with no writer does not hang open()), and its stat.
    Raises OSError (IsADirectoryError for a directory)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode):
        os.close(fd)
        raise IsADirectoryError(21, "Is a directory", str(path))
    return fd, info


def read_fd(
    fd: int, limit: int, wait_s: float | None, tail: bool = False, max_total: int | None = None
) -> Read:
    """Read `fd`: a regular file directly (its last `limit` bytes when `tail`), anything else
    until its end, `wait_s` seconds or `max_total` bytes read (an endless stream: /dev/zero,
    `yes |`), keeping the first (or last) `limit` bytes.

    A FIFO without a writer reads as an end at once; it is waited on while nothing arrived.
    """
    info = os.fstat(fd)
    if stat.S_ISREG(info.st_mode):
        os.set_blocking(fd, True)
        if tail and info.st_size > limit:
            os.lseek(fd, info.st_size - limit, os.SEEK_SET)
        data = _read_upto(fd, limit + (0 if tail else 1))
        truncated = info.st_size > limit or len(data) > limit
        return Read(data[:limit], True, truncated)
    chunks: list[bytes] = []
    kept = 0
    total = 0
    truncated = False
    deadline = None if wait_s is None else time.monotonic() + wait_s
    # a FIFO nobody opened for writing yet reads as an end at once: wait for a writer then
    got_any = not stat.S_ISFIFO(info.st_mode)
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return Read(_join(chunks, limit, tail), False, truncated)
            if not select.select([fd], [], [], left)[0]:
                continue
        try:
            chunk = os.read(fd, 1 << 20)
        except BlockingIOError:
            if deadline is None:
                select.select([fd], [], [])
            continue
        if not chunk:
            if got_any or deadline is None:
                return Read(_join(chunks, limit, tail), True, truncated)
            time.sleep(0.05)  # a FIFO without a writer (yet): EOF at once, poll again
            continue
        got_any = True
        chunks.append(chunk)
        kept += len(chunk)
        total += len(chunk)
        if max_total is not None and total >= max_total:
            return Read(_join(chunks, limit, tail), False, True)
        if kept > limit:
            truncated = True
            if not tail:
                return Read(_join(chunks, limit, tail), False, True)
            while kept - len(chunks[0]) >= limit:
                kept -= len(chunks.pop(0))


def _read_upto(fd: int, n: int) -> bytes:
    parts: list[bytes] = []
    while n > 0:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            break
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def _join(chunks: list[bytes], limit: int, tail: bool) -> bytes:
    data = b"".join(chunks)
    return data[-limit:] if tail else data[:limit]
