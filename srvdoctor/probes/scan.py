"""A du-style directory scan: sizes to a depth, the largest files, known space eaters.

Shell equivalent: `du -x -B1 -d N PATH`, plus `find PATH -xdev -type f -size +100M`.

Semantics follow GNU du so that totals match `du -B1 -x` byte for byte: sizes are
allocated blocks (`st_blocks * 512`; `apparent` holds the byte lengths), hard-linked
files count once (by `(st_dev, st_ino)`), directories count their own blocks, symlinks
are never followed, other filesystems are left out unless `cross_mounts`, and /proc,
/sys, /dev and /run are never entered. An unreadable directory counts its own blocks,
is recorded as an error and the scan goes on.

Speed and memory: the walk aggregates as it goes. Only the nodes down to `depth` are
kept (and of those only the `top` largest children per level), plus a bounded heap of
the largest files, so memory does not grow with the number of files. The top levels
are read in this process; the subtrees below are shared out to a pool of forked worker
processes (threads do not help: the walk is bound by the interpreter), which on two
cores is what brings a Python walk level with du.

The modules: `scan_model` (the values and what the processes share), `scan_walk` (the walk
in one process: one `os.listdir` and one `lstat(name, dir_fd=...)` per entry), `scan_pool`
(how many workers, the forked workers and the parent's side of the queues) and this one
(reading the top levels to share them out, and merging what comes back).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import stat
import threading
import time
from collections.abc import Iterator
from ctypes import c_char, c_int, c_ulonglong
from types import FrameType
from typing import Any

from srvdoctor.probes.scan_model import (
    EXPAND_LEVELS,
    MAX_EXAMPLES,
    MAX_SKIPPED_MOUNTS,
    Eater,
    Node,
    ProgressFn,
    ScanResult,
    Settings,
    Shared,
    TopFile,
    TopItem,
    UnitResult,
)
from srvdoctor.probes.scan_pool import Unit, default_workers, free_cores, run_units
from srvdoctor.probes.scan_walk import Walker
from srvdoctor.probes.spaceeaters import docker_data_roots, match_dir

__all__ = ["Eater", "Node", "ProgressFn", "ScanResult", "TopFile", "default_workers", "free_cores", "scan"]


@contextlib.contextmanager
def _sigint_sets(flag: Any) -> Iterator[None]:
    """First Ctrl-C asks the scan to stop (partial result); a second one interrupts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if flag.value:
            raise KeyboardInterrupt
        flag.value = 1

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def scan(
    path: str,
    depth: int = 2,
    top: int = 10,
    apparent_size: bool = False,
    cross_mounts: bool = False,
    max_time: float | None = None,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    by_items: bool = False,
) -> ScanResult:
    """Scan the tree at `path` (a directory; a symlink to one is followed).

    Raises OSError (FileNotFoundError, NotADirectoryError, PermissionError) when `path`
    itself cannot be scanned. Ctrl-C or `max_time` stop it with what was scanned so far
    (`incomplete` says which). `by_items` keeps the children with the most entries
    (inodes) at each level instead of the largest, as `du --inodes` ranks them.
    """
    started = time.monotonic()
    root_path = os.path.realpath(path)
    st = os.stat(root_path)
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(20, "Not a directory", path)
    os.close(os.open(root_path, os.O_RDONLY | os.O_DIRECTORY))  # unreadable root: PermissionError now
    nworkers = default_workers() if workers is None else max(1, workers)
    settings = Settings(
        root=root_path, depth=max(0, depth), top=max(1, top), apparent=apparent_size, cross=cross_mounts,
        dev=st.st_dev, deadline=started + max_time if max_time else None, docker_roots=docker_data_roots(),
        by_items=by_items,
    )  # fmt: skip
    ctx = multiprocessing.get_context("fork")
    shared = Shared(
        stop=ctx.RawValue(c_int, 0),
        files=ctx.RawArray(c_ulonglong, nworkers + 1),
        current=ctx.RawArray(c_char, 4096),
        slot_counter=ctx.Value(c_int, 0),
        idle=ctx.Value(c_int, 0),
    )
    main = Walker(settings, shared, nworkers, progress)
    with _sigint_sets(shared.stop):
        root, units, created = _expand(main, settings, st, nworkers)
        results = run_units(units, settings, shared, nworkers, main, progress) if units else []
    return _merge(main, settings, root, units, created, results, nworkers, time.monotonic() - started)


