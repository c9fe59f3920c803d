"""stat_path's problems (what `expect` file checks say) in Korean, on real missing paths,
a real broken symlink and a real file in the middle of a path."""

from __future__ import annotations

import os
from pathlib import Path

from srvdoctor.messages import localize
from srvdoctor.probes.path_stat import PathProblem, stat_path


def problem(path: Path) -> PathProblem:
    found = stat_path(str(path), 2.0)
    assert isinstance(found, PathProblem)
    return found


def test_problems_in_korean(tmp_path: Path) -> None:
    os.symlink(tmp_path / "gone", tmp_path / "link")
    (tmp_path / "file").write_text("x")
    cases = [
        (tmp_path / "a" / "b", f"{tmp_path}/a/b does not exist ({tmp_path}/a does not exist)",
         f"{tmp_path}/a/b 없음 ({tmp_path}/a부터 없음)"),
        (tmp_path / "a", f"{tmp_path}/a does not exist", f"{tmp_path}/a 없음"),
        (tmp_path / "link", f"{tmp_path}/link is a symlink to {tmp_path}/gone, which does not exist",
         f"{tmp_path}/link: {tmp_path}/gone을(를) 가리키는 심볼릭 링크, 대상 없음"),
        (tmp_path / "file" / "x", f"{tmp_path}/file/x: a component of the path is a file, not a directory",
         f"{tmp_path}/file/x: 경로 중간의 한 요소가 디렉터리가 아니라 파일"),
    ]  # fmt: skip
    for path, english, korean in cases:
        found = problem(path)
        assert (found.message, localize(found.message, "ko")) == (english, korean)
