"""render/plain.py prints to a pipe exactly the bytes rich would, without importing rich."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys

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
