"""GPU area: NVIDIA GPUs through NVML — memory, temperature, throttling, ECC, processes, driver.

The checks live in gpu_health.py, gpu_processes.py and gpu_driver.py; what they share in
gpu_common.py. This module is the area's list (checks/registry.py names it).
"""

from __future__ import annotations

from srvdoctor.checks.gpu_common import gpu_reading, nvidia_pci_devices
from srvdoctor.checks.gpu_driver import GpuDriver
from srvdoctor.checks.gpu_health import GpuEcc, GpuMemory, GpuTemperature, GpuThrottle
from srvdoctor.checks.gpu_processes import GpuProcesses

__all__ = ["CHECKS", "GpuDriver", "GpuEcc", "GpuMemory", "GpuProcesses", "GpuTemperature", "GpuThrottle",
           "gpu_reading", "nvidia_pci_devices"]  # fmt: skip

CHECKS = (GpuMemory, GpuTemperature, GpuThrottle, GpuEcc, GpuProcesses, GpuDriver)
