"""The firewall check and a filtered port in Korean: an iptables DROP rule inside a network
namespace of the test's own (tests/netlab.py), read and crossed by real runs of `srvdoctor --lang ko`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from tests.netlab import NetLab

pytestmark = pytest.mark.netns


@pytest.fixture(scope="module")
def lab() -> Iterator[NetLab]:
    lab = NetLab()
    try:
        lab.up()
        lab.serve("http", "0.0.0.0", "8080")
        lab.iptables("-A", "INPUT", "-p", "tcp", "--dport", "8082", "-j", "DROP")
        yield lab
    finally:
        lab.down()


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def test_filtered_port_in_korean(lab: NetLab) -> None:
    ip = lab.server_ip
    proc = lab.run("--lang", "ko", "port", f"{ip}:8082", f"{ip}:8080", "--timeout", "1")
    assert proc.returncode == 1, proc.stderr
    out = lines(proc.stdout)
    filtered = [x for x in out if x.startswith("[✗] port.tcp")]
    assert len(filtered) == 1, out
    assert re.fullmatch(
        rf"\[✗\] port\.tcp: {re.escape(ip)}:8082이\(가\) 1\.\d초 안에 응답하지 않음: "
        r"연결 시도에 아무 답이 없음 \(수락도 거부도 아님\)",
        filtered[0],
    ), filtered[0]
    assert "1초 후 연결 시간 초과" in out
    assert "→ 해 보기: srvdoctor firewall --port 8082   # 서버가 실행되는 머신에서" in out
    opened = [x for x in out if x.startswith("[✓] port.tcp")]
    assert len(opened) == 1 and re.fullmatch(
        rf"\[✓\] port\.tcp: {re.escape(ip)}:8080 TCP 연결 받음 \([\d.]+ ms\)", opened[0]
    ), out


def test_blocking_rule_in_korean(lab: NetLab) -> None:
    proc = lab.run("--lang", "ko", "firewall", "--port", "8082", ns=lab.srv)
    assert proc.returncode == 1, proc.stderr
    out = lines(proc.stdout)
    assert "[✓] firewall.rules firewall: 활성: iptables" in out
    blocked = [x for x in out if x.startswith("[✗] firewall.rules 8082/tcp:")]
    assert len(blocked) == 1, out
    assert re.fullmatch(
        r"\[✗\] firewall\.rules 8082/tcp: 포트 8082/tcp 차단됨 \(iptables 테이블 filter, 체인 INPUT의 DROP 규칙\): "
        r"-A INPUT -p tcp -m tcp --dport 8082 -j DROP   \(카운터를 마지막으로 초기화한 뒤 패킷 \d+개, \d+바이트 일치\)",
        blocked[0],
    ), blocked[0]
    assert "→ 해 보기: sudo iptables -D INPUT -p tcp -m tcp --dport 8082 -j DROP   # 막는 규칙을 삭제" in out
    assert "→ 해 보기: sudo iptables -I INPUT -p tcp --dport 8082 -j ACCEPT" in out
    assert (
        "→ 해 보기: sudo netfilter-persistent save   # 재부팅 후에도 유지 (iptables-persistent 패키지)" in out
    )


def test_blocking_rule_json_english_with_korean(lab: NetLab) -> None:
    proc = lab.run("--lang", "ko", "firewall", "--port", "8082", "--format", "json", ns=lab.srv)
    [port] = [r for r in json.loads(proc.stdout)["results"] if r["target"] == "8082/tcp"]
    packets = port["data"]["verdicts"][0]["packets"]
    size = port["data"]["verdicts"][0]["bytes"]
    unit = "packet" if packets == 1 else "packets"
    rule = "-A INPUT -p tcp -m tcp --dport 8082 -j DROP"
    assert port["summary"] == (
        f"port 8082/tcp is blocked by the DROP rule in iptables table filter, chain INPUT: {rule}   "
        f"({packets} {unit}, {size} bytes matched since its counters were last zeroed)"
    )
    assert port["localized"]["summary"] == (
        f"포트 8082/tcp 차단됨 (iptables 테이블 filter, 체인 INPUT의 DROP 규칙): {rule}   "
        f"(카운터를 마지막으로 초기화한 뒤 패킷 {packets}개, {size}바이트 일치)"
    )
    assert (port["check"], port["status"], port["playbook"]) == (
        "firewall.rules",
        "fail",
        "firewall-blocking",
    )
