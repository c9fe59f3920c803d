"""path.exists in Korean: real missing paths with near misses, a broken symlink, a file in the
middle of a path and a file on a read-only mount, through `srvdoctor path --lang ko` (table)
and `--format json --lang ko` (English `summary`, Korean `localized`)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.checks.test_disk_ko import json_result, table_line
from tests.conftest import CliResult


def test_missing_path_with_near_misses_in_korean(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    (tmp_path / "Models").mkdir()
    (tmp_path / "models1").mkdir()
    wanted = tmp_path / "models" / "llama.bin"
    table = cli("path", str(wanted), "--lang", "ko")
    assert table.rc == 1, table.stderr
    ko = (
        f"{wanted} 없음: {tmp_path}까지는 있고 {tmp_path}/models부터 없음; "
        f"혹시 {tmp_path}/Models 또는 {tmp_path}/models1?"
    )
    assert table_line(table.stdout, "path.exists", wanted) == f"path.exists: {ko}"
    # the Korean note is the one linked
    assert "→ 플레이북: srvdoctor notes path-missing (" in table.stdout
    assert "playbooks/ko/path-missing.md)" in table.stdout

    found = json_result(cli("path", str(wanted), "--format", "json", "--lang", "ko"), "path.exists", wanted)
    assert found["summary"] == (
        f"{wanted} does not exist: {tmp_path} exists, {tmp_path}/models does not; "
        f"did you mean {tmp_path}/Models or {tmp_path}/models1?"
    )
    assert found["localized"] == {"lang": "ko", "summary": ko, "details": [], "hints": [f"ls -la {tmp_path}"]}
    assert found["playbook"] == "path-missing"


def test_broken_symlink_in_korean(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    link = tmp_path / "current"
    os.symlink(tmp_path / "release-7", link)
    found = json_result(cli("path", str(link), "--format", "json", "--lang", "ko"), "path.exists", link)
    assert (
        found["summary"]
        == f"{link}: {link} is a broken symlink to {tmp_path}/release-7 (which does not exist)"
    )
    assert found["details"] == [f"{link} points to {tmp_path}/release-7, which does not exist"]
    assert (
        found["localized"]["summary"] == f"{link}: {link} → {tmp_path}/release-7 깨진 심볼릭 링크 (대상 없음)"
    )  # type: ignore[index]
    assert found["localized"]["details"] == [f"{link} → {tmp_path}/release-7: 가리키는 대상 없음"]  # type: ignore[index]


def test_a_file_in_the_middle_of_a_path_in_korean(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    (tmp_path / "config").write_text("x")
    wanted = tmp_path / "config" / "app.toml"
    table = cli("path", str(wanted), "--lang", "ko")
    assert table_line(table.stdout, "path.exists", wanted) == (
        f"path.exists: {wanted}: {tmp_path}/config 디렉터리 아님 (파일)"
    )
    found = json_result(cli("path", str(wanted), "--format", "json", "--lang", "ko"), "path.exists", wanted)
    assert found["summary"] == f"{wanted}: {tmp_path}/config is a file, not a directory"


def test_wrong_kind_asked_by_the_config_in_korean(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    (tmp_path / "data").mkdir()
    config = tmp_path / "srvdoctor.toml"
    config.write_text(f'[targets]\npaths = ["file:{tmp_path}/data"]\n')
    result = cli("check", "--only", "path", "--format", "json", "--lang", "ko", "-c", str(config))
    found = json_result(result, "path.exists", tmp_path / "data")
    assert found["summary"] == f"{tmp_path}/data is a directory, not a file"
    assert found["localized"]["summary"] == f"{tmp_path}/data 파일 아님 (디렉터리)"  # type: ignore[index]


@pytest.mark.root
def test_file_on_a_read_only_mount_in_korean(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    mnt = tmp_path / "ro"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(mnt)], check=True)
    try:
        (mnt / "weights.pt").write_bytes(b"x")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        table = cli("path", str(mnt / "weights.pt"), "--lang", "ko")
        report = cli("path", str(mnt / "weights.pt"), "--format", "json", "--lang", "ko")
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
    ko = f"{mnt}/weights.pt 있음 (파일, 읽기 전용: 파일시스템이 읽기 전용으로 마운트됨)"
    assert table.rc == 0, table.stderr
    assert table_line(table.stdout, "path.exists", mnt / "weights.pt") == f"path.exists: {ko}"
    found = json_result(report, "path.exists", mnt / "weights.pt")
    assert (
        found["summary"] == f"{mnt}/weights.pt exists (file, read-only: its filesystem is mounted read-only)"
    )
    assert found["localized"]["summary"] == ko  # type: ignore[index]
    assert found["data"]["kind"] == "file"  # type: ignore[index]  # data stays English
