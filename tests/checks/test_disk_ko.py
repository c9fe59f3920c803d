"""disk.space, disk.inodes and disk.deleted_open in Korean: real full, inode-exhausted and
read-only filesystems and a real deleted-but-open file, read through the CLI under
`--lang ko` (the table) and `--format json --lang ko` (English `summary`, Korean `localized`)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from srvdoctor.checks.disk import DiskSpace
from srvdoctor.messages import localize
from srvdoctor.probes.filesystems import FilesystemError, filesystems
from tests.checks.test_disk_deleted_open import holder
from tests.conftest import CliResult, require_tool, skip_or_fail

__all__ = ["holder"]  # the fixture, imported for pytest

MiB = 1024**2
#: The mark a result line starts with, in a UTF-8 console or an ASCII one.
_MARK = re.compile(r"^  \[(?:✓|ok|!|!!|✗|XX|-|--|\?|\?\?)\] ")


def table_line(stdout: str, check: str, target: Path | str) -> str:
    """The one result line of `check` about `target`, without its mark: `check: SUMMARY` where
    the summary starts with the target, else `check TARGET: SUMMARY`."""
    lines = [_MARK.sub("", line) for line in stdout.splitlines() if _MARK.match(line)]
    starts = (f"{check}: {target} ", f"{check}: {target}:", f"{check} {target}: ")
    found = [line for line in lines if line.startswith(starts)]
    assert len(found) == 1, stdout
    return found[0]


def json_result(result: CliResult, check: str, target: Path | str) -> dict[str, object]:
    report = json.loads(result.stdout)
    found = [r for r in report["results"] if r["check"] == check and r["target"] == str(target)]
    assert len(found) == 1, found
    got: dict[str, object] = found[0]
    return got


def fill(directory: Path) -> None:
    with open(directory / "blob", "wb") as fh, pytest.raises(OSError, match="No space left on device"):
        fh.write(b"\0" * (3 * MiB))
        fh.flush()


@pytest.mark.root
def test_full_tmpfs_in_korean(tmpfs, cli: Callable[..., CliResult]) -> None:  # type: ignore[no-untyped-def]
    full = tmpfs("full", size="2M")
    fill(full)
    table = cli("check", "--only", "disk", "--lang", "ko")
    assert table.rc == 1, table.stderr
    assert table_line(table.stdout, "disk.space", full) == (
        f"disk.space: {full} 100% 사용 중 (전체 2.0 MiB 중 여유 공간 0 B)"
    )
    assert f"→ 해 보기: srvdoctor disk {full} --depth 2" in table.stdout  # a command stays a command

    report = cli("check", "--only", "disk", "--format", "json", "--lang", "ko")
    found = json_result(report, "disk.space", full)
    assert found["summary"] == f"{full} is 100% full (0 B free of 2.0 MiB)"
    assert found["localized"] == {
        "lang": "ko",
        "summary": f"{full} 100% 사용 중 (전체 2.0 MiB 중 여유 공간 0 B)",
        "details": [],
        "hints": [f"srvdoctor disk {full} --depth 2"],
    }
    assert (found["status"], found["playbook"]) == ("fail", "disk-full")  # ids do not change


@pytest.mark.root
def test_inode_exhausted_tmpfs_in_korean(tmpfs, cli: Callable[..., CliResult]) -> None:  # type: ignore[no-untyped-def]
    target = tmpfs("inodes", size="2M", nr_inodes=40)
    with pytest.raises(OSError):
        for i in range(100):
            (target / f"f{i}").touch()
    report = cli("check", "--only", "disk", "--format", "json", "--lang", "ko")
    found = json_result(report, "disk.inodes", target)
    data = found["data"]
    assert isinstance(data, dict) and data["inodes_free"] == 0
    total = f"{data['inodes_total']:,}"
    assert found["summary"] == f"{target} has 100% of its inodes in use (0 of {total} free)"
    assert found["localized"]["summary"] == f"{target} inode 100% 사용 중 (전체 {total}개 중 0개 남음)"  # type: ignore[index]
    table = cli("check", "--only", "disk", "--lang", "ko")
    assert table_line(table.stdout, "disk.inodes", target) == (
        f"disk.inodes: {target} inode 100% 사용 중 (전체 {total}개 중 0개 남음)"
    )


@pytest.mark.root
def test_read_only_ext4_mount_in_korean(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    mkfs = require_tool("mkfs.ext4", "e2fsprogs")
    image, mnt = tmp_path / "disk.img", tmp_path / "ro"
    mnt.mkdir()
    with open(image, "wb") as fh:
        fh.truncate(8 * MiB)
    subprocess.run([mkfs, "-q", "-F", str(image)], check=True, capture_output=True)
    mounted = subprocess.run(["mount", "-o", "loop,ro", str(image), str(mnt)], capture_output=True, text=True)
    if mounted.returncode != 0:
        skip_or_fail(f"cannot loop-mount an ext4 image here: {mounted.stderr.strip()}")
    try:
        report = cli("check", "--only", "disk", "--format", "json", "--lang", "ko")
        table = cli("check", "--only", "disk", "--lang", "ko")
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
    found = json_result(report, "disk.space", mnt)
    pct = f"{found['data']['used_percent']:.0f}"  # type: ignore[index]
    assert (found["status"], found["playbook"]) == ("warn", "read-only-filesystem")
    assert found["summary"] == f"{mnt} is mounted read-only (ext4, {pct}% full)"
    assert found["localized"]["summary"] == f"{mnt} 읽기 전용으로 마운트됨 (ext4, {pct}% 사용 중)"  # type: ignore[index]
    assert table_line(table.stdout, "disk.space", mnt) == (
        f"disk.space: {mnt} 읽기 전용으로 마운트됨 (ext4, {pct}% 사용 중)"
    )


@pytest.mark.root
def test_deleted_open_file_in_korean(holder, tmpfs, cli: Callable[..., CliResult]) -> None:  # type: ignore[no-untyped-def]
    mount = tmpfs("held", size="16M")
    proc, path, fd = holder(mount)
    report = cli("check", "--only", "disk", "--format", "json", "--lang", "ko")
    found = json_result(report, "disk.deleted_open", mount)
    largest = f"PID {proc.pid} srvdoctor-held, {path}, 5.0 MiB"
    assert found["summary"] == (
        f"5.0 MiB on {mount} is held by 1 deleted file still open (largest: {largest}) "
        "(31% of the filesystem: df counts it, du cannot see it)"
    )
    assert found["localized"] == {
        "lang": "ko",
        "summary": f"{mount}: 삭제됐지만 열려 있는 파일 1개가 5.0 MiB 점유 (가장 큰 것: {largest}) "
        "(파일시스템의 31%: df에는 잡히지만 du에는 보이지 않음)",
        "details": [f"PID {proc.pid} (srvdoctor-held) fd {fd}: {path} (5.0 MiB)"],
        "hints": [
            f"{path} 공간을 되찾으려면 srvdoctor-held (PID {proc.pid}) 재시작",
            f"또는 그 자리에서 비우기: : > /proc/{proc.pid}/fd/{fd}",
        ],
    }
    assert found["hints"] == [
        f"restart srvdoctor-held (PID {proc.pid}) to release {path}",
        f"or empty it in place: : > /proc/{proc.pid}/fd/{fd}",
    ]
    table = cli("check", "--only", "disk", "--lang", "ko")
    assert f"→ 해 보기: {path} 공간을 되찾으려면 srvdoctor-held (PID {proc.pid}) 재시작" in table.stdout


def test_a_mount_that_cannot_be_read_names_the_os_error_in_korean(tmp_path: Path) -> None:
    """A mount point that is gone: statvfs's real ENOENT, in glibc's Korean words."""
    mountinfo = tmp_path / "mountinfo"
    gone = tmp_path / "gone"
    mountinfo.write_text(f"36 35 98:0 / {gone} rw,noatime - ext4 /dev/vdz rw\n")
    (error,) = filesystems(2.0, mountinfo=mountinfo)
    assert isinstance(error, FilesystemError)
    from srvdoctor.checks.disk import _unreadable

    result = _unreadable(DiskSpace.id, error)
    assert result.summary == f"{gone} (ext4) could not be read: No such file or directory"
    assert localize(result.summary, "ko") == f"{gone} (ext4) 읽기 실패: 그런 파일이나 디렉터리가 없습니다"
    assert result.to_dict("ko")["localized"]["summary"] == localize(result.summary, "ko")  # type: ignore[index]


def test_inverted_thresholds_are_one_line_in_korean(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    config = tmp_path / "srvdoctor.toml"
    config.write_text('[checks."disk.space"]\nwarn_percent = 95\nfail_percent = 90\n')
    korean = cli("check", "--only", "disk", "-c", str(config), "--lang", "ko")
    english = cli("check", "--only", "disk", "-c", str(config))
    assert (korean.rc, english.rc, korean.stdout, english.stdout) == (2, 2, "", "")
    assert len(korean.stderr.splitlines()) == 1
    assert korean.stderr.rstrip("\n").endswith(
        f'{config}:1: checks."disk.space": 0 <= warn_percent <= fail_percent <= 100 이어야 함 (현재 95.0, 90.0)'
    )
    assert english.stderr.rstrip("\n").endswith(
        f'{config}:1: checks."disk.space": need 0 <= warn_percent <= fail_percent <= 100, got 95.0 and 90.0'
    )
