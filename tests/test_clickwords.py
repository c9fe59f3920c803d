"""Click's own words (usage, option headings, usage errors) in the run's language: real runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

CLEAN = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": "", "LANG": "C"}


def test_help_has_korean_headings(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("--lang", "ko", "path", "--help", env=CLEAN)
    assert result.rc == 0, result.stderr
    assert result.stdout.startswith("사용법: srvdoctor path [OPTIONS] PATH...\n")
    assert "\n인자:\n" in result.stdout and "\n옵션:\n" in result.stdout
    assert "이 도움말을 보여 주고 끝냅니다." in result.stdout and "[필수]" in result.stdout
    for english in ("Usage:", "Options:", "Arguments:", "Show this message", "[required]", "[default:"):
        assert english not in result.stdout
    english = cli("path", "--help", env=CLEAN)
    assert english.stdout.startswith("Usage: srvdoctor path [OPTIONS] PATH...\n")
    assert "\nOptions:\n" in english.stdout and "Show this message and exit." in english.stdout


@pytest.mark.parametrize(
    ("args", "korean", "english"),
    [
        (["check", "--bogus"], "srvdoctor check: 없는 옵션입니다: --bogus (srvdoctor check --help 참고)",
         "srvdoctor check: No such option: --bogus (see srvdoctor check --help)"),
        (["path"], "srvdoctor path: 인자 'PATH...'이(가) 빠졌습니다. (srvdoctor path --help 참고)",
         "srvdoctor path: Missing argument 'PATH...'. (see srvdoctor path --help)"),
        (["chek"], "srvdoctor: 'chek' 명령이 없습니다. 'check'을(를) 말씀하신 건가요? (srvdoctor --help 참고)",
         "srvdoctor: No such command 'chek'. Did you mean 'check'? (see srvdoctor --help)"),
    ],
)  # fmt: skip
def test_usage_errors_are_one_korean_line_exit_2(cli, args: list[str], korean: str, english: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("--lang", "ko", *args, env=CLEAN)
    assert (result.rc, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [f"srvdoctor: error: {korean}"]
    plain = cli(*args, env=CLEAN)
    assert (plain.rc, plain.stderr.splitlines()) == (2, [f"srvdoctor: error: {english}"])


def test_translate_reads_the_vendored_english_back() -> None:
    from srvdoctor import messages
    from srvdoctor.clickwords import translate

    try:
        messages.activate("ko")
        assert translate("No such option: --x (Possible options: --xy, --xz)") == (
            "없는 옵션입니다: --x (가능한 옵션: --xy, --xz)"
        )
        assert translate("Invalid value for '-t' / '--type': 'x' is not one of 'any', 'file'.") == (
            "'-t' / '--type'의 값이 잘못되었습니다: 'x'은(는) 'any', 'file' 중 하나가 아닙니다."
        )
        assert translate("something click never said") == "something click never said"
    finally:
        messages.activate("en")
    assert translate("No such option: --x") == "No such option: --x"


def test_click_with_gettext_speaks_the_catalog_after_install() -> None:
    """The non-vendored click (typer 0.15 uses it): its gettext `_` points at the catalog."""
    pytest.importorskip("click")
    code = (
        "import click.exceptions, click.formatting\n"
        "from srvdoctor import messages, clickwords\n"
        "messages.activate('ko'); clickwords.install()\n"
        "print(click.exceptions.NoSuchOption('--x').format_message())\n"
        "f = click.formatting.HelpFormatter(); f.write_usage('srvdoctor', 'PATH'); print(f.getvalue().strip())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["'--x' 옵션이 없습니다.", "사용법: srvdoctor PATH"]
