"""`srvdoctor schedule install|remove` as real processes; the units checked by systemd-analyze and run."""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import CliResult, require_tool


def _families(prom: Path) -> set[str]:
    return {f.name for f in text_string_to_metric_families(prom.read_text())}


def test_systemd_units_verify_and_their_command_writes_metrics(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    units, textfile = tmp_path / "units", tmp_path / "textfile"
    run = cli("schedule", "install", "--using", "systemd", "--every", "10m", "--write",
              "--unit-dir", str(units), "--textfile-dir", str(textfile), "--timeout", "5")  # fmt: skip
    assert run.rc == 0, run.stderr
    assert run.stdout.splitlines()[1:] == [
        f"wrote {units}/srvdoctor.service", f"wrote {units}/srvdoctor.timer", "",
        "Now run (srvdoctor never runs systemctl itself):",
        "  systemctl daemon-reload", "  systemctl enable --now srvdoctor.timer",
    ]  # fmt: skip
    assert textfile.is_dir() and sorted(p.name for p in units.iterdir()) == [
        "srvdoctor.service",
        "srvdoctor.timer",
    ]
    assert "\nOnUnitActiveSec=10min\n" in (units / "srvdoctor.timer").read_text()

    analyze = require_tool("systemd-analyze", "systemd")
    verify = subprocess.run([analyze, "verify", str(units / "srvdoctor.service"), str(units / "srvdoctor.timer")],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert (verify.returncode, verify.stderr) == (0, "")

    [exec_start] = [line for line in (units / "srvdoctor.service").read_text().splitlines()
                    if line.startswith("ExecStart=")]  # fmt: skip
    job = subprocess.run(shlex.split(exec_start.removeprefix("ExecStart=")), capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert job.returncode in (0, 1) and (job.stdout, job.stderr) == ("", "")
    assert {"srvdoctor_check_status", "srvdoctor_last_run_timestamp_seconds"} <= _families(
        textfile / "srvdoctor.prom"
    )

    # remove: refused while the timer is enabled, then deletes exactly what install wrote
    wants = units / "timers.target.wants"
    wants.mkdir()
    (wants / "srvdoctor.timer").symlink_to("../srvdoctor.timer")
    refused = cli("schedule", "remove", "--using", "systemd", "--unit-dir", str(units), "--write")
    assert (refused.rc, refused.stderr) == (2, (
        f"srvdoctor: error: srvdoctor.timer is still enabled ({wants}/srvdoctor.timer); "
        "run `systemctl disable --now srvdoctor.timer` first, then this again\n"
    ))  # fmt: skip
    (wants / "srvdoctor.timer").unlink()
    removed = cli("schedule", "remove", "--using", "systemd", "--unit-dir", str(units), "--write")
    assert removed.rc == 0 and f"removed {textfile}/srvdoctor.prom" in removed.stdout
    assert sorted(p.name for p in units.iterdir()) == ["timers.target.wants"]
    assert list(textfile.iterdir()) == []


def test_cron_line_runs_as_written(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    textfile = tmp_path / "tf"
    run = cli("schedule", "install", "--using", "cron", "--every", "15m", "--write",
              "--cron-dir", str(tmp_path / "cron.d"), "--textfile-dir", str(textfile))  # fmt: skip
    assert run.rc == 0, run.stderr
    line = (tmp_path / "cron.d" / "srvdoctor").read_text().splitlines()[-1]
    fields = line.split(" ", 6)
    assert fields[:6] == ["*/15", "*", "*", "*", "*", "root"]
    job = subprocess.run(["sh", "-c", fields[6]], capture_output=True, text=True, timeout=60)
    assert job.returncode in (0, 1) and job.stderr == ""
    assert "srvdoctor_check_status" in _families(textfile / "srvdoctor.prom")


def test_print_mode_writes_nothing(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    run = cli("schedule", "install", "--using", "systemd", "--unit-dir", str(tmp_path / "u"),
              "--textfile-dir", str(tmp_path / "tf"), "--format", "json")  # fmt: skip
    plan = json.loads(run.stdout)
    assert (run.rc, plan["written"], [Path(f["path"]).name for f in plan["files"]]) == (
        0, False, ["srvdoctor.service", "srvdoctor.timer"],
    )  # fmt: skip
    assert plan["run_after"] == [f"mkdir -p {tmp_path / 'tf'}", "systemctl daemon-reload",
                                 "systemctl enable --now srvdoctor.timer"]  # fmt: skip
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["install", "--every", "30s"], "--every 30s: must be at least 1m, not 30.0 s"),
        (["install", "--every", "soon"], "--every soon: not a duration: 'soon' (use e.g. 500ms, 90s, 2m, 1h)"),
        (["install", "--using", "cron", "--every", "7m"],
         "--every 7m: cron cannot run that evenly; use a divisor of an hour (1m, 2m, 5m, 10m, 15m, 30m) "
         "or of a day (1h, 2h, 3h, 4h, 6h, 8h, 12h, 24h)"),
        (["install", "--using", "launchd"], "--using must be one of auto, systemd, cron, not 'launchd'"),
        (["install", "--using", "cron", "--write"], "{cron}/srvdoctor exists and was not written by srvdoctor; "
                                                    "not overwriting it"),
        (["remove", "--using", "cron", "--write"], "{cron}/srvdoctor was not written by srvdoctor; not deleting it"),
        (["install", "--config", "/tmp/a\n* * * * * root sh"],
         "--config '/tmp/a\\n* * * * * root sh': a path with control characters or '%' cannot be scheduled"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    cli: Callable[..., CliResult], tmp_path: Path, args: list[str], message: str
) -> None:
    cron = tmp_path / "cron.d"
    cron.mkdir()
    (cron / "srvdoctor").write_text("# someone else's cron file\n")
    run = cli("schedule", *args, "--cron-dir", str(cron), "--textfile-dir", str(tmp_path))
    assert (run.rc, run.stderr) == (2, f"srvdoctor: error: {message.format(cron=cron)}\n")
    assert (cron / "srvdoctor").read_text() == "# someone else's cron file\n"


@pytest.mark.parametrize("using", ["cron", "systemd"])
def test_remove_finds_a_textfile_dir_with_a_space(
    cli: Callable[..., CliResult], tmp_path: Path, using: str
) -> None:
    """Issue 19: the parser of its own line stopped at the space and planned `rm -f` of the
    default directory's srvdoctor.prom. Parsed with the quoting it was written with, it deletes
    the right file, and the printed `rm -f` names that file as one shell word."""
    where = (
        ["--cron-dir", str(tmp_path / "cron")] if using == "cron" else ["--unit-dir", str(tmp_path / "units")]
    )
    textfile = tmp_path / "node exporter; textfiles"
    run = cli("schedule", "install", "--using", using, "--write", "--textfile-dir", str(textfile), *where)
    assert run.rc == 0, run.stderr
    prom = textfile / "srvdoctor.prom"
    prom.write_text("srvdoctor_run_status 0\n")
    shown = cli("schedule", "remove", "--using", using, *where)
    assert shown.rc == 0, shown.stderr
    rm_lines = [line for line in shown.stdout.splitlines() if line.startswith("rm -f")]
    assert shlex.split(rm_lines[-1]) == ["rm", "-f", str(prom)]
    removed = cli("schedule", "remove", "--using", using, "--write", *where)
    assert removed.rc == 0, removed.stderr
    assert f"removed {prom}" in removed.stdout and not prom.exists()
