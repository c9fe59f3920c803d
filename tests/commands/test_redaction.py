"""One redaction step between every value and every output: real processes with secrets in their
argv, configs with credentials in URLs, DOCKER_HOST with userinfo, innocent variables holding
`Bearer ...`; every format of every command that shows them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult

GHP = "ghp_" + "Ab1" * 12
HF = "hf_" + "Zy9" * 10
SECRETS = ("hunter2", GHP, HF, "s3cretpw", "dockerpw", "mysqlpw", "tok3nValue")


def _no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} leaked"


@pytest.fixture
def busy_secret_process() -> Iterator[int]:
    """A real busy process holding 300 MiB (top of the memory list on a busy machine too) whose
    argv carries secrets."""
    argv = [sys.executable, "-c", "b = bytearray(300 << 20)\nwhile True: pass", "--password=hunter2", "--token", GHP, "--hf", HF,
            "--api-key", "tok3nValue"]  # fmt: skip
    proc = subprocess.Popen(argv)
    time.sleep(1.0)
    yield proc.pid
    proc.kill()
    proc.wait()


def test_load_and_check_never_print_argv_secrets(
    cli: Callable[..., CliResult], busy_secret_process: int
) -> None:
    run = cli("load", "--format", "json")
    _no_secret(run.stdout)
    listed = json.loads(run.stdout)
    shown = [p["cmdline"] for p in listed["top_cpu"] + listed["top_mem"] if p["pid"] == busy_secret_process]
    assert shown and "--password=*** --token *** --hf *** --api-key ***" in shown[0]  # it was there, masked
    for fmt in ("table", "json", "junit", "prometheus", "nagios"):
        out = cli("check", "--only", "load", "--format", fmt, env={"COLUMNS": "400"})
        assert "Traceback" not in out.stderr
        _no_secret(out.stdout + out.stderr)
    _no_secret(cli("load", env={"COLUMNS": "400"}).stdout)


def test_url_credentials_in_config_reach_no_format(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    config = tmp_path / "srvdoctor.toml"
    config.write_text(
        '[targets]\nurls = ["http://admin:s3cretpw@127.0.0.1:9/x"]\n'
        '[[expect.http]]\nurl = "http://bot:hunter2@127.0.0.1:9/health"\ntimeout = "1s"\n'
        '[[expect.command]]\nrun = ["sh", "-c", "echo mysql -u root -pmysqlpw; echo Authorization: Bearer tok3nValue"]\n'
        'contains = "nothing-like-this"\n'
    )
    prom = tmp_path / "srvdoctor.prom"
    for fmt in ("table", "json", "junit", "prometheus", "nagios"):
        out = cli("check", "--only", "network,expect", "--format", fmt, "--config", str(config),
                  "--timeout", "1", env={"COLUMNS": "400", "GITHUB_ACTIONS": "true"})  # fmt: skip
        assert out.rc in (1, 2) and "Traceback" not in out.stderr, out
        _no_secret(out.stdout + out.stderr)
        assert "127.0.0.1:9" in out.stdout  # the targets are there, only the secrets masked
    out = cli("check", "--only", "network,expect", "--format", "prometheus", "--output", str(prom),
              "--config", str(config), "--timeout", "1")  # fmt: skip
    _no_secret(prom.read_text())
    assert 'target="http://***@127.0.0.1:9/x"' in prom.read_text()


def test_docker_host_credentials_and_innocent_bearer_variables(cli: Callable[..., CliResult]) -> None:
    env = {
        "DOCKER_HOST": "tcp://me:dockerpw@127.0.0.1:9",
        "INNOCENT": "Bearer tok3nValue",
        "OTHER": "Basic s3cretpw",
    }
    for fmt in ("table", "json"):
        out = cli("docker", "--format", fmt, "--timeout", "1", env=env)
        assert "Traceback" not in out.stderr
        _no_secret(out.stdout + out.stderr)
    report = cli("report", "--env", "--no-check", "--timeout", "2", env=env)
    assert report.rc == 0, report.stderr
    _no_secret(report.stdout)
    assert "INNOCENT=***" in report.stdout and "OTHER=***" in report.stdout


def test_junit_with_control_characters_is_well_formed(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """Issue 16.1: ANSI colour codes from an [[expect.command]] and a path with \\x01 made the XML
    not well-formed (ElementTree, lxml, junitparser, GitLab and Jenkins all reject it)."""
    bad = tmp_path / "a\x01b"
    config = tmp_path / "srvdoctor.toml"
    config.write_text(
        '[targets]\npaths = ["' + str(bad).replace("\x01", "\\u0001") + '"]\n'
        '[[expect.command]]\nrun = ["printf", "\\u001b[31mred\\u001b[0m \\u0007bell"]\ncontains = "green"\n'
    )
    junit = tmp_path / "junit.xml"
    run = cli(
        "check", "--only", "path,expect", "--format", "junit", "--config", str(config), "-o", str(junit)
    )
    assert run.rc == 1, run
    root = ET.parse(junit).getroot()
    text = ET.tostring(root, encoding="unicode")
    assert "\\x1b[31mred" in text and "a\\x01b" in text  # made visible, not dropped
    import junitparser

    suites = junitparser.JUnitXml.fromfile(str(junit))
    assert sum(s.failures for s in suites) >= 2

    report = tmp_path / "host.json"
    cli("check", "--only", "path,expect", "--format", "json", "--config", str(config), "-o", str(report))
    merged = cli("merge", "--format", "junit", str(report))
    ET.fromstring(merged.stdout.encode())  # well-formed too
    assert "\\x1b[31mred" in merged.stdout
