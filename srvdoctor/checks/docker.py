"""Docker area: the daemon, container log bloat, and reclaimable Docker disk usage."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.messages import _, join, t
from srvdoctor.model import Result, Status
from srvdoctor.probes.docker import (
    DEFAULT_DAEMON_JSON,
    DaemonInfo,
    DiskUsage,
    DockerSession,
    DockerUnavailable,
    connect,
    parse_system_df,
)
from srvdoctor.probes.docker_files import (
    ContainerLogs,
    DaemonJson,
    filesystem_size,
    read_daemon_json,
    rootless_daemon_json,
)
from srvdoctor.record import dataclass
from srvdoctor.shellcmd import cmd
from srvdoctor.units import naturalsize

GIB = 1024**3

#: What to print (never run) to bound a container's logs.
ROTATION_FIX = (
    t(
        "fix: bound logs for new containers in {path}: {local} or {json_file}, "
        "then restart dockerd ({command})",
        path="/etc/docker/daemon.json",
        local='{"log-driver": "local"}',
        json_file='{"log-driver": "json-file", "log-opts": {"max-size": "100m", "max-file": "3"}}',
        command="sudo systemctl restart docker",
    ),
    t(
        "per container: {run}; compose: {compose}",
        run="docker run --log-opt max-size=100m --log-opt max-file=3 ...",
        compose='logging: {driver: json-file, options: {max-size: "100m", max-file: "3"}}',
    ),
)


def _session(ctx: CheckContext) -> DockerSession | DockerUnavailable:
    """One connection per run, shared by the docker checks."""

    def factory() -> DockerSession | DockerUnavailable:
        try:
            return connect(ctx.timeout)
        except DockerUnavailable as exc:
            return exc

    return ctx.memo("docker.session", factory)


def _no_daemon(check_id: str, exc: DockerUnavailable) -> Result:
    """What docker.logs and docker.disk say when docker.daemon could not connect."""
    return Result(
        check_id,
        "-",
        Status.SKIP,
        t("no Docker daemon to ask: {reason}", reason=exc.reason),
        details=(t("{check} says why and how to fix it", check="docker.daemon"),),
    )


def is_unbounded(driver: str, opts: Mapping[str, str]) -> bool:
    """json-file without max-size (or max-size -1) keeps every line forever."""
    return driver == "json-file" and opts.get("max-size", "").strip() in ("", "-1")


def defaults_bounded(defaults: DaemonJson, daemon_driver: str) -> bool:
    """Do daemon.json's log defaults bound the logs of containers created from now on?"""
    if not defaults.exists or defaults.error:
        return False
    driver = defaults.log_driver or daemon_driver or "json-file"
    return not is_unbounded(driver, defaults.log_opts)


