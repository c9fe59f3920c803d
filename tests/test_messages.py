"""srvdoctor.messages: English text that keeps its template, localised by the real catalog."""

from __future__ import annotations

import pickle

import pytest

from srvdoctor import messages
from srvdoctor.messages import Msg, join, localize, oserror, t, tn
from srvdoctor.model import Report, Result, Status

needs_ko = pytest.mark.skipif(
    messages.catalog("ko") is None, reason="no compiled ko catalog (pip install -e .)"
)


def test_a_message_is_its_english_text() -> None:
    m = t("{path} is {pct:.0f}% full", path="/data", pct=97.4)
    assert m == "/data is 97% full"
    assert isinstance(m, str) and m.template == "{path} is {pct:.0f}% full"


def test_a_template_without_arguments_keeps_its_braces() -> None:
    assert t("use ${HOME} or {}") == "use ${HOME} or {}"


@pytest.mark.parametrize(("n", "english"), [(0, "0 processes"), (1, "1 process"), (2, "2 processes")])
def test_english_plural_forms(n: int, english: str) -> None:
    assert tn("{n} process", "{n} processes", n) == english


def test_messages_survive_pickling_as_disk_workers_and_threads_pass_them() -> None:
    m = tn("{n} file", "{n} files", 3, where=t("in {path}", path="/x"))
    back = pickle.loads(pickle.dumps(m))
    assert isinstance(back, Msg) and back == m and back.number == 3 and back.plural == "{n} files"


def test_english_is_left_alone_and_plain_strings_are_never_translated() -> None:
    assert localize(t("No problems found"), "en") == "No problems found"
    assert localize("No problems found", "ko") == "No problems found"  # not srvdoctor's text


def test_os_error_texts_come_from_glibc_catalogs() -> None:
    err = oserror(OSError(28, "No space left on device"))
    assert err == "No space left on device"
    assert localize(err, "ko") == "장치에 남은 공간이 없음"
    assert localize(oserror("Some text glibc never wrote"), "ko") == "Some text glibc never wrote"


def test_join_localizes_each_part() -> None:
    joined = join("; ", [oserror("Permission denied"), "/etc/shadow"])
    assert joined == "Permission denied; /etc/shadow"
    assert localize(joined, "ko") == "허가 거부; /etc/shadow"


@needs_ko
def test_a_translated_message_uses_the_catalog_and_localizes_its_arguments() -> None:
    m = t("{what}: {error}", what="/data", error=oserror("No space left on device"))
    assert localize(m, "ko") == "/data: 장치에 남은 공간이 없음"


def test_a_message_the_catalog_lacks_is_printed_in_english() -> None:
    m = t("{n} left", n=3)
    # no catalog entry for it: English, never an exception
    assert localize(m, "ko") == "3 left"


@needs_ko
def test_json_keeps_english_and_adds_the_localized_text() -> None:
    r = Result(
        "disk.space",
        "/",
        Status.FAIL,
        t("{what}: {error}", what="/", error=oserror("No space left on device")),
    )
    report = Report("srvdoctor", "0", "h", "2026-12-01T00:00:00Z", 0.0, [r])
    english = report.to_dict()
    assert "localized" not in english["results"][0] and "lang" not in english
    korean = report.to_dict("ko")
    assert korean["lang"] == "ko"
    assert korean["results"][0]["summary"] == "/: No space left on device"
    assert korean["results"][0]["localized"]["summary"] == "/: 장치에 남은 공간이 없음"


def test_hints_stay_pasteable_and_localizable() -> None:
    r = Result("x.y", "-", Status.WARN, "s", hints=(t("docker system df   (see {what})", what="x"),))
    assert r.hints == ("docker system df   # see x",)
    assert isinstance(r.hints[0], Msg)
