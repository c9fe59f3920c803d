"""Am I in a container? Docker, containerd/Kubernetes, Podman, LXC — from what the process can see.

Signals, strongest first: the cgroup path (/docker/<id>, kubepods, libpod-<id>, /lxc/),
the files the runtime bind-mounts (/etc/hostname from /var/lib/docker/containers/<id>/,
/var/lib/kubelet/pods/..., .../overlay-containers/<id>/userdata), /run/.containerenv
(Podman), PID 1's `container=` variable (systemd's convention: lxc, podman, docker),
$KUBERNETES_SERVICE_HOST. `/.dockerenv` alone is weak (some VM images ship it): it counts
only with an overlay root filesystem beside it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from srvdoctor.lazyre import LazyPattern, lazy
from srvdoctor.messages import join, t
from srvdoctor.record import dataclass

_ID = r"([0-9a-f]{12,64})"
#: cgroup path -> runtime
_CGROUP_PATTERNS: tuple[tuple[str, LazyPattern[str]], ...] = (
    ("kubernetes", lazy(r"kubepods.*?(?:cri-containerd-|crio-|docker-|/)" + _ID)),
    ("kubernetes", lazy(r"kubepods")),
    ("docker", lazy(r"/docker[-/]" + _ID)),
    ("podman", lazy(r"libpod-(?:conmon-)?" + _ID)),
    ("containerd", lazy(r"cri-containerd-" + _ID)),
    ("lxc", lazy(r"/lxc(?:\.payload)?[./]([^/]+)")),
)
#: the source path of a bind-mounted /etc/hostname (mountinfo field 4) -> runtime
_MOUNT_PATTERNS: tuple[tuple[str, LazyPattern[str]], ...] = (
    ("docker", lazy(r"/docker/containers/" + _ID + "/")),
    ("kubernetes", lazy(r"/kubelet/pods/([0-9a-f-]{36})/")),
    ("containerd", lazy(r"/io\.containerd\.grpc\.v1\.cri/sandboxes/" + _ID + "/")),
    ("podman", lazy(r"/overlay-containers/" + _ID + "/userdata")),
)


@dataclass(frozen=True)
class ContainerInfo:
    runtime: str | None  # docker, podman, kubernetes, containerd, lxc, container (unknown kind); None = host
    id: str | None = None
    name: str | None = None
    image: str | None = None
    root_fstype: str = ""
    signals: tuple[str, ...] = ()  # what was seen (also on a host: weak signals that did not count)

    @property
    def inside(self) -> bool:
        return self.runtime is not None

    def describe(self) -> str:
        """'a docker container (id 3f2a9c1e7b40, image pytorch:2.4)'."""
        if self.runtime is None:
            return t("not in a container")
        parts: list[str] = []
        if self.name:
            parts.append(t("name {name}", name=self.name))
        if self.id:
            parts.append(t("id {id}", id=self.id[:12]))
        if self.image:
            parts.append(t("image {image}", image=self.image))
        what = (
            t("an {runtime} container", runtime=self.runtime)
            if self.runtime[0] in "aeiou"
            else t("a {runtime} container", runtime=self.runtime)
        )
        return join("", [what, " (", join(", ", parts), ")"]) if parts else what

    def to_dict(self) -> dict[str, Any]:
        return {
            "runtime": self.runtime,
            "id": self.id,
            "name": self.name,
            "image": self.image,
            "root_fstype": self.root_fstype,
            "signals": list(self.signals),
        }


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def parse_containerenv(text: str) -> dict[str, str]:
    """Podman's /run/.containerenv: 'name="x"', 'image="..."', 'id="..."' lines."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip().strip('"')
    return out


