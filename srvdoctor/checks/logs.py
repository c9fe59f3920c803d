"""Logs area: problems in the kernel log, failed or crash-looping services, journald's size,
crashed containers. The probes read (bounded); these classes judge."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import field
from typing import TYPE_CHECKING, ClassVar

from srvdoctor.checks.base import CheckContext
from srvdoctor.checks.logs_text import LogFinding, read_log
from srvdoctor.kernel_patterns import PATTERNS, candidate_lines, classify_line
from srvdoctor.messages import Msg, join, t
from srvdoctor.model import Result, Status
from srvdoctor.probes.kernellog import (
    ENABLE_HINT,
    MAX_BYTES,
    KernelLine,
    KernelLog,
    boot_time,
    read_kernel_log,
)
from srvdoctor.record import dataclass
from srvdoctor.units import naturalsize

if TYPE_CHECKING:
    from srvdoctor.playbooks import Library

_STATUS = {"warn": Status.WARN, "fail": Status.FAIL}
#: An Xid's likely culprit (kernel_patterns.XidCode.cause), as words a person reads.
_CAUSE_WORDS = {"application": t("application"), "driver": t("driver"), "hardware": t("hardware")}


def _exc_text(exc: BaseException) -> str:
    """`str(exc)`, keeping a translatable message an exception was raised with."""
    if len(exc.args) == 1 and isinstance(exc.args[0], Msg):
        return exc.args[0]
    return str(exc)


def since_time(since_s: float) -> float:
    """`since_s` seconds ago, or boot when 0."""
    return time.time() - since_s if since_s > 0 else boot_time()


def when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t is not None else "?"


def since_words(since_s: float) -> str:
    if since_s <= 0:
        return t("since boot")
    hours = since_s / 3600
    return (
        t("in the last {hours:g} h", hours=hours)
        if hours >= 1
        else t("in the last {minutes:g} min", minutes=since_s / 60)
    )


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
    for index in candidate_lines([line.text for line in lines]):
        line = lines[index]
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
    read = join(
        ", ",
        [
            t("{name} ({lines} lines, cut)", name=s.name, lines=s.lines)
            if s.truncated
            else t("{name} ({lines} lines)", name=s.name, lines=s.lines)
            for s in log.read
        ],
    )
    return read or t("nothing")


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
        unreadable = [join(": ", [s.name, s.reason]) for s in log.unreadable]
        if not log.read:
            return [
                Result(self.id, "kernel log", Status.SKIP,
                       t("no kernel log source could be read ({reasons})",
                         reasons=join("; ", unreadable) or t("none present")),
                       details=(t("to enable: {hint}", hint=ENABLE_HINT),),
                       data={"sources": [s.to_dict() for s in log.sources]})
            ]  # fmt: skip
        if not log.lines and not since_s:
            # a kernel that booted has logged something: an empty source is an unread one (an LXC
            # container's /dev/kmsg bound to /dev/null, a cleared ring buffer), never "no problems"
            return [
                Result(self.id, "kernel log", Status.SKIP,
                       t("the kernel log read empty ({sources}): nothing to judge",
                         sources=_sources_words(log)),
                       details=(t("to enable: {hint}", hint=ENABLE_HINT),),
                       data={"sources": [s.to_dict() for s in log.sources]})
            ]  # fmt: skip
        problems = find_problems(log.lines, self.hung_task_warn_s)
        if not self.include_oom:
            problems = [p for p in problems if p.kind != "oom-kill"]
        results = [self.judge_problem(p, now) for p in problems]
        details: list[str] = [t("read: {sources}", sources=_sources_words(log))]
        if unreadable:
            details.append(
                t(
                    "could not read: {reasons} (to enable: {hint})",
                    reasons=join("; ", unreadable),
                    hint=ENABLE_HINT,
                )
            )
        if any(s.truncated for s in log.read):
            details.append(
                t(
                    "cut: only the newest {mib:g} MiB (journal: newest lines) of a source were read",
                    mib=self.max_mib,
                )
            )
        summary = (
            t("{count} kind(s) of kernel problem {window} in {lines} lines",
              count=len(problems), window=window, lines=len(log.lines))
            if problems
            else t("no kernel problems {window} in {lines} lines read", window=window, lines=len(log.lines))
        )  # fmt: skip
        if unreadable:
            summary = t(
                "{summary} (could not read {reasons})", summary=summary, reasons=join("; ", unreadable)
            )
        results.append(
            Result(self.id, "kernel log", Status.OK, summary, details=tuple(details),
                   data={"lines": len(log.lines), "problems": len(problems),
                         "sources": [s.to_dict() for s in log.sources]})
        )  # fmt: skip
        return results

    def judge_problem(self, p: Problem, now: float) -> Result:
        target = p.device or p.kind
        times = (
            t("first {first}, last {last}", first=when(p.first), last=when(p.last))
            if p.count > 1
            else t("at {time}", time=when(p.last))
        )
        where = t(" on {device}", device=p.device) if p.device else ""
        summary = t(
            "{title}{where}: {count}× ({times})", title=p.title, where=where, count=p.count, times=times
        )
        details: list[str] = [t("last line: {line}", line=p.last_line[:300])]
        if p.processes:
            details.append(
                t(
                    "process: {processes}",
                    processes=", ".join(p.processes[:5]) + (" …" if len(p.processes) > 5 else ""),
                )
            )
        if "cause" in p.data:
            cause = str(p.data["cause"])
            details.append(
                t(
                    "likely cause: {cause}; what to do: {action}",
                    cause=_CAUSE_WORDS.get(cause, cause),
                    action=p.data["action"],
                )
            )
        if "blocked_s" in p.data:
            details.append(t("blocked for up to {seconds} s", seconds=p.data["blocked_s"]))
        if "library" in p.data:
            details.append(t("crashed in {library}", library=p.data["library"]))
        details.append(t("seen in: {sources}", sources=join(", ", p.sources)))
        status = _STATUS[p.severity]
        if status is Status.FAIL and p.last is not None and now - p.last > self.recent_hours * 3600:
            status = Status.WARN
            details.append(t("last seen more than {hours:g} h ago", hours=self.recent_hours))
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
    out: list[str] = [
        t(
            "first error (line {line} of {total} read): {error}",
            line=f.first_error_lineno,
            total=f.lines_read,
            error=f.first_error,
        )
    ]
    out.append(t("class: {error_class}", error_class=f.error_class))
    if f.error_count > 1 and f.last_error and f.last_error != f.first_error:
        out.append(t("{count} error lines; the last: {line}", count=f.error_count, line=f.last_error[:200]))
    if len(f.playbooks) > 1:
        out.append(t("notes that also match: {ids}", ids=", ".join(f.playbooks[1:4])))
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
            return [
                Result(
                    self.id, "systemd", Status.SKIP, t("no systemd services to read: {reason}", reason=reason)
                )
            ]
        try:
            units = journal.units(ctx.timeout)
        except Exception as exc:
            return [
                Result(
                    self.id,
                    "systemd",
                    Status.ERROR,
                    t("systemctl could not list units: {error}", error=_exc_text(exc)),
                )
            ]
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
                finding, note = None, t("its log could not be read: {error}", error=_exc_text(exc))
            results.append(self.judge(unit, finding, note))
        if not results:
            results.append(Result(self.id, "systemd", Status.OK,
                                  t("{count} service units: none failed or restarting ≥ {restarts}×",
                                    count=len(units), restarts=self.restart_warn)))  # fmt: skip
        return results

    def judge(self, unit: object, finding: LogFinding | None, note: str = "") -> Result:
        from srvdoctor.probes.journal import Unit

        assert isinstance(unit, Unit)
        what = (t("failed ({result})", result=unit.result or unit.sub) if unit.active == "failed"
                else t("restarted {restarts}× ({active}/{sub})", restarts=unit.restarts, active=unit.active,
                       sub=unit.sub))  # fmt: skip
        status = Status.FAIL if unit.active == "failed" else Status.WARN
        summary = join(" ", [unit.name, what])
        details: tuple[str, ...] = (note,) if note else ()
        playbook = "oom-killed" if unit.result == "oom-kill" else None
        if finding is not None and finding.found:
            summary = join(": ", [summary, finding.first_error[:160]])
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
            return [
                Result(self.id, "journald", Status.SKIP, t("no journald to measure: {reason}", reason=reason))
            ]
        try:
            usage = journal.journal_usage(ctx.timeout)
        except Exception as exc:
            return [
                Result(
                    self.id,
                    "journald",
                    Status.ERROR,
                    t("journalctl --disk-usage failed: {error}", error=_exc_text(exc)),
                )
            ]
        return [self.judge(usage.used_bytes, usage.limit_bytes, usage.limit_source)]

    def judge(self, used: int, limit: int | None, source: str) -> Result:
        over_limit = limit is not None and used > limit * 1.05
        big = used > self.warn_gib * 1024**3
        status = Status.WARN if over_limit or big else Status.OK
        limit_words = naturalsize(limit) if limit is not None else t("the default limit")
        summary = t(
            "journald uses {used} of {limit} ({source})",
            used=naturalsize(used),
            limit=limit_words,
            source=source,
        )
        hints = (
            ("sudo journalctl --vacuum-size=1G", t("set SystemMaxUse= in /etc/systemd/journald.conf"))
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
            return [
                Result(
                    self.id,
                    "docker",
                    Status.SKIP,
                    t("no Docker daemon to ask: {reason}", reason=session.reason),
                )
            ]
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
                                  t("{total} containers: none exited non-zero, OOM-killed or restarting "
                                    "{window}", total=total, window=since_words(since_s))))  # fmt: skip
        return results


def judge_container(check_id: str, run: object, finding: LogFinding | None, cut: bool = False) -> Result:
    """One container: how it ended (exit code, OOM kill, restarts) and its first error."""
    from srvdoctor.probes.container_logs import ContainerRun

    assert isinstance(run, ContainerRun)
    playbook: str | None = None
    if run.oom_killed:
        state, status, playbook = (
            t("container {name} was OOM-killed", name=run.name),
            Status.FAIL,
            "oom-killed",
        )
    elif run.status == "exited" and run.exit_code:
        state, status = (
            t("container {name} exited with code {code} at {time}", name=run.name, code=run.exit_code,
              time=when(run.finished_at)),
            Status.FAIL,
        )  # fmt: skip
    elif run.status == "restarting" or run.restart_count:
        state, status = (
            t("container {name} restarts in a loop ({restarts} restarts, now {status})", name=run.name,
              restarts=run.restart_count, status=run.status),
            Status.WARN,
        )  # fmt: skip
    else:
        state, status = t("container {name} is {status}", name=run.name, status=run.status), Status.OK
    summary: str = state
    details: tuple[str, ...] = ()
    if finding is not None and finding.found:
        summary = join(": ", [summary, finding.first_error[:160]])
        details = finding_details(finding)
        playbook = playbook or (finding.playbooks[0] if finding.playbooks else None)
        if status is Status.OK:
            status = Status.WARN
    elif finding is not None:
        details = (t("no error lines in the last {lines} log lines", lines=finding.lines_read),)
    else:
        details = (t("its log could not be read"),)
    if cut:
        details += (t("cut: only the last lines of the log were read"),)
    data = {**run.to_dict(), **(finding.to_dict() if finding else {}), "cut": cut}
    return Result(check_id, run.name, status, summary, details=details, data=data, playbook=playbook,
                  hints=(f"srvdoctor logs --container {run.name}",
                         f"docker logs --tail 200 {run.name}"))  # fmt: skip


CHECKS = (KernelLogCheck, ServiceUnits, JournaldUsage, CrashedContainers)
