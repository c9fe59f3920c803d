"""The gettext catalogs: complete, well-formed, and compiled into the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
I18N = [sys.executable, str(ROOT / "scripts" / "i18n.py")]


def test_every_marked_string_has_a_korean_translation_with_the_same_placeholders() -> None:
    """scripts/i18n.py check: the extracted template against po/ko.po (untranslated,
    obsolete, a placeholder missing or added, t() of an f-string)."""
    done = subprocess.run([*I18N, "check", "ko"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:]


def test_the_extractor_finds_help_texts_docstrings_and_marked_calls() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import i18n
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    ids = {m.id for m in i18n.extract(["srvdoctor/cli.py"]) if m.id}
    assert "Print the version and exit." in ids  # a help= literal
    assert "Every check that applies here, concurrently, one report" in ids  # N_() in SUMMARIES
    assert "srvdoctor: server-health doctor for ML boxes and web servers." in ids  # a command docstring


def test_the_wheel_carries_the_compiled_catalog(tmp_path: Path) -> None:
    """`pip install .` builds a wheel: hatch_build.py compiles po/ko.po into it."""
    pytest.importorskip("hatchling")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = tmp_path.glob("srvdoctor-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        mo = zf.read("srvdoctor/locale/ko/LC_MESSAGES/srvdoctor.mo")
    import gettext
    import io

    catalog = gettext.GNUTranslations(io.BytesIO(mo))
    assert catalog.gettext("Print the version and exit.") != "Print the version and exit."