def detect(
    proc: Path = Path("/proc"), root: Path = Path("/"), environ: dict[str, str] | None = None
) -> ContainerInfo:
    env = dict(os.environ) if environ is None else environ
    signals: list[str] = []
    runtime: str | None = None
    ident: str | None = None
    name: str | None = None
    image: str | None = None

    cgroup_text = _read(proc / "self" / "cgroup")
    for kind, pattern in _CGROUP_PATTERNS:
        m = pattern.search(cgroup_text)
        if m:
            runtime = runtime or kind
            ident = ident or (m.group(1) if m.groups() else None)
            signals.append(t("cgroup path {path}", path=m.group(0)))
            break

    mountinfo = _read(proc / "self" / "mountinfo")
    root_fstype = ""
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5:
            continue
        if fields[4] == "/":
            root_fstype = right.split()[0] if right else ""
        if fields[4] in ("/etc/hostname", "/etc/hosts", "/etc/resolv.conf"):
            for kind, pattern in _MOUNT_PATTERNS:
                m = pattern.search(fields[3])
                if m:
                    signals.append(t("{file} mounted from {source}", file=fields[4], source=fields[3]))
                    runtime = runtime or kind
                    if kind == "kubernetes":
                        runtime = "kubernetes"
                    elif ident is None:
                        ident = m.group(1)
                    break
    if root_fstype == "overlay":
        signals.append(t("the root filesystem is overlay (an image's writable layer)"))

    containerenv = root / "run" / ".containerenv"
    if containerenv.exists():
        values = parse_containerenv(_read(containerenv))
        signals.append(t("{path} exists", path="/run/.containerenv"))
        runtime = runtime if runtime not in (None, "container") else "podman"
        name, image = values.get("name") or None, values.get("image") or None
        ident = ident or values.get("id") or None

    pid1_env = _read(proc / "1" / "environ")
    for item in pid1_env.split("\0"):
        if item.startswith("container=") and item != "container=":
            kind = item.partition("=")[2]
            signals.append(t("PID 1 has {variable}", variable=item))
            runtime = runtime or kind
    if env.get("KUBERNETES_SERVICE_HOST"):
        signals.append(t("{variable} is set", variable="$KUBERNETES_SERVICE_HOST"))
        runtime = "kubernetes"

    dockerenv = (root / ".dockerenv").exists()
    if dockerenv:
        signals.append(t("{path} exists", path="/.dockerenv"))
        if runtime is None and root_fstype == "overlay":
            runtime = "docker"

    if runtime is not None and name is None and runtime in ("docker", "kubernetes", "podman"):
        # Docker and Kubernetes set the hostname to the short id / pod name unless told otherwise
        hostname = _read(root / "etc" / "hostname").strip()
        if hostname and (runtime == "kubernetes" or (ident and ident.startswith(hostname))):
            name = hostname if runtime == "kubernetes" else None
    return ContainerInfo(runtime, ident, name, image, root_fstype, tuple(signals))


@dataclass(frozen=True)
class ContainerGpu:
    """What the container runtime handed in for NVIDIA GPUs."""

    device_nodes: tuple[str, ...]  # /dev/nvidia0, /dev/nvidiactl, ...
    visible_devices: str | None  # $NVIDIA_VISIBLE_DEVICES (None = unset)

    def to_dict(self) -> dict[str, Any]:
        return {"device_nodes": list(self.device_nodes), "nvidia_visible_devices": self.visible_devices}


def gpu_exposure(
    where: ContainerInfo | None = None, dev: Path = Path("/dev"), environ: dict[str, str] | None = None
) -> ContainerGpu:
    env = dict(os.environ) if environ is None else environ
    try:
        nodes = tuple(sorted(str(p) for p in dev.glob("nvidia*")))
    except OSError:
        nodes = ()
    return ContainerGpu(nodes, env.get("NVIDIA_VISIBLE_DEVICES"))


_PSEUDO = frozenset({"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "tmpfs", "devtmpfs",
                     "securityfs", "debugfs", "tracefs", "bpf", "pstore", "fusectl", "configfs", "hugetlbfs",
                     "nsfs"})  # fmt: skip
_RUNTIME_FILES = frozenset({"/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/run/.containerenv"})


def volumes(mountinfo: Path = Path("/proc/self/mountinfo")) -> list[tuple[str, str]]:
    """(mount point, fstype) of the volumes and bind mounts of a container: where writes do not
    land in the image's writable layer."""
    out: list[tuple[str, str]] = []
    for line in _read(mountinfo).splitlines():
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(fields) < 5 or not rfields:
            continue
        point, fstype = fields[4], rfields[0]
        if point == "/" or point in _RUNTIME_FILES or fstype in _PSEUDO:
            continue
        if point.startswith(("/proc", "/sys", "/dev")):
            continue
        out.append((point.encode().decode("unicode_escape") if "\\" in point else point, fstype))
    return out
