"""Expect area: the deploy expectations of the config (`[[expect.<kind>]]`), one result each.

Each kind is a check `expect.<kind>`; its `run` evaluates every expectation of that kind
concurrently, each bounded by its own `timeout` (default `--timeout`). `evaluate` judges
a single expectation, so `srvdoctor.retry` can re-run only the ones that failed. The
pure `judge_*` functions take probe values and return a Result.
"""

from __future__ import annotations

import json as jsonlib
import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.expect.model import (
    CommandExpect,
    ContainerExpect,
    Expectation,
    Expectations,
    GpuExpect,
    HttpExpect,
    JsonMatch,
    ListenExpect,
    PathExpect,
    PortExpect,
    ProcessExpect,
)
from srvdoctor.model import Result, Status
from srvdoctor.probes.dns import Resolution
from srvdoctor.probes.docker_container import ContainerMissing, ContainerState
from srvdoctor.probes.http import HttpFailure, HttpResponse
from srvdoctor.probes.listeners import Listener
from srvdoctor.probes.nvml_devices import GpuMemory
from srvdoctor.probes.path_stat import PathInfo, PathProblem
from srvdoctor.probes.process_table import ProcessInfo
from srvdoctor.probes.run_command import CommandOutcome
from srvdoctor.probes.tcp import TcpResult
from srvdoctor.probes.timeout import map_with_timeout
from srvdoctor.shellcmd import cmd
from srvdoctor.units import naturalduration, naturalsize

#: The playbooks the expectations link to.
UNHEALTHY = "deploy-unhealthy"
STALE = "stale-artifact"
NO_GPU = "gpu-unavailable"


def expectations(ctx: CheckContext) -> Expectations:
    """The config's expectations, parsed once per run."""
    from srvdoctor.expect.parse import expectations_of

    return ctx.memo("expect", lambda: expectations_of(ctx.config))


def exp_timeout(exp: Expectation, ctx: CheckContext) -> float:
    own = getattr(exp, "timeout", None)
    return float(own) if own else ctx.timeout


