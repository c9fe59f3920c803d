"""The network checks in Korean: real runs of `srvdoctor --lang ko` against sockets on 127.0.0.0/8.

A closed port, a loopback-only listener, a listener on another loopback address, an IP
literal for DNS and bad targets on the command line. Every run is a real process; every
address is on this machine's loopback.
"""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator

import psutil
import pytest

from tests.conftest import CliResult

C = {"LANG": "C", "LC_ALL": "", "LANGUAGE": ""}  # the locale must not choose the language


def ko(cli: Callable[..., CliResult], *args: str) -> CliResult:
    return cli("--lang", "ko", *args, env=C)


def free_port() -> int:
    """A port nothing listens on (bound, then closed: the kernel will not hand it out again at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def listener() -> Iterator[Callable[[str], int]]:
    """Listening sockets of this test process on loopback addresses; returns the port."""
    opened: list[socket.socket] = []

    def listen(address: str) -> int:
        s = socket.socket()
        opened.append(s)
        s.bind((address, 0))
        s.listen()
        return int(s.getsockname()[1])

    yield listen
    for s in opened:
        s.close()


def me() -> str:
    """How srvdoctor names this process in Korean: `python3 (pid 12, 사용자 root)`."""
    proc = psutil.Process()
    return f"{proc.name()} (pid {proc.pid}, 사용자 {proc.username()})"


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def test_closed_port_in_korean(cli: Callable[..., CliResult]) -> None:
    port = free_port()
    result = ko(cli, "port", f"127.0.0.1:{port}")
    assert result.rc == 1, result.stderr
    out = lines(result.stdout)
    assert (
        f"[✗] port.tcp: 127.0.0.1:{port} 연결 거부됨: 이 머신의 포트 {port}에서 수신 대기하는 것 없음 "
        "(수신 대기 소켓을 읽음)"
    ) in out
    assert "[Errno 111] 연결이 거부됨" in out  # glibc's Korean strerror, after srvdoctor's own words
    assert (
        f"[✗] port.listen 127.0.0.1:{port}: 이 머신의 포트 {port}에서 수신 대기하는 것 없음 (수신 대기 소켓을 읽음)"
    ) in out
    assert "→ 해 보기: 서버 로그에서 서버가 고른 포트를 확인하십시오" in out
    assert f"→ 해 보기: ss -ltnp 'sport = :{port}'" in out  # a command stays a command


def test_closed_port_in_english_is_unchanged(cli: Callable[..., CliResult]) -> None:
    port = free_port()
    result = cli("port", f"127.0.0.1:{port}", env=C)
    out = lines(result.stdout)
    assert (
        f"[✗] port.tcp: 127.0.0.1:{port} refused the connection: nothing listens on port {port} on this "
        "machine (listening sockets read)"
    ) in out
    assert "[Errno 111] Connection refused" in out
    assert "→ try: check the server's log for the port it chose" in out
    assert not re.search("[가-힣]", result.stdout + result.stderr)


def test_json_keeps_english_and_adds_korean(cli: Callable[..., CliResult]) -> None:
    port = free_port()
    result = ko(cli, "port", f"127.0.0.1:{port}", "--format", "json")
    report = json.loads(result.stdout)
    [tcp] = [r for r in report["results"] if r["check"] == "port.tcp"]
    assert tcp["summary"] == (
        f"127.0.0.1:{port} refused the connection: nothing listens on port {port} on this machine "
        "(listening sockets read)"
    )
    assert tcp["details"] == ["[Errno 111] Connection refused"]
    assert tcp["localized"] == {
        "lang": "ko",
        "summary": f"127.0.0.1:{port} 연결 거부됨: 이 머신의 포트 {port}에서 수신 대기하는 것 없음 "
        "(수신 대기 소켓을 읽음)",
        "details": ["[Errno 111] 연결이 거부됨"],
        "hints": [f"ss -ltnp 'sport = :{port}'"],
    }
    assert (tcp["check"], tcp["status"], tcp["playbook"], tcp["data"]["state"]) == (
        "port.tcp",
        "fail",
        "port-closed",
        "refused",
    )


def test_loopback_only_listener_in_korean(
    cli: Callable[..., CliResult], listener: Callable[[str], int]
) -> None:
    port = listener("127.0.0.1")
    result = ko(cli, "port", str(port))
    assert result.rc == 0, result.stdout + result.stderr  # a warning passes
    out = lines(result.stdout)
    assert (
        f"[!] port.listen: {port}번 포트가 루프백에서만 수신 대기 (127.0.0.1의 {me()}): "
        "다른 머신은 연결할 수 없음"
    ) in out
    assert "이 머신에서만 쓰거나 SSH 터널로 접속한다면 괜찮습니다" in out
    assert f"또는 127.0.0.1에 둔 채 터널로 접속: ssh -L {port}:localhost:{port} user@server" in out
    # a hint keeps its command and translates its remark (a pasteable comment)
    assert (
        "→ 해 보기: jupyter lab --ip 0.0.0.0   # 또는 jupyter_server_config.py에 c.ServerApp.ip = '0.0.0.0'"
    ) in out
    assert "→ 해 보기: uvicorn app:app --host 0.0.0.0" in out
    opened = [x for x in out if x.startswith("[✓] port.tcp")]
    assert len(opened) == 1, out
    assert re.fullmatch(
        rf"\[✓\] port\.tcp {port}: localhost:{port} TCP 연결 받음 \(127\.0\.0\.1:{port}, [\d.]+ ms\)",
        opened[0],
    )


def test_listener_on_another_loopback_address(
    cli: Callable[..., CliResult], listener: Callable[[str], int]
) -> None:
    port = listener("127.0.0.2")
    result = ko(cli, "port", f"127.0.0.1:{port}", "--format", "json")
    [tcp] = [r for r in json.loads(result.stdout)["results"] if r["check"] == "port.tcp"]
    proc = psutil.Process()
    who = f"{proc.name()} (pid {proc.pid}, user {proc.username()})"
    assert tcp["summary"] == (
        f"127.0.0.1:{port} refused the connection: the server listens only on {who} on 127.0.0.2:{port}, "
        "not on 127.0.0.1"
    )
    assert tcp["localized"]["summary"] == (
        f"127.0.0.1:{port} 연결 거부됨: 서버는 127.0.0.2:{port}의 {me()}에서만 수신 대기하고 127.0.0.1에서는 받지 않음"
    )
    assert tcp["playbook"] == "bound-to-loopback"


def test_dns_of_an_ip_literal_and_ping_of_loopback(cli: Callable[..., CliResult], tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "srvdoctor.toml"
    config.write_text('timeout = 2\n[targets]\nhosts = ["127.0.0.1"]\n')
    result = ko(cli, "check", "--only", "network", "--config", str(config))
    out = lines(result.stdout)
    assert "[✓] net.dns: 127.0.0.1은(는) IP 주소 그 자체: 조회할 것 없음 (DNS 질의 안 함)" in out
    ping = [x for x in out if x.startswith("[✓] net.ping")]
    assert len(ping) == 1, out
    echo = r": 응답 4/4, rtt min/avg/max [\d.]+/[\d.]+/[\d.]+ ms \((icmp-dgram|icmp-raw|ping-command)\)"
    tcp = r" TCP 응답 \(포트 22 \w+, 포트 80 \w+, 포트 443 \w+\); 여기서는 ICMP를 쓸 수 없음"  # no ICMP at all here
    assert re.fullmatch(rf"\[✓\] net\.ping: 127\.0\.0\.1({echo}|{tcp})", ping[0]), ping[0]


@pytest.mark.parametrize(
    ("args", "korean", "english"),
    ids=["space-in-host", "port-out-of-range", "ftp-url", "ipv6-without-brackets"],
    argvalues=[
        (
            ("ping", "a b"),
            "'a b': 호스트 이름에는 공백이 들어갈 수 없음",
            "'a b': a host name cannot contain spaces",
        ),
        (
            ("port", "host:99999"),
            "'host:99999': 포트 99999은(는) 범위를 벗어남 (1-65535)",
            "'host:99999': port 99999 is out of range (1-65535)",
        ),
        (
            ("port", "ftp://host/"),
            "'ftp://host/': http://와 https:// URL만 지원함 (ftp://는 지원하지 않음)",
            "'ftp://host/': only http:// and https:// URLs are supported, not ftp://",
        ),
        (
            ("port", "::1:8888"),
            "'::1:8888': IPv6 주소는 대괄호로 감싸고 그 뒤에 포트를 쓰십시오: [::1]:8888 또는 [::1:8888]:PORT",
            "'::1:8888': write an IPv6 address in brackets, then the port: [::1]:8888 or [::1:8888]:PORT",
        ),
    ],
)
def test_bad_target_is_one_korean_line_and_exit_2(
    cli: Callable[..., CliResult], args: tuple[str, ...], korean: str, english: str
) -> None:
    result = ko(cli, *args)
    assert (result.rc, result.stdout, result.stderr) == (2, "", f"srvdoctor: error: {korean}\n")
    result = cli(*args, env=C)
    assert (result.rc, result.stdout, result.stderr) == (2, "", f"srvdoctor: error: {english}\n")


@pytest.fixture
def http_server() -> Iterator[int]:
    """A real HTTP server of this test process on 127.0.0.1 (404 for every path but /)."""
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_http_error_in_korean(cli: Callable[..., CliResult], http_server: int) -> None:
    url = f"http://127.0.0.1:{http_server}/no-such-page"
    result = ko(cli, "port", url, "--format", "json")
    assert result.rc == 1, result.stderr
    [status] = [r for r in json.loads(result.stdout)["results"] if r["check"] == "http.status"]
    assert re.fullmatch(
        r"HTTP 404 File not found in \d+ ms from SimpleHTTP/[\d.]+ Python/[\d.]+", status["summary"]
    )
    ms = re.search(r"in (\d+) ms", status["summary"])
    assert ms is not None
    server = status["data"]["server"]
    assert status["localized"]["summary"] == f"HTTP 404 File not found ({ms[1]} ms, 서버 {server})"
    assert status["details"] == [
        "the server answers but has no such path: check the URL (and a proxy's base path)"
    ]
    assert status["localized"]["details"] == [
        "서버는 응답하지만 그런 경로가 없습니다: URL(과 프록시의 base path)을 확인하십시오"
    ]
    assert status["localized"]["hints"] == status["hints"] == [f"curl -sv {url}"]
    assert (status["status"], status["playbook"]) == ("fail", "http-error")