@dataclass(frozen=True)
class DockerDaemon:
    """Connects to the Docker daemon the way the docker CLI does: DOCKER_HOST, then
    /var/run/docker.sock, then the rootless $XDG_RUNTIME_DIR/docker.sock.

    No socket, or nothing listening on it: skip. A socket this user may not open, a daemon
    that does not answer within the timeout: warn (`docker-daemon-unreachable`). Shows
    the engine version, default logging driver and data root (`/info`). Shell equivalent:
    `docker info --format '{{.ServerVersion}} {{.LoggingDriver}} {{.DockerRootDir}}'`.
    """

    id: ClassVar[str] = "docker.daemon"
    area: ClassVar[str] = "docker"
    playbooks: ClassVar[tuple[str, ...]] = ("docker-daemon-unreachable",)
    timeout_factor: ClassVar[float] = 2.0

    def run(self, ctx: CheckContext) -> list[Result]:
        session = _session(ctx)
        if isinstance(session, DockerUnavailable):
            return [self.judge_unavailable(session)]
        return [self.judge(session.info)]

    def judge(self, info: DaemonInfo) -> Result:
        about = {
            "version": info.version,
            "api": info.api_version,
            "driver": info.logging_driver,
            "root": info.root_dir,
        }
        return Result(
            self.id,
            info.endpoint.url,
            Status.OK,
            t("Docker {version} (API {api}, rootless): logging driver {driver}, data root {root}", **about)
            if info.rootless
            else t("Docker {version} (API {api}): logging driver {driver}, data root {root}", **about),
            data={
                "url": info.endpoint.url,
                "source": info.endpoint.source,
                "version": info.version,
                "api_version": info.api_version,
                "logging_driver": info.logging_driver,
                "root_dir": info.root_dir,
                "rootless": info.rootless,
                "containers": info.containers,
            },
        )

    def judge_unavailable(self, exc: DockerUnavailable) -> Result:
        target = exc.endpoint.url if exc.endpoint else "-"
        data = {"kind": exc.kind, "url": exc.endpoint.url if exc.endpoint else None}
        if exc.kind in ("missing", "refused"):
            return Result(
                self.id,
                target,
                Status.SKIP,
                t("no Docker daemon here: {reason}", reason=exc.reason),
                details=(
                    t(
                        "to check Docker: start it ({command}), or point DOCKER_HOST "
                        "at its socket (e.g. {example} for rootless)",
                        command="sudo systemctl start docker",
                        example="DOCKER_HOST=unix:///run/user/1000/docker.sock",
                    ),
                ),
                data=data,
            )
        if exc.kind == "permission":
            path = exc.endpoint.socket_path if exc.endpoint else None
            sock = path or "/var/run/docker.sock"
            return Result(
                self.id,
                target,
                Status.WARN,
                t("cannot use the Docker daemon: {reason}", reason=exc.reason),
                details=(
                    t(
                        "{socket} is only for root and the docker group, and this user is in neither",
                        socket=sock,
                    ),
                    t(
                        "fix: {command}, then log out and back in (or: {alternative})",
                        command="sudo usermod -aG docker $USER",
                        alternative="newgrp docker",
                    ),
                    t("or run the command with sudo: {command}", command="sudo srvdoctor docker"),
                    t("note: the docker group can do anything root can: add only trusted users"),
                ),
                data=data,
                playbook="docker-daemon-unreachable",
                hints=(cmd("ls", "-l", str(sock)), "id -nG"),
            )
        return Result(
            self.id,
            target,
            Status.WARN,
            t("the Docker daemon does not answer: {reason}", reason=exc.reason),
            details=(
                t("fix: check and restart the daemon: {command}", command="sudo systemctl restart docker"),
            ),
            data=data,
            playbook="docker-daemon-unreachable",
            hints=("systemctl status docker", "journalctl -u docker --since '-1h' | tail -50"),
        )


