"""Hostile input to every command (issue 19): configs, `merge` inputs, user notes, argv values.

A hand-written table rather than random generation: each row is a case a fuzzing pass
found, or its neighbour. For every row: no traceback, the exit code the README documents
(0/1 for a verdict, 2 for bad input), and for bad input exactly one line on stderr; every
run is bounded in time. The commands run as real processes, as a user runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult, run_cli

#: Seconds any single run may take here (start-up on a busy 2-core machine included).
BOUND_S = 25.0


@pytest.fixture
def home(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private HOME, cache and notes directory: nothing of the machine's user is read."""
    (tmp_path / "notes").mkdir()
    yield {
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "SRVDOCTOR_NOTES": str(tmp_path / "notes"),
        "EDITOR": "",
        "VISUAL": "",
    }


def run(*args: str, env: dict[str, str], **kw: object) -> tuple[CliResult, float]:
    started = time.monotonic()
    result = run_cli(*args, env=env, timeout=BOUND_S + 30, **kw)  # type: ignore[arg-type]
    return result, time.monotonic() - started


def assert_clean(result: CliResult, elapsed: float, allowed: set[int]) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.rc in allowed, (result.rc, result.stderr[-2000:])
    if result.rc == 2:
        assert len(result.stderr.splitlines()) == 1, result.stderr[-2000:]
        assert result.stderr.startswith("srvdoctor: error: ")
    assert elapsed < BOUND_S


def assert_bad_input(result: CliResult, elapsed: float, says: str = "") -> None:
    assert_clean(result, elapsed, {2})
    assert says in result.stderr, result.stderr


# --------------------------------------------------------------------------- argv

NAN_INF = ["0", "-1", "nan", "inf", "1e400", "-inf", "99999"]

BAD_ARGV: list[tuple[list[str], str]] = [
    (["port", "99999"], "out of range"),
    (["port", "--", "-1"], "-1"),
    (["port", "1e9"], "1e9"),
    (["port", "127.0.0.1:99999"], "out of range"),
    (["port", "my host:80"], "spaces"),
    (["port", "a\x01b:80"], "not a valid host name"),
    (["port", "a\x1b[31mb:80"], "not a valid host name"),
    (["port", "[zz]:80"], "IPv6 address"),
    (["port", "9" * 5000], "out of range"),
    (["port", ""], "empty target"),
    (["ping", "my host"], "spaces"),
    (["ping", "a\nb"], "spaces"),
    (["ping", "a\x01b"], "not a valid host name"),
    (["ping", ""], "empty"),
    (["firewall", "--port", "99999"], "out of range"),
    (["firewall", "--port", "1e9"], "--port"),
    (["path", ""], "empty"),
    (["disk", ""], "empty"),
    (["notes", "new", "--no-edit", "--id", "disk-full\n", "T"], "a note id is"),
    (["notes", "new", "--no-edit", "--id", "../x", "T"], "a note id is"),
    (["notes", "new", "--no-edit", "--match", "(?<=a)b", "T"], "linear-time"),
    (["notes", "new", "--no-edit", "--match", "(a", "T"], "not a regular expression"),
    (["schedule", "install", "--every", "1e400s"], "--every"),
    (["schedule", "install", "--every", "9" * 400 + "d"], "too long"),
    (["schedule", "install", "--every", "0s"], "at least"),
    (["schedule", "install", "--every", "nan"], "--every"),
    (["schedule", "install", "--every", ""], "--every"),
    (["schedule", "install", "--timeout", "nan"], "--timeout"),
    (["schedule", "install", "--timeout", "inf"], "--timeout"),
    (["check", "--retry-for", "9" * 400 + "s"], "--retry-for"),
    (["disk", "--max-time", "nan", "/"], "--max-time"),
    (["disk", "--depth", "9" * 30, "/"], "--depth"),
    (["load", "--watch", "nan"], "--watch"),
    (["load", "--watch", "1e400"], "--watch"),
    (["ping", "--count", "1e9", "127.0.0.1"], "--count"),
    (["merge", "--fail-on", "nan", "x.json"], "--fail-on"),
    (["logs", "--since", "1e400s"], "--since"),
    (["logs", "--since", "9" * 400 + "d"], "--since"),
    (["logs", "--max-mib", "1e9"], "--max-mib"),
    *[(["check", "--timeout", t, "--only", "path"], "--timeout") for t in NAN_INF],
    *[([cmd, "--timeout", t, *rest], "--timeout")
      for t in ("nan", "inf", "-1")
      for cmd, *rest in (["disk", "/"], ["path", "/"], ["load"], ["gpu"], ["docker"], ["firewall"],
                         ["ping", "127.0.0.1"], ["port", "1"], ["triage", "--no-run", "x"],
                         ["report", "--no-check"], ["logs"])],
]  # fmt: skip


