"""What the GPU checks share: the NVML reading (read once per run), the NVIDIA devices on
the PCI bus, and how a device is named in a result."""

from __future__ import annotations

from pathlib import Path

from srvdoctor.checks.base import CheckContext
from srvdoctor.messages import Msg, join
from srvdoctor.probes.nvml import GpuDevice, GpuProcess, GpuSample, NvmlUnavailable, probe
from srvdoctor.units import naturalsize


def gpu_reading(ctx: CheckContext) -> GpuSample | NvmlUnavailable:
    return ctx.memo("nvml", lambda: probe(ctx.timeout))


def nvidia_pci_devices(root: Path = Path("/sys/bus/pci/devices")) -> int:
    """How many PCI devices from NVIDIA (vendor 0x10de) this machine has (display/3D class)."""
    count = 0
    try:
        for dev in root.iterdir():
            try:
                vendor = (dev / "vendor").read_text().strip()
                klass = (dev / "class").read_text().strip()
            except OSError:
                continue
            if vendor == "0x10de" and klass.startswith("0x03"):
                count += 1
    except OSError:
        return 0
    return count


def target(dev: GpuDevice) -> str:
    return f"gpu{dev.index}"


def title(dev: GpuDevice) -> str:
    return f"GPU {dev.index} ({dev.name})"


def devices(ctx: CheckContext) -> list[GpuDevice]:
    reading = gpu_reading(ctx)
    return list(reading.devices) if isinstance(reading, GpuSample) else []


def holders(procs: tuple[GpuProcess, ...], n: int = 3) -> Msg:
    ranked = sorted(procs, key=lambda p: p.used_bytes or 0, reverse=True)[:n]
    return join("; ", [join(" ", [p.label, naturalsize(p.used_bytes or 0)]) for p in ranked])


def proc_dict(p: GpuProcess) -> dict[str, object]:
    return {"pid": p.pid, "used_bytes": p.used_bytes, "kind": p.kind, "name": p.name, "user": p.user,
            "cmdline": p.cmdline, "visible": p.visible}  # fmt: skip
