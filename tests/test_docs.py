"""The reference pages (docs/, MkDocs) build in strict mode: no broken link, no page left
out of the navigation; and the README's relative links point at files that exist."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

MKDOCS = Path(sys.executable).parent / "mkdocs"


def _build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MKDOCS), "build", "--strict", "--site-dir", str(site)], cwd=root,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_docs_build_strict(tmp_path: Path) -> None:
    proc = _build(REPO, tmp_path / "site")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "outputs" / "index.html").exists()


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(REPO / "mkdocs.yml", copy / "mkdocs.yml")
    shutil.copytree(REPO / "docs", copy / "docs")
    with (copy / "docs" / "index.md").open("a") as f:
        f.write("\nSee [the missing page](nosuch.md).\n")
    proc = _build(copy, tmp_path / "site")
    assert proc.returncode != 0
    assert "nosuch.md" in proc.stdout + proc.stderr


def test_readme_links_exist() -> None:
    text = (REPO / "README.md").read_text()
    targets = re.findall(r"\]\((?!https?://|#)([^)#]+)", text)
    assert targets
    missing = [t for t in targets if not (REPO / t).exists()]
    assert missing == []