@dataclass(frozen=True)
class DockerLogs:
    """Size on disk of every container's logs, running and stopped, and their rotation.

    Counts json-file's log with its rotated `.1…N`/`.gz` siblings, the `local` driver's
    `local-logs/`, and dual logging's `container-cached.log`, under
    DATA_ROOT/containers/ID (root only: without root the sizes are unknown and only the
    log options are judged). Warn when a container's logs exceed `warn_bytes` (1 GiB) or
    a json-file container has no max-size; fail over `fail_bytes` (10 GiB), or when all
    logs together take more than `fail_fs_percent` (20) % of the filesystem holding the
    data root. `daemon_json` (/etc/docker/daemon.json, or the rootless one) gives the
    daemon's defaults, which apply only to containers created after they were set.
    Shell equivalent: `sudo du -ch /var/lib/docker/containers/*/*-json.log*` and
    `docker inspect --format '{{.Name}} {{.HostConfig.LogConfig}}' $(docker ps -aq)`.
    """

    id: ClassVar[str] = "docker.logs"
    area: ClassVar[str] = "docker"
    playbooks: ClassVar[tuple[str, ...]] = ("docker-log-bloat",)
    timeout_factor: ClassVar[float] = 3.0
    warn_bytes: int = 1 * GIB
    fail_bytes: int = 10 * GIB
    fail_fs_percent: float = 20.0
    daemon_json: str = DEFAULT_DAEMON_JSON

    def __post_init__(self) -> None:
        if not 0 < self.warn_bytes <= self.fail_bytes:
            raise ValueError(
                _("need 0 < warn_bytes <= fail_bytes, got {warn} and {fail}").format(
                    warn=self.warn_bytes, fail=self.fail_bytes
                )
            )
        if not 0 < self.fail_fs_percent <= 100:
            raise ValueError(
                _("fail_fs_percent must be in (0, 100], got {value}").format(value=self.fail_fs_percent)
            )

    def run(self, ctx: CheckContext) -> list[Result]:
        session = _session(ctx)
        if isinstance(session, DockerUnavailable):
            return [_no_daemon(self.id, session)]
        info = session.info
        path = self.daemon_json
        if info.rootless and path == DEFAULT_DAEMON_JSON:
            path = rootless_daemon_json()
        defaults = read_daemon_json(path)
        containers = sorted(session.containers(), key=lambda c: (-(c.log_bytes or 0), c.name))
        results = [self.judge(c, defaults, info.logging_driver) for c in containers]
        results.append(self.judge_total(containers, info.root_dir, filesystem_size(info.root_dir)))
        return results

    def judge(self, c: ContainerLogs, defaults: DaemonJson, daemon_driver: str = "json-file") -> Result:
        size = c.log_bytes
        unbounded = is_unbounded(c.log_driver, c.log_opts)
        if size is not None and size >= self.fail_bytes:
            status = Status.FAIL
        elif (size is not None and size >= self.warn_bytes) or unbounded:
            status = Status.WARN
        else:
            status = Status.OK

        if unbounded:
            rotation = t("json-file with no max-size: grows without bound")
        elif c.log_driver == "json-file":
            files = c.log_opts.get("max-file", "1")
            rotation = t(
                "json-file, max-size {size} × {files} files", size=c.log_opts["max-size"], files=files
            )
        elif c.log_driver == "local":
            rotation = t("local driver (rotates by itself)")
        else:
            rotation = t("{driver} driver", driver=c.log_driver or "unknown")
        amount = (
            t("{size} of logs", size=naturalsize(size))
            if size is not None
            else t("logs of unknown size (needs root)")
        )
        about = {"name": c.name, "state": c.state, "amount": amount, "rotation": rotation}
        still = unbounded and defaults_bounded(defaults, daemon_driver)
        if still:
            summary = t(
                "{name} ({state}): {amount}, {rotation}; "
                "still unbounded: recreate it ({path}'s defaults apply only to new containers)",
                path=defaults.path,
                **about,
            )
        else:
            summary = t("{name} ({state}): {amount}, {rotation}", **about)

        details: list[str] = []
        hints: list[str] = []
        if status is not Status.OK:
            opts = ", ".join(f"{k}={v}" for k, v in sorted(c.log_opts.items())) or t("none")
            details.append(
                t(
                    "image {image}, log driver {driver}, log options: {opts}",
                    image=c.image,
                    driver=c.log_driver,
                    opts=opts,
                )
            )
            if c.files:
                biggest = max(c.files, key=lambda f: f.size_bytes)
                details.append(
                    t(
                        "{n} log file(s); largest {path} ({size})",
                        n=len(c.files),
                        path=biggest.path,
                        size=naturalsize(biggest.size_bytes),
                    )
                )
            elif not c.readable:
                details.append(t("log sizes unknown: {reason}", reason=c.unreadable_reason))
            if unbounded:
                if still:
                    details.append(
                        t(
                            "recreate {name} to pick up the defaults: {compose}, "
                            "or {remove} and docker run it again",
                            name=c.name,
                            compose="docker compose up -d --force-recreate SERVICE",
                            remove=cmd("docker", "rm", "-f", c.name),
                        )
                    )
                else:
                    details.extend(ROTATION_FIX)
                    details.append(
                        t(
                            "then recreate {name}: the log options of a container are fixed at creation",
                            name=c.name,
                        )
                    )
            if c.state != "running":
                details.append(
                    t(
                        "{name} is {state}: {command} deletes it with its logs if unneeded",
                        name=c.name,
                        state=c.state,
                        command=cmd("docker", "rm", c.name),
                    )
                )
            if size is not None and size >= self.warn_bytes:
                target_log = c.log_path or f"{c.container_dir}/{c.id}-json.log"
                truncate = f"sudo truncate -s 0 {target_log}"
                details.append(
                    t(
                        "emergency only: {command} (breaks docker logs -f readers; "
                        "rm frees nothing while dockerd holds the file open)",
                        command=truncate,
                    )
                )
            hints.append(cmd("docker", "inspect", "--format", "{{json .HostConfig.LogConfig}}", c.name))
            if c.readable:
                hints.append(cmd("sudo", "du", "-ch", str(c.container_dir)))
        return Result(
            self.id,
            c.name,
            status,
            summary,
            details=tuple(details),
            data={
                "container_id": c.id,
                "name": c.name,
                "image": c.image,
                "state": c.state,
                "log_driver": c.log_driver,
                "log_opts": dict(c.log_opts),
                "log_bytes": size,
                "log_files": len(c.files),
                "unbounded": unbounded,
                "needs_recreate": still,
            },
            playbook="docker-log-bloat" if status is not Status.OK else None,
            hints=tuple(hints),
        )

    def judge_total(self, containers: Sequence[ContainerLogs], root_dir: str, fs_bytes: int | None) -> Result:
        known = [c for c in containers if c.log_bytes is not None]
        unknown = len(containers) - len(known)
        if containers and not known:
            return Result(
                self.id,
                root_dir,
                Status.SKIP,
                t(
                    "log sizes unknown: reading {path} needs root (log options were still checked)",
                    path=os.path.join(root_dir, "containers"),
                ),
                details=(t("to measure them: {command}", command="sudo srvdoctor docker"),),
                data={"containers": len(containers), "unknown": unknown},
            )
        total = sum(c.log_bytes or 0 for c in known)
        percent = 100.0 * total / fs_bytes if fs_bytes else 0.0
        status = Status.FAIL if fs_bytes and percent > self.fail_fs_percent else Status.OK
        summary = (
            t(
                "container logs take {size} in {n} container(s), {pct:.1f}% of the filesystem holding {root}",
                size=naturalsize(total),
                n=len(known),
                pct=percent,
                root=root_dir,
            )
            if fs_bytes
            else t("container logs take {size} in {n} container(s)", size=naturalsize(total), n=len(known))
        )
        details: list[str] = []
        if status is Status.FAIL:
            top = sorted(known, key=lambda c: c.log_bytes or 0, reverse=True)[:5]
            details.append(
                t(
                    "largest: {items}",
                    items=", ".join(f"{c.name} ({naturalsize(c.log_bytes or 0)})" for c in top),
                )
            )
            details.extend(ROTATION_FIX)
        if unknown:
            details.append(t("{n} container(s) could not be measured", n=unknown))
        return Result(
            self.id,
            root_dir,
            status,
            summary,
            details=tuple(details),
            data={
                "total_log_bytes": total,
                "filesystem_bytes": fs_bytes,
                "percent_of_filesystem": round(percent, 3),
                "containers": len(containers),
            },
            playbook="docker-log-bloat" if status is Status.FAIL else None,
            hints=(cmd("srvdoctor", "disk", str(root_dir), "--depth", "2"),) if status is Status.FAIL else (),
        )


