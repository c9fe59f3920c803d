"""Real things for the expectation tests: an HTTP server that becomes healthy after a delay,
and the busybox test image for containers. Loopback only; ports are ephemeral."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.dockerutil import IMAGE, build_image


@dataclass
class Server:
    port: int
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str = "/health") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def health_server(ready_after: float = 0.0, *, never: bool = False) -> Iterator[Server]:
    """`GET /health` answers 503 {"status": "loading"} until `ready_after` seconds after start,
    then 200 {"status": "ok", "model": {"name": "tiny", "replicas": [1, 2]}}; `never` keeps 503.
    `/echo` returns the request headers as JSON; `/slow` answers after 1.5 s.
    """
    started = time.monotonic()
    server_box: list[Server] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _send(self, code: int, doc: object) -> None:
            body = json.dumps(doc).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _handle(self) -> None:
            server_box[0].requests.append((self.command, self.path, dict(self.headers.items())))
            if self.path == "/echo":
                self._send(200, {"method": self.command, "headers": dict(self.headers.items())})
            elif self.path == "/slow":
                time.sleep(1.5)
                self._send(200, {"status": "ok"})
            elif never or time.monotonic() - started < ready_after:
                self._send(503, {"status": "loading"})
            else:
                self._send(200, {"status": "ok", "model": {"name": "tiny", "replicas": [1, 2]}})

        do_GET = do_HEAD = do_POST = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_box.append(Server(httpd.server_address[1]))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_box[0]
    finally:
        httpd.shutdown()
        httpd.server_close()


def ensure_busybox_image() -> str:
    """The shared busybox test image (tests/dockerutil.py), built by `docker import` if missing."""
    build_image()
    return IMAGE