def _result(
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


# --------------------------------------------------------------------------- http


def _json_lookup(doc: Any, path: str) -> tuple[bool, Any]:
    cur = doc
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.lstrip("-").isdigit() and -len(cur) <= int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return False, None
    return True, cur


def _json_problem(body: str, match: JsonMatch) -> str | None:
    try:
        doc = jsonlib.loads(body)
    except ValueError:
        return f"body is not JSON (wanted {match.path})"
    found, value = _json_lookup(doc, match.path)
    if not found:
        return f"JSON has no {match.path}"
    if (
        match.has_equals
        and not (value == match.equals and type(value) is type(match.equals))
        and not (
            isinstance(value, (int, float))
            and isinstance(match.equals, (int, float))
            and not isinstance(value, bool)
            and not isinstance(match.equals, bool)
            and value == match.equals
        )
    ):
        return f"JSON {match.path} is {jsonlib.dumps(value)}, expected {jsonlib.dumps(match.equals)}"
    return None


def judge_http(exp: HttpExpect, got: HttpResponse | HttpFailure) -> Result:
    curl = (
        f"curl -sS -o /dev/null -w '%{{http_code}} %{{time_total}}s\\n' {'-k ' if exp.insecure else ''}"
        + (f"-X {exp.method} " if exp.method != "GET" else "")
        + shlex.quote(exp.url)
    )
    if isinstance(got, HttpFailure):
        hints = [curl]
        if got.kind == "tls":
            hints.append(
                "set insecure = true only for a self-signed test certificate; otherwise fix the certificate"
            )
        return _result(
            exp,
            Status.FAIL,
            got.message,
            data={"error": got.kind, "elapsed_ms": round(got.elapsed_s * 1000, 1)},
            playbook=UNHEALTHY,
            hints=tuple(hints),
            elapsed=got.elapsed_s,
        )
    problems: list[str] = []
    if got.status not in exp.status:
        want = " or ".join(str(s) for s in exp.status)
        problems.append(f"HTTP {got.status} {got.reason} (expected {want})".replace("  ", " "))
    if exp.within is not None and got.elapsed_s > exp.within:
        problems.append(f"took {naturalduration(got.elapsed_s)} (budget {naturalduration(exp.within)})")
    text = got.text()
    if exp.contains is not None and not exp.contains.found_in(text):
        problems.append(f"body does not contain {exp.contains.describe()}")
    for match in exp.json:
        problem = _json_problem(text, match)
        if problem:
            problems.append(problem)
    data = {
        "status_code": got.status,
        "elapsed_ms": round(got.elapsed_s * 1000, 1),
        "body_bytes": len(got.body),
    }
    if not problems:
        return _result(
            exp,
            Status.OK,
            f"HTTP {got.status} in {naturalduration(got.elapsed_s)}",
            data=data,
            elapsed=got.elapsed_s,
        )
    snippet = " ".join(text.split())[:200]
    details = (f"body: {snippet}",) if snippet else ()
    return _result(
        exp,
        Status.FAIL,
        "; ".join(problems),
        details=details,
        data=data,
        playbook=UNHEALTHY,
        hints=(curl,),
        elapsed=got.elapsed_s,
    )


def _eval_http(exp: HttpExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.http import request

    got = request(exp.method, exp.url, exp.headers, exp_timeout(exp, ctx), verify=not exp.insecure)
    return judge_http(exp, got)


# --------------------------------------------------------------------------- port


@dataclass(frozen=True)
class TcpOutcome:
    """What `expect.port` reports of a lookup and connects: the state and a short message."""

    state: str  # open | refused | timeout | dns | unreachable
    message: str
    address: str = ""
    elapsed_s: float = 0.0


_ERRNO_PREFIX = re.compile(r"\[Errno -?\d+\] ")


def _strerror(text: str) -> str:
    """`[Errno 111] Connection refused` -> `Connection refused`, as the probes format errors."""
    return _ERRNO_PREFIX.sub("", text, count=1)


def dns_outcome(host: str, res: Resolution, timeout: float, elapsed_s: float) -> TcpOutcome | None:
    """The outcome of a failed lookup (None when it resolved).

    A failure that is not a getaddrinfo error (an unencodable name such as `a..b`) is raised,
    so the expectation reads "could not be checked", as when the lookup itself raised.
    """
    if res.ok:
        return None
    if res.kind == "timeout":
        return TcpOutcome("dns", f"resolving {host} took over {timeout:g} s", "", elapsed_s)
    if not _ERRNO_PREFIX.match(res.error):
        raise ValueError(res.error)
    return TcpOutcome("dns", f"{host} does not resolve: {_strerror(res.error)}", "", elapsed_s)


def tcp_outcome(tcp: TcpResult, timeout: float, elapsed_s: float) -> TcpOutcome:
    """probes/tcp.py's states as expect.port reports them: filtered is a timeout, and
    unreachable, rejected and error are all "unreachable" with the system's error text."""
    if tcp.state == "open":
        return TcpOutcome("open", f"accepts connections on {tcp.address}", tcp.address, elapsed_s)
    if tcp.state == "refused":
        return TcpOutcome("refused", "connection refused", tcp.address, elapsed_s)
    if tcp.state == "filtered":
        return TcpOutcome("timeout", f"no answer within {timeout:g} s (filtered?)", tcp.address, elapsed_s)
    return TcpOutcome("unreachable", _strerror(tcp.error), tcp.address, elapsed_s)


def _literal(host: str) -> str:
    """An IPv6 address as getaddrinfo spells it (`0:0::1` -> `::1`; dns.resolve returns a
    literal as written); anything else unchanged."""
    import socket

    try:
        return socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, host))
    except (OSError, ValueError):
        return host


def connect_host(host: str, port: int, timeout: float) -> TcpOutcome:
    """Resolve `host` and try each address once, in turn, within `timeout` in all; the first
    that answers decides, else the last address tried."""
    from srvdoctor.probes.dns import resolve
    from srvdoctor.probes.tcp import connect

    started = time.perf_counter()
    res = resolve(host, timeout, port)
    failed = dns_outcome(host, res, timeout, time.perf_counter() - started)
    if failed is not None:
        return failed
    last = TcpOutcome("unreachable", f"no address for {host}")
    for address in map(_literal, res.addresses):
        remaining = max(0.05, timeout - (time.perf_counter() - started))
        last = tcp_outcome(connect(address, port, remaining), timeout, time.perf_counter() - started)
        if last.state == "open":
            return last
    return last


def judge_port(exp: PortExpect, got: TcpOutcome) -> Result:
    data = {"state": got.state, "elapsed_ms": round(got.elapsed_s * 1000, 1)}
    hint = (f"srvdoctor port {exp.target}", f"nc -zv -w 3 {exp.host} {exp.port}")
    if exp.state == "open":
        if got.state == "open":
            return _result(
                exp, Status.OK, f"{exp.target} is open ({got.message})", data=data, elapsed=got.elapsed_s
            )
        return _result(
            exp,
            Status.FAIL,
            f"{exp.target} is not open: {got.message}",
            data=data,
            playbook=UNHEALTHY,
            hints=hint,
            elapsed=got.elapsed_s,
        )
    if got.state == "open":
        return _result(
            exp,
            Status.FAIL,
            f"{exp.target} accepts connections but should be closed",
            data=data,
            hints=(f"ss -ltnp 'sport = :{exp.port}'",),
            elapsed=got.elapsed_s,
        )
    return _result(
        exp, Status.OK, f"{exp.target} is closed ({got.message})", data=data, elapsed=got.elapsed_s
    )


