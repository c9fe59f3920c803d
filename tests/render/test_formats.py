"""JUnit, Prometheus and Nagios output parsed back with real parsers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from prometheus_client.parser import text_string_to_metric_families

from srvdoctor.model import Report, Result, Status
from srvdoctor.render import junit, nagios, prometheus

REPORT = Report(
    tool="srvdoctor", version="0", host="h", started_at="2026-01-01T00:00:00+00:00", duration_s=0.5,
    results=[
        Result("disk.space", "/", Status.FAIL, "/ is 97% full", data={"used_percent": 97.0, "free_bytes": 10},
               playbook="disk-full", area="disk"),
        Result("disk.space", "/data", Status.WARN, '/data "quoted" is 85% full', data={"used_percent": 85.0},
               playbook="disk-full", area="disk"),
        Result("gpu.memory", "-", Status.SKIP, "no NVIDIA driver", area="gpu"),
        Result("port.tcp", "localhost:1", Status.ERROR, "timed out", area="network"),
        Result(
            "disk.inodes", "/", Status.OK, "fine", data={"inodes_used_percent": 3.0, "flag": True}, area="disk"
        ),
    ],
)  # fmt: skip


def test_junit_counts_and_failures() -> None:
    root = ET.fromstring(junit.render(REPORT, Status.FAIL))
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "5", "failures": "1", "errors": "1", "skipped": None,  # junit-10.xsd: not on <testsuites>
    }  # fmt: skip
    assert sum(int(s.get("skipped", "0")) for s in root.iter("testsuite")) == 1
    failure = root.find(".//testcase[@name='disk.space /']/failure")
    assert (
        failure is not None
        and failure.get("message") == "/ is 97% full [playbook: disk-full - srvdoctor notes disk-full]"
    )


def test_junit_warn_fails_only_with_fail_on_warn() -> None:
    assert ET.fromstring(junit.render(REPORT, Status.WARN)).get("failures") == "2"


def test_prometheus_parses_and_carries_status_and_data() -> None:
    families = {f.name: f for f in text_string_to_metric_families(prometheus.render(REPORT, 1700000000.0))}
    status = {
        (s.labels["check"], s.labels["target"]): s.value for s in families["srvdoctor_check_status"].samples
    }
    assert status == {("disk.space", "/"): 2, ("disk.space", "/data"): 1, ("gpu.memory", "-"): -1,
                      ("port.tcp", "localhost:1"): 3, ("disk.inodes", "/"): 0}  # fmt: skip
    used = families["srvdoctor_disk_used_ratio"].samples
    assert [(s.labels["target"], s.value) for s in used] == [("/", 0.97), ("/data", 0.85)]
    assert "srvdoctor_disk_flag" not in families
    assert families["srvdoctor_last_run_timestamp_seconds"].samples[0].value == 1700000000.0


def test_nagios_one_line_and_code() -> None:
    text = nagios.render(REPORT)
    assert text.count("\n") == 1 and nagios.exit_code(REPORT) == 2
    assert text.startswith("SRVDOCTOR CRITICAL - 3 problems: FAIL / is 97% full; WARN /data")
    assert "'disk.space:/:used_percent'=97% 'disk.space:/:free_bytes'=10B" in text


def test_nagios_perfdata_parses_with_pynag_unique_labels_and_rate_units() -> None:
    from pynag.Utils import PerfData

    report = Report(
        tool="srvdoctor", version="0", host="h", started_at="t", duration_s=0.1,
        results=[
            Result("expect.path", "/x\ny", Status.FAIL, "/x\n[✓] forged line", data={"size_bytes": 1}, area="expect"),
            Result("expect.path", "/x\ny", Status.OK, "again", data={"size_bytes": 2}, area="expect"),
            Result("mem.swap", "swap", Status.OK, "ok", data={"swap_in_bytes_s": 4096, "used_percent": 5.5}, area="load"),
        ],
    )  # fmt: skip
    text = nagios.render(report)
    assert text.count("\n") == 1  # the newline in the target did not split the status line
    status, _, perf = text.rstrip("\n").partition(" | ")
    assert "[✓] forged line" in status and "\n" not in status
    metrics = PerfData(perf).metrics
    assert all(m.is_valid() for m in metrics), [(m.label, m.value, m.uom) for m in metrics]
    labels = [m.label for m in metrics]
    assert len(labels) == len(set(labels)) == 4
    units = {m.label: m.uom for m in metrics}
    assert units["mem.swap:swap:swap_in_bytes_s"] == ""  # bytes per second: no UOM, not "s"
    assert units["mem.swap:swap:used_percent"] == "%"
