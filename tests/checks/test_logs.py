"""Judgment of the logs area: kernel problems grouped, sources named, first errors found."""

from __future__ import annotations

from srvdoctor.checks.logs import (
    CrashedContainers,
    JournaldUsage,
    KernelLogCheck,
    find_problems,
    judge_container,
)
from srvdoctor.checks.logs_text import read_log
from srvdoctor.model import Status
from srvdoctor.playbooks import load_library
from srvdoctor.probes.container_logs import ContainerRun
from srvdoctor.probes.journal import parse_disk_usage, parse_show
from srvdoctor.probes.kernellog import KernelLine, KernelLog, SourceRead

LIB = load_library(None)
KMSG = SourceRead("/dev/kmsg", True, 3, 300)


def _lines(*texts: str, start: float = 1000.0) -> tuple[KernelLine, ...]:
    return tuple(KernelLine(start + i, t, "/dev/kmsg") for i, t in enumerate(texts))


def test_problems_grouped_by_kind_and_device_newest_first() -> None:
    lines = _lines(
        "blk_update_request: I/O error, dev sdb, sector 1 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0",
        "NVRM: Xid (PCI:0000:3b:00): 79, pid=7, name=python, GPU has fallen off the bus.",
        "blk_update_request: I/O error, dev sdb, sector 9 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0",
        "systemd[1]: Started something.",
    )
    problems = find_problems(lines)
    assert [(p.kind, p.device, p.count) for p in problems] == [
        ("block-io-error", "sdb", 2),
        ("gpu-xid", "0000:3b:00", 1),
    ]
    assert (problems[0].first, problems[0].last) == (1000.0, 1002.0)
    results = KernelLogCheck().judge(KernelLog(lines, (KMSG,)), now=1010.0)
    assert [(r.target, r.status, r.playbook) for r in results] == [
        ("sdb", Status.FAIL, "disk-io-errors"),
        ("0000:3b:00", Status.FAIL, "gpu-xid"),
        ("kernel log", Status.OK, None),
    ]
    assert results[1].data["xid"] == 79 and results[1].data["processes"] == ["python[7]"]


def test_old_problems_warn_and_oom_kills_are_left_to_mem_oom() -> None:
    lines = _lines(
        "nf_conntrack: nf_conntrack: table full, dropping packet",
        "Out of memory: Killed process 42 (python) total-vm:1kB, anon-rss:1kB, file-rss:0kB",
    )
    log = KernelLog(lines, (KMSG,))
    fresh = KernelLogCheck().judge(log, now=1000.0 + 3600)
    old = KernelLogCheck().judge(log, now=1000.0 + 25 * 3600)
    assert [(r.target, r.status) for r in fresh] == [
        ("conntrack-full", Status.FAIL),
        ("kernel log", Status.OK),
    ]
    assert [(r.target, r.status) for r in old] == [("conntrack-full", Status.WARN), ("kernel log", Status.OK)]
    with_oom = KernelLogCheck(include_oom=True).judge(log, now=1000.0 + 3600)
    assert [r.target for r in with_oom] == ["oom-kill", "conntrack-full", "kernel log"]


def test_an_unreadable_source_is_named_never_nothing_found() -> None:
    journal = SourceRead("journalctl -k", False, reason="no journal files were found")
    [result] = KernelLogCheck().judge(KernelLog(_lines("Linux version 6.1.0"), (KMSG, journal)))
    assert result.status is Status.OK
    assert "no kernel problems" in result.summary and "journalctl -k: no journal files" in result.summary


def test_no_readable_source_is_a_skip_that_says_how_to_enable() -> None:
    kmsg = SourceRead("/dev/kmsg", False, reason="Operation not permitted")
    absent = SourceRead("/var/log/kern.log", False, reason="absent")
    [result] = KernelLogCheck().judge(KernelLog((), (kmsg, absent)))
    assert result.status is Status.SKIP and "/dev/kmsg: Operation not permitted" in result.summary
    assert "dmesg_restrict=0" in result.details[0] and "systemd-journal" in result.details[0]


