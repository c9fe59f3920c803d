"""The du-style scanner against GNU du on real trees: tmpfs with hard links, a symlink loop,
a sparse file, a nested mount and an unreadable directory (scanned as `nobody`)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from srvdoctor.probes.scan import scan
from srvdoctor.probes.spaceeaters import match_dir, match_file

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
REPO = Path(__file__).resolve().parents[2]


def du(*args: str) -> int:
    out = subprocess.run(["du", *args], capture_output=True, text=True, check=False)
    return int(out.stdout.split()[0])


def du_depth1(tree: Path) -> dict[str, int]:
    out = subprocess.run(
        ["du", "-B1", "-x", "-d", "1", str(tree)], capture_output=True, text=True, check=False
    )
    return {p: int(n) for n, p in (line.split("\t", 1) for line in out.stdout.splitlines())}


@pytest.fixture
def world_tmpfs() -> Iterator[Callable[[str], Path]]:
    """tmpfs mounts under a world-searchable /tmp directory (tmp_path is root-only)."""
    base = Path(tempfile.mkdtemp(prefix="srvdoctor-disk-", dir="/tmp"))
    base.chmod(0o755)
    mounted: list[Path] = []

    def mount(name: str, size: str = "64M") -> Path:
        target = base / name
        target.mkdir()
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(target)], check=True
        )
        mounted.append(target)
        return target

    yield mount
    for target in reversed(mounted):
        subprocess.run(["umount", "-l", str(target)], check=False)
    subprocess.run(["rm", "-rf", str(base)], check=False)


def build_tree(root: Path) -> None:
    """Hard links (same dir and across dirs), a symlink loop, a dir symlink, a sparse file,
    a nested mount with data, an unreadable directory with data, and many small dirs."""
    (root / "a" / "b" / "c").mkdir(parents=True)
    (root / "d" / "e").mkdir(parents=True)
    (root / "a" / "f1").write_bytes(os.urandom(300_000))
    os.link(root / "a" / "f1", root / "d" / "hardlink")
    os.link(root / "a" / "f1", root / "a" / "b" / "hardlink2")
    (root / "a" / "b" / "c" / "big.bin").write_bytes(os.urandom(2_000_000))
    with open(root / "a" / "sparse", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
        fh.seek(10 * 1024 * 1024)
        fh.write(os.urandom(5000))
    (root / "loop").mkdir()
    (root / "loop" / "self").symlink_to("../loop")
    (root / "loop" / "a2b").symlink_to("b2a")
    (root / "loop" / "b2a").symlink_to("a2b")
    (root / "d" / "up").symlink_to(root)
    for i in range(60):
        (root / f"x{i}" / "y").mkdir(parents=True)
        (root / f"x{i}" / "y" / "f").write_bytes(b"z" * (i * 700))
    (root / "unread" / "inner").mkdir(parents=True)
    (root / "unread" / "inner" / "data").write_bytes(os.urandom(100_000))
    (root / "unread").chmod(0o700)
    (root / "nest").mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4M", "tmpfs", str(root / "nest")], check=True)
    (root / "nest" / "inner").write_bytes(os.urandom(100_000))


@pytest.mark.root
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_totals_equal_du_on_a_tricky_tree(world_tmpfs: Callable[[str], Path], workers: int) -> None:
    tree = world_tmpfs("tree")
    build_tree(tree)
    try:
        result = scan(str(tree), depth=1, top=100, workers=workers)
        apparent = scan(str(tree), depth=1, top=100, workers=workers, apparent_size=True)
        expected = du_depth1(tree)
        assert result.root.bytes == du("-B1", "-x", "-s", str(tree)) == expected[str(tree)]
        assert result.root.items == du("--inodes", "-x", "-s", str(tree))
        assert apparent.root.apparent == du("-B1", "-x", "-s", "--apparent-size", str(tree))
        # children without hard links shared with another child match du -d 1 exactly
        for child in result.root.children:
            if not child.path.endswith(("/a", "/d")):
                assert child.bytes == expected[child.path], child.path
        assert str(tree / "nest") not in {c.path for c in result.root.children}
        assert result.skipped_mounts == (str(tree / "nest"),)
        assert (result.errors, result.incomplete) == (0, None)
        sparse = next(f for f in result.top_files if f.path.endswith("/sparse"))
        assert (sparse.bytes, sparse.apparent) == (
            os.stat(tree / "a" / "sparse").st_blocks * 512,
            50 * 1024**2,
        )
    finally:
        subprocess.run(["umount", "-l", str(tree / "nest")], check=False)


@pytest.mark.root
def test_cross_mounts_enters_the_nested_mount(world_tmpfs: Callable[[str], Path]) -> None:
    tree = world_tmpfs("tree")
    build_tree(tree)
    try:
        result = scan(str(tree), depth=1, cross_mounts=True)
        assert result.root.bytes == du("-B1", "-s", str(tree))
        assert result.skipped_mounts == ()
    finally:
        subprocess.run(["umount", "-l", str(tree / "nest")], check=False)


@pytest.mark.root
def test_unreadable_directory_as_nobody_is_counted_like_du(world_tmpfs: Callable[[str], Path]) -> None:
    tree = world_tmpfs("tree")
    build_tree(tree)
    try:
        du_out = subprocess.run([*NOBODY, "du", "-B1", "-x", "-s", str(tree)], capture_output=True, text=True)
        assert du_out.returncode == 1 and "Permission denied" in du_out.stderr
        ours = subprocess.run(
            [*NOBODY, sys.executable, "-m", "srvdoctor", "disk", str(tree), "--format", "json"],
            capture_output=True, text=True, cwd="/", env={**os.environ, "HOME": "/nonexistent"},
        )  # fmt: skip
        report = json.loads(ours.stdout)
        assert report["tree"]["bytes"] == int(du_out.stdout.split()[0])
        assert report["scan"]["unreadable_dirs"] == 1
        assert report["scan"]["unreadable_examples"] == [f"{tree}/unread: Permission denied"]
    finally:
        subprocess.run(["umount", "-l", str(tree / "nest")], check=False)


def test_depth_and_top_bound_what_is_kept(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"d{i:02d}" / "sub" / "deeper").mkdir(parents=True)
        (tmp_path / f"d{i:02d}" / "sub" / "deeper" / "f").write_bytes(b"x" * (4096 * (i + 1)))
    result = scan(str(tmp_path), depth=2, top=3, workers=2)
    assert [c.path for c in result.root.children] == [str(tmp_path / f"d{i}") for i in (29, 28, 27)]
    assert result.root.dirs == 30
    grandchild = result.root.children[0].children[0]
    assert (grandchild.path, grandchild.children) == (str(tmp_path / "d29" / "sub"), [])
    assert result.root.bytes == du("-B1", "-x", "-s", str(tmp_path))
    assert [f.path for f in result.top_files] == [str(tmp_path / f"d{i}/sub/deeper/f") for i in (29, 28, 27)]


def test_max_time_returns_what_was_scanned_marked_incomplete(tmp_path: Path) -> None:
    for i in range(20):
        (tmp_path / f"d{i}").mkdir()
    result = scan(str(tmp_path), depth=1, max_time=1e-6)
    assert result.incomplete == "time limit"
    assert result.root.bytes < du("-B1", "-x", "-s", str(tmp_path))


def test_symlink_root_is_followed_and_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f").write_bytes(b"x" * 10_000)
    (tmp_path / "link").symlink_to("real")
    assert scan(str(tmp_path / "link")).root.path == str(tmp_path / "real")
    with pytest.raises(NotADirectoryError):
        scan(str(tmp_path / "real" / "f"))
    with pytest.raises(FileNotFoundError):
        scan(str(tmp_path / "missing"))


def test_space_eaters_are_named(tmp_path: Path) -> None:
    cache = tmp_path / "home" / "ana" / ".cache"
    (cache / "huggingface" / "hub").mkdir(parents=True)
    (cache / "huggingface" / "hub" / "model.safetensors").write_bytes(os.urandom(2 * 1024 * 1024))
    (cache / "pip" / "http").mkdir(parents=True)
    (cache / "pip" / "http" / "x").write_bytes(os.urandom(50_000))
    (tmp_path / "miniconda3" / "pkgs").mkdir(parents=True)
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "core.4242").write_bytes(os.urandom(1024 * 1024 + 1))
    result = scan(str(tmp_path), depth=1, workers=2)
    assert result.root.bytes == du("-B1", "-x", "-s", str(tmp_path))
    found = {e.kind: (e.path, e.bytes) for e in result.eaters}
    hf = cache / "huggingface"
    assert found["huggingface-cache"] == (str(hf), du("-B1", "-s", str(hf)))
    assert found["pip-cache"] == (str(cache / "pip"), du("-B1", "-s", str(cache / "pip")))
    assert found["conda-pkgs"][0] == str(tmp_path / "miniconda3" / "pkgs")
    assert found["core-dumps"][0] == str(tmp_path / "work" / "core.4242")


def test_eater_patterns() -> None:
    roots = frozenset({"/var/lib/docker", "/srv/docker"})
    assert match_dir("/srv/docker", "docker", roots) == "docker-data-root"
    assert match_dir("/var/lib/docker/containers", "containers", roots) == "docker-container-logs"
    assert match_dir("/var/log/journal", "journal", roots) == "journald"
    assert match_dir("/home/x/.cache/torch", "torch", roots) == "torch-cache"
    assert match_dir("/home/x/src/torch", "torch", roots) is None
    assert match_file("train.log", 2 * 1024**3) == "big-log"
    assert match_file("train.log", 512 * 1024**2) is None
    assert match_file("core", 10) == "core-dumps"
    assert match_file("score", 10) is None


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_stops_with_what_was_scanned(tmp_path: Path, workers: int) -> None:
    for i in range(40):
        (tmp_path / f"d{i}" / "e").mkdir(parents=True)
        (tmp_path / f"d{i}" / "e" / "f").write_bytes(b"x" * 5000)
    calls: list[int] = []

    def progress(files: int, current: str) -> None:
        calls.append(files)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, delivered to the scan's handler

    result = scan(str(tmp_path), depth=1, workers=workers, progress=progress)
    assert result.incomplete == "interrupted"
    assert 0 < result.root.bytes < du("-B1", "-x", "-s", str(tmp_path))


def test_progress_line_on_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    leader, follower = os.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "srvdoctor", "disk", str(tmp_path), "--format", "json"],
        stdout=subprocess.PIPE, stderr=follower, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    os.close(follower)
    seen = os.read(leader, 65536).decode()
    os.close(leader)
    assert proc.returncode in (0, 1)
    assert f"\rscanning: 1 entries  {tmp_path}" in seen.replace("\x1b[K", "")


def test_an_idle_worker_steals_from_a_busy_one(tmp_path: Path) -> None:
    """A narrow path to one wide directory and a tiny subtree on two workers: the up-front
    split finds two units only; the idle worker takes half of the big one's directories, and
    the totals (a hard link across the split included) still equal du's."""
    big = tmp_path / "big"
    wide = big / "x" / "y"  # below the levels the parent reads to share out work
    for i in range(300):
        leaf = wide / f"d{i:03d}"
        leaf.mkdir(parents=True)
        for j in range(12):
            (leaf / f"f{j}").write_bytes(b"x" * (100 + 4096 * (j % 3)))
    os.link(wide / "d000" / "f1", wide / "d299" / "again")  # one inode, two far places
    (tmp_path / "tiny" / "a" / "b").mkdir(parents=True)
    (tmp_path / "tiny" / "a" / "b" / "f").write_bytes(b"y" * 10)
    total = du("-B1", "-x", "-s", str(tmp_path))
    stolen = 0
    for _ in range(8):  # stealing needs the other worker idle in time; totals must hold every time
        result = scan(str(tmp_path), depth=1, top=10, workers=2)
        assert (result.root.bytes, result.root.items) == (total, du("--inodes", "-x", "-s", str(tmp_path)))
        sizes = {Path(c.path).name: c.bytes for c in result.root.children}
        assert sizes == {
            "big": du("-B1", "-x", "-s", str(big)),
            "tiny": du("-B1", "-x", "-s", str(tmp_path / "tiny")),
        }
        assert (result.incomplete, result.workers) == (None, 2)
        stolen += result.stolen
    assert stolen > 0


