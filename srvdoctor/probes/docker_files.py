"""What the Docker engine keeps on disk: each container's log files under the data root
(json-file's log and rotations, the `local` driver's, dual logging's cache) and the daemon's
default log options in daemon.json. Reading the log files needs root; without it the sizes
are unknown (None), never 0. Shell equivalent: `sudo du -b /var/lib/docker/containers/*/*.log*`
and `cat /etc/docker/daemon.json`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import re
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from srvdoctor.messages import join, oserror, t
from srvdoctor.record import dataclass


@dataclass(frozen=True)
class LogFile:
    path: str
    size_bytes: int


@dataclass(frozen=True)
class ContainerLogs:
    """One container's logs: its log config from the API, its log files from the disk.

    `files` is empty and `readable` False when the container directory cannot be read
    (not root); `log_bytes` is then None (unknown), not 0.
    """

    id: str
    name: str
    image: str
    state: str
    created: str
    log_driver: str
    log_opts: Mapping[str, str]
    log_path: str
    container_dir: str
    files: tuple[LogFile, ...] = ()
    readable: bool = True
    unreadable_reason: str = ""

    @property
    def log_bytes(self) -> int | None:
        return sum(f.size_bytes for f in self.files) if self.readable else None


@dataclass(frozen=True)
class DaemonJson:
    """The daemon's default log settings from daemon.json (they apply to new containers only)."""

    path: str
    exists: bool
    log_driver: str | None = None
    log_opts: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None


def _is_log_file(name: str, rel_dir: str, container_id: str) -> bool:
    if rel_dir.split(os.sep, maxsplit=1)[0] == "local-logs":  # the `local` driver's files and its rotations
        return True
    if name.startswith("container-cached.log"):  # dual logging's cache (non-file drivers)
        return True
    return re.fullmatch(re.escape(container_id) + r"-json\.log(\.\d+)?(\.gz)?", name) is not None


def log_files(container_dir: str, container_id: str) -> list[LogFile]:
    """json-file's log and its `.1…N`/`.gz` rotations, `local-logs/`, `container-cached.log*`.

    Raises PermissionError (not root) or FileNotFoundError (container gone).
    """
    found: list[LogFile] = []
    stack = [container_dir]
    while stack:
        current = stack.pop()
        rel = os.path.relpath(current, container_dir)
        rel = "" if rel == "." else rel
        try:
            entries = list(os.scandir(current))
        except FileNotFoundError:
            if current == container_dir:
                raise
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name == "local-logs" or rel.startswith("local-logs"):
                    stack.append(entry.path)
                continue
            if entry.is_file(follow_symlinks=False) and _is_log_file(entry.name, rel, container_id):
                with contextlib.suppress(FileNotFoundError):  # rotated away meanwhile
                    found.append(LogFile(entry.path, entry.stat(follow_symlinks=False).st_blocks * 512))
    return sorted(found, key=lambda f: f.path)


def container_logs(raw: Mapping[str, Any], root_dir: str) -> ContainerLogs:
    """A ContainerLogs from one `docker inspect` document plus the files on disk."""
    cid = str(raw.get("Id", ""))
    host_config = raw.get("HostConfig") or {}
    log_config = host_config.get("LogConfig") or {}
    config = raw.get("Config") or {}
    state = raw.get("State") or {}
    container_dir = os.path.join(root_dir, "containers", cid)
    base = ContainerLogs(
        id=cid,
        name=str(raw.get("Name", "")).lstrip("/") or cid[:12],
        image=str(config.get("Image") or raw.get("Image", "")),
        state=str(state.get("Status", "unknown")),
        created=str(raw.get("Created", "")),
        log_driver=str(log_config.get("Type") or ""),
        log_opts={str(k): str(v) for k, v in (log_config.get("Config") or {}).items()},
        log_path=str(raw.get("LogPath") or ""),
        container_dir=container_dir,
    )
    try:
        files = log_files(container_dir, cid)
    except PermissionError:
        reason = t("{path} needs root to read", path=container_dir)
        return _replace(base, readable=False, unreadable_reason=reason)
    except FileNotFoundError:
        reason = t("{path} does not exist here", path=container_dir)
        return _replace(base, readable=False, unreadable_reason=reason)
    except OSError as exc:
        why = oserror(exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc)))
        reason = join(": ", (container_dir, why))
        return _replace(base, readable=False, unreadable_reason=reason)
    return _replace(base, files=tuple(files))


def _replace(c: ContainerLogs, **changes: Any) -> ContainerLogs:
    return dataclasses.replace(c, **changes)


def filesystem_size(path: str) -> int | None:
    """Total bytes of the filesystem holding `path`, or None when it cannot be read."""
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    return st.f_blocks * st.f_frsize


# --------------------------------------------------------------------------- daemon.json


def rootless_daemon_json(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    config_home = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME", "~"), ".config")
    return os.path.join(config_home, "docker", "daemon.json")


def read_daemon_json(path: str) -> DaemonJson:
    """The `log-driver` and `log-opts` of a daemon.json; a missing file is not an error."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return DaemonJson(path, exists=False)
    except OSError as exc:
        return DaemonJson(path, exists=True, error=t("cannot read: {reason}", reason=oserror(exc)))
    try:
        doc = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        error = t("not valid JSON: {error} at line {line}", error=exc.msg, line=exc.lineno)
        return DaemonJson(path, exists=True, error=error)
    if not isinstance(doc, dict):
        return DaemonJson(path, exists=True, error=t("not a JSON object"))
    opts = doc.get("log-opts") or {}
    driver = doc.get("log-driver")
    return DaemonJson(
        path,
        exists=True,
        log_driver=str(driver) if driver else None,
        log_opts={str(k): str(v) for k, v in opts.items()} if isinstance(opts, dict) else {},
    )
