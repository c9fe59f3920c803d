"""The explicit registry of checks: one tuple, in report order. No import-time magic."""

from __future__ import annotations

from collections.abc import Iterable

from srvdoctor.checks import disk, docker, expect, firewall, gpu, http, load, logs, network, path, ping, shm
from srvdoctor.checks.base import Check
from srvdoctor.config import Config
from srvdoctor.model import AREAS

CHECKS: tuple[type[Check], ...] = (
    *disk.CHECKS,
    *shm.CHECKS,
    *path.CHECKS,
    *network.CHECKS,
    *http.CHECKS,
    *ping.CHECKS,
    *firewall.CHECKS,
    *load.CHECKS,
    *gpu.CHECKS,
    *docker.CHECKS,
    *expect.CHECKS,
    *logs.CHECKS,
)


def select(only: Iterable[str] = (), skip: Iterable[str] = ()) -> list[type[Check]]:
    """Check classes in the chosen areas; `only` empty means every area."""
    chosen = set(only) or set(AREAS)
    chosen -= set(skip)
    return [c for c in CHECKS if c.area in chosen]


def build(classes: Iterable[type[Check]], config: Config) -> list[Check]:
    """Instantiate checks with their threshold overrides from the config."""
    return [cls(**config.checks.get(cls.id, {})) for cls in classes]
