"""The scan's unreadable-directory examples stay localisable across its worker processes:
a real directory `nobody` cannot read, scanned as `nobody` with several workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.probes.test_scan import NOBODY, world_tmpfs

__all__ = ["world_tmpfs"]  # the fixture, imported for pytest

SCAN = """
import json, sys
from srvdoctor.messages import localize
from srvdoctor.probes.scan import scan
r = scan(sys.argv[1], depth=1, workers=3)
print(json.dumps([[str(e), localize(e, "ko")] for e in r.error_examples]))
"""


@pytest.mark.root
def test_unreadable_directory_example_in_korean(world_tmpfs: Callable[[str], Path]) -> None:
    tree = world_tmpfs("tree")
    for name in ("a", "b", "c", "d"):
        (tree / name).mkdir()
        (tree / name / "f").write_bytes(b"x" * 4096)
    (tree / "unread").mkdir()
    (tree / "unread" / "secret").write_bytes(b"x" * 4096)
    (tree / "unread").chmod(0o700)
    out = subprocess.run(
        [*NOBODY, sys.executable, "-c", SCAN, str(tree)],
        capture_output=True, text=True, cwd="/", env={**os.environ, "HOME": "/nonexistent"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [[f"{tree}/unread: Permission denied", f"{tree}/unread: 허가 거부"]]
