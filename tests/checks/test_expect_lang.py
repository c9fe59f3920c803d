"""Expectations judged against real servers and sockets, reported in Korean with `--lang ko`:
the JSON keeps each English summary (ids and data unchanged) and adds the Korean one."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.conftest import run_cli
from tests.expect.helpers import health_server

C = {"LANG": "C", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": ""}


def _json(config: Path, *extra: str) -> dict[str, dict[str, object]]:
    res = run_cli("check", "--only", "expect", "--config", str(config), "--format", "json", *extra, env=C)
    assert res.rc in (0, 1), res.stderr
    return {f"{r['check']} {r['target']}": r for r in json.loads(res.stdout)["results"]}


def test_http_port_and_listen_in_korean(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: a connect is refused
    port, dead = listener.getsockname()[1], closed.getsockname()[1]
    try:
        with health_server(never=True) as srv:
            config = tmp_path / "smoke.toml"
            config.write_text(
                f'[[expect.http]]\nurl = "{srv.url()}"\nstatus = [200, 204]\ncontains = "ready"\n\n'
                f'[[expect.port]]\ntarget = "127.0.0.1:{port}"\n\n'
                f'[[expect.port]]\ntarget = "127.0.0.1:{dead}"\n\n'
                f'[[expect.listen]]\nport = {port}\naddress = "0.0.0.0"\n'
            )
            korean, english = _json(config, "--lang", "ko"), _json(config)
    finally:
        listener.close()
        closed.close()
    assert korean.keys() == english.keys()
    fields = ("check", "target", "status", "summary", "details", "hints", "playbook")
    for key, result in korean.items():  # the English text and the ids as without --lang
        assert {f: result[f] for f in fields} == {f: english[key][f] for f in fields}
        assert "localized" not in english[key]

    def ko(key: str) -> dict[str, object]:
        localized = korean[key]["localized"]
        assert isinstance(localized, dict) and localized["lang"] == "ko"
        return localized

    http = ko(f"expect.http {srv.url()}")
    assert http["summary"] == "HTTP 503 Service Unavailable (기대값 200 또는 204); 본문에 'ready' 없음"
    assert http["details"] == ['본문: {"status": "loading"}']
    assert korean[f"expect.http {srv.url()}"]["summary"] == (
        "HTTP 503 Service Unavailable (expected 200 or 204); body does not contain 'ready'"
    )
    assert ko(f"expect.port 127.0.0.1:{port}")["summary"] == (
        f"127.0.0.1:{port} 열림 (127.0.0.1에서 연결 받음)"
    )
    assert ko(f"expect.port 127.0.0.1:{dead}")["summary"] == f"127.0.0.1:{dead} 열리지 않음: 연결 거부됨"
    listen = ko(f"expect.listen 0.0.0.0:{port}")
    assert str(listen["summary"]).startswith(f"포트 {port}이(가) 0.0.0.0가 아니라 127.0.0.1:{port} (")
    assert listen["details"] == [
        "루프백에만 바인딩되어 다른 머신에서는 연결할 수 없습니다. 서버를 --host 0.0.0.0으로 시작하세요"
    ]
