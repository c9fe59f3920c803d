"""The fleet view: reading reports leniently, grouping problems across hosts, worst first."""

from __future__ import annotations

import json
from typing import Any

import pytest

from srvdoctor.fleet import BadReport, merge, read_reports, report_from_dict, split_json
from srvdoctor.model import Report, Result, Status
from srvdoctor.render.merge import headline


def report(host: str, *results: Result, version: str = "0.1.0") -> dict[str, Any]:
    return Report("srvdoctor", version, host, "2026-11-26T10:00:00+00:00", 0.1, list(results)).to_dict()


def ok(check: str = "disk.space", target: str = "/") -> Result:
    return Result(check, target, Status.OK, f"{target} fine", area=check.split(".", maxsplit=1)[0])


def full(target: str, status: Status = Status.FAIL) -> Result:
    return Result("disk.space", target, status, f"{target} is 97% full", data={"used_percent": 97.0},
                  playbook="disk-full", area="disk")  # fmt: skip


def fleet_of(*reports: dict[str, Any]) -> Any:
    text = "".join(json.dumps(r) + "\n" for r in reports)
    hosts, skipped = read_reports(text, "reports.jsonl")
    assert skipped == []
    return merge(hosts)


def test_problems_name_their_hosts_worst_first() -> None:
    fleet = fleet_of(
        report("gpu31", full("/data"), ok()),
        report(
            "gpu7", ok(), Result("disk.inodes", "/", Status.WARN, "85% inodes", playbook="inode-exhaustion")
        ),
        report("gpu12", full("/"), full("/scratch", Status.WARN)),
        report("gpu8", ok(), Result("port.tcp", "db:5432", Status.ERROR, "timed out")),
    )
    problems = fleet.problems()
    assert [headline(p, len(fleet.hosts)) for p in problems] == [
        "port.tcp on 1 of 4 hosts: gpu8",
        "disk-full on 2 of 4 hosts: gpu12, gpu31",  # natural order: gpu12 after gpu7, before gpu31
        "inode-exhaustion on 1 of 4 hosts: gpu7",
    ]
    [gpu12, _] = problems[1].hosts
    assert [r.target for r in gpu12.results] == ["/", "/scratch"]
    assert fleet.exit_code(Status.FAIL) == 1 and fleet.status is Status.ERROR
    assert [p.check for p in fleet.problems(Status.FAIL)] == ["port.tcp", "disk.space"]


def test_exit_code_follows_fail_on_over_all_hosts() -> None:
    fleet = fleet_of(report("a", ok()), report("b", full("/", Status.WARN)))
    assert (fleet.exit_code(Status.FAIL), fleet.exit_code(Status.WARN)) == (0, 1)


def test_json_lines_with_a_broken_line_keep_the_others() -> None:
    good, other = json.dumps(report("a", ok())), json.dumps(report("c", ok()))
    text = good + '\n{"host": "b", "results": [\n' + other + "\n"
    hosts, skipped = read_reports(text, "in.jsonl")
    assert [(h.host, h.source) for h in hosts] == [("a", "in.jsonl:1"), ("c", "in.jsonl:3")]
    assert [s.source for s in skipped] == ["in.jsonl:2"]
    assert skipped[0].reason.startswith("not JSON: ")


def test_pretty_printed_documents_one_after_another() -> None:
    text = json.dumps(report("a", ok()), indent=2) + "\n" + json.dumps(report("b", ok()), indent=2)
    values, bad = split_json(text, "x")
    assert [v["host"] for _, v in values] == ["a", "b"] and bad == []


def test_reports_of_other_versions_are_read() -> None:
    old = {  # an older or newer srvdoctor: no schema, no area/data/hints, a status this one lacks
        "tool": "srvdoctor", "version": "0.0.1", "host": "old",
        "results": [{"check": "disk.space", "target": "/", "status": "fail", "summary": "full",
                     "playbook": "disk-full"},
                    {"check": "gpu.memory", "status": "critical", "summary": "GPU memory full"}],
    }  # fmt: skip
    newer = {**report("new", ok()), "schema": 2, "extra": {"anything": 1}}
    host = report_from_dict(old, "old.json")
    assert [(r.area, r.status, r.target) for r in host.report.results] == [
        ("disk", Status.FAIL, "/"), ("gpu", Status.ERROR, "-"),
    ]  # fmt: skip
    assert host.report.results[1].summary == "unknown status 'critical' read as error: GPU memory full"
    assert report_from_dict(newer, "new.json").notes == (
        "report schema 2 is newer than this srvdoctor's (1); read as 1",
    )
    fleet = merge([host, report_from_dict(newer, "new.json")])
    assert fleet.versions == {"0.0.1": 1, "0.1.0": 1}


