"""The few Docker Engine API calls srvdoctor makes, over the engine's unix socket, without the SDK.

Importing the Docker SDK (`docker`, with requests, urllib3, charset_normalizer, http.client
and ssl) costs more CPU than everything else `srvdoctor check` does. For the usual endpoint,
a unix socket (`/var/run/docker.sock`, the rootless one, or `DOCKER_HOST=unix://...`), the calls
srvdoctor needs are a handful of GETs that answer JSON: `UnixApiClient` sends them as HTTP/1.1
with `Connection: close` and reads the answer to its end. It has the methods and the errors of
`docker.APIClient` that srvdoctor uses (`version`, `info`, `containers`, `inspect_container`,
`df`, `logs`; `ApiError.status_code`, and the SDK's wording of an HTTP error). Any other
endpoint (tcp://, ssh://, TLS settings in the environment) goes through the SDK: `api_client`.

Shell equivalent: `curl --unix-socket /var/run/docker.sock http://localhost/v1.41/info`.
"""

from __future__ import annotations

import json
import os
import socket
import struct
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

#: The most of one answer read (a `system df` of thousands of images is a few MB).
MAX_RESPONSE = 64 * 2**20


class ApiError(Exception):
    """An HTTP error answer, worded as docker.errors.APIError words it."""

    def __init__(self, status_code: int, reason: str, url: str, explanation: str) -> None:
        self.status_code = status_code
        self.explanation = explanation
        kind = "Client" if 400 <= status_code < 500 else "Server" if 500 <= status_code < 600 else ""
        message = f"{status_code} {kind} Error for {url}: {reason}" if kind else f"{status_code} {reason}"
        super().__init__(f'{message} ("{explanation}")' if explanation else message)


