"""The Prometheus renderer: names and units, valid under both parsers that matter."""

from __future__ import annotations

import math
import subprocess

import pytest
from prometheus_client.parser import text_string_to_metric_families

from srvdoctor.model import Report, Result, Status
from srvdoctor.render.prometheus import data_metric, format_value, render
from tests.conftest import require_tool


def _report(*results: Result) -> Report:
    return Report("srvdoctor", "9.9.9", "h", "2026-01-01T00:00:00+00:00", 1.25, list(results))


@pytest.mark.parametrize(
    ("area", "key", "expected"),
    [
        ("disk", "used_percent", ("srvdoctor_disk_used_ratio", 0.01, "ratio")),
        ("docker", "log_bytes", ("srvdoctor_docker_log_bytes", 1.0, "bytes")),
        ("docker", "docker_log_bytes", ("srvdoctor_docker_log_bytes", 1.0, "bytes")),
        ("network", "rtt_ms", ("srvdoctor_network_rtt_seconds", 0.001, "seconds")),
        ("network", "connect_s", ("srvdoctor_network_connect_seconds", 1.0, "seconds")),
        ("gpu", "power_mW", ("srvdoctor_gpu_power_watts", 0.001, "watts")),
        ("gpu", "clock_mhz", ("srvdoctor_gpu_clock_hertz", 1e6, "hertz")),
        ("gpu", "memory_used_mib", ("srvdoctor_gpu_memory_used_bytes", 1024.0**2, "bytes")),
        ("gpu", "temperature_c", ("srvdoctor_gpu_temperature_celsius", 1.0, "celsius")),
        ("disk", "inodes_total", ("srvdoctor_disk_inodes", 1.0, "")),
        ("load", "oom kills (last 1h)", ("srvdoctor_load_oom_kills_last_1h", 1.0, "")),
        ("", "9lives", ("srvdoctor_9lives", 1.0, "")),
        ("check", "status", ("srvdoctor_check_status_value", 1.0, "")),
    ],
)
def test_data_metric_names_carry_base_units(area: str, key: str, expected: tuple[str, float, str]) -> None:
    assert data_metric(area, key) == expected


def test_values_are_exact_or_spelled_out() -> None:
    assert [format_value(v) for v in (97.0 * 0.01, 2**40, 0.5, math.nan, -math.inf)] == [
        "0.97", "1099511627776", "0.5", "NaN", "-Inf",
    ]  # fmt: skip


REPORT = _report(
    Result("disk.space", "/", Status.FAIL, "full", data={"used_percent": 97.0, "free_bytes": 10},
           playbook="disk-full", area="disk", duration_s=0.002),
    # a second check of the same area with the same key: same family, told apart by `check`
    Result("disk.quota", "/", Status.OK, "fine", data={"used_percent": 10.0}, area="disk"),
    # two keys that end up with one name: the second series is dropped, not duplicated
    Result("network.http", 'http://x/"a"\n', Status.WARN, "slow",
           data={"latency_ms": 1500, "latency_s": 9.0, "ok": True, "name": "x"},
           playbook="http-error", area="network"),
    Result("gpu.memory", "-", Status.SKIP, "no NVIDIA driver", area="gpu"),
    Result("port.tcp", "localhost:1", Status.ERROR, "timed out", data={"rtt_ms": math.nan}, area="network"),
)  # fmt: skip


def test_families_labels_and_values_parse_back() -> None:
    text = render(REPORT, 1700000000.5)
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert all(f.type == "gauge" for f in families.values())
    status = {
        (s.labels["check"], s.labels["target"], s.labels["playbook"]): s.value
        for s in families["srvdoctor_check_status"].samples
    }
    assert status == {
        ("disk.space", "/", "disk-full"): 2, ("disk.quota", "/", ""): 0,
        ("network.http", 'http://x/"a"\n', "http-error"): 1, ("gpu.memory", "-", ""): -1,
        ("port.tcp", "localhost:1", ""): 3,
    }  # fmt: skip
    used = [(s.labels["check"], s.value) for s in families["srvdoctor_disk_used_ratio"].samples]
    assert used == [("disk.space", 0.97), ("disk.quota", 0.1)]
    latency = families["srvdoctor_network_latency_seconds"].samples
    assert [s.value for s in latency] == [1.5]
    assert math.isnan(families["srvdoctor_network_rtt_seconds"].samples[0].value)
    assert families["srvdoctor_last_run_timestamp_seconds"].samples[0].value == 1700000000.5
    assert families["srvdoctor_run_status"].samples[0].value == 3
    assert families["srvdoctor_build_info"].samples[0].labels == {"version": "9.9.9", "metrics_schema": "2"}
    assert families["srvdoctor_check_duration_seconds"].samples[0].value == 0.002
    # one label set per family: node_exporter refuses a family whose label names differ
    for family in families.values():
        assert len({tuple(sorted(s.labels)) for s in family.samples}) == 1, family.name


def test_promtool_accepts_and_lints_clean(tmp_path: object) -> None:
    promtool = require_tool("promtool", "prometheus")
    proc = subprocess.run([promtool, "check", "metrics"], input=render(REPORT, 1.0),
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")