@pytest.mark.parametrize(
    ("source", "expected"), [("/r/gpu07.json", "gpu07"), ("<stdin>:3", "<stdin>:3"), ("a/b.jsonl:2", "b")]
)
def test_a_report_without_host_is_called_after_its_source(source: str, expected: str) -> None:
    raw = {**report("", ok())}
    del raw["host"]
    host = report_from_dict(raw, source)
    assert host.host == expected
    assert host.notes == (f"the report names no host; called after its source ({expected})",)


def test_hosts_with_one_name_are_told_apart_by_source() -> None:
    a = report_from_dict(report("clone", ok()), "x/1.json")
    b = report_from_dict(report("clone", full("/")), "x/2.json")
    fleet = merge([a, b])
    assert [h.host for h in fleet.hosts] == ["clone (x/1.json)", "clone (x/2.json)"]
    assert headline(fleet.problems()[0], 2) == "disk-full on 1 of 2 hosts: clone (x/2.json)"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ([1, 2], "not a srvdoctor report (a JSON list, not an object)"),
        ({"tool": "lynis", "results": []}, "not a srvdoctor report (tool: 'lynis')"),
        ({"tool": "srvdoctor", "host": "h"}, "not a srvdoctor report (no results list)"),
        ({"tool": "srvdoctor", "kind": "merge", "results": []},
         "a merged view, not one host's report (merge the hosts' own reports)"),
        ({"tool": "srvdoctor", "results": [{"status": "ok"}]}, "results[0] has no check id"),
        ({"tool": "srvdoctor", "results": ["ok"]}, "results[0] is not an object"),
    ],
)  # fmt: skip
def test_what_is_not_a_report_says_why(raw: Any, reason: str) -> None:
    with pytest.raises(BadReport) as caught:
        report_from_dict(raw, "x.json")
    assert str(caught.value) == reason


# --------------------------------------------------------------------------- hostile input (issue 19)


def one_result(data: str = "{}", host: str = '"h"', extra: str = "") -> str:
    return (
        f'{{"tool": "srvdoctor", "host": {host}, "results": '
        f'[{{"check": "disk.space", "status": "fail", "data": {data}{extra}}}]}}'
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "not a srvdoctor report: arrays or objects nested too deeply"),
        (one_result("[" * 3000 + "]" * 3000), "not a srvdoctor report: arrays or objects nested too deeply"),
        (one_result("[" * 200 + "]" * 200), "not a srvdoctor report: the report is nested deeper than 64 levels"),
        (one_result('{"n": ' + "9" * 5000 + "}"),
         "not a srvdoctor report: Exceeds the limit (4300 digits) for integer string conversion"),
    ],
)  # fmt: skip
def test_deep_and_huge_input_is_skipped_with_a_reason(text: str, reason: str) -> None:
    hosts, skipped = read_reports(text, "x.json")
    assert hosts == []
    assert [(s.source, s.reason) for s in skipped] == [("x.json", reason)]


def test_a_bad_document_does_not_hide_the_next_one() -> None:
    text = "[" * 5000 + "\n" + json.dumps(report("gpu7", ok())) + "\n"
    hosts, skipped = read_reports(text, "x.jsonl")
    assert [h.host for h in hosts] == ["gpu7"]
    assert [s.source for s in skipped] == ["x.jsonl:1"]


def test_lone_surrogates_nan_and_huge_numbers_are_read_as_encodable_values() -> None:
    text = one_result(
        data='{"v": NaN, "w": Infinity, "\\udc80k": ["\\ud800"]}',
        host='"gpu\\udcff"',
        extra=', "summary": "bad \\udc80 name", "duration_s": ' + "9" * 400,
    )
    hosts, skipped = read_reports(text, "x.json")
    assert skipped == []
    fleet = merge(hosts)
    out = json.dumps(fleet.to_dict(), ensure_ascii=False, allow_nan=False)  # no NaN, no surrogate
    out.encode("utf-8")
    result = fleet.hosts[0].report.results[0]
    assert fleet.hosts[0].host == "gpu\\udcff"
    assert result.summary == "bad \\udc80 name"
    assert result.data == {"v": None, "w": None, "\\udc80k": ["\\ud800"]}
    assert result.duration_s == 0.0
