"""What every expectation's result shares: its playbooks, its timeout, and `result`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from srvdoctor.checks.base import CheckContext
from srvdoctor.expect.model import Expectation
from srvdoctor.model import Result, Status

#: The playbooks the expectations link to.
UNHEALTHY = "deploy-unhealthy"
STALE = "stale-artifact"
NO_GPU = "gpu-unavailable"


def exp_timeout(exp: Expectation, ctx: CheckContext) -> float:
    own = getattr(exp, "timeout", None)
    return float(own) if own else ctx.timeout


def result(
    exp: Expectation,
    status: Status,
    summary: str,
    *,
    details: tuple[str, ...] = (),
    data: Mapping[str, Any] | None = None,
    playbook: str | None = None,
    hints: tuple[str, ...] = (),
    elapsed: float = 0.0,
) -> Result:
    where = exp.where
    payload = {"index": where.index, "config": str(where), **(data or {})}
    failing = status.rank >= Status.WARN.rank
    return Result(
        f"expect.{exp.kind}",
        exp.target,
        status,
        summary,
        details=details,
        data=payload,
        playbook=playbook if failing else None,
        hints=hints if failing else (),
        duration_s=elapsed,
        area="expect",
    )
