"""The runner: concurrency, deadlines, and crashes turned into `error` results."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.model import Result, Status
from srvdoctor.runner import run_checks, run_report


@dataclass(frozen=True)
class Sleeper:
    id: ClassVar[str] = "test.sleep"
    area: ClassVar[str] = "disk"
    playbooks: ClassVar[tuple[str, ...]] = ()
    seconds: float = 0.3

    def run(self, ctx: CheckContext) -> list[Result]:
        time.sleep(self.seconds)
        return [Result(self.id, "x", Status.OK, f"slept {self.seconds}")]


@dataclass(frozen=True)
class Crasher:
    id: ClassVar[str] = "test.crash"
    area: ClassVar[str] = "load"
    playbooks: ClassVar[tuple[str, ...]] = ()

    def run(self, ctx: CheckContext) -> list[Result]:
        return [Result(self.id, "x", Status.OK, str(1 / 0))]


def test_checks_run_concurrently() -> None:
    started = time.monotonic()
    results = run_checks([Sleeper(1.0)] * 5, CheckContext(timeout=3))
    assert time.monotonic() - started < 4.0  # one after another: 5 s
    assert [r.status for r in results] == [Status.OK] * 5 and results[0].area == "disk"


def test_overrun_is_an_error_and_the_report_still_comes_out() -> None:
    started = time.monotonic()
    report = run_report([Sleeper(30), Sleeper(0)], CheckContext(timeout=0.2))
    assert time.monotonic() - started < 3
    assert [(r.status, r.summary) for r in report.results] == [
        (Status.ERROR, "test.sleep timed out after 1.2 s"),
        (Status.OK, "slept 0"),
    ]


def test_exception_becomes_error_with_one_line_reason() -> None:
    (result,) = run_checks([Crasher()], CheckContext())
    assert (result.status, result.summary, result.details) == (
        Status.ERROR, "test.crash could not run: ZeroDivisionError: division by zero", ()
    )  # fmt: skip


def test_debug_keeps_the_traceback() -> None:
    (result,) = run_checks([Crasher()], CheckContext(debug=True))
    assert result.details[-1] == "ZeroDivisionError: division by zero"


def test_memo_computes_once_across_threads() -> None:
    ctx = CheckContext()
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.1)
        return 42

    values: list[int] = []
    threads = [threading.Thread(target=lambda: values.append(ctx.memo("k", slow))) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (values, len(calls)) == ([42] * 5, 1)
