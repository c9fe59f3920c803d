"""Hostile names through the output side (issue 19): real files and directories named with
escape sequences, newlines, `;`, `$(...)`, backticks, quotes and bytes that are not UTF-8,
through `disk`, `path` and every `--format` of `check`.

For every run: no traceback, the documented exit code, valid UTF-8 (and JSON / XML where the
format says so), no raw control character in a terminal format, and every printed command
(`→ try:`, hints, space-eater commands) parses back, in bash itself, to the intended argv — and
running `bash -n` over it creates nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from srvdoctor.render.safe import is_visible, visible
from srvdoctor.shellcmd import cmd, quote, split

#: Names (bytes: some are not UTF-8) a directory on a server may carry.
HOSTILE: tuple[bytes, ...] = (
    b"x;touch INJECTED;",
    b"$(touch INJECTED)",
    b"`touch INJECTED`",
    b'it\'s "quoted" & <xml> ]]>',
    b"line\n  [\xe2\x9c\x93] forged result",
    b"\x1b[31mred\x1b[0m\x1b]0;title\x07\x1b[2J",
    b"cr\rover",
    b"\x01ctrl\x7fdel\xc2\x9bcsi",
    b"\xff\xfe not utf8",
    b"-rf",
    b"sp ace",
    b"\xe2\x80\xaeevil",  # U+202E, right-to-left override
)

#: ESC, other C0 controls but newline/tab/CR from rich's own layout, DEL, C1.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e]")
ENV = {"NO_COLOR": "1", "COLUMNS": "250", "SRVDOCTOR_CONFIG": os.devnull}


def _run(
    *args: str | bytes, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[int, bytes, bytes]:
    proc = subprocess.run(
        [sys.executable, "-m", "srvdoctor", *args],
        capture_output=True,
        env={**os.environ, **ENV, **(env or {})},
        cwd=cwd,
        timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A directory with one hostile-named directory per name, each holding a file of the same
    name and a `.cache/torch/hub/checkpoints` space eater (whose printed command is built from
    the directory name)."""
    root = tmp_path_factory.mktemp("hostile")
    for name in HOSTILE:
        d = os.path.join(os.fsencode(root), name)
        os.makedirs(os.path.join(d, b".cache", b"torch", b"hub", b"checkpoints"))
        with open(os.path.join(d, b".cache", b"torch", b"hub", b"checkpoints", b"m.pth"), "wb") as fh:
            fh.write(b"\0" * (2 << 20))
        with open(os.path.join(d, name), "wb") as fh:
            fh.write(b"x" * 4096)
    yield root
    shutil.rmtree(root)


def _text(data: bytes) -> str:
    return data.decode("utf-8")  # raises on invalid UTF-8


def _no_traceback(rc: int, out: bytes, err: bytes, allowed: tuple[int, ...] = (0, 1)) -> None:
    assert b"Traceback" not in err and b"Traceback" not in out, err.decode(errors="replace")
    assert rc in allowed, (rc, err.decode(errors="replace"))


def _terminal_clean(text: str) -> None:
    bad = RAW_CONTROL.search(text)
    assert bad is None, (
        f"raw control character {bad.group()!r} in: {text[max(0, bad.start() - 60) : bad.end() + 20]!r}"
    )


def _bash_argv(line: str) -> list[str]:
    """What bash makes of `line` as a command's arguments (no expansion runs: printf %s)."""
    probe = subprocess.run(
        ["bash", "-c", f"set -f; args() {{ printf '%s\\0' \"$@\"; }}; args {line}"],
        capture_output=True,
        timeout=10,
    )
    assert probe.returncode == 0, probe.stderr
    return [os.fsdecode(w) for w in probe.stdout.split(b"\0")[:-1]]


def _check_command(line: str, workdir: Path) -> list[str]:
    """`line` parses as bash, creates nothing under `bash -n`, and our parser agrees with bash."""
    before = set(os.listdir(workdir))
    syntax = subprocess.run(["bash", "-n", "-c", line], capture_output=True, cwd=workdir, timeout=10)
    assert syntax.returncode == 0, (line, syntax.stderr)
    assert set(os.listdir(workdir)) == before
    return split(line)


# ------------------------------------------------------------------ units of the two helpers


