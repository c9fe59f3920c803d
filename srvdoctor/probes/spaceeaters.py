"""Known space eaters: directories and files that fill servers, with what is safe to clean.

The scanner (`probes/scan.py`) asks `match_dir` for every directory whose name is in
`DIR_NAMES` (a set lookup, so the walk stays cheap) and `match_file` for every file of
at least `MIN_FILE_BYTES`. srvdoctor never deletes anything: each eater carries the
command a person would run.
"""

from __future__ import annotations

import json
import os

from srvdoctor.lazyre import lazy
from srvdoctor.messages import N_
from srvdoctor.record import dataclass

GiB = 1024**3
MiB = 1024**2


@dataclass(frozen=True)
class EaterKind:
    """One kind of space eater: what it is, what is safe to clean, and how."""

    kind: str
    title: str  # marked with N_: translated where printed (`_(kind.title)`)
    safe: str
    command: str  # `{path}` is replaced by the eater's path


KINDS: dict[str, EaterKind] = {
    k.kind: k
    for k in (
        EaterKind(
            "docker-data-root",
            N_("Docker data root (images, containers, volumes, build cache)"),
            N_("unused images, stopped containers and build cache; never delete files here by hand"),
            "docker system df && docker image prune -a && docker builder prune",
        ),
        EaterKind(
            "docker-container-logs",
            N_("Docker container json logs"),
            N_("the logs of containers you do not need; set log rotation (max-size) to stop regrowth"),
            "du -sh {path}/*/*-json.log | sort -h | tail; truncate -s 0 {path}/<id>/<id>-json.log",
        ),
        EaterKind(
            "journald",
            N_("systemd journal"),
            N_("old journal files; keep the recent ones for debugging"),
            "journalctl --disk-usage && journalctl --vacuum-size=500M",
        ),
        EaterKind(
            "pip-cache",
            N_("pip download cache"),
            N_("all of it: pip downloads again what it needs"),
            "pip cache purge   # or: rm -rf {path}",
        ),
        EaterKind(
            "huggingface-cache",
            N_("Hugging Face cache (models and datasets)"),
            N_("models and datasets you no longer use; they download again on demand"),
            "huggingface-cli delete-cache   # or: huggingface-cli scan-cache",
        ),
        EaterKind(
            "torch-cache",
            N_("PyTorch hub cache (downloaded checkpoints)"),
            N_("checkpoints you no longer use; they download again on demand"),
            "ls -lh {path}/hub/checkpoints && rm {path}/hub/checkpoints/<old>.pth",
        ),
        EaterKind(
            "conda-pkgs",
            N_("conda package cache"),
            N_("cached packages and tarballs: environments keep working"),
            "conda clean --all",
        ),
        EaterKind(
            "core-dumps",
            N_("core dumps"),
            N_("dumps you have already looked at (or never will)"),
            "coredumpctl list; rm {path}",
        ),
        EaterKind(
            "big-log",
            N_("log file over 1 GiB"),
            N_(
                "its old content, once nothing needs it; "
                "truncate rather than delete if a process writes to it"
            ),
            "tail -c 100M {path} > /tmp/last.log; truncate -s 0 {path}",
        ),
    )
}

#: Directory names worth a closer look (everything else is skipped with one set lookup).
DIR_NAMES = frozenset({"docker", "containers", "journal", "pip", "huggingface", "torch", "pkgs",
                       "coredump", "crash"})  # fmt: skip

#: Files smaller than this are never eaters (one comparison per file in the walk).
MIN_FILE_BYTES = MiB
BIG_LOG_BYTES = GiB

_CONDA_ROOTS = frozenset({"miniconda3", "miniconda", "anaconda3", "anaconda", "miniforge3", "mambaforge",
                          "conda", ".conda", "micromamba", ".micromamba"})  # fmt: skip
_CORE = lazy(r"^core(\.\d+)?$|\.core$")


def docker_data_roots(daemon_json: str = "/etc/docker/daemon.json") -> frozenset[str]:
    """/var/lib/docker, plus the `data-root` of daemon.json where it sets one."""
    roots = {"/var/lib/docker"}
    try:
        with open(daemon_json, encoding="utf-8") as fh:
            value = json.load(fh).get("data-root")
        if isinstance(value, str) and value.startswith("/"):
            roots.add(os.path.normpath(value))
    except (OSError, ValueError, AttributeError):
        pass
    return frozenset(roots)


def match_dir(path: str, name: str, docker_roots: frozenset[str]) -> str | None:
    """The eater kind of directory `path` (whose last component is `name`), or None."""
    parent = os.path.dirname(path)
    parent_name = os.path.basename(parent)
    if path in docker_roots:
        return "docker-data-root"
    if name == "containers" and parent in docker_roots:
        return "docker-container-logs"
    if name in ("pip", "huggingface", "torch") and parent_name == ".cache":
        return {"pip": "pip-cache", "huggingface": "huggingface-cache", "torch": "torch-cache"}[name]
    if name == "pkgs" and parent_name in _CONDA_ROOTS:
        return "conda-pkgs"
    if name == "journal" and parent in ("/var/log", "/run/log"):
        return "journald"
    if (name == "coredump" and parent == "/var/lib/systemd") or (name == "crash" and parent == "/var"):
        return "core-dumps"
    return None


def match_file(name: str, size: int) -> str | None:
    """The eater kind of a file of `size` bytes (allocated), or None."""
    if size >= BIG_LOG_BYTES and name.endswith(".log"):
        return "big-log"
    if _CORE.search(name):
        return "core-dumps"
    return None
