"""`srvdoctor merge` as a real process: files, a directory, stdin; table, json, junit; exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from srvdoctor.model import Report, Result, Status
from tests.conftest import CliResult


def _write(path: Path, host: str, *results: Result, version: str = "0.1.0") -> Path:
    report = Report("srvdoctor", version, host, "2026-11-26T10:00:00+00:00", 0.2, list(results))
    path.write_text(json.dumps(report.to_dict(), indent=2))
    return path


OK = Result("disk.space", "/", Status.OK, "/ is 20% full", area="disk")
FULL = Result("disk.space", "/data", Status.FAIL, "/data is 100% full (0 B free of 1.0 MiB)",
              playbook="disk-full", area="disk")  # fmt: skip
WARN = Result("disk.inodes", "/", Status.WARN, "/ has 85% of its inodes in use", playbook="inode-exhaustion",
              area="disk")  # fmt: skip


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    d = tmp_path / "reports"
    d.mkdir()
    _write(d / "gpu07.json", "gpu07", OK, WARN)
    _write(d / "gpu12.json", "gpu12", OK, FULL)
    _write(d / "gpu31.json", "", OK, FULL, version="0.0.9")  # no host name: called after its file
    (d / "gpu40.json").write_text('{"tool": "srvdoctor", "host": "gpu40", "results": [')  # cut short
    (d / "notes.txt").write_text("not a report, not read")
    return d


def test_directory_merged_into_one_view(cli: Callable[..., CliResult], reports: Path) -> None:
    run = cli("merge", str(reports))
    assert run.rc == 1
    assert run.stderr == (
        f"srvdoctor: merge: skipped {reports / 'gpu40.json'}: not JSON: Expecting value (line 1 column 52)\n"
    )
    lines = run.stdout.splitlines()
    assert lines[:6] == [
        "problems across 3 hosts",
        "  [✗] disk-full on 2 of 3 hosts: gpu12, gpu31 (disk.space)",
        "      gpu12: /data is 100% full (0 B free of 1.0 MiB)",
        "      gpu31: /data is 100% full (0 B free of 1.0 MiB)",
        "      → playbook: srvdoctor notes disk-full",
        "  [!] inode-exhaustion on 1 of 3 hosts: gpu07 (disk.inodes)",
    ]
    assert "      note: the report names no host; called after its source (gpu31)" in lines
    assert "Reports from 2 srvdoctor versions: 0.1.0 (2 hosts), 0.0.9 (1 host)." in lines
    assert lines[-1] == "3 of 3 hosts have problems: 2 problems (3 ok, 1 warn, 2 fail)."


def test_stdin_json_lines_to_json(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    lines = "".join(
        json.dumps(json.loads(_write(tmp_path / f"{h}.json", h, *rs).read_text())) + "\n"
        for h, rs in (("a", (OK,)), ("b", (OK, WARN)))
    )
    run = cli("merge", "-", "--format", "json", input_text=lines + "garbage\n")
    assert (run.rc, run.stderr) == (0, "srvdoctor: merge: skipped <stdin>:3: not JSON: Expecting value (line 3 column 1)\n")  # fmt: skip
    view = json.loads(run.stdout)
    assert view["problems"] == [{
        "check": "disk.inodes", "playbook": "inode-exhaustion", "status": "warn",
        "hosts": [{"host": "b", "status": "warn", "targets": ["/"], "summaries": [WARN.summary]}],
    }]  # fmt: skip
    assert [(h["host"], h["status"], h["source"]) for h in view["hosts"]] == [
        ("a", "ok", "<stdin>:1"), ("b", "warn", "<stdin>:2"),
    ]  # fmt: skip
    assert view["skipped"] == [
        {"source": "<stdin>:3", "reason": "not JSON: Expecting value (line 3 column 1)"}
    ]
    assert cli("merge", "-", "--fail-on", "warn", input_text=lines).rc == 1


def test_junit_has_a_suite_per_host(cli: Callable[..., CliResult], reports: Path, tmp_path: Path) -> None:
    out = tmp_path / "merged.xml"
    run = cli("merge", str(reports / "gpu07.json"), str(reports / "gpu12.json"), "--format", "junit",
              "--output", str(out))  # fmt: skip
    assert (run.rc, run.stdout, run.stderr) == (1, "", "")
    root = ET.parse(out).getroot()
    suites = {s.get("name"): (s.get("tests"), s.get("failures")) for s in root.iter("testsuite")}
    assert suites == {"gpu07": ("2", "0"), "gpu12": ("2", "1")}
    failure = root.find(
        ".//testcase[@classname='srvdoctor.gpu12.disk.space'][@name='disk.space /data']/failure"
    )
    assert failure is not None and failure.get("message") == (
        "/data is 100% full (0 B free of 1.0 MiB) [playbook: disk-full - srvdoctor notes disk-full]"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.json"], "nowhere.json: no such file or directory"),
        (["{reports}/gpu40.json"],
         "no srvdoctor report could be read: {reports}/gpu40.json: not JSON: Expecting value "
         "(line 1 column 52)"),
        (["{reports}", "--output", "{reports}/"],
         "--output {reports}/: is a directory; give a file name inside it, e.g. --output {reports}/srvdoctor.prom"),
        (["{reports}", "--format", "xml"], "--format must be one of table, json, junit, not 'xml'"),
        (["{empty}"], "{empty}: no *.json or *.jsonl reports in this directory"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    cli: Callable[..., CliResult], reports: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "empty").mkdir()
    fill = {"reports": str(reports), "empty": str(tmp_path / "empty")}
    run = cli("merge", *(a.format(**fill) for a in args), cwd=tmp_path)
    assert run.rc == 2
    assert run.stderr.splitlines() == [f"srvdoctor: error: {message.format(**fill)}"]