@pytest.mark.parametrize("name", HOSTILE)
def test_quote_round_trips_through_bash(name: bytes, tmp_path: Path) -> None:
    text = os.fsdecode(name)
    line = cmd("ls", "-la", f"/srv/{text}/x")
    assert is_visible(line), line  # a printed command holds no raw control character
    assert _bash_argv(line) == ["ls", "-la", f"/srv/{text}/x"]
    assert split(line) == ["ls", "-la", f"/srv/{text}/x"]
    assert _check_command(line, tmp_path)
    assert not (tmp_path / "INJECTED").exists()
    # a template word: `{path}/hub` stays one word whatever the path holds
    assert _bash_argv(f"ls -lh {quote(text)}/hub") == ["ls", "-lh", f"{text}/hub"]


@pytest.mark.parametrize("name", HOSTILE)
def test_visible_leaves_no_control_character(name: bytes) -> None:
    shown = visible(os.fsdecode(name))
    assert is_visible(shown) and RAW_CONTROL.search(shown) is None and "\n" not in shown
    shown.encode("utf-8")  # no lone surrogates either


# ------------------------------------------------------------------ disk


def _printed_commands(stdout: str) -> list[str]:
    return [line.split("→ try: ", 1)[1] for line in stdout.splitlines() if "→ try: " in line]


def test_disk_table_shows_every_name_visibly_and_quotes_every_command(tree: Path, tmp_path: Path) -> None:
    rc, out, err = _run("disk", str(tree), "--depth", "2", "--top", "50")
    _no_traceback(rc, out, err)
    text = _text(out)
    _terminal_clean(text)
    assert "\\x1b[31mred" in text and "line\\n  [✓] forged result" in text and "\\xff\\xfe not utf8" in text
    assert not any(line.lstrip().startswith("[✓] forged") for line in text.splitlines())
    commands = _printed_commands(text)
    assert commands, text
    for line in commands:
        argv = _check_command(line, tmp_path)
        # every path word in a command is one of our directories, whole
        paths = [w for w in argv if w.startswith(str(tree))]
        assert paths, line
        for word in paths:
            top = Path(word).relative_to(tree).parts[0]
            assert os.fsencode(top) in HOSTILE, (line, word)
    assert not (tmp_path / "INJECTED").exists() and not Path("INJECTED").exists()


def test_disk_json_is_valid_utf8_with_exact_bytes(tree: Path) -> None:
    rc, out, err = _run("disk", str(tree), "--depth", "1", "--top", "50", "--format", "json")
    _no_traceback(rc, out, err)
    doc = json.loads(_text(out))
    import base64

    found = {}
    for node in doc["tree"]["children"]:
        raw = base64.b64decode(node["path_bytes"]) if "path_bytes" in node else os.fsencode(node["path"])
        found[os.path.basename(raw)] = node
    assert set(found) == set(HOSTILE)
    assert found[b"\xff\xfe not utf8"]["path"].endswith("\\xff\\xfe not utf8")
    assert found[b"x;touch INJECTED;"]["path"].endswith("x;touch INJECTED;")
    for eater in doc["space_eaters"]:
        argv = split(eater["command"].split(" && ")[0])
        assert argv[0] == "ls" and os.path.isdir(argv[2]), eater["command"]


def test_disk_error_line_is_one_visible_line(tree: Path) -> None:
    name = os.fsdecode(b"\x1b]0;pwned\x07")
    rc, out, err = _run("disk", str(tree / name))
    _no_traceback(rc, out, err, allowed=(2,))
    line = _text(err)
    assert line.count("\n") == 1 and "\x1b" not in line and "\\x1b]0;pwned\\x07" in line


# ------------------------------------------------------------------ path


