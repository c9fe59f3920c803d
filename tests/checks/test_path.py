"""path.exists and `srvdoctor path`: missing components, near misses, broken links, kinds,
permission denied (as `nobody`), and the config's targets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.path import PathExists, split_expectation
from srvdoctor.config import Config, Targets
from srvdoctor.model import Status
from srvdoctor.probes.paths import inspect_path


def judge(path: Path | str, want: str | None = None):  # type: ignore[no-untyped-def]
    return PathExists().judge(inspect_path(str(path)), want)


def test_missing_names_first_missing_component_and_case_near_miss(tmp_path: Path) -> None:
    (tmp_path / "Models").mkdir()
    result = judge(tmp_path / "models" / "bert")
    assert (result.status, result.playbook) == (Status.FAIL, "path-missing")
    assert result.summary == (
        f"{tmp_path}/models/bert does not exist: {tmp_path} exists, {tmp_path}/models does not; "
        f"did you mean {tmp_path}/Models?"
    )


def test_typo_near_miss(tmp_path: Path) -> None:
    (tmp_path / "models" / "bert-base").mkdir(parents=True)
    result = judge(tmp_path / "models" / "bert-bsae")
    assert result.data["existing"] == str(tmp_path / "models")
    assert result.data["suggestions"] == [str(tmp_path / "models" / "bert-base")]


def test_broken_symlink_says_where_it_points(tmp_path: Path) -> None:
    (tmp_path / "current").symlink_to("/nonexistent/ckpt-0042")
    result = judge(tmp_path / "current" / "weights.pt")
    assert result.status is Status.FAIL
    assert result.summary == (
        f"{tmp_path}/current/weights.pt: {tmp_path}/current is a broken symlink to /nonexistent/ckpt-0042 "
        "(which does not exist)"
    )


def test_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    assert inspect_path(str(tmp_path / "a" / "x")).state == "link-loop"


def test_kinds(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("x")
    (tmp_path / "data").mkdir()
    assert (
        judge(tmp_path / "config.toml", "directory").summary
        == f"{tmp_path}/config.toml is a file, not a directory"
    )
    assert judge(tmp_path / "data", "file").status is Status.FAIL
    assert judge(tmp_path / "data", "directory").status is Status.OK
    ok = judge(tmp_path / "config.toml")
    assert (ok.status, ok.summary) == (Status.OK, f"{tmp_path}/config.toml exists (file, read-write for you)")
    inside_file = judge(tmp_path / "config.toml" / "x")
    assert (
        inside_file.summary == f"{tmp_path}/config.toml/x: {tmp_path}/config.toml is a file, not a directory"
    )


def test_expectations_from_config_strings() -> None:
    assert split_expectation("/data/models/") == ("/data/models", "directory")
    assert split_expectation("file:/etc/app.toml") == ("/etc/app.toml", "file")
    assert split_expectation("/") == ("/", None)


def test_no_paths_configured_means_no_results() -> None:
    assert PathExists().run(CheckContext(config=Config())) == []


def test_config_targets_are_checked(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    config = Config(targets=Targets(paths=(f"{tmp_path}/data/", f"file:{tmp_path}/data", f"{tmp_path}/nope")))
    statuses = [r.status for r in PathExists().run(CheckContext(config=config))]
    assert statuses == [Status.OK, Status.FAIL, Status.FAIL]


def test_cli_path_exit_codes(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ok").write_text("x")
    assert cli("path", str(tmp_path / "ok")).rc == 0
    missing = cli("path", str(tmp_path / "ok"), str(tmp_path / "Ok2"), "--format", "json")
    assert missing.rc == 1
    results = json.loads(missing.stdout)["results"]
    assert [r["status"] for r in results] == ["ok", "fail"]
    assert results[1]["data"]["suggestions"] == [str(tmp_path / "ok")]
    bad = cli("path", str(tmp_path), "--type", "socket")
    assert (bad.rc, bad.stderr) == (
        2,
        "srvdoctor: error: --type must be one of any, file, dir, not 'socket'\n",
    )
    assert cli("path", str(tmp_path / "ok"), "--type", "dir").rc == 1


def test_cli_check_reads_paths_from_config(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "srvdoctor.toml"
    cfg.write_text(f'[targets]\npaths = ["{tmp_path}/models/"]\n')
    result = cli("check", "--only", "path", "--config", str(cfg), "--format", "json")
    assert result.rc == 1
    (found,) = json.loads(result.stdout)["results"]
    assert (found["check"], found["status"], found["data"]["missing"]) == (
        "path.exists",
        "fail",
        f"{tmp_path}/models",
    )


@pytest.fixture
def world_dir() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="srvdoctor-path-", dir="/tmp"))
    base.chmod(0o755)
    yield base
    subprocess.run(["rm", "-rf", str(base)], check=False)


@pytest.mark.root
def test_permission_denied_names_the_blocking_directory(world_dir: Path) -> None:
    secret = world_dir / "secret"
    (secret / "models").mkdir(parents=True)
    (secret / "models" / "w.bin").write_bytes(b"x")
    secret.chmod(0o700)
    (world_dir / "locked.txt").write_text("x")
    (world_dir / "locked.txt").chmod(0o600)
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "srvdoctor",
         "path", str(secret / "models" / "w.bin"), str(world_dir / "locked.txt"), "--format", "json"],
        capture_output=True, text=True, cwd="/", env={**os.environ, "HOME": "/nonexistent"},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    denied, unreadable = json.loads(proc.stdout)["results"]
    assert (denied["playbook"], denied["summary"]) == (
        "permission-denied",
        f"{secret}/models/w.bin: permission denied at {secret} (you cannot enter it)",
    )
    assert unreadable["summary"] == f"{world_dir}/locked.txt exists (file) but you cannot read it"
    assert unreadable["playbook"] == "permission-denied"


@pytest.mark.root
def test_a_file_on_a_read_only_mount_says_why_it_is_read_only(tmp_path: Path) -> None:
    """0.1.0 said "read-only for you", as if permissions were the cause."""
    mnt = tmp_path / "ro"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(mnt)], check=True)
    try:
        (mnt / "weights.pt").write_bytes(b"x")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        r = judge(mnt / "weights.pt")
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
    assert r.summary == f"{mnt}/weights.pt exists (file, read-only: its filesystem is mounted read-only)"
    assert r.data["read_only_filesystem"] is True