def _expand(
    main: Walker, s: Settings, st: os.stat_result, nworkers: int
) -> tuple[Node, list[tuple[Unit, Node]], list[tuple[Node, Node]]]:
    """Read the top levels here until there are enough subtrees to share out.

    Returns the root, the units (each with the node it belongs under) and the nodes made
    here as (node, parent) pairs, parents first.
    """
    root = Node(s.root, st.st_blocks * 512, st.st_size, 1)
    main.scanned += 1
    tags: tuple[str, ...] = ()
    kind = match_dir(s.root, os.path.basename(s.root), s.docker_roots)
    if kind is not None:
        main.eaters[s.root] = [kind, root.bytes, root.apparent]
        tags = (s.root,)
    created: list[tuple[Node, Node]] = []
    todo = [(root, s.root, 0, tags)]
    target = nworkers * 8 if nworkers > 1 else 1
    pending: list[tuple[str, int, int, int, tuple[str, ...], Node]] = []
    for level in range(EXPAND_LEVELS):
        pending = []
        for tracked, path, depth, dir_tags in todo:
            for sub, _name, own, own_apparent, subtags in main.read_dir(path, tracked, dir_tags):
                pending.append((sub, depth + 1, own, own_apparent, subtags, tracked))
        if not pending or len(pending) >= target or nworkers == 1 or main.incomplete:
            break
        if level == EXPAND_LEVELS - 1:
            break
        todo = []
        for sub, depth, own, own_apparent, subtags, parent in pending:
            main.scanned += 1
            for tag in subtags:
                eater = main.eaters[tag]
                eater[1] += own
                eater[2] += own_apparent
            if depth <= s.depth:
                node = Node(sub, own, own_apparent, 1)
                parent.dirs += 1
                parent.children.append(node)
                created.append((node, parent))
                todo.append((node, sub, depth, subtags))
            else:
                parent.bytes += own
                parent.apparent += own_apparent
                parent.items += 1
                todo.append((parent, sub, depth, subtags))
        pending = []
    units: list[tuple[Unit, Node]] = [((i, sub, depth, own, own_apparent, subtags, None), parent)
             for i, (sub, depth, own, own_apparent, subtags, parent) in enumerate(pending)]  # fmt: skip
    return root, units, created


def _merge(
    main: Walker,
    s: Settings,
    root: Node,
    units: list[tuple[Unit, Node]],
    created: list[tuple[Node, Node]],
    results: list[UnitResult],
    nworkers: int,
    duration: float,
) -> ScanResult:
    results.sort(key=lambda r: r.index)
    parents = {unit[0]: (unit, parent) for unit, parent in units}
    donated = [res for res in results if res.into is not None]
    for res in results:
        if res.into is not None:
            continue
        unit, parent = parents[res.index]
        if unit[2] <= s.depth:
            parent.add(res.node)
            parent.dirs += 1
            parent.children.append(res.node)
        else:
            parent.add(res.node)
    # Nodes made here hold only their own sums so far; fold them into their parents.
    # Nodes that came back from the units are cumulative already and were added above.
    for node, parent in reversed(created):
        parent.add(node)
    index: dict[str, Node] | None = None
    if donated:
        # A stolen directory's sums go into the node it was taken from, and every node above.
        index = {n.path: n for n in root.walk()}
        for res in donated:
            assert res.into is not None
            _add_up(index, s.root, res.into, res.node)
    seen = main.seen
    tops = list(main.top)
    eaters = main.eaters
    incomplete = main.incomplete
    errors, examples, skipped = main.errors, list(main.examples), list(main.skipped)
    scanned = main.scanned
    for res in results:
        for key, (nbytes, napparent, where) in res.seen.items():
            if key not in seen:
                seen[key] = (nbytes, napparent, where)
                continue
            if index is None:
                index = {n.path: n for n in root.walk()}
            _uncount(index, s.root, where, nbytes, napparent)
        tops.extend(res.top)
        for path, (_kind, nbytes, napparent) in res.eaters.items():
            if path in eaters:
                eaters[path][1] += nbytes
                eaters[path][2] += napparent
            else:
                eaters[path] = [_kind, nbytes, napparent]
        scanned += res.scanned
        errors += res.errors
        examples.extend(res.examples)
        skipped.extend(res.skipped)
        incomplete = incomplete or res.incomplete
    for node in root.walk():
        main.prune(node)
    unique: dict[tuple[int, int], TopItem] = {}
    for item in sorted(tops, reverse=True):
        unique.setdefault((item[4], item[5]), item)
    top_files = tuple(TopFile(t[1], t[2], t[3]) for t in list(unique.values())[: s.top])
    found = sorted(
        (Eater(v[0], p, v[1], v[2]) for p, v in eaters.items() if v[0]),
        key=lambda e: e.apparent if s.apparent else e.bytes,
        reverse=True,
    )
    return ScanResult(
        root=root, top_files=top_files, eaters=tuple(found), scanned=scanned, errors=errors,
        error_examples=tuple(examples[:MAX_EXAMPLES]), skipped_mounts=tuple(skipped[:MAX_SKIPPED_MOUNTS]),
        incomplete=incomplete, duration_s=duration, workers=nworkers if results and units else 1,
        apparent_size=s.apparent, by_items=s.by_items, stolen=len(donated),
    )  # fmt: skip


def _add_up(index: dict[str, Node], root: str, where: str, sums: Node) -> None:
    """Add `sums` to the node at `where` and to every node above it, up to the root."""
    path = where
    while True:
        node = index.get(path)
        if node is not None:
            node.add(sums)
        if path == root or path == os.path.dirname(path):
            return
        path = os.path.dirname(path)


def _uncount(index: dict[str, Node], root: str, where: str, nbytes: int, napparent: int) -> None:
    """A hard link counted twice (by two workers): take it out of every node above it."""
    path = where
    while True:
        node = index.get(path)
        if node is not None:
            node.bytes -= nbytes
            node.apparent -= napparent
            node.items -= 1
        if path == root or path == os.path.dirname(path):
            return
        path = os.path.dirname(path)