@pytest.mark.parametrize(("args", "says"), BAD_ARGV, ids=lambda v: repr(v)[:60])
def test_bad_argv_is_one_line_and_exit_2(home: dict[str, str], args: list[str], says: str) -> None:
    assert_bad_input(*run(*args, env=home), says)


@pytest.mark.parametrize(
    "args",
    [
        ["path", "x" * 5000],
        ["path", "a/" * 30_000],
        ["path", "/tmp/\x1b[31mred", "/tmp/a\nb", "/tmp/a;touch x;"],
        ["triage", "--no-run", "\udcff\udcfe No space left on device \x1b]0;title\x07"],
        ["triage", "--no-run", "-"],
        ["notes", "search", "\udcff", "(a+)+$"],
        ["notes", "\udcffx"],
        ["disk", "a/" * 30_000],
        ["notes", "--config", "{long_notes_dir}"],
    ],
    ids=lambda v: repr(v)[:60],
)
def test_hostile_but_well_formed_argv_gets_a_verdict(
    home: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    config = tmp_path / "long.toml"
    config.write_text(f'[notes]\ndir = "{"a/" * 3000}"\n')
    args = [a.replace("{long_notes_dir}", str(config)) for a in args]
    result, elapsed = run(*args, env={**home, "SRVDOCTOR_NOTES": ""}, input_text="x" * 100_000)
    assert_clean(result, elapsed, {0, 1, 2})


# --------------------------------------------------------------------------- configs

HOSTILE_CONFIGS = [
    "timeout = inf\n",
    "timeout = nan\n",
    f"timeout = {'9' * 400}\n",
    "timeout = " + "9" * 5000 + "\n",
    'fail_on = ["x"]\n',
    "fail_on = {a = 1}\n",
    "fail_on = 3\n",
    '[targets]\nports = ["99999"]\n',
    '[targets]\nhosts = ["my host:80"]\n',
    '[targets]\npaths = [""]\n',
    '[targets]\nurls = ["ftp://x/"]\n',
    "[targets]\nports = [1e9]\n",
    "a = " + "[" * 3000 + "]" * 3000 + "\n",
    "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n",
    'a = "\\udc80"\n',
    '[checks."disk.space"]\nwarn_percent = nan\n',
    '[checks."disk.space"]\nwarn_percent = ' + "9" * 400 + "\n",
    '[[expect.path]]\npath = "/"\nmax_age = nan\n',
    '[[expect.path]]\npath = "/"\nmax_age = "' + "9" * 400 + 's"\n',
    '[[expect.path]]\npath = "/"\nmin_bytes = "' + "9" * 400 + 'GiB"\n',
    '[[expect.http]]\nurl = "http://127.0.0.1/"\ntimeout = inf\n',
    '[[expect.port]]\ntarget = "127.0.0.1:' + "9" * 5000 + '"\n',
    "[[expect.gpu]]\ncount = " + "9" * 30 + "\n",
    "[expect]\nhttp = " + "[" * 200 + "]" * 200 + "\n",
    " " * 3000 + "\n" + 'timeout = "x"\n',
    "[targets]\n" + (" " * 3000 + "\n") * 300 + "paths = 5\n",
    (" " * 5000 + "\n") * 200 + "[[[\n",
    '[notes]\ndir = "/tmp/a\\u0000b"\n',
]


@pytest.mark.parametrize("text", HOSTILE_CONFIGS, ids=lambda t: repr(t)[:50])
def test_hostile_config_is_one_line_and_exit_2(home: dict[str, str], tmp_path: Path, text: str) -> None:
    path = tmp_path / "srvdoctor.toml"
    path.write_text(text, encoding="utf-8")
    result, elapsed = run("check", "--config", str(path), "--print-config", env=home)
    assert_bad_input(result, elapsed, str(path))


def test_binary_and_empty_configs(home: dict[str, str], tmp_path: Path) -> None:
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"timeout = 3\n\xff\xfe\n")
    assert_bad_input(*run("check", "-c", str(binary), "--print-config", env=home), "not UTF-8")
    empty = tmp_path / "e.toml"
    empty.write_text("")
    result, elapsed = run("check", "-c", str(empty), "--print-config", env=home)
    assert_clean(result, elapsed, {0})


