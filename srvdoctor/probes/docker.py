"""The Docker engine's API: where its socket is, what it says about itself, its containers
(`docker inspect`, with their log files from probes/docker_files.py) and `/system/df`.

The Docker SDK (`docker` on PyPI) is imported lazily, inside `connect`, and every API
call is bounded by the check timeout (the SDK's socket timeout, and `call_with_timeout`
around it). Reading log files under the data root needs root; without it the sizes are
reported as unknown and the log options the API gives are still judged.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from srvdoctor.messages import join, oserror, t
from srvdoctor.probes.docker_files import ContainerLogs, container_logs
from srvdoctor.probes.timeout import ProbeTimeout, call_with_timeout
from srvdoctor.record import dataclass

DEFAULT_SOCKET = "/var/run/docker.sock"
DEFAULT_DAEMON_JSON = "/etc/docker/daemon.json"

#: Why no answer came: `missing` and `refused` mean there is no daemon here (a skip);
#: `permission`, `timeout` and `error` mean there is one that this user cannot use.
UnavailableKind = Literal["missing", "refused", "permission", "timeout", "error"]


@dataclass(frozen=True)
class Endpoint:
    """Where the Docker API is: `url` as the SDK takes it, and how it was chosen."""

    url: str
    source: str  # "DOCKER_HOST", "default socket" or "rootless socket"

    @property
    def socket_path(self) -> str | None:
        return self.url[len("unix://") :] if self.url.startswith("unix://") else None


class DockerUnavailable(Exception):
    """The daemon could not be used; `kind` says whether that is "not here" or "not allowed"."""

    def __init__(self, kind: UnavailableKind, reason: str, endpoint: Endpoint | None) -> None:
        super().__init__(reason)
        self.kind: UnavailableKind = kind
        self.reason = reason
        self.endpoint = endpoint


@dataclass(frozen=True)
class DaemonInfo:
    """What `/version` and `/info` say (`docker info`)."""

    endpoint: Endpoint
    version: str
    api_version: str
    logging_driver: str
    root_dir: str
    rootless: bool
    containers: int


@dataclass(frozen=True)
class ContainerState:
    """One container as `docker inspect` describes it ([[expect.container]] judges it)."""

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


@dataclass(frozen=True)
class UsageCategory:
    """One line of `docker system df`."""

    name: str  # "images", "containers", "volumes", "build cache"
    total_count: int
    active_count: int
    size_bytes: int
    reclaimable_bytes: int


@dataclass(frozen=True)
class DiskUsage:
    """`/system/df`, whichever shape the engine answered in."""

    shape: Literal["legacy", "summary"]
    categories: tuple[UsageCategory, ...]

    @property
    def size_bytes(self) -> int:
        return sum(c.size_bytes for c in self.categories)

    @property
    def reclaimable_bytes(self) -> int:
        return sum(c.reclaimable_bytes for c in self.categories)

    def get(self, name: str) -> UsageCategory | None:
        return next((c for c in self.categories if c.name == name), None)


# --------------------------------------------------------------------------- finding the daemon


def find_endpoint(env: Mapping[str, str] | None = None) -> Endpoint:
    """The endpoint the docker CLI would use: DOCKER_HOST, the default socket, the rootless one.

    Raises DockerUnavailable("missing") when DOCKER_HOST is unset and no socket exists.
    """
    env = os.environ if env is None else env
    host = env.get("DOCKER_HOST", "").strip()
    if host:
        return Endpoint(host, "DOCKER_HOST")
    if os.path.exists(DEFAULT_SOCKET):
        return Endpoint(f"unix://{DEFAULT_SOCKET}", "default socket")
    runtime = env.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    rootless = os.path.join(runtime, "docker.sock")
    if os.path.exists(rootless):
        return Endpoint(f"unix://{rootless}", "rootless socket")
    raise DockerUnavailable(
        "missing",
        t(
            "no Docker socket: DOCKER_HOST is unset, {default} and {rootless} do not exist",
            default=DEFAULT_SOCKET,
            rootless=rootless,
        ),
        None,
    )


def _preflight_unix(endpoint: Endpoint, path: str, timeout: float) -> None:
    """Open the socket ourselves first: the SDK would bury EACCES/ENOENT in wrapped errors."""
    if not os.path.exists(path):
        raise DockerUnavailable("missing", t("socket {path} does not exist", path=path), endpoint)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except PermissionError:
        raise DockerUnavailable(
            "permission", t("permission denied while connecting to {path}", path=path), endpoint
        ) from None
    except ConnectionRefusedError:
        raise DockerUnavailable(
            "refused",
            t("{path} exists but no daemon listens on it (connection refused)", path=path),
            endpoint,
        ) from None
    except FileNotFoundError:
        raise DockerUnavailable("missing", t("socket {path} does not exist", path=path), endpoint) from None
    except TimeoutError:
        raise DockerUnavailable(
            "timeout",
            t("{path} did not accept a connection within {timeout:g} s", path=path, timeout=timeout),
            endpoint,
        ) from None
    except OSError as exc:
        reason = t("cannot connect to {path}: {reason}", path=path, reason=oserror(exc))
        raise DockerUnavailable("error", reason, endpoint) from None
    finally:
        sock.close()


def _walk_causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        cur = stack.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        stack.extend(e for e in (cur.__cause__, cur.__context__) if e is not None)
        stack.extend(a for a in cur.args if isinstance(a, BaseException))


def classify(exc: BaseException, endpoint: Endpoint, timeout: float) -> DockerUnavailable:
    """Turn whatever the SDK raised into a DockerUnavailable with a plain reason."""
    for cause in _walk_causes(exc):
        if isinstance(cause, DockerUnavailable):
            return cause
        if isinstance(cause, PermissionError):
            reason = t("permission denied connecting to {url}", url=endpoint.url)
            return DockerUnavailable("permission", reason, endpoint)
        if isinstance(cause, ConnectionRefusedError):
            return DockerUnavailable("refused", t("connection refused at {url}", url=endpoint.url), endpoint)
        if isinstance(cause, FileNotFoundError):
            return DockerUnavailable("missing", t("{url} does not exist", url=endpoint.url), endpoint)
        if isinstance(cause, (TimeoutError, ProbeTimeout)) or "timed out" in str(cause).lower():
            return DockerUnavailable(
                "timeout",
                t("{url} did not answer within {timeout:g} s", url=endpoint.url, timeout=timeout),
                endpoint,
            )
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return DockerUnavailable("error", join(": ", (endpoint.url, first)), endpoint)


class DockerSession:
    """A connected Docker API client plus what the daemon said about itself."""

    def __init__(self, client: Any, info: DaemonInfo, timeout: float) -> None:
        self.client = client
        self.info = info
        self.timeout = timeout

    def containers(self) -> list[ContainerLogs]:
        """Every container, running or stopped, with its log config and its log files."""

        def fetch() -> list[dict[str, Any]]:
            listed = self.client.containers(all=True)
            out = []
            for c in listed:
                try:
                    out.append(self.client.inspect_container(c["Id"]))
                except Exception as exc:  # removed between list and inspect
                    if getattr(exc, "status_code", None) == 404:
                        continue
                    raise
            return out

        inspected = call_with_timeout(fetch, self.timeout, "docker container inspect")
        root = self.info.root_dir
        return call_with_timeout(
            lambda: [container_logs(raw, root) for raw in inspected],
            self.timeout,
            "docker log files",
        )

    def system_df(self) -> dict[str, Any]:
        """The raw `/system/df` answer (the shape depends on the engine's API version)."""
        raw: dict[str, Any] = call_with_timeout(self.client.df, self.timeout, "docker system df")
        return raw


def connect(timeout: float, env: Mapping[str, str] | None = None) -> DockerSession:
    """Find the daemon, connect, read `/version` and `/info`. Raises DockerUnavailable."""
    endpoint = find_endpoint(env)
    path = endpoint.socket_path
    if path is not None:
        _preflight_unix(endpoint, path, timeout)
    try:
        return call_with_timeout(lambda: _open(endpoint, timeout, env), timeout, f"docker at {endpoint.url}")
    except DockerUnavailable:
        raise
    except Exception as exc:
        raise classify(exc, endpoint, timeout) from None


def _open(endpoint: Endpoint, timeout: float, env: Mapping[str, str] | None) -> DockerSession:
    from srvdoctor.probes.docker_api import api_client

    client = api_client(endpoint.url, timeout, env)  # a unix socket: no Docker SDK to load
    version = client.version(api_version=False)
    info = client.info()
    security = " ".join(info.get("SecurityOptions") or [])
    return DockerSession(
        client,
        DaemonInfo(
            endpoint=endpoint,
            version=str(version.get("Version", info.get("ServerVersion", "?"))),
            api_version=str(version.get("ApiVersion", "?")),
            logging_driver=str(info.get("LoggingDriver") or "json-file"),
            root_dir=str(info.get("DockerRootDir") or "/var/lib/docker"),
            rootless="name=rootless" in security,
            containers=int(info.get("Containers") or 0),
        ),
        timeout,
    )


def container_state(name: str, timeout: float) -> ContainerState | ContainerMissing:
    """`docker inspect NAME` (a name or an id): its state, or ContainerMissing. Raises
    DockerUnavailable, as `connect` does, when no daemon answers or this user cannot use it."""
    session = connect(timeout)
    try:
        attrs = call_with_timeout(lambda: session.client.inspect_container(name), timeout, "docker inspect")
    except Exception as exc:
        if getattr(exc, "status_code", None) == 404:
            return ContainerMissing(name)
        raise classify(exc, session.info.endpoint, timeout) from None
    return parse_container_state(attrs, name)


def parse_container_state(attrs: Mapping[str, Any], name: str) -> ContainerState:
    """A ContainerState from one `docker inspect` document."""
    state = attrs.get("State") or {}
    health = state.get("Health") or None
    log = (health or {}).get("Log") or []
    return ContainerState(
        name=str(attrs.get("Name") or name).lstrip("/"),
        id=str(attrs.get("Id") or "")[:12],
        image=str((attrs.get("Config") or {}).get("Image") or ""),
        status=str(state.get("Status") or "unknown"),
        health=health.get("Status") if health else None,
        restart_count=int(attrs.get("RestartCount") or 0),
        exit_code=state.get("ExitCode"),
        oom_killed=bool(state.get("OOMKilled")),
        health_log=(log[-1].get("Output") or "").strip() or None if log else None,
    )


# --------------------------------------------------------------------------- /system/df


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _count(summary: Mapping[str, Any], *keys: str) -> int:
    return next((_int(summary[k]) for k in keys if k in summary), 0)


def parse_system_df(raw: Mapping[str, Any]) -> DiskUsage:
    """Both shapes of `/system/df`.

    API >= 1.52 answers with summaries: `ImageUsage`, `ContainerUsage`, `VolumeUsage`,
    `BuildCacheUsage`, each with `TotalSize`, `Reclaimable` and counts. Older engines
    answer with lists (`LayersSize`, `Images`, `Containers`, `Volumes`, `BuildCache`),
    from which reclaimable space is computed the way `docker system df` does.
    """
    summaries = ("ImageUsage", "ContainerUsage", "VolumeUsage", "BuildCacheUsage")
    if any(isinstance(raw.get(k), dict) for k in summaries):
        cats = []
        for key, name, total_keys, active_keys in (
            ("ImageUsage", "images", ("TotalImages", "TotalCount"), ("ActiveImages", "ActiveCount")),
            ("ContainerUsage", "containers", ("TotalContainers", "TotalCount"),
             ("ActiveContainers", "ActiveCount")),
            ("VolumeUsage", "volumes", ("TotalVolumes", "TotalCount"), ("ActiveVolumes", "ActiveCount")),
            ("BuildCacheUsage", "build cache", ("TotalBuildCacheRecords", "TotalCount"),
             ("ActiveBuildCacheRecords", "ActiveCount")),
        ):  # fmt: skip
            s = raw.get(key) or {}
            cats.append(
                UsageCategory(
                    name,
                    total_count=_count(s, *total_keys),
                    active_count=_count(s, *active_keys),
                    size_bytes=_int(s.get("TotalSize")),
                    reclaimable_bytes=_int(s.get("Reclaimable")),
                )
            )
        return DiskUsage("summary", tuple(cats))

    images = raw.get("Images") or []
    layers = _int(raw.get("LayersSize"))
    used = sum(
        _int(i.get("Size")) - _int(i.get("SharedSize"))
        for i in images
        if _int(i.get("Containers")) > 0 and i.get("Size", -1) != -1 and i.get("SharedSize", -1) != -1
    )
    image_cat = UsageCategory(
        "images",
        total_count=len(images),
        active_count=sum(1 for i in images if _int(i.get("Containers")) > 0),
        size_bytes=layers,
        reclaimable_bytes=max(0, layers - used),
    )
    containers = raw.get("Containers") or []
    container_cat = UsageCategory(
        "containers",
        total_count=len(containers),
        active_count=sum(1 for c in containers if c.get("State") == "running"),
        size_bytes=sum(_int(c.get("SizeRw")) for c in containers),
        reclaimable_bytes=sum(_int(c.get("SizeRw")) for c in containers if c.get("State") != "running"),
    )
    volumes = raw.get("Volumes") or []

    def usage(v: Mapping[str, Any]) -> tuple[int, int]:
        data = v.get("UsageData") or {}
        return _int(data.get("Size")), data.get("RefCount", 0)

    volume_cat = UsageCategory(
        "volumes",
        total_count=len(volumes),
        active_count=sum(1 for v in volumes if usage(v)[1] not in (0, -1)),
        size_bytes=sum(usage(v)[0] for v in volumes),
        reclaimable_bytes=sum(usage(v)[0] for v in volumes if usage(v)[1] == 0),
    )
    cache = [b for b in raw.get("BuildCache") or [] if not b.get("Shared")]
    cache_cat = UsageCategory(
        "build cache",
        total_count=len(raw.get("BuildCache") or []),
        active_count=sum(1 for b in cache if b.get("InUse")),
        size_bytes=sum(_int(b.get("Size")) for b in cache),
        reclaimable_bytes=sum(_int(b.get("Size")) for b in cache if not b.get("InUse")),
    )
    return DiskUsage("legacy", (image_cat, container_cat, volume_cat, cache_cat))
