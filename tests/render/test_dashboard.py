"""The load dashboard: inside a container it says where it runs and draws the limits."""

from __future__ import annotations

import dataclasses
import io

from rich.console import Console

from srvdoctor.probes.cgroup import CgroupLimits, Limit
from srvdoctor.probes.container import ContainerInfo
from srvdoctor.probes.system import CpuSampler, sample_all
from srvdoctor.render.dashboard import load_dashboard

GiB = 1024**3


def _text(renderable: object) -> str:
    con = Console(file=io.StringIO(), width=120, color_system=None)
    con.print(renderable)
    assert isinstance(con.file, io.StringIO)
    return con.file.getvalue()


def test_the_host_dashboard_has_no_container_rows() -> None:
    text = _text(load_dashboard(sample_all(CpuSampler(), 0.1)))
    assert "where" not in text and "limit " not in text and "quota" not in text
    assert "cpu0" in text and "top by memory" in text


def test_inside_a_container_where_limit_and_quota_rows_come_first() -> None:
    readings = sample_all(CpuSampler(), 0.1)
    limits = CgroupLimits(1, "/docker/abc", "/sys/fs/cgroup/memory", memory_limit=Limit(GiB, "/sys/fs/cgroup/memory"),
                          memory_usage=950 << 20, inactive_file=20 << 20, cpu_quota=Limit(1.0, "/sys/fs/cgroup/cpu"))  # fmt: skip
    readings = dataclasses.replace(
        readings,
        limits=limits,
        container=ContainerInfo("docker", "3f2a9c1e7b40" + "0" * 52),
        cpu=dataclasses.replace(readings.cpu, cgroup_cpu_cores=0.97),
    )
    lines = [line.rstrip() for line in _text(load_dashboard(readings)).splitlines()]
    assert lines[0].startswith("where a docker container (id 3f2a9c1e7b40)")
    limit = next(line for line in lines if line.startswith("limit"))
    assert limit.endswith("91%  930.0 MiB used of the cgroup's 1.0 GiB memory limit")
    quota = next(line for line in lines if line.startswith("quota"))
    assert quota.endswith("97%  0.97 of the cgroup's 1-CPU quota")


def test_short_command_keeps_the_script_name() -> None:
    from srvdoctor.render.dashboard import short_command

    assert short_command("/opt/venv/bin/python3 -u /home/ana/jobs/exp7/train.py --lr 3e-4", "python3") == (
        "python3 -u train.py --lr 3e-4"
    )
    assert short_command("/usr/bin/python3 -m torch.distributed.run train.py", "python3") == (
        "python3 -m torch.distributed.run train.py"
    )
    assert short_command("/usr/sbin/dockerd -H fd://", "dockerd") == "dockerd -H fd://"
    assert short_command("", "kworker/0:1") == "kworker/0:1"


def test_load_dashboard_fits_80_columns_with_two_labelled_lists() -> None:
    """A real `srvdoctor load` at 80 columns: no line past 80 cells, no wrapped row, the two
    process lists apart, a python job shown by its script name."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from rich.cells import cell_len

    from tests.conftest import run_cli

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "deep" / "dir" / "train_resnet_on_imagenet.py"
        script.parent.mkdir(parents=True)
        script.write_text("import time\nt = time.time()\nwhile time.time() - t < 30: pass\n")
        spin = subprocess.Popen([sys.executable, str(script), "--epochs", "90"])
        try:
            res = run_cli("load", env={"COLUMNS": "80"})
        finally:
            spin.kill()
            spin.wait()
    dashboard = res.stdout.split("\n  [", 1)[0].rsplit("\n", 1)[0]  # up to the results
    lines = dashboard.splitlines()
    assert all(cell_len(line.rstrip()) <= 80 for line in lines), [
        line for line in lines if cell_len(line) > 80
    ]
    assert "top by CPU" in dashboard and "top by memory (resident)" in dashboard
    assert "train_resnet_on_imagenet.py --epochs 90" in dashboard
    heads = ("cpu", "load", "mem", "swap", "psi", "where", "limit", "quota", "top", " ", "")
    grid = dashboard.split("\n\n", 1)[0].splitlines()
    assert all(line.startswith(heads) and not line.startswith("     ") for line in grid), (
        grid
    )  # no wrapped row
