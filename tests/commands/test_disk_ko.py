"""`srvdoctor disk --lang ko`: Korean headers and headings, the same numbers, tables within 80 columns."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from srvdoctor import messages

pytestmark = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)

HANGUL = re.compile(r"[\uac00-\ud7a3]")
NARROW = {"COLUMNS": "80"}
#: thresholds at 100 %: the verdict does not depend on how full this machine's disks are
LENIENT = (
    '[checks."disk.space"]\nwarn_percent = 100\nfail_percent = 100\n'
    '[checks."disk.inodes"]\nwarn_percent = 100\nfail_percent = 100\n'
    '[checks."disk.deleted_open"]\nwarn_bytes = "1000TiB"\nfail_bytes = "1000TiB"\ngap_percent = 100\n'
)


def _block(lines: list[str], first: int, notes: bool = False) -> list[str]:
    """The lines of the table whose header is `lines[first]`: up to a blank line, or with `notes`
    up to the first note under it (indented prose, which a terminal wraps like any sentence)."""
    out = [lines[first]]
    for line in lines[first + 1 :]:
        if not line.strip() or (notes and line.startswith("  ")):
            break
        out.append(line)
    return out


def _tree(root: Path) -> None:
    for name, size in (("models", 300_000), ("data", 100_000)):
        (root / name / "sub").mkdir(parents=True)
        (root / name / "sub" / "blob").write_bytes(os.urandom(size))


@pytest.mark.root
def test_df_row_of_a_real_tmpfs_in_korean_has_the_english_numbers(tmpfs, cli) -> None:  # type: ignore[no-untyped-def]
    root = tmpfs("kdf", size="7M")
    _tree(root)
    english = cli("disk", str(root), "--depth", "1", env=NARROW)
    korean = cli("disk", str(root), "--depth", "1", "--lang", "ko", env=NARROW)
    assert (english.rc, korean.rc) == (0, 0), korean.stderr
    assert not HANGUL.search(english.stdout)
    en, ko = english.stdout.splitlines(), korean.stdout.splitlines()
    assert ko[0] == "파일시스템 (df)" and en[0] == "filesystems (df)"
    assert ko[1].split() == ["마운트", "유형", "크기", "사용", "여유", "사용%", "inode%", "장치"]
    assert en[1].split() == ["mount", "type", "size", "used", "avail", "use%", "inodes%", "source"]
    # the tmpfs row: the same cells in both languages (sizes, percentages, source)
    # (the mount column is cut in its middle at 80 columns: the row is the one ending in /kdf)
    (en_row,) = [
        line.split()
        for line in en
        if line.split()[:2] and line.split()[0].endswith("/kdf") and line.split()[1] == "tmpfs"
    ]
    (ko_row,) = [
        line.split()
        for line in ko
        if line.split()[:2] and line.split()[0].endswith("/kdf") and line.split()[1] == "tmpfs"
    ]
    assert ko_row == en_row
    assert en_row[1:] == ["tmpfs", "7.0", "MiB", "396.0", "KiB", "6.6", "MiB", "6%", "0%", "tmpfs"]
    df = _block(ko, 1, notes=True)
    assert len(df) >= 2 and max(cell_len(line) for line in df) <= 80, df


def test_tree_and_largest_files_in_korean_fit_80_columns(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / ("깊은-디렉터리-" * 6)  # a Hangul path: double-width cells in the path column
    _tree(root)
    config = tmp_path / "lenient.toml"
    config.write_text(LENIENT)
    english = cli("disk", str(root), "--depth", "2", "-c", str(config))  # 200 columns: nothing cut
    korean = cli("disk", str(root), "--depth", "2", "-c", str(config), "--lang", "ko", env=NARROW)
    assert (english.rc, korean.rc) == (0, 0), korean.stderr
    en, ko = english.stdout.splitlines(), korean.stdout.splitlines()
    head = next(i for i, line in enumerate(ko) if line.split() == ["크기", "비율", "항목", "경로"])
    en_head = next(i for i, line in enumerate(en) if line.split() == ["size", "share", "items", "path"])
    tree, en_tree = _block(ko, head), _block(en, en_head)
    assert len(tree) == len(en_tree) >= 5 and max(cell_len(line) for line in tree) <= 80, tree
    # the same rows: sizes, shares and item counts are the numbers the English run printed
    assert [line.split()[:3] for line in tree[1:]] == [line.split()[:3] for line in en_tree[1:]]
    dirs = [line.strip().split()[-1] for line in tree[1:] if line.rstrip().endswith("/")]
    assert [d.rsplit("/", 2)[-2] for d in dirs] == ["models", "sub", "data", "sub"]
    title, en_title = ko[head - 1], en[en_head - 1]
    total = en_title.removeprefix(f"{root} ").split(",")[0]  # "412.0 KiB"
    assert en_title.startswith(f"{root} {total}, 7 items (allocated size, like du; depth 2; ")
    assert title.startswith(f"{root} {total}, 항목 7개 (할당 크기, du와 같음; 깊이 2; 항목 ")
    assert "가장 큰 파일" in ko and "largest files" in en
    top, en_top = ko[ko.index("가장 큰 파일") + 1], en[en.index("largest files") + 1]
    assert en_top == f"296.0 KiB  {root}/models/sub/blob"
    assert top.startswith(f"296.0 KiB  {str(root)[:40]}") and cell_len(top) <= 80  # cut at 80 columns
    assert ko[-1] == "문제 없음 (정상 3)." and en[-1] == "No problems found (3 ok)."


def test_bad_depth_is_one_korean_line_and_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("disk", "/", "--depth", "99", "--lang", "ko")
    assert (result.rc, result.stdout) == (2, "")
    assert result.stderr == "srvdoctor: error: --depth는 0에서 64 사이여야 합니다. 99은(는) 안 됩니다\n"
    english = cli("disk", "/", "--depth", "99")
    assert english.stderr == "srvdoctor: error: --depth must be between 0 and 64, not 99\n"
