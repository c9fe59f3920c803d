"""stat() of one path, bounded in time: type, size, mtime, or the first component that is missing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from srvdoctor.messages import join, oserror, t
from srvdoctor.probes.timeout import call_with_timeout
from srvdoctor.record import dataclass


@dataclass(frozen=True)
class PathInfo:
    path: str
    type: str  # file | dir | other
    size_bytes: int
    mtime: float


@dataclass(frozen=True)
class PathProblem:
    path: str
    reason: str  # missing | broken-link | permission | error
    message: str
    missing_from: str | None = None  # the first component that does not exist


def _first_missing(path: Path) -> str:
    current = Path(path.anchor) if path.is_absolute() else Path()
    for part in path.parts[1:] if path.is_absolute() else path.parts:
        current = current / part
        if not os.path.lexists(current):
            return str(current)
    return str(path)


def _stat(path: str) -> PathInfo | PathProblem:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            target = os.readlink(path)
            message = t("{path} is a symlink to {target}, which does not exist", path=path, target=target)
            return PathProblem(path, "broken-link", message)
        missing = _first_missing(Path(path))
        if missing != path:
            message = t("{path} does not exist ({missing} does not exist)", path=path, missing=missing)
        else:
            message = t("{path} does not exist", path=path)
        return PathProblem(path, "missing", message, missing)
    except PermissionError:
        return PathProblem(
            path,
            "permission",
            t("{path}: permission denied (a parent directory is not searchable)", path=path),
        )
    except NotADirectoryError:
        message = t("{path}: a component of the path is a file, not a directory", path=path)
        return PathProblem(path, "missing", message)
    except OSError as exc:
        return PathProblem(path, "error", join(": ", (path, oserror(exc))))
    kind = "file" if stat.S_ISREG(st.st_mode) else "dir" if stat.S_ISDIR(st.st_mode) else "other"
    return PathInfo(path, kind, st.st_size, st.st_mtime)


def stat_path(path: str, timeout: float) -> PathInfo | PathProblem:
    """stat() following symlinks; a hung mount raises ProbeTimeout after `timeout`."""
    return call_with_timeout(lambda: _stat(path), timeout, f"stat {path}")
