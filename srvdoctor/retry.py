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

from srvdoctor.checks.base import CheckContext
from srvdoctor.messages import localize, t, tn
from srvdoctor.model import Result, Status
from srvdoctor.record import dataclass
from srvdoctor.units import naturalduration


@dataclass(frozen=True)
class Attempt:
    """One attempt: its number (1 is the full run), when it ended, and what still failed."""

    number: int
    elapsed_s: float
    failing: tuple[Result, ...]
    checked: int

    def line(self) -> str:
        """The one line printed per attempt (on stderr, in the display language)."""
        args = {"number": self.number, "elapsed": self.elapsed_s, "checked": self.checked}
        if not self.failing:
            return localize(t("attempt {number} at {elapsed:.1f} s: all {checked} expectations hold", **args))
        first = self.failing[0]
        what = t("{check} {target}: {summary}", check=first.check, target=first.target, summary=first.summary)
        if len(self.failing) > 1:
            what = t("{what} (+{more} more)", what=what, more=len(self.failing) - 1)
        return localize(
            t(
                "attempt {number} at {elapsed:.1f} s: {failing} of {checked} expectations failing: {what}",
                failing=len(self.failing),
                what=what,
                **args,
            )
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
        """How long it took to become healthy, in words, for the end of the report (a Msg: the
        table prints it in the display language, the GitHub summary in the machine language)."""
        n = len(self.attempts)
        tries = tn("{n} attempt", "{n} attempts", n)
        if self.healthy and self.healthy_after_s is not None:
            after = naturalduration(self.healthy_after_s)
            return t("Healthy after {after} ({tries}): every expectation holds.", after=after, tries=tries)
        still = len(self.attempts[-1].failing)
        return tn(
            "Not healthy after {after} of retries ({tries}): {n} expectation still fails.",
            "Not healthy after {after} of retries ({tries}): {n} expectations still fail.",
            still,
            after=naturalduration(self.retry_for_s),
            tries=tries,
        )


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
            after = naturalduration(attempts[number - 1].elapsed_s)
            summary = t(
                "{summary} (held at attempt {number}, {after} after the start)",
                summary=r.summary,
                number=number,
                after=after,
            )
            results[i] = dataclasses.replace(r, summary=summary, data={**r.data, "attempts": number})
        else:
            results[i] = dataclasses.replace(r, data={**r.data, "attempts": number})
    return RetryOutcome(tuple(results), tuple(attempts), healthy, healthy_after, retry_for)
