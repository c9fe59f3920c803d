"""Every machine-readable output fed to the real program that consumes it.

- `promtool check metrics` on the Prometheus text of real runs, expectations included;
- JUnit XML validated against junit-10.xsd (the schema Jenkins' xUnit plugin and
  Surefire use; taken from pytest's source distribution, whose test suite ships it)
  and read by junitparser;
- every command's `--format json` validated against the JSON Schema shipped in the package.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from srvdoctor import schemas
from tests.conftest import REQUIRE_INTEGRATION, require_tool, run_cli

#: Two expectations on one target (each must stay its own series) and a process count
#: (`count` must not end a gauge's name).
EXPECTATIONS = """
[[expect.path]]
path = "/"
kind = "dir"

[[expect.path]]
path = "/"
kind = "any"

[[expect.process]]
name = "init-never-runs-here"
min = 0
"""


@pytest.fixture
def expect_config(tmp_path: Path) -> Path:
    config = tmp_path / "smoke.toml"
    config.write_text(EXPECTATIONS)
    return config


@pytest.mark.parametrize("only", ["expect", "disk,load,network,docker,firewall,gpu"])
def test_promtool_lints_real_prometheus_output(only: str, expect_config: Path) -> None:
    promtool = require_tool("promtool", "prometheus")
    res = run_cli("check", "--only", only, "--format", "prometheus", "-c", str(expect_config))
    assert res.rc in (0, 1), res.stderr
    lint = subprocess.run([promtool, "check", "metrics"], input=res.stdout, capture_output=True,
                          text=True, timeout=30)  # fmt: skip
    assert (lint.returncode, lint.stdout + lint.stderr) == (0, "")
    if only == "expect":
        series = [line for line in res.stdout.splitlines() if line.startswith("srvdoctor_check_status{")]
        assert len(series) == 3  # two expectations on "/" stay two series
        assert "srvdoctor_expect_index" not in res.stdout


# ---------------------------------------------------------------- JUnit


@pytest.fixture(scope="session")
def junit_xsd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """junit-10.xsd from pytest's sdist (the installed pytest's version), through pip."""
    import pytest as installed

    where = tmp_path_factory.mktemp("pytest-sdist")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
         "-d", str(where), f"pytest=={installed.__version__}"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    sdists = list(where.glob("pytest-*.tar.gz"))
    if proc.returncode != 0 or not sdists:
        reason = f"could not download pytest's sdist for junit-10.xsd: {proc.stderr.strip()[-200:]}"
        if REQUIRE_INTEGRATION:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with tarfile.open(sdists[0]) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("testing/example_scripts/junit-10.xsd"))
        data = tar.extractfile(member)
        assert data is not None
        xsd = where / "junit-10.xsd"
        xsd.write_bytes(data.read())
    return xsd


def _junit(tmp_path: Path, expect_config: Path) -> str:
    full = tmp_path / "full"
    full.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(full)], check=True)
    with contextlib.suppress(OSError):  # ENOSPC: the point
        (full / "fill").write_bytes(b"\0" * 1024 * 1024)
    try:
        res = run_cli("check", "--only", "disk,gpu,expect", "--format", "junit", "-c", str(expect_config))
    finally:
        subprocess.run(["umount", "-l", str(full)], check=False)
    assert res.rc == 1, res.stderr  # the full tmpfs fails disk.space
    return res.stdout


@pytest.mark.root
def test_junit_validates_against_junit_10_xsd(junit_xsd: Path, tmp_path: Path, expect_config: Path) -> None:
    import xmlschema

    xml = _junit(tmp_path, expect_config)
    assert "<failure" in xml and "<skipped" in xml  # the cases the schema constrains are present
    xmlschema.XMLSchema(str(junit_xsd)).validate(xml)


@pytest.mark.root
def test_junitparser_reads_the_counts(tmp_path: Path, expect_config: Path) -> None:
    from junitparser import JUnitXml

    path = tmp_path / "report.xml"
    path.write_text(_junit(tmp_path, expect_config))
    xml = JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert sum(s.failures for s in suites) >= 1
    assert sum(s.skipped for s in suites) >= 1  # gpu: no NVIDIA driver here
    assert sum(s.tests for s in suites) == sum(1 for s in suites for _ in s)


def test_korean_junit_is_still_valid_and_read_back(junit_xsd: Path, tmp_path: Path) -> None:
    """`--lang ko` changes the text only: the document still validates against junit-10.xsd
    and junitparser reads the same counts and names."""
    import xmlschema
    from junitparser import JUnitXml

    config = tmp_path / "smoke.toml"
    config.write_text(
        f'[[expect.path]]\npath = "{tmp_path}/model.bin"\n\n'  # missing: a failure
        '[[expect.command]]\nrun = ["sh", "-c", "exit 3"]\n\n'  # a failure
        '[[expect.command]]\nrun = ["true"]\n\n'  # ok
        "[[expect.gpu]]\noptional = true\ncount = 4096\n"  # skip here, fail on a GPU box
    )
    args = ("check", "--only", "expect", "-c", str(config), "--format", "junit")
    korean, english = run_cli(*args, "--lang", "ko"), run_cli(*args)
    assert (korean.rc, english.rc) == (1, 1)
    assert "종료 코드 3, 기대값 0" in korean.stdout and "종료 코드" not in english.stdout
    xmlschema.XMLSchema(str(junit_xsd)).validate(korean.stdout)
    read = []
    for name, res in (("ko", korean), ("en", english)):
        path = tmp_path / f"{name}.xml"
        path.write_text(res.stdout)
        suites = list(JUnitXml.fromfile(str(path)))
        read.append([(s.name, s.tests, s.failures, s.errors, s.skipped, [c.name for c in s]) for s in suites])
    assert read[0] == read[1]
    assert read[0][0][2] + read[0][0][4] == 3  # 2 failures + the GPU (skipped, or failed on a GPU box)


# ---------------------------------------------------------------- JSON Schema


def _validator(kind: str) -> jsonschema.protocols.Validator:
    registry: Registry = Registry().with_resources(
        (uri, Resource.from_contents(schema)) for uri, schema in schemas.all_schemas().items()
    )
    schema = schemas.load(kind)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Path]]:
    where = tmp_path_factory.mktemp("merge")
    paths = []
    for name in ("a", "b"):
        res = run_cli("check", "--only", "disk", "--format", "json")
        path = where / f"{name}.json"
        path.write_text(res.stdout.replace('"host": "', f'"host": "{name}-', 1))
        paths.append(path)
    yield paths


JSON_COMMANDS: list[tuple[str, list[str]]] = [
    ("report", ["check", "--only", "disk,network,load,gpu,docker,firewall"]),
    ("report", ["path", "/tmp", "/no/such/dir"]),
    ("report", ["port", "127.0.0.1:1"]),
    ("report", ["ping", "127.0.0.1", "--count", "1"]),
    ("report", ["firewall"]),
    ("report", ["load"]),
    ("report", ["gpu"]),
    ("report", ["docker", "--fast"]),
    ("report", ["logs", "--since", "10m"]),
    ("disk", ["disk", "/usr/share/doc", "--depth", "1"]),
    ("notes", ["notes"]),
    ("notes", ["notes", "disk-full"]),
    ("triage", ["triage", "--no-run", "OSError: [Errno 28] No space left on device"]),
    ("triage", ["triage", "OSError: [Errno 28] No space left on device: '/tmp/x'"]),
    ("envreport", ["report"]),
]


@pytest.mark.parametrize(("kind", "args"), JSON_COMMANDS, ids=[" ".join(a[:2]) for _, a in JSON_COMMANDS])
def test_every_command_json_matches_its_schema(kind: str, args: list[str]) -> None:
    res = run_cli(*args, "--format", "json", timeout=120)
    assert res.rc in (0, 1), res.stderr
    document = json.loads(res.stdout)
    _validator(kind).validate(document)
    if isinstance(document, dict) and kind == "report":
        assert document["$schema"] == schemas.REPORT_ID


def test_notes_search_json_matches(tmp_path: Path) -> None:
    res = run_cli("notes", "search", "space", "--format", "json")
    assert res.rc == 0, res.stderr
    for hit in json.loads(res.stdout):
        assert {"id", "title", "path"} <= set(hit)


def test_merge_json_matches_its_schema(two_reports: list[Path]) -> None:
    res = run_cli("merge", *map(str, two_reports), "--format", "json")
    assert res.rc in (0, 1), res.stderr
    _validator("merge").validate(json.loads(res.stdout))


def test_the_schema_rejects_what_it_should() -> None:
    """The report schema is not vacuous: a renamed key or an unknown status fails it."""
    res = run_cli("path", "/tmp", "--format", "json")
    good = json.loads(res.stdout)
    validator = _validator("report")
    validator.validate(good)
    renamed = {key if key != "results" else "result": value for key, value in good.items()}
    assert not validator.is_valid(renamed)
    bad_status = json.loads(res.stdout)
    bad_status["results"][0]["status"] = "passed"
    assert not validator.is_valid(bad_status)
