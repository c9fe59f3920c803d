"""`srvdoctor disk`: the df view, the tree, top files and space eaters, on real tmpfs trees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


HOLD_DELETED = """
import os, sys, time
fh = open(sys.argv[1], "wb")
fh.write(os.urandom(1024 * 1024))
fh.flush()
os.unlink(sys.argv[1])
print("ready", flush=True)
time.sleep(60)
"""


@pytest.mark.root
def test_disk_path_judges_its_own_filesystem_only(tmpfs, cli) -> None:  # type: ignore[no-untyped-def]
    """A full tmpfs elsewhere, with a deleted-open file on it, does not fail `disk PATH` (issue 12.7)."""
    full = tmpfs("full", size="2M")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_DELETED, str(full / "held.bin")],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        subprocess.run(["dd", "if=/dev/zero", f"of={full}/fill", "bs=64k"], capture_output=True, check=False)
        mine = tmpfs("mine", size="8M")
        (mine / "data").mkdir()
        (mine / "data" / "blob").write_bytes(os.urandom(100_000))
        result = cli("disk", str(mine / "data"), "--format", "json")
        report = json.loads(result.stdout)
        assert result.rc == 0, [r["summary"] for r in report["results"]]
        assert str(full) in [fs["mountpoint"] for fs in report["filesystems"]]  # still in the df table
        targets = {r["target"] for r in report["results"]}
        assert str(full) not in targets and str(mine) in targets
        deleted = [r for r in report["results"] if r["check"] == "disk.deleted_open"]
        assert all(str(full) not in f["path"] for r in deleted for f in r["data"]["files"])
        assert deleted[0]["summary"].startswith(
            f"no deleted file still held open takes up space on {mine} (read"
        )
        # the full filesystem itself still fails
        assert cli("disk", str(full), "--format", "json").rc == 1
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.root
def test_df_du_gap_names_its_possible_causes(tmpfs, cli) -> None:  # type: ignore[no-untyped-def]
    """Files hidden under a mount point: df counts them, the scan cannot; not blamed on a reserve."""
    root = tmpfs("gap", size="16M")
    (root / "under").mkdir()
    (root / "under" / "hidden.bin").write_bytes(os.urandom(4 * 1024 * 1024))
    (root / "seen.bin").write_bytes(os.urandom(100_000))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(root / "under")], check=True)
    try:
        table = cli("disk", str(root), "--depth", "1")
        report = json.loads(cli("disk", str(root), "--format", "json").stdout)
    finally:
        subprocess.run(["umount", "-l", str(root / "under")], check=False)
    assert table.rc == 0, table.stderr
    assert f"df counts 4.1 MiB used on {root}, the scan found" in table.stdout
    assert f"files hidden under the mount point {root}/under: written there before" in table.stdout
    assert f"mount --bind {root} /mnt/peek && du -sh /mnt/peek/under" in table.stdout
    assert "deleted files still open: none" in table.stdout
    assert "reserved for root" not in table.stdout
    assert report["scan"]["df_gap_bytes"] >= 4 * 1024 * 1024
    assert any("hidden under the mount point" in c for c in report["scan"]["df_gap_causes"])


@pytest.mark.root
def test_disk_does_not_suggest_itself(tmpfs, cli) -> None:  # type: ignore[no-untyped-def]
    full = tmpfs("full", size="1M")
    subprocess.run(["dd", "if=/dev/zero", f"of={full}/fill", "bs=64k"], capture_output=True, check=False)
    result = cli("disk", str(full), "--format", "json")
    assert result.rc == 1
    space = [r for r in json.loads(result.stdout)["results"] if r["check"] == "disk.space"]
    assert space and space[0]["status"] == "fail" and space[0]["playbook"] == "disk-full"
    assert not any(h.startswith("srvdoctor disk") for r in space for h in r["hints"])
    assert "srvdoctor disk" not in cli("disk", str(full)).stdout


def test_one_item_is_singular(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "empty").mkdir()
    out = cli("disk", str(tmp_path / "empty")).stdout
    assert " 1 item (" in out and "1 items" not in out


@pytest.mark.root
def test_inode_exhaustion_ranks_directories_by_entries(tmpfs, cli) -> None:  # type: ignore[no-untyped-def]
    """Out of inodes: the tree leads with the directories holding the most entries (issue 12.8)."""
    root = tmpfs("inodes", size="16M", nr_inodes=200)
    (root / "big").mkdir()
    (root / "big" / "model.bin").write_bytes(os.urandom(4 * 1024 * 1024))
    (root / "many").mkdir()
    (root / "some").mkdir()
    for i in range(20):
        (root / "some" / f"s{i}").touch()
    with pytest.raises(OSError, match="No space left on device"):
        for i in range(1000):
            (root / "many" / f"f{i}").touch()
    report = json.loads(cli("disk", str(root), "--depth", "1", "--format", "json").stdout)
    assert report["scan"]["order"] == "items"
    children = report["tree"]["children"]
    assert [Path(c["path"]).name for c in children] == ["many", "some", "big"]
    assert children[0]["items"] == du("--inodes", "-x", "-s", str(root / "many"))
    assert report["tree"]["items"] == du("--inodes", "-x", "-s", str(root))
    inodes = [r for r in report["results"] if r["check"] == "disk.inodes"]
    assert inodes[0]["status"] == "fail" and inodes[0]["target"] == str(root)
    table = cli("disk", str(root), "--depth", "1").stdout
    assert "inodes are what is full: directories with the most entries first" in table
    # with free inodes, the same tree is ranked by bytes
    roomy = tmpfs("roomy", size="16M")
    (roomy / "big").mkdir()
    (roomy / "big" / "model.bin").write_bytes(os.urandom(4 * 1024 * 1024))
    (roomy / "many").mkdir()
    for i in range(150):
        (roomy / "many" / f"f{i}").touch()
    ranked = json.loads(cli("disk", str(roomy), "--depth", "1", "--format", "json").stdout)
    assert [Path(c["path"]).name for c in ranked["tree"]["children"]] == ["big", "many"]
    assert ranked["scan"]["order"] == "bytes"


@pytest.mark.root
def test_tables_fit_80_columns_cutting_paths_in_the_middle(tmp_path: Path) -> None:
    """A long mount point and a long directory name: the df and tree rows stay within 80
    cells, each path cut in its middle (both ends stay readable), never folded mid-word."""
    from rich.cells import cell_len

    from tests.conftest import run_cli

    long_mount = tmp_path / ("a-very-long-mount-point-name-for-datasets-" * 2) / "end"
    long_mount.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(long_mount)], check=True)
    try:
        deep = long_mount / ("checkpoints-of-the-experiment-with-a-long-name-" * 2)
        deep.mkdir()
        (deep / "x").write_bytes(b"x" * 4096)
        res = run_cli("disk", str(long_mount), "--depth", "1", env={"COLUMNS": "80"})
    finally:
        subprocess.run(["umount", "-l", str(long_mount)], check=False)
    assert res.rc == 0, res.stderr
    df_rows = [row for row in res.stdout.split("\n\n", 1)[0].splitlines()[1:] if not row.startswith("  ")]
    tree_rows = [line for line in res.stdout.splitlines() if "%" in line and "/" in line and "…" in line]
    for row in df_rows + tree_rows:
        assert cell_len(row.rstrip()) <= 80, row
    cut = [row.split()[0] for row in df_rows if "…" in row.split()[0]]
    assert any(m.startswith("/tmp") and m.endswith("/end") for m in cut), df_rows  # both ends survive
    assert any(row.rstrip().endswith("long-name-/") for row in tree_rows)
