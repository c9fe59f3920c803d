"""NVIDIA GPUs through NVML (pynvml from nvidia-ml-py, lazily imported): memory per device."""

from __future__ import annotations

import contextlib

from srvdoctor.messages import t
from srvdoctor.record import dataclass


@dataclass(frozen=True)
class GpuMemory:
    index: int
    name: str
    total_bytes: int
    free_bytes: int


class NvmlUnavailable(Exception):
    """NVML cannot be used here: no driver, no GPU, or the library is missing."""


def gpu_memory() -> list[GpuMemory]:
    """Every GPU NVML sees, with its free memory. Raises NvmlUnavailable with the reason."""
    try:
        import pynvml
    except ImportError as exc:  # pragma: no cover - nvidia-ml-py is a dependency
        raise NvmlUnavailable(t("pynvml cannot be imported ({error})", error=str(exc))) from None
    try:
        pynvml.nvmlInit()
    except Exception as exc:
        raise NvmlUnavailable(f"NVML: {exc}") from None
    try:
        out = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            name = pynvml.nvmlDeviceGetName(handle)
            mem = pynvml.nvmlDeviceGetMemoryInfo(handle)
            out.append(
                GpuMemory(
                    i, name.decode() if isinstance(name, bytes) else str(name), int(mem.total), int(mem.free)
                )
            )
        return out
    except Exception as exc:
        raise NvmlUnavailable(t("NVML query failed: {error}", error=str(exc))) from None
    finally:
        with contextlib.suppress(Exception):
            pynvml.nvmlShutdown()
