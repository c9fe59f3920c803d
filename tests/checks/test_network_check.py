"""`srvdoctor check` with network targets in its config, run inside a client namespace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netlab import REPO, NetLab, results

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


def test_check_walks_every_configured_target(lab: NetLab, tmp_path: Path) -> None:
    ip = lab.server_ip
    config = tmp_path / "srvdoctor.toml"
    config.write_text(
        f'timeout = 1\n[targets]\nports = ["{ip}:8080", "{ip}:8082"]\nhosts = ["{ip}"]\n'
        f'urls = ["http://{ip}:8080/status/503", "http://{ip}:8082/"]\n'
    )
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        ["ip", "netns", "exec", lab.cli_ns, sys.executable, "-m", "srvdoctor", "check",
         "--only", "network", "--format", "json", "--config", str(config)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=60,
    )  # fmt: skip
    report = json.loads(proc.stdout)
    tcp = {r["target"]: r["data"]["state"] for r in results(report, "port.tcp")}
    assert tcp == {f"{ip}:8080": "open", f"{ip}:8082": "filtered",
                   f"http://{ip}:8080/status/503": "open", f"http://{ip}:8082/": "filtered"}  # fmt: skip
    http = {r["target"]: r["status"] for r in results(report, "http.status")}
    assert http == {f"http://{ip}:8080/status/503": "fail", f"http://{ip}:8082/": "skip"}
    [ping] = results(report, "net.ping")
    assert (ping["status"], ping["data"]["received"]) == ("ok", 4)
    assert proc.returncode == 1
    # two filtered targets, probed by port.tcp and http.status alike: one timeout, not four
    assert report["duration_s"] < 3 * 1.0 + 1.5, report["duration_s"]


def test_dns_does_not_resolve_an_ip_literal(lab: NetLab, tmp_path: Path) -> None:
    config = tmp_path / "srvdoctor.toml"
    config.write_text(f'timeout = 1\n[targets]\nhosts = ["{lab.server_ip}", "::1"]\n')
    proc = lab.run("check", "--only", "network", "--format", "json", "--config", str(config))
    dns = {r["target"]: r for r in results(json.loads(proc.stdout), "net.dns")}
    for literal in (lab.server_ip, "::1"):
        assert dns[literal]["status"] == "ok" and dns[literal]["data"]["literal"] is True
        assert dns[literal]["summary"] == f"{literal} is an IP address literal: nothing to resolve (no DNS query made)"
