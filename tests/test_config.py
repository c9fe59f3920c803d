"""srvdoctor.toml: values, defaults, and errors that name file:line and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from srvdoctor.config import ConfigError, find_line, load_config, parse_config


def test_thresholds_and_targets_are_read() -> None:
    cfg = parse_config(
        'timeout = "5s"\nfail_on = "warn"\n[targets]\npaths = ["/data"]\nports = [8888]\n'
        '[checks."disk.space"]\nwarn_percent = 70\n',
        Path("x.toml"),
    )
    assert (cfg.timeout, cfg.fail_on, cfg.targets.paths, cfg.targets.ports) == (
        5.0,
        "warn",
        ("/data",),
        ("8888",),
    )
    assert cfg.checks == {"disk.space": {"warn_percent": 70.0}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timeout = 3\nbogus = 1\n", "x.toml:2: bogus: unknown setting"),
        (
            '[checks."disk.space"]\n\nwarn_percnt = 1\n',
            "x.toml:3: checks.\"disk.space\".warn_percnt: unknown setting (did you mean 'warn_percent'?)",
        ),
        (
            '[checks."disk.spac"]\n',
            "x.toml:1: checks.\"disk.spac\": unknown check (did you mean 'disk.space'?)",
        ),
        (
            '[checks."disk.space"]\nfail_percent = true\n',
            'x.toml:2: checks."disk.space".fail_percent: expected a number, got True',
        ),
        (
            '[checks."disk.space"]\nwarn_percent = 95\n',
            'x.toml:1: checks."disk.space": need 0 <= warn_percent <= fail_percent',
        ),
        ("[targets]\nports = 8888\n", "x.toml:2: targets.ports: expected a list of strings"),
        ('fail_on = "sometimes"\n', "x.toml:1: fail_on: expected one of warn, fail, error"),
        ("timeout = -1\n", "x.toml:1: timeout: expected a positive number"),
        ("[targets\n", "x.toml:1: malformed TOML"),
        ('a = "unterminated\n', "x.toml:1: malformed TOML"),
    ],
)
def test_errors_name_file_line_and_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        parse_config(text, Path("x.toml"))
    assert str(excinfo.value).startswith(message)


def test_find_line_for_array_tables() -> None:
    text = "[[expect.http]]\nurl = 'a'\n\n[[expect.http]]\nurl = 'b'\nstatus = 'x'\n"
    assert find_line(text, ("expect", "http"), "status", index=1) == 6


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


def test_cli_config_errors_are_one_line_exit_2(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.toml"
    bad.write_text("[checks]\n[checks.\n")
    result = cli("check", "--config", str(bad))
    assert (result.rc, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(
        f"srvdoctor: error: {bad}:2: malformed TOML"
    )


def test_config_found_in_current_directory_and_printed(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "srvdoctor.toml").write_text('[checks."disk.inodes"]\nfail_percent = 99\n')
    result = cli("check", "--print-config", cwd=tmp_path, env={"SRVDOCTOR_NOTES": str(tmp_path)})
    effective = json.loads(result.stdout)
    assert effective["checks"]["disk.inodes"] == {"warn_percent": 80.0, "fail_percent": 99.0}
    assert (effective["source"], effective["notes"]["dir"]) == (
        str(tmp_path / "srvdoctor.toml"),
        str(tmp_path),
    )
