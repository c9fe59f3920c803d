"""Run one argv (never through a shell) with a timeout: exit status and bounded output."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

from srvdoctor.record import dataclass

#: Characters of stdout+stderr kept for matching and reporting.
MAX_OUTPUT = 64 * 1024


@dataclass(frozen=True)
class CommandOutcome:
    argv: tuple[str, ...]
    exit: int | None  # None when it did not finish or could not start
    output: str  # stdout then stderr, cut to MAX_OUTPUT
    elapsed_s: float
    problem: str | None = None  # not-found | permission | timeout | error


def run_in_group(argv: tuple[str, ...], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Like subprocess.run, but the command gets a process group of its own, and on timeout
    the whole group is stopped: a grandchild holding the output pipe cannot hang srvdoctor."""
    with subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    ) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            raise subprocess.TimeoutExpired(argv, timeout, stdout, stderr) from exc
    return subprocess.CompletedProcess(list(argv), proc.returncode, stdout, stderr)


def run_argv(argv: tuple[str, ...], timeout: float) -> CommandOutcome:
    started = time.perf_counter()
    try:
        proc = run_in_group(argv, timeout)
    except FileNotFoundError:
        return CommandOutcome(
            argv, None, f"{argv[0]}: command not found", time.perf_counter() - started, "not-found"
        )
    except PermissionError:
        return CommandOutcome(
            argv,
            None,
            f"{argv[0]}: permission denied (not executable?)",
            time.perf_counter() - started,
            "permission",
        )
    except subprocess.TimeoutExpired as exc:
        partial = (exc.stdout or b"") + (exc.stderr or b"")
        return CommandOutcome(
            argv,
            None,
            partial.decode("utf-8", "replace")[:MAX_OUTPUT],
            time.perf_counter() - started,
            "timeout",
        )
    except OSError as exc:
        return CommandOutcome(
            argv, None, f"{argv[0]}: {exc.strerror}", time.perf_counter() - started, "error"
        )
    output = (proc.stdout + proc.stderr).decode("utf-8", "replace")[:MAX_OUTPUT]
    return CommandOutcome(argv, proc.returncode, output, time.perf_counter() - started)
