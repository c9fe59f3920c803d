"""Run srvdoctor inside a real container: the test's own interpreter, venv and package
bind-mounted read-only into the busybox test image (tests/dockerutil.py), so what runs
inside is exactly the code under test, judging the container's real cgroup."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import REPO


def _mounts() -> list[str]:
    paths = {Path(p) for p in ("/lib", "/lib64", "/usr") if Path(p).exists()}
    paths |= {Path(sys.prefix), Path(sys.base_prefix), REPO}
    out: list[str] = []
    for path in sorted(paths):
        out += ["-v", f"{os.path.realpath(path)}:{path}:ro"]
    return out


def run_inside(
    image: str, script: str, *options: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`docker run --rm` with `script` (sh) inside; $SRVDOCTOR runs the package under test."""
    name = f"sdctr-{secrets.token_hex(4)}"
    srvdoctor = f"{sys.executable} -m srvdoctor"
    cmd = ["docker", "run", "--rm", "--name", name, "--network", "none", *_mounts(),
           "-e", f"SRVDOCTOR={srvdoctor}", "-e", "SRVDOCTOR_CONFIG=/dev/null", "-e", "COLUMNS=200",
           "-e", "NO_COLOR=1", "-w", "/", *options, image, "sh", "-c", script]  # fmt: skip
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def report_inside(image: str, script: str, *options: str) -> dict[str, Any]:
    """The JSON report the last line of `script` prints (e.g. `$SRVDOCTOR load --format json`)."""
    proc = run_inside(image, script, *options)
    start = proc.stdout.find("{")
    assert start >= 0, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    report: dict[str, Any] = json.loads(proc.stdout[start:])
    return report


def result(report: dict[str, Any], check: str) -> dict[str, Any]:
    found = [r for r in report["results"] if r["check"] == check]
    assert len(found) == 1, (check, [r["check"] for r in report["results"]])
    return found[0]


#: a python child holding `mib` MiB resident (touched pages), then sleeping
def hold(mib: int, seconds: int = 60) -> str:
    return (f'{sys.executable} -c "import time; b = bytearray({mib} << 20); '
            f'b[::4096] = bytes(len(b[::4096])); time.sleep({seconds})" &')  # fmt: skip
