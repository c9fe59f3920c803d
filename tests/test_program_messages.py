"""Localised program messages (data/program_messages.json, from scripts/gen_program_messages.py):
generated from the real catalogs, each one's English text recognised by the condition it joins,
and each localised text leading triage to that condition's note."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from srvdoctor.condindex import find_phrase
from srvdoctor.conditions import BY_ID, PROGRAM_DATA_FILE, program_messages
from srvdoctor.textscan import scan
from srvdoctor.triage import triage

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "gen_program_messages.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_program_messages", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


GEN = _generator()
DATA = json.loads(PROGRAM_DATA_FILE.read_text(encoding="utf-8"))


def _catalogs_present() -> bool:
    return all(
        (GEN.LOCALE_DIR / lang / "LC_MESSAGES" / f"{m.domain}.mo").is_file()
        for lang in GEN.languages()
        for m in GEN.MESSAGES
    )


@pytest.mark.skipif(
    not _catalogs_present(),
    reason="the programs' catalogs are not installed (apt-get install bash coreutils apt libc-l10n)",
)
def test_data_file_matches_the_generator() -> None:
    proc = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_language_of_srvdoctor_is_generated() -> None:
    assert "ko" in DATA["languages"]
    assert DATA["languages"] == GEN.languages()


def _english(msgid: str, args: list[str]) -> str:
    rest = list(args)

    def fill(m: object) -> str:
        assert hasattr(m, "group")
        if m.group(2) == "%":
            return "%"
        return rest.pop(0) if rest else "x"

    return str(GEN._DIRECTIVE.sub(fill, msgid))


@pytest.mark.parametrize("entry", DATA["messages"], ids=lambda e: f"{e['domain']}:{e['msgid'][:40]}")
def test_english_text_is_recognised_by_its_condition(entry: dict[str, object]) -> None:
    """A localised message joins only a condition that recognises the message in English:
    Korean recognition mirrors English, never more."""
    assert entry["condition"] in BY_ID
    english = _english(str(entry["msgid"]), list(entry["args"]))  # type: ignore[call-overload]
    assert entry["condition"] in {h.condition.id for h in scan(english)}, english


def test_korean_texts_come_from_the_catalogs() -> None:
    by_key = {(e["domain"], e["msgid"], tuple(e["args"])): e for e in DATA["messages"]}
    ko = {k: e["text"].get("ko") for k, e in by_key.items()}
    # Texts as glibc, bash, coreutils and apt print them on a Korean Debian server.
    assert ko[("bash", "%s: %s: bad interpreter", ())] == "%s: %s: 잘못된 인터프리터"
    assert ko[("bash", "Killed", ())] == "죽었음"
    assert ko[("libc", "Segmentation fault", ())] == "세그멘테이션 오류"
    assert ko[("bash", "Segmentation fault", ())] == "세그먼테이션 오류"  # bash's own spelling
    assert (
        ko[("apt", "You don't have enough free space in %s.", ())] == "%s 안에 충분한 여유 공간이 없습니다."
    )
    # every message has its Korean text (the catalogs translate all of them)
    assert all(e["fragments"].get("ko") for e in DATA["messages"]), [
        e["msgid"] for e in DATA["messages"] if not e["fragments"].get("ko")
    ]


def test_fragments_of_a_format() -> None:
    assert GEN.fragments("%s: %s: 잘못된 인터프리터") == ("잘못된 인터프리터",)
    assert GEN.fragments("%s: 명령어를 찾을 수 없음", ("nvidia-smi",)) == (
        "nvidia-smi: 명령어를 찾을 수 없음",
    )
    assert GEN.fragments("%s:%s에 연결할 수 없습니다 (%s). 연결 제한 시간이 초과했습니다") == (
        "에 연결할 수 없습니다",
        "연결 제한 시간이 초과했습니다",
    )
    assert GEN.fragments("%2$s 그리고 %1$s: 100%% 끝", ("a", "b")) == ("b 그리고 a: 100% 끝",)
    assert GEN.fragments("%s: %s") == ()


def test_phrase_needs_every_fragment_in_order() -> None:
    frags = ("에 연결할 수 없습니다", "연결 제한 시간이 초과했습니다")
    line = "E: deb.debian.org:80에 연결할 수 없습니다 (1.2.3.4). 연결 제한 시간이 초과했습니다"
    assert (
        find_phrase(line, line.lower(), frags)
        == "에 연결할 수 없습니다 (1.2.3.4). 연결 제한 시간이 초과했습니다"
    )
    swapped = "연결 제한 시간이 초과했습니다 그리고 x에 연결할 수 없습니다"
    assert find_phrase(swapped, swapped.lower(), frags) is None
    assert find_phrase("에 연결할 수 없습니다", "에 연결할 수 없습니다", frags) is None


def test_loader_groups_phrases_by_condition() -> None:
    phrases = program_messages()
    assert ("잘못된 인터프리터",) in phrases["bad-interpreter"]
    assert ("죽었음",) in phrases["SIGKILL"]
    assert set(phrases) <= set(BY_ID)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        # bash 5.2 on Debian 12, LANGUAGE=ko: a script saved with CRLF line ends
        ("bash: ./train.sh: /bin/bash^M: 잘못된 인터프리터", "bad-interpreter"),
        ("./train.sh: 줄 2: $'\\r': 명령어를 찾을 수 없음", "bad-interpreter"),
        ("bash: ./train.sh: 실행할 수 없음: 필요한 파일이 없습니다", "bad-interpreter"),
        ("bash: ./model.bin: 이진 파일을 실행할 수 없음: Exec 형식 오류", "bad-interpreter"),
        ("bash: nvidia-smi: 명령어를 찾을 수 없음", "gpu-driver-missing"),
        # the shell's job report for a process killed by the OOM killer
        ("bash: 줄 1: 123456 죽었음                  python3 train.py", "oom-killed"),
        # coreutils
        ("tail: inotify 자원이 바닥남", "inotify-limit"),
        ("sort: 메모리가 바닥남", "memory-pressure"),
        # apt
        ("E: /var/cache/apt/archives/ 안에 충분한 여유 공간이 없습니다.", "disk-full"),
        ("E: 'deb.debian.org'의 주소를 알아내는데 임시로 실패했습니다", "dns-failure"),
        ("E: 'deb.debian.org'의 주소를 알아낼 수 없습니다", "dns-failure"),
        (
            "E: deb.debian.org:80에 연결할 수 없습니다 (151.101.2.132). 연결 제한 시간이 초과했습니다",
            "port-filtered",
        ),
        # glibc beyond strerror: gai_strerror, strsignal
        ("ping: gpu01: 이름 혹은 서비스를 알 수 없습니다", "dns-failure"),
        ("ping: gpu01: name resolution에서 일시적인 실패", "dns-failure"),
        ("cp: '/data/a.bin' 읽는 중: 입력/출력 오류", "disk-io-errors"),
    ],
)
def test_korean_program_message_leads_to_its_note(text: str, note: str) -> None:
    ranked = triage(text).note_ids
    assert ranked and ranked[0] == note, ranked


def test_english_ranking_is_unchanged_by_the_phrases() -> None:
    assert triage("bash: ./train.sh: /bin/bash^M: bad interpreter").note_ids[0] == "bad-interpreter"
    assert triage("Killed").note_ids[0] == "oom-killed"
    # bash's report of a job the OOM killer took, in English as in Korean ("죽었음")
    assert (
        triage('bash: line 1: 29739 Killed                  sh -c "kill -KILL $$"').note_ids[0]
        == "oom-killed"
    )
