"""`check --retry-for`: re-run only the failing expectations until all hold or time runs out.

The first run is the whole `check`; after it, every `expect.*` result at or above the
`--fail-on` threshold is retried every `interval` seconds (only those, concurrently),
until none fails or `retry_for` seconds after the first run started. The last attempt
starts no later than the deadline, so a run that never becomes healthy ends just after
it: not before, not much later. Other areas run once.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from srvdoctor.checks.base import CheckContext
from srvdoctor.model import Result, Status
from srvdoctor.units import naturalduration


@dataclass(frozen=True)
class Attempt:
    """One attempt: its number (1 is the full run), when it ended, and what still failed."""

    number: int
    elapsed_s: float
    failing: tuple[Result, ...]
    checked: int

    def line(self) -> str:
        """The one line printed per attempt."""
        head = f"attempt {self.number} at {self.elapsed_s:.1f} s:"
        if not self.failing:
            return f"{head} all {self.checked} expectations hold"
        first = self.failing[0]
        more = f" (+{len(self.failing) - 1} more)" if len(self.failing) > 1 else ""
        return (
            f"{head} {len(self.failing)} of {self.checked} expectations failing: "
            f"{first.check} {first.target}: {first.summary}{more}"
        )


@dataclass(frozen=True)
class RetryOutcome:
    results: tuple[Result, ...]
    attempts: tuple[Attempt, ...]
    healthy: bool
    #: seconds from the start of the first run until every expectation held (None: never)
    healthy_after_s: float | None
    retry_for_s: float

    def meta(self) -> dict[str, object]:
        """The `retry` block of the JSON report."""
        return {
            "retry": {
                "retry_for_s": self.retry_for_s,
                "attempts": len(self.attempts),
                "healthy": self.healthy,
                "healthy_after_s": None if self.healthy_after_s is None else round(self.healthy_after_s, 3),
            }
        }

    def sentence(self) -> str:
        """How long it took to become healthy, in words, for the end of the report."""
        n = len(self.attempts)
        tries = f"{n} attempt" + ("s" if n != 1 else "")
        if self.healthy and self.healthy_after_s is not None:
            return (
                f"Healthy after {naturalduration(self.healthy_after_s)} ({tries}): every expectation holds."
            )
        still = len(self.attempts[-1].failing)
        noun = "expectation still fails" if still == 1 else "expectations still fail"
        return f"Not healthy after {naturalduration(self.retry_for_s)} of retries ({tries}): {still} {noun}."


def _retryable(r: Result, threshold: Status) -> bool:
    return r.area == "expect" and r.status.rank >= threshold.rank and "index" in r.data


def retry_failing(
    first: Sequence[Result],
    ctx: CheckContext,
    retry_for: float,
    interval: float,
    threshold: Status,
    started: float,
    on_attempt: Callable[[Attempt], None] = lambda a: None,
    sleep: Callable[[float], None] = time.sleep,
) -> RetryOutcome:
    """Retry the failing expectations among `first` (the full run that began at `started`,
    a `time.monotonic()` value) until all hold or `retry_for` seconds have passed.
    """
    from srvdoctor.checks.expect import evaluate_all, expectations

    exps = expectations(ctx)
    results = list(first)
    checked = sum(1 for r in results if r.area == "expect" and "index" in r.data)
    deadline = started + retry_for

    def failing_now() -> list[int]:
        return [i for i, r in enumerate(results) if _retryable(r, threshold)]

    failing = failing_now()
    attempts = [Attempt(1, time.monotonic() - started, tuple(results[i] for i in failing), checked)]
    on_attempt(attempts[-1])
    retried: dict[int, int] = {}  # result position -> attempts it took
    while failing and time.monotonic() < deadline:
        sleep(max(0.0, min(interval, deadline - time.monotonic())))
        targets = []
        for i in failing:
            kind = results[i].check.removeprefix("expect.")
            exp = exps.find(kind, int(results[i].data["index"]))
            if exp is not None:
                targets.append((i, exp))
        # a fresh context per attempt: readings memoised in the last one (processes, GPUs) are stale
        attempt_ctx = CheckContext(config=ctx.config, timeout=ctx.timeout, debug=ctx.debug, fast=ctx.fast)
        fresh = evaluate_all([exp for _, exp in targets], attempt_ctx)
        number = len(attempts) + 1
        for (i, _), result in zip(targets, fresh, strict=True):
            results[i] = result
            retried[i] = number
        failing = [i for i, _ in targets if _retryable(results[i], threshold)]
        attempts.append(
            Attempt(number, time.monotonic() - started, tuple(results[i] for i in failing), checked)
        )
        on_attempt(attempts[-1])
    healthy = not failing
    healthy_after = attempts[-1].elapsed_s if healthy else None
    for i, number in retried.items():
        r = results[i]
        if r.status.rank < threshold.rank:
            note = (
                f"held at attempt {number}, {naturalduration(attempts[number - 1].elapsed_s)} after the start"
            )
            results[i] = dataclasses.replace(
                r, summary=f"{r.summary} ({note})", data={**r.data, "attempts": number}
            )
        else:
            results[i] = dataclasses.replace(r, data={**r.data, "attempts": number})
    return RetryOutcome(tuple(results), tuple(attempts), healthy, healthy_after, retry_for)
