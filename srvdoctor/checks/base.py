"""What every check is: a small typed object with an id, an area, thresholds and `run`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import field
from typing import Any, ClassVar, Protocol, TypeVar

from srvdoctor.config import Config
from srvdoctor.model import Result
from srvdoctor.record import dataclass

T = TypeVar("T")


@dataclass
class CheckContext:
    """What a check may use while it runs: the config, the probe timeout, shared readings."""

    config: Config = field(default_factory=Config)
    timeout: float = 3.0
    debug: bool = False
    #: skip slow probes (`--fast`): e.g. Docker's `system df`
    fast: bool = False
    started: float = field(default_factory=time.monotonic)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)
    _locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def memo(self, key: str, factory: Callable[[], T]) -> T:
        """Compute a probe reading once per run, however many checks ask for it."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = factory()
            value: T = self._memo[key]
            return value


class Check(Protocol):
    """The shape of a check class. Dataclass fields are its thresholds (config overrides them).

    `playbooks` lists every playbook id the check can link to; a test asserts they exist.
    `timeout_factor` widens the per-check deadline for checks that probe in several steps.
    """

    id: ClassVar[str]
    area: ClassVar[str]
    playbooks: ClassVar[tuple[str, ...]]
    __dataclass_fields__: ClassVar[dict[str, Any]]  # every check is a dataclass

    def run(self, ctx: CheckContext) -> list[Result]: ...
