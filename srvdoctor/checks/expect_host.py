"""Host expectations: `[[expect.path]]`, `[[expect.process]]`, `[[expect.container]]`,
`[[expect.gpu]]` and `[[expect.command]]`.

The `judge_*` functions are pure (probe values in, a Result out); the `eval_*` ones read
the system through the probes and judge what they read.
"""

from __future__ import annotations

import shlex
import time
from typing import Any

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.expect_result import NO_GPU, STALE, UNHEALTHY, exp_timeout
from srvdoctor.checks.expect_result import result as _result
from srvdoctor.expect.model import CommandExpect, ContainerExpect, GpuExpect, PathExpect, ProcessExpect
from srvdoctor.messages import join, t
from srvdoctor.model import Result, Status
from srvdoctor.probes.docker import ContainerMissing, ContainerState
from srvdoctor.probes.nvml import GpuMemory
from srvdoctor.probes.path_stat import PathInfo, PathProblem
from srvdoctor.probes.process_table import ProcessInfo
from srvdoctor.probes.run_command import CommandOutcome
from srvdoctor.shellcmd import cmd
from srvdoctor.units import naturalduration, naturalsize

# --------------------------------------------------------------------------- path


def judge_path(exp: PathExpect, got: PathInfo | PathProblem, now: float) -> Result:
    hints = (f"ls -la --time-style=full-iso {shlex.quote(exp.path)}",)
    if isinstance(got, PathProblem):
        return _result(exp, Status.FAIL, got.message, data={"error": got.reason}, playbook=STALE, hints=hints)
    age = max(0.0, now - got.mtime)
    data = {"type": got.type, "size_bytes": got.size_bytes, "age_s": round(age, 3)}
    problems: list[str] = []
    if exp.type not in ("any", got.type):
        problems.append(t("is a {type}, expected a {wanted}", type=got.type, wanted=exp.type))
    if exp.min_bytes is not None:
        if got.type != "file":
            problems.append(t("is a {type}; min_bytes needs a file", type=got.type))
        elif got.size_bytes < exp.min_bytes:
            problems.append(
                t(
                    "is {size}, smaller than {minimum}",
                    size=naturalsize(got.size_bytes),
                    minimum=naturalsize(exp.min_bytes),
                )
            )
    if exp.max_age is not None and age > exp.max_age:
        problems.append(
            t(
                "was last modified {age} ago (max_age {max_age})",
                age=naturalduration(age),
                max_age=naturalduration(exp.max_age),
            )
        )
    if problems:
        summary = t("{target} {problems}", target=exp.path, problems=join("; ", problems))
        return _result(exp, Status.FAIL, summary, data=data, playbook=STALE, hints=hints)
    age_text = naturalduration(age)
    if got.type == "file":
        summary = t(
            "{path} is a {type}, {size}, modified {age} ago",
            path=exp.path,
            type=got.type,
            size=naturalsize(got.size_bytes),
            age=age_text,
        )
    else:
        summary = t("{path} is a {type}, modified {age} ago", path=exp.path, type=got.type, age=age_text)
    return _result(exp, Status.OK, summary, data=data)


def eval_path(exp: PathExpect, ctx: CheckContext) -> Result:
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
        running = t("{n} running (pid {pids})", n=len(found), pids=shown) if found else t("0 running")
        return _result(exp, Status.OK, running, data=data)
    what = (
        f"pgrep -a {shlex.quote(exp.name)}"
        if exp.name
        else f"pgrep -af {shlex.quote(exp.cmdline.pattern if exp.cmdline else '')}"
    )
    want = t("at least {n}", n=exp.min) if exp.min != 1 else t("one")
    if found:
        summary = t("{n} running, expected {want} (pid {pids})", n=len(found), want=want, pids=shown)
    else:
        summary = t("{n} running, expected {want}", n=len(found), want=want)
    return _result(exp, Status.FAIL, summary, data=data, playbook=UNHEALTHY, hints=(what,))


