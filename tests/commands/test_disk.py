"""`srvdoctor disk`: the df view, the tree, top files and space eaters, on real tmpfs trees."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest


def du(*args: str) -> int:
    out = subprocess.run(["du", *args], capture_output=True, text=True, check=False)
    return int(out.stdout.split()[0])


@pytest.mark.root
def test_json_tree_df_row_and_top_files(tmpfs, cli) -> None:  # type: ignore[no-untyped-def]
    root = tmpfs("disk", size="32M")
    for name, size in (("models", 3_000_000), ("data", 1_000_000), ("logs", 200_000)):
        (root / name / "sub").mkdir(parents=True)
        (root / name / "sub" / "blob").write_bytes(os.urandom(size))
    with open(root / "data" / "sparse.img", "wb") as fh:
        fh.truncate(8 * 1024 * 1024)
    result = cli("disk", str(root), "--depth", "1", "--top", "2", "--format", "json")
    assert result.rc == 0, result.stderr
    report = json.loads(result.stdout)
    tree = report["tree"]
    assert (tree["path"], tree["bytes"], tree["items"]) == (
        str(root),
        du("-B1", "-x", "-s", str(root)),
        du("--inodes", "-x", "-s", str(root)),
    )
    assert [c["path"] for c in tree["children"]] == [str(root / "models"), str(root / "data")]
    assert tree["dirs"] == 3 and tree["children"][0]["children"] == []
    assert report["top_files"][0] == {"path": str(root / "models/sub/blob"), "bytes": 3_002_368,
                                      "allocated_bytes": 3_002_368, "apparent_bytes": 3_000_000}  # fmt: skip
    (row,) = [fs for fs in report["filesystems"] if fs["mountpoint"] == str(root)]
    assert (row["fstype"], row["size_bytes"]) == ("tmpfs", 32 * 1024 * 1024)
    assert report["scan"]["complete"] is True
    apparent = json.loads(cli("disk", str(root), "--apparent-size", "--format", "json").stdout)
    assert apparent["tree"]["bytes"] == du("-B1", "-x", "-s", "--apparent-size", str(root))
    assert apparent["top_files"][0]["path"] == str(root / "data" / "sparse.img")


@pytest.mark.root
def test_table_names_space_eaters_and_unreadable_dirs(tmpfs, cli) -> None:  # type: ignore[no-untyped-def]
    root = tmpfs("eaters", size="16M")
    hf = root / "home" / "ana" / ".cache" / "huggingface" / "hub"
    hf.mkdir(parents=True)
    (hf / "model.safetensors").write_bytes(os.urandom(2 * 1024 * 1024))
    result = cli("disk", str(root), "--depth", "3")
    assert result.rc == 0, result.stderr
    assert "known space eaters" in result.stdout
    assert f"{root}/home/ana/.cache/huggingface  Hugging Face cache (models and datasets)" in result.stdout
    assert "huggingface-cli delete-cache" in result.stdout
    assert f"  {root}/home/ana/.cache/huggingface/" in result.stdout  # depth 3 reaches it


def test_max_time_marks_the_scan_incomplete(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    for i in range(50):
        (tmp_path / f"d{i}").mkdir()
    result = cli("disk", str(tmp_path), "--max-time", "0.000001", "--format", "json")
    scan = json.loads(result.stdout)["scan"]
    assert (scan["complete"], scan["incomplete"]) == (False, "time limit")
    table = cli("disk", str(tmp_path), "--max-time", "0.000001")
    assert "incomplete scan (time limit)" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["/nonexistent/dir"],
            "/nonexistent/dir: no such directory (srvdoctor path /nonexistent/dir says what is missing)",
        ),
        (["/etc/passwd"], "/etc/passwd: not a directory (ls -l /etc/passwd)"),
        (["/", "--depth", "-1"], "--depth must be between 0 and 64, not -1"),
        (["/", "--top", "0"], "--top must be between 1 and 1000, not 0"),
        (["/", "--max-time", "0"], "--max-time must be between 0 and 86400 seconds, not 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("disk", *args)
    assert (result.rc, result.stderr) == (2, f"srvdoctor: error: {message}\n")
