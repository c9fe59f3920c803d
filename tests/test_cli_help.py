"""The CLI's help and mistakes, as a user meets them: uncut summaries, plain metavars,
"Did you mean", and Nagios' UNKNOWN line for a bad invocation."""

from __future__ import annotations

import re

import pytest

from srvdoctor.cli import COMMANDS, SUMMARIES
from tests.conftest import run_cli


@pytest.mark.parametrize("columns", ["80", "160"])
def test_every_command_summary_is_whole(columns: str) -> None:
    out = run_cli("--help", env={"COLUMNS": columns}).stdout
    listing = out.split("Commands:\n", 1)[1]
    for name in COMMANDS:
        line = next(line for line in listing.splitlines() if line.split()[:1] == [name])
        assert line.split(None, 1)[1] == SUMMARIES[name]
        assert len(line) <= 80


def test_every_command_has_a_summary() -> None:
    assert set(SUMMARIES) >= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_has_plain_metavars_and_single_defaults(command: str) -> None:
    out = run_cli(command, "--help", env={"COLUMNS": "200"}).stdout
    assert out.startswith("Usage: srvdoctor ")
    for decoration in ("[[", "{", "<list", "<int", "<str>", "<float", "......"):
        assert decoration not in out, (command, decoration)
    for line in out.splitlines():
        assert not ("(default" in line and "[default:" in line), line


def test_misspelt_command_suggests_the_right_one() -> None:
    res = run_cli("chek")
    assert res.rc == 2
    assert res.stderr.strip() == (
        "srvdoctor: error: srvdoctor: No such command 'chek'. Did you mean 'check'? (see srvdoctor --help)"
    )


def test_unrelated_command_suggests_nothing() -> None:
    res = run_cli("xyzzy")
    assert res.rc == 2
    assert "Did you mean" not in res.stderr


def test_timeout_zero_message_reads_true() -> None:
    res = run_cli("check", "--timeout", "0")
    assert (
        res.stderr.strip()
        == "srvdoctor: error: --timeout must be more than 0 and at most 3600 seconds, not 0"
    )


@pytest.mark.parametrize("fmt", [["--format", "nagios"], ["-f", "nagios"], ["--format=nagios"]])
def test_nagios_bad_invocation_is_unknown_with_a_status_line(fmt: list[str]) -> None:
    res = run_cli("check", *fmt, "--timeout", "0")
    assert res.rc == 3
    assert re.fullmatch(r"SRVDOCTOR UNKNOWN - bad invocation: --timeout must .*\n", res.stdout)
    assert len(res.stderr.splitlines()) == 1


def test_report_format_is_named_for_what_it_prints() -> None:
    markdown = run_cli("report", "--no-check", "--format", "markdown")
    assert markdown.rc == 0 and markdown.stdout.startswith("## Environment (srvdoctor report)")
    assert run_cli("report", "--no-check", "--format", "table").stdout.startswith("## Environment")
    assert "markdown or json" in run_cli("report", "--help").stdout