def eval_process(exp: ProcessExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.process_table import processes
    from srvdoctor.probes.timeout import call_with_timeout

    procs = ctx.memo("expect.processes", lambda: call_with_timeout(processes, ctx.timeout, "process table"))
    return judge_process(exp, procs)


# --------------------------------------------------------------------------- container


def judge_container(exp: ContainerExpect, got: ContainerState | ContainerMissing) -> Result:
    hints = (cmd("docker", "logs", "--tail", "50", exp.name), cmd("docker", "inspect", exp.name))
    if isinstance(got, ContainerMissing):
        return _result(
            exp,
            Status.FAIL,
            t("no container named {name}", name=exp.name),
            playbook=UNHEALTHY,
            hints=("docker ps -a",),
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
        args = {"status": got.status, "code": got.exit_code, "wanted": exp.state}
        if got.status == "exited" and got.oom_killed:
            problems.append(t("is {status} (exit {code}, OOM-killed), expected {wanted}", **args))
        elif got.status == "exited":
            problems.append(t("is {status} (exit {code}), expected {wanted}", **args))
        else:
            problems.append(t("is {status}, expected {wanted}", **args))
    if exp.max_restarts is not None and got.restart_count > exp.max_restarts:
        problems.append(t("restarted {n} times (max {max})", n=got.restart_count, max=exp.max_restarts))
    warn = False
    if exp.health:
        if got.health is None:
            warn = True
            details.append(t("the image has no HEALTHCHECK, so health was not checked"))
        elif got.health != exp.health:
            problems.append(t("health is {health}, expected {wanted}", health=got.health, wanted=exp.health))
            if got.health_log:
                details.append(t("last healthcheck output: {output}", output=got.health_log[:300]))
    status_text = got.status + (f", {got.health}" if got.health else "")
    if problems:
        return _result(
            exp,
            Status.FAIL,
            t("{target} {problems}", target=exp.name, problems=join("; ", problems)),
            details=tuple(details),
            data=data,
            playbook=UNHEALTHY,
            hints=hints,
        )
    if warn:
        return _result(
            exp,
            Status.WARN,
            t("{name} is {status} but has no healthcheck", name=exp.name, status=status_text),
            details=tuple(details),
            data=data,
            hints=(t("add a HEALTHCHECK to the image, or drop health from the expectation"),),
        )
    args = {"name": exp.name, "status": status_text, "n": got.restart_count, "image": got.image}
    if got.restart_count:
        summary = t("{name} is {status}, {n} restarts ({image})", **args)
    else:
        summary = t("{name} is {status} ({image})", **args)
    return _result(exp, Status.OK, summary, data=data)


def eval_container(exp: ContainerExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.docker import DockerUnavailable, container_state

    try:
        got = container_state(exp.name, ctx.timeout)
    except DockerUnavailable as exc:
        if exc.kind == "permission":  # a daemon this user may not use: no root, not in the docker group
            return _result(
                exp,
                Status.SKIP,
                t("cannot use the Docker daemon: {reason}", reason=exc.reason),
                details=(
                    t("or run the command with sudo: {command}", command="sudo srvdoctor check"),
                    t(
                        "fix: {command}, then log out and back in (or: {alternative})",
                        command="sudo usermod -aG docker $USER",
                        alternative="newgrp docker",
                    ),
                ),
            )
        if exc.kind in ("timeout", "error"):  # a daemon that is there but does not answer: not a skip
            return _result(
                exp,
                Status.ERROR,
                t("the Docker daemon does not answer: {reason}", reason=exc.reason),
                hints=("docker info", "sudo journalctl -u docker -n 50"),
            )
        return _result(
            exp,
            Status.SKIP,
            t("no Docker daemon answers: {why}", why=exc.reason),
            details=(t("start Docker (systemctl start docker) or set DOCKER_HOST, then run again"),),
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
                t("no usable GPU ({why}); optional = true", why=gpus),
                details=(t("install the NVIDIA driver on a GPU machine to check it"),),
            )
        return _result(exp, Status.FAIL, t("no usable GPU ({why})", why=gpus), playbook=NO_GPU, hints=hints)
    need = exp.min_free_memory or 0
    fit = [g for g in gpus if g.free_bytes >= need]
    data = {
        "gpus": len(gpus),
        "matching": len(fit),
        "free_bytes": [g.free_bytes for g in gpus],
        "total_bytes": [g.total_bytes for g in gpus],
    }
    listing = join(
        ", ", [t("GPU {index} {free} free", index=g.index, free=naturalsize(g.free_bytes)) for g in gpus]
    )
    args = {
        "fit": len(fit),
        "total": len(gpus),
        "need": naturalsize(need),
        "listing": listing,
        "want": exp.count,
    }
    if len(fit) >= exp.count:
        if need:
            return _result(
                exp, Status.OK, t("{fit} of {total} GPUs with {need} free ({listing})", **args), data=data
            )
        return _result(exp, Status.OK, t("{fit} of {total} GPUs ({listing})", **args), data=data)
    summary: str
    if not gpus:
        summary = t("NVML sees no GPU")
    elif need:
        summary = t("{fit} GPUs have {need} free, expected {want} ({listing})", **args)
    else:
        summary = t("{total} GPUs visible, expected {want}", **args)
    if exp.optional and not gpus:
        return _result(exp, Status.SKIP, t("{summary}; optional = true", summary=summary), data=data)
    return _result(exp, Status.FAIL, summary, data=data, playbook=NO_GPU, hints=hints)


def eval_gpu(exp: GpuExpect, ctx: CheckContext) -> Result:
    from srvdoctor.checks.gpu_common import gpu_reading
    from srvdoctor.probes.nvml import NvmlUnavailable, gpu_memory

    # the reading the gpu.* checks judge, when they run too (one NVML pass, bounded by the timeout)
    reading = gpu_reading(ctx)
    return judge_gpu(exp, reading.message if isinstance(reading, NvmlUnavailable) else gpu_memory(reading))


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
            t("did not finish within {timeout:g} s (raise timeout = ...)", timeout=timeout),
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
    problems: list[str] = []
    if got.exit != exp.exit:
        problems.append(t("exited {code}, expected {wanted}", code=got.exit, wanted=exp.exit))
    if exp.contains is not None and not exp.contains.found_in(got.output):
        problems.append(t("output does not contain {what}", what=exp.contains.describe()))
    if problems:
        return _result(
            exp,
            Status.FAIL,
            join("; ", problems),
            details=details,
            data=data,
            playbook=UNHEALTHY,
            hints=hints,
            elapsed=got.elapsed_s,
        )
    return _result(
        exp,
        Status.OK,
        t("exited {code} in {took}", code=got.exit, took=naturalduration(got.elapsed_s)),
        data=data,
        elapsed=got.elapsed_s,
    )


def eval_command(exp: CommandExpect, ctx: CheckContext) -> Result:
    from srvdoctor.probes.run_command import run_argv

    timeout = exp_timeout(exp, ctx)
    return judge_command(exp, run_argv(exp.run, timeout), timeout)