def _dechunk(body: bytes) -> bytes:
    """The payload of a `Transfer-Encoding: chunked` body."""
    out = bytearray()
    pos = 0
    while True:
        end = body.find(b"\r\n", pos)
        if end == -1:
            raise ConnectionError("the Docker engine's answer ended inside a chunk")
        size = int(body[pos:end].split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            return bytes(out)
        out += body[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2


class UnixApiClient:
    """docker.APIClient's read calls, over a unix socket (version negotiated on first use)."""

    base_url = "http+docker://localhost"

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._version_info: dict[str, Any] | None = None

    # ------------------------------------------------------------------ transport

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> tuple[int, bytes]:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        target = f"{path}?{urlencode(query)}" if query else path
        request = f"GET {target} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: srvdoctor\r\nAccept: */*\r\n"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
            sock.sendall((request + "Connection: close\r\n\r\n").encode("latin-1"))
            chunks: list[bytes] = []
            size = 0
            while size <= MAX_RESPONSE:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
                size += len(data)
        finally:
            sock.close()
        raw = b"".join(chunks)
        head, sep, body = raw.partition(b"\r\n\r\n")
        if not sep:
            raise ConnectionError("the Docker engine closed the connection without a full answer")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise ConnectionError(f"not an HTTP answer from the Docker engine: {lines[0][:80]!r}")
        status, reason = int(parts[1]), parts[2] if len(parts) > 2 else ""
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = _dechunk(body)
        elif headers.get("content-length", "").isdigit():
            body = body[: int(headers["content-length"])]
        if status >= 400:
            try:
                explanation = str(json.loads(body)["message"])
            except (ValueError, KeyError, TypeError):
                explanation = body.decode("utf-8", "replace").strip()
            raise ApiError(status, reason, self.base_url + target, explanation)
        return status, body

    def _json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return json.loads(self._get(path, params)[1])

    def _url(self, path: str, *args: str) -> str:
        return f"/v{self.api_version}" + path.format(*(quote(a, safe="/:") for a in args))

    @property
    def api_version(self) -> str:
        return str(self.version(api_version=False)["ApiVersion"])

    # ------------------------------------------------------------------ the calls

    def version(self, api_version: bool = True) -> dict[str, Any]:
        """GET /version (the SDK's `version="auto"` asks it first, unversioned)."""
        if self._version_info is None:
            answer: dict[str, Any] = self._json("/version")
            self._version_info = answer
        return dict(self._version_info)

    def info(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._json(self._url("/info"))
        return answer

    def containers(
        self, all: bool = False, limit: int = -1, filters: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """GET /containers/json with the parameters docker.APIClient.containers sends."""
        params: dict[str, Any] = {"limit": limit, "all": 1 if all else 0, "size": 0, "trunc_cmd": 0}
        if filters:  # docker.utils.convert_filters
            converted: dict[str, list[str]] = {}
            for key, raw in filters.items():
                value = ("true" if raw else "false") if isinstance(raw, bool) else raw
                items = value if isinstance(value, list) else [value]
                converted[key] = [item if isinstance(item, str) else str(item) for item in items]
            params["filters"] = json.dumps(converted)
        answer: list[dict[str, Any]] = self._json(self._url("/containers/json"), params)
        return answer

    def inspect_container(self, container: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._json(self._url("/containers/{0}/json", container))
        return answer

    def df(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._json(self._url("/system/df"))
        return answer

    def logs(
        self, container: str, stdout: bool = True, stderr: bool = True, tail: int | str = "all",
        timestamps: bool = False,
    ) -> bytes:  # fmt: skip
        """The log as docker.APIClient.logs returns it (stream=False): the frames of a container
        without a TTY joined, a TTY container's bytes as they are."""
        params = {"stderr": 1 if stderr else 0, "stdout": 1 if stdout else 0,
                  "timestamps": 1 if timestamps else 0, "follow": 0, "tail": tail}  # fmt: skip
        body = self._get(self._url("/containers/{0}/logs", container), params)[1]
        if self.inspect_container(container).get("Config", {}).get("Tty"):
            return body
        out, pos = [], 0
        while len(body) - pos >= 8:
            (length,) = struct.unpack_from(">L", body, pos + 4)
            out.append(body[pos + 8 : pos + 8 + length])
            pos += 8 + length
        return b"".join(out)

    def close(self) -> None:
        """Nothing to close: every call has its own connection."""


def _unix_path(base_url: str) -> str | None:
    if base_url.startswith("unix://"):
        return base_url[len("unix://") :] or None
    return None


def api_client(base_url: str, timeout: float, env: Mapping[str, str] | None = None) -> Any:
    """A client with docker.APIClient's read calls for `base_url`: `UnixApiClient` for a unix
    socket without TLS settings, else the SDK's APIClient (version negotiated, as "auto")."""
    environ = os.environ if env is None else env
    path = _unix_path(base_url)
    if path is not None and not environ.get("DOCKER_TLS_VERIFY") and not environ.get("DOCKER_CERT_PATH"):
        return UnixApiClient(path, timeout)
    import docker
    from docker.utils import kwargs_from_env

    kwargs: dict[str, Any] = kwargs_from_env(environment=dict(environ))
    kwargs["base_url"] = base_url
    return docker.APIClient(version="auto", timeout=timeout, **kwargs)


def default_url(env: Mapping[str, str] | None = None) -> str:
    """The endpoint docker.from_env() uses: DOCKER_HOST, else the default socket."""
    environ = os.environ if env is None else env
    return environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


T = TypeVar("T")


def read_with(
    base_url: str, timeout: float, read: Callable[[Any], T], env: Mapping[str, str] | None = None
) -> T:
    """`read(client)` through `api_client`; where the socket cannot be reached (no daemon, no
    permission), once more through the SDK, so that the error raised is the SDK's, as before."""
    client = api_client(base_url, timeout, env)
    try:
        return read(client)
    except (TimeoutError, ApiError):
        raise
    except OSError:
        if not isinstance(client, UnixApiClient):
            raise
    import docker
    from docker.utils import kwargs_from_env

    kwargs: dict[str, Any] = kwargs_from_env(environment=dict(os.environ if env is None else env))
    kwargs["base_url"] = base_url
    sdk = docker.APIClient(version="auto", timeout=timeout, **kwargs)
    try:
        return read(sdk)
    finally:
        sdk.close()
