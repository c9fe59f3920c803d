"""`srvdoctor report`: what it shows of the environment, and the secrets it never shows."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from srvdoctor.redact import anonymize_host

TOKEN = "srvd-planted-4f9c2e7a1b"
DB_PASSWORD = "pl4nted-db-pw-93"
PLANTED = {
    "MY_API_TOKEN": TOKEN,
    "DATABASE_URL": f"postgres://trainer:{DB_PASSWORD}@db.example.invalid:5432/runs",
    # a secret that also appears inside an unrelated variable's value
    "TRAIN_ARGS": f"--epochs 3 --hub-token {TOKEN}",
}


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report") / "myproject-venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(root)], check=True
    )
    return root


def test_report_shows_the_virtualenv_it_runs_in(cli) -> None:  # type: ignore[no-untyped-def]
    assert sys.prefix != sys.base_prefix, "the test suite runs from a virtualenv (.venv)"
    result = cli("report", "--no-check", "-p", "PyYAML", env={"VIRTUAL_ENV": ""})
    assert result.rc == 0
    assert f"| Environment | virtualenv `{sys.prefix}` |" in result.stdout
    assert f"`{sys.executable}` |" in result.stdout
    import yaml  # an installed package named on the command line, and the key ones

    assert f"| PyYAML | {yaml.__version__} |" in result.stdout
    assert "\nNot installed: torch, " in result.stdout


def test_report_shows_the_activated_virtualenv(cli, venv: Path) -> None:  # type: ignore[no-untyped-def]
    """srvdoctor installed elsewhere (pipx), the user's venv activated: the report is about theirs."""
    env = {"VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}:/usr/bin:/bin"}
    out = json.loads(cli("report", "--no-check", "-f", "json", env=env).stdout)
    assert (out["python"]["kind"], out["python"]["prefix"], out["python"]["source"]) == (
        "venv",
        str(venv),
        "$VIRTUAL_ENV",
    )
    assert out["python"]["executable"] == str(venv / "bin" / "python")
    table = cli("report", "--no-check", env=env).stdout
    assert f"| Environment | virtualenv `{venv}`, from $VIRTUAL_ENV |" in table


@pytest.mark.parametrize("fmt", ["table", "json"])
@pytest.mark.parametrize("with_env", [False, True])
def test_planted_secrets_never_appear(cli, fmt: str, with_env: bool) -> None:  # type: ignore[no-untyped-def]
    args = ["report", "-f", fmt] + (["--env"] if with_env else [])
    result = cli(*args, env=PLANTED)
    assert result.rc in (0, 1) and result.stdout
    assert TOKEN not in result.stdout and DB_PASSWORD not in result.stdout
    if fmt == "json":
        data = json.loads(result.stdout)  # still valid JSON after scrubbing
        if with_env:
            assert data["environment"]["MY_API_TOKEN"] == "***"
            assert data["environment"]["DATABASE_URL"] == "postgres://***@db.example.invalid:5432/runs"
            assert data["environment"]["TRAIN_ARGS"] == "--epochs 3 --hub-token ***"
        else:
            assert "environment" not in data
    elif with_env:
        assert "MY_API_TOKEN=***\n" in result.stdout
        assert "DATABASE_URL=postgres://***@db.example.invalid:5432/runs\n" in result.stdout
    else:
        assert "MY_API_TOKEN" not in result.stdout and "DATABASE_URL" not in result.stdout


def test_anonymize_hides_the_hostname(cli) -> None:  # type: ignore[no-untyped-def]
    host = socket.gethostname()
    plain = cli("report", "--no-check").stdout
    assert f"| Hostname | {host} |" in plain
    hidden = cli("report", "--no-check", "--anonymize").stdout
    assert f"| Hostname | {anonymize_host(host)} |" in hidden
    assert not any(word == host for word in hidden.replace("|", " ").split())


def test_packages_named_on_the_command_line(cli) -> None:  # type: ignore[no-untyped-def]
    out = json.loads(cli("report", "--no-check", "-f", "json", "-p", "PyYAML", "-p", "no-such-pkg-x").stdout)
    import yaml

    assert out["python"]["packages"]["PyYAML"] == yaml.__version__
    assert out["python"]["packages"]["no-such-pkg-x"] is None
    assert "nvidia-ml-py" in out["python"]["packages"]  # a CUDA-stack wheel srvdoctor itself uses


def test_report_includes_the_failing_checks(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "zero.toml"
    config.write_text('[checks."disk.space"]\nwarn_percent = 0\nfail_percent = 0\n')
    result = cli("report", "-c", str(config))
    assert (result.rc, result.stderr) == (0, "")  # it wrote the report; the machine's health is in it
    section = result.stdout.split("### Problems found by `srvdoctor check`\n\n", 1)[1]
    assert section.startswith("- **fail** `disk.space`: / is ") and "(playbook: `disk-full`)" in section
    as_json = cli("report", "-c", str(config), "-f", "json")
    assert as_json.rc == 0
    data = json.loads(as_json.stdout)
    assert data["check"]["status"] == "fail"
    # other areas may add problems of this machine (load, an earlier test's OOM kill): disk.space is ours
    assert {r["status"] for r in data["check"]["problems"] if r["check"] == "disk.space"} == {"fail"}


def test_report_sections(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("report").stdout
    for heading in ("## Environment (srvdoctor report)", "### Packages", "### Disks",
                    "### Problems found by `srvdoctor check`"):  # fmt: skip
        assert f"\n{heading}\n" in f"\n{out}"
    for row in ("| OS |", "| Kernel |", "| Uptime |", "| CPU |", "| Memory |", "| Python |",
                "| NVIDIA driver |", "| Docker engine |"):  # fmt: skip
        assert row in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--package", "a b"], "--package 'a b': not a package name"),
        (["report", "--format", "html"], "--format must be one of markdown, json, table"),
    ],
)
def test_bad_report_options(cli, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args)
    assert result.rc == 2 and message in result.stderr
