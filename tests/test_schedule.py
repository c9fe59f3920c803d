"""The generated systemd and cron text (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from srvdoctor.schedule import (
    cron_file,
    cron_schedule,
    install_plan,
    service_unit,
    systemd_quote,
    systemd_timespan,
    textfile_dir_of,
)


@pytest.mark.parametrize(
    ("seconds", "fields"),
    [(60, "* * * * *"), (300, "*/5 * * * *"), (1800, "*/30 * * * *"), (3600, "0 * * * *"),
     (6 * 3600, "0 */6 * * *"), (86400, "0 0 * * *")],
)  # fmt: skip
def test_cron_schedule_for_even_intervals(seconds: float, fields: str) -> None:
    assert cron_schedule(seconds) == fields


@pytest.mark.parametrize("seconds", [90, 7 * 60, 5 * 3600, 2 * 86400])
def test_cron_refuses_uneven_intervals(seconds: float) -> None:
    with pytest.raises(ValueError, match="cron"):
        cron_schedule(seconds)


def test_systemd_words_and_timespans() -> None:
    assert [systemd_quote(a) for a in ("/usr/bin/srvdoctor", "/srv/my dir/x.prom", "50%", "$HOME")] == [
        "/usr/bin/srvdoctor", '"/srv/my dir/x.prom"', "50%%", '"$$HOME"',
    ]  # fmt: skip
    assert [systemd_timespan(s) for s in (60, 90, 300, 5400, 86400)] == [
        "1min",
        "1min 30s",
        "5min",
        "1h 30min",
        "1d",
    ]


def test_exit_1_is_a_successful_run_and_the_files_find_their_way_back() -> None:
    argv = [
        "/opt/srvdoctor/bin/srvdoctor",
        "check",
        "--format",
        "prometheus",
        "--output",
        "/var/tf/srvdoctor.prom",
    ]
    unit = service_unit(argv, 300)
    assert "\nSuccessExitStatus=1\n" in unit
    assert f"\nExecStart={' '.join(argv)}\n" in unit
    assert textfile_dir_of(unit) == Path("/var/tf")
    cron = cron_file([*argv[:-1], "/var/t f/srvdoctor.prom"], 600)
    assert cron.splitlines()[-1] == (
        "*/10 * * * * root /opt/srvdoctor/bin/srvdoctor check --format prometheus --output "
        "'/var/t f/srvdoctor.prom' >/dev/null"
    )


def test_install_plan_refuses_less_than_a_minute() -> None:
    with pytest.raises(ValueError, match="at least 1m"):
        install_plan("systemd", ["srvdoctor"], 30)
