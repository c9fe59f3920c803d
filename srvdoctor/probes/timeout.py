"""Bound any blocking call in time: a hung NFS statfs or socket must not hang srvdoctor."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from srvdoctor.messages import Msg

T = TypeVar("T")
A = TypeVar("A")


class ProbeTimeout(TimeoutError):
    """A probe did not answer within its timeout."""

    def __init__(self, what: str, timeout: float) -> None:
        super().__init__(f"{what} did not answer within {timeout:g} s")
        self.what = what
        self.timeout = timeout

    @property
    def message(self) -> Msg:
        """`str(self)`, translatable (str() of an exception drops a `Msg`'s template)."""
        from srvdoctor.messages import t

        return t("{what} did not answer within {timeout:g} s", what=self.what, timeout=self.timeout)


def call_with_timeout(fn: Callable[[], T], timeout: float, what: str) -> T:
    """Run `fn` in a daemon thread; raise ProbeTimeout if it has not returned in time.

    The thread is abandoned, not killed (Python cannot kill threads); being a daemon it
    never keeps the process alive at exit.
    """
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"probe:{what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise ProbeTimeout(what, timeout)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def map_with_timeout(
    fn: Callable[[A], T], items: list[A], timeout: float, what: Callable[[A], str]
) -> list[T | BaseException]:
    """Apply `fn` to every item concurrently, all bounded by one shared `timeout`.

    Each slot holds the value, the exception raised, or a ProbeTimeout: ten hung
    mounts cost one timeout, not ten.
    """
    slots: list[T | BaseException] = [ProbeTimeout(what(item), timeout) for item in items]

    def target(i: int, item: A) -> None:
        try:
            slots[i] = fn(item)
        except BaseException as exc:
            slots[i] = exc

    threads = [
        threading.Thread(target=target, args=(i, item), name=f"probe:{what(item)}", daemon=True)
        for i, item in enumerate(items)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return list(slots)
