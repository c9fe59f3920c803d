"""GitHub workflow commands: levels follow --fail-on, properties and data are escaped."""

from __future__ import annotations

from srvdoctor.model import Report, Result, Status
from srvdoctor.render import github

REPORT = Report(
    tool="srvdoctor", version="0", host="h", started_at="2026-01-01T00:00:00+00:00", duration_s=1.0,
    results=[
        Result("expect.process", "cmdline~a,b:c", Status.FAIL, "0 running, expected one\n100% gone",
               data={"index": 0, "config": "/ws/ci/smoke.toml:12"}, playbook="deploy-unhealthy", area="expect"),
        Result("expect.container", "web", Status.WARN, "web is running but has no healthcheck",
               data={"index": 0, "config": "<config>"}, area="expect"),
        Result("disk.space", "/", Status.OK, "fine", area="disk"),
    ],
)  # fmt: skip


def test_annotation_lines_escape_and_locate() -> None:
    lines = github.annotation_lines(REPORT, Status.FAIL, workspace="/ws").splitlines()
    assert lines == [
        "::error file=ci/smoke.toml,line=12,title=srvdoctor expect.process cmdline~a%2Cb%3Ac::"
        "0 running, expected one%0A100%25 gone (playbook: srvdoctor notes deploy-unhealthy)",
        "::warning title=srvdoctor expect.container web::web is running but has no healthcheck",
    ]


def test_warn_is_an_error_annotation_with_fail_on_warn() -> None:
    assert github.annotation_lines(REPORT, Status.WARN).splitlines()[1].startswith("::error title=")


def test_summary_table_lists_problems_first() -> None:
    text = github.summary(REPORT, Status.FAIL, "Not healthy after 10.0 s of retries (6 attempts).")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert rows[0] == (
        "| ❌ | `expect.process` | cmdline&#126;a,b:c | 0 running, expected one 100% gone | `srvdoctor notes deploy-unhealthy` |"
    )
    assert [r.split(" | ")[1] for r in rows] == ["`expect.process`", "`expect.container`", "`disk.space`"]
    assert "Not healthy after 10.0 s of retries (6 attempts)." in text and "❌ not healthy" in text


def test_relative_config_path_is_made_relative_to_the_workspace(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Run from a subdirectory with `-c ../fail.toml`: `file=` is still the workspace's path."""
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    r = Result("expect.path", "/x", Status.FAIL, "missing", data={"index": 0, "config": "../fail.toml:3"},
               area="expect")  # fmt: skip
    line = github.annotation(r, Status.FAIL, workspace=str(tmp_path))
    assert line.startswith("::error file=fail.toml,line=3,")


def test_summary_escapes_markdown_in_targets_and_summaries() -> None:
    import markdown

    target = "/tmp/x*y*_z_ <b>[l](u)</b> `c` a|b"
    report = Report(tool="srvdoctor", version="0", host="h", started_at="t", duration_s=0.0,
                    results=[Result("path.exists", target, Status.FAIL, f"{target} is missing", area="disk")])  # fmt: skip
    html = markdown.markdown(github.summary(report), extensions=["tables"])
    row = html.split("<tbody>", 1)[1]
    for tag in ("<em>", "<strong>", "<b>", "<a ", "<code>c"):
        assert tag not in row, tag
    assert row.count("<td>") == 5  # the | in the target did not open a sixth column
    assert "<td>/tmp/x*y*_z_ &lt;b&gt;[l](u)&lt;/b&gt; `c` a&#124;b</td>" in row
