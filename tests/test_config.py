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


# --------------------------------------------------------------------------- hostile values (issue 19)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timeout = inf\n", "x.toml:1: timeout: expected a finite number, got inf"),
        ("timeout = nan\n", "x.toml:1: timeout: expected a finite number, got nan"),
        ("timeout = 1e400\n", "x.toml:1: timeout: expected a finite number, got inf"),
        (f"timeout = {'9' * 400}\n", "x.toml:1: timeout: number out of range: a 400-digit number"),
        ("timeout = 86400\n", "x.toml:1: timeout: expected a positive number of seconds, at most 3600 (1h)"),
        ('fail_on = ["fail"]\n', "x.toml:1: fail_on: expected one of warn, fail, error, got ['fail']"),
        ("fail_on = {a = 1}\n", "x.toml:1: fail_on: expected one of warn, fail, error, got {'a': 1}"),
        ('[checks."disk.space"]\nwarn_percent = nan\n',
         'x.toml:2: checks."disk.space".warn_percent: expected a finite number, got nan'),
        ('[targets]\nports = ["99999"]\n',
         "x.toml:2: targets.ports: '99999': port 99999 is out of range (1-65535)"),
        ("[targets]\nports = [-1]\n", "x.toml:2: targets.ports: '-1': no port"),
        ('[targets]\nhosts = ["my host:80"]\n',
         "x.toml:2: targets.hosts: 'my host:80': a host name cannot contain spaces"),
        ('[targets]\nhosts = ["a\\u0001b"]\n', "x.toml:2: targets.hosts: 'a\\x01b': 'a\\x01b' is not a valid host"),
        ('[targets]\nurls = ["8080"]\n', "x.toml:2: targets.urls: '8080': expected an http:// or https:// URL"),
        ('[targets]\npaths = [""]\n', "x.toml:2: targets.paths: a path is empty"),
        ('[targets]\npaths = ["dir:"]\n', "x.toml:2: targets.paths: a path is empty"),
        ('[targets]\npaths = ["/a\\u0000b"]\n', "x.toml:2: targets.paths: '/a\\x00b': a path cannot contain a NUL"),
        ("[targets]\nports = [true]\n", "x.toml:2: targets.ports: expected a list of strings"),
        ("a = " + "[" * 3000 + "]" * 3000 + "\n", "x.toml: malformed TOML: arrays or tables nested too deeply"),
        ("a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n",
         "x.toml: malformed TOML: arrays or tables nested too deeply"),
        ("timeout = " + "9" * 5000 + "\n", "x.toml: malformed TOML: Exceeds the limit (4300 digits)"),
        ('[[expect.path]]\npath = "/"\nmax_age = nan\n', "x.toml:3: expect.path.max_age: expected a finite number"),
        ('[[expect.path]]\npath = "/"\nmax_age = inf\n', "x.toml:3: expect.path.max_age: expected a finite number"),
        ('[[expect.path]]\npath = "/"\nmax_age = "' + "9" * 400 + 'd"\n',
         "x.toml:3: expect.path.max_age: duration '99999"),
        ('[[expect.path]]\npath = "/"\nmin_bytes = "' + "9" * 400 + 'GiB"\n',
         "x.toml:3: expect.path.min_bytes: size '99999"),
        ('[[expect.path]]\npath = "/"\nmin_bytes = ' + "9" * 30 + "\n",
         "x.toml:3: expect.path.min_bytes: size 999999999999999999999999999999 is too large"),
        ('[[expect.gpu]]\ncount = "' + "9" * 5000 + '"\n', "x.toml:2: expect.gpu.count: expected an integer"),
        ('[[expect.http]]\nurl = "http://127.0.0.1/"\ntimeout = 1e400\n',
         "x.toml:3: expect.http.timeout: expected a finite number, got inf"),
        ('[[expect.path]]\npath = "/a\\u0000"\n', "x.toml:2: expect.path.path: a path cannot contain a NUL byte"),
    ],
)  # fmt: skip
def test_hostile_values_are_one_line_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(text, Path("x.toml"))
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)


def test_locating_an_error_line_is_linear() -> None:
    """A bad key after a 3,000-space line took 20 s (a backtracking regex per line); 1 MB of
    such lines must report in well under 2 s."""
    import time

    for text, where in [
        (" " * 3000 + "\n" + 'timeout = "x"\n', "x.toml:2: timeout"),
        ("[targets]\n" + " " * 3000 + "\npaths = 5\n", "x.toml:3: targets.paths"),
        ((" " * 5000 + "\n") * 200 + 'fail_on = "x"\n', "x.toml:201: fail_on"),
        (
            '[targets]\npaths = """\n'
            + ("[" + " " * 100_000 + "a\n" + "x" + " " * 100_000 + "=\n") * 5
            + '"""\n',
            "x.toml:2: targets.paths",
        ),
    ]:
        started = time.perf_counter()
        with pytest.raises(ConfigError) as exc:
            parse_config(text, Path("x.toml"))
        assert time.perf_counter() - started < 2.0
        assert str(exc.value).startswith(where)


def test_find_line_on_a_large_valid_config_is_linear() -> None:
    """find_line is asked once per expectation: 3,000 of them in a 1 MB config stay fast."""
    import time

    text = "".join(f'[[expect.path]]\npath = "/tmp/{i}"\n# {" " * 300}\n' for i in range(3000))
    assert len(text) > 1_000_000
    started = time.perf_counter()
    cfg = parse_config(text, Path("x.toml"))
    assert time.perf_counter() - started < 4.0
    assert find_line(cfg.text, ("expect", "path"), "path", 2999) == 3 * 2999 + 2
