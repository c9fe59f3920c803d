"""Servers the network tests start inside their namespaces; prints 'ready' once listening.

netlab_server.py http HOST PORT [PORT...]      HTTP; /status/NNN answers NNN, /to/H:P redirects
                                               to http://H:P/, else 200 (HOST may be ::1, ::)
netlab_server.py tls HOST PORT CERT KEY        the same over TLS
netlab_server.py dns HOST                      a DNS server that says NXDOMAIN to everything
"""

from __future__ import annotations

import http.server
import socket
import socketserver
import ssl
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/to/"):  # /to/HOST:PORT redirects to http://HOST:PORT/
            self.send_response(302)
            self.send_header("Location", f"http://{self.path[4:]}/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        code = int(self.path.rsplit("/", 1)[1]) if self.path.startswith("/status/") else 200
        body = f"status {code}\n".encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


class Server6(Server):
    """HTTP on an IPv6 address (`::1`, or `::` for every address of both families)."""

    address_family = socket.AF_INET6


def dns(host: str) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 53))
    print("ready", flush=True)
    while True:
        query, peer = sock.recvfrom(512)
        if len(query) < 12:
            continue
        end = 12
        while end < len(query) and query[end] != 0:
            end += query[end] + 1
        question = query[12 : end + 5]
        flags = 0x8000 | (query[2] & 0x01) << 8 | 0x0080 | 3  # QR, RD copied, RA, NXDOMAIN
        header = query[:2] + flags.to_bytes(2, "big") + b"\x00\x01" + b"\x00\x00" * 3
        sock.sendto(header + question, peer)


def main() -> None:
    mode, host = sys.argv[1], sys.argv[2]
    if mode == "dns":
        dns(host)
        return
    servers = []
    if mode == "tls":
        server = Server((host, int(sys.argv[3])), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        servers.append(server)
    else:
        kind = Server6 if ":" in host else Server
        servers = [kind((host, int(port)), Handler) for port in sys.argv[3:]]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