# --------------------------------------------------------------------------- merge inputs

GOOD_REPORT = {
    "schema": 1, "tool": "srvdoctor", "version": "0.1.0", "host": "gpu7", "started_at": "", "duration_s": 0.1,
    "results": [{"check": "disk.space", "target": "/", "status": "fail", "summary": "/ is 97% full",
                 "playbook": "disk-full"}],
}  # fmt: skip


def _result(data: str) -> str:
    head = '{"tool": "srvdoctor", "host": "h", "results": [{"check": "disk.space", "status": "fail", "data": '
    return head + data + "}]}"


HOSTILE_MERGE = [
    "[" * 100_000 + "]" * 100_000,
    "{" * 2000,
    _result("[" * 3000 + "]" * 3000),
    _result("[" * 500 + "]" * 500),
    _result('{"n": ' + "9" * 5000 + "}"),
    '{"tool": "srvdoctor", "results": [{"check": ["x"], "status": {}}]}',
    '{"tool": ["srvdoctor"], "results": []}',
    '{"tool": "srvdoctor", "results": {"check": "x"}}',
    '"just a string"',
    "\x00\x01\x02",
    "",
]


@pytest.mark.parametrize("text", HOSTILE_MERGE, ids=lambda t: repr(t)[:50])
def test_hostile_merge_input_alone_is_one_line_and_exit_2(
    home: dict[str, str], tmp_path: Path, text: str
) -> None:
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    assert_bad_input(*run("merge", str(path), env=home), "no srvdoctor report could be read")


@pytest.mark.parametrize("fmt", ["table", "json", "junit"])
def test_hostile_merge_inputs_beside_a_good_report(home: dict[str, str], tmp_path: Path, fmt: str) -> None:
    for i, text in enumerate(HOSTILE_MERGE):
        (tmp_path / f"bad{i}.json").write_text(text, encoding="utf-8")
    (tmp_path / "odd.json").write_text(
        json.dumps(
            {**GOOD_REPORT, "host": "odd\udc80host", "duration_s": float("nan")}, ensure_ascii=True
        ).replace("NaN", "NaN"),
        encoding="utf-8",
    )
    (tmp_path / "good.json").write_text(json.dumps(GOOD_REPORT), encoding="utf-8")
    out = tmp_path / "out"
    result, elapsed = run("merge", str(tmp_path), "--format", fmt, "--output", str(out), env=home)
    assert_clean(result, elapsed, {1})
    text = out.read_bytes().decode("utf-8")  # valid UTF-8
    if fmt == "json":
        merged = json.loads(text)
        assert sorted(h["host"] for h in merged["hosts"]) == ["gpu7", "odd\\udc80host"]
        assert len(merged["skipped"]) == len(HOSTILE_MERGE)
    elif fmt == "junit":
        ET.fromstring(text)


# --------------------------------------------------------------------------- user notes


