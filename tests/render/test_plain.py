"""render/plain.py prints to a pipe exactly the bytes rich would, without importing rich."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from rich.markup import escape as rich_escape

from srvdoctor.commands.common import _safe_console_class
from srvdoctor.render.plain import PlainConsole, escape, rich_is_terminal
from srvdoctor.render.safe import markup

PIECES = ["[bold]", "[/bold]", "[dim]", "[/dim]", "[/]", "\\", "\\\\", "[", "]", "\\[", "[1]", "[a]",
          "[cyan]", "[/cyan]", ":", ":smile:", ":thumbs_up:", ":nope:", ":smile-text:", "12:30:45",
          "x", " ", "é", "한", "\n", "\t", "\r", "\x1b[2J", "\x07", "\u202e", "\udcff", "✓", "→",
          "[@click]", "[#ff0000]", "[link=x]", "=", "-"]  # fmt: skip


def _random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12))) for _ in range(count)]


def _rich(text: str, **kwargs: object) -> str:
    buffer = io.StringIO()
    con = _safe_console_class()(file=buffer, highlight=False, soft_wrap=True, width=None, force_terminal=None)
    assert not con.is_terminal
    con.print(text, **kwargs)  # type: ignore[arg-type]
    return buffer.getvalue()


def _plain(text: str, **kwargs: object) -> str:
    buffer = io.StringIO()
    PlainConsole(buffer).print(text, **kwargs)  # type: ignore[arg-type]
    return buffer.getvalue()


@pytest.mark.parametrize("seed", range(4))
def test_escaped_text_in_markup_prints_as_rich_prints_it(seed: int) -> None:
    """What the report printers do: srvdoctor's tags around escaped untrusted text."""
    for text in _random_texts(300, seed):
        line = f"  [green][✓][/green] [bold]{markup(text)}[/bold] [dim]{markup(text)}[/dim]: {markup(text)}"
        assert _plain(line, style="dim") == _rich(line, style="dim"), repr(text)


@pytest.mark.parametrize("seed", range(4))
def test_raw_markup_prints_as_rich_prints_it(seed: int) -> None:
    """Markup that is no valid markup in rich's eyes is left out: it would raise there."""
    from rich.errors import MarkupError

    for text in _random_texts(300, seed + 100):
        try:
            expected = _rich(text)
        except MarkupError:
            continue
        assert _plain(text) == expected, repr(text)
        assert _plain(text, markup=False, highlight=False) == _rich(text, markup=False, highlight=False)


def test_escape_is_richs_escape() -> None:
    for text in _random_texts(1000, 7):
        assert escape(text) == rich_escape(text), repr(text)


def test_no_arguments_print_an_empty_line() -> None:
    assert _plain("") == _rich("") == "\n"
    buffer = io.StringIO()
    PlainConsole(buffer).print()
    assert buffer.getvalue() == "\n"


def test_terminal_detection_follows_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    pipe = io.StringIO()
    for env in ({}, {"FORCE_COLOR": ""}, {"FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "1"},
                {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}):  # fmt: skip
        for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert rich_is_terminal(pipe) == Console(file=pipe).is_terminal, env


def test_a_piped_report_loads_no_rich_and_a_forced_terminal_colours_it() -> None:
    """`srvdoctor path /` into a pipe never imports rich; with FORCE_COLOR it is rich's, in colour."""
    code = (
        "import sys; sys.argv = ['srvdoctor', 'path', '/']\n"
        "import srvdoctor.cli\n"
        "try:\n    srvdoctor.cli.main()\nexcept SystemExit:\n    pass\n"
        "print('rich' in sys.modules, file=sys.stderr)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR")}
    env["SRVDOCTOR_CONFIG"] = os.devnull
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert plain.stderr.strip() == "False" and "\x1b[" not in plain.stdout
    assert "path.exists" in plain.stdout
    forced = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**env, "FORCE_COLOR": "1"})  # fmt: skip
    assert forced.stderr.strip() == "True" and "\x1b[" in forced.stdout


WORDS = ["a", "ab", "disk-full", "No", "space", "left", "on", "device", "(EADDRNOTAVAIL)", "x" * 30, "y" * 75,
         "[bold]", "\\[x]", "-", "", " ", "  "]  # fmt: skip


def _rich_table(rows: list[tuple[str, ...]], no_wrap: tuple[bool, ...], width: int) -> str:
    from rich.table import Table

    buffer = io.StringIO()
    con = _safe_console_class()(file=buffer, highlight=False, soft_wrap=True, width=width)
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    for header, nw in zip(rows[0], no_wrap, strict=True):
        table.add_column(header, no_wrap=nw)
    for row in rows[1:]:
        table.add_row(*row)
    con.print(table)
    return buffer.getvalue()


@pytest.mark.parametrize("seed", range(6))
def test_a_table_prints_as_rich_prints_it(seed: int) -> None:
    """`notes` into a pipe: the columns, wrapping and cut-off rich would make, at any width."""
    rng = random.Random(seed)
    compared = 0
    for _ in range(60):
        count = rng.randint(1, 4)
        no_wrap = tuple(rng.random() < 0.4 for _ in range(count))
        rows = [tuple(markup(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 9)))) for _ in range(count))
                for _ in range(rng.randint(1, 6))]  # fmt: skip
        width = rng.choice([20, 40, 41, 57, 80, 81, 100, 133, 200])
        buffer = io.StringIO()
        if PlainConsole(buffer, width=width).print_table(rows, no_wrap):
            assert buffer.getvalue() == _rich_table(rows, no_wrap, width), (rows, no_wrap, width)
            compared += 1
    assert compared > 25


def test_a_table_rich_must_draw_is_left_to_rich() -> None:
    buffer = io.StringIO()
    assert not PlainConsole(buffer, width=80).print_table([("id", "제목")], (True, False))
    assert buffer.getvalue() == ""


def test_notes_into_a_pipe_is_richs_table_without_rich(tmp_path: Path) -> None:
    code = (
        "import sys; sys.argv = ['srvdoctor', 'notes']\n"
        "import srvdoctor.cli\n"
        "try:\n    srvdoctor.cli.main()\nexcept SystemExit:\n    pass\n"
        "print('rich' in sys.modules, file=sys.stderr)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS")}
    env.update(SRVDOCTOR_CONFIG=os.devnull, SRVDOCTOR_NOTES=str(tmp_path), SRVDOCTOR_LANG="en")
    for columns in ("80", "52", "160"):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              stdin=subprocess.DEVNULL, env={**env, "COLUMNS": columns})  # fmt: skip
        assert proc.stderr.strip() == "False"
        from srvdoctor.playbooks import load_library

        notes = load_library(None).notes.values()
        rows = [("id", "title", "origin"), *((markup(n.id), markup(n.title), n.origin) for n in notes)]
        assert proc.stdout.startswith(_rich_table(rows, (True, False, False), int(columns)))
