"""Real Korean-locale errors: real programs run under `LANGUAGE=ko`, their real stderr fed to
`srvdoctor triage --no-run` (table and JSON): the right note ranks first, the same note as
for the program's English text (the same program run under `LC_ALL=C`).

`LANGUAGE=ko` with `LC_ALL=C.UTF-8` is enough for gettext (no ko_KR locale needs to be
generated); each case first proves the program really printed Korean.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult, require_tool

KO = {"LANGUAGE": "ko", "LC_ALL": "C.UTF-8"}
EN = {"LC_ALL": "C"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")
_FIRST_NOTE = re.compile(r"^\s*1\. ([a-z0-9-]+)\b", re.MULTILINE)


#: The catalog each program prints Korean from, and the Debian package that ships it.
CATALOGS = {"ls": "coreutils", "cp": "coreutils", "touch": "coreutils", "bash": "bash", "apt-get": "apt",
            "ping": "libc-l10n", "python": "libc-l10n"}  # fmt: skip
_DOMAINS = {"coreutils": "coreutils", "bash": "bash", "apt": "apt", "libc-l10n": "libc"}


def require_korean(program: str) -> None:
    """Skip (fail under SRVDOCTOR_REQUIRE_INTEGRATION=1) where `program`'s Korean catalog is
    not installed (images that drop /usr/share/locale)."""
    package = CATALOGS[program]
    mo = Path("/usr/share/locale/ko/LC_MESSAGES") / f"{_DOMAINS[package]}.mo"
    if not mo.is_file():
        reason = f"no {mo} (apt-get install --reinstall {package})"
        if os.environ.get("SRVDOCTOR_REQUIRE_INTEGRATION") == "1":
            pytest.fail(f"SRVDOCTOR_REQUIRE_INTEGRATION=1 but {reason}", pytrace=False)
        pytest.skip(reason)


def run_program(argv: list[str], lang: dict[str, str], cwd: Path | None = None) -> str:
    """The program's stderr (stdout appended), run with only PATH, HOME and `lang` set."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"), **lang}
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False)
    return proc.stderr + proc.stdout


def triage_first(cli: Callable[..., CliResult], text: str) -> tuple[str | None, str | None]:
    """The first note of `srvdoctor triage --no-run` for `text`: from the table and from JSON."""
    table = cli("triage", "--no-run", input_text=text, env={"LANG": "C.UTF-8"})
    assert table.rc in (0, 1), table.stderr
    m = _FIRST_NOTE.search(table.stdout)
    js = cli("triage", "--no-run", "--format", "json", input_text=text, env={"LANG": "C.UTF-8"})
    assert js.rc in (0, 1), js.stderr
    notes = json.loads(js.stdout)["notes"]
    return (m.group(1) if m else None), (notes[0]["id"] if notes else None)


def check_case(
    cli: Callable[..., CliResult],
    argv: list[str],
    korean: str,
    note: str | None,
    cwd: Path | None = None,
    setup: Callable[[], None] | None = None,
) -> str:
    """Run `argv` in Korean and in English: Korean printed (`korean` in it), and triage ranks
    `note` first for both texts. Returns the Korean text."""
    program = next(Path(a).name for a in argv if Path(a).name in CATALOGS or a == sys.executable)
    require_korean("python" if program == Path(sys.executable).name else program)
    if setup:
        setup()
    ko_text = run_program(argv, KO, cwd)
    assert korean in ko_text, f"the program did not print Korean {korean!r}:\n{ko_text}"
    if setup:
        setup()
    en_text = run_program(argv, EN, cwd)
    assert not HANGUL.search(en_text), en_text
    ko_table, ko_json = triage_first(cli, ko_text)
    en_table, en_json = triage_first(cli, en_text)
    assert (ko_table, ko_json) == (note, note), f"Korean:\n{ko_text}\nranked {ko_table}, {ko_json}"
    assert (en_table, en_json) == (note, note), f"English:\n{en_text}\nranked {en_table}, {en_json}"
    return ko_text


# ----------------------------------------------------------------------- no root needed


