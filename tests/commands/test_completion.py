"""Shell completion in a real bash: commands, areas after a comma, note ids."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from srvdoctor.commands.completion import complete_areas

BIN = Path(sys.executable).parent


def _complete(*words: str) -> list[str]:
    """COMPREPLY for `srvdoctor WORDS…<TAB>` through the script `--show-completion bash` prints."""
    bash = shutil.which("bash")
    assert bash is not None
    words_array = " ".join(f"'{w}'" for w in ("srvdoctor", *words))
    script = (
        'eval "$(srvdoctor --show-completion bash)"\n'
        "complete -p srvdoctor >&2\n"
        f"COMP_WORDS=({words_array}); COMP_CWORD={len(words)}\n"
        "_srvdoctor_completion srvdoctor\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "SRVDOCTOR_CONFIG": os.devnull}
    proc = subprocess.run([bash, "--norc", "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("complete -o default -F _srvdoctor_completion srvdoctor")
    return [line for line in proc.stdout.splitlines() if line]


def test_bash_completes_a_command() -> None:
    assert _complete("tri") == ["triage"]


def test_bash_completes_the_area_after_a_comma() -> None:
    assert _complete("check", "--only", "disk,g") == ["disk,gpu"]


def test_bash_completes_note_ids() -> None:
    assert _complete("notes", "show", "disk-f") == ["disk-full"]


def test_areas_already_given_are_not_offered_again() -> None:
    assert "disk,disk" not in complete_areas("disk,")


@pytest.mark.parametrize(
    ("shell", "marker"), [("zsh", "#compdef srvdoctor"), ("fish", "complete --command srvdoctor")]
)
def test_other_shells_get_their_script(shell: str, marker: str) -> None:
    """`_SRVDOCTOR_COMPLETE=source_zsh srvdoctor` (the docs' way to pick a shell by name)."""
    env = {**os.environ, "_SRVDOCTOR_COMPLETE": f"source_{shell}"}
    proc = subprocess.run([BIN / "srvdoctor"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0 and marker in proc.stdout, proc.stdout + proc.stderr
