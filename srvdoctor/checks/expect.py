"""Expect area: the deploy expectations of the config (`[[expect.<kind>]]`), one result each.

Each kind is a check `expect.<kind>`; its `run` evaluates every expectation of that kind
concurrently, each bounded by its own `timeout` (default `--timeout`). `evaluate` judges
a single expectation, so `srvdoctor.retry` can re-run only the ones that failed. The
pure `judge_*` functions take probe values and return a Result.

The judging lives in `expect_net` (http, port, listen) and `expect_host` (path, process,
container, gpu, command); what their results share in `expect_result`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.expect_host import (
    eval_command,
    eval_container,
    eval_gpu,
    eval_path,
    eval_process,
    judge_command,
    judge_container,
    judge_gpu,
    judge_path,
    judge_process,
)
from srvdoctor.checks.expect_net import (
    TcpOutcome,
    connect_host,
    dns_outcome,
    eval_http,
    eval_listen,
    eval_port,
    judge_http,
    judge_listen,
    judge_port,
    tcp_outcome,
)
from srvdoctor.checks.expect_result import NO_GPU, STALE, UNHEALTHY, exp_timeout
from srvdoctor.checks.expect_result import result as _result
from srvdoctor.expect.model import (
    CommandExpect,
    ContainerExpect,
    Expectation,
    Expectations,
    GpuExpect,
    HttpExpect,
    ListenExpect,
    PathExpect,
    PortExpect,
    ProcessExpect,
)
from srvdoctor.messages import t
from srvdoctor.model import Result, Status
from srvdoctor.probes.timeout import map_with_timeout
from srvdoctor.record import dataclass

__all__ = [
    "CHECKS",
    "NO_GPU",
    "STALE",
    "UNHEALTHY",
    "TcpOutcome",
    "budget",
    "connect_host",
    "dns_outcome",
    "evaluate",
    "evaluate_all",
    "exp_timeout",
    "expectations",
    "judge_command",
    "judge_container",
    "judge_gpu",
    "judge_http",
    "judge_listen",
    "judge_path",
    "judge_port",
    "judge_process",
    "tcp_outcome",
]


def expectations(ctx: CheckContext) -> Expectations:
    """The config's expectations, parsed once per run."""
    from srvdoctor.expect.parse import expectations_of

    return ctx.memo("expect", lambda: expectations_of(ctx.config))


# --------------------------------------------------------------------------- dispatch

_EVALUATORS: dict[type[Expectation], Callable[[Any, CheckContext], Result]] = {
    HttpExpect: eval_http,
    PortExpect: eval_port,
    ListenExpect: eval_listen,
    PathExpect: eval_path,
    ProcessExpect: eval_process,
    ContainerExpect: eval_container,
    GpuExpect: eval_gpu,
    CommandExpect: eval_command,
}


def evaluate(exp: Expectation, ctx: CheckContext) -> Result:
    """Judge one expectation against the system now."""
    started = time.perf_counter()
    result = _EVALUATORS[type(exp)](exp, ctx)
    if not result.duration_s:
        from dataclasses import replace

        result = replace(result, duration_s=time.perf_counter() - started)
    return result


def budget(exps: list[Expectation], ctx: CheckContext) -> float:
    """Seconds a set of expectations may take when run concurrently."""
    return max((exp_timeout(e, ctx) for e in exps), default=ctx.timeout) + 1.0


def evaluate_all(exps: list[Expectation], ctx: CheckContext) -> list[Result]:
    """Judge several expectations concurrently; one that overruns becomes an error result."""
    limit = budget(exps, ctx)
    slots = map_with_timeout(lambda e: evaluate(e, ctx), exps, limit, lambda e: f"expect.{e.kind} {e.target}")
    out = []
    for exp, got in zip(exps, slots, strict=True):
        if isinstance(got, Result):
            out.append(got)
        else:
            reason = str(got) or type(got).__name__
            out.append(
                _result(exp, Status.ERROR, t("could not be checked: {why}", why=reason), elapsed=limit)
            )
    return out


@dataclass(frozen=True)
class _ExpectCheck:
    kind: ClassVar[str] = ""
    area: ClassVar[str] = "expect"

    def run(self, ctx: CheckContext) -> list[Result]:
        return evaluate_all(expectations(ctx).of(self.kind), ctx)

    def budget_s(self, ctx: CheckContext) -> float:
        """The runner's deadline for this check: the longest expectation timeout, plus a margin."""
        return budget(expectations(ctx).of(self.kind), ctx)


