"""stat() of one path, bounded in time: type, size, mtime, or the first component that is missing."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from srvdoctor.probes.timeout import call_with_timeout


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
            return PathProblem(
                path, "broken-link", f"{path} is a symlink to {os.readlink(path)}, which does not exist"
            )
        missing = _first_missing(Path(path))
        detail = f" ({missing} does not exist)" if missing != path else ""
        return PathProblem(path, "missing", f"{path} does not exist{detail}", missing)
    except PermissionError:
        return PathProblem(
            path, "permission", f"{path}: permission denied (a parent directory is not searchable)"
        )
    except NotADirectoryError:
        return PathProblem(path, "missing", f"{path}: a component of the path is a file, not a directory")
    except OSError as exc:
        return PathProblem(path, "error", f"{path}: {exc.strerror}")
    kind = "file" if stat.S_ISREG(st.st_mode) else "dir" if stat.S_ISDIR(st.st_mode) else "other"
    return PathInfo(path, kind, st.st_size, st.st_mtime)


def stat_path(path: str, timeout: float) -> PathInfo | PathProblem:
    """stat() following symlinks; a hung mount raises ProbeTimeout after `timeout`."""
    return call_with_timeout(lambda: _stat(path), timeout, f"stat {path}")
