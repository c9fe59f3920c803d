"""`srvdoctor check` with network targets in its config, run inside a client namespace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netlab import REPO, SERVER_SCRIPT, NetLab, results

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
        assert (
            dns[literal]["summary"]
            == f"{literal} is an IP address literal: nothing to resolve (no DNS query made)"
        )


def test_loopback_only_asked_port_and_remote_servers_on_any_port(lab: NetLab, tmp_path: Path) -> None:
    # A "jupyter-lab" (an entry-point script, as pip installs it) that moved to 18889, and a
    # plain python server on 18890 that nobody asked about: only the first is flagged.
    jupyter = tmp_path / "jupyter-lab"
    jupyter.write_text(f"#!{sys.executable}\n" + SERVER_SCRIPT.read_text())
    jupyter.chmod(0o755)
    proc = subprocess.Popen(["ip", "netns", "exec", lab.srv, str(jupyter), "http", "127.0.0.1", "18889"],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    lab.procs.append(proc)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    lab.serve("http", "127.0.0.1", "18888", "18890")
    config = tmp_path / "srvdoctor.toml"
    config.write_text('timeout = 1\n[targets]\nports = ["18888"]\n')
    run = lab.run("check", "--only", "network", "--format", "json", "--config", str(config), ns=lab.srv)
    listen = {r["target"]: r for r in results(json.loads(run.stdout), "port.listen")}
    assert set(listen) == {"18888", "18889"}, listen
    asked, found = listen["18888"], listen["18889"]
    assert (asked["status"], asked["playbook"]) == ("warn", "bound-to-loopback")
    assert (found["status"], found["playbook"], found["data"]["program"]) == (
        "warn",
        "bound-to-loopback",
        "jupyter",
    )
    assert found["summary"].startswith("jupyter port 18889 listens only on loopback (jupyter-lab (pid ")
    assert found["hints"] == [
        "jupyter lab --ip 0.0.0.0   # or c.ServerApp.ip = '0.0.0.0' in jupyter_server_config.py"
    ]


def test_default_look_says_which_programs_it_could_not_see(lab: NetLab) -> None:
    lab.serve("http", "127.0.0.1", "18891")  # root's; the check runs as nobody
    proc = subprocess.run(
        ["ip", "netns", "exec", lab.srv, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
         sys.executable, "-m", "srvdoctor", "check", "--only", "network", "--format", "json"],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "SRVDOCTOR_CONFIG": os.devnull}, timeout=60,
    )  # fmt: skip
    [ok] = [r for r in results(json.loads(proc.stdout), "port.listen") if r["target"] == "loopback-only"]
    assert ok["status"] == "ok" and 18891 in ok["data"]["unidentified_ports"]
    assert "; the program behind port(s) " in ok["summary"] and "is not visible from here)" in ok["summary"]