def test_ls_on_a_missing_path(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    check_case(cli, ["ls", str(tmp_path / "nope")], "그런 파일이나 디렉터리가 없습니다", "path-missing")


def test_bash_on_a_missing_script(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    text = check_case(
        cli, ["bash", str(tmp_path / "run.sh")], "그런 파일이나 디렉터리가 없습니다", "path-missing"
    )
    assert text.startswith("bash: ")


def test_bash_unknown_command_is_no_note_in_either_language(cli: Callable[..., CliResult]) -> None:
    """`bash -c x`: "명령어를 찾을 수 없음" names no cause srvdoctor has a note for, in Korean as
    in English ("command not found"): triage says so rather than guessing."""
    check_case(cli, ["bash", "-c", "x"], "x: 명령어를 찾을 수 없음", None)


def test_script_with_crlf_shebang(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    script = tmp_path / "train.sh"
    script.write_bytes(b"#!/bin/bash\r\necho hi\r\n")
    script.chmod(0o755)
    check_case(cli, ["bash", "-c", "./train.sh; true"], "실행할 수 없음: 필요한 파일이 없습니다",
               "bad-interpreter", cwd=tmp_path)  # fmt: skip


def test_script_with_crlf_lines(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    script = tmp_path / "train.sh"
    script.write_bytes(b"#!/bin/bash\r\n\r\necho hi\r\n")
    check_case(cli, ["bash", "train.sh"], "$'\\r': 명령어를 찾을 수 없음", "bad-interpreter", cwd=tmp_path)


def test_binary_for_another_machine(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    binary = tmp_path / "model"
    binary.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 60)
    binary.chmod(0o755)
    check_case(cli, ["bash", "-c", "./model; true"], "이진 파일을 실행할 수 없음: Exec 형식 오류",
               "bad-interpreter", cwd=tmp_path)  # fmt: skip


@pytest.mark.parametrize(
    ("signal", "korean", "note"),
    [
        ("KILL", "죽었음", "oom-killed"),
        ("SEGV", "세그멘테이션 오류", "segfault"),
        ("BUS", "버스 오류", "shm-too-small"),
    ],
)
def test_bash_reports_a_killed_job(
    cli: Callable[..., CliResult], signal: str, korean: str, note: str
) -> None:
    """bash's report of a child killed by a signal: `bash: 줄 1: 4242 죽었음  python3 …`."""
    check_case(cli, ["bash", "-c", f'sh -c "kill -{signal} \\$\\$"; true'], korean, note)


def test_python_oserror_is_english_unless_the_program_sets_the_locale(tmp_path: Path) -> None:
    """CPython sets only LC_CTYPE: its OSError text (strerror) stays English under a Korean
    locale until the program calls setlocale(LC_ALL, ""); then it is glibc's Korean."""
    require_korean("python")
    target = str(tmp_path / "nope" / "x")
    plain = run_program([sys.executable, "-c", f"open({target!r}, 'w')"], KO)
    assert "[Errno 2] No such file or directory" in plain
    localised = run_program(
        [sys.executable, "-c", f"import locale; locale.setlocale(locale.LC_ALL, ''); open({target!r}, 'w')"],
        KO,
    )
    assert "[Errno 2] 그런 파일이나 디렉터리가 없습니다" in localised


# ----------------------------------------------------------------------- root: mounts, namespaces

_PY_LOCALE = "import locale, sys; locale.setlocale(locale.LC_ALL, ''); "


@pytest.fixture
def full_tmpfs(tmpfs: Callable[..., Path], tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A 1 MiB tmpfs and a 2 MiB file outside it."""
    mount = tmpfs("full", size="1M")
    source = tmp_path / "weights.bin"
    source.write_bytes(b"\0" * (2 << 20))
    yield mount, source


@pytest.mark.root
def test_cp_to_a_full_tmpfs(cli: Callable[..., CliResult], full_tmpfs: tuple[Path, Path]) -> None:
    mount, source = full_tmpfs

    def empty() -> None:
        for p in mount.iterdir():
            p.unlink()

    text = check_case(cli, ["cp", str(source), str(mount / "w.bin")], "장치에 남은 공간이 없음", "disk-full",
                      setup=empty)  # fmt: skip
    assert text.startswith("cp: ")


@pytest.mark.root
def test_python_write_to_a_full_tmpfs(cli: Callable[..., CliResult], full_tmpfs: tuple[Path, Path]) -> None:
    """The issue's own example, produced for real: `OSError: [Errno 28] 장치에 남은 공간이 없음`."""
    mount, _ = full_tmpfs
    target = str(mount / "ckpt.pt")
    code = _PY_LOCALE + f"open({target!r}, 'wb').write(bytes(2 << 20))"

    def empty() -> None:
        for p in mount.iterdir():
            p.unlink()

    text = check_case(cli, [sys.executable, "-c", code], "[Errno 28] 장치에 남은 공간이 없음", "disk-full",
                      setup=empty)  # fmt: skip
    assert "OSError: [Errno 28] 장치에 남은 공간이 없음" in text


@pytest.mark.root
def test_python_open_on_a_read_only_mount(cli: Callable[..., CliResult], tmpfs: Callable[..., Path]) -> None:
    mount = tmpfs("ro", size="1M")
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    target = str(mount / "out.txt")
    code = _PY_LOCALE + f"open({target!r}, 'w')"
    text = check_case(
        cli, [sys.executable, "-c", code], "[Errno 30] 읽기전용 파일 시스템", "read-only-filesystem"
    )
    assert "OSError: [Errno 30]" in text
    # and without setlocale: Python's English text, the same note
    plain = run_program([sys.executable, "-c", f"open({target!r}, 'w')"], KO)
    assert "[Errno 30] Read-only file system" in plain
    assert triage_first(cli, plain) == ("read-only-filesystem", "read-only-filesystem")


@pytest.mark.root
def test_touch_on_a_read_only_mount(cli: Callable[..., CliResult], tmpfs: Callable[..., Path]) -> None:
    mount = tmpfs("ro", size="1M")
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    check_case(cli, ["touch", str(mount / "x")], "읽기전용 파일 시스템", "read-only-filesystem")


@pytest.mark.root
def test_ping_without_a_resolver(cli: Callable[..., CliResult]) -> None:
    """ping in a network namespace of its own (no interface up: nothing leaves the machine)
    cannot reach the resolver: glibc's gai_strerror text, `name resolution에서 일시적인 실패`."""
    require_tool("ping", "iputils-ping")
    argv = ["unshare", "--net", "ping", "-c", "1", "-W", "1", "gpu01.invalid"]
    check_case(cli, argv, "name resolution에서 일시적인 실패", "dns-failure")


@pytest.mark.root
def test_apt_without_space_for_the_download(
    cli: Callable[..., CliResult], tmpfs: Callable[..., Path]
) -> None:
    """apt-get checks free space before it downloads: a 64 KiB archive directory, in a network
    namespace of its own (nothing can be fetched), no dpkg lock taken."""
    apt = require_tool("apt-get", "apt")
    archives = tmpfs("archives", size="64k")
    (archives / "partial").mkdir()
    package = _uninstalled_package(min_bytes=1 << 20)
    argv = ["unshare", "--net", apt, "install", "-y", "-q", "--no-install-recommends", "--download-only",
            "-o", f"Dir::Cache::Archives={archives}/", "-o", "Debug::NoLocking=true", package]  # fmt: skip
    text = check_case(cli, argv, "안에 충분한 여유 공간이 없습니다", "disk-full")
    assert f"E: {archives}/ 안에 충분한 여유 공간이 없습니다." in text


@pytest.mark.root
def test_apt_as_a_user(cli: Callable[..., CliResult]) -> None:
    """apt-get as nobody: the dpkg lock cannot be opened (`13: 허가 거부`)."""
    apt = require_tool("apt-get", "apt")
    setpriv = require_tool("setpriv", "util-linux")
    argv = ["unshare", "--net", setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
            apt, "remove", "-y", "srvdoctor-no-such-package"]  # fmt: skip
    check_case(cli, argv, "(13: 허가 거부)", "permission-denied")


def _uninstalled_package(min_bytes: int) -> str:
    """A package apt knows, not installed, whose download is at least `min_bytes`."""
    for name in ("emacs-nox", "gimp", "texlive-base", "libreoffice-core", "gfortran", "golang-go"):
        installed = subprocess.run(["dpkg", "-s", name], capture_output=True, check=False).returncode == 0
        show = subprocess.run(["apt-cache", "show", "--no-all-versions", name], capture_output=True, text=True,
                              check=False)  # fmt: skip
        size = re.search(r"^Size: (\d+)", show.stdout, re.MULTILINE)
        if not installed and size and int(size.group(1)) >= min_bytes:
            return name
    pytest.skip("apt knows none of the packages this test downloads nothing of (no package lists?)")
    return ""  # not reached
