"""The command contract: help, version, formats, exit codes, one-line usage errors."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from srvdoctor import __version__
from srvdoctor.checks.registry import CHECKS


@pytest.fixture
def failing_config(tmp_path: Path) -> Path:
    """Thresholds at 0 %: every real filesystem fails, no root needed."""
    path = tmp_path / "zero.toml"
    path.write_text('[checks."disk.space"]\nwarn_percent = 0\nfail_percent = 0\n')
    return path


@pytest.fixture
def lenient_config(tmp_path: Path) -> Path:
    """Thresholds at 100 %: the verdict does not depend on how full this machine's disks are."""
    path = tmp_path / "lenient.toml"
    path.write_text(
        '[checks."disk.space"]\nwarn_percent = 100\nfail_percent = 100\n'
        '[checks."disk.inodes"]\nwarn_percent = 100\nfail_percent = 100\n'
        '[checks."disk.deleted_open"]\nwarn_bytes = "1000TiB"\nfail_bytes = "1000TiB"\ngap_percent = 100\n'
        '[checks."disk.shm"]\nmin_bytes = 0\nfull_percent = 100\n'
    )
    return path


def test_version(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("--version").stdout == f"srvdoctor {__version__}\n"


def test_help_lists_every_command(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("--help").stdout
    for command in ("check", "notes", "triage", "report"):
        assert f"  {command} " in out


def test_healthy_table_ends_with_verdict(cli, lenient_config: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("check", "--only", "disk", "--config", str(lenient_config))
    assert result.rc == 0 and "\x1b[" not in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("No problems found (")


def test_failing_table_names_checks_and_playbook(cli, failing_config: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("check", "--only", "disk", "--config", str(failing_config))
    lines = result.stdout.rstrip().splitlines()
    assert result.rc == 1
    assert lines[-1].startswith(f"{lines[-1].split()[0]} problems found: disk.space (")
    assert any(line.strip().startswith("→ playbook: srvdoctor notes disk-full (") for line in lines)


def test_json_schema(cli, failing_config: Path) -> None:  # type: ignore[no-untyped-def]
    report = json.loads(cli("check", "--only", "disk", "-f", "json", "-c", str(failing_config)).stdout)
    assert {
        "schema",
        "tool",
        "version",
        "host",
        "started_at",
        "duration_s",
        "status",
        "counts",
        "results",
    } <= set(report)
    assert (report["schema"], report["tool"], report["status"]) == (1, "srvdoctor", "fail")
    first = report["results"][0]
    assert set(first) >= {
        "check",
        "target",
        "status",
        "summary",
        "details",
        "data",
        "playbook",
        "hints",
        "duration_s",
    }
    assert report["counts"]["fail"] == sum(r["status"] == "fail" for r in report["results"]) > 0


def test_fail_on_warn(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    warn_only = tmp_path / "warn.toml"
    warn_only.write_text('[checks."disk.space"]\nwarn_percent = 0\nfail_percent = 100\n')
    assert cli("check", "--only", "disk", "-c", str(warn_only)).rc == 0
    assert cli("check", "--only", "disk", "-c", str(warn_only), "--fail-on", "warn").rc == 1


def test_output_file(cli, tmp_path: Path, lenient_config: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "report.json"
    result = cli("check", "--only", "disk", "-f", "json", "--output", str(out), "-c", str(lenient_config))
    assert (result.rc, result.stdout) == (0, "")
    assert json.loads(out.read_text())["tool"] == "srvdoctor"


def test_skip_every_area_checks_nothing(cli) -> None:  # type: ignore[no-untyped-def]
    areas = sorted({c.area for c in CHECKS})
    result = cli("check", "--skip", ",".join(areas), "-f", "json")
    assert json.loads(result.stdout)["results"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--bogus"], "srvdoctor check: No such option: --bogus"),
        (["check", "--format", "xml"], "--format must be one of table, json, junit, prometheus, nagios"),
        (["check", "--only", "disk,floppy"], "unknown area 'floppy'"),
        (["check", "--timeout", "0"], "--timeout must be more than 0 and at most 3600 seconds"),
        (["check", "--timeout", "soon"], "Invalid value for '--timeout'"),
        (["check", "--fail-on", "never"], "--fail-on must be one of warn, fail, error"),
        (
            ["check", "--config", "/nonexistent/srvdoctor.toml"],
            "/nonexistent/srvdoctor.toml: config file not found",
        ),
        (["notes", "disk-ful"], "no note with id 'disk-ful'; did you mean disk-full"),
        (["frobnicate"], "No such command 'frobnicate'"),
        (["firewall", "--port", "0"], "--port 0 is out of range (1-65535)"),
        (["ping", "--port", "70000", "localhost"], "--port 70000 is out of range (1-65535)"),
        (["port", "99999"], "port 99999 is out of range (1-65535)"),
        (["port", "my host:80"], "a host name cannot contain spaces"),
    ],
)
def test_bad_invocation_is_one_line_exit_2(cli, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args)
    assert (result.rc, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("srvdoctor: error: ") and message in result.stderr


def test_notes_list_and_show(cli) -> None:  # type: ignore[no-untyped-def]
    listing = cli("notes").stdout
    assert "disk-full" in listing and "inode-exhaustion" in listing
    shown = cli("notes", "disk-full").stdout
    assert shown.startswith("# No space left on device\n") and "## Prevent" in shown


def test_notes_json(cli) -> None:  # type: ignore[no-untyped-def]
    notes = json.loads(cli("notes", "--format", "json").stdout)
    assert {"id": "disk-full", "title": "No space left on device"}.items() <= notes[
        [n["id"] for n in notes].index("disk-full")
    ].items()


@pytest.mark.parametrize("args", [[], ["schedule"]])
def test_no_arguments_prints_the_help(cli, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args)
    assert (result.rc, result.stderr) == (0, "")
    assert result.stdout.startswith(
        f"Usage: srvdoctor {' '.join(args)}".rstrip() + " [OPTIONS] COMMAND [ARGS]..."
    )


#: Import budgets: the srvdoctor modules (short names) and heavy libraries each command may
#: load beyond what typer itself loads. A command that needs more must say so here, so a new
#: feature cannot quietly slow `path` or `port` down (issue 17). Shared by every command:
START = {"cli", "commands", "commands.clitypes", "commands.common", "constants", "i18n", "lazyre", "messages"}
#: ...and by every command that runs checks and prints a report.
REPORT = START | {"config", "readinput", "model", "record", "units", "runner", "render", "render.table", "render.plain",
                  "checks", "checks.base", "checks.registry", "probes", "probes.timeout",
                  "redact", "render.safe", "shellcmd"}  # fmt: skip
#: ...and by those whose results link a note (its path is shown): where the note is, without
#: reading the shipped notes (playbooks.note_paths).
LINKED = {"playbooks", "saferegex"}
#: ...and by `triage --no-run`: the notes it looks up (their front matter parsed ahead of time),
#: the conditions table built ahead of time, no check module (checks.ids knows their ids).
TRIAGE = REPORT | LINKED | {"playbook_meta", "commands.triage", "checks.ids", "triage", "usernotes", "conditions",
                            "condindex", "condindex_data", "textscan", "extract", "pasted"}  # fmt: skip
NET = {"targets", "checks.netcommon", "checks.network", "checks.port_tcp", "checks.port_listen", "checks.dns",
       "probes.dns", "probes.interfaces", "probes.listeners", "probes.procnet", "probes.tcp"}  # fmt: skip


def _nvml_loads() -> bool:
    import ctypes

    try:
        ctypes.CDLL("libnvidia-ml.so.1")
    except OSError:
        return False
    return True


HEAVY = ("rich", "psutil", "httpx", "docker", "pynvml", "yaml", "ssl", "pydantic", "asyncio", "re2", "socket",
         "tempfile", "statistics", "encodings.idna", "json")  # fmt: skip
BUDGETS: list[tuple[list[str], set[str], set[str]]] = [
    (["--version"], START - {"constants"}, set()),
    # into a pipe (as here) no command that prints a report loads rich: render/plain.py
    (["path", "/"], REPORT | {"commands.path", "checks.path", "probes.paths"}, set()),
    (
        ["notes"],
        START
        | {
            "commands.notes",
            "commands.completion",
            "config",
            "readinput",
            "saferegex",
            "model",
            "record",
            "units",
            "playbooks",
            "redact",
            "render",
            "render.safe",
            "render.plain",
            "shellcmd",
            "i18n",
            "playbook_meta",
        },
        set(),  # into a pipe: rich's table without rich, the notes without YAML
    ),
    (
        ["triage", "--no-run", "something odd happened"],
        TRIAGE,
        {"json"},  # the last triage is saved as JSON (`srvdoctor notes new --from-last`)
    ),
    (  # a note that names disk checks: their ids are known without importing checks.disk
        ["triage", "--no-run", "OSError: [Errno 28] No space left on device"],
        TRIAGE,
        {"json"},  # the last triage is saved as JSON (`srvdoctor notes new --from-last`)
    ),
    (
        ["ping", "127.0.0.1", "--count", "1", "--timeout", "1"],
        REPORT | NET | {"commands.ping", "checks.ping", "probes.icmp"},
        {"socket"},  # this machine's addresses from /proc, not psutil; no statistics (fsum)
    ),
    (
        ["port", "1", "--timeout", "1"],
        REPORT
        | NET
        | {
            "commands.port",
            "checks.servers",
            "checks.ladder",
        }
        | LINKED,  # port 1 is closed: the results link port-closed; no firewall, no HTTP/TLS
        {"socket"},  # no ssl: nothing here speaks TLS; no psutil: the listeners read from /proc
    ),
    (
        ["firewall"],
        REPORT | NET | {"commands.firewall", "checks.firewall", "probes.firewall", "probes.fwrules"},
        {"json"},  # `nft -j`; no socket: rules and listeners are read, nothing is connected to
    ),
    (
        ["gpu"],
        REPORT
        | {"commands.gpu", "probes.nvml", "probes.cuda_env"}
        | {"checks.gpu", "checks.gpu_common", "checks.gpu_health", "checks.gpu_processes"}
        | {"checks.gpu_driver"}
        # gpu.driver names a container started without GPUs
        | {"probes.container"},
        # NVML, and psutil for the PIDs it names, only where libnvidia-ml loads (pynvml is never
        # imported to find out that it does not)
        {"pynvml", "psutil"} if _nvml_loads() else set(),
    ),
    (
        ["disk", "DIR"],
        REPORT
        | {
            "commands.disk",
            "checks.disk",
            "checks.disk_gap",
            "render.disk",
            "probes.filesystems",
            "probes.openfiles",
            "probes.scan",
            "probes.scan_model",
            "probes.scan_pool",
            "probes.scan_walk",
            "probes.spaceeaters",
        }
        | LINKED,  # a filesystem near full links disk-full
        {"rich", "json", "socket", "tempfile"},  # the scan's worker processes (multiprocessing)
    ),
    (
        ["schedule", "show"],
        START | {"commands.schedule", "redact", "render", "render.safe", "shellcmd"},
        set(),
    ),
]


@pytest.mark.parametrize(
    ("args", "modules", "heavy"), BUDGETS, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_each_command_imports_only_what_it_uses(args: list[str], modules: set[str], heavy: set[str],
                                                tmp_path: Path) -> None:  # fmt: skip
    args = [str(tmp_path) if a == "DIR" else a for a in args]
    code = (
        f"import sys; sys.argv = ['srvdoctor', *{args!r}]\n"
        "import typer\n"
        "before = set(sys.modules)  # what typer itself loads (older typer loads rich) is not ours\n"
        "import srvdoctor.cli\n"
        "try:\n    srvdoctor.cli.main()\nexcept SystemExit:\n    pass\n"
        f"heavy = {HEAVY!r}\n"
        "new = set(sys.modules) - before\n"
        "print(sorted(m[10:] for m in new if m.startswith('srvdoctor.')))\n"
        "print(sorted(m for m in heavy if m in new))"
    )
    env = {**os.environ, "SRVDOCTOR_CONFIG": os.devnull, "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    ours, libraries = (ast.literal_eval(line) for line in proc.stdout.splitlines()[-2:])
    assert set(ours) - modules == set(), f"srvdoctor {' '.join(args)} imports more than its budget"
    assert set(libraries) - heavy == set(), f"srvdoctor {' '.join(args)} imports heavy libraries"


def test_version_imports_no_command_and_no_heavy_library() -> None:
    code = (
        "import sys; sys.argv = ['srvdoctor', '--version']\n"
        "import typer\n"
        "before = set(sys.modules)\n"
        "import srvdoctor.cli\n"
        "try:\n    srvdoctor.cli.main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in set(sys.modules) - before if m.startswith('srvdoctor.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        f"srvdoctor {__version__}",
        "['srvdoctor.cli', 'srvdoctor.commands', 'srvdoctor.commands.clitypes', 'srvdoctor.commands.common',"
        " 'srvdoctor.i18n', 'srvdoctor.lazyre', 'srvdoctor.messages']",
    ]


def test_registry_prefixes_name_every_check() -> None:
    """registry.by_id imports a module by id prefix: every id must start with its module's prefixes."""
    from srvdoctor.checks import registry

    for area, module, prefixes in registry.MODULES:
        mine = importlib.import_module(module).CHECKS
        assert mine and all(c.id.startswith(prefixes) and c.area == area for c in mine), module
        assert set(mine) <= set(registry.checks([area]))
    ids = [c.id for c in CHECKS]
    assert list(registry.by_id(ids)) == ids and registry.by_id(["nope.x"]) == {}


def test_the_static_check_ids_are_the_registry_s() -> None:
    """checks/ids.py (what triage --no-run tells known ids by) lists every check, in order."""
    from srvdoctor.checks import registry
    from srvdoctor.checks.ids import CHECK_IDS

    assert tuple(c.id for c in registry.checks()) == CHECK_IDS


def test_a_config_with_checks_imports_only_the_checks_it_names(tmp_path: Path) -> None:
    """`[checks."disk.space"]` validates against disk's module alone, not every check's (issue 17)."""
    config = tmp_path / "srvdoctor.toml"
    config.write_text('[checks."disk.space"]\nwarn_percent = 85\n')
    code = (
        "import sys; sys.argv = ['srvdoctor', 'path', '/']\n"
        "import srvdoctor.cli\n"
        "try:\n    srvdoctor.cli.main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('srvdoctor.checks.')), file=sys.stderr)"
    )
    env = {**os.environ, "SRVDOCTOR_CONFIG": str(config)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    loaded = ast.literal_eval(proc.stderr.strip().splitlines()[-1])
    assert set(loaded) == {"srvdoctor.checks.base", "srvdoctor.checks.registry", "srvdoctor.checks.path",
                           "srvdoctor.checks.disk"}  # fmt: skip
    assert "path.exists" in proc.stdout


@pytest.mark.parametrize(("config_text", "loaded"), [("", False), ('[[expect.path]]\npath = "/"\n', True)])
def test_check_loads_the_expect_checks_only_when_the_config_has_expectations(
    tmp_path: Path, config_text: str, loaded: bool
) -> None:
    """Without `[[expect.*]]` the expect checks have nothing to say: `check` does not import
    them (~50 ms); with one, they run (issue 17)."""
    config = tmp_path / "srvdoctor.toml"
    config.write_text(config_text)
    code = (
        "import sys; sys.argv = ['srvdoctor', 'check', '--only', 'path,expect', '--format', 'json']\n"
        "import srvdoctor.cli\n"
        "try:\n    srvdoctor.cli.main()\nexcept SystemExit:\n    pass\n"
        "print('srvdoctor.checks.expect' in sys.modules, file=sys.stderr)"
    )
    env = {**os.environ, "SRVDOCTOR_CONFIG": str(config)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.stderr.strip().splitlines()[-1] == str(loaded), proc.stderr
    import json

    checks = {r["check"] for r in json.loads(proc.stdout)["results"]}
    assert ("expect.path" in checks) is loaded
