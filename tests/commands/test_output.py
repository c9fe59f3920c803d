"""Where the output goes: --output never replaces what is not a regular file; stdout failures are
one line and exit 2; COLUMNS cannot empty a table. Real device nodes, FIFOs, symlinks, /dev/full."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult

root = pytest.mark.root


def _one_error_line(run: CliResult) -> str:
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("srvdoctor: error: "), run.stderr
    return lines[0]


@root
def test_output_to_a_device_node_writes_through_and_keeps_the_node(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """A private null device (`mknod c 1 3`): the old atomic rename left a regular 0644 file."""
    node = tmp_path / "null"
    subprocess.run(["mknod", str(node), "c", "1", "3"], check=True)
    run = cli("notes", "--format", "json", "--output", str(node))
    assert run.rc == 0, run.stderr
    st = os.lstat(node)
    assert stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 1 and os.minor(st.st_rdev) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["null"]  # no temp file left


def _char_device(path: str | Path) -> tuple[int, int] | None:
    st = os.lstat(path)
    return (os.major(st.st_rdev), os.minor(st.st_rdev)) if stat.S_ISCHR(st.st_mode) else None


@pytest.fixture
def real_dev_null() -> Iterator[str]:
    """/dev/null, put back as the device it must be should the code under test replace it (the
    old atomic rename did: a test must not break the machine for everything else running)."""
    yield "/dev/null"
    if _char_device("/dev/null") != (1, 3):
        os.unlink("/dev/null")
        os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod("/dev/null", 0o666)


@root
def test_output_to_the_real_dev_null_leaves_it_a_char_device(
    cli: Callable[..., CliResult], real_dev_null: str
) -> None:
    run = cli("notes", "--output", real_dev_null)
    assert run.rc == 0, run.stderr
    assert _char_device(real_dev_null) == (1, 3)


@root
def test_output_to_a_full_device_is_one_error_line(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """A private /dev/full (`mknod c 1 7`): ENOSPC is one error line and exit 2; the old code
    exited 0 and left a regular file in place of the node."""
    full = tmp_path / "full"
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    run = cli("notes", "--format", "json", "--output", str(full))
    assert run.rc == 2
    assert "No space left on device" in _one_error_line(run)
    assert _char_device(full) == (1, 7)


def test_output_to_a_fifo_feeds_the_reader_and_keeps_the_fifo(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    run = cli("notes", "--format", "json", "--output", str(fifo))
    reader.join(10)
    assert run.rc == 0, run.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert any(n["id"] == "disk-full" for n in json.loads(got[0]))


def test_output_through_a_symlink_replaces_the_target_not_the_link(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "report.json"
    target.write_text("old\n")
    target.chmod(0o600)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    run = cli("notes", "--format", "json", "--output", str(link))
    assert run.rc == 0, run.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # the file's mode is kept
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "real" / "new.json")
    assert cli("notes", "--format", "json", "--output", str(dangling)).rc == 0
    assert dangling.is_symlink() and json.loads((tmp_path / "real" / "new.json").read_text())


def test_output_to_a_directory_or_a_socket_is_exit_2(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    import socket

    run = cli("notes", "--output", str(tmp_path))
    assert run.rc == 2 and "is a directory" in _one_error_line(run)
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(sock_path))
        run = cli("notes", "--output", str(sock_path))
        assert run.rc == 2 and "cannot open it for writing" in _one_error_line(run)
        assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)


def test_a_name_that_is_not_utf8_writes_valid_utf8_and_leaves_no_temp_file(tmp_path: Path) -> None:
    """`path $'/x/\\xff\\xfe'` -o FILE: was UnicodeEncodeError and a `.FILE.xxxxxxxx` left behind."""
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    env = {**os.environ, "SRVDOCTOR_CONFIG": os.devnull, "NO_COLOR": "1"}
    missing = os.fsencode(tmp_path) + b"/\xff\xfe/x"
    for fmt, name in (("json", "report.json"), ("table", "report.txt")):
        out = tmp_path / "out" / name
        proc = subprocess.run([sys.executable, "-m", "srvdoctor", "path", missing, "--format", fmt, "-o", str(out)],
                              capture_output=True, env=env, timeout=60)  # fmt: skip
        assert proc.returncode == 1 and b"Traceback" not in proc.stderr, proc.stderr
        text = out.read_bytes().decode("utf-8")  # valid UTF-8
        assert "\\xff\\xfe" in (json.loads(text)["results"][0]["summary"] if fmt == "json" else text)
    result = json.loads((tmp_path / "out" / "report.json").read_text())["results"][0]
    assert result["target"].endswith("/\\xff\\xfe/x")
    import base64

    assert base64.b64decode(result["target_bytes"]) == missing
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.json", "report.txt"]


@pytest.mark.parametrize(
    ("redirect", "reason"), [(">&-", "stdout is closed"), ("> /dev/full", "No space left")]
)
def test_stdout_closed_or_full_is_one_line_and_exit_2(redirect: str, reason: str) -> None:
    env = {**os.environ, "SRVDOCTOR_CONFIG": os.devnull}
    for args in ("notes", "notes --format json", "path /nonexistent/x"):
        proc = subprocess.run(["bash", "-c", f"{sys.executable} -m srvdoctor {args} {redirect}"],
                              capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
        run = CliResult(proc.returncode, proc.stdout, proc.stderr)
        assert run.rc == 2, (args, run)
        assert reason in _one_error_line(run)


@pytest.mark.parametrize("columns", ["0", "-5", "abc", "3", ""])
def test_unusable_columns_do_not_empty_tables(cli: Callable[..., CliResult], columns: str) -> None:
    run = cli("notes", env={"COLUMNS": columns})
    assert run.rc == 0, run.stderr
    assert "disk-full" in run.stdout and "No space left on device" in run.stdout
    run = cli("path", "/nonexistent/x", env={"COLUMNS": columns})
    assert "/nonexistent/x does not exist" in run.stdout