def _eval_port(exp: PortExpect, ctx: CheckContext) -> Result:
    return judge_port(exp, connect_host(exp.host, exp.port, exp_timeout(exp, ctx)))


# --------------------------------------------------------------------------- listen


def _address_ok(wanted: str | None, actual: str) -> bool:
    return wanted is None or wanted == actual


def judge_listen(exp: ListenExpect, found: list[Listener]) -> Result:
    on_port = [x for x in found if x.port == exp.port]
    described = ", ".join(
        f"{x.address}:{x.port} ({x.process or 'pid ' + str(x.pid) if x.pid else 'owner hidden'})"
        for x in on_port
    )
    hints = (f"ss -ltnp 'sport = :{exp.port}'",)
    data: dict[str, Any] = {
        "listeners": [{"address": x.address, "pid": x.pid, "process": x.process or None} for x in on_port]
    }
    if not on_port:
        return _result(
            exp,
            Status.FAIL,
            f"nothing listens on port {exp.port}",
            data=data,
            playbook=UNHEALTHY,
            hints=hints,
        )
    matching = [x for x in on_port if _address_ok(exp.address, x.address)]
    if not matching:
        details: tuple[str, ...] = ()
        if exp.address in ("0.0.0.0", "::") and all(
            x.address.startswith("127.") or x.address == "::1" for x in on_port
        ):
            details = (
                "it is bound to loopback only: other machines cannot reach it; start the server with "
                "--host 0.0.0.0",
            )
        return _result(
            exp,
            Status.FAIL,
            f"port {exp.port} listens on {described}, not on {exp.address}",
            details=details,
            data=data,
            playbook=UNHEALTHY,
            hints=hints,
        )
    if exp.process:
        owned = [x for x in matching if x.process == exp.process]
        if not owned:
            hidden = all(not x.process for x in matching)
            why = " (the owner is not visible: run as root)" if hidden else ""
            return _result(
                exp,
                Status.FAIL,
                f"port {exp.port} is held by {described}, not {exp.process}{why}",
                data=data,
                playbook=UNHEALTHY,
                hints=hints,
            )
        matching = owned
    return _result(exp, Status.OK, f"listening: {described}", data=data)


def _listeners_on(port: int) -> list[Listener]:
    """The sockets listening on `port`, one per (address, port, pid), ordered by address then pid."""
    from srvdoctor.probes.listeners import listeners

    found = {(x.address, x.port, x.pid): x for x in listeners() if x.port == port}
    return sorted(found.values(), key=lambda x: (x.port, x.address, x.pid or 0))


