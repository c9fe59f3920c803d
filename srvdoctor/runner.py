"""Run checks concurrently: a deadline per check, any exception turned into an `error`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
import time
import traceback
from collections.abc import Sequence

from srvdoctor import __version__
from srvdoctor.checks.base import Check, CheckContext
from srvdoctor.messages import t
from srvdoctor.model import Report, Result, Status


def _hostname() -> str:
    """socket.gethostname(), which on Linux is uname's nodename, without loading socket."""
    return os.uname().nodename


#: Seconds a check may run beyond `timeout * timeout_factor` before it is called timed out.
GRACE_S = 1.0


def check_deadline(check: Check, timeout: float, ctx: CheckContext | None = None) -> float:
    """Seconds `check` may take: the probe timeout times its factor, plus a grace.

    A check whose probes carry their own timeouts (expectations) says how long it needs
    through a `budget_s(ctx)` method.
    """
    own_budget = getattr(check, "budget_s", None)
    if ctx is not None and callable(own_budget):
        return float(own_budget(ctx)) + GRACE_S
    factor = float(getattr(check, "timeout_factor", 1.0))
    return timeout * factor + GRACE_S


def _error_result(check: Check, exc: BaseException, debug: bool) -> Result:
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    details = tuple(traceback.format_exception(exc)) if debug else ()
    return Result(
        check.id,
        "-",
        Status.ERROR,
        t("{check} could not run: {reason}", check=check.id, reason=reason.splitlines()[0]),
        details=tuple(line.rstrip("\n") for line in details),
        hints=(t("rerun with --debug for the traceback"),) if not debug else (),
    )


def _run_one(check: Check, ctx: CheckContext) -> list[Result]:
    started = time.perf_counter()
    try:
        results = list(check.run(ctx))
    except Exception as exc:
        results = [_error_result(check, exc, ctx.debug)]
    elapsed = time.perf_counter() - started
    return [
        dataclasses.replace(r, area=r.area or check.area, duration_s=r.duration_s or elapsed) for r in results
    ]


def run_checks(checks: Sequence[Check], ctx: CheckContext) -> list[Result]:
    """Every check in its own daemon thread; results in the order of `checks`.

    A check that overruns its deadline becomes one `error` result ("timed out after
    N s"); its thread is abandoned (a daemon: it never holds up exit).
    """
    slots: list[list[Result] | None] = [None] * len(checks)

    def work(i: int, check: Check) -> None:
        slots[i] = _run_one(check, ctx)

    threads = [
        threading.Thread(target=work, args=(i, c), name=f"check:{c.id}", daemon=True)
        for i, c in enumerate(checks)
    ]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    results: list[Result] = []
    for check, thread, i in zip(checks, threads, range(len(checks)), strict=True):
        limit = check_deadline(check, ctx.timeout, ctx)
        thread.join(max(0.0, start + limit - time.monotonic()))
        got = slots[i]
        if got is None:
            results.append(
                Result(
                    check.id,
                    "-",
                    Status.ERROR,
                    t("{check} timed out after {limit:g} s", check=check.id, limit=limit),
                    hints=(t("raise --timeout, or --skip this area"),),
                    duration_s=time.monotonic() - start,
                    area=check.area,
                )
            )
        else:
            results.extend(got)
    return results


def make_report(results: Sequence[Result], started_at: dt.datetime, duration_s: float) -> Report:
    return Report(
        tool="srvdoctor",
        version=__version__,
        host=_hostname(),
        started_at=started_at.isoformat(timespec="seconds"),
        duration_s=duration_s,
        results=list(results),
    )


def run_report(checks: Sequence[Check], ctx: CheckContext) -> Report:
    """Run `checks` and wrap their results in a Report."""
    started_at = dt.datetime.now(dt.timezone.utc).astimezone()
    t0 = time.perf_counter()
    results = run_checks(checks, ctx)
    return make_report(results, started_at, time.perf_counter() - t0)
