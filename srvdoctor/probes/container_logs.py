"""Containers through the Docker API: a container's last log lines (bounded), and the
containers that exited non-zero, restart in a loop or were OOM-killed. The docker SDK
is imported lazily, through `probes.docker.connect`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from srvdoctor.probes.docker import DockerSession
from srvdoctor.probes.timeout import call_with_timeout
from srvdoctor.record import dataclass

#: Lines and bytes of a container's log read at most.
TAIL_LINES = 500
MAX_BYTES = 4 * 1024 * 1024


class ContainerNotFound(Exception):
    pass


@dataclass(frozen=True)
class ContainerRun:
    """One container's state as `docker inspect` tells it."""

    name: str
    id: str
    status: str  # running | exited | restarting | ...
    exit_code: int | None
    oom_killed: bool
    restart_count: int
    finished_at: float | None  # Unix time of the last exit
    started_at: float | None

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "id": self.id[:12], "status": self.status, "exit_code": self.exit_code,
                "oom_killed": self.oom_killed, "restart_count": self.restart_count,
                "finished_at": self.finished_at, "started_at": self.started_at}  # fmt: skip


def parse_docker_time(stamp: str) -> float | None:
    """'2026-11-26T11:40:51.123456789Z' -> Unix time; None for Docker's zero time."""
    if not stamp or stamp.startswith("0001-"):
        return None
    try:
        return dt.datetime.fromisoformat(
            re.sub(r"(\.\d{6})\d*", r"\1", stamp).replace("Z", "+00:00")
        ).timestamp()
    except ValueError:
        return None


def run_of(raw: dict[str, Any]) -> ContainerRun:
    state = raw.get("State") or {}
    code = state.get("ExitCode")
    return ContainerRun(
        name=str(raw.get("Name") or "?").lstrip("/"),
        id=str(raw.get("Id") or ""),
        status=str(state.get("Status") or "?"),
        exit_code=int(code) if isinstance(code, int) else None,
        oom_killed=bool(state.get("OOMKilled")),
        restart_count=int(raw.get("RestartCount") or 0),
        finished_at=parse_docker_time(str(state.get("FinishedAt") or "")),
        started_at=parse_docker_time(str(state.get("StartedAt") or "")),
    )


def inspect(session: DockerSession, name: str) -> ContainerRun:
    def fetch() -> dict[str, Any]:
        try:
            raw: dict[str, Any] = session.client.inspect_container(name)
        except Exception as exc:
            if getattr(exc, "status_code", None) == 404:
                raise ContainerNotFound(name) from None
            raise
        return raw

    return run_of(call_with_timeout(fetch, session.timeout, f"docker inspect {name}"))


def tail(
    session: DockerSession, name: str, lines: int = TAIL_LINES, max_bytes: int = MAX_BYTES
) -> tuple[str, bool]:
    """The last `lines` lines of stdout+stderr (at most `max_bytes`), and whether that cut anything."""

    def fetch() -> bytes:
        data: bytes = session.client.logs(name, stdout=True, stderr=True, tail=lines, timestamps=False)
        return data

    data = call_with_timeout(fetch, session.timeout, f"docker logs {name}")
    cut = data.count(b"\n") >= lines
    if len(data) > max_bytes:
        data = data[-max_bytes:]
        cut = True
    return data.decode("utf-8", "replace"), cut


def troubled(session: DockerSession, since: float, limit: int = 200) -> tuple[list[ContainerRun], int]:
    """Containers that exited non-zero or were OOM-killed after `since`, or restart in a loop;
    and how many containers were looked at."""

    def fetch() -> list[dict[str, Any]]:
        out = []
        for c in session.client.containers(all=True, limit=limit):
            try:
                out.append(session.client.inspect_container(c["Id"]))
            except Exception as exc:  # removed between list and inspect
                if getattr(exc, "status_code", None) == 404:
                    continue
                raise
        return out

    runs = [run_of(raw) for raw in call_with_timeout(fetch, session.timeout, "docker container inspect")]
    picked = []
    for run in runs:
        recent = run.finished_at is not None and run.finished_at >= since
        crashed = run.status == "exited" and ((run.exit_code or 0) != 0 or run.oom_killed) and recent
        looping = run.status == "restarting" or (run.restart_count > 0 and recent)
        if crashed or looping or (run.oom_killed and recent):
            picked.append(run)
    return picked, len(runs)
