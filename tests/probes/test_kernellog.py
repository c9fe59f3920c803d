"""The kernel log reader against the real ring buffer, the real journal (where there is
one) and real syslog files."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from srvdoctor.probes import kernellog
from srvdoctor.probes.kernellog import (
    KernelLine,
    merge,
    parse_syslog,
    read_kern_log,
    read_kernel_log,
    read_kmsg,
)
from tests.kmsgutil import kernel_lines, token, write_kmsg


@pytest.mark.root
def test_kmsg_lines_come_back_with_wall_clock_times() -> None:
    tok = token()
    before = time.time()
    lines = kernel_lines(tok)
    write_kmsg(*lines.values())
    got, read = read_kmsg(since=kernellog.boot_time())
    mine = [line for line in got if tok in line.text]
    assert [line.text for line in mine] == list(lines.values())
    assert read.readable and not read.truncated and read.name == "/dev/kmsg"
    for line in mine:
        # monotonic stamps + boot time: within a few seconds of the wall clock
        assert line.time is not None and before - 5 <= line.time <= time.time() + 5


@pytest.mark.root
def test_kmsg_is_bounded_to_the_newest_bytes() -> None:
    tok = token()
    write_kmsg(f"first {tok}", f"second {tok}")
    got, read = read_kmsg(since=0, max_bytes=200)
    assert read.truncated and read.bytes <= 200
    assert got and got[-1].text == f"second {tok}"


@pytest.mark.root
def test_since_excludes_older_lines() -> None:
    tok = token()
    write_kmsg(f"old line {tok}")
    time.sleep(1.2)
    got, _ = read_kmsg(since=time.time() + 60)  # the future: nothing
    assert not [line for line in got if tok in line.text]


@pytest.mark.root
def test_every_source_the_machine_has_is_read_or_named() -> None:
    tok = token()
    write_kmsg(f"NVRM: Xid (PCI:0000:fe:00): 13, pid=1, name=x-{tok}, Graphics Exception")
    log = read_kernel_log(since=time.time() - 120, timeout=10)
    names = {s.name: s for s in log.sources}
    assert set(names) == {"/dev/kmsg", "journalctl -k", "/var/log/kern.log"}
    assert names["/dev/kmsg"].readable
    assert [line.text for line in log.lines if tok in line.text] != []
    journal = names["journalctl -k"]
    if shutil.which("journalctl") is None:
        assert journal.reason == "absent"
    elif not journal.readable:
        # e.g. this sandbox: journalctl is installed but no journald stores logs —
        # named with journalctl's reason, never taken as "nothing found"
        assert journal.reason and journal in log.unreadable
    else:
        # journald forwards the kernel's messages: the line read twice is merged once
        assert len([line for line in log.lines if tok in line.text]) == 1
    kern = names["/var/log/kern.log"]
    assert kern.readable or kern.reason == "absent" or kern in log.unreadable


def test_kern_log_tail_is_bounded_and_parsed(tmp_path: Path) -> None:
    log = tmp_path / "kern.log"
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now)) + ".123456+00:00"
    old = "Jan  1 00:00:01 host kernel: [    1.000000] very old line\n" * 2000
    new = f"{stamp} host kernel: [12345.678901] EXT4-fs error (device sdtest1): x:1: comm y: z\n"
    log.write_text(old + new)
    got, read = read_kern_log(since=0, max_bytes=4096, path=log)
    assert read.bytes <= 4096 and read.readable
    assert got[-1].text.startswith("EXT4-fs error (device sdtest1)")
    assert got[-1].time is not None


def test_classic_syslog_stamp_is_this_year() -> None:
    now = time.time()
    stamp = time.strftime("%b %e %H:%M:%S", time.localtime(now - 60))
    lines = parse_syslog(f"{stamp} host kernel: [ 5.1] hello\n", "kern.log", now)
    assert lines and lines[0].time is not None and abs(lines[0].time - (now - 60)) < 2


def test_unreadable_kern_log_is_named(tmp_path: Path) -> None:
    missing_kmsg = tmp_path / "no-kmsg"
    unreadable = tmp_path / "kern.log"
    unreadable.mkdir()  # a directory: reading it fails with EISDIR, as a real unreadable file would
    log = read_kernel_log(since=0, kmsg=missing_kmsg, kern_log=unreadable, journal=False)
    assert log.read == []
    reasons = {s.name: s.reason for s in log.unreadable}
    assert reasons == {str(missing_kmsg): "No such file or directory", str(unreadable): "Is a directory"}


def test_merge_keeps_one_copy_per_message() -> None:
    a = [KernelLine(100.0, "x", "/dev/kmsg"), KernelLine(200.0, "x", "/dev/kmsg")]
    b = [KernelLine(101.5, "x", "journalctl -k"), KernelLine(300.0, "y", "journalctl -k")]
    merged = merge([a, b])
    assert [(line.time, line.text) for line in merged] == [(100.0, "x"), (200.0, "x"), (300.0, "y")]


@pytest.mark.root
def test_journal_without_journal_files_is_not_nothing_found() -> None:
    if shutil.which("journalctl") is None:
        pytest.skip("journalctl is not installed here: the 'absent' case is covered above")
    proc = subprocess.run(["journalctl", "-k", "-b", "-n", "1", "--no-pager"], capture_output=True, text=True)
    try:
        lines, read = kernellog.read_journal(since=0, timeout=10)
    except OSError as exc:
        assert "No journal files" in proc.stderr or proc.returncode != 0, exc
        return
    assert read.readable and read.lines == len(lines)
    assert os.path.isdir("/var/log/journal") or os.path.isdir("/run/log/journal")