def _eval_listen(exp: ListenExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.timeout import call_with_timeout

    return judge_listen(exp, call_with_timeout(lambda: _listeners_on(exp.port), ctx.timeout, "list sockets"))


# --------------------------------------------------------------------------- path


def judge_path(exp: PathExpect, got: PathInfo | PathProblem, now: float) -> Result:
    hints = (f"ls -la --time-style=full-iso {shlex.quote(exp.path)}",)
    if isinstance(got, PathProblem):
        return _result(exp, Status.FAIL, got.message, data={"error": got.reason}, playbook=STALE, hints=hints)
    age = max(0.0, now - got.mtime)
    data = {"type": got.type, "size_bytes": got.size_bytes, "age_s": round(age, 3)}
    problems = []
    if exp.type not in ("any", got.type):
        problems.append(f"is a {got.type}, expected a {exp.type}")
    if exp.min_bytes is not None:
        if got.type != "file":
            problems.append(f"is a {got.type}; min_bytes needs a file")
        elif got.size_bytes < exp.min_bytes:
            problems.append(f"is {naturalsize(got.size_bytes)}, smaller than {naturalsize(exp.min_bytes)}")
    if exp.max_age is not None and age > exp.max_age:
        problems.append(
            f"was last modified {naturalduration(age)} ago (max_age {naturalduration(exp.max_age)})"
        )
    if problems:
        return _result(
            exp, Status.FAIL, f"{exp.path} " + "; ".join(problems), data=data, playbook=STALE, hints=hints
        )
    size = f", {naturalsize(got.size_bytes)}" if got.type == "file" else ""
    return _result(
        exp, Status.OK, f"{exp.path} is a {got.type}{size}, modified {naturalduration(age)} ago", data=data
    )


def _eval_path(exp: PathExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.path_stat import stat_path

    return judge_path(exp, stat_path(exp.path, ctx.timeout), time.time())


# --------------------------------------------------------------------------- process


def judge_process(exp: ProcessExpect, procs: list[ProcessInfo]) -> Result:
    def matches(p: ProcessInfo) -> bool:
        if exp.name and exp.name not in p.names():
            return False
        if exp.cmdline and not exp.cmdline.search(" ".join(p.cmdline)):
            return False
        return not (exp.user and p.user != exp.user)

    found = [p for p in procs if matches(p)]
    pids = [p.pid for p in found]
    data = {"count": len(found), "pids": pids[:50]}
    shown = ", ".join(str(pid) for pid in pids[:10]) + (", ..." if len(pids) > 10 else "")
    if len(found) >= exp.min:
        return _result(
            exp, Status.OK, f"{len(found)} running (pid {shown})" if found else "0 running", data=data
        )
    what = (
        f"pgrep -a {shlex.quote(exp.name)}"
        if exp.name
        else f"pgrep -af {shlex.quote(exp.cmdline.pattern if exp.cmdline else '')}"
    )
    want = f"at least {exp.min}" if exp.min != 1 else "one"
    summary = f"{len(found)} running, expected {want}" + (f" (pid {shown})" if found else "")
    return _result(exp, Status.FAIL, summary, data=data, playbook=UNHEALTHY, hints=(what,))


def _eval_process(exp: ProcessExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.process_table import processes
    from srvdoctor.probes.timeout import call_with_timeout

    procs = ctx.memo("expect.processes", lambda: call_with_timeout(processes, ctx.timeout, "process table"))
    return judge_process(exp, procs)


# --------------------------------------------------------------------------- container


def judge_container(exp: ContainerExpect, got: ContainerState | ContainerMissing) -> Result:
    hints = (cmd("docker", "logs", "--tail", "50", exp.name), cmd("docker", "inspect", exp.name))
    if isinstance(got, ContainerMissing):
        return _result(
            exp, Status.FAIL, f"no container named {exp.name}", playbook=UNHEALTHY, hints=("docker ps -a",)
        )
    data = {
        "status": got.status,
        "health": got.health,
        "restart_count": got.restart_count,
        "exit_code": got.exit_code,
        "image": got.image,
        "id": got.id,
    }
    problems: list[str] = []
    details: list[str] = []
    if got.status != exp.state:
        extra = (
            f" (exit {got.exit_code}{', OOM-killed' if got.oom_killed else ''})"
            if got.status == "exited"
            else ""
        )
        problems.append(f"is {got.status}{extra}, expected {exp.state}")
    if exp.max_restarts is not None and got.restart_count > exp.max_restarts:
        problems.append(f"restarted {got.restart_count} times (max {exp.max_restarts})")
    warn = False
    if exp.health:
        if got.health is None:
            warn = True
            details.append("the image has no HEALTHCHECK, so health was not checked")
        elif got.health != exp.health:
            problems.append(f"health is {got.health}, expected {exp.health}")
            if got.health_log:
                details.append(f"last healthcheck output: {got.health_log[:300]}")
    status_text = got.status + (f", {got.health}" if got.health else "")
    if problems:
        return _result(
            exp,
            Status.FAIL,
            f"{exp.name} " + "; ".join(problems),
            details=tuple(details),
            data=data,
            playbook=UNHEALTHY,
            hints=hints,
        )
    if warn:
        return _result(
            exp,
            Status.WARN,
            f"{exp.name} is {status_text} but has no healthcheck",
            details=tuple(details),
            data=data,
            hints=("add a HEALTHCHECK to the image, or drop health from the expectation",),
        )
    restarts = f", {got.restart_count} restarts" if got.restart_count else ""
    return _result(exp, Status.OK, f"{exp.name} is {status_text}{restarts} ({got.image})", data=data)


def _eval_container(exp: ContainerExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.docker_container import DaemonUnavailable, container_state
    from srvdoctor.probes.timeout import call_with_timeout

    try:
        got = call_with_timeout(
            lambda: container_state(exp.name, ctx.timeout), ctx.timeout + 1, "docker inspect"
        )
    except DaemonUnavailable as exc:
        return _result(
            exp,
            Status.SKIP,
            f"no Docker daemon answers: {exc}",
            details=("start Docker (systemctl start docker) or set DOCKER_HOST, then run again",),
        )
    return judge_container(exp, got)


# --------------------------------------------------------------------------- gpu


def judge_gpu(exp: GpuExpect, gpus: list[GpuMemory] | str) -> Result:
    hints = ("nvidia-smi", "srvdoctor gpu")
    if isinstance(gpus, str):
        if exp.optional:
            return _result(
                exp,
                Status.SKIP,
                f"no usable GPU ({gpus}); optional = true",
                details=("install the NVIDIA driver on a GPU machine to check it",),
            )
        return _result(exp, Status.FAIL, f"no usable GPU ({gpus})", playbook=NO_GPU, hints=hints)
    need = exp.min_free_memory or 0
    fit = [g for g in gpus if g.free_bytes >= need]
    data = {
        "gpus": len(gpus),
        "matching": len(fit),
        "free_bytes": [g.free_bytes for g in gpus],
        "total_bytes": [g.total_bytes for g in gpus],
    }
    listing = ", ".join(f"GPU {g.index} {naturalsize(g.free_bytes)} free" for g in gpus)
    if len(fit) >= exp.count:
        free = f" with {naturalsize(need)} free" if need else ""
        return _result(exp, Status.OK, f"{len(fit)} of {len(gpus)} GPUs{free} ({listing})", data=data)
    if not gpus:
        summary = "NVML sees no GPU"
    elif need:
        summary = f"{len(fit)} GPUs have {naturalsize(need)} free, expected {exp.count} ({listing})"
    else:
        summary = f"{len(gpus)} GPUs visible, expected {exp.count}"
    if exp.optional and not gpus:
        return _result(exp, Status.SKIP, f"{summary}; optional = true", data=data)
    return _result(exp, Status.FAIL, summary, data=data, playbook=NO_GPU, hints=hints)


def _eval_gpu(exp: GpuExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.nvml_devices import NvmlUnavailable, gpu_memory
    from srvdoctor.probes.timeout import call_with_timeout

    def read() -> list[GpuMemory] | str:
        try:
            return call_with_timeout(gpu_memory, ctx.timeout, "NVML")
        except NvmlUnavailable as exc:
            return str(exc)

    return judge_gpu(exp, ctx.memo("expect.gpus", read))


# --------------------------------------------------------------------------- command


def judge_command(exp: CommandExpect, got: CommandOutcome, timeout: float) -> Result:
    hints = (exp.target,)
    data: dict[str, Any] = {"exit": got.exit, "elapsed_ms": round(got.elapsed_s * 1000, 1)}
    tail = [line for line in got.output.strip().splitlines() if line.strip()][-5:]
    details = tuple(f"| {line[:200]}" for line in tail)
    if got.problem == "timeout":
        return _result(
            exp,
            Status.FAIL,
            f"did not finish within {timeout:g} s (raise timeout = ...)",
            details=details,
            data=data,
            playbook=UNHEALTHY,
            hints=hints,
            elapsed=got.elapsed_s,
        )
    if got.problem:
        return _result(
            exp, Status.FAIL, got.output, data=data, playbook=UNHEALTHY, hints=hints, elapsed=got.elapsed_s
        )
    problems = []
    if got.exit != exp.exit:
        problems.append(f"exited {got.exit}, expected {exp.exit}")
    if exp.contains is not None and not exp.contains.found_in(got.output):
        problems.append(f"output does not contain {exp.contains.describe()}")
    if problems:
        return _result(
            exp,
            Status.FAIL,
            "; ".join(problems),
            details=details,
            data=data,
            playbook=UNHEALTHY,
            hints=hints,
            elapsed=got.elapsed_s,
        )
    return _result(
        exp,
        Status.OK,
        f"exited {got.exit} in {naturalduration(got.elapsed_s)}",
        data=data,
        elapsed=got.elapsed_s,
    )


def _eval_command(exp: CommandExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.run_command import run_argv

    timeout = exp_timeout(exp, ctx)
    return judge_command(exp, run_argv(exp.run, timeout), timeout)


# --------------------------------------------------------------------------- dispatch

_EVALUATORS: dict[type[Expectation], Callable[[Any, CheckContext], Result]] = {
    HttpExpect: _eval_http,
    PortExpect: _eval_port,
    ListenExpect: _eval_listen,
    PathExpect: _eval_path,
    ProcessExpect: _eval_process,
    ContainerExpect: _eval_container,
    GpuExpect: _eval_gpu,
    CommandExpect: _eval_command,
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
            out.append(_result(exp, Status.ERROR, f"could not be checked: {reason}", elapsed=limit))
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
    Skipped when no Docker daemon answers. Shell equivalent: `docker inspect NAME`.
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
