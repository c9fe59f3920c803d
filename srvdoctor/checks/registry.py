"""The explicit registry of checks: one tuple, in report order. No import-time magic.

The tuple names each check module with its area; a module is imported only when a command
asks for checks of its area, so `path` or `port` do not pay for the GPU and Docker probes.
`CHECKS` (every check class) is still here, built on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from srvdoctor.constants import AREAS

if TYPE_CHECKING:
    from srvdoctor.checks.base import Check
    from srvdoctor.config import Config

#: (area, module, id prefixes) for every check module, in report order. Each module has a
#: `CHECKS` tuple; the ids of its checks start with one of its prefixes (a test holds it to that).
MODULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("disk", "srvdoctor.checks.disk", ("disk.space", "disk.inodes", "disk.deleted_open")),
    ("disk", "srvdoctor.checks.shm", ("disk.shm",)),
    ("path", "srvdoctor.checks.path", ("path.",)),
    ("network", "srvdoctor.checks.network", ("net.dns", "port.")),
    ("network", "srvdoctor.checks.http", ("http.",)),
    ("network", "srvdoctor.checks.ping", ("net.ping",)),
    ("firewall", "srvdoctor.checks.firewall", ("firewall.",)),
    ("load", "srvdoctor.checks.load", ("container.", "cpu.", "mem.")),
    ("load", "srvdoctor.checks.inotify", ("fs.inotify",)),
    ("gpu", "srvdoctor.checks.gpu", ("gpu.",)),
    ("docker", "srvdoctor.checks.docker", ("docker.",)),
    ("expect", "srvdoctor.checks.expect", ("expect.",)),
    ("logs", "srvdoctor.checks.logs", ("logs.",)),
)


def checks(areas: Iterable[str] | None = None) -> tuple[type[Check], ...]:
    """The check classes of `areas` (every area when None), importing only their modules."""
    wanted = set(AREAS if areas is None else areas)
    found: list[type[Check]] = []
    for area, module, _prefixes in MODULES:
        if area in wanted:
            found.extend(importlib.import_module(module).CHECKS)
    return tuple(found)


def by_id(ids: Iterable[str]) -> dict[str, type[Check]]:
    """The check classes of these ids (unknown ids left out), importing only their modules."""
    wanted = set(ids)
    found: dict[str, type[Check]] = {}
    for _area, module, prefixes in MODULES:
        if any(i.startswith(prefixes) for i in wanted):
            found.update((c.id, c) for c in importlib.import_module(module).CHECKS if c.id in wanted)
    return found


def __getattr__(name: str) -> tuple[type[Check], ...]:
    if name == "CHECKS":  # every check class, in report order (imports every check module)
        return checks()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def select(only: Iterable[str] = (), skip: Iterable[str] = ()) -> list[type[Check]]:
    """Check classes in the chosen areas; `only` empty means every area."""
    chosen = set(only) or set(AREAS)
    chosen -= set(skip)
    return list(checks(chosen))


def build(classes: Iterable[type[Check]], config: Config) -> list[Check]:
    """Instantiate checks with their threshold overrides from the config."""
    return [cls(**config.checks.get(cls.id, {})) for cls in classes]