@pytest.mark.parametrize("apparent", [False, True])
@pytest.mark.parametrize("workers", [1, 2])
def test_top_files_are_the_largest_by_a_plain_walk(tmp_path: Path, apparent: bool, workers: int) -> None:
    """The largest files, by allocated or apparent size, against a plain os.walk + lstat: sizes
    chosen so that the two orders differ (sparse files, sizes just over a block boundary) and
    many files fall just under the heap's floor (the per-file test compares blocks, not bytes)."""
    rng = random.Random(17)
    for d in range(12):
        sub = tmp_path / f"d{d}" / "e"
        sub.mkdir(parents=True)
        for i in range(40):
            path = sub / f"f{i}"
            with open(path, "wb") as fh:
                if i % 7 == 0:
                    fh.truncate(rng.randrange(1, 3_000_000))  # sparse: large apparent, few blocks
                    fh.write(b"z")
                else:
                    fh.write(b"x" * (4096 * rng.randrange(0, 40) + rng.choice((0, 1, 511, 512, 513, 4095))))
    os.link(tmp_path / "d0" / "e" / "f1", tmp_path / "d5" / "twin")  # one inode, listed once
    sizes: dict[tuple[int, int], tuple[int, str]] = {}
    for where, _dirs, names in os.walk(tmp_path):
        for name in names:
            st = os.lstat(os.path.join(where, name))
            key = st.st_size if apparent else st.st_blocks * 512
            sizes.setdefault((st.st_dev, st.st_ino), (key, os.path.join(where, name)))
    expected = sorted((key for key, _ in sizes.values()), reverse=True)[:7]
    result = scan(str(tmp_path), depth=1, top=7, workers=workers, apparent_size=apparent)
    got = [f.apparent if apparent else f.bytes for f in result.top_files]
    assert got == expected
    for f in result.top_files:
        st = os.lstat(f.path)
        assert (f.bytes, f.apparent) == (st.st_blocks * 512, st.st_size)
