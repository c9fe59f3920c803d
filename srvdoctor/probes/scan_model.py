"""The scanner's values: the nodes and result it returns, and what its processes share.

Split from probes/scan.py (which re-exports the public names); see there for the semantics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import field
from typing import Any

from srvdoctor.record import dataclass

#: Never entered below the scan root, even with cross_mounts.
NEVER_ENTER = frozenset({"/proc", "/sys", "/dev", "/run"})
#: How many example paths of unreadable directories and skipped mounts to keep.
MAX_EXAMPLES = 5
MAX_SKIPPED_MOUNTS = 20
MAX_EATER_FILES = 50
#: Progress is reported (and shared with the parent) at most this often.
TICK_S = 0.1
#: Levels read in the parent, at most, to find enough subtrees to share out.
EXPAND_LEVELS = 3
#: Seconds the parent waits for workers past the deadline before stopping them hard.
GRACE_S = 3.0

ProgressFn = Callable[[int, str], None]


@dataclass(slots=True)
class Node:
    """One directory down to the requested depth, with everything below it summed."""

    path: str
    bytes: int = 0  # allocated (st_blocks * 512), like du
    apparent: int = 0  # byte lengths (st_size), like du --apparent-size
    items: int = 0  # inodes: files, directories, links (hard links once), itself included
    dirs: int = 0  # subdirectories, before keeping only the top ones
    children: list[Node] = field(default_factory=list)

    def add(self, other: Node) -> None:
        self.bytes += other.bytes
        self.apparent += other.apparent
        self.items += other.items

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class TopFile:
    path: str
    bytes: int
    apparent: int


@dataclass(frozen=True)
class Eater:
    """A known space eater found in the tree (see probes/spaceeaters.py)."""

    kind: str
    path: str
    bytes: int
    apparent: int


@dataclass(frozen=True)
class ScanResult:
    root: Node
    top_files: tuple[TopFile, ...]
    eaters: tuple[Eater, ...]
    scanned: int  # entries looked at (files, dirs, links)
    errors: int  # directories that could not be read
    error_examples: tuple[str, ...]  # "PATH: reason"
    skipped_mounts: tuple[str, ...]  # other filesystems left out (cross_mounts off)
    incomplete: str | None  # None, "interrupted" or "time limit"
    duration_s: float
    workers: int
    apparent_size: bool
    by_items: bool = False  # children ordered by entries (inodes), like du --inodes
    stolen: int = 0  # directories a busy worker handed to an idle one (work stealing)

    @property
    def total(self) -> int:
        return self.root.apparent if self.apparent_size else self.root.bytes


@dataclass(frozen=True)
class Settings:
    root: str
    depth: int
    top: int
    apparent: bool
    cross: bool
    dev: int
    deadline: float | None
    docker_roots: frozenset[str]
    by_items: bool = False


@dataclass
class Shared:
    """Memory shared with the forked workers: stop flag, per-worker counts, current dir."""

    stop: Any
    files: Any  # one counter per worker slot, the last one the parent's
    current: Any
    slot_counter: Any
    idle: Any = None  # workers waiting for a unit (work stealing), a shared counter


# (key, path, bytes, apparent, dev, ino); key is what the heap orders by
TopItem = tuple[int, str, int, int, int, int]
# (dev, ino) -> (bytes, apparent, path of the node it was counted in)
Seen = dict[tuple[int, int], tuple[int, int, str]]


@dataclass
class UnitResult:
    index: int
    node: Node
    seen: Seen
    top: list[TopItem]
    eaters: dict[str, list[Any]]
    scanned: int
    errors: int
    examples: list[str]
    skipped: list[str]
    incomplete: str | None
    into: str | None = None  # a donated directory: the path of the node its sums go into