def test_a_source_that_reads_empty_since_boot_is_a_skip_not_nothing_found() -> None:
    """/dev/kmsg bound to /dev/null (LXC) reads fine and holds nothing: a booted kernel has
    always logged something, so "no problems in 0 lines" would judge a log nobody could read."""
    empty = SourceRead("/dev/kmsg", True, 0, 0)
    [result] = KernelLogCheck().judge(KernelLog((), (empty,)))
    assert (result.status, result.summary) == (
        Status.SKIP,
        "the kernel log read empty (/dev/kmsg (0 lines)): nothing to judge",
    )
    [windowed] = KernelLogCheck().judge(KernelLog((), (empty,)), since_s=3600)  # a quiet hour is possible
    assert windowed.status is Status.OK


def test_a_cut_source_is_said() -> None:
    cut = SourceRead("/dev/kmsg", True, 3, 300, truncated=True)
    [result] = KernelLogCheck().judge(KernelLog(_lines("Linux version 6.1.0"), (cut,)))
    assert any(d.startswith("cut:") for d in result.details)


def test_first_error_not_the_last_traceback_line() -> None:
    log = "\n".join([
        "starting worker",
        "Traceback (most recent call last):",
        '  File "/app/train.py", line 3, in <module>',
        "    save()",
        "OSError: [Errno 28] No space left on device",
        "during handling, another exception occurred:",
        "Traceback (most recent call last):",
        '  File "/app/train.py", line 9, in <module>',
        "RuntimeError: checkpoint failed",
    ])  # fmt: skip
    finding = read_log(log, LIB)
    assert finding.first_error == "OSError: [Errno 28] No space left on device"
    assert finding.playbooks[0] == "disk-full"
    assert "disk" in finding.error_class
    assert finding.first_error_lineno == 2


def test_a_log_without_errors() -> None:
    finding = read_log("ready\nserving on :8000\n0 errors\n", LIB)
    assert not finding.found and finding.lines_read == 3


def test_container_judgment() -> None:
    run = ContainerRun("web", "abc", "exited", 1, False, 0, 1000.0, 900.0)
    finding = read_log("OSError: [Errno 28] No space left on device", LIB)
    result = judge_container(CrashedContainers.id, run, finding)
    assert (result.status, result.playbook) == (Status.FAIL, "disk-full")
    oom = ContainerRun("big", "def", "exited", 137, True, 0, 1000.0, 900.0)
    assert judge_container(CrashedContainers.id, oom, read_log("", LIB)).playbook == "oom-killed"


def test_systemctl_show_and_disk_usage_parsing() -> None:
    text = (
        "Id=web.service\nActiveState=failed\nSubState=failed\nResult=exit-code\nNRestarts=5\nExecMainStatus=1\n\n"
        "Id=ok.service\nLoadState=not-found\nActiveState=active\nSubState=running\nResult=success\nNRestarts=0\nExecMainStatus=0\n"
    )
    units = parse_show(text)
    assert [(u.name, u.active, u.restarts, u.exec_status, u.load) for u in units] == [
        ("web.service", "failed", 5, 1, "loaded"), ("ok.service", "active", 0, 0, "not-found")]  # fmt: skip
    assert parse_disk_usage("Archived and active journals take up 1.5G in the file system.") == int(
        1.5 * 1024**3
    )
    assert parse_disk_usage("Archived and active journals take up 0B in the file system.") == 0


def test_journald_over_its_limit_warns() -> None:
    check = JournaldUsage()
    assert check.judge(100 * 1024**2, 4 * 1024**3, "default").status is Status.OK
    over = check.judge(5 * 1024**3, 4 * 1024**3, "SystemMaxUse=4G in /etc/systemd/journald.conf")
    assert over.status is Status.WARN and over.playbook == "disk-full"
