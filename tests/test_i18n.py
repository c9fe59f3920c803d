"""Language selection: --lang, SRVDOCTOR_LANG, then LANGUAGE, LC_ALL, LC_MESSAGES, LANG."""

from __future__ import annotations

from pathlib import Path

import pytest

from srvdoctor.i18n import UnknownLanguageError, available_languages, normalize, resolve_language

KO = {"en", "ko"}


@pytest.mark.parametrize(
    ("value", "lang"),
    [
        ("ko_KR.UTF-8", "ko"),
        ("ko_KR.utf8", "ko"),
        ("ko", "ko"),
        ("ko_KR", "ko"),
        ("ko-KR", "ko"),
        ("ko_KR.eucKR@dict", "ko"),
        ("en_US.UTF-8", "en"),
        ("C", None),
        ("POSIX", None),
        ("C.UTF-8", None),
        ("C.utf8", None),
        ("", None),
        ("   ", None),
        (None, None),
        ("../../etc", None),
    ],
)
def test_normalize(value: str | None, lang: str | None) -> None:
    assert normalize(value) == lang


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({}, "en"),
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),  # not translated: English
        ({"LANG": ""}, "en"),
        # LC_ALL beats LC_MESSAGES beats LANG
        ({"LC_ALL": "C", "LC_MESSAGES": "ko_KR.UTF-8", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"LC_ALL": "ko_KR.UTF-8", "LANG": "C"}, "ko"),
        ({"LC_MESSAGES": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "ko_KR.UTF-8"}, "ko"),  # empty = unset
        # LANGUAGE first, its first entry we have; ignored under the C locale (as in gettext)
        ({"LANGUAGE": "ko", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LANGUAGE": "ko:en", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LANGUAGE": "en:ko", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"LANGUAGE": "fr:ko", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LANGUAGE": "fr:de", "LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANGUAGE": "ko", "LANG": "C"}, "en"),
        ({"LANGUAGE": "ko", "LC_ALL": "POSIX"}, "en"),
        ({"LANGUAGE": "ko"}, "ko"),
        # SRVDOCTOR_LANG beats the locale
        ({"SRVDOCTOR_LANG": "ko", "LANG": "C"}, "ko"),
        ({"SRVDOCTOR_LANG": "en", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"SRVDOCTOR_LANG": "C", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"SRVDOCTOR_LANG": "xx", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"SRVDOCTOR_LANG": "", "LANG": "ko_KR.UTF-8"}, "ko"),
    ],
)
def test_environment_order(env: dict[str, str], lang: str) -> None:
    assert resolve_language(None, env, KO) == lang


def test_explicit_lang_beats_everything() -> None:
    env = {"SRVDOCTOR_LANG": "en", "LANGUAGE": "en", "LC_ALL": "en_US.UTF-8"}
    assert resolve_language("ko", env, KO) == "ko"
    assert resolve_language("ko_KR.UTF-8", env, KO) == "ko"
    assert resolve_language("C", {"LANG": "ko_KR.UTF-8"}, KO) == "en"
    assert resolve_language("en", {"LANG": "ko_KR.UTF-8"}, KO) == "en"
    assert resolve_language("", {"LANG": "ko_KR.UTF-8"}, KO) == "ko"  # empty = not given


@pytest.mark.parametrize("value", ["fr", "xx_YY", "한국어", "../ko"])
def test_explicit_unsupported_lang_is_a_clear_error(value: str) -> None:
    with pytest.raises(UnknownLanguageError, match=r"choose one of en, ko"):
        resolve_language(value, {}, KO)


def test_only_english_when_nothing_is_translated() -> None:
    assert resolve_language(None, {"LANG": "ko_KR.UTF-8"}, set()) == "en"


def test_available_languages_are_the_playbook_directories(tmp_path: Path) -> None:
    (tmp_path / "disk-full.md").write_text("x")
    for name in ("ko", "de", "images", "ja"):
        (tmp_path / name).mkdir()
    (tmp_path / "ko" / "disk-full.md").write_text("x")
    (tmp_path / "de" / "disk-full.md").write_text("x")
    # "ja" is empty and "images" is not a language code: neither counts
    assert available_languages(tmp_path) == {"en", "ko", "de"}
    assert available_languages(tmp_path / "missing") == {"en"}


def test_the_shipped_languages_include_korean() -> None:
    assert available_languages() >= {"en", "ko"}
    assert resolve_language(None, {"LANG": "ko_KR.UTF-8"}) == "ko"
