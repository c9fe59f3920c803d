"""[[expect.<kind>]] tables: values parsed with units and ${VAR}, every mistake exit 2 at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from srvdoctor.config import ConfigError, parse_config
from srvdoctor.expect.model import CommandExpect, HttpExpect, PathExpect, PortExpect
from srvdoctor.expect.parse import expectations_of, parse_expectations

GOOD = """\
timeout = 2

[[expect.http]]
url = "${DEPLOY_URL}/health"
status = [200, 204]
within = "500ms"
contains = "regex:ok|ready"
json = {path = "model.name", equals = "tiny"}
headers = {Authorization = "Bearer ${TOKEN}"}

[[expect.path]]
path = "/models/m.bin"
kind = "file"
min_bytes = "512MiB"
max_age = "10m"

[[expect.port]]
target = "[::1]:8000"
state = "closed"

[[expect.command]]
run = ["python3", "-c", "print(1)"]
timeout = "90s"
"""


def test_values_units_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPLOY_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("TOKEN", "s3cret")
    items = expectations_of(parse_config(GOOD, Path("smoke.toml"))).items
    http, port, path, command = items  # report order: http, port, listen, path, ...
    assert isinstance(http, HttpExpect) and (http.url, http.status, http.within) == (
        "http://127.0.0.1:8000/health", (200, 204), 0.5,
    )  # fmt: skip
    assert http.headers == {"Authorization": "Bearer s3cret"} and http.contains is not None
    assert http.contains.found_in("all ready") and not http.contains.found_in("loading")
    assert (http.json[0].path, http.json[0].equals) == ("model.name", "tiny")
    assert isinstance(path, PathExpect) and (path.type, path.min_bytes, path.max_age) == (
        "file",
        512 << 20,
        600.0,
    )
    assert isinstance(port, PortExpect) and (port.host, port.port, port.target) == ("::1", 8000, "[::1]:8000")
    assert isinstance(command, CommandExpect) and command.run == ("python3", "-c", "print(1)")
    assert (
        command.timeout == 90.0
        and str(http.where) == "smoke.toml:3"
        and str(command.where) == "smoke.toml:21"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[expect.htp]]\nurl = "http://x"\n',
         "x.toml:1: expect.htp: unknown expectation kind (did you mean 'http'?)"),
        ('[[expect.http]]\nurl = "http://a"\n\n[[expect.http]]\nurl = "http://b"\nstatus = "ok"\n',
         "x.toml:6: expect.http.status: expected an integer, got 'ok'"),
        ('[[expect.http]]\nurl = "http://a"\nwithin = "fast"\n',
         "x.toml:3: expect.http.within: not a duration: 'fast'"),
        ('[[expect.http]]\nurl = "${SDEXPECT_UNSET_VAR}/health"\n',
         "x.toml:2: expect.http.url: environment variable ${SDEXPECT_UNSET_VAR} is not set"),
        ('[[expect.http]]\nurl = "localhost:8000"\n',
         "x.toml:2: expect.http.url: expected an http:// or https:// URL"),
        ('[[expect.http]]\nurl = "http://a"\nstatuss = 200\n',
         "x.toml:3: expect.http.statuss: unknown key (did you mean 'status'?)"),
        ('[[expect.http]]\nurl = "http://a"\njson = {path = "a", equal = 1}\n',
         "x.toml:3: expect.http.json: unknown key 'equal'; known: path, equals"),
        ('[[expect.http]]\nstatus = 200\n', "x.toml:1: expect.http: missing required key 'url'"),
        ('[[expect.path]]\npath = "/m"\nmin_bytes = "12 parsecs"\n',
         "x.toml:3: expect.path.min_bytes: not a size: '12 parsecs'"),
        ('[[expect.path]]\npath = "/m"\nkind = "folder"\n',
         "x.toml:3: expect.path.kind: expected one of file, dir, any, got 'folder'"),
        ('[[expect.port]]\ntarget = "127.0.0.1:99999"\n',
         "x.toml:2: expect.port.target: expected a port between 1 and 65535, got 99999"),
        ('[[expect.listen]]\nport = 8000\naddress = "everywhere"\n',
         "x.toml:3: expect.listen.address: expected an IP address"),
        ('[[expect.process]]\nmin = 2\n', "x.toml:1: expect.process: needs name or cmdline"),
        ('[[expect.process]]\ncmdline = "uvicorn("\n', "x.toml:2: expect.process.cmdline: invalid regular expression"),
        ('[[expect.container]]\nname = "m"\nmax_restarts = -1\n',
         "x.toml:3: expect.container.max_restarts: expected a count >= 0, got -1"),
        ('[[expect.gpu]]\noptional = "yes"\n', "x.toml:2: expect.gpu.optional: expected true or false, got 'yes'"),
        ('[[expect.command]]\nrun = "curl -f http://x"\n',
         "x.toml:2: expect.command.run: expected an argv list"),
        ('[expect.http]\nurl = "http://a"\n', "x.toml:1: expect.http: write [[expect.http]] (double brackets"),
        ('[expect]\nhttp = 3\n', "x.toml:2: expect.http: expected [[expect.http]] tables"),
    ],
)  # fmt: skip
def test_errors_name_file_line_and_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        parse_config(text, Path("x.toml"))
    assert str(excinfo.value).startswith(message), str(excinfo.value)


def test_environment_is_read_at_parse_time() -> None:
    cfg = parse_config("", Path("x.toml"))
    exps = parse_expectations({"http": [{"url": "${U}"}]}, cfg, env={"U": "https://127.0.0.1:1"})
    assert [e.target for e in exps.items] == ["https://127.0.0.1:1"]


@pytest.mark.parametrize(
    ("body", "line", "key", "what"),
    [
        ('[[expect.nginx]]\nurl = "http://x"\n', 1, "expect.nginx", "unknown expectation kind"),
        ('[[expect.listen]]\nport = "eighty"\n', 2, "expect.listen.port", "expected an integer"),
        ('[[expect.path]]\npath = "/m"\nmax_age = "10 fortnights"\n', 3, "expect.path.max_age", "not a duration"),
        ('[[expect.http]]\nurl = "${SDEXPECT_NOT_SET}"\n', 2, "expect.http.url", "environment variable ${SDEXPECT_NOT_SET} is not set"),
        ('[[expect.http]]\nurl = "http://[::1"\n', 2, "expect.http.url", "not a valid URL (Invalid IPv6 URL)"),
    ],
)  # fmt: skip
def test_cli_exit_2_with_file_line(cli, tmp_path: Path, body: str, line: int, key: str, what: str) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "smoke.toml"
    config.write_text(body)
    result = cli("check", "--only", "expect", "--config", str(config))
    assert (result.rc, result.stdout) == (2, "")
    assert result.stderr.startswith(f"srvdoctor: error: {config}:{line}: {key}: {what}"), result.stderr
    assert result.stderr.count("\n") == 1
