"""`check --format prometheus` read back by the real node_exporter and the real Prometheus.

A full tmpfs makes disk.space fail; srvdoctor writes into node_exporter's textfile
directory; the metrics come back from node_exporter's /metrics on a loopback port, and
Prometheus, scraping it once a second with the example alert rules loaded, turns them into
a pending SrvdoctorCheckFailing alert whose runbook_url names the playbook.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import REPO, CliResult, require_tool

RULES = REPO / "examples" / "prometheus" / "srvdoctor-rules.yml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _serve(argv: list[str], ready_url: str, log: Path, within: float = 30.0) -> Iterator[None]:
    """Start a server, wait until `ready_url` answers 200, stop it afterwards."""
    with log.open("w") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + within
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{argv[0]} exited {proc.returncode}: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"{argv[0]} did not answer {ready_url} within {within:g} s")
            time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _fill(directory: Path) -> None:
    with (directory / "fill").open("wb") as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * 65536)


def _until(what: str, fn: Callable[[], Any], within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {within:g} s")
        time.sleep(0.5)


@pytest.mark.root
def test_node_exporter_and_prometheus_read_the_textfile(
    cli: Callable[..., CliResult], tmpfs: Callable[..., Path], tmp_path: Path
) -> None:
    node_exporter = require_tool("prometheus-node-exporter", "prometheus-node-exporter")
    prometheus = require_tool("prometheus", "prometheus")
    full = tmpfs("full", size="1M")
    _fill(full)
    textfile_dir = tmp_path / "textfile"
    textfile_dir.mkdir()

    run = cli("check", "--only", "disk", "--format", "prometheus",
              "--output", str(textfile_dir / "srvdoctor.prom"))  # fmt: skip
    assert (run.rc, run.stdout, run.stderr) == (1, "", "")
    assert [p.name for p in textfile_dir.iterdir()] == ["srvdoctor.prom"]  # no temp file left

    port = _free_port()
    node_argv = [
        node_exporter, "--collector.disable-defaults", "--collector.textfile",
        f"--collector.textfile.directory={textfile_dir}", "--web.disable-exporter-metrics",
        f"--web.listen-address=127.0.0.1:{port}",
    ]  # fmt: skip
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    with _serve(node_argv, metrics_url, tmp_path / "node_exporter.log"):
        text = httpx.get(metrics_url, timeout=5).text
        families = {f.name: f for f in text_string_to_metric_families(text)}
        assert families["node_textfile_scrape_error"].samples[0].value == 0
        status = {
            s.labels["target"]: (s.value, s.labels["playbook"])
            for s in families["srvdoctor_check_status"].samples
            if s.labels["check"] == "disk.space"
        }
        assert status[str(full)] == (2, "disk-full")
        used = {s.labels["target"]: s.value for s in families["srvdoctor_disk_used_ratio"].samples}
        assert used[str(full)] == 1.0

        # Prometheus scrapes node_exporter and evaluates the example rules.
        prom_port = _free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(json.dumps({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES)],
            "scrape_configs": [{"job_name": "node", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}],
        }))  # fmt: skip
        prom_argv = [
            prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ]  # fmt: skip
        api = f"http://127.0.0.1:{prom_port}"
        with _serve(prom_argv, f"{api}/-/ready", tmp_path / "prometheus.log", within=60):
            query = f'srvdoctor_disk_used_ratio{{target="{full}"}}'

            def sample() -> list[dict[str, Any]]:
                got = httpx.get(f"{api}/api/v1/query", params={"query": query}, timeout=5).json()
                return list(got["data"]["result"])

            [series] = _until("scraped sample", sample)
            assert (series["metric"]["check"], series["value"][1]) == ("disk.space", "1")

            def alert() -> list[dict[str, Any]]:
                alerts = httpx.get(f"{api}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
                return [
                    a for a in alerts
                    if a["labels"]["alertname"] == "SrvdoctorCheckFailing" and a["labels"]["target"] == str(full)
                ]  # fmt: skip

            [pending] = _until("pending alert", alert)
            assert pending["state"] == "pending"  # `for: 10m` has not passed yet
            assert pending["annotations"]["runbook_url"] == (
                "https://runbooks.example.com/srvdoctor/playbooks/disk-full.md"
            )
            assert "`srvdoctor notes disk-full`" in pending["annotations"]["description"]


def test_a_name_node_exporter_would_ignore_gets_a_note(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    run = cli("check", "--only", "disk", "--format", "prometheus", "--output", str(tmp_path / "metrics.txt"))
    assert run.stderr == (
        "srvdoctor: note: node_exporter's textfile collector reads only *.prom files, not metrics.txt\n"
    )
    assert "srvdoctor_check_status" in {
        f.name for f in text_string_to_metric_families((tmp_path / "metrics.txt").read_text())
    }


@pytest.mark.root
def test_two_runs_in_one_textfile_directory_do_not_collide(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """A schedule and a second job (other --only, same disk checks) side by side: node_exporter
    reads both files without "was collected before with the same name and label values"."""
    node_exporter = require_tool("prometheus-node-exporter", "prometheus-node-exporter")
    textfile_dir = tmp_path / "textfile"
    textfile_dir.mkdir()
    for name, only in (("srvdoctor", "disk,load"), ("srvdoctor-disk", "disk")):
        run = cli(
            "check", "--only", only, "--format", "prometheus", "--output", str(textfile_dir / f"{name}.prom")
        )
        assert run.rc in (0, 1), run.stderr
    port = _free_port()
    node_argv = [
        node_exporter, "--collector.disable-defaults", "--collector.textfile",
        f"--collector.textfile.directory={textfile_dir}", "--web.disable-exporter-metrics",
        f"--web.listen-address=127.0.0.1:{port}",
    ]  # fmt: skip
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    log = tmp_path / "node_exporter.log"
    with _serve(node_argv, metrics_url, log):
        families = {f.name: f for f in text_string_to_metric_families(httpx.get(metrics_url, timeout=5).text)}
    assert families["node_textfile_scrape_error"].samples[0].value == 0
    assert "collected before" not in log.read_text()
    runs = {s.labels["run"] for s in families["srvdoctor_run_status"].samples}
    assert runs == {"srvdoctor", "srvdoctor-disk"}
