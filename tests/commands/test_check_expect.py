"""`check` on expectations as a CI job runs it: JUnit XML parsed back, GitHub annotations and summary."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.expect.helpers import health_server


def _config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "smoke.toml"
    config.write_text(
        f'[[expect.http]]\nurl = "{url}"\n\n'  # 503 forever: a failure
        f'[[expect.path]]\npath = "{tmp_path}/model.bin"\n\n'  # missing: a failure
        f'[[expect.path]]\npath = "{tmp_path}"\nkind = "dir"\n\n'  # ok
        "[[expect.gpu]]\noptional = true\ncount = 4096\n\n"  # skip here, fail on a GPU box
        '[[expect.command]]\nrun = ["true"]\n'  # ok
    )
    return config


def test_junit_counts_and_failure_messages(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with health_server(never=True) as srv:
        config = _config(tmp_path, srv.url())
        out = tmp_path / "smoke.xml"
        result = cli(
            "check", "--only", "expect", "--config", str(config), "--format", "junit", "--output", str(out)
        )
    assert (result.rc, result.stdout) == (1, "")
    root = ET.parse(out).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["srvdoctor.expect"]
    counts = {k: suites[0].get(k) for k in ("tests", "failures", "errors", "skipped")}
    assert counts in (
        {"tests": "5", "failures": "2", "errors": "0", "skipped": "1"},  # no GPU here
        {"tests": "5", "failures": "3", "errors": "0", "skipped": "0"},  # a GPU box, but not 4096 GPUs
    )
    # <testsuites> has no `skipped` (junit-10.xsd); the suite keeps it
    assert {k: root.get(k) for k in counts if k != "skipped"} == {
        k: v for k, v in counts.items() if k != "skipped"
    }
    failure = root.find(f".//testcase[@name='expect.http {srv.url()}']/failure")
    assert failure is not None and failure.get("message") == (
        "HTTP 503 Service Unavailable (expected 200) [playbook: deploy-unhealthy - srvdoctor notes deploy-unhealthy]"
    )
    missing = root.find(f".//testcase[@name='expect.path {tmp_path}/model.bin']/failure")
    assert missing is not None and missing.get("message", "").startswith(
        f"{tmp_path}/model.bin does not exist"
    )


def test_github_annotations_and_step_summary(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    summary = tmp_path / "summary.md"
    summary.write_text("previous step\n")
    with health_server(never=True) as srv:
        config = _config(tmp_path, srv.url())
        env = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_WORKSPACE": str(tmp_path),
        }
        result = cli("check", "--only", "expect", "--config", str(config), env=env)
    assert result.rc == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("::")]
    url = srv.url().replace(":", "%3A")
    assert lines[0] == (
        f"::error file=smoke.toml,line=1,title=srvdoctor expect.http {url}::HTTP 503 Service Unavailable "
        "(expected 200) (playbook: srvdoctor notes deploy-unhealthy)%0Atry: curl -sS -o /dev/null "
        f"-w '%25{{http_code}} %25{{time_total}}s\\n' {srv.url()}"
    )
    assert lines[1].startswith(
        f"::error file=smoke.toml,line=4,title=srvdoctor expect.path {tmp_path}/model.bin::"
    )
    text = summary.read_text()
    assert text.startswith("previous step\n### srvdoctor on `")
    assert "❌ not healthy" in text.splitlines()[1]
    assert (
        f"| ❌ | `expect.http` | {srv.url()} | HTTP 503 Service Unavailable (expected 200) | "
        "`srvdoctor notes deploy-unhealthy` |" in text
    )


def test_annotations_go_to_stderr_when_stdout_is_the_report(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "smoke.toml"
    config.write_text(f'[[expect.path]]\npath = "{tmp_path}/gone"\n')
    result = cli("check", "--only", "expect", "--config", str(config), "--format", "junit",
                 env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": ""})  # fmt: skip
    ET.fromstring(result.stdout)  # still a valid XML document
    assert result.rc == 1 and result.stderr.startswith("::error file=")
