"""One container's state through the Docker SDK (lazily imported), at the daemon
`probes.docker.find_endpoint` finds (DOCKER_HOST, the default socket, the rootless one)."""

from __future__ import annotations

from srvdoctor.record import dataclass


@dataclass(frozen=True)
class ContainerState:
    name: str
    id: str
    image: str
    status: str  # running | exited | paused | restarting | created | dead
    health: str | None  # healthy | unhealthy | starting; None without a healthcheck
    restart_count: int
    exit_code: int | None
    oom_killed: bool
    health_log: str | None = None  # the last healthcheck output


@dataclass(frozen=True)
class ContainerMissing:
    name: str


class DaemonUnavailable(Exception):
    """No Docker daemon answers (not installed, not running, no permission on the socket)."""


def container_state(name: str, timeout: float) -> ContainerState | ContainerMissing:
    """Inspect container `name` (name or id). Raises DaemonUnavailable when no daemon answers."""
    try:
        import docker
        import docker.errors
    except ImportError as exc:  # pragma: no cover - docker is a dependency
        from srvdoctor.messages import t

        raise DaemonUnavailable(t("the Docker SDK is not installed ({error})", error=str(exc))) from None
    from docker.utils import kwargs_from_env

    from srvdoctor.probes.docker import DockerUnavailable, find_endpoint

    try:
        # the daemon `srvdoctor docker` finds: DOCKER_HOST, the default socket, or the rootless one
        endpoint = find_endpoint()
    except DockerUnavailable as exc:  # no socket at all: the same skip as a daemon that does not answer
        raise DaemonUnavailable(exc.reason) from None
    try:
        kwargs = {**kwargs_from_env(), "base_url": endpoint.url}
        client = docker.DockerClient(timeout=max(1, round(timeout)), **kwargs)
    except docker.errors.DockerException as exc:
        raise DaemonUnavailable(_short(exc)) from None
    try:
        try:
            container = client.containers.get(name)
        except docker.errors.NotFound:
            return ContainerMissing(name)
        except docker.errors.DockerException as exc:
            raise DaemonUnavailable(_short(exc)) from None
        except OSError as exc:
            raise DaemonUnavailable(str(exc)) from None
        attrs = container.attrs
        state = attrs.get("State", {})
        health = state.get("Health") or None
        log = (health or {}).get("Log") or []
        return ContainerState(
            name=attrs.get("Name", name).lstrip("/"),
            id=attrs.get("Id", "")[:12],
            image=attrs.get("Config", {}).get("Image", ""),
            status=state.get("Status", "unknown"),
            health=health.get("Status") if health else None,
            restart_count=int(attrs.get("RestartCount", 0)),
            exit_code=state.get("ExitCode"),
            oom_killed=bool(state.get("OOMKilled")),
            health_log=(log[-1].get("Output") or "").strip() or None if log else None,
        )
    finally:
        client.close()


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]