@dataclass(frozen=True)
class ExpectHttp(_ExpectCheck):
    """`[[expect.http]]`: the URL answers with `status` (200), within `within`, and its body
    `contains` a text or `regex:`, and its JSON has `json.path` equal to `json.equals`.
    Shell equivalent: `curl -fsS -w '%{http_code} %{time_total}' URL`.
    """

    id: ClassVar[str] = "expect.http"
    kind: ClassVar[str] = "http"
    playbooks: ClassVar[tuple[str, ...]] = (UNHEALTHY,)


@dataclass(frozen=True)
class ExpectPort(_ExpectCheck):
    """`[[expect.port]]`: a TCP connect to `target` succeeds (`state = "open"`) or does not
    (`"closed"`). Shell equivalent: `nc -zv HOST PORT`.
    """

    id: ClassVar[str] = "expect.port"
    kind: ClassVar[str] = "port"
    playbooks: ClassVar[tuple[str, ...]] = (UNHEALTHY,)


@dataclass(frozen=True)
class ExpectListen(_ExpectCheck):
    """`[[expect.listen]]`: a socket listens on `port`, on `address` if given, owned by the
    process named `process` if given. Shell equivalent: `ss -ltnp 'sport = :PORT'`.
    """

    id: ClassVar[str] = "expect.listen"
    kind: ClassVar[str] = "listen"
    playbooks: ClassVar[tuple[str, ...]] = (UNHEALTHY,)


@dataclass(frozen=True)
class ExpectPath(_ExpectCheck):
    """`[[expect.path]]`: the path exists, is a `kind` (file/dir/any), has `min_bytes` and was
    modified within `max_age`. Shell equivalent: `stat PATH`, `find PATH -mmin -10`.
    """

    id: ClassVar[str] = "expect.path"
    kind: ClassVar[str] = "path"
    playbooks: ClassVar[tuple[str, ...]] = (STALE,)


@dataclass(frozen=True)
class ExpectProcess(_ExpectCheck):
    """`[[expect.process]]`: at least `min` (1) processes named `name` and/or whose command
    line matches the regex `cmdline`, run by `user` if given. Shell equivalent: `pgrep -a NAME`.
    """

    id: ClassVar[str] = "expect.process"
    kind: ClassVar[str] = "process"
    playbooks: ClassVar[tuple[str, ...]] = (UNHEALTHY,)


@dataclass(frozen=True)
class ExpectContainer(_ExpectCheck):
    """`[[expect.container]]`: the Docker container is in `state` (running), `health` healthy
    if asked (a warning when the image has no healthcheck), restarted at most `max_restarts`.
    Skipped when no Docker daemon answers or this user may not use it; an error when the daemon
    is there but does not answer (timeout). Shell equivalent: `docker inspect NAME`.
    """

    id: ClassVar[str] = "expect.container"
    kind: ClassVar[str] = "container"
    playbooks: ClassVar[tuple[str, ...]] = (UNHEALTHY,)


@dataclass(frozen=True)
class ExpectGpu(_ExpectCheck):
    """`[[expect.gpu]]`: at least `count` (1) NVIDIA GPUs, each with `min_free_memory` free.
    Without a GPU it fails, or skips when `optional = true`. Shell equivalent: `nvidia-smi`.
    """

    id: ClassVar[str] = "expect.gpu"
    kind: ClassVar[str] = "gpu"
    playbooks: ClassVar[tuple[str, ...]] = (NO_GPU,)


@dataclass(frozen=True)
class ExpectCommand(_ExpectCheck):
    """`[[expect.command]]`: the argv `run` (no shell) exits `exit` (0) within `timeout` and its
    output `contains` a text or `regex:`. Shell equivalent: the command itself, then `echo $?`.
    """

    id: ClassVar[str] = "expect.command"
    kind: ClassVar[str] = "command"
    playbooks: ClassVar[tuple[str, ...]] = (UNHEALTHY,)


CHECKS = (
    ExpectHttp,
    ExpectPort,
    ExpectListen,
    ExpectPath,
    ExpectProcess,
    ExpectContainer,
    ExpectGpu,
    ExpectCommand,
)