_PRUNE = {
    "images": t("{command} (removes every image no container uses)", command="docker image prune -a"),
    "containers": t("{command} (removes every stopped container)", command="docker container prune"),
    "volumes": t(
        "{command} (DELETES the data of unused volumes: check them first)", command="docker volume prune"
    ),
    "build cache": "docker builder prune",
}

#: The categories of `docker system df`, in words (the names stay as they are in `data`).
_CATEGORY = {
    "images": t("images"),
    "containers": t("containers"),
    "volumes": t("volumes"),
    "build cache": t("build cache"),
}


@dataclass(frozen=True)
class DockerDisk:
    """Reclaimable Docker disk usage through `/system/df`: unused images, stopped
    containers, build cache and unused volumes (both response shapes: the lists of
    API < 1.52 and the summaries of newer engines). Warn when the reclaimable total is
    over `warn_reclaimable_bytes` (10 GiB). Container logs are not counted here (see
    docker.logs). Can be slow on big hosts: runs within the timeout, skipped by `--fast`.
    Shell equivalent: `docker system df`.
    """

    id: ClassVar[str] = "docker.disk"
    area: ClassVar[str] = "docker"
    playbooks: ClassVar[tuple[str, ...]] = ("docker-disk-usage",)
    timeout_factor: ClassVar[float] = 2.0
    warn_reclaimable_bytes: int = 10 * GIB

    def run(self, ctx: CheckContext) -> list[Result]:
        if ctx.fast:
            return [
                Result(
                    self.id,
                    "-",
                    Status.SKIP,
                    t("skipped by --fast (docker system df can take minutes on big hosts)"),
                )
            ]
        session = _session(ctx)
        if isinstance(session, DockerUnavailable):
            return [_no_daemon(self.id, session)]
        return [self.judge(parse_system_df(session.system_df()), session.info.root_dir)]

    def judge(self, usage: DiskUsage, root_dir: str = "/var/lib/docker") -> Result:
        reclaimable = usage.reclaimable_bytes
        status = Status.WARN if reclaimable >= self.warn_reclaimable_bytes else Status.OK
        parts = join(
            ", ",
            (
                t(
                    "{category} {size}",
                    category=_CATEGORY.get(c.name, c.name),
                    size=naturalsize(c.reclaimable_bytes),
                )
                for c in usage.categories
            ),
        )
        summary = t(
            "Docker uses {size} (not counting logs); {reclaimable} reclaimable: {parts}",
            size=naturalsize(usage.size_bytes),
            reclaimable=naturalsize(reclaimable),
            parts=parts,
        )
        details: list[str] = []
        if status is not Status.OK:
            for c in sorted(usage.categories, key=lambda c: c.reclaimable_bytes, reverse=True):
                if c.reclaimable_bytes:
                    details.append(
                        t(
                            "{category}: {total} ({active} in use), {size}, "
                            "{reclaimable} reclaimable → {prune}",
                            category=_CATEGORY.get(c.name, c.name),
                            total=c.total_count,
                            active=c.active_count,
                            size=naturalsize(c.size_bytes),
                            reclaimable=naturalsize(c.reclaimable_bytes),
                            prune=_PRUNE[c.name],
                        )
                    )
        return Result(
            self.id,
            root_dir,
            status,
            summary,
            details=tuple(details),
            data={
                "shape": usage.shape,
                "size_bytes": usage.size_bytes,
                "reclaimable_bytes": reclaimable,
                **{
                    c.name.replace(" ", "_"): {
                        "total": c.total_count,
                        "active": c.active_count,
                        "size_bytes": c.size_bytes,
                        "reclaimable_bytes": c.reclaimable_bytes,
                    }
                    for c in usage.categories
                },
            },
            playbook="docker-disk-usage" if status is not Status.OK else None,
            hints=("docker system df -v",) if status is not Status.OK else (),
        )


CHECKS = (DockerDaemon, DockerLogs, DockerDisk)