@pytest.mark.parametrize("name", HOSTILE)
def test_path_every_format(tree: Path, name: bytes, tmp_path: Path) -> None:
    missing = os.path.join(os.fsencode(tree), name, b"no such", name)
    present = os.path.join(os.fsencode(tree), name, name)
    for fmt in ("table", "json"):
        rc, out, err = _run("path", missing, present, "--format", fmt, cwd=tmp_path)
        _no_traceback(rc, out, err, allowed=(1,))
        text = _text(out)
        if fmt == "json":
            results = json.loads(text)["results"]
            hints = [h for r in results for h in r["hints"]]
            assert results[0]["status"] == "fail" and results[1]["status"] == "ok"
        else:
            _terminal_clean(text)
            assert "[✓] forged" not in text.replace("\\n  [✓] forged", "")
            hints = _printed_commands(text)
        assert hints
        for hint in hints:
            argv = _check_command(hint, tmp_path)
            assert argv[-1] == os.fsdecode(os.path.join(os.fsencode(tree), name)), hint
    assert not (tmp_path / "INJECTED").exists()


def test_path_output_file_is_utf8_and_no_temp_file_is_left(tree: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for fmt in ("table", "json"):
        target = out_dir / f"r.{fmt}"
        args = [os.path.join(os.fsencode(tree), n, b"gone") for n in HOSTILE]
        rc, out, err = _run("path", *args, "--format", fmt, "--output", str(target))
        _no_traceback(rc, out, err, allowed=(1,))
        text = _text(target.read_bytes())
        if fmt == "json":
            json.loads(text)
        else:
            _terminal_clean(text)
    assert sorted(p.name for p in out_dir.iterdir()) == ["r.json", "r.table"]


# ------------------------------------------------------------------ check, every format


@pytest.fixture(scope="module")
def hostile_config(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`[targets] paths` naming hostile paths (TOML escapes carry the control characters) and an
    `[[expect.command]]` whose output is ANSI-coloured."""
    paths = []
    for name in HOSTILE:
        text = os.fsdecode(name)
        if "\udcff" in text:  # TOML cannot carry bytes that are not UTF-8
            continue
        paths.append(json.dumps(str(tree / text / "missing")))
    config = tmp_path_factory.mktemp("cfg") / "srvdoctor.toml"
    config.write_text(
        f"[targets]\npaths = [{', '.join(paths)}]\n"
        '[[expect.command]]\nrun = ["printf", "\\u001b[31mFAIL\\u001b[0m \\u0001 $(id)"]\ncontains = "OK"\n',
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize("fmt", ["table", "json", "junit", "prometheus", "nagios"])
def test_check_every_format(hostile_config: Path, fmt: str, tmp_path: Path) -> None:
    rc, out, err = _run("check", "--only", "path,expect", "--format", fmt, "--config", str(hostile_config),
                        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")})  # fmt: skip
    _no_traceback(rc, out, err, allowed=(2,) if fmt == "nagios" else (1,))
    text = _text(out)
    _text(err)
    _terminal_clean(_text(err))  # GitHub annotations go to stderr for machine formats
    _terminal_clean(_text((tmp_path / "summary.md").read_bytes()))
    if fmt == "json":
        results = json.loads(text)["results"]
        assert len([r for r in results if r["check"] == "path.exists"]) == len(HOSTILE) - 1
    elif fmt == "junit":
        ET.fromstring(out)
        assert "\\x1b[31mFAIL" in text
    elif fmt == "prometheus":
        from prometheus_client.parser import text_string_to_metric_families

        families = {f.name: f for f in text_string_to_metric_families(text)}
        targets = {s.labels["target"] for s in families["srvdoctor_check_status"].samples}
        assert any("x;touch INJECTED;" in t for t in targets)
    elif fmt == "nagios":
        assert len(text.strip().splitlines()) >= 1
        _terminal_clean(text)
    else:
        _terminal_clean(text)
        assert "\\x1b[31mFAIL" in text
        for hint in _printed_commands(text):
            _check_command(hint, tmp_path)
    assert not (tmp_path / "INJECTED").exists()


def test_disk_progress_line_is_visible(capsys: pytest.CaptureFixture[str]) -> None:
    """The `scanning: N entries PATH` line on a terminal's stderr: a name rewrote the screen."""
    from srvdoctor.commands.disk import _progress_line

    _progress_line(12, "/srv/\x1b[2J\x1b]0;pwned\x07/x\ny")
    err = capsys.readouterr().err
    assert err.startswith("\r\x1b[K")  # srvdoctor's own erase-line sequence, then the text
    assert (
        RAW_CONTROL.search(err[4:]) is None and "\n" not in err and "\\x1b[2J\\x1b]0;pwned\\x07/x\\ny" in err
    )