def test_broken_user_notes_are_warnings_never_fatal(home: dict[str, str], tmp_path: Path) -> None:
    from tests.test_playbooks import BROKEN, note, write_broken

    notes = Path(home["SRVDOCTOR_NOTES"])
    write_broken(notes)
    (notes / "cat.md").write_text(note("cat", "matches: ['(a+)+$', '(x+x+)+y']\n"))
    cases = [
        (["notes"], {0}),
        (["notes", "--format", "json"], {0}),
        (["notes", "search", "disk"], {0}),
        (["triage", "--no-run", "a" * 50_000 + "b " + "x" * 50_000], {0}),
        (["path", "/"], {0, 1}),
        (["check", "--only", "path"], {0, 1}),
    ]
    for args, allowed in cases:
        result, elapsed = run(*args, env=home)
        assert_clean(result, elapsed, allowed)
        if args[0] in ("notes", "triage"):
            warned = [line for line in result.stderr.splitlines() if "skipped note" in line]
            assert len(warned) == len(BROKEN) + 1, result.stderr


# --------------------------------------------------------------------------- unbounded waits


def test_triage_file_fifo_without_writer_is_bounded(home: dict[str, str], tmp_path: Path) -> None:
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    result, elapsed = run("triage", "--no-run", "--file", str(fifo), env=home)
    assert_bad_input(result, elapsed, "nothing to read within")


def test_triage_file_fifo_with_a_late_writer_is_read(home: dict[str, str], tmp_path: Path) -> None:
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(
        ["sh", "-c", f"sleep 1; echo 'OSError: [Errno 28] No space left on device' > {fifo}"]
    )
    try:
        result, elapsed = run("triage", "--no-run", "--format", "json", "--file", str(fifo), env=home)
    finally:
        writer.wait(timeout=30)
    assert_clean(result, elapsed, {0})
    assert json.loads(result.stdout)["notes"][0]["id"] == "disk-full"


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def test_report_python_timeout_stops_the_script_and_its_children(
    home: dict[str, str], tmp_path: Path
) -> None:
    pidfile = tmp_path / "child.pid"
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {pidfile}\nsleep 60\n")
    script.chmod(0o755)
    result, elapsed = run("report", "--python", str(script), "--timeout", "1", "--no-check",
                          "--format", "json", env=home)  # fmt: skip
    assert_clean(result, elapsed, {0})
    assert elapsed < 15  # was 60 s: the script's child held the output pipe
    assert "did not answer within 1 s" in json.loads(result.stdout)["python"]["error"]
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _state(child) not in (None, "Z") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _state(child) in (None, "Z"), "the script's child is still running"


def test_report_python_that_answers_nonsense(home: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\necho '{\"version\": 3}'\n")
    script.chmod(0o755)
    result, elapsed = run("report", "--python", str(script), "--no-check", "--format", "json", env=home)
    assert_clean(result, elapsed, {0})
    assert "did not describe itself" in json.loads(result.stdout)["python"]["error"]


def test_python_executable_is_this_one() -> None:
    """The suite runs srvdoctor with the interpreter it runs under (a sanity check of run_cli)."""
    assert Path(sys.executable).exists()


def test_config_that_is_a_fifo_or_an_endless_device(home: dict[str, str], tmp_path: Path) -> None:
    fifo = tmp_path / "srvdoctor.toml"
    os.mkfifo(fifo)
    assert_bad_input(*run("check", "-c", str(fifo), "--print-config", env=home), "within 5 s")
    assert_bad_input(*run("check", "-c", "/dev/zero", "--print-config", env=home), "larger than 16 MiB")
    result, elapsed = run("check", "-c", "/dev/null", "--print-config", env=home)
    assert_clean(result, elapsed, {0})


def test_merge_input_that_is_a_fifo_is_bounded(home: dict[str, str], tmp_path: Path) -> None:
    fifo = tmp_path / "r.json"
    os.mkfifo(fifo)
    assert_bad_input(*run("merge", str(fifo), env=home), "within 5 s")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD_REPORT))
    result, elapsed = run("merge", str(good), "/dev/stdin", env=home, input_text=json.dumps(GOOD_REPORT))
    assert_clean(result, elapsed, {1})
