"""The scanner's forked workers: how many, what they run, and the parent's side of the queue.

Units of work (subtrees the parent shared out, and directories a busy worker donated to
an idle one) go through one task queue; results come back through another (probes/scan.py).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import time
from typing import Any

from srvdoctor.probes.scan_model import GRACE_S, TICK_S, Node, ProgressFn, Settings, Shared, UnitResult
from srvdoctor.probes.scan_walk import Walker

#: A unit of work: (index, path, depth, own bytes, own apparent, eater tags, merge into).
#: `merge into` is None for the subtrees the parent shared out (placed by index), else the
#: path of the node a donated directory's sums are added to.
Unit = tuple[int, str, int, int, int, tuple[str, ...], str | None]


def worker_main(settings: Settings, shared: Shared, slot: int, tasks: Any, results: Any) -> None:
    """A forked worker: take units from `tasks` until None; put each result (and donations)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it sets the stop flag
    done = 0
    next_index = [0]

    def donate(into: str, dirs: list[tuple[str, tuple[str, ...]]]) -> None:
        # donated ids are (slot, n): unique across workers without asking the parent
        units = []
        for sub, tags in dirs:
            next_index[0] += 1
            units.append(
                (-(slot + 1) * 1_000_000_000 - next_index[0], sub, settings.depth + 1, 0, 0, tags, into)
            )
        # announced before the units are queued, and before this unit's own result: the
        # parent reads one process's messages in order, which is what lets it know when all is done
        results.put(("donated", [u[0] for u in units]))
        for unit in units:
            tasks.put(unit)

    while True:
        with shared.idle.get_lock():
            shared.idle.value += 1
        unit = tasks.get()
        with shared.idle.get_lock():
            shared.idle.value -= 1
        if unit is None:
            return
        index, path, depth, own, own_apparent, tags, into = unit
        walker = Walker(settings, shared, slot, None)
        walker.base = done
        walker.donate = donate
        for tag in tags:
            walker.eaters[tag] = ["", 0, 0]  # the parent knows the kind; only sums travel
        if into is None:
            node = walker.scan_tree(path, depth, own, own_apparent, tags)
        else:
            node = Node(path)
            walker.walk_flat(path, node, tags)
        done += walker.scanned
        shared.files[slot] = done
        results.put(("unit", UnitResult(index, node, walker.seen, walker.top, walker.eaters, walker.scanned,
                                         walker.errors, walker.examples, walker.skipped, walker.incomplete,
                                         into)))  # fmt: skip


def free_cores(cpus: int) -> int:
    """Cores not busy right now: CPUs minus the other runnable tasks (/proc/loadavg, 4th field)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            running = int(fh.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return cpus
    return max(1, cpus - max(0, running - 1))  # the reader itself is one of the runnable


def default_workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(free_cores(cpus), 16))


def run_units(
    units: list[tuple[Unit, Node]],
    s: Settings,
    shared: Shared,
    nworkers: int,
    main: Walker,
    progress: ProgressFn | None,
) -> list[UnitResult]:
    if nworkers == 1 or len(units) == 1:
        out = []
        for unit, _parent in units:
            node = main.scan_tree(unit[1], unit[2], unit[3], unit[4], unit[5])
            out.append(UnitResult(unit[0], node, {}, [], {}, 0, 0, [], [], None))
        return out
    ctx = multiprocessing.get_context("fork")
    tasks: Any = ctx.SimpleQueue()
    replies: Any = ctx.Queue()
    for unit, _parent in units:
        tasks.put(unit)
    count = min(nworkers, len(units))
    workers = [ctx.Process(target=worker_main, args=(s, shared, slot, tasks, replies), daemon=True)
               for slot in range(count)]  # fmt: skip
    for worker in workers:
        worker.start()
    results: list[UnitResult] = []
    # Done when every shared-out unit came back and every announced donation too. A worker
    # announces its donations before its own result, so once a unit's result is here its
    # donations are known; a stolen part may still come back before its announcement.
    initial = {unit[0] for unit, _ in units}
    announced: set[int] = set()
    received: set[int] = set()

    def finished() -> bool:
        return initial <= received and announced <= received

    try:
        while not finished():
            try:
                kind, value = replies.get(timeout=TICK_S)
            except queue.Empty:
                now = time.monotonic()
                if s.deadline is not None and now > s.deadline + GRACE_S:
                    main.incomplete = main.incomplete or "time limit"
                    break
                if not all(w.is_alive() for w in workers):
                    break  # a worker died (killed): what came back is what there is
                if progress is not None:
                    current = bytes(shared.current).split(b"\0", 1)[0]
                    progress(sum(shared.files) + main.scanned, os.fsdecode(current))
                continue
            if kind == "donated":
                announced.update(value)
            else:
                results.append(value)
                received.add(value.index)
        for _ in workers:
            tasks.put(None)
        for worker in workers:
            worker.join(1.0)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        for worker in workers:
            worker.join()
        replies.close()
    if shared.stop.value:
        main.incomplete = main.incomplete or "interrupted"
    if not finished():
        main.incomplete = main.incomplete or "interrupted"
    return results
