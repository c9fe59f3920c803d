"""The runner's own results in Korean: a check that overruns its deadline and one that crashes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.model import Result, Status
from srvdoctor.runner import run_checks


@dataclass(frozen=True)
class Slow:
    id: ClassVar[str] = "test.slow"
    area: ClassVar[str] = "disk"
    playbooks: ClassVar[tuple[str, ...]] = ()
    timeout_factor: ClassVar[float] = 0.1

    def run(self, ctx: CheckContext) -> list[Result]:
        time.sleep(3)
        return []


@dataclass(frozen=True)
class Broken:
    id: ClassVar[str] = "test.broken"
    area: ClassVar[str] = "disk"
    playbooks: ClassVar[tuple[str, ...]] = ()

    def run(self, ctx: CheckContext) -> list[Result]:
        return [Result(self.id, "x", Status.OK, str(1 / 0))]


def test_timeout_and_crash_in_korean() -> None:
    slow, broken = run_checks([Slow(), Broken()], CheckContext(timeout=0.5))
    assert (slow.status, slow.summary, slow.hints) == (
        Status.ERROR,
        "test.slow timed out after 1.05 s",
        ("raise --timeout, or --skip this area",),
    )
    assert slow.to_dict("ko")["localized"] == {
        "lang": "ko",
        "summary": "test.slow: 1.05초 후 시간 초과",
        "details": [],
        "hints": ["--timeout을 늘리거나 --skip으로 이 영역 건너뛰기"],
    }
    assert broken.summary == "test.broken could not run: ZeroDivisionError: division by zero"
    assert broken.localized("ko").summary == "test.broken 실행 실패: ZeroDivisionError: division by zero"
    assert broken.localized("ko").hints == ("traceback을 보려면 --debug로 다시 실행",)
