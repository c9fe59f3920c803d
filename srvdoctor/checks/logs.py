"""Logs area: problems in the kernel log, failed or crash-looping services, journald's size,
crashed containers. The probes read (bounded); these classes judge."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.logs_text import LogFinding, read_log
from srvdoctor.kernel_patterns import PATTERNS, classify_line
from srvdoctor.model import Result, Status
from srvdoctor.probes.kernellog import (
    ENABLE_HINT,
    MAX_BYTES,
    KernelLine,
    KernelLog,
    boot_time,
    read_kernel_log,
)
from srvdoctor.units import naturalsize

if TYPE_CHECKING:
    from srvdoctor.playbooks import Library

_STATUS = {"warn": Status.WARN, "fail": Status.FAIL}


def since_time(since_s: float) -> float:
    """`since_s` seconds ago, or boot when 0."""
    return time.time() - since_s if since_s > 0 else boot_time()


def when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t is not None else "?"


def since_words(since_s: float) -> str:
    if since_s <= 0:
        return "since boot"
    hours = since_s / 3600
    return f"in the last {hours:g} h" if hours >= 1 else f"in the last {since_s / 60:g} min"


@dataclass
class Problem:
    """One kind of kernel problem on one device: how often, when first and last."""

    kind: str
    title: str
    severity: str
    playbook: str
    device: str
    count: int = 0
    first: float | None = None
    last: float | None = None
    last_line: str = ""
    processes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    data: dict[str, object] = field(default_factory=dict)

    def add(self, line: KernelLine, process: str, pid: int | None) -> None:
        self.count += 1
        if line.time is not None:
            self.first = line.time if self.first is None else min(self.first, line.time)
            self.last = line.time if self.last is None else max(self.last, line.time)
        self.last_line = line.text
        label = (
            f"{process}[{pid}]" if process and pid is not None else process or (f"pid {pid}" if pid else "")
        )
        if label and label not in self.processes:
            self.processes.append(label)
        if line.source not in self.sources:
            self.sources.append(line.source)


def find_problems(lines: Sequence[KernelLine], hung_task_warn_s: int = 0) -> list[Problem]:
    """Kernel lines -> problems grouped by (kind, title, device), newest first."""
    groups: dict[tuple[str, str, str], Problem] = {}
    for line in lines:
        m = classify_line(line.text, hung_task_warn_s)
        if m is None:
            continue
        key = (m.pattern.kind, m.title, m.device)
        problem = groups.get(key)
        if problem is None:
            problem = groups[key] = Problem(m.pattern.kind, m.title, m.severity, m.pattern.playbook, m.device)
        problem.add(line, m.process, m.pid)
        for k, v in m.data.items():
            if k == "blocked_s":
                problem.data[k] = max(int(str(v)), int(str(problem.data.get(k, 0))))
            else:
                problem.data.setdefault(k, v)
    return sorted(groups.values(), key=lambda p: -(p.last or 0.0))


def _sources_words(log: KernelLog) -> str:
    read = ", ".join(f"{s.name} ({s.lines} lines{', cut' if s.truncated else ''})" for s in log.read)
    return read or "nothing"


@dataclass(frozen=True)
class KernelLogCheck:
    """Problems in the kernel log since boot (or the last `since_hours`): NVIDIA Xid and a GPU
    fallen off the bus, filesystem and disk I/O errors, read-only remounts, hung tasks and
    lockups, oopses, OOM kills, conntrack and TCP limits, CPU throttling, segfaults (see
    srvdoctor/kernel_patterns.py for the full table and each pattern's severity).

    One result per kind and device, newest first, with a count, first/last time and the
    process involved; one result naming what was read. Reads /dev/kmsg, `journalctl -k`
    and /var/log/kern.log, at most `max_mib` of each. A pattern's `fail` holds when its
    last line is within `recent_hours` (24); an older one warns. Hung tasks blocked less
    than `hung_task_warn_s` seconds are ignored. OOM kills are left to `mem.oom` in
    `check` (`srvdoctor logs` shows them: `include_oom`). Skip when no source can be read.
    Shell equivalent: `sudo dmesg -T --level=err,warn` / `journalctl -k -p warning -b`.
    """

    id: ClassVar[str] = "logs.kernel"
    timeout_factor: ClassVar[float] = 3.0
    area: ClassVar[str] = "logs"
    playbooks: ClassVar[tuple[str, ...]] = tuple(dict.fromkeys(p.playbook for p in PATTERNS))
    since_hours: float = 0.0
    max_mib: float = MAX_BYTES / 1024 / 1024
    hung_task_warn_s: int = 0
    recent_hours: float = 24.0
    include_oom: bool = False

    def run(self, ctx: CheckContext) -> list[Result]:
        since_s = self.since_hours * 3600
        log = ctx.memo(
            f"logs.kernel:{since_s}:{self.max_mib}",
            lambda: read_kernel_log(since_time(since_s), ctx.timeout, int(self.max_mib * 1024 * 1024)),
        )
        return self.judge(log, since_s)

    def judge(self, log: KernelLog, since_s: float = 0.0, now: float | None = None) -> list[Result]:
        window = since_words(since_s)
        now = time.time() if now is None else now
        unreadable = [f"{s.name}: {s.reason}" for s in log.unreadable]
        if not log.read:
            return [
                Result(self.id, "kernel log", Status.SKIP,
                       f"no kernel log source could be read ({'; '.join(unreadable) or 'none present'})",
                       details=(f"to enable: {ENABLE_HINT}",),
                       data={"sources": [s.to_dict() for s in log.sources]})
            ]  # fmt: skip
        problems = find_problems(log.lines, self.hung_task_warn_s)
        if not self.include_oom:
            problems = [p for p in problems if p.kind != "oom-kill"]
        results = [self.judge_problem(p, now) for p in problems]
        details = [f"read: {_sources_words(log)}"]
        if unreadable:
            details.append("could not read: " + "; ".join(unreadable) + f" (to enable: {ENABLE_HINT})")
        if any(s.truncated for s in log.read):
            details.append(
                f"cut: only the newest {self.max_mib:g} MiB (journal: newest lines) of a source were read"
            )
        summary = (
            f"{len(problems)} kind(s) of kernel problem {window} in {len(log.lines)} lines"
            if problems
            else f"no kernel problems {window} in {len(log.lines)} lines read"
        )
        if unreadable:
            summary += " (could not read " + "; ".join(f"{s.name}: {s.reason}" for s in log.unreadable) + ")"
        results.append(
            Result(self.id, "kernel log", Status.OK, summary, details=tuple(details),
                   data={"lines": len(log.lines), "problems": len(problems),
                         "sources": [s.to_dict() for s in log.sources]})
        )  # fmt: skip
        return results

    def judge_problem(self, p: Problem, now: float) -> Result:
        target = p.device or p.kind
        times = f"first {when(p.first)}, last {when(p.last)}" if p.count > 1 else f"at {when(p.last)}"
        where = f" on {p.device}" if p.device else ""
        summary = f"{p.title}{where}: {p.count}× ({times})"
        details = [f"last line: {p.last_line[:300]}"]
        if p.processes:
            details.append("process: " + ", ".join(p.processes[:5]) + (" …" if len(p.processes) > 5 else ""))
        if "cause" in p.data:
            details.append(f"likely cause: {p.data['cause']}; what to do: {p.data['action']}")
        if "blocked_s" in p.data:
            details.append(f"blocked for up to {p.data['blocked_s']} s")
        if "library" in p.data:
            details.append(f"crashed in {p.data['library']}")
        details.append("seen in: " + ", ".join(p.sources))
        status = _STATUS[p.severity]
        if status is Status.FAIL and p.last is not None and now - p.last > self.recent_hours * 3600:
            status = Status.WARN
            details.append(f"last seen more than {self.recent_hours:g} h ago")
        data: dict[str, object] = {
            "kind": p.kind, "device": p.device, "count": p.count, "first": p.first, "last": p.last,
            "processes": p.processes, "sources": p.sources, "line": p.last_line, **p.data,
        }  # fmt: skip
        return Result(self.id, target, status, summary, details=tuple(details), data=data,
                      playbook=p.playbook, hints=(self.hint(p),))  # fmt: skip

    @staticmethod
    def hint(p: Problem) -> str:
        """The command that shows these lines in the kernel's own log."""
        import shlex

        from srvdoctor.kernel_patterns import PATTERNS

        key = p.device or next((pat.any_of[0] for pat in PATTERNS if pat.kind == p.kind), p.kind)
        return f"sudo dmesg -T | grep -F -- {shlex.quote(key)}"


def finding_details(f: LogFinding) -> tuple[str, ...]:
    out = [f"first error (line {f.first_error_lineno} of {f.lines_read} read): {f.first_error}"]
    out.append(f"class: {f.error_class}")
    if f.error_count > 1 and f.last_error and f.last_error != f.first_error:
        out.append(f"{f.error_count} error lines; the last: {f.last_error[:200]}")
    if len(f.playbooks) > 1:
        out.append("notes that also match: " + ", ".join(f.playbooks[1:4]))
    return tuple(out)


def library_for(ctx: CheckContext) -> Library:
    """The notes, loaded once per run."""
    from srvdoctor.playbooks import load_library

    return ctx.memo("playbooks.library", lambda: load_library(ctx.config.resolved_notes_dir()))


@dataclass(frozen=True)
class ServiceUnits:
    """systemd services that failed or restart in a loop (NRestarts ≥ `restart_warn`), each
    with the first error of its last log lines, classified by triage. Skip where systemd is
    not PID 1. Shell equivalent: `systemctl --failed`;
    `systemctl show -p NRestarts UNIT`; `journalctl -u UNIT -n 200`.
    """

    id: ClassVar[str] = "logs.units"
    timeout_factor: ClassVar[float] = 3.0
    area: ClassVar[str] = "logs"
    playbooks: ClassVar[tuple[str, ...]] = ()
    restart_warn: int = 3

    def run(self, ctx: CheckContext) -> list[Result]:
        from srvdoctor.probes import journal

        reason = journal.systemd_reason()
        if reason is not None:
            return [Result(self.id, "systemd", Status.SKIP, f"no systemd services to read: {reason}")]
        try:
            units = journal.units(ctx.timeout)
        except Exception as exc:
            return [Result(self.id, "systemd", Status.ERROR, f"systemctl could not list units: {exc}")]
        results = []
        for unit in units:
            failed = unit.active == "failed"
            looping = unit.restarts >= self.restart_warn
            if not (failed or looping):
                continue
            try:
                text = journal.unit_log(unit.name, ctx.timeout)
                finding: LogFinding | None = read_log(text, library_for(ctx))
                note = ""
            except Exception as exc:
                finding, note = None, f"its log could not be read: {exc}"
            results.append(self.judge(unit, finding, note))
        if not results:
            results.append(Result(self.id, "systemd", Status.OK,
                                  f"{len(units)} service units: none failed or restarting "
                                  f"≥ {self.restart_warn}×"))  # fmt: skip
        return results

    def judge(self, unit: object, finding: LogFinding | None, note: str = "") -> Result:
        from srvdoctor.probes.journal import Unit

        assert isinstance(unit, Unit)
        what = (f"failed ({unit.result or unit.sub})" if unit.active == "failed"
                else f"restarted {unit.restarts}× ({unit.active}/{unit.sub})")  # fmt: skip
        status = Status.FAIL if unit.active == "failed" else Status.WARN
        summary = f"{unit.name} {what}"
        details: tuple[str, ...] = (note,) if note else ()
        playbook = "oom-killed" if unit.result == "oom-kill" else None
        if finding is not None and finding.found:
            summary += f": {finding.first_error[:160]}"
            details = finding_details(finding)
            playbook = playbook or (finding.playbooks[0] if finding.playbooks else None)
        data = {**unit.to_dict(), **(finding.to_dict() if finding else {})}
        return Result(self.id, unit.name, status, summary, details=details, data=data, playbook=playbook,
                      hints=(f"srvdoctor logs --unit {unit.name}",
                             f"journalctl -u {unit.name} -b"))  # fmt: skip


@dataclass(frozen=True)
class JournaldUsage:
    """journald's disk use against its limit (SystemMaxUse, else 10% of the filesystem up to
    4 GiB). Warn when it uses more than the limit allows (a limit changed without restarting
    journald, or a runaway log) or more than `warn_gib`. Skip without systemd. Shell
    equivalent: `journalctl --disk-usage`; `grep SystemMaxUse /etc/systemd/journald.conf`.
    """

    id: ClassVar[str] = "logs.journald"
    area: ClassVar[str] = "logs"
    playbooks: ClassVar[tuple[str, ...]] = ("disk-full",)
    warn_gib: float = 8.0

    def run(self, ctx: CheckContext) -> list[Result]:
        from srvdoctor.probes import journal

        reason = journal.systemd_reason()
        if reason is not None:
            return [Result(self.id, "journald", Status.SKIP, f"no journald to measure: {reason}")]
        try:
            usage = journal.journal_usage(ctx.timeout)
        except Exception as exc:
            return [Result(self.id, "journald", Status.ERROR, f"journalctl --disk-usage failed: {exc}")]
        return [self.judge(usage.used_bytes, usage.limit_bytes, usage.limit_source)]

    def judge(self, used: int, limit: int | None, source: str) -> Result:
        over_limit = limit is not None and used > limit * 1.05
        big = used > self.warn_gib * 1024**3
        status = Status.WARN if over_limit or big else Status.OK
        limit_words = naturalsize(limit) if limit is not None else "the default limit"
        summary = f"journald uses {naturalsize(used)} of {limit_words} ({source})"
        hints = (
            ("sudo journalctl --vacuum-size=1G", "set SystemMaxUse= in /etc/systemd/journald.conf")
            if status is Status.WARN
            else ()
        )
        return Result(self.id, "journald", status, summary,
                      data={"used_bytes": used, "limit_bytes": limit, "limit_source": source},
                      playbook="disk-full" if status is Status.WARN else None, hints=hints)  # fmt: skip


@dataclass(frozen=True)
class CrashedContainers:
    """Containers that exited non-zero or were OOM-killed since boot (or the last
    `since_hours`), or restart in a loop; each with the first error of its last
    `tail_lines` log lines, classified by triage. Skip without a Docker daemon. Shell
    equivalent: `docker ps -a --filter status=exited`; `docker logs --tail 200 NAME`.
    """

    id: ClassVar[str] = "logs.containers"
    timeout_factor: ClassVar[float] = 3.0
    area: ClassVar[str] = "logs"
    playbooks: ClassVar[tuple[str, ...]] = ("oom-killed",)
    since_hours: float = 0.0
    tail_lines: int = 200

    def run(self, ctx: CheckContext) -> list[Result]:
        from srvdoctor.probes import container_logs
        from srvdoctor.probes.docker import DockerSession, DockerUnavailable, connect

        def factory() -> DockerSession | DockerUnavailable:
            try:
                return connect(ctx.timeout)
            except DockerUnavailable as exc:
                return exc

        session = ctx.memo("docker.session", factory)
        if isinstance(session, DockerUnavailable):
            return [Result(self.id, "docker", Status.SKIP, f"no Docker daemon to ask: {session.reason}")]
        since_s = self.since_hours * 3600
        runs, total = container_logs.troubled(session, since_time(since_s))
        results = []
        for run in runs:
            try:
                text, cut = container_logs.tail(session, run.id, self.tail_lines)
                finding: LogFinding | None = read_log(text, library_for(ctx))
            except Exception:
                finding, cut = None, False
            results.append(judge_container(self.id, run, finding, cut))
        if not results:
            results.append(Result(self.id, "docker", Status.OK,
                                  f"{total} containers: none exited non-zero, OOM-killed or restarting "
                                  f"{since_words(since_s)}"))  # fmt: skip
        return results


def judge_container(check_id: str, run: object, finding: LogFinding | None, cut: bool = False) -> Result:
    """One container: how it ended (exit code, OOM kill, restarts) and its first error."""
    from srvdoctor.probes.container_logs import ContainerRun

    assert isinstance(run, ContainerRun)
    playbook: str | None = None
    if run.oom_killed:
        state, status, playbook = "was OOM-killed", Status.FAIL, "oom-killed"
    elif run.status == "exited" and run.exit_code:
        state, status = f"exited with code {run.exit_code} at {when(run.finished_at)}", Status.FAIL
    elif run.status == "restarting" or run.restart_count:
        state, status = f"restarts in a loop ({run.restart_count} restarts, now {run.status})", Status.WARN
    else:
        state, status = f"is {run.status}", Status.OK
    summary = f"container {run.name} {state}"
    details: tuple[str, ...] = ()
    if finding is not None and finding.found:
        summary += f": {finding.first_error[:160]}"
        details = finding_details(finding)
        playbook = playbook or (finding.playbooks[0] if finding.playbooks else None)
        if status is Status.OK:
            status = Status.WARN
    elif finding is not None:
        details = (f"no error lines in the last {finding.lines_read} log lines",)
    else:
        details = ("its log could not be read",)
    if cut:
        details += ("cut: only the last lines of the log were read",)
    data = {**run.to_dict(), **(finding.to_dict() if finding else {}), "cut": cut}
    return Result(check_id, run.name, status, summary, details=details, data=data, playbook=playbook,
                  hints=(f"srvdoctor logs --container {run.name}",
                         f"docker logs --tail 200 {run.name}"))  # fmt: skip


CHECKS = (KernelLogCheck, ServiceUnits, JournaldUsage, CrashedContainers)
